artifact_bucket = "prod-code"
db_endpoint     = "db.prod.internal"

artifact_bucket = "prod-code"
db_endpoint     = "db.staging.internal"

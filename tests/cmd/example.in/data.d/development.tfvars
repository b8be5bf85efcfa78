artifact_bucket = "dev-code"
db_endpoint     = "db.dev.internal"

# Environment data of staging: endpoints and buckets, never versions.
db_endpoint     = "db.staging.internal"
artifact_bucket = "prod-code"
instance_count  = 2

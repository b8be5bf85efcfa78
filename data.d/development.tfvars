# Environment data of development: endpoints and buckets, never versions.
db_endpoint     = "db.dev.internal"
artifact_bucket = "dev-code"
instance_count  = 1

# Environment data of production: endpoints and buckets, never versions.
db_endpoint     = "db.prod.internal"
artifact_bucket = "prod-code"
instance_count  = 3

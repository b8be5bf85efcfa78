lambda_version = "1.1.0"
db = "prod.internal"

lambda_version = "1.2.0"
db = "dev.internal"

lambda_version = "1.1.0"
db = "staging.internal"

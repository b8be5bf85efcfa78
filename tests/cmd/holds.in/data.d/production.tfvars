db = "production"

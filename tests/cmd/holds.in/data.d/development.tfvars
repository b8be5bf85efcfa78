db = "development"

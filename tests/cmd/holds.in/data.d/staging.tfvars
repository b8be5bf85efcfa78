db = "staging"

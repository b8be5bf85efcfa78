# development pins
artifact_versions = {
  lambda-x = "1.5.0"
  lambda-y = "2.0.9"
}
frontend_version = "v3.2.0"

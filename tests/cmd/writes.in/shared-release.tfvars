# staging and production pins
artifact_versions = {
  lambda-x = "1.4.2"
  lambda-y = "2.1.0"
}
frontend_version = "v3.1.4"

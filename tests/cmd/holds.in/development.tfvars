artifact_versions = {
  lambda-x = "1.5.0"
  lambda-y = "2.1.1"
}

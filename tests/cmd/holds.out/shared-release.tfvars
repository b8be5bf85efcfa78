# staging and production pins
artifact_versions = {
  lambda-x = "1.4.2" # tested
  lambda-y = "2.1.1"
}

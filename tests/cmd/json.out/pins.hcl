artifacts {
  location = "file://store/${artifact_bucket}/${pin}/${pin}-${version}.zip"

  pin "frontend_version" {
    skip = true
  }
}

environment "development" {
  pin_file   = "development.tfvars.json"
  data_files = ["data.d/development.tfvars.json"]
}

environment "staging" {
  pin_file   = "shared-release.tfvars.json"
  data_files = ["data.d/staging.tfvars"]
}

environment "production" {
  pin_file   = "shared-release.tfvars.json"
  data_files = ["data.d/production.tfvars"]
}

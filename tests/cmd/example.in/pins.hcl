artifacts {
  location = "file://store/${artifact_bucket}/${pin}/${pin}-${version}.zip"

  pin "frontend_version" {
    skip = true
  }
}

# The example's configuration. Environments keep the defaults (development -> staging -> production,
# staging and production sharing shared-release.tfvars); this file only says where each pin's
# build artifact lives. `pins artifacts staging` lists them.
artifacts {
  # Filled per environment from its data (data.d/<env>.tfvars sets artifact_bucket) and the pin:
  # development reads s3://dev-code, staging and production read s3://prod-code.
  location = "s3://${artifact_bucket}/${pin}/${pin}-${version}.zip"

  pin "frontend_version" {
    location = "s3://${artifact_bucket}/frontend/${version}.tar.gz"
  }
}

# A root module that really runs with `terraform init/plan/apply` and needs no provider download:
# terraform_data and outputs only. Backends come from setup/backends/<env>.tfbackend.
terraform {
  required_version = ">= 1.4"
  backend "local" {}
}

resource "terraform_data" "release" {
  # Where each artifact is deployed from: the same locations as pins.hcl's `artifacts` block, so
  # that `pins artifacts check` checks exactly what this module deploys (tested against Terraform).
  input = {
    artifacts = merge(
      {
        for name, version in var.artifact_versions :
        name => "s3://${var.artifact_bucket}/${name}/${name}-${version}.zip"
      },
      { frontend_version = "s3://${var.artifact_bucket}/frontend/${var.frontend_version}.tar.gz" },
    )
  }
}

output "artifact_versions" {
  value = var.artifact_versions
}

output "frontend_version" {
  value = var.frontend_version
}

output "db_endpoint" {
  value = var.db_endpoint
}

output "artifact_bucket" {
  value = var.artifact_bucket
}

output "instance_count" {
  value = var.instance_count
}

output "artifact_urls" {
  value = terraform_data.release.output.artifacts
}

# pins.hcl: the release policy
policy {
  allow_prerelease = false
}
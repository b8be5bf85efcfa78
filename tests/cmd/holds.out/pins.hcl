# pins.hcl: the release policy
policy {
  allow_prerelease = false
}

hold "lambda-x" "production" {
  version = "1.4.2"
  reason  = "1.5.0 leaks memory"
  since   = "2026-11-27T18:00:00Z"
}
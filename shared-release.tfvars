# Pins of staging AND production: one file, so production deploys exactly what staging tested.
# Changed only by `pins promote development staging`, then merged staging -> production.
artifact_versions = {
  lambda-x       = "1.4.2"
  lambda-y       = "2.0.1"
  "image-resize" = "0.9.3"
}

frontend_version = "v3.1.4"

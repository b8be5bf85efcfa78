# Pins of development: application CI bumps these (`pins bump lambda-x 1.5.0`).
artifact_versions = {
  lambda-x       = "1.5.0"
  lambda-y       = "2.1.0"
  "image-resize" = "0.9.3"
}

frontend_version = "v3.2.0"

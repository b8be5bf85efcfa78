variable "artifact_versions" {
  description = "Pins: Lambda-style artifacts and their versions."
  type        = map(string)
}

variable "frontend_version" {
  description = "Pin: the frontend bundle's version."
  type        = string
}

variable "db_endpoint" {
  description = "Environment data: the database this environment talks to."
  type        = string
}

variable "artifact_bucket" {
  description = "Environment data: where this environment's build artifacts live."
  type        = string
}

variable "instance_count" {
  description = "Environment data: how many instances run."
  type        = number
}

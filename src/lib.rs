//! pins: keep Terraform artifact versions safe across a linear promotion flow.
pub mod tfvars;

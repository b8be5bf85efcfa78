//! The texts `init` writes that are not moved from an input: headers of new files, an empty
//! layout, backend files and pins.hcl.

/// The first lines of development's pin file.
pub(super) const DEVELOPMENT_HEADER: &str = "Pins of development: artifact versions only (pins bump, pins promote).";

/// The first lines of the shared release file.
pub(super) const SHARED_HEADER: &str = "Pins of staging and production: one file, so production deploys exactly what staging tested.\nArtifact versions only; environment data lives in data.d/<env>.tfvars.";

/// An empty development pin file.
pub(super) const DEVELOPMENT: &str = "# Pins of development: artifact versions only (pins bump, pins promote), e.g.\n# artifact_versions = {\n#   lambda-x = \"1.4.2\"\n# }\n";

/// An empty shared release file.
pub(super) const SHARED: &str = "# Pins of staging and production: one file, so production deploys exactly what staging tested.\n# Filled by `pins promote development staging`.\n";

/// The first lines of an environment's data file.
pub(super) fn data_header(env: &str) -> String {
    format!("Environment data of {env}: endpoints, buckets, settings. Never versions: those are pins.")
}

/// An empty data file.
pub(super) fn data(env: &str) -> String {
    format!("# {}\n# db_endpoint = \"db.{env}.internal\"\n", data_header(env))
}

/// A backend file to fill in.
pub(super) fn backend(env: &str) -> String {
    format!("# Backend settings of {env} for `terraform init $(pins tf-args {env} --backend)`, e.g.\n# bucket = \"my-terraform-state\"\n# key    = \"{env}.tfstate\"\n")
}

/// pins.hcl for environments whose backend file is elsewhere or missing (`None`).
pub(super) fn config(backends: &[(&str, Option<String>)]) -> String {
    let mut out = String::from(
        "# Written by `pins init`. Everything else keeps pins' defaults: development -> staging ->\n# production, one branch each (named after the environment), staging and production sharing\n# shared-release.tfvars, data in data.d/<env>.tfvars. Environment blocks replace the defaults,\n# so all three are listed.\n",
    );
    for (env, file) in backends {
        let pin_file = if *env == "development" {
            "development.tfvars"
        } else {
            "shared-release.tfvars"
        };
        let backend = match file {
            Some(file) => format!("\"{file}\""),
            None => "false # no -backend-config file; set a path once there is one".into(),
        };
        out.push_str(&format!(
            "\nenvironment \"{env}\" {{\n  pin_file     = \"{pin_file}\"\n  backend_file = {backend}\n}}\n"
        ));
    }
    out
}

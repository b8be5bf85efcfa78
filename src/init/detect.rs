//! What `init` starts from: each environment's input files (given with `--from`, or found by
//! name) and its backend file.

use std::path::Path;

use anyhow::{bail, Result};
use indexmap::IndexMap;

use crate::repo::check_path;
use crate::tfvars::TfVars;

/// The environments `init` lays out, in promotion order.
pub(super) const ENVIRONMENTS: [&str; 3] = ["development", "staging", "production"];

/// Each environment's input files, in the order Terraform was given them.
pub(super) type Inputs = IndexMap<String, Vec<String>>;

/// The names an environment's file often has.
fn aliases(env: &str) -> &'static [&'static str] {
    match env {
        "development" => &["development", "dev", "develop"],
        "staging" => &["staging", "stage", "stg"],
        _ => &["production", "prod", "prd"],
    }
}

/// The folders searched for `<env>.tfvars`.
const FOLDERS: [&str; 2] = ["", "envs/"];

/// The inputs from `--from ENV=FILE` pairs, checked.
pub(super) fn given(root: &Path, from: &[(String, String)]) -> Result<Inputs> {
    let mut inputs = Inputs::new();
    for (env, file) in from {
        if !ENVIRONMENTS.contains(&env.as_str()) {
            bail!(
                "--from {env}={file}: pins init lays out {}; name one of them",
                ENVIRONMENTS.join(", ")
            );
        }
        check_path("--from", file).map_err(|e| anyhow::anyhow!("{}", e.to_string().replace("pins.hcl: ", "")))?;
        if file.ends_with(".json") {
            bail!("--from {env}={file}: pins init reads HCL .tfvars files; convert {file} to HCL first");
        }
        if !root.join(file).is_file() {
            bail!("--from {env}={file}: {file} does not exist (paths are relative to the repository)");
        }
        inputs.entry(env.clone()).or_default().push(file.clone());
    }
    complete(ordered(inputs))
}

/// The inputs found by name: `<env>.tfvars` or `envs/<env>.tfvars` (also `dev`, `prod`, …);
/// `None` when the folder holds no `.tfvars` at all (then `init` scaffolds).
pub(super) fn found(root: &Path) -> Result<Option<Inputs>> {
    let mut inputs = Inputs::new();
    for env in ENVIRONMENTS {
        let hits: Vec<String> = FOLDERS
            .iter()
            .flat_map(|dir| aliases(env).iter().map(move |a| format!("{dir}{a}.tfvars")))
            .filter(|f| root.join(f).is_file())
            .collect();
        if hits.len() > 1 {
            bail!(
                "found several files for {env}: {}; say which with --from {env}=FILE",
                hits.join(", ")
            );
        }
        if let Some(file) = hits.into_iter().next() {
            inputs.insert(env.to_string(), vec![file]);
        }
    }
    if inputs.is_empty() {
        let others = tfvars_files(root);
        if others.is_empty() {
            return Ok(None);
        }
        bail!(
            "found {} but no file named after an environment; say which environment each is with --from ENV=FILE",
            others.join(", ")
        );
    }
    complete(inputs).map(Some)
}

fn ordered(mut inputs: Inputs) -> Inputs {
    inputs.sort_by(|a, _, b, _| position(a).cmp(&position(b)));
    inputs
}

fn position(env: &str) -> usize {
    ENVIRONMENTS.iter().position(|e| *e == env).unwrap_or(usize::MAX)
}

fn complete(inputs: Inputs) -> Result<Inputs> {
    let missing: Vec<&str> = ENVIRONMENTS.into_iter().filter(|e| !inputs.contains_key(*e)).collect();
    if !missing.is_empty() {
        let found: Vec<String> = inputs.iter().map(|(e, f)| format!("{e}={}", f.join(","))).collect();
        bail!(
            "no input file for {} (found {}); name it with --from ENV=FILE",
            missing.join(", "),
            if found.is_empty() {
                "none".into()
            } else {
                found.join(" ")
            }
        );
    }
    Ok(inputs)
}

fn tfvars_files(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = FOLDERS
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok().map(|d| (dir, d)))
        .flat_map(|(dir, entries)| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".tfvars"))
                .map(move |n| format!("{dir}{n}"))
        })
        .collect();
    out.sort();
    out
}

/// An environment's backend settings as found in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Backend {
    /// `setup/backends/<env>.tfbackend`, pins' default: nothing to configure.
    Default,
    /// A `-backend-config` file under another name, e.g. `setup/backends/<env>.tf`.
    Found(String),
    /// A file that is Terraform code (a `backend` block), not `-backend-config` settings.
    Code(String),
    /// None.
    Missing,
}

/// The backend file of `env`: `setup/backends/<name>.{tfbackend,tf,hcl}` under any of its names.
pub(super) fn backend(root: &Path, env: &str) -> Backend {
    let default = format!("setup/backends/{env}.tfbackend");
    if root.join(&default).is_file() {
        return Backend::Default;
    }
    let found = aliases(env)
        .iter()
        .flat_map(|a| ["tfbackend", "tf", "hcl"].map(|ext| format!("setup/backends/{a}.{ext}")))
        .find(|f| root.join(f).is_file());
    let Some(file) = found else { return Backend::Missing };
    // A -backend-config file is `key = value` lines, which read as a .tfvars file; a `terraform
    // { backend … }` block does not.
    match std::fs::read(root.join(&file)).map(|b| TfVars::parse(&file, b)) {
        Ok(Ok(_)) => Backend::Found(file),
        _ => Backend::Code(file),
    }
}

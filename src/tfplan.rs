//! Terraform's own plan as the gate's trust root. pins models the var-files, but Terraform also
//! takes `-var` flags, extra `-var-file`s, `TF_VAR_*` variables and auto-loaded files; its JSON
//! plan (`terraform show -json tfplan`) holds what it will really apply. `record --plan` and
//! `verify --plan` read the pins from it.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{Map, Value as Json};

use crate::repo::Repo;
use crate::resolve::{is_pin_value, Effective, Origin, Pin};
use crate::tfvars::{nfc, Position, Str};

/// The variables of a Terraform plan, with the configuration's defaults.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The plan file as named on the command line.
    pub file: String,
    variables: Map<String, Json>,
    defaults: Map<String, Json>,
}

impl Plan {
    /// Reads a JSON plan, or a binary plan file that `terraform show -json` (with
    /// `$PINS_TERRAFORM`, else `terraform` on PATH, run in `workdir`) turns into one.
    pub(crate) fn load(path: &Path, workdir: &Path) -> Result<Plan> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("reading the plan {file}"))?;
        if bytes.starts_with(b"PK\x03\x04") {
            return Plan::parse(&file, &show_json(path, workdir)?);
        }
        let text = String::from_utf8(bytes).map_err(|_| not_a_plan(&file, "it is neither UTF-8 JSON nor a zip"))?;
        Plan::parse(&file, &text)
    }

    /// Parses the text of `terraform show -json`.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Plan> {
        let json: Json = serde_json::from_str(text).map_err(|e| not_a_plan(file, &e.to_string()))?;
        let Some(plan) = json.as_object().filter(|o| o.contains_key("format_version")) else {
            return Err(not_a_plan(file, "it has no format_version"));
        };
        if plan.contains_key("values") && !plan.contains_key("planned_values") && !plan.contains_key("variables") {
            bail!("{file} is Terraform state, not a plan; run `terraform show -json tfplan` on the plan file");
        }
        let Some(variables) = plan.get("variables").and_then(Json::as_object) else {
            bail!("{file} has no `variables`: it is a plan of a configuration that declares no variables, so not of this repository's configuration");
        };
        let defaults = json
            .pointer("/configuration/root_module/variables")
            .and_then(Json::as_object)
            .map(|vars| {
                vars.iter()
                    .filter_map(|(k, v)| v.get("default").map(|d| (k.clone(), d.clone())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Plan {
            file: file.to_string(),
            variables: variables.clone(),
            defaults,
        })
    }

    /// The planned value of a root variable, if the plan declares it.
    pub(crate) fn value(&self, name: &str) -> Option<&Json> {
        self.variables.get(name).map(|v| v.get("value").unwrap_or(&Json::Null))
    }

    /// The pins Terraform planned for `variables`, named as pins names them. A variable of the
    /// environment's own pin file that the plan does not declare means another configuration.
    pub(crate) fn pins(&self, variables: &BTreeSet<String>, required: &BTreeSet<String>) -> Result<Vec<Pin>> {
        let mut pins = Vec::new();
        for name in variables {
            match self.value(name) {
                Some(value) => self.collect(name, value, &mut pins)?,
                None if required.contains(name) => bail!(
                    "{} does not declare variable `{name}`, which the pin file sets: it is a plan of another configuration",
                    self.file
                ),
                None => {}
            }
        }
        crate::resolve::name_pins(&mut pins);
        Ok(pins)
    }

    fn collect(&self, variable: &str, value: &Json, pins: &mut Vec<Pin>) -> Result<()> {
        let pin = |key: Option<&str>, version: &str| Pin {
            name: key.unwrap_or(variable).into(),
            variable: variable.into(),
            key: key.map(|k| nfc(k.to_string())),
            version: nfc(version.to_string()),
            origin: Origin {
                file: self.file.as_str().into(),
                position: Position { line: 0, col: 0 },
            },
        };
        match value {
            Json::Null => {}
            Json::String(version) => pins.push(pin(None, version)),
            Json::Object(entries) => {
                for (key, version) in entries {
                    match scalar(version) {
                        Some(version) => pins.push(pin(Some(key), &version)),
                        None if version.is_null() => {}
                        None => bail!(
                            "{}: variable `{variable}` holds a nested value at key `{key}`, not a version",
                            self.file
                        ),
                    }
                }
            }
            _ => bail!(
                "{}: variable `{variable}` is planned as {value}, not a version or a map of versions",
                self.file
            ),
        }
        Ok(())
    }

    /// Refuses a plan whose environment data contradicts `effective`'s data files: a plan of
    /// another environment (or one whose data was overridden).
    pub(crate) fn check_environment(&self, effective: &Effective) -> Result<()> {
        for datum in &effective.data {
            let (Some(file), Some(planned)) = (datum.value.as_str(), self.value(&datum.name).and_then(Json::as_str))
            else {
                continue;
            };
            if nfc(file.to_string()).as_ref() != planned {
                bail!(
                    "{} is not a plan of {} as its files say: variable `{}` is {planned:?} in the plan, but {}:{} sets {file:?}; plan with exactly the arguments of `pins tf-args {}`",
                    self.file,
                    effective.environment.name,
                    datum.name,
                    datum.origin.file,
                    datum.origin.position,
                    effective.environment.name
                );
            }
        }
        Ok(())
    }

    /// Why the planned pins differ from what the var-files resolve to, one line per pin, or
    /// `None` when they agree.
    pub(crate) fn disagreement(&self, resolved: &[Pin], planned: &[Pin]) -> Option<String> {
        let by_id: HashMap<String, &Pin> = resolved.iter().map(|p| (p.id(), p)).collect();
        let planned_ids: HashMap<String, &Pin> = planned.iter().map(|p| (p.id(), p)).collect();
        let mut lines = Vec::new();
        for pin in planned {
            match by_id.get(&pin.id()) {
                Some(r) if r.version == pin.version => {}
                Some(r) => lines.push(format!(
                    "{}: the var-files give {} ({}:{}), Terraform planned {}; a `-var` flag or an extra `-var-file` on the plan command line overrides it",
                    pin.id(), r.version, r.origin.file, r.origin.position, pin.version
                )),
                None => lines.push(format!(
                    "{}: the var-files leave it unset, Terraform planned {}; {}",
                    pin.id(),
                    pin.version,
                    self.unset_cause(pin)
                )),
            }
        }
        for pin in resolved.iter().filter(|p| !planned_ids.contains_key(&p.id())) {
            lines.push(format!(
                "{}: the var-files give {} ({}:{}), Terraform planned no such pin; a `-var` flag or an extra `-var-file` replaced the map `{}`",
                pin.id(), pin.version, pin.origin.file, pin.origin.position, pin.variable
            ));
        }
        (!lines.is_empty()).then(|| lines.join("\n  "))
    }

    fn unset_cause(&self, pin: &Pin) -> String {
        let default = self.defaults.get(&*pin.variable);
        let from_default = match (default, &pin.key) {
            (Some(Json::String(d)), None) => **d == *pin.version,
            (Some(Json::Object(d)), Some(key)) => d.get(&**key).and_then(Json::as_str) == Some(&*pin.version),
            _ => false,
        };
        if from_default {
            format!("it is the default of variable `{}` in the configuration", pin.variable)
        } else {
            format!(
                "a `-var` flag, an extra `-var-file`, TF_VAR_{} in the environment, or an auto-loaded terraform.tfvars / *.auto.tfvars file sets it",
                pin.variable
            )
        }
    }
}

/// The variables that hold pins: those of `effective`'s pin file (required in the plan) and those
/// of every other pin file in the repository, so that a pin map not yet promoted into this
/// environment's file but filled by `TF_VAR_` or an auto-loaded file is still seen.
pub(crate) fn pin_variables(repo: &Repo, effective: &Effective) -> (BTreeSet<String>, BTreeSet<String>) {
    let names = |vars: &crate::tfvars::TfVars| -> BTreeSet<String> {
        vars.iter()
            .filter(|a| is_pin_value(&a.value))
            .map(|a| a.name.to_string())
            .collect()
    };
    let required = effective.files.first().map(names).unwrap_or_default();
    let mut all = required.clone();
    let mut files: Vec<&str> = repo.environments().iter().map(|e| e.pin_file.as_str()).collect();
    files.dedup();
    for file in files {
        if let Ok(vars) = repo.load(file) {
            all.extend(names(&vars));
        }
    }
    (all, required)
}

fn scalar(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn not_a_plan(file: &str, why: &str) -> anyhow::Error {
    anyhow!("{file} is not a Terraform JSON plan ({why}); write one with `terraform show -json tfplan > plan.json`")
}

/// `terraform show -json PLAN`, run where Terraform was initialised.
fn show_json(plan: &Path, workdir: &Path) -> Result<String> {
    let terraform: Str = std::env::var("PINS_TERRAFORM")
        .unwrap_or_else(|_| "terraform".into())
        .into();
    let plan = plan
        .canonicalize()
        .with_context(|| format!("resolving {}", plan.display()))?;
    let out = Command::new(&*terraform)
        .current_dir(workdir)
        .args(["show", "-json", "-no-color"])
        .arg(&plan)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .with_context(|| format!("running `{terraform} show -json` to read the binary plan {} (set PINS_TERRAFORM or put terraform on PATH)", plan.display()))?;
    if !out.status.success() {
        bail!(
            "`{terraform} show -json {}` failed: {}",
            plan.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).context("terraform show -json printed invalid UTF-8")
}

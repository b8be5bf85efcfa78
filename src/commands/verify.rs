//! `pins verify ENV`: the CI gate. Exit 1 when ENV's effective pins differ in any way from the
//! tested ones: a release record, or the tested environment at a git revision.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::artifacts::inventory::{artifact_records, content_findings};
use crate::diff::{compare_pins, Side};
use crate::output::{Ctx, OutputArgs};
use crate::policy::audit::audit;
use crate::record::{ArtifactRecord, Record};
use crate::repo::Repo;
use crate::report::comparison::{ComparisonReport, View, Wording};
use crate::report::verify::{record_view, ArtifactCheck, VerifyReport};
use crate::sign::signature_path;
use crate::tfplan::{pin_variables, Plan};
use crate::Outcome;

/// Arguments of `pins verify`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("tested_set").required(true).args(["tested", "tested_ref"])))]
pub(crate) struct Args {
    /// The environment about to be deployed, optionally `ENV@REV`.
    env: String,
    /// A release record written by `pins record`.
    #[arg(long, value_name = "FILE")]
    tested: Option<std::path::PathBuf>,
    /// A git revision holding the tested environment's files, e.g. origin/staging.
    #[arg(long, value_name = "REV")]
    tested_ref: Option<String>,
    /// The environment that was tested (default: the one ENV is promoted from).
    #[arg(long, value_name = "ENV")]
    tested_env: Option<String>,
    /// Also compare each artifact ENV would deploy, byte for byte (SHA-256), with the tested one:
    /// catches a zip re-uploaded under the same version. Uses the store's SHA-256 checksum where
    /// the object has one.
    #[arg(long)]
    artifacts: bool,
    /// With --artifacts: download and hash every artifact, even where the store keeps a checksum.
    #[arg(long, requires = "artifacts")]
    download: bool,
    /// Judge what Terraform planned rather than what the var-files say: a JSON plan
    /// (`terraform show -json tfplan`) or a binary plan file. Catches -var flags, extra
    /// -var-files, TF_VAR_ variables and auto-loaded files.
    #[arg(long, value_name = "PLAN")]
    plan: Option<std::path::PathBuf>,
    /// Read the branches for ENV's promotion policy under this prefix, e.g. `origin/` in CI.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    branch_prefix: String,
    #[command(flatten)]
    output: OutputArgs,
}

/// The tested pins, and the tested artifacts when `--artifacts` asks for them.
struct Tested {
    view: View,
    pins: Vec<crate::resolve::Pin>,
    artifacts: Option<BTreeMap<String, ArtifactRecord>>,
    /// What the reader should know about how the tested set was found.
    notes: Vec<String>,
}

/// Verifies the environment against the tested set.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<VerifyReport>()?;
    let mut target = Side::load(&ctx.root, &args.env)?;
    let plan = args.plan.as_deref().map(|p| read_plan(&target, p)).transpose()?;
    let tested = match (&args.tested, &args.tested_ref) {
        (Some(file), _) => {
            let tested_env = tested_env(&target, args.tested_env.as_deref())?;
            from_record(file, &tested_env, &target, args.artifacts)?
        }
        (None, Some(rev)) => from_revision(ctx, &target, rev, &args)?,
        (None, None) => bail!("pass --tested FILE or --tested-ref REV"),
    };
    if let Some(plan) = &plan {
        target.effective.pins = planned_pins(&target, plan, &tested.pins)?;
    }
    let pins = compare_pins(&tested.pins, &target.effective.pins, false);
    let mut view = View::of(&target);
    if let Some(plan) = &args.plan {
        view.label = format!("{} (Terraform plan {})", view.label, plan.display());
    }
    let comparison = ComparisonReport::new(tested.view, view, pins, None, Wording::Gate);
    let artifacts = match &tested.artifacts {
        Some(records) => Some(ArtifactCheck {
            checked: records.len(),
            findings: content_findings(
                &target.repo,
                &target.effective,
                records,
                &comparison.from.label,
                args.download,
            )?,
        }),
        None => None,
    };
    let moved = crate::holds::guard::moved(
        target.repo.holds(),
        &target.effective.environment.name,
        &target.effective.pins,
    );
    let env = &target.effective.environment;
    let now = crate::clock::now()?;
    let policy = audit(&target.repo, env, &target.effective.pins, &args.branch_prefix, now)?;
    let report = VerifyReport::new(comparison, artifacts, tested.notes, moved, policy);
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::findings_if(!report.ok))
}

/// Terraform's plan, refused when it is not a plan of ENV as its files say.
fn read_plan(target: &Side, plan: &Path) -> Result<Plan> {
    let plan = Plan::load(plan, target.repo.root())?;
    plan.check_environment(&target.effective)?;
    Ok(plan)
}

/// The pins in Terraform's plan: the variables of every pin file, and of the tested pins.
fn planned_pins(target: &Side, plan: &Plan, tested: &[crate::resolve::Pin]) -> Result<Vec<crate::resolve::Pin>> {
    let (mut variables, required) = pin_variables(&target.repo, &target.effective);
    variables.extend(tested.iter().map(|p| p.variable.to_string()));
    plan.pins(&variables, &required)
}

/// Once keys are trusted, a record must carry a good signature by one of them.
fn check_signature(target: &Side, file: &Path, text: &str) -> Result<()> {
    let trusted = target.repo.trusted_keys()?;
    if trusted.is_empty() {
        return Ok(());
    }
    let sig_path = signature_path(file);
    let sig_file = sig_path.display().to_string();
    let signature = match std::fs::read_to_string(&sig_path) {
        Ok(signature) => signature,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} is not signed ({sig_file} does not exist), but trusted_keys requires signed records; write it with `pins record --sign`",
            file.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {sig_file}")),
    };
    crate::sign::verify(text.as_bytes(), &signature, &sig_file, &trusted)?;
    Ok(())
}

/// The environment a record must have been written for: `--tested-env`, or the one before ENV in
/// promotion order.
fn tested_env(target: &Side, named: Option<&str>) -> Result<String> {
    let env = &target.effective.environment;
    match named {
        Some(name) => Ok(target.repo.environment(name)?.name.clone()),
        None => target.repo.predecessor(env).map(|e| e.name.clone()).ok_or_else(|| {
            anyhow!(
                "{} is first in the promotion order; say which environment was tested with --tested-env",
                env.name
            )
        }),
    }
}

fn from_record(file: &Path, tested_env: &str, target: &Side, artifacts: bool) -> Result<Tested> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("reading the record {shown}"))?;
    check_signature(target, file, &text)?;
    let record = Record::parse(&shown, &text)?;
    if record.environment != tested_env {
        bail!(
            "{shown} records environment `{}`, but {} must match what was tested in `{tested_env}`; pass --tested-env {} if that is intended",
            record.environment,
            target.effective.environment.name,
            record.environment
        );
    }
    let artifacts = match (&record.artifacts, artifacts) {
        (_, false) => None,
        (Some(a), true) => Some(a.clone()),
        (None, true) => bail!(
            "{shown} holds no artifact digests; write it with `pins record {} --artifacts` to verify artifacts",
            record.environment
        ),
    };
    Ok(Tested {
        view: record_view(&record),
        pins: record.to_pins(),
        artifacts,
        notes: Vec::new(),
    })
}

/// The tested environment at `rev`, as that revision's own pins.hcl declares it: nothing
/// committed on the side under test can change what was tested.
fn from_revision(ctx: &Ctx, target: &Side, rev: &str, args: &Args) -> Result<Tested> {
    let tested_repo = Repo::open_at(&ctx.root, rev)?;
    let name = &target.effective.environment.name;
    let tested_env = tested_repo.tested_environment(name, args.tested_env.as_deref())?;
    let notes = tested_repo.disagreement(&target.repo, rev).into_iter().collect();
    let side = Side::load(&ctx.root, &format!("{}@{rev}", tested_env.name))?;
    let artifacts = args
        .artifacts
        .then(|| artifact_records(&side.repo, &side.effective, args.download).map(|(found, _)| found))
        .transpose()?;
    Ok(Tested {
        view: View::of(&side),
        pins: side.effective.pins.clone(),
        artifacts,
        notes,
    })
}

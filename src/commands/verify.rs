//! `pins verify ENV`: the CI gate. Exit 1 when ENV's effective pins differ in any way from the
//! tested ones: a release record, or the tested environment at a git revision.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};

use crate::commands::artifacts::{artifact_records, contents, pinned_at};
use crate::commands::diff::{Comparison, Format, Side, View};
use crate::commands::{print, Ctx};
use crate::diff::compare_pins;
use crate::record::{ArtifactRecord, Record};
use crate::repo::{split_spec, Repo};
use crate::Outcome;

/// Arguments of `pins verify`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("tested_set").required(true).args(["tested", "tested_ref"])))]
pub struct Args {
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
    /// catches a zip re-uploaded under the same version.
    #[arg(long)]
    artifacts: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Verifies the environment against the tested set.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let target = Side::load(ctx, &args.env)?;
    let mut tested = None;
    let mut notes = Vec::new();
    let (comparison, tested_artifacts) = match (&args.tested, &args.tested_ref) {
        (Some(file), _) => {
            let tested_env = tested_from_here(&target, &args)?;
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(file).with_context(|| format!("reading the record {shown}"))?;
            let record = Record::parse(&shown, &text)?;
            let artifacts = match (&record.artifacts, args.artifacts) {
                (_, false) => None,
                (Some(a), true) => Some(a.clone()),
                (None, true) => bail!(
                    "{shown} holds no artifact digests; write it with `pins record {} --artifacts` to verify artifacts",
                    record.environment
                ),
            };
            (against_record(&target, &shown, record, &tested_env)?, artifacts)
        }
        (None, Some(rev)) => {
            // The tested revision's own pins.hcl says which environment was tested and with
            // which files: nothing committed on the side under test can change that.
            let tested_repo = Repo::open_at(&ctx.root, rev)?;
            let name = &target.effective.environment.name;
            let tested_env = tested_repo.tested_environment(name, args.tested_env.as_deref())?;
            notes.extend(tested_repo.disagreement(&target.repo, rev));
            let side = tested.insert(Side::load(ctx, &format!("{}@{rev}", tested_env.name))?);
            let artifacts = args
                .artifacts
                .then(|| artifact_records(&side.repo, &side.effective).map(|(found, _)| found))
                .transpose()?;
            (Comparison::new(side, &target, false, false), artifacts)
        }
        (None, None) => bail!("pass --tested FILE or --tested-ref REV"),
    };
    let findings = match &tested_artifacts {
        Some(tested) => artifact_findings(&target, tested, &comparison.from.label)?,
        None => Vec::new(),
    };
    let failed = comparison.differs() || !findings.is_empty();
    let text = if args.format == Format::Json {
        let mut value = comparison.json(false);
        if let (Some(object), false) = (value.as_object_mut(), notes.is_empty()) {
            object.insert("notes".into(), serde_json::json!(notes));
        }
        if let (Some(object), Some(tested)) = (value.as_object_mut(), &tested_artifacts) {
            object.insert(
                "artifacts".into(),
                serde_json::json!({"checked": tested.len(), "findings": findings}),
            );
        }
        crate::report::json(&value)
    } else {
        let mut text = comparison.render(args.format, false, ctx.style);
        for f in &findings {
            text.push_str(&format!("{}: {}\n", f.pinned_at, f.message));
        }
        if args.format == Format::Text {
            for note in &notes {
                text.push_str(&format!("note: {note}\n"));
            }
            if let (Some(_), true) = (&tested_artifacts, findings.is_empty()) {
                text.push_str("artifacts: every artifact has the tested content\n");
            }
            text.push_str(&verdict(&comparison, failed));
        }
        text
    };
    print(&text)?;
    Ok(Outcome::findings_if(failed))
}

/// One artifact that is not what was tested.
#[derive(Debug, serde::Serialize)]
struct ArtifactFinding {
    pin: String,
    version: String,
    location: String,
    /// `missing`, `content-differs` or `untested`.
    kind: &'static str,
    message: String,
    pinned_at: String,
}

/// Compares the content of every artifact the target would deploy with the tested one. A pin
/// whose version differs is left to the pin comparison, which reports it already.
fn artifact_findings(
    target: &Side,
    tested: &BTreeMap<String, ArtifactRecord>,
    tested_label: &str,
) -> Result<Vec<ArtifactFinding>> {
    let mut findings = Vec::new();
    for (artifact, content) in contents(&target.repo, &target.effective)? {
        let pin = &artifact.pin;
        let tested_one = tested.get(&pin.id());
        if tested_one.is_some_and(|t| t.version != *pin.version) {
            continue;
        }
        let (kind, message) = match (tested_one, content) {
            (None, _) => (
                "untested",
                format!("artifact of {} {} at {} was not tested in {tested_label}", pin.name, pin.version, artifact.location),
            ),
            (Some(_), None) => (
                "missing",
                format!("artifact of {} {} is missing: nothing at {}", pin.name, pin.version, artifact.location),
            ),
            (Some(t), Some(c)) if c.sha256 != t.sha256 => (
                "content-differs",
                format!(
                    "artifact of {} {} differs from the one tested in {tested_label}: {} has sha256 {} ({} bytes), the tested {} had {} ({} bytes); same version, different bytes",
                    pin.name, pin.version, artifact.location, c.sha256, c.size, t.location, t.sha256, t.size
                ),
            ),
            (Some(_), Some(_)) => continue,
        };
        findings.push(ArtifactFinding {
            pin: pin.name.to_string(),
            version: pin.version.to_string(),
            location: artifact.location.to_string(),
            kind,
            message,
            pinned_at: pinned_at(pin),
        });
    }
    Ok(findings)
}

/// The environment a record must have been written for: `--tested-env`, or the one the target is
/// promoted from.
fn tested_from_here(target: &Side, args: &Args) -> Result<String> {
    match &args.tested_env {
        Some(name) => Ok(target.repo.environment(name)?.name.clone()),
        None => target
            .repo
            .predecessor(&target.effective.environment)
            .map(|e| e.name.clone())
            .ok_or_else(|| {
                anyhow!(
                    "{} is first in the promotion order; say which environment was tested with --tested-env",
                    split_spec(&args.env).0
                )
            }),
    }
}

fn against_record<'a>(target: &'a Side, shown: &str, record: Record, tested_env: &str) -> Result<Comparison<'a>> {
    if record.environment != tested_env {
        bail!("{shown} records environment `{}`, but {} must match what was tested in `{tested_env}`; pass --tested-env {} if that is intended", record.environment, target.effective.environment.name, record.environment);
    }
    let from = View {
        environment: record.environment.clone(),
        revision: record.commit.clone(),
        label: format!(
            "{} (record {})",
            record.environment,
            record
                .commit
                .as_deref()
                .map_or("without commit".to_string(), super::record::short)
        ),
        pin_file: None,
    };
    let pins = compare_pins(&record.to_pins(), &target.effective.pins, false);
    Ok(Comparison::of(from, target.view(), pins, None))
}

fn verdict(comparison: &Comparison, failed: bool) -> String {
    let what = if comparison.differs() { "pins" } else { "artifacts" };
    if failed {
        format!(
            "FAIL: {} would deploy {what} that were not tested in {}\n",
            comparison.to.label, comparison.from.label
        )
    } else {
        format!(
            "ok: {} deploys exactly the pins tested in {}\n",
            comparison.to.label, comparison.from.label
        )
    }
}

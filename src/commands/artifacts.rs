//! `pins artifacts ENV`, `pins artifacts check ENV`, `pins artifacts promote FROM TO`: where each
//! pin's build artifact lives, whether it is there, and copying it along the promotion flow.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::artifacts::store::{block_on, each, runtime, Content, Meta, Stores};
use crate::artifacts::{locate, require, Artifact, Location};
use crate::commands::{print, print_json, Ctx, TextOrJson};
use crate::record::ArtifactRecord;
use crate::repo::{suggest, Repo};
use crate::report;
use crate::resolve::{check_versions, resolve, Effective, Pin};
use crate::Outcome;

/// Arguments of `pins artifacts`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// The environment whose artifact locations to list.
    #[arg(required = true)]
    env: Option<String>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Check that every artifact of ENV exists; exit 1 listing the missing ones.
    Check(CheckArgs),
    /// Copy the artifacts TO's pins need from FROM's locations to TO's.
    Promote(PromoteArgs),
}

/// Arguments of `pins artifacts check`.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The environment about to be planned or deployed.
    env: String,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Arguments of `pins artifacts promote`.
#[derive(Debug, clap::Args)]
struct PromoteArgs {
    /// The environment whose locations hold the builds (e.g. development: s3://dev-code).
    from: String,
    /// The environment whose locations receive them (e.g. staging: s3://prod-code).
    to: String,
    /// Only these pins (comma-separated names).
    #[arg(long, value_delimiter = ',', value_name = "PIN,…")]
    only: Vec<String>,
    /// Show what would be copied and copy nothing.
    #[arg(long)]
    dry_run: bool,
    /// Overwrite a target object whose content differs from the source.
    #[arg(long)]
    force: bool,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Runs the artifacts command.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    match (args.action, args.env) {
        (Some(Action::Check(check)), _) => run_check(ctx, check),
        (Some(Action::Promote(promote)), _) => run_promote(ctx, promote),
        (None, Some(env)) => run_list(ctx, &env, args.format),
        (None, None) => bail!("name an environment: pins artifacts ENV"),
    }
}

/// An environment's effective values and its artifacts.
pub struct EnvArtifacts {
    pub effective: Effective,
    pub artifacts: Vec<Artifact>,
}

/// Resolves `name` in `repo` and locates its pins' artifacts with its own data.
pub fn env_artifacts(repo: &Repo, name: &str) -> Result<EnvArtifacts> {
    let settings = require(repo.artifacts())?;
    let effective = resolve(repo, repo.environment(name)?)?;
    check_versions(&effective, repo.policy())?;
    let artifacts = locate(settings, repo.root(), &effective.pins, &effective)?;
    Ok(EnvArtifacts { effective, artifacts })
}

/// Every artifact of `effective` (located with its own data) and its content, `None` when the
/// object does not exist.
pub fn contents(repo: &Repo, effective: &Effective) -> Result<Vec<(Artifact, Option<Content>)>> {
    let settings = require(repo.artifacts())?;
    let artifacts = locate(settings, repo.root(), &effective.pins, effective)?;
    let stores = Stores::new(settings, artifacts.iter().map(|a| &a.location), &process_env)?;
    let contents = block_on(each(artifacts.iter().map(|a| stores.content(&a.location))))?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(artifacts.into_iter().zip(contents).collect())
}

/// The artifacts of `effective` that exist, as a release record holds them (keyed by pin id), and
/// the ones that do not.
pub fn artifact_records(
    repo: &Repo,
    effective: &Effective,
) -> Result<(BTreeMap<String, ArtifactRecord>, Vec<Artifact>)> {
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for (artifact, content) in contents(repo, effective)? {
        match content {
            Some(c) => {
                let record = ArtifactRecord {
                    version: artifact.pin.version.to_string(),
                    location: artifact.location.to_string(),
                    sha256: c.sha256,
                    size: c.size,
                };
                found.insert(artifact.pin.id(), record);
            }
            None => missing.push(artifact),
        }
    }
    Ok((found, missing))
}

/// The process environment, as the stores read it.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `file:line:col` of the value that pins `pin`.
pub fn pinned_at(pin: &Pin) -> String {
    format!("{}:{}", pin.origin.file, pin.origin.position)
}

#[derive(Serialize)]
struct ArtifactJson {
    pin: String,
    variable: String,
    version: String,
    location: String,
    file: String,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    exists: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

impl ArtifactJson {
    fn new(a: &Artifact, meta: Option<Option<&Meta>>) -> ArtifactJson {
        ArtifactJson {
            pin: a.pin.name.to_string(),
            variable: a.pin.variable.to_string(),
            version: a.pin.version.to_string(),
            location: a.location.to_string(),
            file: a.pin.origin.file.to_string(),
            line: a.pin.origin.position.line,
            column: a.pin.origin.position.col,
            exists: meta.map(|m| m.is_some()),
            size: meta.flatten().map(|m| m.size),
        }
    }
}

fn run_list(ctx: &Ctx, env: &str, format: TextOrJson) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let found = env_artifacts(&repo, env)?;
    let name = &found.effective.environment.name;
    match format {
        TextOrJson::Json => print_json(&serde_json::json!({
            "environment": name,
            "artifacts": found.artifacts.iter().map(|a| ArtifactJson::new(a, None)).collect::<Vec<_>>(),
        }))?,
        TextOrJson::Text => {
            let rows: Vec<Vec<String>> = found
                .artifacts
                .iter()
                .map(|a| {
                    vec![
                        a.pin.name.to_string(),
                        a.pin.version.to_string(),
                        a.location.to_string(),
                        pinned_at(&a.pin),
                    ]
                })
                .collect();
            let mut out = format!("{}: {} artifacts\n\n", ctx.style.bold(name), rows.len());
            if !rows.is_empty() {
                out.push_str(&report::table(
                    &["PIN", "VERSION", "LOCATION", "PINNED AT"],
                    &rows,
                    |_, _, c| c,
                ));
            }
            print(&out)?;
        }
    }
    Ok(Outcome::Clean)
}

fn run_check(ctx: &Ctx, args: CheckArgs) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let found = env_artifacts(&repo, &args.env)?;
    let locations: Vec<&Location> = found.artifacts.iter().map(|a| &a.location).collect();
    let stores = Stores::new(require(repo.artifacts())?, locations.iter().copied(), &process_env)?;
    let metas = block_on(each(found.artifacts.iter().map(|a| stores.head(&a.location))))?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let name = &found.effective.environment.name;
    let missing: Vec<&Artifact> = found
        .artifacts
        .iter()
        .zip(&metas)
        .filter(|(_, m)| m.is_none())
        .map(|(a, _)| a)
        .collect();
    match args.format {
        TextOrJson::Json => print_json(&serde_json::json!({
            "environment": name,
            "artifacts": found.artifacts.iter().zip(&metas).map(|(a, m)| ArtifactJson::new(a, Some(m.as_ref()))).collect::<Vec<_>>(),
            "missing": missing.len(),
        }))?,
        TextOrJson::Text => {
            let mut out = String::new();
            for a in &missing {
                out.push_str(&format!(
                    "{}:{}: missing artifact: {} {} is not at {}\n",
                    a.pin.origin.file, a.pin.origin.position, a.pin.name, a.pin.version, a.location
                ));
            }
            if missing.is_empty() {
                out.push_str(&format!(
                    "ok: all {} artifacts of {name} exist\n",
                    found.artifacts.len()
                ));
            } else {
                out.push_str(&format!(
                    "FAIL: {} of {} artifacts of {name} are missing; upload them or run `pins artifacts promote` from the environment that has them\n",
                    missing.len(),
                    found.artifacts.len()
                ));
            }
            print(&out)?;
        }
    }
    Ok(Outcome::findings_if(!missing.is_empty()))
}

/// What promotion does with one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Move {
    /// FROM and TO read the same location.
    InPlace,
    /// The target holds the same content already.
    Present,
    Copy,
    /// The target differs and `--force` was given.
    Overwrite,
    /// The target differs: refused.
    Conflict,
    /// The source does not exist: refused.
    MissingSource,
}

impl Move {
    fn label(self) -> &'static str {
        match self {
            Move::InPlace => "in place",
            Move::Present => "present",
            Move::Copy => "copy",
            Move::Overwrite => "OVERWRITE",
            Move::Conflict => "CONFLICT",
            Move::MissingSource => "MISSING",
        }
    }

    fn copies(self) -> bool {
        matches!(self, Move::Copy | Move::Overwrite)
    }
}

struct Step {
    pin: Pin,
    from: Location,
    to: Location,
    action: Move,
    source: Option<Meta>,
    target: Option<Meta>,
    copied: Option<Content>,
}

#[derive(Serialize)]
struct StepJson<'a> {
    pin: &'a str,
    version: &'a str,
    from: String,
    to: String,
    action: Move,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<&'a str>,
}

fn run_promote(ctx: &Ctx, args: PromoteArgs) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let settings = require(repo.artifacts())?;
    let from = resolve(&repo, repo.environment(&args.from)?)?;
    let to = resolve(&repo, repo.environment(&args.to)?)?;
    if from.environment.name == to.environment.name {
        bail!("FROM and TO are both {}; name two environments", to.environment.name);
    }
    check_versions(&to, repo.policy())?;
    let pins = selected(&to.pins, &args.only)?;
    let targets = locate(settings, repo.root(), &pins, &to)?;
    let sources = locate(settings, repo.root(), &pins, &from)?;
    for name in &args.only {
        if !targets.iter().any(|a| *a.pin.name == *name) {
            bail!("pin `{name}` has no artifact (pins.hcl sets skip = true for it)");
        }
    }
    let stores = Stores::new(
        settings,
        sources.iter().chain(&targets).map(|a| &a.location),
        &process_env,
    )?;
    let pairs: Vec<(&Artifact, &Artifact)> = sources.iter().zip(&targets).collect();
    let runtime = runtime()?;
    let mut steps = runtime
        .block_on(each(pairs.iter().map(|(s, t)| plan_step(&stores, s, t, args.force))))
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let names = (from.environment.name.as_str(), to.environment.name.as_str());
    let refused: Vec<&Step> = steps
        .iter()
        .filter(|s| matches!(s.action, Move::Conflict | Move::MissingSource))
        .collect();
    if !refused.is_empty() {
        let conflicts = refused.iter().filter(|s| s.action == Move::Conflict).count();
        let missing = refused.len() - conflicts;
        let mut why = Vec::new();
        if conflicts > 0 {
            why.push(format!(
                "{conflicts} target(s) hold different content under the same version (pass --force to overwrite)"
            ));
        }
        if missing > 0 {
            why.push(format!("{missing} source(s) do not exist in {}", names.0));
        }
        if args.format == TextOrJson::Json {
            print_json(&promote_json(names, args.dry_run, &steps))?;
            bail!("nothing copied: {}", why.join("; "));
        }
        bail!("{}nothing copied: {}", plan_text(&steps, names, ctx), why.join("; "));
    }
    if !args.dry_run {
        copy_all(&runtime, &stores, &mut steps, args.format == TextOrJson::Text)?;
    }
    match args.format {
        TextOrJson::Json => print_json(&promote_json(names, args.dry_run, &steps))?,
        TextOrJson::Text => {
            let mut out = plan_text(&steps, names, ctx);
            let copies = steps.iter().filter(|s| s.action.copies()).count();
            let verb = if args.dry_run { "would copy" } else { "copied" };
            out.push_str(&format!(
                "{verb} {copies} of {} artifacts from {} to {}{}\n",
                steps.len(),
                names.0,
                names.1,
                if args.dry_run { " (dry run: nothing copied)" } else { "" }
            ));
            print(&out)?;
        }
    }
    Ok(Outcome::Clean)
}

/// TO's pins, or the ones `--only` names (each must exist in TO).
fn selected(pins: &[Pin], only: &[String]) -> Result<Vec<Pin>> {
    if only.is_empty() {
        return Ok(pins.to_vec());
    }
    let names: Vec<&str> = pins.iter().map(|p| &*p.name).collect();
    for name in only {
        if !names.contains(&name.as_str()) {
            bail!("unknown pin `{name}`{}", suggest(name, &names));
        }
    }
    Ok(pins
        .iter()
        .filter(|p| only.iter().any(|o| *o == *p.name))
        .cloned()
        .collect())
}

async fn plan_step(stores: &Stores, source: &Artifact, target: &Artifact, force: bool) -> Result<Step> {
    let (from, to) = (&source.location, &target.location);
    let (source_meta, target_meta) = if from == to {
        let meta = stores.head(from).await?;
        (meta.clone(), meta)
    } else {
        futures::try_join!(stores.head(from), stores.head(to))?
    };
    let action = match (&source_meta, &target_meta) {
        (None, _) => Move::MissingSource,
        (Some(_), Some(_)) if from == to => Move::InPlace,
        (Some(_), None) => Move::Copy,
        (Some(s), Some(t)) => match stores.same_content(from, s, to, t).await? {
            true => Move::Present,
            false if force => Move::Overwrite,
            false => Move::Conflict,
        },
    };
    Ok(Step {
        pin: target.pin.clone(),
        from: from.clone(),
        to: to.clone(),
        action,
        source: source_meta,
        target: target_meta,
        copied: None,
    })
}

/// Copies one artifact after another: a progress bar on a terminal, a line per copy otherwise.
fn copy_all(runtime: &tokio::runtime::Runtime, stores: &Stores, steps: &mut [Step], text: bool) -> Result<()> {
    let terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    for step in steps.iter_mut().filter(|s| s.action.copies()) {
        let size = step.source.as_ref().map_or(0, |m| m.size);
        let bar = terminal.then(|| progress_bar(size, &format!("{} {}", step.pin.name, step.pin.version)));
        let progress = |done: u64| {
            if let Some(bar) = &bar {
                bar.set_position(done);
            }
        };
        let copied = runtime.block_on(stores.copy(&step.from, &step.to, &progress))?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if text && !terminal {
            eprintln!(
                "copied {} {}: {} -> {} ({}, sha256 {})",
                step.pin.name,
                step.pin.version,
                step.from,
                step.to,
                bytes(copied.size),
                copied.sha256
            );
        }
        step.copied = Some(copied);
    }
    Ok(())
}

fn progress_bar(size: u64, label: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(size);
    let style = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(label.to_string());
    bar
}

fn plan_text(steps: &[Step], (from, to): (&str, &str), ctx: &Ctx) -> String {
    let rows: Vec<Vec<String>> = steps
        .iter()
        .map(|s| {
            let note = match s.action {
                Move::InPlace => format!("{} (both read this location)", s.to),
                Move::Present => format!("{} (same content already there)", s.to),
                Move::Copy | Move::Overwrite => format!(
                    "{} -> {} ({})",
                    s.from,
                    s.to,
                    bytes(s.source.as_ref().map_or(0, |m| m.size))
                ),
                Move::Conflict => format!(
                    "{} holds different content than {} ({} vs {})",
                    s.to,
                    s.from,
                    bytes(s.target.as_ref().map_or(0, |m| m.size)),
                    bytes(s.source.as_ref().map_or(0, |m| m.size))
                ),
                Move::MissingSource => format!("{} does not exist (pinned at {})", s.from, pinned_at(&s.pin)),
            };
            vec![
                s.action.label().to_string(),
                s.pin.name.to_string(),
                s.pin.version.to_string(),
                note,
            ]
        })
        .collect();
    let mut out = format!("artifacts of {} from {from}:\n\n", ctx.style.bold(to));
    if rows.is_empty() {
        out.push_str("no artifacts\n");
    } else {
        out.push_str(&report::table(
            &["ACTION", "PIN", "VERSION", "LOCATION"],
            &rows,
            |_, _, c| c,
        ));
    }
    out.push('\n');
    out
}

fn promote_json((from, to): (&str, &str), dry_run: bool, steps: &[Step]) -> serde_json::Value {
    serde_json::json!({
        "from": from,
        "to": to,
        "dry_run": dry_run,
        "artifacts": steps.iter().map(step_json).collect::<Vec<_>>(),
    })
}

fn step_json(s: &Step) -> StepJson<'_> {
    StepJson {
        pin: &s.pin.name,
        version: &s.pin.version,
        from: s.from.to_string(),
        to: s.to.to_string(),
        action: s.action,
        size: s.source.as_ref().map(|m| m.size),
        sha256: s.copied.as_ref().map(|c| c.sha256.as_str()),
    }
}

/// A byte count for people: `20.0 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("TiB"))
}

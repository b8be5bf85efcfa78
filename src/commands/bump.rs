//! `pins bump PIN VERSION|major|minor|patch|latest` and `pins bump --latest`: set pins, changing
//! only their versions' bytes. `latest` is the newest allowed version in the pin's artifact store.

use anyhow::{anyhow, Result};

use crate::artifacts::discovery::{discover, moves, Moves, Request as Discovery};
use crate::edit::{edit_pin_file, Request};
use crate::holds::guard as holds;
use crate::output::{Ctx, OutputArgs};
use crate::plan::{self, Target};
use crate::repo::{Environment, Repo};
use crate::report::edit::EditReport;
use crate::Outcome;

/// Arguments of `pins bump`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The pin: its key, `variable.key`, or a top-level variable.
    #[arg(required_unless_present = "latest", conflicts_with = "latest")]
    pin: Option<String>,
    /// A version such as 1.5.0, or `major`, `minor`, `patch`, or `latest` (the newest allowed
    /// version in the pin's artifact store).
    #[arg(required_unless_present = "latest")]
    version: Option<String>,
    /// Move every pin of the environment (or those of --only) to the newest allowed version in
    /// its artifact store.
    #[arg(long)]
    latest: bool,
    /// With --latest: only these pins (comma-separated names or `variable.key` ids).
    #[arg(long, value_delimiter = ',', value_name = "PIN,…", requires = "latest")]
    only: Vec<String>,
    /// With `latest`: how many stores are listed at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// The environment whose pin file to edit (default: the first in promotion order).
    #[arg(long)]
    env: Option<String>,
    /// Only write if the pin currently holds OLD (compare-and-swap for racing CI jobs).
    #[arg(long, value_name = "OLD", conflicts_with = "latest")]
    expect: Option<String>,
    /// Allow setting an older version.
    #[arg(long)]
    allow_downgrade: bool,
    /// Allow a pre-release in a pin file that several environments share.
    #[arg(long)]
    allow_prerelease: bool,
    /// Add the pin when it does not exist yet.
    #[arg(long, conflicts_with = "latest")]
    create: bool,
    /// Print the change as a unified diff and write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Sets one pin, or every pin that is behind its store.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<EditReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let env = match &args.env {
        Some(name) => repo.environment(name)?,
        None => repo.environments().first().ok_or_else(|| anyhow!("no environments"))?,
    };
    let edited = match (&args.pin, args.version.as_deref()) {
        (Some(pin), Some("latest")) => bump_latest(&repo, env, std::slice::from_ref(pin), &args)?,
        (Some(pin), Some(version)) => bump_one(&repo, env, pin, version, &args)?,
        _ => bump_latest(&repo, env, &args.only, &args)?,
    };
    ctx.emit(&args.output, &edited)?;
    Ok(Outcome::Clean)
}

fn request<'r>(repo: &'r Repo, env: &'r Environment, args: &Args) -> Request<'r> {
    Request {
        repo,
        pin_file: &env.pin_file,
        allow_downgrade: args.allow_downgrade,
        allow_prerelease: args.allow_prerelease,
        dry_run: args.dry_run,
    }
}

fn bump_one(repo: &Repo, env: &Environment, pin: &str, version: &str, args: &Args) -> Result<EditReport> {
    let target = Target::parse(version);
    let held = holds::on_file(repo, &env.pin_file);
    let edited = edit_pin_file(request(repo, env, args), |vars, guards| {
        holds::refuse_bump(&held, vars, pin)?;
        plan::bump(vars, pin, &target, args.expect.as_deref(), args.create, guards)
    })?;
    Ok(EditReport::from(edited))
}

/// Moves `only` (every pin of the pin file when empty) to the newest allowed version in its
/// store; pins already there, or ahead, are left alone.
fn bump_latest(repo: &Repo, env: &Environment, only: &[String], args: &Args) -> Result<EditReport> {
    let expect = match (only, args.expect.as_deref()) {
        ([pin], Some(old)) => Some((pin.as_str(), old)),
        _ => None,
    };
    let discovery = Discovery {
        env: &env.name,
        only,
        jobs: args.jobs.into(),
    };
    let (_, found) = discover(repo, &discovery)?;
    let Moves { targets, notes } = moves(found, &env.pin_file, only)?;
    let held = holds::on_file(repo, &env.pin_file);
    let mut skipped = Vec::new();
    let edited = edit_pin_file(request(repo, env, args), |vars, guards| {
        let (targets, kept) = holds::skip_targets(&held, vars, targets, !only.is_empty())?;
        skipped = kept;
        plan::bump_all(vars, &targets, expect, guards)
    })?;
    let mut report = EditReport::from(edited).with_held(skipped);
    report.notes.extend(notes);
    Ok(report)
}

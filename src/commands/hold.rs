//! `pins hold PIN --env ENV --reason …`: keep a pin at its version in one environment.

use anyhow::Result;

use crate::holds::edit::{hold, HoldRequest};
use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::holds::HoldReport;
use crate::Outcome;

/// Arguments of `pins hold`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The pin: its key or `variable.key`.
    pin: String,
    /// The environment in which the pin keeps its version.
    #[arg(long, value_name = "ENV")]
    env: String,
    /// Why the pin is held; shown wherever the hold stops a change.
    #[arg(long)]
    reason: String,
    /// Hold this version rather than the environment's current one (e.g. just before a rollback).
    #[arg(long, value_name = "V")]
    version: Option<String>,
    /// Print the change to pins.hcl as a unified diff and write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Places the hold.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<HoldReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let request = HoldRequest {
        pin: &args.pin,
        environment: &args.env,
        reason: &args.reason,
        version: args.version.as_deref(),
        now: crate::clock::now()?,
        dry_run: args.dry_run,
    };
    let changed = hold(&repo, &request)?;
    ctx.emit(&args.output, &HoldReport::held(changed))?;
    Ok(Outcome::Clean)
}

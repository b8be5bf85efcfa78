//! `pins unhold PIN --env ENV`: remove a hold, so the pin may change again.

use anyhow::Result;

use crate::holds::edit::unhold;
use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::holds::HoldReport;
use crate::Outcome;

/// Arguments of `pins unhold`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The held pin, as its hold names it.
    pin: String,
    /// The environment of the hold.
    #[arg(long, value_name = "ENV")]
    env: String,
    /// Print the change to pins.hcl as a unified diff and write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Removes the hold.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<HoldReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let changed = unhold(&repo, &args.pin, &args.env, args.dry_run)?;
    ctx.emit(&args.output, &HoldReport::unheld(changed))?;
    Ok(Outcome::Clean)
}

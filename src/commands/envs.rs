//! `pins envs`: the environments in promotion order with their branch and files.

use anyhow::Result;

use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::environments::EnvsReport;
use crate::Outcome;

/// Arguments of `pins envs`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    output: OutputArgs,
}

/// Lists the environments.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    ctx.emit(&args.output, &EnvsReport::of(&repo))?;
    Ok(Outcome::Clean)
}

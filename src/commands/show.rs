//! `pins show ENV`: an environment's effective pins (and data) with their provenance.

use anyhow::Result;

use crate::diff::Side;
use crate::output::{Ctx, OutputArgs};
use crate::report::show::ShowReport;
use crate::Outcome;

/// Arguments of `pins show`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment, optionally at a git revision: `production` or `staging@origin/staging`.
    env: String,
    /// Also show environment data.
    #[arg(long)]
    data: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Shows one environment.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let side = Side::load(&ctx.root, &args.env)?;
    let report = ShowReport::new(&side.effective, side.repo.revision(), args.data);
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::Clean)
}

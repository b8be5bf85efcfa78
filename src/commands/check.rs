//! `pins check`: lint the whole repository; exit 1 on any finding.

use anyhow::Result;

use crate::check::check;
use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::check::CheckReport;
use crate::Outcome;

/// Arguments of `pins check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    output: OutputArgs,
}

/// Checks the repository.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let report = CheckReport::from(check(&repo));
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::findings_if(!report.findings.is_empty()))
}

//! `pins log [ENV…]`: the promotion history read from each environment's branch.

use std::path::PathBuf;

use anyhow::Result;

use crate::history::log::{log, read_records_dir, Bound, Query};
use crate::history::History;
use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::Outcome;

/// Arguments of `pins log`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Environments to show (default: all, in promotion order).
    envs: Vec<String>,
    /// Only these pins (a name or `variable.key`; repeatable).
    #[arg(long = "pin", value_name = "NAME")]
    pins: Vec<String>,
    /// Only changes at or after a date (2026-11-20, 2026-11-20T10:00:00Z), or after a revision.
    #[arg(long, value_name = "DATE|REV")]
    since: Option<String>,
    /// Only changes at or before a date, or up to and including a revision.
    #[arg(long, value_name = "DATE|REV")]
    until: Option<String>,
    /// Read each environment's branch under this prefix, e.g. `origin/` in a CI checkout.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    branch_prefix: String,
    /// Also show the release records in this folder.
    #[arg(long, value_name = "DIR")]
    records: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Prints the timeline.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let mut history = History::open(repo.root(), &args.branch_prefix)?;
    let bound =
        |text: &Option<String>, flag: &str| text.as_deref().map(|t| Bound::parse(repo.root(), t, flag)).transpose();
    let query = Query {
        envs: args.envs,
        pins: args.pins,
        since: bound(&args.since, "--since")?,
        until: bound(&args.until, "--until")?,
        records: args
            .records
            .as_deref()
            .map(read_records_dir)
            .transpose()?
            .unwrap_or_default(),
    };
    let log = log(&repo, &mut history, &query)?;
    ctx.emit(&args.output, &log)?;
    Ok(Outcome::Clean)
}

//! `pins status`: the promotion board read from each environment's branch.

use std::path::PathBuf;

use anyhow::Result;

use crate::history::log::read_records_dir;
use crate::history::History;
use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::status::{board, Inputs};
use crate::Outcome;

/// Arguments of `pins status`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Read each environment's branch under this prefix, e.g. `origin/` in a CI checkout.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    branch_prefix: String,
    /// Also count the release records in this folder.
    #[arg(long, value_name = "DIR")]
    records: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Prints the board; exit 1 when anything is pending or blocked.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let mut history = History::open(repo.root(), &args.branch_prefix)?;
    let inputs = Inputs {
        repo: &repo,
        records: args
            .records
            .as_deref()
            .map(read_records_dir)
            .transpose()?
            .unwrap_or_default(),
        now: crate::clock::now()?,
    };
    let board = board(&mut history, inputs)?;
    ctx.emit(&args.output, &board)?;
    Ok(Outcome::findings_if(board.pending + board.blocked > 0))
}

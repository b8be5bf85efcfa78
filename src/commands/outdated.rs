//! `pins outdated [ENV]`: the newest version of each pin found in its artifact store, against
//! the version the environment pins; exit 1 when any pin is behind.

use anyhow::{anyhow, Result};

use crate::artifacts::discovery::{discover, Request};
use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::outdated::OutdatedReport;
use crate::Outcome;

/// Arguments of `pins outdated`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment whose pins and stores to look at (default: the first in promotion order).
    env: Option<String>,
    /// Only these pins (comma-separated names or `variable.key` ids).
    #[arg(long, value_delimiter = ',', value_name = "PIN,…")]
    only: Vec<String>,
    /// How many stores are listed at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    #[command(flatten)]
    output: OutputArgs,
}

/// Lists each pin's store and reports what is newer.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<OutdatedReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let env = match &args.env {
        Some(name) => name.clone(),
        None => first_environment(&repo)?,
    };
    let request = Request {
        env: &env,
        only: &args.only,
        jobs: args.jobs.into(),
    };
    let (effective, found) = discover(&repo, &request)?;
    let report = OutdatedReport::new(&effective.environment.name, &found);
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::findings_if(report.behind > 0))
}

/// The first environment in promotion order.
fn first_environment(repo: &Repo) -> Result<String> {
    repo.environments()
        .first()
        .map(|e| e.name.clone())
        .ok_or_else(|| anyhow!("no environments"))
}

//! `pins env --branch NAME`: the environment a git branch deploys.

use anyhow::{anyhow, Result};

use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::environments::BranchReport;
use crate::Outcome;

/// The CI variables that name the current branch, in the order they are tried.
const BRANCH_VARIABLES: [&str; 3] = ["PINS_BRANCH", "CIRCLE_BRANCH", "GITHUB_REF_NAME"];

/// Arguments of `pins env`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The branch (default: $PINS_BRANCH, $CIRCLE_BRANCH or $GITHUB_REF_NAME, the first one set).
    #[arg(long)]
    branch: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Prints the environment name of a branch.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let branch = match args.branch {
        Some(b) => b,
        None => ci_branch().ok_or_else(|| {
            anyhow!(
                "no branch given: pass --branch NAME or set one of {}",
                BRANCH_VARIABLES.join(", ")
            )
        })?,
    };
    let env = repo.environments().iter().find(|e| e.branch == branch).ok_or_else(|| {
        let known: Vec<String> = repo
            .environments()
            .iter()
            .map(|e| format!("{} → {}", e.branch, e.name))
            .collect();
        anyhow!(
            "branch `{branch}` deploys no environment; branches are: {}",
            known.join(", ")
        )
    })?;
    let report = BranchReport {
        branch,
        environment: env.name.clone(),
    };
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::Clean)
}

fn ci_branch() -> Option<String> {
    BRANCH_VARIABLES
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|b| !b.is_empty()))
}

//! `pins rollback ENV --to REV|RECORD`: set ENV's pins back to a revision of its branch or a record.

use anyhow::{bail, Result};

use crate::edit::{edit_pin_file, Request};
use crate::output::{Ctx, OutputArgs};
use crate::plan;
use crate::repo::Repo;
use crate::report::edit::EditReport;
use crate::report::rollback::RollbackReport;
use crate::rollback::{commit_message, only, target};
use crate::Outcome;

/// Arguments of `pins rollback`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment to roll back.
    env: String,
    /// A revision of ENV's branch (`production~2`, a commit) or a release record file.
    #[arg(long, value_name = "REV|RECORD")]
    to: String,
    /// Only these pins (comma-separated names or `variable.key` ids).
    #[arg(long, value_delimiter = ',', value_name = "PIN,…")]
    only: Vec<String>,
    /// Remove pins that did not exist at the target.
    #[arg(long)]
    prune: bool,
    /// Proceed although the pin file is shared: the other environments roll back too.
    #[arg(long)]
    shared: bool,
    /// Read ENV's branch under this prefix (`origin/`) to check that REV is on it.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    branch_prefix: String,
    /// Print the change as a unified diff and write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Rolls back.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<RollbackReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let env = repo.environment(&args.env)?;
    let others: Vec<&str> = repo
        .sharing(&env.pin_file)
        .iter()
        .map(|e| e.name.as_str())
        .filter(|n| *n != env.name)
        .collect();
    if !others.is_empty() && !args.shared && !args.dry_run {
        bail!(
            "{} is shared by {} and {}: this also rolls back {}; pass --shared to proceed (or --dry-run to look first)",
            env.pin_file,
            env.name,
            others.join(", "),
            others.join(", ")
        );
    }
    let target = target(&repo, env, &args.to, &args.branch_prefix)?;
    let pins = only(target.pins.clone(), &args.only, &target.source)?;
    let request = Request {
        repo: &repo,
        pin_file: &env.pin_file,
        allow_downgrade: true,
        allow_prerelease: true,
        dry_run: args.dry_run,
    };
    let prune = args.prune && args.only.is_empty();
    let edited = edit_pin_file(request, |vars, guards| plan::promote(vars, &pins, prune, guards))?;
    let message = (!edited.changes.is_empty()).then(|| commit_message(&env.name, &target, &edited.changes, &others));
    let mut edit = EditReport::from(edited);
    edit.notes
        .extend(crate::holds::guard::after_rollback(&repo, &env.pin_file, &edit.changes));
    let report = RollbackReport {
        edit,
        source: target.source,
        commit_message: message,
    };
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::Clean)
}

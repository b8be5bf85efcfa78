//! `pins promote FROM TO`: copy FROM's effective pins into TO's pin file; never data.

use anyhow::Result;

use crate::edit::{edit_pin_file, Request};
use crate::holds::guard as holds;
use crate::output::{Ctx, OutputArgs};
use crate::plan;
use crate::repo::Repo;
use crate::report::edit::EditReport;
use crate::resolve::{resolve, select};
use crate::Outcome;

/// Arguments of `pins promote`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment to copy pins from.
    from: String,
    /// The environment whose pin file receives them.
    to: String,
    /// Only these pins (comma-separated names or `variable.key` ids).
    #[arg(long, value_delimiter = ',', value_name = "PIN,…")]
    only: Vec<String>,
    /// Remove pins that are only in TO's pin file.
    #[arg(long)]
    prune: bool,
    /// Print the change as a unified diff and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Allow promoting an older version over a newer one.
    #[arg(long)]
    allow_downgrade: bool,
    /// Allow pre-releases into a pin file that several environments share.
    #[arg(long)]
    allow_prerelease: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Promotes pins.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<EditReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let from = repo.environment(&args.from)?;
    let to = repo.environment(&args.to)?;
    if from.pin_file == to.pin_file {
        let why = format!(
            "{} and {} share {}: there is nothing to copy. Promoting between them is a branch merge (merge `{}` into `{}`).",
            from.name, to.name, to.pin_file, from.branch, to.branch
        );
        let envs = vec![from.name.clone(), to.name.clone()];
        ctx.emit(
            &args.output,
            &EditReport::nothing(&to.pin_file, envs, args.dry_run, why),
        )?;
        return Ok(Outcome::Clean);
    }
    let pins = select(&resolve(&repo, from)?.pins, &args.only)?;
    let request = Request {
        repo: &repo,
        pin_file: &to.pin_file,
        allow_downgrade: args.allow_downgrade,
        allow_prerelease: args.allow_prerelease,
        dry_run: args.dry_run,
    };
    let prune = args.prune && args.only.is_empty();
    let held = holds::on_file(&repo, &to.pin_file);
    let mut skipped = Vec::new();
    let edited = edit_pin_file(request, |vars, guards| {
        let pins = holds::keep_held(&held, vars, pins, &args.only).map(|(pins, kept)| {
            skipped = kept;
            pins
        })?;
        plan::promote(vars, &pins, prune, guards)
    })?;
    ctx.emit(&args.output, &EditReport::from(edited).with_held(skipped))?;
    Ok(Outcome::Clean)
}

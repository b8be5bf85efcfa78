//! `pins bump PIN VERSION|major|minor|patch`: set one pin, changing only its version's bytes.

use anyhow::Result;

use crate::edit::{edit_pin_file, Request};
use crate::output::{Ctx, OutputArgs};
use crate::plan::{self, Target};
use crate::repo::Repo;
use crate::report::edit::EditReport;
use crate::Outcome;

/// Arguments of `pins bump`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The pin: its key, `variable.key`, or a top-level variable.
    pin: String,
    /// A version such as 1.5.0, or `major`, `minor`, `patch`.
    version: String,
    /// The environment whose pin file to edit (default: the first in promotion order).
    #[arg(long)]
    env: Option<String>,
    /// Only write if the pin currently holds OLD (compare-and-swap for racing CI jobs).
    #[arg(long, value_name = "OLD")]
    expect: Option<String>,
    /// Allow setting an older version.
    #[arg(long)]
    allow_downgrade: bool,
    /// Allow a pre-release in a pin file that several environments share.
    #[arg(long)]
    allow_prerelease: bool,
    /// Add the pin when it does not exist yet.
    #[arg(long)]
    create: bool,
    /// Print the change as a unified diff and write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Sets one pin.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<EditReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let env = match &args.env {
        Some(name) => repo.environment(name)?,
        None => repo
            .environments()
            .first()
            .ok_or_else(|| anyhow::anyhow!("no environments"))?,
    };
    let request = Request {
        repo: &repo,
        pin_file: &env.pin_file,
        allow_downgrade: args.allow_downgrade,
        allow_prerelease: args.allow_prerelease,
        dry_run: args.dry_run,
    };
    let target = Target::parse(&args.version);
    let edited = edit_pin_file(request, |vars, guards| {
        plan::bump(vars, &args.pin, &target, args.expect.as_deref(), args.create, guards)
    })?;
    ctx.emit(&args.output, &EditReport::from(edited))?;
    Ok(Outcome::Clean)
}

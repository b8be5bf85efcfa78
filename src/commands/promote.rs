//! `pins promote FROM TO`: copy FROM's effective pins into TO's pin file; never data.

use anyhow::{bail, Result};

use crate::commands::edit::{edit_pin_file, Request};
use crate::commands::{print, Ctx, TextOrJson};
use crate::plan;
use crate::repo::Repo;
use crate::resolve::{resolve, Pin};
use crate::Outcome;

/// Arguments of `pins promote`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The environment to copy pins from.
    from: String,
    /// The environment whose pin file receives them.
    to: String,
    /// Only these pins (comma-separated names).
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
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Promotes pins.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let from = repo.environment(&args.from)?;
    let to = repo.environment(&args.to)?;
    if from.pin_file == to.pin_file {
        let message = format!(
            "{} and {} share {}: there is nothing to copy. Promoting between them is a branch merge (merge `{}` into `{}`).\n",
            from.name, to.name, to.pin_file, from.branch, to.branch
        );
        print(&message)?;
        return Ok(Outcome::Clean);
    }
    let pins = selected(resolve(&repo, from)?.pins, &args.only)?;
    let request = Request {
        repo: &repo,
        pin_file: &to.pin_file,
        allow_downgrade: args.allow_downgrade,
        allow_prerelease: args.allow_prerelease,
        dry_run: args.dry_run,
        format: args.format,
    };
    let prune = args.prune && args.only.is_empty();
    edit_pin_file(ctx, request, |vars, guards| plan::promote(vars, &pins, prune, guards))?;
    Ok(Outcome::Clean)
}

/// The pins named by `--only` (all when empty); an unknown name is an error.
fn selected(pins: Vec<Pin>, only: &[String]) -> Result<Vec<Pin>> {
    if only.is_empty() {
        return Ok(pins);
    }
    for name in only {
        if crate::resolve::find(&pins, name).is_none() {
            bail!("--only names unknown pin `{name}`{}", plan::suggestion(name, &pins));
        }
    }
    Ok(pins
        .into_iter()
        .filter(|p| only.iter().any(|n| **n == *p.name || *n == p.id()))
        .collect())
}

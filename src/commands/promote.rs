//! `pins promote FROM TO`: copy FROM's effective pins into TO's pin file; never data.

use anyhow::Result;

use crate::edit::{edit_pin_file, Request};
use crate::holds::guard as holds;
use crate::output::{Ctx, OutputArgs};
use crate::policy::gate::{Gate, Mode};
use crate::policy::promotion::{check_reason, Promotion};
use crate::repo::Repo;
use crate::report::edit::EditReport;
use crate::report::promotion::PromoteReport;
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
    /// Promote only what TO's promotion policy allows unattended (kinds in `auto` that pass every
    /// rule); report the rest as pending. Exit 0 even with nothing to do.
    #[arg(long, conflicts_with_all = ["override_reason", "prune"])]
    auto: bool,
    /// Promote past TO's soak, record, freeze and window rules; REASON goes into the printed
    /// commit message and .pins/overrides/TO.json, which the next record of TO carries.
    #[arg(long = "override", value_name = "REASON")]
    override_reason: Option<String>,
    /// Read FROM's branch (for soak and records) under this prefix, e.g. `origin/` in CI.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    branch_prefix: String,
    #[command(flatten)]
    output: OutputArgs,
}

/// Promotes pins.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<PromoteReport>()?;
    let reason = args.override_reason.as_deref().map(check_reason).transpose()?;
    let repo = Repo::open(&ctx.root)?;
    let from = repo.environment(&args.from)?;
    let to = repo.environment(&args.to)?;
    if from.pin_file == to.pin_file {
        let why = format!(
            "{} and {} share {}: there is nothing to copy. Promoting between them is a branch merge (merge `{}` into `{}`).",
            from.name, to.name, to.pin_file, from.branch, to.branch
        );
        let envs = vec![from.name.clone(), to.name.clone()];
        let edit = EditReport::nothing(&to.pin_file, envs, args.dry_run, why);
        ctx.emit(&args.output, &PromoteReport::plain(edit))?;
        return Ok(Outcome::Clean);
    }
    let pins = select(&resolve(&repo, from)?.pins, &args.only)?;
    let gate = Gate::open(&repo, from, to, &args.branch_prefix, crate::clock::now()?)?;
    let request = Request {
        repo: &repo,
        pin_file: &to.pin_file,
        allow_downgrade: args.allow_downgrade,
        allow_prerelease: args.allow_prerelease,
        dry_run: args.dry_run,
    };
    let mode = Mode {
        auto: args.auto,
        reason,
    };
    let mut promotion = Promotion::new(&repo, from, to, mode, args.dry_run)?;
    let prune = args.prune && args.only.is_empty();
    let held = holds::on_file(&repo, &to.pin_file);
    let mut skipped = Vec::new();
    let edited = edit_pin_file(request, |vars, guards| {
        let (pins, kept) = holds::keep_held(&held, vars, pins, &args.only)?;
        skipped = kept;
        promotion.plan(&gate, vars, &pins, prune, guards)
    })?;
    let edit = EditReport::from(edited).with_held(skipped);
    let report = PromoteReport::new(edit, promotion.finish(&gate));
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::Clean)
}

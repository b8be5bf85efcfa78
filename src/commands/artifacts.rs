//! `pins artifacts ENV`, `pins artifacts check ENV`, `pins artifacts promote FROM TO`: where each
//! pin's build artifact lives, whether it is there, and copying it along the promotion flow.

use std::io::IsTerminal;

use anyhow::{anyhow, bail, Result};

use crate::artifacts::inventory::{env_artifacts, heads};
use crate::artifacts::promotion::{self, Promotion, Request, Step};
use crate::artifacts::store::Method;
use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::artifacts::{ArtifactRow, CheckReport, ListReport, PromoteReport};
use crate::report::bytes;
use crate::Outcome;

/// Arguments of `pins artifacts`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// The environment whose artifact locations to list.
    #[arg(required = true)]
    env: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Check that every artifact of ENV exists; exit 1 listing the missing ones.
    Check(CheckArgs),
    /// Copy the artifacts TO's pins need from FROM's locations to TO's.
    Promote(PromoteArgs),
}

/// Arguments of `pins artifacts check`.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The environment about to be planned or deployed.
    env: String,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `pins artifacts promote`.
#[derive(Debug, clap::Args)]
struct PromoteArgs {
    /// The environment whose locations hold the builds (e.g. development: s3://dev-code).
    from: String,
    /// The environment whose locations receive them (e.g. staging: s3://prod-code).
    to: String,
    /// Only these pins (comma-separated names or `variable.key` ids).
    #[arg(long, value_delimiter = ',', value_name = "PIN,…")]
    only: Vec<String>,
    /// Show what would be copied and copy nothing.
    #[arg(long)]
    dry_run: bool,
    /// Overwrite a target object whose content differs from the source.
    #[arg(long)]
    force: bool,
    /// How many artifacts are copied at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs the artifacts command.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    match (args.action, args.env) {
        (Some(Action::Check(check)), _) => run_check(ctx, check),
        (Some(Action::Promote(promote)), _) => run_promote(ctx, promote),
        (None, Some(env)) => run_list(ctx, &env, &args.output),
        (None, None) => bail!("name an environment: pins artifacts ENV"),
    }
}

fn run_list(ctx: &Ctx, env: &str, output: &OutputArgs) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let found = env_artifacts(&repo, env)?;
    let report = ListReport {
        environment: found.effective.environment.name.clone(),
        artifacts: found.artifacts.iter().map(|a| ArtifactRow::new(a, None)).collect(),
    };
    ctx.emit(output, &report)?;
    Ok(Outcome::Clean)
}

fn run_check(ctx: &Ctx, args: CheckArgs) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let found = env_artifacts(&repo, &args.env)?;
    let metas = heads(&repo, &found.artifacts)?;
    let report = CheckReport {
        environment: found.effective.environment.name.clone(),
        artifacts: found
            .artifacts
            .iter()
            .zip(&metas)
            .map(|(a, m)| ArtifactRow::new(a, Some(m.as_ref())))
            .collect(),
        missing: metas.iter().filter(|m| m.is_none()).count(),
    };
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::findings_if(report.missing > 0))
}

fn run_promote(ctx: &Ctx, args: PromoteArgs) -> Result<Outcome> {
    args.output.require::<PromoteReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let request = Request {
        from: args.from,
        to: args.to,
        only: args.only,
        force: args.force,
    };
    let mut promotion = promotion::plan(&repo, &request)?;
    if let Some(why) = promotion.refusal() {
        promotion.hash_sources()?;
        ctx.emit(&args.output, &PromoteReport::new(&promotion, args.dry_run))?;
        return Err(anyhow!(why));
    }
    if !args.dry_run {
        let lines = args.output.format == crate::report::Format::Text;
        copy_all(&mut promotion, args.jobs.into(), lines)?;
        // A target another writer created meanwhile was compared again: refused if it differs.
        if let Some(why) = promotion.refusal() {
            promotion.hash_sources()?;
            ctx.emit(&args.output, &PromoteReport::new(&promotion, args.dry_run))?;
            return Err(anyhow!(why));
        }
    }
    promotion.hash_sources()?;
    ctx.emit(&args.output, &PromoteReport::new(&promotion, args.dry_run))?;
    Ok(Outcome::Clean)
}

/// Copies up to `jobs` artifacts at once: a progress bar each on a terminal, a line per copy
/// otherwise.
fn copy_all(promotion: &mut Promotion, jobs: usize, lines: bool) -> Result<()> {
    let terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let all = indicatif::MultiProgress::new();
    let bars: Vec<Option<indicatif::ProgressBar>> = promotion
        .steps
        .iter()
        .map(|s| {
            let size = s.source.as_ref().map_or(0, |m| m.size);
            let label = format!("{} {}", s.pin.name, s.pin.version);
            (terminal && s.action.copies()).then(|| all.add(progress_bar(size, &label)))
        })
        .collect();
    let progress = |index: usize, done: u64| {
        if let Some(Some(bar)) = bars.get(index) {
            // An image's bar starts at its manifest's size; its blobs are what is copied.
            if bar.length().is_some_and(|length| done > length) {
                bar.set_length(done);
            }
            bar.set_position(done);
        }
    };
    let done = |step: &Step| {
        if !lines || terminal {
            return;
        }
        let sha256 = step.content.as_ref().map_or("checked by ETag", |c| c.sha256.as_str());
        let size = bytes(step.source.as_ref().map_or(0, |m| m.size));
        let how = if step.method == Some(Method::Server) {
            ", copied on the server"
        } else {
            ""
        };
        let (pin, from, to) = (&step.pin, &step.from, &step.to);
        if step.method.is_some() {
            eprintln!(
                "copied {} {}: {from} -> {to} ({size}, sha256 {sha256}{how})",
                pin.name, pin.version
            );
        }
    };
    let copied = promotion.copy_all(jobs, &progress, &done);
    bars.into_iter().flatten().for_each(|bar| bar.finish_and_clear());
    copied
}

fn progress_bar(size: u64, label: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(size);
    let style = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(label.to_string());
    bar
}

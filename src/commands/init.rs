//! `pins init`: scaffold the layout, or migrate one-tfvars-per-environment files into it.

use anyhow::{anyhow, Result};

use crate::init::{apply, plan, Options};
use crate::output::{Ctx, OutputArgs};
use crate::report::init::InitReport;
use crate::Outcome;

/// Arguments of `pins init`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// An environment's current var-file (repeat per environment, and for an environment given
    /// several files, in Terraform's order). Default: `<env>.tfvars` or `envs/<env>.tfvars`
    /// (also `dev`, `stage`, `prod`, …) for development, staging and production.
    #[arg(long, value_name = "ENV=FILE", value_parser = env_file)]
    from: Vec<(String, String)>,
    /// Treat this variable as a pin (a version, or a map of versions) whatever it looks like.
    #[arg(long, value_name = "NAME")]
    pin: Vec<String>,
    /// Treat this variable as environment data even if it looks like a version.
    #[arg(long, value_name = "NAME")]
    data: Vec<String>,
    /// When staging's and production's pins differ: whose become the shared release file
    /// (this changes the other environment's pins, each listed).
    #[arg(long, value_name = "ENV", value_parser = ["staging", "production"])]
    release_from: Option<String>,
    /// Print the plan as a unified diff and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Leave the old files in place (an input that is also a new file, such as
    /// development.tfvars, is still rewritten).
    #[arg(long)]
    keep: bool,
    /// Overwrite files that already exist (other than the inputs, which are always rewritten).
    #[arg(long)]
    force: bool,
    /// Also create setup/backends/<env>.tfbackend where an environment has no backend file.
    #[arg(long)]
    backends: bool,
    #[command(flatten)]
    output: OutputArgs,
}

fn env_file(text: &str) -> Result<(String, String)> {
    let (env, file) = text
        .split_once('=')
        .ok_or_else(|| anyhow!("expected ENV=FILE, e.g. production=prod.tfvars"))?;
    Ok((env.to_string(), file.to_string()))
}

/// Plans, then prints the plan (`--dry-run`) or writes it.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<InitReport>()?;
    let options = Options {
        from: args.from,
        pin: args.pin,
        data: args.data,
        release_from: args.release_from,
        keep: args.keep,
        force: args.force,
        backends: args.backends,
    };
    let plan = plan(&ctx.root, &options)?;
    if !args.dry_run {
        apply(&ctx.root, &plan)?;
    }
    ctx.emit(
        &args.output,
        &InitReport {
            plan,
            dry_run: args.dry_run,
        },
    )?;
    Ok(Outcome::Clean)
}

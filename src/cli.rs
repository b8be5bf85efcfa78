//! The command line: global flags, one subcommand per file under `commands/`, and the dispatch.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::output::Ctx;
use crate::report::Style;
use crate::Outcome;
use crate::{commands, help};

/// Keep Terraform artifact versions (pins) safe across development → staging → production.
#[derive(Debug, Parser)]
#[command(name = "pins", version, about, max_term_width = 100)]
pub struct Cli {
    /// The repository root (holds the pin files, data.d/ and optionally pins.hcl).
    #[arg(long, global = true, default_value = ".", value_name = "DIR", help_heading = GLOBAL)]
    pub(crate) repo: PathBuf,
    /// When to colour output (NO_COLOR is respected under `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, help_heading = GLOBAL)]
    pub(crate) color: ColorChoice,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The heading of the flags every command takes.
const GLOBAL: &str = "Global options";

/// The command line as clap sees it, with examples and exit codes under every command: what
/// `--help`, the completions and the man page are made from.
pub fn command() -> clap::Command {
    help::decorate(Cli::command())
}

/// Parses the process's arguments (exits with clap's message and code 2 on bad usage). The
/// examples and exit codes under each command's options are only added when help is shown.
pub fn parse() -> Cli {
    let matches = Cli::command().try_get_matches().unwrap_or_else(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => command().get_matches(),
        _ => e.exit(),
    });
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the environments in promotion order with their branch and files.
    Envs(commands::envs::Args),
    /// Show an environment's effective pins (and data), each with the file and line it comes from.
    Show(commands::show::Args),
    /// What promoting FROM into TO would change in TO, pin by pin; exit 1 when they differ.
    Diff(commands::diff::Args),
    /// Set one pin to a version or bump it by a level.
    Bump(commands::bump::Args),
    /// Copy one environment's pins into the next one's pin file.
    Promote(commands::promote::Args),
    /// Lint the whole repository; exit 1 on any finding.
    Check(commands::check::Args),
    /// Write a release record of an environment's effective pins after it was deployed and tested.
    Record(commands::record::Args),
    /// The CI gate: exit 1 when an environment's pins differ from the tested ones, break its promotion policy, or move a held pin.
    Verify(commands::verify::Args),
    /// Print the -var-file (and -backend-config) arguments for Terraform, as paths from module_dir.
    TfArgs(commands::tf_args::Args),
    /// Print the environment of a git branch (default: the CI's branch variable).
    Env(commands::env::Args),
    /// List, check and promote the build artifacts the pins name (pins.hcl `artifacts` block).
    Artifacts(commands::artifacts::Args),
    /// The promotion history read from each environment's branch: who changed which pin, when, how.
    Log(commands::log::Args),
    /// The promotion board: versions per environment, what is pending or blocked; exit 1 if any.
    Status(commands::status::Args),
    /// Set an environment's pins back to a revision of its branch or a release record.
    Rollback(commands::rollback::Args),
    /// The newest version of each pin in its artifact store; exit 1 when any pin is behind.
    Outdated(commands::outdated::Args),
    /// Keep a pin at its version in one environment: promote skips it, bump refuses it.
    Hold(commands::hold::Args),
    /// Remove a hold, so the pin may change again.
    Unhold(commands::unhold::Args),
    /// Scaffold pins' layout, or migrate one-tfvars-per-environment files into it.
    Init(commands::init::Args),
    /// Print a shell completion script.
    Completions(commands::completions::Args),
    /// Print the man page (roff) of pins or of one of its commands.
    Man(commands::man::Args),
}

impl Cli {
    /// What every command gets from the global flags.
    fn ctx(&self) -> Ctx {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Ctx {
            root: self.repo.clone(),
            style: Style { color },
        }
    }

    /// Runs the subcommand.
    pub(crate) fn run(self) -> Result<Outcome> {
        let ctx = self.ctx();
        match self.command {
            Command::Envs(args) => commands::envs::run(&ctx, args),
            Command::Show(args) => commands::show::run(&ctx, args),
            Command::Diff(args) => commands::diff::run(&ctx, args),
            Command::Bump(args) => commands::bump::run(&ctx, args),
            Command::Promote(args) => commands::promote::run(&ctx, args),
            Command::Check(args) => commands::check::run(&ctx, args),
            Command::Record(args) => commands::record::run(&ctx, args),
            Command::Verify(args) => commands::verify::run(&ctx, args),
            Command::TfArgs(args) => commands::tf_args::run(&ctx, args),
            Command::Env(args) => commands::env::run(&ctx, args),
            Command::Artifacts(args) => commands::artifacts::run(&ctx, args),
            Command::Log(args) => commands::log::run(&ctx, args),
            Command::Status(args) => commands::status::run(&ctx, args),
            Command::Rollback(args) => commands::rollback::run(&ctx, args),
            Command::Outdated(args) => commands::outdated::run(&ctx, args),
            Command::Hold(args) => commands::hold::run(&ctx, args),
            Command::Unhold(args) => commands::unhold::run(&ctx, args),
            Command::Init(args) => commands::init::run(&ctx, args),
            Command::Completions(args) => commands::completions::run(args),
            Command::Man(args) => commands::man::run(args),
        }
    }
}

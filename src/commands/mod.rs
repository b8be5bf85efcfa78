//! One module per subcommand: its `Args` and its `run`.

pub mod artifacts;
pub mod bump;
pub mod check;
pub mod diff;
pub mod edit;
pub mod env;
pub mod envs;
pub mod promote;
pub mod record;
pub mod show;
pub mod tf_args;
pub mod verify;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{Cli, ColorChoice, Command};
use crate::report::Style;
use crate::Outcome;

/// What every command gets from the global flags.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub root: PathBuf,
    pub style: Style,
}

impl Ctx {
    fn new(cli: &Cli) -> Ctx {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match cli.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Ctx {
            root: cli.repo.clone(),
            style: Style { color },
        }
    }
}

/// Dispatches to the subcommand.
pub fn run(cli: Cli) -> Result<Outcome> {
    let ctx = Ctx::new(&cli);
    match cli.command {
        Command::Envs(args) => envs::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Bump(args) => bump::run(&ctx, args),
        Command::Promote(args) => promote::run(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::Record(args) => record::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::TfArgs(args) => tf_args::run(&ctx, args),
        Command::Env(args) => env::run(&ctx, args),
        Command::Artifacts(args) => artifacts::run(&ctx, args),
    }
}

/// Writes command output to stdout; a closed pipe (`pins show | head`) is not an error.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes a value as pretty JSON to stdout, streamed (a 100k-pin environment is never copied
/// into a JSON tree first).
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|_| {
            out.write_all(b"\n")?;
            out.flush()
        });
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Output formats shared by several commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

//! `pins completions SHELL`: a completion script made by clap_complete from the command line
//! itself, so every command and flag (also ones added later) completes.

use anyhow::Result;
use clap_complete::Shell;

use crate::output::print;
use crate::Outcome;

/// Arguments of `pins completions`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the script.
pub(crate) fn run(args: Args) -> Result<Outcome> {
    let mut cmd = crate::cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pins", &mut script);
    print(&String::from_utf8(script)?)?;
    Ok(Outcome::Clean)
}

//! What every command gets from the global flags (`Ctx`), the output flags every command
//! flattens into its `Args` (`OutputArgs`), and the one way a command prints: `Ctx::emit`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::report::{self, Format, Report, Style};

/// What every command gets from the global flags.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub root: PathBuf,
    pub style: Style,
}

impl Ctx {
    /// Renders `report` as `output` asks and prints it.
    pub(crate) fn emit<R: Report>(&self, output: &OutputArgs, report: &R) -> Result<()> {
        print(&report::render(report, output.format, self.style)?)
    }
}

/// The output flags every command with structured output flattens into its `Args`.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub(crate) struct OutputArgs {
    /// Output format: text or json; diff, verify, outdated, status and log also markdown; diff also patch.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

impl OutputArgs {
    /// Refuses a format the command's report does not have; writers call it before writing.
    pub(crate) fn require<R: Report>(&self) -> Result<()> {
        report::require::<R>(self.format)
    }
}

/// Writes command output to stdout; a closed pipe (`pins show | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

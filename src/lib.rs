//! pins: keep Terraform artifact versions safe across a linear promotion flow.
//!
//! `cli`, `help`, `commands`, `output` and `report` are the front end: `cli` parses and
//! dispatches, each command calls the core and builds one report, `report` renders it. Everything else is the core, which
//! never sees clap, never prints and never imports the front end.
// Everything that tests, benches and the fuzzer do not use is `pub(crate)`; this keeps it so.
#![warn(unreachable_pub)]

pub(crate) mod artifacts;
pub(crate) mod check;
pub mod cli;
pub(crate) mod clock;
pub(crate) mod commands;
pub mod config;
pub mod diff;
pub(crate) mod edit;
pub mod help;
pub(crate) mod history;
pub(crate) mod holds;
pub(crate) mod init;
pub(crate) mod output;
pub mod plan;
pub mod policy;
pub mod record;
pub(crate) mod repo;
pub(crate) mod report;
pub mod resolve;
pub(crate) mod rollback;
pub(crate) mod sign;
pub(crate) mod source;
pub(crate) mod status;
pub(crate) mod tfplan;
pub mod tfvars;
pub mod version;
pub(crate) mod write;

use std::process::ExitCode;

/// How a command ended; the one place where exit codes are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Clean or done: exit 0.
    Clean,
    /// Differences, violations or divergence: exit 1.
    Findings,
    /// Bad input, bad usage or a refused write: exit 2.
    Error,
}

impl Outcome {
    /// Exit 0, 1 or 2.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Error => 2,
        })
    }

    /// `Findings` when `found`, else `Clean`.
    pub fn findings_if(found: bool) -> Outcome {
        if found {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: cli::Cli) -> anyhow::Result<Outcome> {
    cli.run()
}

/// An error and its causes on one line each, outermost first, without repeats.
pub fn error_chain(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    // A name from a file (a quoted key may hold anything) must not send terminal escapes.
    parts
        .join("\n  caused by: ")
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

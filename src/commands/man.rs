//! `pins man [COMMAND…]`: the roff man page of pins, or of one of its commands, made by
//! clap_mangen from the command line itself.

use anyhow::{anyhow, Result};

use crate::output::print;
use crate::repo::suggest;
use crate::Outcome;

/// Arguments of `pins man`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A command (e.g. `diff`, or `artifacts promote`) whose page to print instead of pins(1).
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
}

/// Prints the page.
pub(crate) fn run(args: Args) -> Result<Outcome> {
    let mut cmd = crate::cli::command();
    cmd.build();
    let mut name = String::from("pins");
    let mut bin_name = name.clone();
    for part in &args.command {
        let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
        let sub = cmd.find_subcommand(part).cloned().ok_or_else(|| {
            let known: Vec<&str> = names.iter().map(String::as_str).collect();
            anyhow!("`{name}` has no command `{part}`{}", suggest(part, &known))
        })?;
        bin_name = format!("{bin_name} {part}");
        name = format!("{name}-{part}");
        cmd = sub.display_name(name.clone()).bin_name(bin_name.clone());
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    print(&String::from_utf8(page)?)?;
    Ok(Outcome::Clean)
}

//! `pins tf-args ENV`: the `-var-file` (and `-backend-config`) arguments for Terraform.

use anyhow::{bail, Result};
use serde_json::json;

use crate::commands::{print, Ctx};
use crate::repo::Repo;
use crate::report;
use crate::Outcome;

/// Arguments of `pins tf-args`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The environment.
    env: String,
    /// Print the `-backend-config=…` argument for `terraform init` instead.
    #[arg(long)]
    backend: bool,
    #[arg(long, value_enum, default_value_t = Format::Args)]
    format: Format,
}

/// `args`: one shell-safe line; `json`: the lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Args,
    Json,
}

/// Prints the arguments.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let env = repo.environment(&args.env)?;
    let var_files = env.var_files();
    let list: Vec<String> = if args.backend {
        match &env.backend_file {
            Some(b) => vec![format!("-backend-config={b}")],
            None => bail!("environment `{}` has no backend file", env.name),
        }
    } else {
        var_files.iter().map(|f| format!("-var-file={f}")).collect()
    };
    let text = match args.format {
        Format::Args => format!(
            "{}\n",
            list.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")
        ),
        Format::Json => report::json(&json!({
            "environment": env.name,
            "var_files": var_files,
            "backend_file": env.backend_file,
            "args": list,
        })),
    };
    print(&text)?;
    Ok(Outcome::Clean)
}

/// Quotes an argument for a POSIX shell when it holds anything but plain path characters.
fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_=./@+,:".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

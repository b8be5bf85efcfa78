//! `pins envs`: the environments in promotion order with their branch and files.

use anyhow::Result;
use serde_json::json;

use crate::commands::{print, Ctx, TextOrJson};
use crate::repo::Repo;
use crate::report;
use crate::Outcome;

/// Arguments of `pins envs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Lists the environments.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let envs = repo.environments();
    let text = match args.format {
        TextOrJson::Json => report::json(&json!(envs
            .iter()
            .map(|e| json!({
                "name": e.name,
                "branch": e.branch,
                "pin_file": e.pin_file,
                "data_files": e.data_files,
                "backend_file": e.backend_file,
                "var_files": e.var_files(),
            }))
            .collect::<Vec<_>>())),
        TextOrJson::Text => {
            let rows: Vec<Vec<String>> = envs
                .iter()
                .map(|e| {
                    let shared = repo.sharing(&e.pin_file).len() > 1;
                    let pin_file = if shared {
                        format!("{} (shared)", e.pin_file)
                    } else {
                        e.pin_file.clone()
                    };
                    vec![
                        e.name.clone(),
                        e.branch.clone(),
                        pin_file,
                        e.data_files.join(", "),
                        e.backend_file.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            report::table(
                &["ENVIRONMENT", "BRANCH", "PIN FILE", "DATA FILES", "BACKEND"],
                &rows,
                |_, _, c| c,
            )
        }
    };
    print(&text)?;
    Ok(Outcome::Clean)
}

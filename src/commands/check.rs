//! `pins check`: lint the whole repository; exit 1 on any finding.

use anyhow::Result;
use serde_json::json;

use crate::check::check;
use crate::commands::{print, Ctx, TextOrJson};
use crate::repo::Repo;
use crate::report;
use crate::Outcome;

/// Arguments of `pins check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Checks the repository.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let result = check(&repo);
    let text = match args.format {
        TextOrJson::Json => {
            report::json(&json!({"findings": result.findings, "files": result.files, "pins": result.pins}))
        }
        TextOrJson::Text => {
            let mut out = String::new();
            for f in &result.findings {
                out.push_str(&format!(
                    "{}: {} [{}]\n  help: {}\n",
                    f.place(),
                    ctx.style.red(&f.message),
                    f.rule,
                    f.help
                ));
            }
            match result.findings.len() {
                0 => out.push_str(&format!(
                    "ok: {} files, {} pins, no findings\n",
                    result.files, result.pins
                )),
                n => out.push_str(&format!(
                    "{n} finding{} in {} files\n",
                    if n == 1 { "" } else { "s" },
                    result.files
                )),
            }
            out
        }
    };
    print(&text)?;
    Ok(Outcome::findings_if(!result.findings.is_empty()))
}

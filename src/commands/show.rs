//! `pins show ENV`: an environment's effective pins (and data) with their provenance.

use anyhow::Result;
use serde_json::{json, Map, Value};

use crate::commands::{print, Ctx, TextOrJson};
use crate::repo::{split_spec, Repo};
use crate::report;
use crate::resolve::{resolve, Effective};
use crate::Outcome;

/// Arguments of `pins show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The environment, optionally at a git revision: `production` or `staging@origin/staging`.
    env: String,
    /// Also show environment data.
    #[arg(long)]
    data: bool,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Shows one environment.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let (name, rev) = split_spec(&args.env);
    let repo = Repo::open_maybe_at(&ctx.root, rev)?;
    let effective = resolve(&repo, repo.environment(name)?)?;
    let text = match args.format {
        TextOrJson::Json => report::json(&to_json(&effective, args.data)),
        TextOrJson::Text => to_text(ctx, &effective, args.data, rev),
    };
    print(&text)?;
    Ok(Outcome::Clean)
}

/// The JSON shape documented in the README.
pub fn to_json(effective: &Effective, data: bool) -> Value {
    let mut pins = Map::new();
    for p in &effective.pins {
        pins.insert(
            p.name.clone(),
            json!({"version": p.version, "variable": p.variable, "file": p.origin.file, "line": p.origin.position.line}),
        );
    }
    let mut out = json!({"environment": effective.environment.name, "pins": pins});
    if data {
        let data: Map<String, Value> = effective
            .data
            .iter()
            .map(|d| {
                (
                    d.name.clone(),
                    json!({"value": d.value, "file": d.origin.file, "line": d.origin.position.line}),
                )
            })
            .collect();
        out["data"] = Value::Object(data);
    }
    out
}

fn to_text(ctx: &Ctx, effective: &Effective, data: bool, rev: Option<&str>) -> String {
    let env = &effective.environment;
    let at = rev.map(|r| format!(" at {r}")).unwrap_or_default();
    let mut out = format!("{}{at}: {}\n\n", ctx.style.bold(&env.name), env.var_files().join(" + "));
    let rows: Vec<Vec<String>> = effective
        .pins
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.version.clone(),
                format!("{}:{}", p.origin.file, p.origin.position.line),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("no pins\n");
    } else {
        out.push_str(&report::table(&["PIN", "VERSION", "FROM"], &rows, |_, _, c| c));
    }
    if data {
        let rows: Vec<Vec<String>> = effective
            .data
            .iter()
            .map(|d| {
                vec![
                    d.name.clone(),
                    compact(&d.value),
                    format!("{}:{}", d.origin.file, d.origin.position.line),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&report::table(&["DATA", "VALUE", "FROM"], &rows, |_, _, c| c));
    }
    out
}

/// A value on one line, strings unquoted, long values cut.
pub fn compact(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(59).collect::<String>())
    } else {
        one_line
    }
}

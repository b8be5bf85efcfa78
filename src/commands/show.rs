//! `pins show ENV`: an environment's effective pins (and data) with their provenance.

use std::borrow::Cow;

use anyhow::Result;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};

use crate::commands::{print, print_json, Ctx, TextOrJson};
use crate::repo::{split_spec, Repo};
use crate::report;
use crate::resolve::{check_versions, resolve, Datum, Effective, Origin, Pin};
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
    check_versions(&effective, repo.policy())?;
    match args.format {
        TextOrJson::Json => {
            let data = args.data.then_some(DataJson(&effective.data));
            print_json(&ShowJson {
                environment: &effective.environment.name,
                pins: PinsJson(&effective.pins),
                data,
            })?
        }
        TextOrJson::Text => print(&to_text(ctx, &effective, args.data, rev))?,
    }
    Ok(Outcome::Clean)
}

/// The JSON shape documented in the README, serialized straight from the pins (no copy).
#[derive(Serialize)]
struct ShowJson<'a> {
    environment: &'a str,
    pins: PinsJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<DataJson<'a>>,
}

struct PinsJson<'a>(&'a [Pin]);

impl Serialize for PinsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for p in self.0 {
            let entry = json_entry(&p.version, &p.variable, &p.origin);
            map.serialize_entry(&*p.name, &entry)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct PinJson<'a> {
    version: &'a str,
    variable: &'a str,
    file: &'a str,
    line: usize,
}

fn json_entry<'a>(version: &'a str, variable: &'a str, origin: &'a Origin) -> PinJson<'a> {
    PinJson {
        version,
        variable,
        file: &origin.file,
        line: origin.position.line as usize,
    }
}

struct DataJson<'a>(&'a [Datum]);

impl Serialize for DataJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for d in self.0 {
            map.serialize_entry(
                &*d.name,
                &json!({"value": d.value, "file": &*d.origin.file, "line": d.origin.position.line}),
            )?;
        }
        map.end()
    }
}

fn to_text(ctx: &Ctx, effective: &Effective, data: bool, rev: Option<&str>) -> String {
    let env = &effective.environment;
    let at = rev.map(|r| format!(" at {r}")).unwrap_or_default();
    let mut out = format!("{}{at}: {}\n\n", ctx.style.bold(&env.name), env.var_files().join(" + "));
    let rows: Vec<Vec<Cow<str>>> = effective
        .pins
        .iter()
        .map(|p| {
            vec![
                Cow::Borrowed(&*p.name),
                Cow::Borrowed(&*p.version),
                Cow::Owned(format!("{}:{}", p.origin.file, p.origin.position.line)),
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
                    d.name.to_string(),
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

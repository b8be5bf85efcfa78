//! `pins diff A B`: the pins that differ between two environments, from the tree or from git.

use anyhow::Result;
use serde_json::{json, Value};

use crate::commands::{print, Ctx};
use crate::diff::{compare_data, compare_pins, summary, Change, DataChange};
use crate::repo::{split_spec, Repo};
use crate::report::{self, Style};
use crate::resolve::{check_versions, resolve, Effective};
use crate::tfvars::Str;
use crate::version::Kind;
use crate::Outcome;

/// Arguments of `pins diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The environment promoted from, optionally `ENV@REV`.
    from: String,
    /// The environment promoted to, optionally `ENV@REV`.
    to: String,
    /// Also list pins that are equal.
    #[arg(long)]
    all: bool,
    /// Also compare environment data (shown apart, never a finding).
    #[arg(long)]
    data: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Output formats of `diff` (and `verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Patch,
}

/// One side of a comparison: an environment, maybe at a revision.
pub struct Side {
    pub repo: Repo,
    pub effective: Effective,
}

impl Side {
    /// Loads `ENV` or `ENV@REV`.
    pub fn load(ctx: &Ctx, spec: &str) -> Result<Side> {
        let (name, rev) = split_spec(spec);
        let repo = Repo::open_maybe_at(&ctx.root, rev)?;
        let effective = resolve(&repo, repo.environment(name)?)?;
        check_versions(&effective, repo.policy())?;
        Ok(Side { repo, effective })
    }

    /// `staging` or `staging@origin/staging`.
    pub fn label(&self) -> String {
        match self.repo.revision() {
            Some(rev) => format!("{}@{rev}", self.effective.environment.name),
            None => self.effective.environment.name.clone(),
        }
    }

    /// What a comparison shows of this side.
    pub fn view(&self) -> View<'_> {
        let pin_text = self.effective.files.first().map(|f| f.text()).unwrap_or_default();
        View {
            environment: self.effective.environment.name.clone(),
            revision: self.repo.revision().map(str::to_string),
            label: self.label(),
            pin_file: Some((&self.effective.environment.pin_file, pin_text)),
        }
    }
}

/// What a rendered comparison names of one side.
pub struct View<'a> {
    pub environment: String,
    pub revision: Option<String>,
    pub label: String,
    /// The pin file's name and text, for `--format patch` (borrowed: never copied).
    pub pin_file: Option<(&'a str, &'a str)>,
}

impl View<'_> {
    fn json(&self) -> Value {
        json!({"environment": self.environment, "revision": self.revision})
    }
}

/// A computed comparison, ready to be rendered.
pub struct Comparison<'a> {
    pub from: View<'a>,
    pub to: View<'a>,
    /// The differing pins, and the equal ones too when they are to be shown.
    pub changes: Vec<Change>,
    /// How many pins are equal on both sides.
    pub identical: usize,
    pub data_changes: Option<Vec<DataChange>>,
}

impl<'a> Comparison<'a> {
    /// Compares two sides; `all` keeps the equal pins for display.
    pub fn new(from: &'a Side, to: &'a Side, data: bool, all: bool) -> Comparison<'a> {
        let pins = compare_pins(&from.effective.pins, &to.effective.pins, all);
        let data_changes = data.then(|| compare_data(&from.effective.data, &to.effective.data));
        Comparison::of(from.view(), to.view(), pins, data_changes)
    }

    /// A comparison of already compared pins.
    pub fn of(
        from: View<'a>,
        to: View<'a>,
        pins: crate::diff::Comparison,
        data_changes: Option<Vec<DataChange>>,
    ) -> Self {
        Comparison {
            from,
            to,
            changes: pins.changes,
            identical: pins.identical,
            data_changes,
        }
    }

    /// Whether any pin differs.
    pub fn differs(&self) -> bool {
        self.changes.iter().any(|c| c.kind != Kind::Unchanged)
    }

    /// Renders in `format`; `all` keeps equal pins.
    pub fn render(&self, format: Format, all: bool, style: Style) -> String {
        match format {
            Format::Text => self.text(all, style),
            Format::Json => report::json(&self.json(all)),
            Format::Markdown => self.markdown(all),
            Format::Patch => self.patch(),
        }
    }

    fn shown(&self, all: bool) -> Vec<&Change> {
        self.changes
            .iter()
            .filter(|c| all || c.kind != Kind::Unchanged)
            .collect()
    }

    fn text(&self, all: bool, style: Style) -> String {
        let (a, b) = (self.from.label.clone(), self.to.label.clone());
        let mut out = format!("{} → {}\n", style.bold(&a), style.bold(&b));
        let shown = self.shown(all);
        if !shown.is_empty() {
            let rows: Vec<Vec<String>> = shown
                .iter()
                .map(|c| vec![c.pin.to_string(), opt(&c.from), opt(&c.to), c.kind.to_string()])
                .collect();
            out.push('\n');
            out.push_str(&report::table(
                &["PIN", a.as_str(), b.as_str(), "CHANGE"],
                &rows,
                |r, col, cell| {
                    if col == 3 {
                        style.kind(shown.get(r).map_or(Kind::Unchanged, |c| c.kind), &cell)
                    } else {
                        cell
                    }
                },
            ));
        }
        out.push('\n');
        out.push_str(&summary(&self.changes, self.identical));
        out.push('\n');
        if let Some(data) = &self.data_changes {
            out.push_str(&data_text(data, &a, &b));
        }
        out
    }

    /// The comparison as JSON (the shape of `--format json`).
    pub fn json(&self, all: bool) -> Value {
        let changes: Vec<Value> = self
            .shown(all)
            .iter()
            .map(|c| json!({"pin": c.pin, "from": c.from, "to": c.to, "kind": c.kind}))
            .collect();
        let data: Vec<Value> = self
            .data_changes
            .iter()
            .flatten()
            .map(|d| json!({"variable": d.variable, "from": d.from, "to": d.to}))
            .collect();
        json!({"from": self.from.json(), "to": self.to.json(), "changes": changes, "data_changes": data})
    }

    fn markdown(&self, all: bool) -> String {
        let (a, b) = (self.from.label.clone(), self.to.label.clone());
        let mut out = format!("### pins: `{a}` → `{b}`\n\n");
        let shown = self.shown(all);
        if !shown.is_empty() {
            out.push_str(&format!(
                "| Pin | {} | {} | Change |\n|---|---|---|---|\n",
                report::md_code(&a),
                report::md_code(&b)
            ));
            for c in shown {
                let row = [
                    report::md_code(&c.pin),
                    report::md_code(&opt(&c.from)),
                    report::md_code(&opt(&c.to)),
                    c.kind.to_string(),
                ];
                out.push_str(&format!("| {} |\n", row.join(" | ")));
            }
            out.push('\n');
        }
        out.push_str(&format!("**{}**\n", summary(&self.changes, self.identical)));
        if let Some(data) = self.data_changes.as_ref().filter(|d| !d.is_empty()) {
            out.push_str(&format!("\n<details><summary>{} data variables differ (expected between environments)</summary>\n\n| Variable | {} | {} |\n|---|---|---|\n", data.len(), report::md_code(&a), report::md_code(&b)));
            for d in data {
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    report::md_code(&d.variable),
                    report::md_code(&value(&d.from)),
                    report::md_code(&value(&d.to))
                ));
            }
            out.push_str("\n</details>\n");
        }
        out
    }

    fn patch(&self) -> String {
        let part = |v: &View| match v.pin_file {
            Some((file, text)) => (format!("{file} ({})", v.label), text.to_string()),
            None => (v.label.clone(), String::new()),
        };
        let ((a_name, a_text), (b_name, b_text)) = (part(&self.from), part(&self.to));
        report::unified_diff(&a_text, &b_text, &a_name, &b_name)
    }
}

fn data_text(data: &[DataChange], a: &str, b: &str) -> String {
    if data.is_empty() {
        return "data: identical\n".into();
    }
    let rows: Vec<Vec<String>> = data
        .iter()
        .map(|d| vec![d.variable.to_string(), value(&d.from), value(&d.to)])
        .collect();
    format!(
        "\ndata (expected to differ, not a finding):\n{}",
        report::table(&["VARIABLE", a, b], &rows, |_, _, c| c)
    )
}

fn opt(v: &Option<Str>) -> String {
    v.as_deref().unwrap_or("—").to_string()
}

fn value(v: &Option<Value>) -> String {
    v.as_ref().map_or_else(|| "—".into(), super::show::compact)
}

/// Compares two environments.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let from = Side::load(ctx, &args.from)?;
    let to = Side::load(ctx, &args.to)?;
    let comparison = Comparison::new(&from, &to, args.data, args.all);
    print(&comparison.render(args.format, args.all, ctx.style))?;
    Ok(Outcome::findings_if(comparison.differs()))
}

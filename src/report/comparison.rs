//! The report of two environments compared, for `diff` (what promoting FROM into TO would change
//! in TO) and `verify` (what was tested → what would deploy). Both read a row the same way: the
//! pin goes from the `from` version to the `to` version, classified by its kind.

use serde::Serialize;

use super::{compact, count, md_code, plain_table, table, Format, Report, Style};
use crate::diff::{Change, Comparison, DataChange, Side};
use crate::version::Kind;

/// How a comparison is worded: which side is "old" and what the columns mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wording {
    /// `pins diff FROM TO`: TO now → what TO would get from FROM.
    Promotion,
    /// `pins verify`: tested → would deploy.
    Gate,
}

/// What a comparison names of one side.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct View {
    pub environment: String,
    pub revision: Option<String>,
    #[serde(skip)]
    pub label: String,
}

impl View {
    /// What the report shows of a loaded side.
    pub(crate) fn of(side: &Side) -> View {
        View {
            environment: side.effective.environment.name.clone(),
            revision: side.repo.revision().map(str::to_string),
            label: side.label(),
        }
    }
}

/// `--format json` of `diff` (and the comparison part of `verify`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ComparisonReport {
    /// The environment promoted from (`diff`) or the tested one (`verify`).
    pub from: View,
    /// The environment promoted into (`diff`) or the one about to deploy (`verify`).
    pub to: View,
    /// One row per differing pin (every pin with `--all`).
    pub changes: Vec<Change>,
    pub data_changes: Vec<DataChange>,
    #[serde(skip)]
    wording: Wording,
    /// For `--format patch` (`diff` only): what promotion would do to TO's pin file.
    #[serde(skip)]
    patch: String,
    #[serde(skip)]
    identical: usize,
    #[serde(skip)]
    data: bool,
}

impl ComparisonReport {
    /// A report of compared pins; `data` when data was compared too.
    pub(crate) fn new(from: View, to: View, pins: Comparison, data: Option<Vec<DataChange>>, wording: Wording) -> Self {
        ComparisonReport {
            from,
            to,
            changes: pins.changes,
            data: data.is_some(),
            data_changes: data.unwrap_or_default(),
            wording,
            identical: pins.identical,
            patch: String::new(),
        }
    }

    /// The unified diff `--format patch` prints.
    pub(crate) fn with_patch(mut self, patch: String) -> Self {
        self.patch = patch;
        self
    }

    /// Whether any pin differs.
    pub(crate) fn differs(&self) -> bool {
        self.changes.iter().any(|c| c.kind != Kind::Unchanged)
    }

    /// The side whose versions are in `from` of each row, and the side whose are in `to`.
    fn old_new(&self) -> (&View, &View) {
        match self.wording {
            Wording::Promotion => (&self.to, &self.from),
            Wording::Gate => (&self.from, &self.to),
        }
    }

    fn heading(&self, style: Style) -> String {
        let (from, to) = (style.bold(&self.from.label), style.bold(&self.to.label));
        match self.wording {
            Wording::Promotion => format!("{from} → {to}: what {} would get\n", self.to.label),
            Wording::Gate => format!("{from} → {to}: tested → would deploy\n"),
        }
    }

    fn columns(&self) -> (String, String) {
        let (old, new) = self.old_new();
        match self.wording {
            Wording::Promotion => (format!("NOW ({})", old.label), format!("WOULD GET ({})", new.label)),
            Wording::Gate => (
                format!("TESTED ({})", old.label),
                format!("WOULD DEPLOY ({})", new.label),
            ),
        }
    }

    fn md_heading(&self) -> String {
        let (from, to) = (md_code(&self.from.label), md_code(&self.to.label));
        match self.wording {
            Wording::Promotion => format!("### pins: promoting {from} into {to}\n\n"),
            Wording::Gate => format!("### pins: {to} would deploy, against what {from} tested\n\n"),
        }
    }

    fn md_columns(&self) -> (String, String) {
        let (old, new) = self.old_new();
        let (old, new) = (md_code(&old.label), md_code(&new.label));
        match self.wording {
            Wording::Promotion => (format!("Now in {old}"), format!("Would get from {new}")),
            Wording::Gate => (format!("Tested in {old}"), format!("Would deploy in {new}")),
        }
    }

    /// `3 pins differ: 1 major, 2 patch`, or that none do.
    pub(crate) fn summary(&self) -> String {
        let differing: Vec<Kind> = self
            .changes
            .iter()
            .map(|c| c.kind)
            .filter(|k| *k != Kind::Unchanged)
            .collect();
        if differing.is_empty() {
            return format!("no pins differ ({} identical)", self.identical);
        }
        let mut kinds = differing.clone();
        kinds.sort();
        kinds.dedup();
        let parts: Vec<String> = kinds
            .iter()
            .map(|k| format!("{} {k}", differing.iter().filter(|d| *d == k).count()))
            .collect();
        let noun = if differing.len() == 1 {
            "pin differs"
        } else {
            "pins differ"
        };
        format!("{} {noun}: {}", differing.len(), parts.join(", "))
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let cell = |v: &Option<crate::tfvars::Str>| v.as_deref().unwrap_or("—").to_string();
        self.changes
            .iter()
            .map(|c| vec![c.pin.to_string(), cell(&c.from), cell(&c.to), c.kind.to_string()])
            .collect()
    }

    fn data_rows(&self) -> Vec<Vec<String>> {
        let cell = |v: &Option<serde_json::Value>| v.as_ref().map_or_else(|| "—".into(), compact);
        self.data_changes
            .iter()
            .map(|d| vec![d.variable.to_string(), cell(&d.from), cell(&d.to)])
            .collect()
    }

    fn text_table(&self, style: Style) -> String {
        let (old, new) = self.columns();
        let kinds: Vec<Kind> = self.changes.iter().map(|c| c.kind).collect();
        let paint = |r: usize, col: usize, cell: String| match col {
            3 => style.kind(kinds.get(r).copied().unwrap_or(Kind::Unchanged), &cell),
            _ => cell,
        };
        table(&["PIN", &old, &new, "CHANGE"], &self.rows(), paint)
    }

    fn data_text(&self) -> String {
        if self.data_changes.is_empty() {
            return "data: identical\n".into();
        }
        let (old, new) = self.old_new();
        let table = plain_table(&["VARIABLE", &old.label, &new.label], &self.data_rows());
        format!("\ndata (expected to differ, not a finding):\n{table}")
    }

    fn data_markdown(&self) -> String {
        let (old, new) = self.old_new();
        let mut out = format!(
            "\n<details><summary>{} differ (expected between environments)</summary>\n\n| Variable | {} | {} |\n|---|---|---|\n",
            count(self.data_changes.len(), "data variable"),
            md_code(&old.label),
            md_code(&new.label)
        );
        for row in self.data_rows() {
            let cells: Vec<String> = row.iter().map(|c| md_code(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push_str("\n</details>\n");
        out
    }
}

impl Report for ComparisonReport {
    const FORMATS: &'static [Format] = &[Format::Text, Format::Json, Format::Markdown, Format::Patch];

    fn text(&self, style: Style) -> String {
        let mut out = self.heading(style);
        if !self.changes.is_empty() {
            out.push('\n');
            out.push_str(&self.text_table(style));
        }
        out.push('\n');
        out.push_str(&self.summary());
        out.push('\n');
        if self.data {
            out.push_str(&self.data_text());
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out = self.md_heading();
        if !self.changes.is_empty() {
            let (old, new) = self.md_columns();
            out.push_str(&format!("| Pin | {old} | {new} | Change |\n|---|---|---|---|\n"));
            for row in self.rows() {
                let [pin, from, to, kind] = <[String; 4]>::try_from(row).unwrap_or_default();
                out.push_str(&format!(
                    "| {} | {} | {} | {kind} |\n",
                    md_code(&pin),
                    md_code(&from),
                    md_code(&to)
                ));
            }
            out.push('\n');
        }
        out.push_str(&format!("**{}**\n", self.summary()));
        if !self.data_changes.is_empty() {
            out.push_str(&self.data_markdown());
        }
        out
    }

    /// What promotion would do to TO's pin file: exactly `pins promote FROM TO --dry-run`'s diff.
    fn patch(&self) -> String {
        self.patch.clone()
    }
}

//! The reports of `pins artifacts ENV`, `artifacts check ENV` and `artifacts promote FROM TO`.

use serde::Serialize;

use super::{bytes, plain_table, Report, Style};
use crate::artifacts::inventory::pinned_at;
use crate::artifacts::promotion::{Move, Promotion, Step};
use crate::artifacts::store::{Meta, Method};
use crate::artifacts::Artifact;

/// One artifact as `artifacts` and `artifacts check` list it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ArtifactRow {
    pub pin: String,
    pub variable: String,
    pub version: String,
    pub location: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Only from `artifacts check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip)]
    pub pinned_at: String,
}

impl ArtifactRow {
    /// A row for `a`; `meta` when it was looked up (`None` inside: it does not exist).
    pub(crate) fn new(a: &Artifact, meta: Option<Option<&Meta>>) -> ArtifactRow {
        ArtifactRow {
            pin: a.pin.name.to_string(),
            variable: a.pin.variable.to_string(),
            version: a.pin.version.to_string(),
            location: a.location.to_string(),
            file: a.pin.origin.file.to_string(),
            line: a.pin.origin.position.line,
            column: a.pin.origin.position.col,
            exists: meta.map(|m| m.is_some()),
            size: meta.flatten().map(|m| m.size),
            pinned_at: pinned_at(&a.pin),
        }
    }
}

/// `--format json` of `artifacts ENV`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ListReport {
    pub environment: String,
    pub artifacts: Vec<ArtifactRow>,
}

impl Report for ListReport {
    fn text(&self, style: Style) -> String {
        let mut out = format!(
            "{}: {} artifacts\n\n",
            style.bold(&self.environment),
            self.artifacts.len()
        );
        if !self.artifacts.is_empty() {
            let rows: Vec<Vec<&str>> = self
                .artifacts
                .iter()
                .map(|a| vec![a.pin.as_str(), &a.version, &a.location, &a.pinned_at])
                .collect();
            out.push_str(&plain_table(&["PIN", "VERSION", "LOCATION", "PINNED AT"], &rows));
        }
        out
    }
}

/// `--format json` of `artifacts check ENV`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckReport {
    pub environment: String,
    pub artifacts: Vec<ArtifactRow>,
    /// How many do not exist.
    pub missing: usize,
}

impl Report for CheckReport {
    fn text(&self, _: Style) -> String {
        let mut out = String::new();
        for a in self.artifacts.iter().filter(|a| a.exists == Some(false)) {
            let what = format!("{} {} is not at {}", a.pin, a.version, a.location);
            out.push_str(&format!("{}: missing artifact: {what}\n", a.pinned_at));
        }
        let (n, env) = (self.artifacts.len(), &self.environment);
        match self.missing {
            0 => out.push_str(&format!("ok: all {n} artifacts of {env} exist\n")),
            m => out.push_str(&format!(
                "FAIL: {m} of {n} artifacts of {env} are missing; upload them or run `pins artifacts promote` from the environment that has them\n"
            )),
        }
        out
    }
}

/// One step as `artifacts promote --format json` lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepRow {
    pub pin: String,
    pub version: String,
    pub from: String,
    pub to: String,
    pub action: Move,
    /// The source's size; absent when the source does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// SHA-256 of the source's bytes; absent when the source does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// How the bytes were copied (`server` or `stream`); only for copies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    #[serde(skip)]
    note: String,
}

impl StepRow {
    fn new(s: &Step) -> StepRow {
        StepRow {
            pin: s.pin.name.to_string(),
            version: s.pin.version.to_string(),
            from: s.from.to_string(),
            to: s.to.to_string(),
            action: s.action,
            size: s.source.as_ref().map(|m| m.size),
            sha256: s.content.as_ref().map(|c| c.sha256.clone()),
            method: s.method,
            note: note(s),
        }
    }
}

fn note(s: &Step) -> String {
    let size = |m: &Option<Meta>| bytes(m.as_ref().map_or(0, |m| m.size));
    match s.action {
        Move::InPlace => format!("{} (both read this location)", s.to),
        Move::Present => format!("{} (same content already there)", s.to),
        Move::Copy | Move::Overwrite => format!("{} -> {} ({})", s.from, s.to, size(&s.source)),
        Move::Conflict => format!(
            "{} holds different content than {} ({} vs {})",
            s.to,
            s.from,
            size(&s.target),
            size(&s.source)
        ),
        Move::MissingSource => format!("{} does not exist (pinned at {})", s.from, pinned_at(&s.pin)),
    }
}

fn label(action: Move) -> &'static str {
    match action {
        Move::InPlace => "in place",
        Move::Present => "present",
        Move::Copy => "copy",
        Move::Overwrite => "OVERWRITE",
        Move::Conflict => "CONFLICT",
        Move::MissingSource => "MISSING",
    }
}

/// `--format json` of `artifacts promote`, printed for refusals too.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PromoteReport {
    pub from: String,
    pub to: String,
    pub dry_run: bool,
    pub artifacts: Vec<StepRow>,
    /// Why nothing was copied, when the promotion was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

impl PromoteReport {
    /// The report of a planned (and maybe carried out) promotion.
    pub(crate) fn new(p: &Promotion, dry_run: bool) -> Self {
        PromoteReport {
            from: p.from.clone(),
            to: p.to.clone(),
            dry_run,
            artifacts: p.steps.iter().map(StepRow::new).collect(),
            refused: p.refusal(),
        }
    }

    fn plan_text(&self, style: Style) -> String {
        let mut out = format!("artifacts of {} from {}:\n\n", style.bold(&self.to), self.from);
        if self.artifacts.is_empty() {
            out.push_str("no artifacts\n");
        } else {
            let rows: Vec<Vec<&str>> = self
                .artifacts
                .iter()
                .map(|s| vec![label(s.action), &s.pin, &s.version, &s.note])
                .collect();
            out.push_str(&plain_table(&["ACTION", "PIN", "VERSION", "LOCATION"], &rows));
        }
        out.push('\n');
        out
    }
}

impl Report for PromoteReport {
    fn text(&self, style: Style) -> String {
        let mut out = self.plan_text(style);
        if self.refused.is_some() {
            // The command fails with the reason, on stderr.
            return out;
        }
        let copies = self.artifacts.iter().filter(|s| s.action.copies()).count();
        let (verb, dry) = match self.dry_run {
            true => ("would copy", " (dry run: nothing copied)"),
            false => ("copied", ""),
        };
        let total = self.artifacts.len();
        out.push_str(&format!(
            "{verb} {copies} of {total} artifacts from {} to {}{dry}\n",
            self.from, self.to
        ));
        out
    }
}

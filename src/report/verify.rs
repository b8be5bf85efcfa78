//! The report of `pins verify`: the pins (and artifacts) ENV would deploy against the tested ones,
//! read "tested → would deploy", and the verdict.

use serde::Serialize;

use super::comparison::{ComparisonReport, View};
use super::{printable, Format, Report, Style};
use crate::artifacts::inventory::ArtifactFinding;
use crate::holds::guard::Moved;
use crate::policy::audit::Breach;
use crate::record::Record;

/// `--format json` of `verify`: the comparison's fields, and `artifacts` with `--artifacts`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct VerifyReport {
    #[serde(flatten)]
    pub comparison: ComparisonReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<ArtifactCheck>,
    /// How the tested set was found, when the reader should know (pins.hcl disagreeing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Held pins whose value is not their held version (each fails the gate).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<Moved>,
    /// Versions ENV would deploy that did not pass ENV's promotion rules when they arrived (with
    /// the override that let each in, if one did).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<Breach>,
    /// Whether ENV would deploy exactly what was tested, every held pin its held version, and
    /// every version within ENV's promotion rules.
    pub ok: bool,
}

/// The artifacts compared byte for byte.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ArtifactCheck {
    pub checked: usize,
    pub findings: Vec<ArtifactFinding>,
}

impl VerifyReport {
    /// The verdict over a comparison, with `--artifacts` the artifact findings, the held pins
    /// that moved, and the promotion policy's breaches: each fails the gate, except a breach an
    /// override covers.
    pub(crate) fn new(
        comparison: ComparisonReport,
        artifacts: Option<ArtifactCheck>,
        notes: Vec<String>,
        held: Vec<Moved>,
        policy: Vec<Breach>,
    ) -> Self {
        let clean_artifacts = artifacts.as_ref().is_none_or(|a| a.findings.is_empty());
        let policy_kept = policy.iter().all(|b| b.overridden.is_some());
        VerifyReport {
            ok: !comparison.differs() && clean_artifacts && held.is_empty() && policy_kept,
            comparison,
            artifacts,
            notes,
            policy,
            held,
        }
    }

    fn breaches(&self) -> Vec<String> {
        let env = &self.comparison.to.environment;
        self.policy
            .iter()
            .map(|b| {
                let commit = b
                    .commit
                    .as_deref()
                    .map_or(String::from("not committed"), |c| format!("commit {c}"));
                let verdict = match &b.overridden {
                    Some(reason) => format!("overridden: {reason}"),
                    None => "FAIL".to_string(),
                };
                format!(
                    "policy: {} {} arrived in {env} at {} ({commit}): {}; {verdict}",
                    b.pin,
                    b.version,
                    b.arrived,
                    b.failures.join("; ")
                )
            })
            .collect()
    }

    fn findings(&self) -> &[ArtifactFinding] {
        self.artifacts.as_ref().map_or(&[], |a| &a.findings)
    }

    fn verdict(&self) -> String {
        let (tested, target) = (&self.comparison.from.label, &self.comparison.to.label);
        if !self.held.is_empty() && !self.comparison.differs() {
            return format!("FAIL: {target} would deploy a held pin at another version than its hold\n");
        }
        let what = if self.comparison.differs() { "pins" } else { "artifacts" };
        let tested_ok = !self.comparison.differs() && self.findings().is_empty();
        match (self.ok, tested_ok) {
            (true, _) => format!("ok: {target} deploys exactly the pins tested in {tested}\n"),
            (false, true) => format!("FAIL: {target} would deploy versions that did not pass its promotion rules\n"),
            (false, false) => format!("FAIL: {target} would deploy {what} that were not tested in {tested}\n"),
        }
    }
}

impl Report for VerifyReport {
    const FORMATS: &'static [Format] = &[Format::Text, Format::Json, Format::Markdown];

    fn text(&self, style: Style) -> String {
        let mut out = self.comparison.text(style);
        for f in self.findings() {
            out.push_str(&format!("{}: {}\n", f.pinned_at, f.message));
        }
        for moved in &self.held {
            out.push_str(&format!("held: {}\n", printable(&moved.message())));
        }
        for line in self.breaches() {
            out.push_str(&format!("{line}\n"));
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        if self.artifacts.is_some() && self.findings().is_empty() {
            out.push_str("artifacts: every artifact has the tested content\n");
        }
        out.push_str(&self.verdict());
        out
    }

    fn markdown(&self) -> String {
        let mut out = self.comparison.markdown();
        for f in self.findings() {
            out.push_str(&format!("\n- `{}`: {}", f.pinned_at, f.message));
        }
        for moved in &self.held {
            out.push_str(&format!("\n- held: {}", moved.message().replace('|', "\\|")));
        }
        for line in self.breaches() {
            out.push_str(&format!("\n- {line}"));
        }
        if !self.findings().is_empty() || !self.held.is_empty() || !self.policy.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("\n{}", self.verdict()));
        out
    }
}

/// What a comparison shows of a release record.
pub(crate) fn record_view(record: &Record) -> View {
    View {
        environment: record.environment.clone(),
        revision: record.commit.clone(),
        label: format!("{} (record {})", record.environment, record.short_commit()),
    }
}

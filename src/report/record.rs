//! The report of `pins record`: what was recorded and where.

use serde::Serialize;

use super::{count, Report, Style};
use crate::record::{short, Record};

/// `--format json` of `record`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RecordReport {
    pub environment: String,
    /// Where the record was written.
    pub file: String,
    pub pins: usize,
    /// How many artifact digests it holds (`null` without `--artifacts`).
    pub artifacts: Option<usize>,
    pub digest: String,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
    /// The Terraform plan the pins were read from (`record --plan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The signing key's id and the signature file (`record --sign`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<(String, String)>,
}

impl RecordReport {
    /// What `record`, written to `file`, holds.
    pub(crate) fn new(record: &Record, file: String) -> Self {
        RecordReport {
            environment: record.environment.clone(),
            file,
            pins: record.pins.len(),
            artifacts: record.artifacts.as_ref().map(|a| a.len()),
            digest: record.digest.clone(),
            commit: record.commit.clone(),
            dirty: record.dirty,
            plan: None,
            signature: None,
        }
    }
}

impl Report for RecordReport {
    fn text(&self, _: Style) -> String {
        let state = match (self.commit.as_deref(), self.dirty) {
            (Some(c), Some(true)) => format!("commit {} with uncommitted changes", short(c)),
            (Some(c), _) => format!("commit {}", short(c)),
            (None, _) => "no git commit".into(),
        };
        let artifacts = self
            .artifacts
            .map(|n| format!(" and {}", count(n, "artifact digest")))
            .unwrap_or_default();
        let planned = self
            .plan
            .as_ref()
            .map(|p| format!(" planned in {p}"))
            .unwrap_or_default();
        let signed = self
            .signature
            .as_ref()
            .map(|(id, file)| format!(", signed by key {id} → {file}"))
            .unwrap_or_default();
        format!(
            "recorded {}: {}{planned}{artifacts}, {}, {state} → {}{signed}\n",
            self.environment,
            count(self.pins, "pin"),
            self.digest,
            self.file
        )
    }
}

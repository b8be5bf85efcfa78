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
}

impl RecordReport {
    /// What `record`, written to `file`, holds.
    pub fn new(record: &Record, file: String) -> Self {
        RecordReport {
            environment: record.environment.clone(),
            file,
            pins: record.pins.len(),
            artifacts: record.artifacts.as_ref().map(|a| a.len()),
            digest: record.digest.clone(),
            commit: record.commit.clone(),
            dirty: record.dirty,
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
        format!(
            "recorded {}: {}{artifacts}, {}, {state} → {}\n",
            self.environment,
            count(self.pins, "pin"),
            self.digest,
            self.file
        )
    }
}

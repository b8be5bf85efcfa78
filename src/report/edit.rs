//! The report of `bump` and `promote`: the changes to one pin file, written or (dry run) not.

use serde::Serialize;

use super::holds::skipped_line;
use super::{printable, Report, Style};
use crate::diff::Change;
use crate::edit::Edited;
use crate::holds::guard::Skipped;

/// `--format json` of `bump` and `promote`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EditReport {
    pub file: String,
    pub environments: Vec<String>,
    pub changes: Vec<Change>,
    pub kept: Vec<String>,
    pub dry_run: bool,
    pub written: bool,
    pub notes: Vec<String>,
    /// Pins a hold kept at their version (promote only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<Skipped>,
    #[serde(skip)]
    pub preview: Option<String>,
}

impl From<Edited> for EditReport {
    fn from(e: Edited) -> Self {
        EditReport {
            file: e.file,
            environments: e.environments,
            changes: e.changes,
            kept: e.kept,
            dry_run: e.dry_run,
            written: e.written,
            notes: e.notes,
            held: Vec::new(),
            preview: e.preview,
        }
    }
}

impl EditReport {
    /// The report with the pins that holds kept.
    pub(crate) fn with_held(self, held: Vec<Skipped>) -> Self {
        EditReport { held, ..self }
    }

    /// A report that changes nothing and says why.
    pub(crate) fn nothing(file: &str, environments: Vec<String>, dry_run: bool, why: String) -> Self {
        EditReport {
            file: file.to_string(),
            environments,
            changes: Vec::new(),
            kept: Vec::new(),
            dry_run,
            written: false,
            notes: vec![why],
            held: Vec::new(),
            preview: None,
        }
    }

    fn changes_text(&self, style: Style) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let from = c.from.as_deref().unwrap_or("—");
            let to = c.to.as_deref().unwrap_or("—");
            let kind = style.kind(c.kind, c.kind.as_str());
            let (pin, from, to) = (printable(&c.pin), printable(from), printable(to));
            out.push_str(&format!("{}: {pin} {from} → {to} ({kind})\n", self.file));
        }
        for k in &self.kept {
            let k = printable(k);
            out.push_str(&format!(
                "{}: {k} kept (not in the source; --prune removes it)\n",
                self.file
            ));
        }
        out
    }
}

impl Report for EditReport {
    fn text(&self, style: Style) -> String {
        let mut out = self.preview.clone().unwrap_or_default();
        if self.changes.is_empty() {
            out.push_str(&format!("{}: nothing to change\n", self.file));
        }
        out.push_str(&self.changes_text(style));
        if self.environments.len() > 1 && (self.written || self.preview.is_some()) {
            let shared = self.environments.join(", ");
            out.push_str(&format!("affects: {shared} (they share {})\n", self.file));
        }
        for held in &self.held {
            out.push_str(&skipped_line(held));
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        if self.dry_run {
            out.push_str("dry run: nothing written\n");
        }
        out
    }
}

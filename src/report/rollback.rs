//! The report of `pins rollback`: the edit, where the pins came from, and the commit message.

use serde::Serialize;

use super::edit::EditReport;
use super::{commit_message_block, Report, Style};

/// `--format json` of `rollback`: the fields of `bump`/`promote`, plus `source` and
/// `commit_message` (null when nothing changes).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RollbackReport {
    #[serde(flatten)]
    pub edit: EditReport,
    pub source: String,
    pub commit_message: Option<String>,
}

impl Report for RollbackReport {
    fn text(&self, style: Style) -> String {
        let mut out = self.edit.text(style);
        if let Some(message) = &self.commit_message {
            out.push_str(&commit_message_block(message));
        }
        out
    }
}

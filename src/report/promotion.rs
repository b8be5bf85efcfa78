//! The report of `pins promote`: the edit, and what TO's promotion policy decided (pending
//! changes with why and when they pass, overrides, the commit message).

use serde::Serialize;

use super::edit::EditReport;
use super::{commit_message_block, printable, Report, Style};
use crate::policy::gate::Held;
use crate::policy::promotion::Outcome;

/// `--format json` of `promote`: the edit's fields, and `policy` when TO has promotion rules or
/// `--auto`/`--override` was given.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PromoteReport {
    #[serde(flatten)]
    pub edit: EditReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Outcome>,
}

impl PromoteReport {
    /// The edit and the policy's outcome.
    pub(crate) fn new(edit: EditReport, policy: Option<Outcome>) -> Self {
        PromoteReport { edit, policy }
    }

    /// An edit without a policy decision.
    pub(crate) fn plain(edit: EditReport) -> Self {
        PromoteReport { edit, policy: None }
    }
}

fn held_line(label: &str, h: &Held) -> String {
    let c = &h.change;
    let (from, to) = (c.from.as_deref().unwrap_or("—"), c.to.as_deref().unwrap_or("—"));
    let mut line = format!(
        "{label}: {} {} → {} ({}): {}",
        printable(&c.pin),
        printable(from),
        printable(to),
        c.kind,
        h.blocked_by.join("; ")
    );
    // Said once: a single rule already gives its own time.
    if let (Some(at), "pending", false) = (&h.passes_at, label, h.blocked_by.len() == 1) {
        line.push_str(&format!("; all pass at {at}"));
    }
    line.push('\n');
    line
}

impl Report for PromoteReport {
    fn text(&self, style: Style) -> String {
        let mut out = self.edit.text(style);
        let Some(policy) = &self.policy else { return out };
        for h in &policy.decision.pending {
            out.push_str(&held_line("pending", h));
        }
        for h in &policy.decision.overridden {
            out.push_str(&held_line("overridden", h));
        }
        if let Some(message) = &policy.commit_message {
            out.push_str(&commit_message_block(message));
        }
        out
    }
}

//! The report of `pins init`: the files it writes and removes (as a diff under `--dry-run`), the
//! pins `--release-from` changes, and notes.

use serde::Serialize;

use super::{Report, Style};
use crate::init::{FileChange, Plan};
use crate::write::unified_diff;

/// `--format json` of `init`: `{"mode", "inputs", "files": [{"path", "old", "new"}],
/// "release_changes", "notes", "dry_run"}`; `new` is null for a removed file.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct InitReport {
    #[serde(flatten)]
    pub plan: Plan,
    pub dry_run: bool,
}

impl Report for InitReport {
    fn text(&self, _: Style) -> String {
        let mut out = String::new();
        if self.dry_run {
            self.plan.files.iter().for_each(|c| out.push_str(&diff(c)));
        }
        for change in &self.plan.files {
            out.push_str(&format!("{} {}\n", verb(change, self.dry_run), change.path));
        }
        for change in &self.plan.release_changes {
            out.push_str(&format!("release: {change}\n"));
        }
        for note in &self.plan.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        if self.plan.files.is_empty() {
            out.push_str("nothing to do\n");
        } else if !self.dry_run && self.plan.mode == "migrate" {
            out.push_str("next: `pins check`, then `pins tf-args ENV` gives each environment's -var-file arguments\n");
        }
        out
    }
}

fn verb(change: &FileChange, dry_run: bool) -> &'static str {
    match (&change.old, &change.new, dry_run) {
        (_, None, false) => "removed",
        (_, None, true) => "would remove",
        (None, Some(_), false) => "created",
        (None, Some(_), true) => "would create",
        (Some(_), Some(_), false) => "rewrote",
        (Some(_), Some(_), true) => "would rewrite",
    }
}

fn diff(change: &FileChange) -> String {
    let old_name = change
        .old
        .as_ref()
        .map_or("/dev/null".into(), |_| format!("a/{}", change.path));
    let new_name = change
        .new
        .as_ref()
        .map_or("/dev/null".into(), |_| format!("b/{}", change.path));
    unified_diff(
        change.old.as_deref().unwrap_or(""),
        change.new.as_deref().unwrap_or(""),
        &old_name,
        &new_name,
    )
}

//! The tail of every write command: dry-run preview or atomic write, then the summary.

use anyhow::Result;
use serde_json::json;

use crate::commands::{print, Ctx, TextOrJson};
use crate::plan::Plan;
use crate::report;
use crate::write::{preview, Lock};

/// What a write command reports besides the plan.
pub struct Outcome<'a> {
    pub environments: Vec<&'a str>,
    pub notes: Vec<String>,
}

/// Writes (or with `dry_run` previews) `plan` under `lock` and prints the summary.
pub fn finish(ctx: &Ctx, lock: Lock, plan: &Plan, dry_run: bool, format: TextOrJson, extra: Outcome) -> Result<()> {
    let written = plan.changes_file() && !dry_run;
    if written {
        lock.write(plan.new.as_bytes())?;
    }
    drop(lock);
    let text = match format {
        TextOrJson::Json => report::json(&json!({
            "file": plan.file,
            "environments": extra.environments,
            "changes": plan.changes.iter().map(|c| json!({"pin": c.pin, "from": c.from, "to": c.to, "kind": c.kind})).collect::<Vec<_>>(),
            "kept": plan.kept,
            "dry_run": dry_run,
            "written": written,
            "notes": extra.notes,
        })),
        TextOrJson::Text => summary(ctx, plan, dry_run, &extra),
    };
    print(&text)
}

fn summary(ctx: &Ctx, plan: &Plan, dry_run: bool, extra: &Outcome) -> String {
    let mut out = String::new();
    if dry_run && plan.changes_file() {
        out.push_str(&preview(&plan.file, plan.old, &plan.new));
    }
    if plan.changes.is_empty() {
        out.push_str(&format!("{}: nothing to change\n", plan.file));
    }
    for c in &plan.changes {
        let from = c.from.as_deref().unwrap_or("—");
        let to = c.to.as_deref().unwrap_or("—");
        out.push_str(&format!(
            "{}: {} {from} → {to} ({})\n",
            plan.file,
            c.pin,
            ctx.style.kind(c.kind, c.kind.as_str())
        ));
    }
    for k in &plan.kept {
        out.push_str(&format!(
            "{}: {k} kept (not in the source; --prune removes it)\n",
            plan.file
        ));
    }
    if extra.environments.len() > 1 && plan.changes_file() {
        out.push_str(&format!(
            "affects: {} (they share {})\n",
            extra.environments.join(", "),
            plan.file
        ));
    }
    for note in &extra.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if dry_run {
        out.push_str("dry run: nothing written\n");
    }
    out
}

//! The tail of every write command: dry-run preview or atomic write, then the summary.

use anyhow::Result;
use serde_json::json;

use crate::commands::{print, Ctx, TextOrJson};
use crate::plan::{Guards, Plan};
use crate::repo::Repo;
use crate::report;
use crate::tfvars::TfVars;
use crate::write::{preview, Lock};

/// What a write command reports besides the plan.
pub struct Outcome<'a> {
    pub environments: Vec<&'a str>,
    pub notes: Vec<String>,
}

/// What a write command asks of the pipeline.
pub struct Request<'r> {
    pub repo: &'r Repo,
    pub pin_file: &'r str,
    pub allow_downgrade: bool,
    pub allow_prerelease: bool,
    pub dry_run: bool,
    pub format: TextOrJson,
}

/// The one write pipeline: lock the pin file, read and parse it under the lock, let `plan` compute
/// the edit, then preview or write it atomically and print the summary.
pub fn edit_pin_file<F>(ctx: &Ctx, request: Request, plan: F) -> Result<()>
where
    F: for<'v> FnOnce(&'v TfVars, Guards) -> Result<Plan<'v>>,
{
    let Request { repo, pin_file, .. } = request;
    let sharing: Vec<&str> = repo.sharing(pin_file).iter().map(|e| e.name.as_str()).collect();
    let guards = Guards {
        allow_downgrade: request.allow_downgrade,
        allow_prerelease: request.allow_prerelease,
        shared: sharing.len() > 1,
        policy: repo.policy(),
    };
    let lock = Lock::acquire(repo.root(), pin_file)?;
    let vars = TfVars::parse(pin_file, lock.read()?)?;
    let plan = plan(&vars, guards)?;
    let notes = shadow_notes(repo, pin_file, &vars);
    finish(
        ctx,
        lock,
        &plan,
        request.dry_run,
        request.format,
        Outcome {
            environments: sharing,
            notes,
        },
    )
}

/// Notes for data files that set a variable of `pin_file`: Terraform lets them win, so an edit of
/// the pin file would not reach that environment.
fn shadow_notes(repo: &Repo, pin_file: &str, vars: &TfVars) -> Vec<String> {
    let mut notes = Vec::new();
    for env in repo.sharing(pin_file) {
        for data in &env.data_files {
            let Ok(data_vars) = repo.load(data) else { continue };
            for attr in data_vars.iter().filter(|a| vars.get(&a.name).is_some()) {
                let at = data_vars.position(attr.name_span.start());
                notes.push(format!(
                    "{data}:{at} sets `{}`, which overrides {pin_file} for {}: Terraform will not use this file's value there",
                    attr.name, env.name
                ));
            }
        }
    }
    notes
}

/// Writes (or with `dry_run` previews) `plan` under `lock` and prints the summary.
fn finish(ctx: &Ctx, lock: Lock, plan: &Plan, dry_run: bool, format: TextOrJson, extra: Outcome) -> Result<()> {
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

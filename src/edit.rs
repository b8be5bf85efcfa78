//! The write pipeline of `bump` and `promote`: lock the pin file, read and parse it under the
//! lock, let a plan compute the edit, then write it atomically (or, for a dry run, keep the diff).

use anyhow::Result;

use crate::diff::Change;
use crate::plan::{Guards, Plan};
use crate::repo::Repo;
use crate::tfvars::TfVars;
use crate::write::{preview, Lock};

/// What a write command asks of the pipeline.
pub(crate) struct Request<'r> {
    pub repo: &'r Repo,
    pub pin_file: &'r str,
    pub allow_downgrade: bool,
    pub allow_prerelease: bool,
    pub dry_run: bool,
}

/// What an edit did (or, for a dry run, would do).
#[derive(Debug, Clone)]
pub(crate) struct Edited {
    pub file: String,
    /// The environments that read the file.
    pub environments: Vec<String>,
    pub changes: Vec<Change>,
    /// Pins only in the file, kept (`--prune` removes them).
    pub kept: Vec<String>,
    pub dry_run: bool,
    pub written: bool,
    /// Data files that override a variable of the file.
    pub notes: Vec<String>,
    /// The unified diff of a dry run that would change the file.
    pub preview: Option<String>,
}

/// Locks the pin file, lets `plan` compute the edit under the lock, then writes it atomically
/// unless `dry_run`.
pub(crate) fn edit_pin_file<F>(request: Request, plan: F) -> Result<Edited>
where
    F: for<'v> FnOnce(&'v TfVars, Guards) -> Result<Plan<'v>>,
{
    let Request { repo, pin_file, .. } = request;
    let environments: Vec<String> = repo.sharing(pin_file).iter().map(|e| e.name.clone()).collect();
    let guards = Guards {
        allow_downgrade: request.allow_downgrade,
        allow_prerelease: request.allow_prerelease,
        shared: environments.len() > 1,
        policy: repo.policy(),
    };
    let lock = Lock::acquire(repo.root(), pin_file)?;
    let vars = TfVars::parse(pin_file, lock.read()?)?;
    vars.editable()?;
    let plan = plan(&vars, guards)?;
    let written = plan.changes_file() && !request.dry_run;
    if written {
        lock.write(plan.new.as_bytes())?;
    }
    drop(lock);
    let preview = if request.dry_run { dry_run_preview(&plan) } else { None };
    Ok(Edited {
        notes: shadow_notes(repo, pin_file, &vars),
        file: plan.file,
        environments,
        changes: plan.changes,
        kept: plan.kept,
        dry_run: request.dry_run,
        written,
        preview,
    })
}

/// The unified diff a dry run prints for `plan`, when it changes the file (`pins diff --format
/// patch` prints the same for a promotion).
pub(crate) fn dry_run_preview(plan: &Plan) -> Option<String> {
    plan.changes_file().then(|| preview(&plan.file, plan.old, &plan.new))
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

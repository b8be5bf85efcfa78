//! `rollback`: the pins an environment goes back to — its pin file at a revision of its branch, or
//! a release record — and the commit message that names where they came from.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::diff::Change;
use crate::history::log::is_ancestor;
use crate::history::{short, History};
use crate::plan::suggestion;
use crate::record::Record;
use crate::repo::{Environment, Repo};
use crate::resolve::{file_pins, Pin};

/// The pins to go back to and where they come from.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub pins: Vec<Pin>,
    /// `revision production~2 (1a2b3c4)` or `record .pins/records/staging.json (recorded …)`.
    pub source: String,
}

/// Reads the target named by `--to`: a record file when one exists at that path (or it ends in
/// `.json`), else a revision that must be on `env`'s branch (read under `prefix`).
pub(crate) fn target(repo: &Repo, env: &Environment, to: &str, prefix: &str) -> Result<Target> {
    if to.ends_with(".json") || Path::new(to).is_file() {
        return from_record(repo, env, to);
    }
    from_revision(repo, env, to, prefix)
}

fn from_record(repo: &Repo, env: &Environment, file: &str) -> Result<Target> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading the record {file}"))?;
    let record = Record::parse(file, &text)?;
    let usable = repo.sharing(&env.pin_file).iter().any(|e| e.name == record.environment);
    if !usable {
        bail!(
            "{file} is a record of {}, which does not share {}'s pin file {}; roll back with a record of {} (or of an environment that shares its pin file)",
            record.environment,
            env.name,
            env.pin_file,
            env.name
        );
    }
    Ok(Target {
        pins: record.to_pins(),
        source: format!(
            "record {file} ({}, recorded {})",
            record.environment, record.recorded_at
        ),
    })
}

fn from_revision(repo: &Repo, env: &Environment, rev: &str, prefix: &str) -> Result<Target> {
    let branch = History::open(repo.root(), prefix)?.branch(env)?;
    let at = Repo::open_at(repo.root(), rev)?;
    let commit = at_commit(repo.root(), rev)?;
    if !is_ancestor(repo.root(), &commit, &branch.reference)? {
        bail!(
            "revision `{rev}` ({}) is not on {} (the branch of {}); roll back to one of its commits (git log --first-parent {} -- {})",
            short(&commit),
            branch.reference,
            env.name,
            branch.reference,
            env.pin_file
        );
    }
    let then = at
        .environment(&env.name)
        .with_context(|| format!("{} at revision {rev}", crate::config::CONFIG_FILE))?;
    let vars = at.load(&then.pin_file)?;
    Ok(Target {
        pins: file_pins(&vars),
        source: format!("revision {rev} ({})", short(&commit)),
    })
}

fn at_commit(root: &Path, rev: &str) -> Result<String> {
    let spec = format!("{rev}^{{commit}}");
    crate::source::git(root, &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
        .map_err(|_| anyhow!("git revision `{rev}` does not name a commit"))
}

/// The pins named by `--only` (all when empty); an unknown name is an error.
pub(crate) fn only(pins: Vec<Pin>, names: &[String], source: &str) -> Result<Vec<Pin>> {
    for name in names {
        if crate::resolve::find(&pins, name).is_none() {
            bail!(
                "--only names `{name}`, which is not pinned in the {source}{}",
                suggestion(name, &pins)
            );
        }
    }
    if names.is_empty() {
        return Ok(pins);
    }
    Ok(pins
        .into_iter()
        .filter(|p| names.iter().any(|n| **n == *p.name || *n == p.id()))
        .collect())
}

/// The commit message for a rollback of `env` to `target` that makes `changes`.
pub(crate) fn commit_message(env: &str, target: &Target, changes: &[Change], also: &[&str]) -> String {
    let mut text = format!("Roll back {env} to {}\n\n", target.source);
    for c in changes {
        text.push_str(&format!(
            "{} {} → {}\n",
            c.pin,
            c.from.as_deref().unwrap_or("—"),
            c.to.as_deref().unwrap_or("—")
        ));
    }
    if !also.is_empty() {
        text.push_str(&format!(
            "\nThis also rolls back {} (same pin file).\n",
            also.join(", ")
        ));
    }
    text
}

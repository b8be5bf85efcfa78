//! `hold` and `unhold` as edits of `pins.hcl`: checked against the repository, planned on the
//! text read under the file's lock, re-read to prove the result is a valid configuration holding
//! exactly the intended holds, then written atomically (or, for a dry run, shown as a diff).

use anyhow::{anyhow, bail, Context, Result};

use super::text::{self, NewHold};
use super::{read, Hold};
use crate::config::{Config, CONFIG_FILE};
use crate::history::time_text;
use crate::repo::{suggest, Repo};
use crate::resolve::{find, resolve};
use crate::write::{create_new, preview, Lock};

/// What `pins hold` asks for.
#[derive(Debug, Clone)]
pub(crate) struct HoldRequest<'a> {
    pub pin: &'a str,
    pub environment: &'a str,
    pub reason: &'a str,
    /// The version to hold; the environment's current one when not given.
    pub version: Option<&'a str>,
    /// Now, seconds since the epoch.
    pub now: i64,
    pub dry_run: bool,
}

/// What a hold or unhold did (or, for a dry run, would do).
#[derive(Debug, Clone)]
pub(crate) struct Changed {
    /// The hold placed, or the one removed.
    pub hold: Hold,
    pub written: bool,
    pub dry_run: bool,
    /// The unified diff of a dry run.
    pub preview: Option<String>,
}

/// Places a hold: the pin keeps `version` (by default its current one) in the environment.
pub(crate) fn hold(repo: &Repo, request: &HoldRequest) -> Result<Changed> {
    if request.reason.trim().is_empty() {
        bail!("--reason is empty; say why the pin is held (it is shown wherever the hold stops a change)");
    }
    let env = repo.environment(request.environment)?;
    let effective = resolve(repo, env)?;
    let Some(pin) = find(&effective.pins, request.pin) else {
        let names: Vec<&str> = effective.pins.iter().map(|p| &*p.name).collect();
        bail!(
            "unknown pin `{}` in {}{}; hold a pin the environment has",
            request.pin.escape_debug(),
            env.name,
            suggest(request.pin, &names)
        );
    };
    let version = match request.version {
        Some(v) => {
            crate::version::validate(v, repo.policy())
                .map_err(|why| anyhow!("--version `{}` {why}", v.escape_debug()))?;
            v.to_string()
        }
        None => pin.version.to_string(),
    };
    let since = time_text(request.now);
    let new = NewHold {
        pin: &pin.name,
        environment: &env.name,
        version: &version,
        reason: request.reason,
        since: &since,
    };
    let plan = |old: &str| -> Result<(String, Hold)> {
        let holds = read(old, repo.environments())?;
        if let Some(held) = holds.iter().find(|h| h.environment == env.name && h.names(pin)) {
            bail!(
                "{}; a pin holds once per environment: unhold it first to change the hold",
                held.describe()
            );
        }
        let text = text::add(old, &new);
        let placed = check(repo, &text, holds.len() + 1)?
            .into_iter()
            .last()
            .ok_or_else(|| anyhow!("the new hold did not read back from {CONFIG_FILE}"))?;
        Ok((text, placed))
    };
    apply(repo, request.dry_run, plan)
}

/// Removes the hold of `pin` in `environment`.
pub(crate) fn unhold(repo: &Repo, pin: &str, environment: &str, dry_run: bool) -> Result<Changed> {
    let env = repo.environment(environment)?;
    let plan = |old: &str| -> Result<(String, Hold)> {
        let holds = read(old, repo.environments())?;
        let Some(held) = holds.iter().find(|h| h.environment == env.name && h.names_id(pin, pin)) else {
            let on_env: Vec<&str> = holds
                .iter()
                .filter(|h| h.environment == env.name)
                .map(|h| h.pin.as_str())
                .collect();
            let known = match on_env.as_slice() {
                [] => format!("{} holds no pin", env.name),
                some => format!("held in {}: {}", env.name, some.join(", ")),
            };
            bail!("`{}` is not held in {} ({known})", pin.escape_debug(), env.name);
        };
        let text = text::remove(old, held.span.clone());
        check(repo, &text, holds.len() - 1)?;
        Ok((text, held.clone()))
    };
    apply(repo, dry_run, plan)
}

/// Proves `text` is a valid pins.hcl for this repository's environments with `count` holds, and
/// returns them.
fn check(repo: &Repo, text: &str, count: usize) -> Result<Vec<Hold>> {
    Config::parse(text).context("the edited pins.hcl does not read back; nothing was written")?;
    let holds = read(text, repo.environments())?;
    if holds.len() != count {
        bail!(
            "the edited pins.hcl holds {} holds, not {count}; nothing was written",
            holds.len()
        );
    }
    Ok(holds)
}

/// Plans on the current text of pins.hcl under its lock and writes the result; a missing
/// pins.hcl is created (unless another process creates it first, which is then edited).
fn apply<F>(repo: &Repo, dry_run: bool, plan: F) -> Result<Changed>
where
    F: Fn(&str) -> Result<(String, Hold)>,
{
    let root = repo.root();
    let exists = std::fs::symlink_metadata(root.join(CONFIG_FILE)).is_ok();
    if !exists {
        let (new, hold) = plan("")?;
        if dry_run || create_new(root, CONFIG_FILE, new.as_bytes())? {
            return Ok(changed(hold, dry_run, "", &new));
        }
    }
    let lock = Lock::acquire(root, CONFIG_FILE)?;
    let old = String::from_utf8(lock.read()?).context("pins.hcl is not valid UTF-8")?;
    let (new, hold) = plan(&old)?;
    if !dry_run {
        lock.write(new.as_bytes())?;
    }
    Ok(changed(hold, dry_run, &old, &new))
}

fn changed(hold: Hold, dry_run: bool, old: &str, new: &str) -> Changed {
    Changed {
        hold,
        written: !dry_run,
        dry_run,
        preview: dry_run.then(|| preview(CONFIG_FILE, old, new)),
    }
}

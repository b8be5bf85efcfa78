//! What a hold means to each command that changes or judges a pin: `promote` keeps a held pin at
//! its version and says so, `bump` refuses it, `verify` finds a held pin that moved. A hold on an
//! environment guards its pin file, so it also guards every environment that shares that file.

use anyhow::{bail, Result};
use serde::Serialize;

use super::Hold;
use crate::repo::Repo;
use crate::resolve::{file_pins, find, find_in_file, Pin};
use crate::tfvars::TfVars;

/// The holds on the environments that read `pin_file`.
pub(crate) fn on_file<'r>(repo: &'r Repo, pin_file: &str) -> Vec<&'r Hold> {
    let sharing = repo.sharing(pin_file);
    repo.holds()
        .iter()
        .filter(|h| sharing.iter().any(|e| e.name == h.environment))
        .collect()
}

/// A pin that `promote` left at its held version.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Skipped {
    pub pin: String,
    pub environment: String,
    /// The held version, which the pin keeps.
    pub version: String,
    /// The version the promotion would have brought (null: it would have removed the pin).
    pub wanted: Option<String>,
    pub reason: String,
    pub since: Option<String>,
    /// `pins.hcl:LINE:COL` of the hold.
    pub at: String,
}

impl Skipped {
    fn new(hold: &Hold, wanted: Option<&str>) -> Skipped {
        Skipped {
            pin: hold.pin.clone(),
            environment: hold.environment.clone(),
            version: hold.version.clone(),
            wanted: wanted.map(str::to_string),
            reason: hold.reason.clone(),
            since: hold.since.clone(),
            at: hold.at.clone(),
        }
    }
}

/// The hold of `held` on `pin`, if any.
fn hold_on<'h>(held: &[&'h Hold], pin: &Pin) -> Option<&'h Hold> {
    held.iter().copied().find(|h| h.names(pin))
}

/// Every hold of `held` names a pin of `vars` (the pin file of its environment), else the error
/// points at the hold.
fn check_known(held: &[&Hold], vars: &TfVars, pins: &[Pin]) -> Result<()> {
    for hold in held {
        if !pins.iter().any(|p| hold.names(p)) {
            bail!(
                "{}: hold on `{}` in {}, which {} does not pin; remove the hold (pins unhold {} --env {}) or fix its name",
                hold.at,
                hold.pin.escape_debug(),
                hold.environment,
                vars.file(),
                hold.pin.escape_debug(),
                hold.environment
            );
        }
    }
    Ok(())
}

/// `from` (the pins a promotion copies into `vars`) with every held pin kept at its current
/// version, so the plan leaves it alone (and `--prune` does not remove it), and what was kept.
/// A held pin named by `--only` refuses the whole promotion: the person asked for it by name.
pub(crate) fn keep_held(
    held: &[&Hold],
    vars: &TfVars,
    from: Vec<Pin>,
    only: &[String],
) -> Result<(Vec<Pin>, Vec<Skipped>)> {
    let current = file_pins(vars);
    check_known(held, vars, &current)?;
    let mut pins = Vec::with_capacity(from.len());
    let mut skipped = Vec::new();
    for pin in from {
        let Some(hold) = hold_on(held, &pin) else {
            pins.push(pin);
            continue;
        };
        if only.iter().any(|n| **n == *pin.name || *n == pin.id()) {
            bail!("{}", refusal(hold, "promote"));
        }
        let now = current.iter().find(|c| c.id() == pin.id());
        if now.is_none_or(|c| c.version != pin.version) {
            skipped.push(Skipped::new(hold, Some(&pin.version)));
        }
        pins.extend(now.cloned());
    }
    let ids: Vec<String> = pins.iter().map(Pin::id).collect();
    for stale in current.iter().filter(|c| !ids.contains(&c.id())) {
        if let Some(hold) = hold_on(held, stale) {
            // Kept as it is; `--prune` would otherwise remove it.
            pins.push(stale.clone());
            if only.is_empty() {
                skipped.push(Skipped::new(hold, None));
            }
        }
    }
    Ok((pins, skipped))
}

/// Refuses a bump of a held pin (named `name`, as `bump` was given it) in `vars`.
pub(crate) fn refuse_bump(held: &[&Hold], vars: &TfVars, name: &str) -> Result<()> {
    let pins = file_pins(vars);
    check_known(held, vars, &pins)?;
    let found = find_in_file(vars, name).or_else(|| find(&pins, name).cloned());
    let hold = match &found {
        Some(pin) => hold_on(held, pin),
        None => held.iter().copied().find(|h| h.pin == name),
    };
    match hold {
        Some(hold) => bail!("{}", refusal(hold, "bump")),
        None => Ok(()),
    }
}

/// `(id, version)`: a pin `bump --latest` would move, and where to.
type Target = (String, String);

/// `bump --latest`: the `(id, version)` targets less the held pins, and what was kept. When the
/// pins were `named` (`bump PIN latest`, `--only`), a held one refuses the whole bump instead.
pub(crate) fn skip_targets(
    held: &[&Hold],
    vars: &TfVars,
    targets: Vec<Target>,
    named: bool,
) -> Result<(Vec<Target>, Vec<Skipped>)> {
    let pins = file_pins(vars);
    check_known(held, vars, &pins)?;
    let mut kept = Vec::new();
    let mut out = Vec::new();
    for (id, version) in targets {
        let hold = pins.iter().find(|p| p.id() == id).and_then(|p| hold_on(held, p));
        match (hold, named) {
            (None, _) => out.push((id, version)),
            (Some(hold), true) => bail!("{}", refusal(hold, "bump")),
            (Some(hold), false) => kept.push(Skipped::new(hold, Some(&version))),
        }
    }
    Ok((out, kept))
}

/// Why `command` changes nothing about a held pin.
fn refusal(hold: &Hold, command: &str) -> String {
    format!(
        "{}; {command} changes no held pin: unhold it first (pins unhold {} --env {})",
        hold.describe(),
        hold.pin,
        hold.environment
    )
}

/// A held pin whose value in its environment is not the held version.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Moved {
    #[serde(flatten)]
    pub hold: Hold,
    /// The value the environment has (null: it does not pin it).
    pub actual: Option<String>,
}

impl Moved {
    /// What `verify` says about it.
    pub(crate) fn message(&self) -> String {
        let h = &self.hold;
        let actual = self.actual.as_deref().unwrap_or("not pinned");
        let since = h.since.as_deref().map(|s| format!(", since {s}")).unwrap_or_default();
        format!(
            "{} is {actual} in {}, but held at {} ({}{since}: {:?})",
            h.pin, h.environment, h.version, h.at, h.reason
        )
    }
}

/// The holds on `env` whose pin `pins` (the environment's effective pins) does not have at the
/// held version.
pub(crate) fn moved(holds: &[Hold], env: &str, pins: &[Pin]) -> Vec<Moved> {
    let on_env = holds.iter().filter(|h| h.environment == env);
    on_env
        .filter_map(|hold| {
            let actual = pins.iter().find(|p| hold.names(p)).map(|p| p.version.to_string());
            (actual.as_deref() != Some(&hold.version)).then(|| Moved {
                hold: hold.clone(),
                actual,
            })
        })
        .collect()
}

/// `status`: every hop of the pin `name` (id `id`) that would change a held pin is blocked by
/// its hold.
pub(crate) fn block_hops(repo: &Repo, name: &str, id: &str, hops: &mut [crate::status::Hop]) {
    for hop in hops.iter_mut().filter(|h| h.state != crate::status::State::InSync) {
        let Ok(to) = repo.environment(&hop.to) else { continue };
        for hold in on_file(repo, &to.pin_file).into_iter().filter(|h| h.names_id(name, id)) {
            hop.blocked_by.push(format!(
                "held in {} at {} ({}): {:?}",
                hold.environment, hold.version, hold.at, hold.reason
            ));
            hop.state = crate::status::State::Blocked;
        }
    }
}

/// `rollback`: notes for each held pin the rollback set to another version than its hold's, since
/// `verify` fails until the hold says the same.
pub(crate) fn after_rollback(repo: &Repo, pin_file: &str, changes: &[crate::diff::Change]) -> Vec<String> {
    let mut notes = Vec::new();
    for change in changes {
        let to = change.to.as_deref();
        let held = on_file(repo, pin_file)
            .into_iter()
            .filter(|h| h.names_id(&change.pin, &change.pin));
        for hold in held.filter(|h| Some(h.version.as_str()) != to) {
            notes.push(format!(
                "{} is held in {} at {} ({}); it is now {}, so verify fails until the hold says the same: pins unhold {} --env {}, then pins hold {} --env {} --reason …",
                hold.pin,
                hold.environment,
                hold.version,
                hold.at,
                to.unwrap_or("not pinned"),
                hold.pin,
                hold.environment,
                hold.pin,
                hold.environment
            ));
        }
    }
    notes
}

/// `check`: each hold whose pin file (`files` holds the parsed files by path) lacks its pin, or
/// has it at another version than the hold's, with what is wrong.
pub(crate) fn lint<'r>(repo: &'r Repo, files: &std::collections::BTreeMap<String, TfVars>) -> Vec<(&'r Hold, String)> {
    let mut out = Vec::new();
    for hold in repo.holds() {
        let Ok(env) = repo.environment(&hold.environment) else {
            continue;
        };
        let Some(vars) = files.get(&env.pin_file) else { continue };
        let pins = file_pins(vars);
        let message = match pins.iter().find(|p| hold.names(p)) {
            None => format!(
                "hold on `{}` in {}, which {} does not pin",
                hold.pin,
                env.name,
                vars.file()
            ),
            Some(pin) if *pin.version != hold.version => format!(
                "{} is {} in {}, but held at {} in {}",
                hold.pin,
                pin.version,
                vars.file(),
                hold.version,
                env.name
            ),
            Some(_) => continue,
        };
        out.push((hold, message));
    }
    out
}

//! The policy half of `pins verify ENV`: every version ENV would deploy must have passed ENV's
//! promotion rules at the moment it arrived on ENV's branch (the commit that brought it, or now
//! for a version not yet committed), unless a recorded override let it in. Judging at arrival
//! rather than now means a hand edit that skipped the soak stays a violation after the soak
//! would have passed: the promotion happened when it happened.

use anyhow::Result;
use serde::Serialize;

use super::gate::{covered, since_at, upstream_records};
use super::{judge, overrides, Candidate};
use crate::history::{short, time_text, EnvHistory, History};
use crate::repo::{Environment, Repo};
use crate::resolve::Pin;

/// A version ENV would deploy that did not pass ENV's promotion rules when it arrived.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Breach {
    pub pin: String,
    pub version: String,
    /// When it arrived on ENV's branch (RFC 3339), and the commit (null: not committed yet).
    pub arrived: String,
    pub commit: Option<String>,
    /// The rules it failed then, in words.
    pub failures: Vec<String>,
    /// The reason of the override that let it in; a breach with one does not fail `verify`.
    pub overridden: Option<String>,
}

/// Judges `pins` (what `env` would deploy) against `env`'s rules; empty when it has none.
pub(crate) fn audit(repo: &Repo, env: &Environment, pins: &[Pin], prefix: &str, now: i64) -> Result<Vec<Breach>> {
    let (Some(rules), Some(upstream)) = (repo.promotion(&env.name), repo.predecessor(env)) else {
        return Ok(Vec::new());
    };
    let mut history = History::open(repo.root(), prefix)?;
    let target = history.read(repo, env)?;
    let (up, records) = match rules.needs_history() {
        true => {
            let h = history.read(repo, upstream)?;
            let records = upstream_records(repo, &upstream.name, &h)?;
            (Some(h), records)
        }
        false => (None, Vec::new()),
    };
    let overrides = overrides::read(repo, &env.name)?;
    let mut out = Vec::new();
    for pin in pins {
        let (id, version) = (pin.id(), pin.version.to_string());
        let Some((at, commit)) = arrival(&target, &id, &version, now) else {
            continue;
        };
        let candidate = Candidate {
            upstream: &upstream.name,
            version: &version,
            since: up.as_ref().and_then(|h| since_at(h, &id, &version, at)),
            recorded: covered(&records, &upstream.name, &id, &version, at),
            now: at,
        };
        let failures: Vec<String> = judge(rules, candidate).into_iter().map(|f| f.message).collect();
        if failures.is_empty() {
            continue;
        }
        out.push(Breach {
            pin: pin.name.to_string(),
            overridden: overrides::covering(&overrides, &id, &version).map(|o| o.reason.clone()),
            version,
            arrived: time_text(at),
            commit: commit.map(|c| short(&c).to_string()),
            failures,
        });
    }
    Ok(out)
}

/// When `version` of `id` arrived on the branch and the commit; now and none when the branch
/// does not have it (an edit not committed yet). `None` for a version that was there when the pin
/// file was created: nothing was promoted then.
fn arrival(h: &EnvHistory, id: &str, version: &str, now: i64) -> Option<(i64, Option<String>)> {
    let Some(change) = h.since(id).filter(|c| c.to.as_deref() == Some(version)) else {
        return Some((now, None));
    };
    let first = h.changes.first().map(|c| c.commit.id.as_str());
    if change.from.is_none() && first == Some(change.commit.id.as_str()) {
        return None;
    }
    Some((change.commit.time, Some(change.commit.id.clone())))
}

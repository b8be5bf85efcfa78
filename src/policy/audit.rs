//! The policy half of `pins verify ENV`: every version ENV would deploy must have passed ENV's
//! promotion rules at the moment it arrived on ENV's branch (the commit that brought it, or now
//! for a version not yet committed), unless a recorded override let it in. Judging at arrival
//! rather than now means a hand edit that skipped the soak stays a violation after the soak
//! would have passed: the promotion happened when it happened. The rules are those in force
//! then (the arriving commit's own pins.hcl), so adopting or tightening a rule does not turn
//! earlier promotions into violations.

use std::collections::HashMap;

use anyhow::{Context, Result};
use serde::Serialize;

use super::gate::{covered, since_at, upstream_records};
use super::{judge, overrides, Candidate, Rules};
use crate::config::{Config, CONFIG_FILE};
use crate::history::{short, time_text, EnvHistory, History};
use crate::repo::{Environment, Repo};
use crate::resolve::Pin;
use crate::source::Source;

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

/// Judges `pins` (what `env` would deploy) against `env`'s rules; empty when it has none now.
pub(crate) fn audit(repo: &Repo, env: &Environment, pins: &[Pin], prefix: &str, now: i64) -> Result<Vec<Breach>> {
    let (Some(rules), Some(upstream)) = (repo.promotion(&env.name), repo.predecessor(env)) else {
        return Ok(Vec::new());
    };
    let mut history = History::open(repo.root(), prefix)?;
    let target = history.read(repo, env)?;
    let up = history.read(repo, upstream)?;
    let mut audit = Audit {
        repo,
        env: &env.name,
        upstream: &upstream.name,
        records: upstream_records(repo, &upstream.name, &up)?,
        up,
        overrides: overrides::read(repo, &env.name)?,
        current: rules,
        in_force: HashMap::new(),
    };
    let mut out = Vec::new();
    for pin in pins {
        let version = pin.version.to_string();
        let Some((at, commit)) = arrival(&target, &pin.id(), &version, now) else {
            continue;
        };
        out.extend(audit.judge(pin, at, commit)?);
    }
    Ok(out)
}

/// What every pin of one `verify` is judged against.
struct Audit<'a> {
    repo: &'a Repo,
    env: &'a str,
    upstream: &'a str,
    up: EnvHistory,
    records: Vec<crate::history::FoundRecord>,
    overrides: Vec<crate::record::Override>,
    /// The rules now, for a version not committed yet.
    current: &'a Rules,
    /// The rules at each arriving commit.
    in_force: HashMap<String, Option<Rules>>,
}

impl Audit<'_> {
    /// The breach of `pin`, arrived at `at` with `commit`, if it failed the rules then in force.
    fn judge(&mut self, pin: &Pin, at: i64, commit: Option<String>) -> Result<Option<Breach>> {
        let (id, version) = (pin.id(), pin.version.to_string());
        let candidate = Candidate {
            upstream: self.upstream,
            version: &version,
            since: since_at(&self.up, &id, &version, at),
            recorded: covered(&self.records, self.upstream, &id, &version, at),
            now: at,
        };
        let failures: Vec<String> = match self.rules(commit.as_deref())? {
            Some(rules) => judge(rules, candidate).into_iter().map(|f| f.message).collect(),
            None => Vec::new(),
        };
        if failures.is_empty() {
            return Ok(None);
        }
        Ok(Some(Breach {
            pin: pin.name.to_string(),
            overridden: overrides::covering(&self.overrides, &id, &version).map(|o| o.reason.clone()),
            version,
            arrived: time_text(at),
            commit: commit.map(|c| short(&c).to_string()),
            failures,
        }))
    }

    /// The rules in force at `commit` (now, for none).
    fn rules(&mut self, commit: Option<&str>) -> Result<Option<&Rules>> {
        let Some(commit) = commit else {
            return Ok(Some(self.current));
        };
        if !self.in_force.contains_key(commit) {
            let then = rules_at(self.repo, self.env, commit)?;
            self.in_force.insert(commit.to_string(), then);
        }
        Ok(self.in_force.get(commit).and_then(Option::as_ref))
    }
}

/// `env`'s promotion rules as the pins.hcl of `commit` gave them (none without a block then).
fn rules_at(repo: &Repo, env: &str, commit: &str) -> Result<Option<Rules>> {
    let source = Source::at_revision(repo.root(), commit)?;
    let Some(bytes) = source.read(repo.root(), CONFIG_FILE)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let what = || format!("reading {CONFIG_FILE} at commit {}", short(commit));
    let config = Config::parse(&text).with_context(what)?;
    Ok(super::rules(&config.promotion).shift_remove(env))
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

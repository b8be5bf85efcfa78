//! The promotion gate of `pins promote FROM TO`: each change the promotion would make is judged
//! by TO's rules against FROM's branch history and records. Without `--auto` a failing change
//! refuses the whole promotion unless a person gives `--override REASON`; with `--auto` only the
//! changes whose kind `auto` lists and that pass every rule go, the rest wait as pending.

use std::path::Path;

use anyhow::{bail, Result};
use serde::Serialize;

use super::{judge, passes_at, Candidate, Rules};
use crate::diff::Change;
use crate::history::log::read_records_dir;
use crate::history::{time_text, EnvHistory, FoundRecord, History};
use crate::plan::{self, Guards, Plan};
use crate::record::Override;
use crate::repo::{Environment, Repo};
use crate::resolve::Pin;
use crate::sign::signature_path;
use crate::source::Source;
use crate::tfvars::TfVars;
use crate::version::Kind;

/// What a person asked of the gate.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Mode<'a> {
    /// `--auto`: take only what the policy allows unattended.
    pub auto: bool,
    /// `--override REASON`.
    pub reason: Option<&'a str>,
}

/// One change that waits, or that a person let through, and why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Held {
    #[serde(flatten)]
    pub change: Change,
    /// Each reason, in words with its numbers.
    pub blocked_by: Vec<String>,
    /// When every rule that waiting can satisfy passes (RFC 3339); null when waiting is not enough.
    pub passes_at: Option<String>,
}

/// What the gate decided for one promotion.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Decision {
    pub auto: bool,
    /// Changes left out: their kind is not in `auto`, or they fail a rule (`--auto` only).
    pub pending: Vec<Held>,
    /// Changes that failed a rule and went in by `--override`.
    pub overridden: Vec<Held>,
    pub override_reason: Option<String>,
    /// The override entries to record beside TO's pin file (pin id → entry).
    #[serde(skip)]
    pub records: Vec<Override>,
}

/// TO's rules with what they are judged against.
pub(crate) struct Gate {
    rules: Option<Rules>,
    upstream: String,
    history: Option<EnvHistory>,
    records: Vec<FoundRecord>,
    now: i64,
}

impl Gate {
    /// Reads what TO's rules need: FROM's branch history (under `prefix`) and FROM's records.
    pub(crate) fn open(repo: &Repo, from: &Environment, to: &Environment, prefix: &str, now: i64) -> Result<Gate> {
        let rules = repo.promotion(&to.name).cloned();
        let mut gate = Gate {
            rules,
            upstream: from.name.clone(),
            history: None,
            records: Vec::new(),
            now,
        };
        if gate.rules.as_ref().is_some_and(Rules::needs_history) {
            let mut history = History::open(repo.root(), prefix)?;
            let h = history.read(repo, from)?;
            gate.records = upstream_records(repo, &from.name, &h)?;
            gate.history = Some(h);
        }
        Ok(gate)
    }

    /// Whether TO has promotion rules.
    pub(crate) fn has_rules(&self) -> bool {
        self.rules.is_some()
    }

    /// Plans the promotion of `pins` into `vars` as `mode` allows.
    pub(crate) fn plan<'v>(
        &self,
        vars: &'v TfVars,
        pins: &[Pin],
        prune: bool,
        guards: Guards,
        mode: Mode,
    ) -> Result<(Plan<'v>, Decision)> {
        if mode.auto {
            return self.plan_auto(vars, pins, guards);
        }
        let plan = plan::promote(vars, pins, prune, guards)?;
        let held: Vec<Held> = plan.changes.iter().filter_map(|c| self.held(pins, c)).collect();
        let mut decision = Decision::default();
        if held.is_empty() {
            return Ok((plan, decision));
        }
        let Some(reason) = mode.reason else {
            bail!(refusal(&self.upstream, &held));
        };
        decision.records = held.iter().filter_map(|h| self.entry(pins, h, reason)).collect();
        decision.overridden = held;
        decision.override_reason = Some(reason.to_string());
        Ok((plan, decision))
    }

    /// `--auto`: only changes of a kind in `auto` that pass every rule and every guard.
    fn plan_auto<'v>(&self, vars: &'v TfVars, pins: &[Pin], guards: Guards) -> Result<(Plan<'v>, Decision)> {
        let lenient = Guards {
            allow_downgrade: true,
            allow_prerelease: true,
            ..guards
        };
        let all = plan::promote(vars, pins, false, lenient)?;
        let mut decision = Decision {
            auto: true,
            ..Decision::default()
        };
        let mut chosen: Vec<Pin> = Vec::new();
        for change in &all.changes {
            let mut why = self.auto_refusal(change, guards);
            let verdict = self.held(pins, change);
            why.extend(verdict.iter().flat_map(|h| h.blocked_by.iter().cloned()));
            match (why.is_empty(), pins.iter().find(|p| p.name == change.pin)) {
                (true, Some(pin)) => chosen.push(pin.clone()),
                _ => decision.pending.push(Held {
                    change: change.clone(),
                    blocked_by: why,
                    passes_at: verdict.and_then(|h| h.passes_at),
                }),
            }
        }
        let mut plan = plan::promote(vars, &chosen, false, guards)?;
        // A pin left pending is in the source, not "only in TO's file".
        plan.kept.retain(|k| !pins.iter().any(|p| *p.name == **k));
        Ok((plan, decision))
    }

    /// Why `--auto` may not take `change` whatever the rules say: its kind, or a guard.
    fn auto_refusal(&self, change: &Change, guards: Guards) -> Vec<String> {
        let auto = self.rules.as_ref().map_or(&[][..], |r| &r.auto[..]);
        let mut why = Vec::new();
        if !auto.contains(&change.kind) {
            let listed: Vec<&str> = auto.iter().map(|k| k.as_str()).collect();
            why.push(match listed.is_empty() {
                true => {
                    "auto: no kind of change is promoted unattended (set `auto` in the promotion block)".to_string()
                }
                false => format!(
                    "auto: {} is not in auto ({}); a person promotes it",
                    change.kind,
                    listed.join(", ")
                ),
            });
        }
        if let (Some(to), Err(e)) = (
            change.to.as_deref(),
            guards.check(
                &change.pin,
                change.from.as_deref(),
                change.to.as_deref().unwrap_or_default(),
            ),
        ) {
            if change.kind != Kind::Removed && !to.is_empty() {
                why.push(e.to_string());
            }
        }
        why
    }

    /// The rules `change` fails, if any.
    fn held(&self, pins: &[Pin], change: &Change) -> Option<Held> {
        let rules = self.rules.as_ref()?;
        let version = change.to.as_deref()?;
        let pin = pins.iter().find(|p| p.name == change.pin)?;
        let candidate = self.candidate(&pin.id(), version);
        let failures = judge(rules, candidate);
        (!failures.is_empty()).then(|| Held {
            change: change.clone(),
            blocked_by: failures.into_iter().map(|f| f.message).collect(),
            passes_at: passes_at(rules, candidate).map(time_text),
        })
    }

    fn candidate<'a>(&'a self, id: &str, version: &'a str) -> Candidate<'a> {
        Candidate {
            upstream: &self.upstream,
            version,
            since: self.history.as_ref().and_then(|h| since_at(h, id, version, self.now)),
            recorded: covered(&self.records, &self.upstream, id, version, self.now),
            now: self.now,
        }
    }

    fn entry(&self, pins: &[Pin], held: &Held, reason: &str) -> Option<Override> {
        let pin = pins.iter().find(|p| p.name == held.change.pin)?;
        Some(Override {
            pin: pin.id(),
            version: held.change.to.as_deref()?.to_string(),
            from: self.upstream.clone(),
            reason: reason.to_string(),
            rules: held.blocked_by.clone(),
            at: time_text(self.now),
        })
    }
}

/// The refusal of a promotion that fails its rules.
fn refusal(upstream: &str, held: &[Held]) -> String {
    let mut out = format!("the promotion from {upstream} breaks the promotion rules (nothing written):");
    for h in held {
        let c = &h.change;
        let from = c.from.as_deref().unwrap_or("—");
        let to = c.to.as_deref().unwrap_or("—");
        for why in &h.blocked_by {
            out.push_str(&format!("\n  {} {from} → {to}: {why}", c.pin));
        }
    }
    out.push_str(
        "\nwait until the rules pass, or pass --override \"REASON\" to promote anyway (the reason is recorded)",
    );
    out
}

/// When `h`'s branch got `version` of `id`, as of `at`: the time of the last change to `id` at or
/// before `at`, if it set `version`.
pub(crate) fn since_at(h: &EnvHistory, id: &str, version: &str, at: i64) -> Option<i64> {
    let change = h
        .changes
        .iter()
        .rev()
        .filter(|c| c.commit.time <= at)
        .find(|c| &*c.id == id)?;
    (change.to.as_deref() == Some(version)).then_some(change.commit.time)
}

/// Whether a record of `env`, written at or before `at`, covers `version` of `id`.
pub(crate) fn covered(records: &[FoundRecord], env: &str, id: &str, version: &str, at: i64) -> bool {
    records.iter().any(|r| {
        r.record.environment == env
            && r.record.pins.get(id).is_some_and(|v| v == version)
            && crate::history::log::parse_time(&r.record.recorded_at).is_some_and(|t| t <= at)
    })
}

/// The records of `env`: committed on its branch, and in the working tree's records folder; only
/// those signed by a trusted key once pins.hcl lists trusted keys.
pub(crate) fn upstream_records(repo: &Repo, env: &str, h: &EnvHistory) -> Result<Vec<FoundRecord>> {
    let mut records = h.records.clone();
    let dir = repo.root().join(repo.records_dir());
    if dir.is_dir() {
        records.extend(read_records_dir(&dir)?);
    }
    records.retain(|r| r.record.environment == env);
    trusted(repo, records)
}

/// `records` without those that are not signed by a trusted key, once pins.hcl lists keys.
pub(crate) fn trusted(repo: &Repo, records: Vec<FoundRecord>) -> Result<Vec<FoundRecord>> {
    let keys = repo.trusted_keys()?;
    if keys.is_empty() {
        return Ok(records);
    }
    Ok(records
        .into_iter()
        .filter(|r| signed(repo, r, &keys).unwrap_or(false))
        .collect())
}

/// Whether the record's bytes carry a good signature by a trusted key.
fn signed(repo: &Repo, r: &FoundRecord, trusted: &[minisign::PublicKey]) -> Result<bool> {
    let sig_file = signature_path(Path::new(&r.file)).display().to_string();
    let (text, signature) = match &r.commit {
        Some(commit) => {
            let source = Source::at_revision(repo.root(), &commit.id)?;
            (source.read(repo.root(), &r.file)?, source.read(repo.root(), &sig_file)?)
        }
        None => (std::fs::read(&r.file).ok(), std::fs::read(&sig_file).ok()),
    };
    let (Some(text), Some(signature)) = (text, signature) else {
        return Ok(false);
    };
    let signature = String::from_utf8_lossy(&signature);
    Ok(crate::sign::verify(&text, &signature, &sig_file, trusted).is_ok())
}

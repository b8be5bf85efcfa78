//! The promotion board: every pin's version on each environment's branch, and for each hop of the
//! promotion order whether a promotion is pending, since when the upstream environment has had the
//! version (from its history), whether a release record covers it, and what blocks it.

use std::collections::HashMap;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::history::log::shallow_message;
use crate::history::{time_text, EnvHistory, FoundRecord, History};
use crate::policy::{judge, soak_remaining, window, Candidate, Rules};
use crate::repo::{Environment, Repo};
use crate::tfvars::Str;
use crate::version::{classify, is_prerelease, Kind};

/// The board.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Board {
    /// Environments in promotion order, with the branch read for each.
    pub environments: Vec<Column>,
    pub pins: Vec<Row>,
    pub pending: usize,
    pub blocked: usize,
    /// The holds of pins.hcl.
    pub holds: Vec<crate::holds::Hold>,
}

/// One environment's column.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Column {
    pub environment: String,
    pub branch: String,
}

/// One pin across the environments.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    pub pin: Str,
    pub id: Str,
    /// The version on each environment's branch, in promotion order (null: not pinned there).
    pub versions: Vec<Option<Str>>,
    /// Each hop of the promotion order where the pin is set on either side.
    pub hops: Vec<Hop>,
}

/// Whether a hop has something to promote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum State {
    InSync,
    Pending,
    Blocked,
}

/// One pin on one hop, `from` → `to`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Hop {
    pub from: String,
    pub to: String,
    pub state: State,
    /// What promoting would do to `to`'s version.
    pub kind: Kind,
    /// The version `from` has, which a promotion would bring.
    pub version: Option<Str>,
    /// The version `to` has now.
    pub current: Option<Str>,
    /// Since when `from`'s branch has had `version` (its commit time), and that commit.
    pub since: Option<String>,
    pub since_commit: Option<String>,
    /// Seconds between `since` and now.
    pub age_seconds: Option<i64>,
    /// A release record of `from` covers `version`.
    pub recorded: bool,
    pub blocked_by: Vec<String>,
    /// Seconds of `to`'s `min_soak` still to go (0 once soaked); null without a soak rule.
    pub soak_remaining_seconds: Option<i64>,
    /// Whether one of `to`'s promotion windows is open now, and when one next opens (RFC 3339);
    /// null without windows.
    pub window_open: Option<bool>,
    pub next_window: Option<String>,
}

/// What the board is computed from.
pub(crate) struct Inputs<'a> {
    pub repo: &'a Repo,
    /// Records given with `--records DIR`, beside those committed on the branches.
    pub records: Vec<FoundRecord>,
    /// Now, seconds since the epoch.
    pub now: i64,
}

/// Reads every environment's history and computes the board.
pub(crate) fn board(history: &mut History, inputs: Inputs) -> Result<Board> {
    let repo = inputs.repo;
    // The last environment is upstream of none: its head is enough.
    let envs = repo.environments();
    let upstream: Vec<&Environment> = envs.iter().take(envs.len().saturating_sub(1)).collect();
    history.prefetch(repo, &upstream)?;
    let histories = envs
        .iter()
        .enumerate()
        .map(|(i, env)| match i + 1 == envs.len() {
            true => history.head(env),
            false => history.read(repo, env),
        })
        .collect::<Result<Vec<EnvHistory>>>()?;
    let mut records = inputs.records;
    records.extend(histories.iter().flat_map(|h| h.records.iter().cloned()));
    // The same records count here as for `promote`: signed by a trusted key once keys are set.
    let records = crate::policy::gate::trusted(repo, records)?;
    let rows = rows(&histories)
        .into_iter()
        .map(|(pin, id, versions)| row(repo, &histories, &records, inputs.now, pin, id, versions))
        .collect::<Result<Vec<Row>>>()?;
    let count = |s: State| rows.iter().flat_map(|r| &r.hops).filter(|h| h.state == s).count();
    Ok(Board {
        environments: histories
            .iter()
            .map(|h| Column {
                environment: h.branch.env.clone(),
                branch: h.branch.reference.clone(),
            })
            .collect(),
        pending: count(State::Pending),
        blocked: count(State::Blocked),
        pins: rows,
        holds: repo.holds().to_vec(),
    })
}

type Versions = Vec<Option<Str>>;

/// Every pin id of any environment, in order of first appearance, with its versions.
fn rows(histories: &[EnvHistory]) -> Vec<(Str, Str, Versions)> {
    let mut order: Vec<(Str, Str)> = Vec::new();
    let mut index: HashMap<Str, usize> = HashMap::new();
    for h in histories {
        for p in &h.pins {
            if !index.contains_key(&p.id) {
                index.insert(p.id.clone(), order.len());
                order.push((p.name.clone(), p.id.clone()));
            }
        }
    }
    let maps: Vec<HashMap<&str, &Str>> = histories
        .iter()
        .map(|h| h.pins.iter().map(|p| (&*p.id, &p.version)).collect())
        .collect();
    order
        .into_iter()
        .map(|(name, id)| {
            let versions = maps.iter().map(|m| m.get(&*id).map(|v| (*v).clone())).collect();
            (name, id, versions)
        })
        .collect()
}

fn row(
    repo: &Repo,
    histories: &[EnvHistory],
    records: &[FoundRecord],
    now: i64,
    pin: Str,
    id: Str,
    versions: Versions,
) -> Result<Row> {
    let envs = repo.environments();
    let mut hops = Vec::new();
    for i in 1..envs.len() {
        let (Some(from), Some(to), Some(h)) = (envs.get(i - 1), envs.get(i), histories.get(i - 1)) else {
            continue;
        };
        let upstream = versions.get(i - 1).cloned().flatten();
        let current = versions.get(i).cloned().flatten();
        if upstream.is_none() && current.is_none() {
            continue;
        }
        let side = Side {
            repo,
            from,
            to,
            history: h,
            records,
            now,
        };
        hops.push(side.hop(&id, upstream, current)?);
    }
    crate::holds::guard::block_hops(repo, &pin, &id, &mut hops);
    Ok(Row {
        pin,
        id,
        versions,
        hops,
    })
}

/// How long a hop still soaks and when its windows open.
#[derive(Default)]
struct Timing {
    soak_remaining: Option<i64>,
    window_open: Option<bool>,
    next_window: Option<String>,
}

impl Timing {
    fn of(rules: &Rules, c: Candidate) -> Timing {
        let windows = !rules.windows.is_empty();
        Timing {
            soak_remaining: soak_remaining(rules, c),
            window_open: windows.then(|| window::open(&rules.windows, c.now)),
            next_window: window::next_open(&rules.windows, c.now).map(time_text),
        }
    }
}

/// One hop being judged.
struct Side<'a> {
    repo: &'a Repo,
    from: &'a Environment,
    to: &'a Environment,
    history: &'a EnvHistory,
    records: &'a [FoundRecord],
    now: i64,
}

impl Side<'_> {
    fn hop(&self, id: &str, version: Option<Str>, current: Option<Str>) -> Result<Hop> {
        let kind = classify(current.as_deref(), version.as_deref());
        let since = match &version {
            Some(v) => self.since(id, v)?,
            None => None,
        };
        let recorded = version.as_deref().is_some_and(|v| self.recorded(id, v));
        let mut blocked_by = self.blockers(kind, version.as_deref(), current.as_deref());
        let mut timing = Timing::default();
        if let (Some(rules), Some(v), true) = (
            self.repo.promotion(&self.to.name),
            version.as_deref(),
            kind != Kind::Unchanged,
        ) {
            let candidate = Candidate {
                upstream: &self.from.name,
                version: v,
                since: since.map(|(t, _)| t),
                recorded,
                now: self.now,
            };
            blocked_by.extend(judge(rules, candidate).into_iter().map(|f| f.message));
            timing = Timing::of(rules, candidate);
        }
        let state = match (kind, blocked_by.is_empty()) {
            (Kind::Unchanged, _) => State::InSync,
            (_, true) => State::Pending,
            (_, false) => State::Blocked,
        };
        Ok(Hop {
            from: self.from.name.clone(),
            to: self.to.name.clone(),
            state,
            kind,
            since: since.map(|(t, _)| time_text(t)),
            since_commit: since.map(|(_, c)| c.to_string()),
            age_seconds: since.map(|(t, _)| self.now - t),
            version,
            current,
            recorded,
            blocked_by,
            soak_remaining_seconds: timing.soak_remaining,
            window_open: timing.window_open,
            next_window: timing.next_window,
        })
    }

    /// When `from`'s branch got `version` of `id`, and the commit.
    fn since(&self, id: &str, version: &str) -> Result<Option<(i64, &str)>> {
        match self.history.since(id) {
            Some(c) if c.to.as_deref() == Some(version) => Ok(Some((c.commit.time, &c.commit.id))),
            _ => match &self.history.cut {
                Some(cut) => bail!(shallow_message(self.history, cut)),
                None => Ok(None),
            },
        }
    }

    fn recorded(&self, id: &str, version: &str) -> bool {
        crate::policy::gate::covered(self.records, &self.from.name, id, version, self.now)
    }

    fn blockers(&self, kind: Kind, version: Option<&str>, current: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        if kind == Kind::Downgrade {
            out.push(format!(
                "{} has {}, newer than {}'s {}",
                self.to.name,
                current.unwrap_or_default(),
                self.from.name,
                version.unwrap_or_default()
            ));
        }
        let sharing = self.repo.sharing(&self.to.pin_file);
        let into_shared = self.from.pin_file != self.to.pin_file && sharing.len() > 1;
        if into_shared && version.is_some_and(is_prerelease) && !self.repo.policy().allow_prerelease {
            let names: Vec<&str> = sharing.iter().map(|e| e.name.as_str()).collect();
            out.push(format!(
                "{} is a pre-release and {} is shared by {}",
                version.unwrap_or_default(),
                self.to.pin_file,
                names.join(" and ")
            ));
        }
        out
    }
}

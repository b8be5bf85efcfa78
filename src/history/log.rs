//! `pins log`: the timeline of pin changes and release records per environment, limited by
//! environment, pin and time or revision.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::history::gitlog::Commit;
use crate::history::{short, time_text, EnvHistory, FoundRecord, History};
use crate::record::Record;
use crate::repo::{suggest, Repo};
use crate::source::git_bytes;
use crate::tfvars::Str;
use crate::version::Kind;

/// One end of a `--since`/`--until` range.
#[derive(Debug, Clone)]
pub(crate) enum Bound {
    /// Seconds since the epoch.
    Time(i64),
    /// A revision and every commit reachable from it.
    Revision {
        rev: String,
        commit: String,
        reachable: HashSet<String>,
    },
}

impl Bound {
    /// Reads a date (`2026-11-20`, RFC 3339) or a git revision.
    pub(crate) fn parse(root: &Path, text: &str, flag: &str) -> Result<Bound> {
        if let Some(time) = parse_time(text) {
            return Ok(Bound::Time(time));
        }
        if text.is_empty() || text.starts_with('-') || text.contains(['\n', ':', ' ']) {
            bail!(
                "{flag} `{}` is neither a date (2026-11-20, 2026-11-20T10:00:00Z) nor a git revision",
                text.escape_debug()
            );
        }
        let spec = format!("{text}^{{commit}}");
        let commit = git_bytes(root, &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
            .map(|o| String::from_utf8_lossy(&o).trim().to_string())
            .map_err(|_| anyhow!("{flag} `{text}` is neither a date (2026-11-20, 2026-11-20T10:00:00Z) nor a revision of this repository"))?;
        let out = git_bytes(root, &["rev-list", &commit])?;
        let reachable = String::from_utf8_lossy(&out).lines().map(str::to_string).collect();
        Ok(Bound::Revision {
            rev: text.to_string(),
            commit,
            reachable,
        })
    }

    /// Whether `commit` is at or before this bound.
    fn covers(&self, commit: &Commit) -> bool {
        match self {
            Bound::Time(t) => commit.time <= *t,
            Bound::Revision { reachable, .. } => reachable.contains(&commit.id),
        }
    }
}

/// `2026-11-20` (midnight UTC) or an RFC 3339 time.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_string()
    };
    let at = humantime::parse_rfc3339_weak(&full).ok()?;
    let secs = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// What `pins log` asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pub envs: Vec<String>,
    pub pins: Vec<String>,
    pub since: Option<Bound>,
    pub until: Option<Bound>,
    /// Records given with `--records DIR`, beside those committed on the branches.
    pub records: Vec<FoundRecord>,
}

/// The timeline of every environment asked for.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Log {
    pub environments: Vec<EnvLog>,
}

/// One environment's timeline, oldest first.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EnvLog {
    pub environment: String,
    /// The branch read (`staging`, or `origin/staging` under a prefix).
    pub branch: String,
    pub entries: Vec<Entry>,
}

/// A pin change or a release record.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Entry {
    /// `change` or `record`.
    pub event: &'static str,
    /// Commit time (for a record from `--records`, the time it was recorded), RFC 3339 UTC.
    pub time: String,
    pub commit: Option<String>,
    pub author: Option<String>,
    pub email: Option<String>,
    pub subject: Option<String>,
    /// `merge` (a promotion), `direct` (a commit on the branch) or null (a record from a folder).
    pub via: Option<&'static str>,
    pub pin: Option<Str>,
    pub id: Option<Str>,
    pub from: Option<Str>,
    pub to: Option<Str>,
    pub kind: Option<Kind>,
    pub record: Option<RecordRef>,
}

/// A release record named in the timeline.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RecordRef {
    pub file: String,
    pub recorded_at: String,
    pub digest: String,
    pub pins: usize,
}

/// Reads the timeline.
pub(crate) fn log(repo: &Repo, history: &mut History, query: &Query) -> Result<Log> {
    let envs = selected_envs(repo, &query.envs)?;
    let wanted: Vec<&crate::repo::Environment> = envs.iter().filter_map(|n| repo.environment(n).ok()).collect();
    history.prefetch(repo, &wanted)?;
    let mut out = Vec::new();
    let mut seen_pins: Vec<Str> = Vec::new();
    for name in &envs {
        let env = repo.environment(name)?;
        let h = history.read(repo, env)?;
        check_bounds(repo.root(), &h, query)?;
        seen_pins.extend(h.changes.iter().flat_map(|c| [c.pin.clone(), c.id.clone()]));
        out.push(env_log(&h, query));
    }
    check_pins(&query.pins, &seen_pins)?;
    Ok(Log { environments: out })
}

fn selected_envs(repo: &Repo, asked: &[String]) -> Result<Vec<String>> {
    if asked.is_empty() {
        return Ok(repo.environments().iter().map(|e| e.name.clone()).collect());
    }
    for name in asked {
        repo.environment(name)?;
    }
    Ok(asked.to_vec())
}

fn check_pins(asked: &[String], seen: &[Str]) -> Result<()> {
    for name in asked {
        if !seen.iter().any(|s| **s == **name) {
            let known: Vec<&str> = seen.iter().map(|s| &**s).collect();
            bail!(
                "--pin `{name}` never appears in the history of these environments{}",
                suggest(name, &known)
            );
        }
    }
    Ok(())
}

/// Refuses a range that starts on a revision the branch does not contain, or a shallow clone that
/// does not hold the history the range needs.
fn check_bounds(root: &Path, h: &EnvHistory, query: &Query) -> Result<()> {
    for bound in [&query.since, &query.until].into_iter().flatten() {
        if let Bound::Revision { rev, commit, .. } = bound {
            if !is_ancestor(root, commit, &h.branch.reference)? {
                bail!(
                    "revision `{rev}` ({}) is not an ancestor of {} (the branch of {}), so it marks no point in its history; pick a commit of that branch (git log --first-parent {})",
                    short(commit),
                    h.branch.reference,
                    h.branch.env,
                    h.branch.reference
                );
            }
        }
    }
    let Some(cut) = &h.cut else { return Ok(()) };
    // The cut commit's own changes are unknown too, so the range must start after it.
    let after_cut = query.since.as_ref().is_some_and(|since| match since {
        Bound::Time(t) => cut.time < *t,
        Bound::Revision { .. } => since.covers(cut),
    });
    if after_cut {
        return Ok(());
    }
    bail!(shallow_message(h, cut))
}

/// Why a shallow clone cannot answer, and how to get the history.
pub(crate) fn shallow_message(h: &EnvHistory, cut: &Commit) -> String {
    format!(
        "this clone is shallow: the history of {} ({}) is cut off at commit {} ({}), so how its pins got there is unknown; fetch the history with `git fetch --unshallow` (in CI: a full clone, e.g. fetch-depth: 0), or limit the log to later changes with --since {}",
        h.branch.env,
        h.branch.reference,
        short(&cut.id),
        time_text(cut.time),
        time_text(cut.time),
    )
}

/// Whether commit `a` is an ancestor of (or is) `b`.
pub(crate) fn is_ancestor(root: &Path, a: &str, b: &str) -> Result<bool> {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["merge-base", "--is-ancestor", "--end-of-options", a, b])
        .status()
        .context("running git merge-base")?;
    match status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => bail!("git merge-base --is-ancestor {a} {b} failed"),
    }
}

fn in_range(commit: &Commit, query: &Query) -> bool {
    let after = query.since.as_ref().is_none_or(|s| match s {
        Bound::Time(t) => commit.time >= *t,
        Bound::Revision { .. } => !s.covers(commit),
    });
    after && query.until.as_ref().is_none_or(|u| u.covers(commit))
}

fn pin_selected(query: &Query, pin: &str, id: &str) -> bool {
    query.pins.is_empty() || query.pins.iter().any(|p| p == pin || p == id)
}

fn env_log(h: &EnvHistory, query: &Query) -> EnvLog {
    let mut entries: Vec<(i64, Entry)> = Vec::new();
    for c in h
        .changes
        .iter()
        .filter(|c| in_range(&c.commit, query) && pin_selected(query, &c.pin, &c.id))
    {
        let mut e = commit_entry("change", &c.commit);
        e.pin = Some(c.pin.clone());
        e.id = Some(c.id.clone());
        e.from = c.from.clone();
        e.to = c.to.clone();
        e.kind = Some(c.kind);
        entries.push((c.commit.time, e));
    }
    let mut digests = HashSet::new();
    for r in h.records.iter().filter(|r| r.record.environment == h.branch.env) {
        let Some(commit) = &r.commit else { continue };
        if in_range(commit, query) && covers_selected(&r.record, query) && digests.insert(key(&r.record)) {
            let mut e = commit_entry("record", commit);
            e.record = Some(record_ref(r));
            entries.push((commit.time, e));
        }
    }
    // Git order is the truth for the branch; a record from a folder goes where its time puts it.
    entries.sort_by_key(|(t, _)| *t);
    for r in query.records.iter().filter(|r| r.record.environment == h.branch.env) {
        let Some(time) = parse_time(&r.record.recorded_at) else {
            continue;
        };
        let within = query
            .since
            .as_ref()
            .is_none_or(|s| !matches!(s, Bound::Time(t) if time < *t))
            && query
                .until
                .as_ref()
                .is_none_or(|u| !matches!(u, Bound::Time(t) if time > *t));
        if within && covers_selected(&r.record, query) && digests.insert(key(&r.record)) {
            let at = entries.partition_point(|(t, _)| *t <= time);
            entries.insert(at, (time, folder_entry(r)));
        }
    }
    EnvLog {
        environment: h.branch.env.clone(),
        branch: h.branch.reference.clone(),
        entries: entries.into_iter().map(|(_, e)| e).collect(),
    }
}

fn key(r: &Record) -> (String, String) {
    (r.digest.clone(), r.recorded_at.clone())
}

fn covers_selected(record: &Record, query: &Query) -> bool {
    query.pins.is_empty()
        || record
            .pins
            .keys()
            .any(|id| query.pins.iter().any(|p| id == p || id.rsplit('.').next() == Some(p)))
}

fn commit_entry(event: &'static str, c: &Commit) -> Entry {
    Entry {
        event,
        time: time_text(c.time),
        commit: Some(c.id.clone()),
        author: Some(c.author.clone()),
        email: Some(c.email.clone()),
        subject: Some(c.subject.clone()),
        via: Some(if c.merge { "merge" } else { "direct" }),
        pin: None,
        id: None,
        from: None,
        to: None,
        kind: None,
        record: None,
    }
}

fn folder_entry(r: &FoundRecord) -> Entry {
    Entry {
        event: "record",
        time: r.record.recorded_at.clone(),
        commit: r.record.commit.clone(),
        author: None,
        email: None,
        subject: None,
        via: None,
        pin: None,
        id: None,
        from: None,
        to: None,
        kind: None,
        record: Some(record_ref(r)),
    }
}

fn record_ref(r: &FoundRecord) -> RecordRef {
    RecordRef {
        file: r.file.clone(),
        recorded_at: r.record.recorded_at.clone(),
        digest: r.record.digest.clone(),
        pins: r.record.pins.len(),
    }
}

/// Every `*.json` release record in `dir`, sorted by file name; one that does not parse is an error.
pub(crate) fn read_records_dir(dir: &Path) -> Result<Vec<FoundRecord>> {
    let listing = std::fs::read_dir(dir).with_context(|| format!("reading the records folder {}", dir.display()))?;
    let mut files: Vec<_> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let label = path.display().to_string();
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {label}"))?;
            Ok(FoundRecord {
                record: Record::parse(&label, &text)?,
                file: label,
                commit: None,
            })
        })
        .collect()
}

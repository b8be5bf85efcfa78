//! Promotion history read from git: each environment's branch holds the history of its pin file
//! (and of `pins.hcl`, which says which file that is, and of the release records committed beside
//! them). One `git log` per branch and one `git cat-file --batch` ([`GitObjects`]) for every blob.
//!
//! Shared by `pins log`, `pins status` and the promotion policy.

pub(crate) mod gitlog;
pub(crate) mod log;
pub(crate) mod state;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};

use crate::config::{Config, CONFIG_FILE};
use crate::record::Record;
use crate::repo::{Environment, Repo, DEFAULT_RECORDS_DIR};
use crate::source::{GitObjects, Object};
use crate::tfvars::Str;
use crate::version::{classify, Kind};
use gitlog::{Commit, Entry, Refs};
use state::{FileState, PinAt};

/// One pin change on one environment's branch.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub commit: Rc<Commit>,
    pub pin: Str,
    pub id: Str,
    pub from: Option<Str>,
    pub to: Option<Str>,
    pub kind: Kind,
}

/// A release record found in a branch's history (with the commit that added it) or in a folder.
#[derive(Debug, Clone)]
pub(crate) struct FoundRecord {
    pub file: String,
    pub record: Record,
    pub commit: Option<Rc<Commit>>,
}

/// An environment's branch as found in this clone.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    /// The environment's name.
    pub env: String,
    /// What was read: `staging`, or `origin/staging` under `--branch-prefix origin/`.
    pub reference: String,
}

/// The history of one environment's branch.
#[derive(Debug, Clone)]
pub(crate) struct EnvHistory {
    pub branch: Branch,
    /// Every pin change, oldest first.
    pub changes: Vec<Change>,
    /// Records committed on this branch, oldest first.
    pub records: Vec<FoundRecord>,
    /// The pins at the branch's head.
    pub pins: Vec<PinAt>,
    /// Where a shallow clone cuts this history off: what the pin file held there is known, how it
    /// got there is not.
    pub cut: Option<Rc<Commit>>,
}

impl EnvHistory {
    /// The last change that set `id` to its current version, and the version: since when the
    /// branch has had it.
    pub(crate) fn since(&self, id: &str) -> Option<&Change> {
        self.changes.iter().rev().find(|c| &*c.id == id)
    }
}

/// Reads the history of environments' branches.
pub(crate) struct History {
    root: PathBuf,
    refs: Refs,
    objects: GitObjects,
    prefix: String,
    /// `git log`s started by [`History::prefetch`], by branch and paths.
    pending: HashMap<(String, Vec<String>), gitlog::Pending>,
}

impl History {
    /// Opens the git repository that holds `root`; branches are read under `prefix`
    /// (`origin/`, or empty for local branches).
    pub(crate) fn open(root: &Path, prefix: &str) -> Result<History> {
        let refs = Refs::read(root).with_context(|| format!("reading the git branches of {}", root.display()))?;
        let prefix = match prefix {
            "" => String::new(),
            p if p.ends_with('/') => p.to_string(),
            p => format!("{p}/"),
        };
        Ok(History {
            root: root.to_path_buf(),
            refs,
            objects: GitObjects::open(root)?,
            prefix,
            pending: HashMap::new(),
        })
    }

    /// The branch of `env`, or an error that says how to get it.
    pub(crate) fn branch(&self, env: &Environment) -> Result<Branch> {
        let wanted = format!("{}{}", self.prefix, env.branch);
        if self.refs.find(&wanted).is_some() {
            return Ok(Branch {
                env: env.name.clone(),
                reference: wanted,
            });
        }
        let copies = self.refs.remote_copies(&env.branch);
        let hint = match (self.prefix.is_empty(), copies.first()) {
            (true, Some(copy)) => {
                let remote = copy.split_once('/').map_or("origin", |(r, _)| r);
                format!("it exists as {copy}: pass --branch-prefix {remote}/ to read remote-tracking branches")
            }
            _ => format!(
                "fetch it (git fetch origin {0}; in CI, check out every branch, not only the one being built) or set environment \"{1}\" {{ branch = … }} in pins.hcl",
                env.branch, env.name
            ),
        };
        let place = if self.prefix.is_empty() {
            "locally"
        } else {
            "at the remote prefix"
        };
        bail!(
            "branch `{wanted}` of environment {} does not exist {place}; {hint}",
            env.name
        )
    }

    /// Starts reading the histories of `envs` at once (one `git log` each, running side by side);
    /// [`History::read`] then takes them up. Branches that do not exist are left for `read`.
    pub(crate) fn prefetch(&mut self, repo: &Repo, envs: &[&Environment]) -> Result<()> {
        for env in envs {
            let Ok(branch) = self.branch(env) else { continue };
            let key = (
                branch.reference,
                walk_paths(std::slice::from_ref(&env.pin_file), repo.records_dir()),
            );
            let pending = gitlog::spawn(&self.root, &key.0, &key.1)?;
            self.pending.insert(key, pending);
        }
        Ok(())
    }

    /// Reads the whole history of `env`'s branch.
    pub(crate) fn read(&mut self, repo: &Repo, env: &Environment) -> Result<EnvHistory> {
        let branch = self.branch(env)?;
        let mut paths: Vec<String> = vec![env.pin_file.clone()];
        loop {
            let mut walk = Walk::new(self, repo, &branch, paths.clone());
            walk.run()?;
            // pins.hcl moved the pin file somewhere not watched: read again, watching it too.
            let unseen: Vec<String> = walk.pin_files.iter().filter(|f| !paths.contains(f)).cloned().collect();
            if unseen.is_empty() {
                return Ok(walk.finish());
            }
            paths.extend(unseen);
        }
    }

    /// Only the pins at the head of `env`'s branch (its pin file as its own pins.hcl names it),
    /// without the history: what the last environment of the board needs.
    pub(crate) fn head(&mut self, env: &Environment) -> Result<EnvHistory> {
        let branch = self.branch(env)?;
        let what = format!("{CONFIG_FILE} on {}", branch.reference);
        let config = match self.blob(&format!("{}:{CONFIG_FILE}", branch.reference), &what)? {
            Some(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| anyhow!("{what} is not valid UTF-8"))?;
                Config::parse(&text).with_context(|| format!("reading {what}"))?
            }
            None => Config::defaults(),
        };
        let pin_file = pin_file_in(&config, &env.name)
            .ok_or_else(|| anyhow!("{what} does not declare environment {}", env.name))?;
        let label = format!("{pin_file}@{}", branch.reference);
        let bytes = self
            .blob(&format!("{}:{pin_file}", branch.reference), &label)?
            .ok_or_else(|| {
                anyhow!(
                    "{pin_file}, the pin file of {}, does not exist on {}",
                    env.name,
                    branch.reference
                )
            })?;
        Ok(EnvHistory {
            pins: FileState::parse(&label, bytes)?.pins,
            branch,
            changes: Vec::new(),
            records: Vec::new(),
            cut: None,
        })
    }

    /// The blob `spec` (an object id or `COMMIT:PATH`) as bytes, or `None` when there is none.
    fn blob(&mut self, spec: &str, what: &str) -> Result<Option<Vec<u8>>> {
        match self.objects.read(spec).with_context(|| format!("reading {what}"))? {
            Object::Blob(bytes) => Ok(Some(bytes)),
            Object::Missing => Ok(None),
            other => bail!("{what} is not a file ({other:?})"),
        }
    }

    /// The blob with id `id`, which the history names: missing is an error.
    fn object(&mut self, id: &str, what: &str) -> Result<Vec<u8>> {
        self.blob(id, what)?
            .ok_or_else(|| anyhow!("{what}: git object {id} is missing from this clone"))
    }
}

/// One pass over a branch's history.
struct Walk<'h> {
    history: &'h mut History,
    branch: Branch,
    watched: Vec<String>,
    /// The environment's pin file as the pins.hcl of the current commit names it.
    pin_file: Option<String>,
    records_dir: String,
    /// Every pin file pins.hcl named along the way.
    pin_files: Vec<String>,
    file: Option<FileState>,
    existed: bool,
    out: EnvHistory,
}

impl<'h> Walk<'h> {
    fn new(history: &'h mut History, repo: &Repo, branch: &Branch, watched: Vec<String>) -> Walk<'h> {
        let default = Config::defaults();
        let pin_file = pin_file_in(&default, &branch.env);
        Walk {
            history,
            branch: branch.clone(),
            watched,
            pin_files: pin_file.iter().cloned().collect(),
            pin_file,
            records_dir: DEFAULT_RECORDS_DIR.to_string(),
            file: None,
            existed: false,
            out: EnvHistory {
                branch: branch.clone(),
                changes: Vec::new(),
                records: Vec::new(),
                pins: Vec::new(),
                cut: None,
            },
        }
        .with_records_dir(repo.records_dir())
    }

    fn with_records_dir(mut self, dir: &str) -> Self {
        self.records_dir = dir.to_string();
        self
    }

    fn run(&mut self) -> Result<()> {
        let paths = walk_paths(&self.watched, &self.records_dir);
        let key = (self.branch.reference.clone(), paths);
        let pending = match self.history.pending.remove(&key) {
            Some(pending) => pending,
            None => gitlog::spawn(&self.history.root, &key.0, &key.1)?,
        };
        for entry in pending.collect()? {
            self.step(entry)?;
        }
        Ok(())
    }

    fn step(&mut self, entry: Entry) -> Result<()> {
        let cut = self.history.refs.shallow.contains(&entry.commit.id);
        let config_touched = entry.touches.iter().any(|t| t.path == CONFIG_FILE);
        if config_touched {
            self.read_config(&entry)?;
        }
        let records: Vec<(&str, &str)> = entry
            .touches
            .iter()
            .filter(|t| self.is_record(&t.path))
            .filter_map(|t| Some((t.path.as_str(), t.blob.as_deref()?)))
            .collect();
        for (path, blob) in records {
            self.read_record(path, blob, &entry.commit)?;
        }
        let Some(pin_file) = self.pin_file.clone() else {
            return Ok(());
        };
        let what = format!(
            "{pin_file} at commit {} on {}",
            short(&entry.commit.id),
            self.branch.reference
        );
        let touched = entry.touches.iter().find(|t| t.path == pin_file);
        let bytes = match (touched, config_touched) {
            (Some(t), _) => match &t.blob {
                Some(id) => Some(self.history.object(id, &what)?),
                None => None,
            },
            (None, true) => self.history.blob(&format!("{}:{pin_file}", entry.commit.id), &what)?,
            (None, false) => return Ok(()),
        };
        self.read_pin_file(&pin_file, bytes, &entry.commit, cut)
    }

    fn is_record(&self, path: &str) -> bool {
        path.strip_prefix(self.records_dir.trim_end_matches('/'))
            .is_some_and(|rest| rest.starts_with('/') && rest.ends_with(".json"))
    }

    fn read_config(&mut self, entry: &Entry) -> Result<()> {
        let touch = entry.touches.iter().find(|t| t.path == CONFIG_FILE);
        let config = match touch.and_then(|t| t.blob.clone()) {
            None => Config::defaults(),
            Some(blob) => {
                let what = format!("{CONFIG_FILE} at commit {}", short(&entry.commit.id));
                let bytes = self.history.object(&blob, &what)?;
                let text = String::from_utf8(bytes).map_err(|_| anyhow!("{what} is not valid UTF-8"))?;
                Config::parse(&text).with_context(|| format!("reading {what} on {}", self.branch.reference))?
            }
        };
        self.pin_file = pin_file_in(&config, &self.branch.env);
        if let Some(f) = &self.pin_file {
            if !self.pin_files.contains(f) {
                self.pin_files.push(f.clone());
            }
        }
        Ok(())
    }

    fn read_record(&mut self, path: &str, blob: &str, commit: &Rc<Commit>) -> Result<()> {
        let what = format!("{path} at commit {} on {}", short(&commit.id), self.branch.reference);
        let bytes = self.history.object(blob, &what)?;
        let text = String::from_utf8_lossy(&bytes);
        let record = Record::parse(path, &text).with_context(|| format!("reading the release record {what}"))?;
        self.out.records.push(FoundRecord {
            file: path.to_string(),
            record,
            commit: Some(commit.clone()),
        });
        Ok(())
    }

    fn read_pin_file(&mut self, path: &str, bytes: Option<Vec<u8>>, commit: &Rc<Commit>, cut: bool) -> Result<()> {
        let Some(bytes) = bytes else {
            if self.existed {
                bail!(missing_pin_file(path, commit, &self.branch));
            }
            return Ok(());
        };
        let label = format!("{path}@{}", short(&commit.id));
        let (next, steps) = match &self.file {
            Some(prev) => prev.next(&label, bytes)?,
            None => {
                let next = FileState::parse(&label, bytes)?;
                let steps = state::compare(&[], &next.pins);
                (next, steps)
            }
        };
        if cut {
            self.out.cut = Some(commit.clone());
            self.out.changes.clear();
        } else {
            self.push_steps(steps, commit);
        }
        self.file = Some(next);
        self.existed = true;
        Ok(())
    }

    fn push_steps(&mut self, steps: Vec<state::Step>, commit: &Rc<Commit>) {
        for s in steps {
            let kind = classify(s.from.as_deref(), s.to.as_deref());
            self.out.changes.push(Change {
                commit: commit.clone(),
                pin: s.name,
                id: s.id,
                from: s.from,
                to: s.to,
                kind,
            });
        }
    }

    fn finish(mut self) -> EnvHistory {
        self.out.pins = self.file.map(|f| f.pins).unwrap_or_default();
        self.out
    }
}

fn missing_pin_file(path: &str, commit: &Commit, branch: &Branch) -> String {
    format!(
        "{path}, the pin file of {}, is missing at commit {} ({}) on {}, after it existed; pins cannot tell what {} ran while it was gone. Restore it in a new commit, or start the history after it with --since",
        branch.env,
        short(&commit.id),
        time_text(commit.time),
        branch.reference,
        branch.env
    )
}

/// What a walk watches: the pin files, pins.hcl and the records folder.
fn walk_paths(pin_files: &[String], records_dir: &str) -> Vec<String> {
    let mut paths = pin_files.to_vec();
    paths.extend([CONFIG_FILE.to_string(), records_dir.to_string()]);
    paths
}

/// The pin file that `config` gives environment `env`, if it declares it.
fn pin_file_in(config: &Config, env: &str) -> Option<String> {
    let envs = crate::repo::environments_of(config).ok()?;
    envs.into_iter().find(|e| e.name == env).map(|e| e.pin_file)
}

/// The first 7 characters of a commit id.
pub(crate) fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// The last second RFC 3339 can write (9999-12-31T23:59:59Z).
const LAST_RFC3339_SECOND: i64 = 253_402_300_799;

/// A commit time as RFC 3339 UTC (`2026-11-20T10:00:00Z`); times before 1970 or after the year
/// 9999 (a soak of thousands of years added to one) are written as those bounds.
pub(crate) fn time_text(time: i64) -> String {
    let secs = time.clamp(0, LAST_RFC3339_SECOND) as u64;
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::time_text;

    #[test]
    fn times_beyond_what_rfc3339_writes_are_written_as_its_bounds() {
        assert_eq!(time_text(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(time_text(-5), "1970-01-01T00:00:00Z");
        assert_eq!(time_text(i64::MAX), "9999-12-31T23:59:59Z");
    }
}

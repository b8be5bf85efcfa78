//! Reading a branch's first-parent history of a few paths with one `git log` process, and the
//! repository facts around it: which branches exist, whether the clone is shallow.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;

use anyhow::{bail, Context, Result};

use crate::source::git_bytes;

/// One commit of a branch's first-parent history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Commit {
    pub id: String,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub author: String,
    pub email: String,
    pub subject: String,
    /// A merge (more than one parent): the change arrived by promotion, not a direct commit.
    pub merge: bool,
}

/// A file a commit changed: its path and new blob (`None` when deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Touch {
    pub path: String,
    pub blob: Option<String>,
}

/// A commit and the watched files it changed against its first parent.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub commit: Rc<Commit>,
    pub touches: Vec<Touch>,
}

const FORMAT: &str = "--format=%x1e%H%x1f%P%x1f%ct%x1f%an%x1f%ae%x1f%s";

/// A `git log` started ahead of time, so that several branches are read at once.
#[derive(Debug)]
pub(crate) struct Pending {
    child: Child,
}

/// Starts reading the first-parent history of `reference` limited to `paths`; merges are compared
/// with their first parent, which is what the branch had before the promotion.
pub(crate) fn spawn(root: &Path, reference: &str, paths: &[String]) -> Result<Pending> {
    let child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "--literal-pathspecs",
            "log",
            "-z",
            "--first-parent",
            "--no-renames",
            "--raw",
            "--no-abbrev",
            FORMAT,
        ])
        .args(["--end-of-options", reference, "--"])
        .args(paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running git log (is git installed?)")?;
    Ok(Pending { child })
}

impl Pending {
    /// The history, oldest first.
    pub(crate) fn collect(self) -> Result<Vec<Entry>> {
        let out = self.child.wait_with_output().context("reading git log")?;
        if !out.status.success() {
            bail!("git log failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        let mut entries = parse_log(&out.stdout)?;
        entries.reverse();
        Ok(entries)
    }
}

fn parse_log(out: &[u8]) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for chunk in out.split(|&b| b == 0x1e).filter(|c| !c.is_empty()) {
        let mut fields = chunk.split(|&b| b == 0);
        let header = String::from_utf8_lossy(fields.next().unwrap_or_default());
        let commit = parse_header(&header)?;
        let mut touches = Vec::new();
        while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
            let meta = String::from_utf8_lossy(meta);
            let path = String::from_utf8_lossy(path).into_owned();
            touches.push(parse_touch(meta.trim_start_matches('\n'), path)?);
        }
        entries.push(Entry {
            commit: Rc::new(commit),
            touches,
        });
    }
    Ok(entries)
}

fn parse_header(header: &str) -> Result<Commit> {
    let parts: Vec<&str> = header.splitn(6, '\x1f').collect();
    let [id, parents, time, author, email, subject] = parts.as_slice() else {
        bail!("git log: unexpected output `{}`", header.escape_debug());
    };
    Ok(Commit {
        id: id.to_string(),
        time: time
            .parse()
            .with_context(|| format!("git log: bad time in `{header}`"))?,
        author: author.to_string(),
        email: email.to_string(),
        subject: subject.to_string(),
        merge: parents.split(' ').filter(|p| !p.is_empty()).count() > 1,
    })
}

/// `:100644 100644 OLD NEW M` and its path.
fn parse_touch(meta: &str, path: String) -> Result<Touch> {
    let fields: Vec<&str> = meta.split(' ').collect();
    let (Some(new), Some(status)) = (fields.get(3), fields.get(4)) else {
        bail!("git log: unexpected raw line `{}`", meta.escape_debug());
    };
    let blob = (!status.starts_with('D') && new.bytes().any(|b| b != b'0')).then(|| new.to_string());
    Ok(Touch { path, blob })
}

/// The branches and remote-tracking branches of a repository, and whether it is shallow.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    /// `refs/heads/x` and `refs/remotes/origin/x` → commit.
    refs: HashMap<String, String>,
    /// The commits where a shallow clone's history is cut off.
    pub shallow: HashSet<String>,
}

impl Refs {
    /// Reads the refs (one git process) and the shallow list.
    pub(crate) fn read(root: &Path) -> Result<Refs> {
        let out = git_bytes(
            root,
            &[
                "for-each-ref",
                "--format=%(refname)%00%(objectname)",
                "refs/heads",
                "refs/remotes",
            ],
        )?;
        let text = String::from_utf8_lossy(&out);
        let refs = text
            .lines()
            .filter_map(|l| l.split_once('\0'))
            .map(|(r, c)| (r.to_string(), c.to_string()))
            .collect();
        Ok(Refs {
            refs,
            shallow: shallow_commits(root)?,
        })
    }

    /// The full ref of `name` (`staging`, `origin/staging`): a branch, else a remote-tracking one.
    pub(crate) fn find(&self, name: &str) -> Option<String> {
        [format!("refs/heads/{name}"), format!("refs/remotes/{name}")]
            .into_iter()
            .find(|r| self.refs.contains_key(r))
    }

    /// Remote-tracking refs whose branch is `branch` (`origin/staging` for `staging`).
    pub(crate) fn remote_copies(&self, branch: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .refs
            .keys()
            .filter_map(|r| r.strip_prefix("refs/remotes/"))
            .filter(|r| r.split_once('/').is_some_and(|(_, b)| b == branch))
            .map(str::to_string)
            .collect();
        found.sort();
        found
    }
}

fn shallow_commits(root: &Path) -> Result<HashSet<String>> {
    let out = git_bytes(root, &["rev-parse", "--git-path", "shallow"])?;
    let path = String::from_utf8_lossy(&out).trim().to_string();
    let path = root.join(path);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    Ok(text.lines().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_commits_and_touches() {
        let out = b"\x1eaaa\x1fp1 p2\x1f1700000000\x1fAlice\x1fa@x\x1fMerge x\0\n:100644 100644 111 222 M\0f.tfvars\0:100644 000000 333 0000 D\0g\0\x1ebbb\x1f\x1f5\x1fBob\x1fb@x\x1fa\x1fb\0\n:000000 100644 000 444 A\0f.tfvars\0";
        let entries = parse_log(out).unwrap();
        assert_eq!(entries.len(), 2);
        let first = entries.first().unwrap();
        assert!(first.commit.merge);
        assert_eq!(first.commit.subject, "Merge x");
        assert_eq!(
            first.touches,
            vec![
                Touch {
                    path: "f.tfvars".into(),
                    blob: Some("222".into())
                },
                Touch {
                    path: "g".into(),
                    blob: None
                },
            ]
        );
        let second = entries.get(1).unwrap();
        assert!(!second.commit.merge);
        assert_eq!(second.commit.subject, "a\x1fb", "a subject keeps every byte");
        assert_eq!(second.commit.time, 5);
    }
}

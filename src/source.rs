//! Where files are read from: the working tree, or git objects at a revision (never touching the
//! working tree or the index). At a revision, files are read as a checkout would show them to
//! Terraform: symlinks are followed inside the tree, through one `git cat-file --batch` process.

mod objects;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

pub(crate) use objects::{GitObjects, Object};

use anyhow::{bail, Context, Result};

/// The files of a repository as they are now, or as they were at a git revision.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    Tree,
    Git {
        rev: String,
        commit: String,
        prefix: String,
        /// The object reader, started at the first read and shared by clones.
        objects: Arc<Mutex<Option<GitObjects>>>,
    },
}

impl Source {
    /// Resolves `rev` to a commit of the git repository that holds `root`.
    pub(crate) fn at_revision(root: &Path, rev: &str) -> Result<Source> {
        check_revision(rev)?;
        let spec = format!("{rev}^{{commit}}");
        let commit = git(root, &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
            .map_err(|_| anyhow::anyhow!("git revision `{rev}` does not name a commit in {}", root.display()))?;
        let prefix = git(root, &["rev-parse", "--show-prefix"])?;
        Ok(Source::Git {
            rev: rev.to_string(),
            commit,
            prefix,
            objects: Arc::default(),
        })
    }

    /// The revision this source reads, if it is not the working tree.
    pub(crate) fn revision(&self) -> Option<&str> {
        match self {
            Source::Tree => None,
            Source::Git { rev, .. } => Some(rev),
        }
    }

    /// The bytes of `rel` (a checked repository-relative path), or `None` when it does not exist.
    pub(crate) fn read(&self, root: &Path, rel: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Source::Tree => read_tree(root, rel),
            Source::Git {
                commit,
                prefix,
                rev,
                objects,
            } => {
                let mut guard = objects
                    .lock()
                    .map_err(|_| anyhow::anyhow!("the git reader failed earlier"))?;
                let reader = match guard.as_mut() {
                    Some(reader) => reader,
                    None => guard.insert(GitObjects::open(root)?),
                };
                let object = reader.read(&format!("{commit}:{prefix}{rel}"));
                if object.is_err() {
                    // The conversation with git may be out of step: start afresh next time.
                    *guard = None;
                }
                object
                    .with_context(|| format!("reading {rel} at {rev}"))?
                    .into_file(rel, rev)
            }
        }
    }
}

impl Source {
    /// The one spelling of `rel` that names its file: `.` segments and repeated slashes dropped,
    /// and symlinks resolved (they must stay inside the repository), so that
    /// `./shared-release.tfvars`, `shared-release.tfvars` and a symlink to it are one file.
    pub(crate) fn canonical(&self, root: &Path, rel: &str) -> Result<String> {
        let lexical = normalize(rel)?;
        match self {
            Source::Tree => {
                if std::fs::symlink_metadata(root.join(&lexical)).is_err() || !has_link(root, &lexical) {
                    return Ok(lexical);
                }
                let real = contained(root, &lexical)?;
                let base = root
                    .canonicalize()
                    .with_context(|| format!("opening repository {}", root.display()))?;
                let inside = real.strip_prefix(&base).unwrap_or(&real);
                Ok(inside.to_string_lossy().replace('\\', "/"))
            }
            Source::Git { commit, prefix, .. } => git_canonical(root, commit, prefix, lexical),
        }
    }

    /// Whether `rel` (repository-relative, `""` for the root) is a folder.
    pub(crate) fn is_dir(&self, root: &Path, rel: &str) -> bool {
        match self {
            _ if rel.is_empty() => true,
            Source::Tree => root.join(rel).is_dir(),
            Source::Git { commit, prefix, .. } => {
                git(root, &["cat-file", "-t", &format!("{commit}:{prefix}{rel}")]).is_ok_and(|t| t == "tree")
            }
        }
    }

    /// The names of the entries of folder `dir` (repository-relative, `""` for the root), sorted
    /// bytewise as Terraform sorts them; empty when the folder does not exist.
    pub(crate) fn list(&self, root: &Path, dir: &str) -> Result<Vec<String>> {
        let mut names: Vec<String> = match self {
            Source::Tree => match std::fs::read_dir(root.join(dir)) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok())
                    .filter(|e| std::fs::metadata(e.path()).is_ok_and(|m| m.is_file()))
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect(),
                Err(_) => Vec::new(),
            },
            Source::Git { commit, prefix, .. } => {
                let tree = format!("{commit}:{prefix}{dir}");
                match git(root, &["ls-tree", "--name-only", &tree]) {
                    Ok(out) => out.lines().map(str::to_string).collect(),
                    Err(_) => Vec::new(),
                }
            }
        };
        names.sort_unstable();
        Ok(names)
    }
}

/// `rel` without `.` segments, empty segments or `..` (which must not climb out).
pub(crate) fn normalize(rel: &str) -> Result<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    bail!("{rel} leads outside the repository; pins only reads and writes files inside it");
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

/// Follows symlinks stored in git (mode 120000) at `commit` to the file they name. A link that
/// leads outside, loops or names nothing keeps its own name: reading it then says which.
fn git_canonical(root: &Path, commit: &str, prefix: &str, lexical: String) -> Result<String> {
    let mut path = lexical.clone();
    for _ in 0..16 {
        let entry = git(root, &["ls-tree", commit, "--", &format!("{prefix}{path}")]).unwrap_or_default();
        if entry.is_empty() {
            return Ok(lexical);
        }
        let Some(sha) = entry
            .strip_prefix("120000 blob ")
            .and_then(|r| r.split_whitespace().next())
        else {
            return Ok(path);
        };
        let target = git(root, &["cat-file", "blob", sha])?;
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        match normalize(&format!("{parent}/{target}")) {
            Ok(next) if !target.starts_with('/') => path = next,
            _ => return Ok(lexical),
        }
    }
    Ok(lexical)
}

fn read_tree(root: &Path, rel: &str) -> Result<Option<Vec<u8>>> {
    let path = root.join(rel);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let real = if has_link(root, rel) {
        contained(root, rel)?
    } else {
        path
    };
    if real.is_dir() {
        bail!("{rel} is a directory, not a file");
    }
    // A FIFO or device would block the read or never end; Terraform's files are regular files.
    if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
        bail!("{rel} is not a regular file (a FIFO, socket or device); pins reads only regular files");
    }
    let bytes = std::fs::read(&real).with_context(|| format!("reading {rel}"))?;
    Ok(Some(bytes))
}

/// Whether a symlink (or `..`) inside the repository lies on the way to `rel`: only then can its
/// real path differ from `root/rel`, and resolving it (a `readlink` per folder of the absolute
/// path, twice) is the costly part of reading a small file. False when a part is missing.
fn has_link(root: &Path, rel: &str) -> bool {
    let mut path = root.to_path_buf();
    for part in rel.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            return true;
        }
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// The real path of `rel` under `root`, refused when a symlink leads it outside the repository.
pub(crate) fn contained(root: &Path, rel: &str) -> Result<PathBuf> {
    let root = root
        .canonicalize()
        .with_context(|| format!("opening repository {}", root.display()))?;
    let real = root
        .join(rel)
        .canonicalize()
        .with_context(|| format!("resolving {rel}"))?;
    if !real.starts_with(&root) {
        bail!(
            "{rel} leads outside the repository (to {}); pins only reads and writes files inside it",
            real.display()
        );
    }
    Ok(real)
}

/// Refuses revisions that git could read as an option, or that mix in a path.
fn check_revision(rev: &str) -> Result<()> {
    if rev.is_empty() {
        bail!("empty git revision after `@`");
    }
    if rev.starts_with('-') {
        bail!("git revision `{rev}` starts with `-`; pins does not pass options through to git");
    }
    if rev.contains(':') || rev.chars().any(|c| c.is_control() || c == ' ') {
        bail!("`{rev}` is not a git revision (a branch, tag or commit such as origin/staging)");
    }
    Ok(())
}

/// Runs git with fixed arguments and returns its stdout bytes; paths are never globs.
pub(crate) fn git_bytes(root: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("--literal-pathspecs")
        .args(args)
        .output()
        .context("running git (is it installed?)")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// Runs git with fixed arguments (no shell) and returns its trimmed output.
pub(crate) fn git(root: &Path, args: &[&str]) -> Result<String> {
    let out = git_bytes(root, args)?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// The commit checked out at `root` and whether tracked files have uncommitted changes; both
/// `None` outside git.
pub(crate) fn head_commit(root: &Path) -> (Option<String>, Option<bool>) {
    let commit = git(root, &["rev-parse", "--verify", "--quiet", "HEAD"])
        .ok()
        .filter(|c| !c.is_empty());
    let dirty = commit
        .as_ref()
        .and_then(|_| git(root, &["status", "--porcelain", "--untracked-files=no"]).ok())
        .map(|s| !s.is_empty());
    (commit, dirty)
}

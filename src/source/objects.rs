//! Git objects read through one long-lived `git cat-file --batch --follow-symlinks` process: many
//! files at one or many revisions cost one process, not two per file, and a symlink is followed
//! inside the tree as a checkout would follow it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};

/// A running `git cat-file --batch --follow-symlinks` for one repository.
#[derive(Debug)]
pub(crate) struct GitObjects {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

/// What a `REV:PATH` (or any object name) names, after following symlinks inside the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Object {
    /// A blob's bytes (for a symlink: the bytes of the file it leads to).
    Blob(Vec<u8>),
    /// A tree, commit or tag: not a file.
    NotBlob(String),
    /// Nothing by that name.
    Missing,
    /// A symlink that leads out of the tree; the part outside it.
    OutsideTree(String),
    /// Symlinks that lead back to themselves.
    Loop,
    /// A symlink to nothing, or a path through something that is not a folder.
    Dangling,
}

impl GitObjects {
    /// Starts the reader in the git repository that holds `root`.
    pub(crate) fn open(root: &Path) -> Result<GitObjects> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["cat-file", "--batch", "--follow-symlinks"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("running git cat-file (is git installed?)")?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow!("git cat-file has no stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("git cat-file has no stdout"))?;
        Ok(GitObjects {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
        })
    }

    /// Reads one object, e.g. `COMMIT:path/in/tree`.
    pub(crate) fn read(&mut self, name: &str) -> Result<Object> {
        if name.contains(['\n', '\r', '\0']) {
            bail!(
                "`{}` cannot be read from git: it holds a line break or NUL",
                name.escape_debug()
            );
        }
        let stdin = self.stdin.as_mut().ok_or_else(|| anyhow!("git cat-file was closed"))?;
        // One write per request: `writeln!` on the unbuffered pipe makes two system calls.
        stdin
            .write_all(format!("{name}\n").as_bytes())
            .context("writing to git cat-file")?;
        let header = self.line()?;
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            return Ok(Object::Missing);
        }
        let mut words = header.split(' ');
        let (first, second, third) = (words.next(), words.next(), words.next());
        match (first, second, third) {
            (Some(kind), Some(size), None) => self.special(kind, size),
            (Some(_), Some(kind), Some(size)) => {
                let body = self.body(size)?;
                Ok(match kind {
                    "blob" => Object::Blob(body),
                    other => Object::NotBlob(other.to_string()),
                })
            }
            _ => bail!("git cat-file answered `{header}`"),
        }
    }

    /// The answers `symlink`, `loop`, `dangling` and `notdir`, each followed by a body.
    fn special(&mut self, kind: &str, size: &str) -> Result<Object> {
        let body = String::from_utf8_lossy(&self.body(size)?).into_owned();
        Ok(match kind {
            "symlink" => Object::OutsideTree(body),
            "loop" => Object::Loop,
            "dangling" | "notdir" => Object::Dangling,
            other => bail!("git cat-file answered `{other} {size}`"),
        })
    }

    fn line(&mut self) -> Result<String> {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).context("reading from git cat-file")?;
        if n == 0 {
            bail!("git cat-file stopped answering");
        }
        Ok(line.trim_end_matches('\n').to_string())
    }

    /// `size` bytes and the newline after them.
    fn body(&mut self, size: &str) -> Result<Vec<u8>> {
        let size: usize = size
            .parse()
            .with_context(|| format!("git cat-file answered size `{size}`"))?;
        if size > crate::tfvars::MAX_FILE_SIZE {
            bail!("the object is {size} bytes, larger than any file pins reads");
        }
        let mut body = vec![0; size + 1];
        self.stdout.read_exact(&mut body).context("reading from git cat-file")?;
        body.pop();
        Ok(body)
    }
}

impl Drop for GitObjects {
    fn drop(&mut self) {
        // Closing stdin ends git cat-file; wait so that no zombie is left.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Object {
    /// The file's bytes, `None` when it does not exist, or an error saying why a checkout would
    /// not give Terraform this file.
    pub(crate) fn into_file(self, rel: &str, rev: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Object::Blob(bytes) => Ok(Some(bytes)),
            Object::Missing => Ok(None),
            Object::NotBlob(kind) => bail!("{rel} at {rev} is a {kind}, not a file"),
            Object::OutsideTree(target) => bail!(
                "{rel} at {rev} is a symlink that leads outside the repository (to {target}); pins only reads files inside it"
            ),
            Object::Loop => bail!("{rel} at {rev} is a symlink loop; it leads back to itself"),
            Object::Dangling => bail!("{rel} at {rev} is a symlink to a file that does not exist at {rev}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn one_process_reads_many_objects_and_follows_links_inside_the_tree() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        git(root, &["init", "-q"]);
        std::fs::create_dir(root.join("real"))?;
        std::fs::write(root.join("real/a.tfvars"), "a = \"1\"\n")?;
        std::os::unix::fs::symlink("real", root.join("linked"))?;
        std::os::unix::fs::symlink("../../x", root.join("out"))?;
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "c"]);
        let mut objects = GitObjects::open(root)?;
        let pid = objects.child.id();
        assert_eq!(
            objects.read("HEAD:real/a.tfvars")?,
            Object::Blob(b"a = \"1\"\n".to_vec())
        );
        assert_eq!(
            objects.read("HEAD:linked/a.tfvars")?,
            Object::Blob(b"a = \"1\"\n".to_vec())
        );
        assert_eq!(objects.read("HEAD:nothing here")?, Object::Missing);
        assert_eq!(objects.read("HEAD:real")?, Object::NotBlob("tree".into()));
        assert_eq!(objects.read("HEAD:out")?, Object::OutsideTree("../../x".into()));
        assert_eq!(
            objects.read("HEAD:real/a.tfvars")?,
            Object::Blob(b"a = \"1\"\n".to_vec())
        );
        assert_eq!(objects.child.id(), pid);
        assert!(objects.read("HEAD:a\nb").is_err());
        Ok(())
    }
}

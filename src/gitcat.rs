//! One long-lived `git cat-file --batch` process that reads many objects over a pipe, so reading
//! history costs one process, not one per commit or file.
//!
//! Kept in its own module so that it can be merged with the revision reader of `source.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};

/// A running `git cat-file --batch`.
pub struct CatFile {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

/// One object read: its id and bytes.
#[derive(Debug, Clone)]
pub struct Object {
    pub id: String,
    pub bytes: Vec<u8>,
}

impl CatFile {
    /// Starts the reader in the repository that holds `root`.
    pub fn start(root: &Path) -> Result<CatFile> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("running git cat-file (is git installed?)")?;
        let input = child.stdin.take().ok_or_else(|| anyhow!("git cat-file: no stdin"))?;
        let output = child.stdout.take().ok_or_else(|| anyhow!("git cat-file: no stdout"))?;
        Ok(CatFile {
            child,
            input,
            output: BufReader::with_capacity(1 << 16, output),
        })
    }

    /// The object named `spec` (an object id or `COMMIT:PATH`), or `None` when it does not exist.
    pub fn get(&mut self, spec: &str) -> Result<Option<Object>> {
        if spec.contains('\n') {
            bail!("object name holds a newline: {}", spec.escape_debug());
        }
        writeln!(self.input, "{spec}")
            .and_then(|_| self.input.flush())
            .context("writing to git cat-file")?;
        let mut header = String::new();
        self.output
            .read_line(&mut header)
            .context("reading from git cat-file")?;
        let header = header.trim_end();
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            return Ok(None);
        }
        let (id, size) = parse_header(header)?;
        let mut bytes = vec![0; size];
        self.output
            .read_exact(&mut bytes)
            .context("reading from git cat-file")?;
        let mut newline = [0u8; 1];
        self.output
            .read_exact(&mut newline)
            .context("reading from git cat-file")?;
        Ok(Some(Object { id, bytes }))
    }
}

/// `<id> <type> <size>` → the id and size.
fn parse_header(header: &str) -> Result<(String, usize)> {
    let mut parts = header.split(' ');
    let (Some(id), Some(_kind), Some(size), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        bail!("git cat-file: unexpected reply `{}`", header.escape_debug());
    };
    let size = size
        .parse()
        .map_err(|_| anyhow!("git cat-file: bad size in `{}`", header.escape_debug()))?;
    Ok((id.to_string(), size))
}

impl Drop for CatFile {
    fn drop(&mut self) {
        // Closing stdin ends the process; wait so that it does not linger as a zombie.
        let _ = self.input.flush();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

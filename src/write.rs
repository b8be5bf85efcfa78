//! Every write pins makes goes through here: pin files are locked, re-read, changed and written
//! atomically (temporary file in the same folder, fsync, rename, fsync of the folder), keeping
//! permissions and editing a symlink's target; release records are written atomically too.

use std::fs::{File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::source::contained;

/// The suffix of temporary files, so that stale ones can be recognised.
const TEMP_SUFFIX: &str = ".pins-tmp";

/// How long to wait for another process's lock before giving up (override: `PINS_LOCK_TIMEOUT_MS`).
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// An exclusive hold on one repository file: an advisory lock on its folder (which serialises
/// every pins writer there, whatever rename does to the file) and on the file itself (which
/// respects other tools that lock it). Released on drop, also when the process dies.
#[derive(Debug)]
pub(crate) struct Lock {
    pub path: PathBuf,
    rel: String,
    _dir: File,
    _file: File,
}

impl Lock {
    /// Locks `rel` under `root`, waiting a bounded time for other holders.
    pub(crate) fn acquire(root: &Path, rel: &str) -> Result<Lock> {
        if std::fs::symlink_metadata(root.join(rel)).is_err() {
            bail!("{rel} does not exist; create it (an empty file will do) or fix the environment's files in pins.hcl");
        }
        let path = contained(root, rel).with_context(|| format!("{rel} cannot be edited"))?;
        let meta = std::fs::metadata(&path).with_context(|| format!("reading {rel}"))?;
        if !meta.is_file() {
            bail!("{rel} is not a regular file");
        }
        if meta.permissions().readonly() {
            bail!("{rel} is read-only; make it writable (chmod u+w) if it should change");
        }
        let dir_path = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = File::open(&dir_path).with_context(|| format!("opening the folder of {rel}"))?;
        wait_for_lock(&dir, rel)?;
        let file = OpenOptions::new()
            .read(true)
            .open(&path)
            .with_context(|| format!("opening {rel}"))?;
        wait_for_lock(&file, rel)?;
        remove_stale_temps(&path);
        Ok(Lock {
            path,
            rel: rel.to_string(),
            _dir: dir,
            _file: file,
        })
    }

    /// Reads the locked file's bytes.
    pub(crate) fn read(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.path).with_context(|| format!("reading {}", self.rel))
    }

    /// Replaces the locked file's content atomically.
    pub(crate) fn write(&self, bytes: &[u8]) -> Result<()> {
        atomic_write(&self.path, bytes).with_context(|| format!("writing {}; the file was left as it was", self.rel))
    }
}

/// Deletes temporary files that a writer killed mid-write left next to `path`. Safe under the
/// folder lock: no live pins writer can own one.
fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().to_string();
        if file_name.starts_with(&prefix) && file_name.ends_with(TEMP_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn lock_timeout() -> Duration {
    std::env::var("PINS_LOCK_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DEFAULT_LOCK_TIMEOUT, Duration::from_millis)
}

fn wait_for_lock(file: &File, rel: &str) -> Result<()> {
    let deadline = Instant::now() + lock_timeout();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(15));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                bail!(
                    "{rel} is locked by another process; waited {:?} and gave up without writing",
                    lock_timeout()
                )
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e).with_context(|| format!("locking {rel}")),
        }
    }
}

/// Creates, replaces (`Some`) or removes (`None`) files that live beside each other, such as a
/// release record and its signature, through the same folder lock and atomic write as every edit.
pub(crate) fn put(files: &[(&Path, Option<&[u8]>)]) -> Result<()> {
    let Some((first, _)) = files.first() else { return Ok(()) };
    let dir = folder_of(first);
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let folder = File::open(dir).with_context(|| format!("opening {}", dir.display()))?;
    wait_for_lock(&folder, &first.display().to_string())?;
    for (path, bytes) in files {
        if folder_of(path) != dir {
            bail!("{} is not in the folder of {}", path.display(), first.display());
        }
        match bytes {
            Some(bytes) => atomic_write(path, bytes),
            None => remove_if_present(path),
        }
        .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Creates `rel` under `root` holding `bytes`, atomically and only if it does not exist yet: the
/// whole content appears at once, and `Ok(false)` says another process created it first.
pub(crate) fn create_new(root: &Path, rel: &str, bytes: &[u8]) -> Result<bool> {
    let path = root.join(rel);
    let dir = folder_of(&path);
    let write = || -> std::io::Result<tempfile::NamedTempFile> {
        let mut temp = tempfile::Builder::new()
            .prefix(".pins-new.")
            .suffix(TEMP_SUFFIX)
            .tempfile_in(dir)?;
        temp.write_all(bytes)?;
        temp.as_file().set_permissions(Permissions::from_mode(0o644))?;
        temp.as_file().sync_all()?;
        Ok(temp)
    };
    let temp = write().with_context(|| format!("writing {rel}; nothing was changed"))?;
    match temp.persist_noclobber(&path) {
        Ok(_) => {
            File::open(dir)?.sync_all().with_context(|| format!("writing {rel}"))?;
            Ok(true)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error).with_context(|| format!("creating {rel}; nothing was changed")),
    }
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => Ok(other?),
    }
}

fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let meta = std::fs::metadata(path).ok();
    let dir = folder_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    fault("before-temp-write")?;
    temp.write_all(bytes)?;
    fault("after-temp-write")?;
    // A new file is readable by all (a record is no secret); a replaced one keeps its mode.
    let mode = meta.as_ref().map_or(0o644, MetadataExt::mode);
    temp.as_file().set_permissions(Permissions::from_mode(mode))?;
    if let Some(meta) = meta {
        // Keep the owner when we are allowed to (root in CI); otherwise the file becomes ours.
        let _ = std::os::unix::fs::fchown(temp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    temp.as_file().sync_all()?;
    fault("before-rename")?;
    temp.persist(path).map_err(|e| e.error)?;
    fault("after-rename")?;
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// A test hook: `PINS_FAULT=STEP` kills the process at that step of a write (`abort`), or
/// simulates a full disk (`enospc`). Compiled into debug builds only.
fn fault(step: &str) -> std::io::Result<()> {
    if cfg!(debug_assertions) {
        if let Ok(wanted) = std::env::var("PINS_FAULT") {
            if wanted == step {
                std::process::abort();
            }
            if wanted == "enospc" && step == "after-temp-write" {
                return Err(std::io::Error::from_raw_os_error(28));
            }
        }
    }
    Ok(())
}

/// A unified diff of a planned change, for `--dry-run`.
pub(crate) fn preview(rel: &str, old: &str, new: &str) -> String {
    unified_diff(old, new, &format!("a/{rel}"), &format!("b/{rel}"))
}

/// A unified diff of two texts with file headers.
pub(crate) fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

/// A whole file written to a temporary file beside its place, not yet in it: several files are
/// staged first and committed together, so that a failure (a folder that cannot be made, a full
/// disk) leaves none of them half-done.
#[derive(Debug)]
pub(crate) struct Staged {
    temp: tempfile::NamedTempFile,
    dir: PathBuf,
    path: PathBuf,
    rel: String,
}

/// Stages `bytes` as the whole new content of `rel` under `root`, creating its folder; a
/// replaced file keeps its permissions.
pub(crate) fn stage(root: &Path, rel: &str, bytes: &[u8]) -> Result<Staged> {
    let joined = root.join(rel);
    let parent = joined.parent().unwrap_or(root);
    std::fs::create_dir_all(parent).with_context(|| format!("creating the folder of {rel}"))?;
    let folder = parent.strip_prefix(root).unwrap_or(Path::new(""));
    let dir = contained(root, &folder.to_string_lossy()).with_context(|| format!("{rel} cannot be written"))?;
    let path = dir.join(joined.file_name().unwrap_or_default());
    let mode = std::fs::metadata(&path).map_or(0o644, |m| m.mode());
    let write = || -> std::io::Result<tempfile::NamedTempFile> {
        let mut temp = tempfile::Builder::new()
            .prefix(".pins-new.")
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&dir)?;
        temp.write_all(bytes)?;
        temp.as_file().set_permissions(Permissions::from_mode(mode))?;
        temp.as_file().sync_all()?;
        Ok(temp)
    };
    let temp = write().with_context(|| format!("writing {rel}; nothing was changed"))?;
    Ok(Staged {
        temp,
        dir,
        path,
        rel: rel.to_string(),
    })
}

impl Staged {
    /// Moves the staged file into its place (rename, then fsync of the folder).
    pub(crate) fn commit(self) -> Result<()> {
        let rel = self.rel;
        self.temp
            .persist(&self.path)
            .map_err(|e| e.error)
            .with_context(|| format!("writing {rel}"))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("writing {rel}"))
    }
}

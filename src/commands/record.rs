//! `pins record ENV`: write a release record after ENV's deploy and tests passed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::commands::artifacts::{artifact_records, pinned_at};
use crate::commands::{print, Ctx};
use crate::record::{ArtifactRecord, Record};
use crate::repo::Repo;
use crate::resolve::{resolve, Effective};
use crate::source::git;
use crate::Outcome;

/// Arguments of `pins record`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The environment that was deployed and tested.
    env: String,
    /// Where to write the record (default: .pins/records/ENV.json in the repository).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also record each artifact's content digest (SHA-256 of its bytes), for `verify --artifacts`.
    #[arg(long)]
    artifacts: bool,
}

/// Writes the record.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let env = repo.environment(&args.env)?;
    let effective = resolve(&repo, env)?;
    let commit = git(repo.root(), &["rev-parse", "--verify", "--quiet", "HEAD"])
        .ok()
        .filter(|c| !c.is_empty());
    let dirty = commit
        .as_ref()
        .and_then(|_| git(repo.root(), &["status", "--porcelain", "--untracked-files=no"]).ok())
        .map(|s| !s.is_empty());
    let mut record = Record::new(&env.name, &effective.pins, commit, dirty, std::time::SystemTime::now());
    if args.artifacts {
        record = record.with_artifacts(tested_artifacts(&repo, &effective)?);
    }
    let out = args
        .out
        .unwrap_or_else(|| repo.root().join(repo.records_dir()).join(format!("{}.json", env.name)));
    let mut text = serde_json::to_string_pretty(&record)?;
    text.push('\n');
    write_new(&out, text.as_bytes()).with_context(|| format!("writing the record {}", out.display()))?;
    let state = match (record.commit.as_deref(), record.dirty) {
        (Some(c), Some(true)) => format!("commit {} with uncommitted changes", short(c)),
        (Some(c), _) => format!("commit {}", short(c)),
        (None, _) => "no git commit".into(),
    };
    let artifacts = record
        .artifacts
        .as_ref()
        .map(|a| format!(" and {} artifact digests", a.len()))
        .unwrap_or_default();
    print(&format!(
        "recorded {}: {} pins{artifacts}, {}, {state} → {}\n",
        env.name,
        record.pins.len(),
        record.digest,
        out.display()
    ))?;
    Ok(Outcome::Clean)
}

/// The content of every artifact of the environment; a missing one cannot have been tested.
fn tested_artifacts(repo: &Repo, effective: &Effective) -> Result<BTreeMap<String, ArtifactRecord>> {
    let (found, missing) = artifact_records(repo, effective)?;
    if !missing.is_empty() {
        let lines: Vec<String> = missing
            .iter()
            .map(|a| {
                format!(
                    "{}: {} {} is not at {}",
                    pinned_at(&a.pin),
                    a.pin.name,
                    a.pin.version,
                    a.location
                )
            })
            .collect();
        bail!(
            "cannot record the artifacts of {}: {} missing (nothing written)\n  {}",
            effective.environment.name,
            missing.len(),
            lines.join("\n  ")
        );
    }
    Ok(found)
}

/// The first 12 characters of a commit id.
pub fn short(commit: &str) -> String {
    commit.chars().take(12).collect()
}

/// Writes a file atomically, creating its folder.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::Builder::new().prefix(".record.").tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

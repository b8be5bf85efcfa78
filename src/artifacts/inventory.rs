//! An environment's artifacts: where each pin's build lives, whether it is there, and its
//! content, as `pins artifacts`, `record --artifacts` and `verify --artifacts` need them.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Serialize;

use super::store::{block_on, each, Content, Hashed, Meta, Stores};
use super::{locate, require, Artifact};
use crate::record::ArtifactRecord;
use crate::repo::Repo;
use crate::resolve::{check_versions, resolve, Effective, Pin};

/// An environment's effective values and its artifacts.
pub(crate) struct EnvArtifacts {
    pub effective: Effective,
    pub artifacts: Vec<Artifact>,
}

/// Resolves `name` in `repo` and locates its pins' artifacts with its own data.
pub(crate) fn env_artifacts(repo: &Repo, name: &str) -> Result<EnvArtifacts> {
    let settings = require(repo.artifacts())?;
    let effective = resolve(repo, repo.environment(name)?)?;
    check_versions(&effective, repo.policy())?;
    let artifacts = locate(settings, repo.root(), &effective.pins, &effective)?;
    Ok(EnvArtifacts { effective, artifacts })
}

/// What a HEAD request says of every artifact: `None` when it does not exist.
pub(crate) fn heads(repo: &Repo, artifacts: &[Artifact]) -> Result<Vec<Option<Meta>>> {
    let stores = Stores::new(
        require(repo.artifacts())?,
        artifacts.iter().map(|a| &a.location),
        &process_env,
    )?;
    block_on(each(artifacts.iter().map(|a| stores.head(&a.location))))?
        .into_iter()
        .collect()
}

/// Every artifact of `effective` (located with its own data), its content and how its hash was
/// obtained (the store's SHA-256 checksum where it keeps one, unless `download`); `None` when the
/// object does not exist.
pub(crate) fn contents(repo: &Repo, effective: &Effective, download: bool) -> Result<Vec<(Artifact, Option<Hashed>)>> {
    let settings = require(repo.artifacts())?;
    let artifacts = locate(settings, repo.root(), &effective.pins, effective)?;
    let stores = Stores::new(settings, artifacts.iter().map(|a| &a.location), &process_env)?;
    let contents = block_on(each(artifacts.iter().map(|a| stores.digest(&a.location, download))))?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(artifacts.into_iter().zip(contents).collect())
}

/// The artifacts of `effective` that exist, as a release record holds them (keyed by pin id), and
/// the ones that do not.
pub(crate) fn artifact_records(
    repo: &Repo,
    effective: &Effective,
    download: bool,
) -> Result<(BTreeMap<String, ArtifactRecord>, Vec<Artifact>)> {
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for (artifact, content) in contents(repo, effective, download)? {
        match content {
            Some(c) => {
                found.insert(artifact.pin.id(), record_of(&artifact, c));
            }
            None => missing.push(artifact),
        }
    }
    Ok((found, missing))
}

fn record_of(artifact: &Artifact, (content, by): Hashed) -> ArtifactRecord {
    ArtifactRecord {
        version: artifact.pin.version.to_string(),
        location: artifact.location.to_string(),
        sha256: content.sha256,
        size: content.size,
        sha256_by: Some(by.as_str().to_string()),
    }
}

/// The process environment, as the stores read it.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The content of every artifact of the environment, for a release record; a missing one cannot
/// have been tested, so it is an error that lists every missing artifact.
pub(crate) fn tested_artifacts(
    repo: &Repo,
    effective: &Effective,
    download: bool,
) -> Result<BTreeMap<String, ArtifactRecord>> {
    let (found, missing) = artifact_records(repo, effective, download)?;
    if missing.is_empty() {
        return Ok(found);
    }
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
    )
}

/// `file:line:col` of the value that pins `pin`.
pub(crate) fn pinned_at(pin: &Pin) -> String {
    format!("{}:{}", pin.origin.file, pin.origin.position)
}

/// One artifact that is not what was tested.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ArtifactFinding {
    pub pin: String,
    pub version: String,
    pub location: String,
    /// `missing`, `content-differs` or `untested`.
    pub kind: &'static str,
    pub message: String,
    pub pinned_at: String,
}

/// Compares the content of every artifact `effective` would deploy with the tested one. A pin
/// whose version differs is left to the pin comparison, which reports it already.
pub(crate) fn content_findings(
    repo: &Repo,
    effective: &Effective,
    tested: &BTreeMap<String, ArtifactRecord>,
    tested_label: &str,
    download: bool,
) -> Result<Vec<ArtifactFinding>> {
    let mut findings = Vec::new();
    for (artifact, content) in contents(repo, effective, download)? {
        let content = content.map(|(c, _)| c);
        let tested_one = tested.get(&artifact.pin.id());
        if tested_one.is_some_and(|t| t.version != *artifact.pin.version) {
            continue;
        }
        if let Some((kind, message)) = judge(&artifact, tested_one, content, tested_label) {
            findings.push(ArtifactFinding {
                pin: artifact.pin.name.to_string(),
                version: artifact.pin.version.to_string(),
                location: artifact.location.to_string(),
                kind,
                message,
                pinned_at: pinned_at(&artifact.pin),
            });
        }
    }
    Ok(findings)
}

fn judge(
    artifact: &Artifact,
    tested: Option<&ArtifactRecord>,
    content: Option<Content>,
    tested_label: &str,
) -> Option<(&'static str, String)> {
    let (pin, at) = (&artifact.pin, &artifact.location);
    match (tested, content) {
        (None, _) => Some((
            "untested",
            format!("artifact of {} {} at {at} was not tested in {tested_label}", pin.name, pin.version),
        )),
        (Some(_), None) => Some((
            "missing",
            format!("artifact of {} {} is missing: nothing at {at}", pin.name, pin.version),
        )),
        (Some(t), Some(c)) if c.sha256 != t.sha256 => Some((
            "content-differs",
            format!(
                "artifact of {} {} differs from the one tested in {tested_label}: {at} has sha256 {} ({} bytes), the tested {} had {} ({} bytes); same version, different bytes",
                pin.name, pin.version, c.sha256, c.size, t.location, t.sha256, t.size
            ),
        )),
        (Some(_), Some(_)) => None,
    }
}

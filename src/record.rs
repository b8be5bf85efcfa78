//! Release records: an environment's effective pins after its deploy and tests passed, with a
//! digest over a canonical encoding. The digest is not keyed: it catches an accidental or careless
//! edit, not a deliberate one (whoever edits a record can recompute it); signing is what proves
//! who wrote a record.
//!
//! Canonical encoding: the pins as a compact JSON array of `[id, version]` pairs sorted by id
//! (`[["artifact_versions.lambda-x","1.4.2"],["frontend_version","v3.1.4"]]`, UTF-8, no
//! whitespace); the digest is `sha256:` and the lowercase hex SHA-256 of those bytes.
//!
//! A record written with `--artifacts` also holds each artifact's location and content digest;
//! its canonical encoding is then the array `[PINS, ARTIFACTS]`, PINS as above and ARTIFACTS the
//! `[id, version, location, sha256, size]` arrays sorted by id
//! (`[[["a","1.0.0"]],[["a","1.0.0","s3://prod-code/a/a-1.0.0.zip","9f86…",4]]]`).

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::resolve::{Origin, Pin};
use crate::tfvars::{Position, Str};

/// The format tag every record carries.
pub const FORMAT: &str = "pins-record/1";

/// A release record as stored in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub format: String,
    pub environment: String,
    /// Pin id (`variable` or `variable.key`) → version.
    pub pins: BTreeMap<String, String>,
    /// Pin id → the artifact that was tested (only in records written with `--artifacts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<BTreeMap<String, ArtifactRecord>>,
    pub digest: String,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
    pub recorded_at: String,
    /// Promotions into this environment that a person let past its promotion rules
    /// (`promote --override REASON`) for versions this record holds. Signed with the record; not
    /// part of the digest, which covers the pins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

/// One promotion let past the promotion rules by `promote --override REASON`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Pin id (`variable` or `variable.key`) and the version promoted.
    pub pin: String,
    pub version: String,
    /// The environment it was promoted from.
    pub from: String,
    pub reason: String,
    /// The rules it did not pass, in words.
    pub rules: Vec<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// One tested artifact: where it was and what its bytes hashed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactRecord {
    pub version: String,
    pub location: String,
    /// Lowercase hex SHA-256 of the artifact's bytes.
    pub sha256: String,
    pub size: u64,
    /// How `sha256` was obtained: `checksum` (the store's SHA-256 checksum) or `download` (pins
    /// hashed the bytes). Informational: not part of the canonical encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256_by: Option<String>,
}

/// The digest of a set of pins and, if recorded, artifacts (see the module documentation).
pub fn digest(pins: &BTreeMap<String, String>, artifacts: Option<&BTreeMap<String, ArtifactRecord>>) -> String {
    let pairs: Vec<[&str; 2]> = pins.iter().map(|(k, v)| [k.as_str(), v.as_str()]).collect();
    let canonical = match artifacts {
        None => serde_json::to_string(&pairs),
        Some(artifacts) => {
            let rows: Vec<(&str, &str, &str, &str, u64)> = artifacts
                .iter()
                .map(|(id, a)| {
                    (
                        id.as_str(),
                        a.version.as_str(),
                        a.location.as_str(),
                        a.sha256.as_str(),
                        a.size,
                    )
                })
                .collect();
            serde_json::to_string(&(pairs, rows))
        }
    }
    .unwrap_or_default();
    let hash = Sha256::digest(canonical.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

impl Record {
    /// A record of `pins` for `environment`.
    pub fn new(
        environment: &str,
        pins: &[Pin],
        commit: Option<String>,
        dirty: Option<bool>,
        now: std::time::SystemTime,
    ) -> Record {
        let pins: BTreeMap<String, String> = pins.iter().map(|p| (p.id(), p.version.to_string())).collect();
        Record {
            format: FORMAT.into(),
            environment: environment.into(),
            digest: digest(&pins, None),
            pins,
            artifacts: None,
            commit,
            dirty,
            recorded_at: humantime::format_rfc3339_seconds(now).to_string(),
            overrides: Vec::new(),
        }
    }

    /// The record with the tested artifacts added (and the digest covering them).
    pub fn with_artifacts(mut self, artifacts: BTreeMap<String, ArtifactRecord>) -> Record {
        self.digest = digest(&self.pins, Some(&artifacts));
        self.artifacts = Some(artifacts);
        self
    }

    /// Reads a record and checks its format and digest; a mismatch means it was edited.
    pub fn parse(file: &str, text: &str) -> Result<Record> {
        let record: Record =
            serde_json::from_str(text).with_context(|| format!("{file} is not a pins release record"))?;
        if record.format != FORMAT {
            bail!("{file}: unknown record format `{}` (expected {FORMAT})", record.format);
        }
        let actual = digest(&record.pins, record.artifacts.as_ref());
        if record.digest != actual {
            bail!("{file}: digest mismatch: the record says {} but its pins and artifacts hash to {actual}; the record was edited after it was written, do not trust it", record.digest);
        }
        Ok(record)
    }

    /// The first 12 characters of the recorded commit, or `without commit`.
    pub fn short_commit(&self) -> String {
        self.commit.as_deref().map_or("without commit".to_string(), short)
    }

    /// The recorded pins as pins (with no source position).
    pub fn to_pins(&self) -> Vec<Pin> {
        let file: Str = "record".into();
        self.pins
            .iter()
            .map(|(id, version)| {
                let (variable, key): (Str, Option<Str>) = match id.split_once('.') {
                    // Keys as Terraform holds them (NFC), whoever wrote the record.
                    Some((v, k)) => (v.into(), Some(crate::tfvars::nfc(k.to_string()))),
                    None => (id.as_str().into(), None),
                };
                let origin = Origin {
                    file: file.clone(),
                    position: Position { line: 0, col: 0 },
                };
                let name = key.clone().unwrap_or_else(|| variable.clone());
                Pin {
                    name,
                    variable,
                    key,
                    version: crate::tfvars::nfc(version.clone()),
                    origin,
                }
            })
            .collect()
    }
}

/// The first 12 characters of a commit id.
pub fn short(commit: &str) -> String {
    commit.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_stable_and_documented() {
        let pins: BTreeMap<String, String> = [
            ("b".to_string(), "2.0.0".to_string()),
            ("a.x".to_string(), "1.0.0".to_string()),
        ]
        .into();
        // sha256 of [["a.x","1.0.0"],["b","2.0.0"]]
        let expected = Sha256::digest(br#"[["a.x","1.0.0"],["b","2.0.0"]]"#);
        let hex: String = expected.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest(&pins, None), format!("sha256:{hex}"));
    }

    #[test]
    fn artifact_digest_is_documented_and_covers_content() {
        let pins: BTreeMap<String, String> = [("a".to_string(), "1.0.0".to_string())].into();
        let artifact = ArtifactRecord {
            version: "1.0.0".into(),
            location: "s3://prod-code/a/a-1.0.0.zip".into(),
            sha256: "9f86".into(),
            size: 4,
            sha256_by: Some("checksum".into()),
        };
        let artifacts: BTreeMap<String, ArtifactRecord> = [("a".to_string(), artifact.clone())].into();
        let expected = Sha256::digest(br#"[[["a","1.0.0"]],[["a","1.0.0","s3://prod-code/a/a-1.0.0.zip","9f86",4]]]"#);
        let hex: String = expected.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest(&pins, Some(&artifacts)), format!("sha256:{hex}"));
        let other = ArtifactRecord {
            sha256: "9f87".into(),
            ..artifact
        };
        let changed: BTreeMap<String, ArtifactRecord> = [("a".to_string(), other)].into();
        assert_ne!(digest(&pins, Some(&artifacts)), digest(&pins, Some(&changed)));
        assert_ne!(digest(&pins, Some(&artifacts)), digest(&pins, None));
    }
}

//! Release records: an environment's effective pins after its deploy and tests passed, with a
//! digest over a canonical encoding so that a record cannot be edited unnoticed.
//!
//! Canonical encoding: the pins as a compact JSON array of `[id, version]` pairs sorted by id
//! (`[["artifact_versions.lambda-x","1.4.2"],["frontend_version","v3.1.4"]]`, UTF-8, no
//! whitespace); the digest is `sha256:` and the lowercase hex SHA-256 of those bytes.

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
    pub digest: String,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
    pub recorded_at: String,
}

/// The digest of a set of pins (see the module documentation).
pub fn digest(pins: &BTreeMap<String, String>) -> String {
    let pairs: Vec<[&str; 2]> = pins.iter().map(|(k, v)| [k.as_str(), v.as_str()]).collect();
    let canonical = serde_json::to_string(&pairs).unwrap_or_default();
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
            digest: digest(&pins),
            pins,
            commit,
            dirty,
            recorded_at: humantime::format_rfc3339_seconds(now).to_string(),
        }
    }

    /// Reads a record and checks its format and digest; a mismatch means it was edited.
    pub fn parse(file: &str, text: &str) -> Result<Record> {
        let record: Record =
            serde_json::from_str(text).with_context(|| format!("{file} is not a pins release record"))?;
        if record.format != FORMAT {
            bail!("{file}: unknown record format `{}` (expected {FORMAT})", record.format);
        }
        let actual = digest(&record.pins);
        if record.digest != actual {
            bail!("{file}: digest mismatch: the record says {} but its pins hash to {actual}; the record was edited after it was written, do not trust it", record.digest);
        }
        Ok(record)
    }

    /// The recorded pins as pins (with no source position).
    pub fn to_pins(&self) -> Vec<Pin> {
        let file: Str = "record".into();
        self.pins
            .iter()
            .map(|(id, version)| {
                let (variable, key): (Str, Option<Str>) = match id.split_once('.') {
                    Some((v, k)) => (v.into(), Some(k.into())),
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
                    version: version.as_str().into(),
                    origin,
                }
            })
            .collect()
    }
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
        assert_eq!(digest(&pins), format!("sha256:{hex}"));
    }
}

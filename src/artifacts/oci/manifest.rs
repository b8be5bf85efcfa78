//! Manifests and digests: the four formats a registry may hold under a tag (Docker v2 schema 2,
//! Docker manifest list, OCI image manifest, OCI index), what each refers to, and the check that
//! bytes are what their digest says.

use std::fmt;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// The `Accept` header of every manifest request: the four formats pins can copy.
pub(crate) const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// The largest manifest pins reads (containerd's limit): a manifest is metadata, not a layer.
pub(crate) const MAX_MANIFEST: usize = 4 << 20;

/// A `sha256:<64 hex>` content digest; other algorithms are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Digest(String);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Digest {
    /// Parses `sha256:…`.
    pub(crate) fn parse(text: &str) -> Result<Digest> {
        let Some(hex) = text.strip_prefix("sha256:") else {
            bail!("`{text}` is not a sha256 digest (pins copies sha256-addressed content only)");
        };
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            bail!("`{text}` is not a sha256 digest (64 lowercase hex digits after `sha256:`)");
        }
        Ok(Digest(text.to_string()))
    }

    /// The digest of `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> Digest {
        Digest(format!(
            "sha256:{}",
            crate::artifacts::store::hex(&Sha256::digest(bytes))
        ))
    }

    /// The digest of a finished hash.
    pub(crate) fn from_hash(hash: Sha256) -> Digest {
        Digest(format!("sha256:{}", crate::artifacts::store::hex(&hash.finalize())))
    }

    /// The 64 hex digits.
    pub(crate) fn hex(&self) -> &str {
        self.0.strip_prefix("sha256:").unwrap_or(&self.0)
    }
}

/// A reference from one manifest to a blob or another manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    #[serde(deserialize_with = "digest")]
    pub digest: Digest,
    pub size: u64,
    /// Foreign layers (Windows base layers) live at these URLs, not in the registry.
    #[serde(default)]
    pub urls: Vec<String>,
}

fn digest<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Digest, D::Error> {
    let text = String::deserialize(d)?;
    Digest::parse(&text).map_err(serde::de::Error::custom)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    schema_version: Option<u32>,
    media_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    manifests: Option<Vec<Descriptor>>,
}

/// What a manifest refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refs {
    /// An image: its config and layers (foreign layers left out: they are not in the registry).
    Image(Vec<Descriptor>),
    /// An index or manifest list: one manifest per platform.
    Index(Vec<Descriptor>),
}

/// A manifest's bytes, as the registry sent them, and its media type.
#[derive(Debug, Clone)]
pub(crate) struct Manifest {
    pub bytes: bytes::Bytes,
    pub media_type: String,
    pub digest: Digest,
}

impl Manifest {
    /// Checks `bytes` against the digest the registry announced (`Docker-Content-Digest`) and the
    /// one it was asked for, and takes the media type from `Content-Type`, else from the JSON.
    pub(crate) fn verified(
        bytes: bytes::Bytes,
        content_type: Option<&str>,
        announced: Option<&str>,
        wanted: Option<&Digest>,
        what: &str,
    ) -> Result<Manifest> {
        let digest = Digest::of(&bytes);
        for claimed in announced
            .into_iter()
            .map(str::to_string)
            .chain(wanted.map(Digest::to_string))
        {
            if claimed != digest.to_string() {
                bail!("the manifest of {what} does not match its digest: the registry says {claimed}, its {} bytes hash to {digest}; nothing was copied", bytes.len());
            }
        }
        let declared = serde_json::from_slice::<Raw>(&bytes)
            .ok()
            .and_then(|raw| raw.media_type);
        let media_type = content_type
            .map(|c| c.split(';').next().unwrap_or(c).trim().to_string())
            .filter(|c| is_manifest(c))
            .or(declared)
            .unwrap_or_default();
        Ok(Manifest {
            bytes,
            media_type,
            digest,
        })
    }

    /// The blobs or platform manifests this manifest refers to.
    pub(crate) fn refs(&self, what: &str) -> Result<Refs> {
        let raw: Raw = serde_json::from_slice(&self.bytes)
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("the manifest of {what} is not a valid manifest"))?;
        if raw.schema_version != Some(2) {
            bail!(
                "the manifest of {what} has schemaVersion {:?}; pins copies schema 2 manifests and OCI manifests only",
                raw.schema_version
            );
        }
        match (self.media_type.as_str(), raw.manifests, raw.config) {
            (OCI_INDEX | DOCKER_LIST, Some(manifests), _) => Ok(Refs::Index(manifests)),
            (OCI_MANIFEST | DOCKER_MANIFEST, None, Some(config)) => {
                let layers = raw.layers.into_iter().filter(|l| l.urls.is_empty());
                Ok(Refs::Image(std::iter::once(config).chain(layers).collect()))
            }
            ("", ..) => bail!("the manifest of {what} has no media type (neither Content-Type nor `mediaType`)"),
            (other, ..) if !is_manifest(other) => {
                bail!("the manifest of {what} has the media type `{other}`, which pins cannot copy")
            }
            (other, ..) => bail!("the manifest of {what} says it is `{other}` but its fields are another kind's"),
        }
    }
}

/// Whether `media_type` is one of the four manifest formats.
pub(crate) fn is_manifest(media_type: &str) -> bool {
    [DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX].contains(&media_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(json: &str, content_type: &str) -> Manifest {
        Manifest::verified(
            bytes::Bytes::from(json.to_string()),
            Some(content_type),
            None,
            None,
            "x",
        )
        .unwrap()
    }

    const D: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn an_image_refers_to_its_config_and_layers_but_not_foreign_ones() {
        let json = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"digest":"{D}","size":2}},"layers":[{{"digest":"{D}","size":3}},{{"digest":"{D}","size":4,"urls":["https://x"]}}]}}"#
        );
        let Refs::Image(blobs) = manifest(&json, OCI_MANIFEST).refs("x").unwrap() else {
            panic!("not an image")
        };
        assert_eq!(blobs.iter().map(|b| b.size).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn an_index_refers_to_its_manifests_and_the_media_type_may_come_from_the_json() {
        let json =
            format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"digest":"{D}","size":9}}]}}"#);
        let m = manifest(&json, "application/json");
        assert_eq!(m.media_type, OCI_INDEX);
        assert!(matches!(m.refs("x").unwrap(), Refs::Index(list) if list.len() == 1));
    }

    #[test]
    fn bytes_that_do_not_match_the_digest_are_refused() {
        let e = Manifest::verified(bytes::Bytes::from_static(b"{}"), None, Some(D), None, "oci://r/a:1").unwrap_err();
        assert!(e.to_string().contains("does not match its digest"), "{e}");
    }

    #[test]
    fn bad_manifests_are_refused() {
        for (json, content_type) in [
            ("not json", OCI_MANIFEST),
            (r#"{"schemaVersion":1}"#, OCI_MANIFEST),
            (r#"{"schemaVersion":2,"manifests":[]}"#, "text/plain"),
            (
                r#"{"schemaVersion":2,"config":{"digest":"md5:x","size":1}}"#,
                OCI_MANIFEST,
            ),
            (r#"{"schemaVersion":2,"manifests":[]}"#, OCI_MANIFEST),
        ] {
            assert!(manifest(json, content_type).refs("x").is_err(), "{json}");
        }
    }
}

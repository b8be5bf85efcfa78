//! The registries behind a set of locations, as [`crate::artifacts::store::Stores`] uses them:
//! one client per registry (so one token cache, and blob mounts within it), and the answers in
//! the shapes the other stores give (a manifest's digest is its content's SHA-256).

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};

use super::client::Registry;
use super::copy::{self, Mode, Outcome};
use super::manifest::Digest;
use super::Reference;
use crate::artifacts::s3::WriteMode;
use crate::artifacts::settings::Settings;
use crate::artifacts::store::{Content, Copied, Meta, Method};
use crate::artifacts::Location;

/// One client per registry.
#[derive(Default)]
pub(crate) struct Registries {
    clients: HashMap<String, Registry>,
}

impl Registries {
    /// A client for every registry in `locations`, with its store block's settings.
    pub(crate) fn new<'a>(
        settings: &Settings,
        locations: impl IntoIterator<Item = &'a Location>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Registries> {
        let mut clients = HashMap::new();
        for location in locations {
            let Location::Oci(reference) = location else { continue };
            if clients.contains_key(&reference.registry) {
                continue;
            }
            let config = settings.registry(&reference.registry).cloned().unwrap_or_default();
            let allow_http = config.allow_http.unwrap_or(false);
            let client = Registry::new(&reference.registry, allow_http, config.env_prefix.as_deref(), env)?;
            clients.insert(reference.registry.clone(), client);
        }
        Ok(Registries { clients })
    }

    fn client(&self, reference: &Reference) -> Result<&Registry> {
        self.clients
            .get(&reference.registry)
            .ok_or_else(|| anyhow!("internal: no client configured for {}", reference.registry))
    }

    /// The manifest's size and digest (as ETag and SHA-256), or `None` when the tag is unknown.
    pub(crate) async fn head(&self, reference: &Reference) -> Result<Option<Meta>> {
        let head = self
            .client(reference)?
            .head_manifest(&reference.repository, &reference.tag)
            .await?;
        Ok(head.map(|(digest, size)| meta(&digest, size)))
    }

    /// Reads the manifest and checks it against its digest, or `None` when the tag is unknown.
    pub(crate) async fn content(&self, reference: &Reference) -> Result<Option<Content>> {
        let manifest = self
            .client(reference)?
            .get_manifest(&reference.repository, &reference.tag, None)
            .await?;
        Ok(manifest.map(|m| Content {
            sha256: m.digest.hex().to_string(),
            size: m.bytes.len() as u64,
        }))
    }

    /// Every tag of the reference's repository (its tag is ignored).
    pub(crate) async fn tags(&self, reference: &Reference) -> Result<Vec<String>> {
        self.client(reference)?.tags(&reference.repository).await
    }

    /// Promotes the image at `from` (planned as `source`) to `to` under `mode`.
    pub(crate) async fn copy(
        &self,
        from: &Reference,
        source: &Meta,
        to: &Reference,
        mode: &WriteMode,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Copied> {
        let expected = source.e_tag.as_deref().map(Digest::parse).transpose()?;
        let mode = match mode {
            WriteMode::Create => Mode::Create,
            WriteMode::Replace(digest) => Mode::Replace(Digest::parse(digest)?),
        };
        let (src, dst) = (self.client(from)?, self.client(to)?);
        match copy::copy((src, from), (dst, to), expected.as_ref(), &mode, progress).await? {
            Outcome::Taken => Ok(Copied::Taken),
            Outcome::Done { digest, size, streamed } => Ok(Copied::Done {
                method: if streamed { Method::Stream } else { Method::Server },
                sha256: Some(digest.hex().to_string()),
                size,
            }),
        }
    }
}

fn meta(digest: &Digest, size: u64) -> Meta {
    Meta {
        size,
        e_tag: Some(digest.to_string()),
        sha256: Some(digest.hex().to_string()),
    }
}

/// Refuses a copy between an image and an object: neither side could hold the other.
pub(crate) fn check_pair(from: &Location, to: &Location) -> Result<()> {
    if matches!(from, Location::Oci(_)) != matches!(to, Location::Oci(_)) {
        bail!("cannot promote {from} to {to}: an image is promoted only from a registry to a registry");
    }
    Ok(())
}

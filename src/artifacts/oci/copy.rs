//! Promoting an image between registries or repositories as `skopeo copy --all` does: every
//! blob (config and layers) of the image, or of every platform of an index, then the platform
//! manifests by digest, then the manifest under the tag, last, so that the tag never names
//! anything incomplete. Manifests are pushed as the exact bytes read, so the digest is kept;
//! blobs the target already holds are skipped, and a blob within one registry is mounted rather
//! than sent. Every manifest and blob is checked against its digest while it is copied: bytes that
//! do not match stop the copy before anything is tagged.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Result};
use futures::{StreamExt as _, TryStreamExt as _};
use sha2::{Digest as _, Sha256};

use super::client::{Registry, Upload};
use super::manifest::{Descriptor, Digest, Manifest, Refs};
use super::Reference;

/// Blobs copied at once.
const BLOBS_AT_ONCE: usize = 4;
/// How deep indexes may nest (an index of indexes is legal but rare).
const MAX_DEPTH: usize = 3;

/// What the target tag may hold when the manifest is pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Nothing.
    Create,
    /// The manifest with this digest, which `--force` replaces.
    Replace(Digest),
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Tagged: the manifest's digest and size, and whether any blob's bytes passed through pins
    /// (rather than all being present already or mounted).
    Done { digest: Digest, size: u64, streamed: bool },
    /// The tag was taken (or changed) by another writer before the manifest was pushed.
    Taken,
}

/// The manifests and blobs of an image, gathered and checked before anything is written.
#[derive(Default)]
struct Plan {
    children: Vec<Manifest>,
    blobs: BTreeMap<Digest, Descriptor>,
}

/// Copies the image `from` (in `src`) to `to` (in `dst`). `expected` is the manifest digest the
/// promotion was planned with: a source that changed since is refused.
pub(crate) async fn copy(
    (src, from): (&Registry, &Reference),
    (dst, to): (&Registry, &Reference),
    expected: Option<&Digest>,
    mode: &Mode,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome> {
    let top = src
        .get_manifest(&from.repository, &from.tag, None)
        .await?
        .ok_or_else(|| anyhow!("{from} is gone since it was compared; run again"))?;
    if let Some(expected) = expected.filter(|e| **e != top.digest) {
        bail!(
            "{from} changed since it was compared (it was {expected}, it is {}); run again",
            top.digest
        );
    }
    let mut plan = Plan::default();
    gather(src, from, &top, &from.to_string(), 0, &mut plan).await?;
    let streamed = copy_blobs((src, from), (dst, to), &plan, progress).await?;
    for child in &plan.children {
        dst.put_manifest(&to.repository, &child.digest.to_string(), child)
            .await?;
    }
    let current = dst.head_manifest(&to.repository, &to.tag).await?.map(|(d, _)| d);
    let taken = match (mode, &current) {
        (_, None) => false,
        (Mode::Create, Some(_)) => true,
        (Mode::Replace(old), Some(now)) => now != old && *now != top.digest,
    };
    if taken {
        return Ok(Outcome::Taken);
    }
    dst.put_manifest(&to.repository, &to.tag, &top).await?;
    Ok(Outcome::Done {
        size: top.bytes.len() as u64,
        digest: top.digest,
        streamed,
    })
}

/// Collects what `manifest` refers to: its blobs, or for an index each platform's manifest
/// (read by digest and checked against it) and that manifest's blobs.
async fn gather(
    src: &Registry,
    from: &Reference,
    manifest: &Manifest,
    what: &str,
    depth: usize,
    plan: &mut Plan,
) -> Result<()> {
    match manifest.refs(what)? {
        Refs::Image(blobs) => {
            plan.blobs.extend(blobs.into_iter().map(|b| (b.digest.clone(), b)));
        }
        Refs::Index(_) if depth >= MAX_DEPTH => bail!("{what}: indexes nest more than {MAX_DEPTH} deep"),
        Refs::Index(manifests) => {
            for entry in manifests {
                let child_what = format!("oci://{}/{}@{}", src.name, from.repository, entry.digest);
                let child = src
                    .get_manifest(&from.repository, &entry.digest.to_string(), Some(&entry.digest))
                    .await?
                    .ok_or_else(|| {
                        anyhow!(
                            "{what} lists the manifest {}, which is not in the registry",
                            entry.digest
                        )
                    })?;
                if child.bytes.len() as u64 != entry.size {
                    bail!(
                        "{what} lists {} as {} bytes, but it has {}",
                        entry.digest,
                        entry.size,
                        child.bytes.len()
                    );
                }
                Box::pin(gather(src, from, &child, &child_what, depth + 1, plan)).await?;
                plan.children.push(child);
            }
        }
    }
    Ok(())
}

/// Copies every blob the target lacks, a few at once; whether any was streamed through pins.
async fn copy_blobs(
    from: (&Registry, &Reference),
    to: (&Registry, &Reference),
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<bool> {
    let done = AtomicU64::new(0);
    let streamed = AtomicBool::new(false);
    let (done, streamed) = (&done, &streamed);
    futures::stream::iter(plan.blobs.values())
        .map(|blob| async move {
            let sent = copy_blob(from, to, blob).await?;
            streamed.fetch_or(sent, Ordering::Relaxed);
            progress(done.fetch_add(blob.size, Ordering::Relaxed) + blob.size);
            Ok::<_, anyhow::Error>(())
        })
        .buffer_unordered(BLOBS_AT_ONCE)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(streamed.load(Ordering::Relaxed))
}

/// Copies one blob unless the target has it: mounted within one registry, else streamed from
/// the source to a monolithic upload. Whether its bytes went through pins.
async fn copy_blob(
    (src, from): (&Registry, &Reference),
    (dst, to): (&Registry, &Reference),
    blob: &Descriptor,
) -> Result<bool> {
    if dst.has_blob(&to.repository, &blob.digest).await? {
        return Ok(false);
    }
    let same_registry = std::ptr::eq(src, dst);
    let mount = same_registry.then_some((&blob.digest, from.repository.as_str()));
    let at = match dst.start_upload(&to.repository, mount).await? {
        Upload::Mounted => return Ok(false),
        Upload::At(at) => at,
    };
    let response = src.get_blob(&from.repository, &blob.digest).await?;
    let what = format!("the blob {} of {from}", blob.digest);
    let verdict = Arc::new(Mutex::new(None::<String>));
    let body = checked(response.bytes_stream(), blob.clone(), what.clone(), verdict.clone());
    let sent = dst
        .finish_upload(
            &to.repository,
            &at,
            &blob.digest,
            blob.size,
            reqwest::Body::wrap_stream(body),
        )
        .await;
    if let Some(why) = verdict.lock().ok().and_then(|v| v.clone()) {
        bail!("{why}; nothing was tagged");
    }
    sent.map(|()| true)
}

/// The blob's bytes as they are sent on, hashed on the way: the last chunk is withheld, and the
/// upload fails, when the bytes do not match the descriptor's digest and size.
fn checked(
    stream: impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send + 'static,
    blob: Descriptor,
    what: String,
    verdict: Arc<Mutex<Option<String>>>,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    let mut hash = Sha256::new();
    let mut size = 0u64;
    stream.map(move |chunk| {
        let chunk = chunk.map_err(std::io::Error::other)?;
        size += chunk.len() as u64;
        hash.update(&chunk);
        let problem = if size > blob.size {
            Some(format!(
                "{what} has more than the {} bytes its manifest lists",
                blob.size
            ))
        } else if size == blob.size {
            let digest = Digest::from_hash(hash.clone());
            (digest != blob.digest).then(|| format!("{what} does not match its digest: its bytes hash to {digest}"))
        } else {
            None
        };
        match problem {
            Some(why) => {
                if let Ok(mut v) = verdict.lock() {
                    *v = Some(why.clone());
                }
                Err(std::io::Error::other(why))
            }
            None => Ok(chunk),
        }
    })
}

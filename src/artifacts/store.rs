//! Reading, hashing and copying artifacts: S3 (any S3-compatible endpoint) and local files.
//! Reads go through `object_store`; writes to S3, server-side copies and checksum lookups through
//! [`super::s3`]. Every store a command needs is configured before the first request, so a
//! missing credential or a bad endpoint stops the command before anything is read or copied.
//!
//! A write never replaces what it did not compare: a copy creates the target only if the key is
//! free, and `--force` replaces only the object whose ETag was compared. A write that fails leaves
//! no object at the target (a multipart upload is aborted; a crash leaves its parts to the
//! bucket's lifecycle rule).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Seek, SeekFrom};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, GetResult, GetResultPayload, ObjectStore, ObjectStoreExt, RetryConfig,
};
use sha2::{Digest as _, Sha256};

use super::oci::registries::{self, Registries};
use super::s3::{self, Bucket, Connection, WriteMode, Written};
use super::settings::Settings;
use super::Location;
use crate::config::StoreConfig;

/// How many requests run at once when many artifacts are looked at.
pub(crate) const CONCURRENCY: usize = 16;

/// What a HEAD request tells about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Meta {
    pub size: u64,
    pub e_tag: Option<String>,
    /// The SHA-256 (hex) of the bytes, when the store vouches for it (an S3 checksum).
    pub sha256: Option<String>,
}

/// How the SHA-256 of an artifact was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum HashedBy {
    /// The store's own SHA-256 checksum of the object (S3 checked it when the object was written).
    Checksum,
    /// pins read the bytes and hashed them.
    Download,
}

impl HashedBy {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HashedBy::Checksum => "checksum",
            HashedBy::Download => "download",
        }
    }
}

/// An object's content and how its hash was obtained.
pub(crate) type Hashed = (Content, HashedBy);

/// How a copy moved the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Method {
    /// S3 copied them (UploadPartCopy): source and target share endpoint and credentials.
    Server,
    /// pins read them from the source and wrote them to the target.
    Stream,
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Copied {
    /// Written and checked: how, the SHA-256 when known, and the size.
    Done {
        method: Method,
        sha256: Option<String>,
        size: u64,
    },
    /// Another writer created the target first; nothing was written.
    Taken,
}

/// The content of an object: SHA-256 of its bytes (lowercase hex) and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    pub sha256: String,
    pub size: u64,
}

/// The stores behind a set of locations, configured up front.
pub(crate) struct Stores {
    s3: HashMap<String, (Arc<AmazonS3>, Bucket)>,
    /// Per bucket, whether it answered as an S3 bucket: asked once, the first time an object in it
    /// is not found, so that a wrong endpoint answering 404 to everything is not taken for
    /// missing artifacts.
    probed: HashMap<String, tokio::sync::OnceCell<Result<(), String>>>,
    local: Arc<dyn ObjectStore>,
    oci: Registries,
}

impl Stores {
    /// Configures a store for every bucket in `locations`; `env` reads environment variables.
    pub(crate) fn new<'a>(
        settings: &Settings,
        locations: impl IntoIterator<Item = &'a Location>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Stores> {
        let locations: Vec<&Location> = locations.into_iter().collect();
        let buckets = locations.iter().filter_map(|location| match location {
            Location::S3 { bucket, .. } => Some(bucket.as_str()),
            Location::File { .. } | Location::Oci(_) => None,
        });
        let mut stores = Stores::for_buckets(settings, buckets, env)?;
        stores.oci = Registries::new(settings, locations.iter().copied(), env)?;
        Ok(stores)
    }

    /// Configures a store for every bucket named in `buckets` (and the local file system).
    pub(crate) fn for_buckets<'a>(
        settings: &Settings,
        buckets: impl IntoIterator<Item = &'a str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Stores> {
        let mut s3 = HashMap::new();
        for bucket in buckets {
            if !s3.contains_key(bucket) {
                let config = settings.store(bucket).cloned().unwrap_or_default();
                s3.insert(bucket.to_string(), s3_store(bucket, &config, env)?);
            }
        }
        let probed = s3.keys().map(|b| (b.clone(), tokio::sync::OnceCell::new())).collect();
        Ok(Stores {
            s3,
            probed,
            local: Arc::new(LocalFileSystem::new()),
            oci: Registries::default(),
        })
    }

    fn object(&self, location: &Location) -> Result<(&dyn ObjectStore, ObjectPath)> {
        match location {
            Location::S3 { bucket, key } => {
                let (store, _) = self
                    .s3
                    .get(bucket)
                    .ok_or_else(|| anyhow!("internal: no store configured for s3://{bucket}"))?;
                let path = ObjectPath::parse(key).with_context(|| format!("{location} is not a valid object key"))?;
                Ok((store.as_ref(), path))
            }
            Location::File { path } => {
                let path = ObjectPath::from_absolute_path(path)
                    .with_context(|| format!("{location} is not a usable file path"))?;
                Ok((self.local.as_ref(), path))
            }
            Location::Oci(_) => bail!("internal: {location} is an image, not an object"),
        }
    }

    /// The `object_store` client of the bucket `name`, for listings.
    pub(crate) fn lister(&self, name: &str) -> Result<&AmazonS3> {
        self.s3
            .get(name)
            .map(|(s, _)| s.as_ref())
            .ok_or_else(|| anyhow!("internal: no store configured for s3://{name}"))
    }

    fn bucket(&self, name: &str) -> Result<&Bucket> {
        self.s3
            .get(name)
            .map(|(_, b)| b)
            .ok_or_else(|| anyhow!("internal: no store configured for s3://{name}"))
    }

    /// The object's size, ETag and checksum, or `None` when it does not exist.
    pub(crate) async fn head(&self, location: &Location) -> Result<Option<Meta>> {
        if let Location::Oci(reference) = location {
            return self.oci.head(reference).await;
        }
        if let Location::S3 { bucket, key } = location {
            return match self.bucket(bucket)?.head(key).await? {
                Some(head) => Ok(Some(Meta {
                    size: head.size,
                    sha256: head.sha256(),
                    e_tag: head.e_tag,
                })),
                None => self.confirm_missing(location).await.map(|_| None),
            };
        }
        let (store, path) = self.object(location)?;
        match store.head(&path).await {
            Ok(meta) => Ok(Some(Meta {
                size: meta.size,
                e_tag: meta.e_tag,
                sha256: None,
            })),
            Err(object_store::Error::NotFound { .. }) => self.confirm_missing(location).await.map(|_| None),
            Err(e) => Err(anyhow!(e)).with_context(|| format!("looking up {location}")),
        }
    }

    /// The object's content and how its hash was obtained, or `None` when it does not exist: the
    /// store's SHA-256 checksum when it has one and `download` is false, else the bytes hashed.
    pub(crate) async fn digest(&self, location: &Location, download: bool) -> Result<Option<Hashed>> {
        if !download {
            if let Location::S3 { .. } | Location::Oci(_) = location {
                match self.head(location).await? {
                    None => return Ok(None),
                    Some(Meta {
                        sha256: Some(sha256),
                        size,
                        ..
                    }) => return Ok(Some((Content { sha256, size }, HashedBy::Checksum))),
                    Some(_) => {}
                }
            }
        }
        Ok(self.content(location).await?.map(|c| (c, HashedBy::Download)))
    }

    /// Reads the whole object and hashes it, or `None` when it does not exist.
    pub(crate) async fn content(&self, location: &Location) -> Result<Option<Content>> {
        if let Location::Oci(reference) = location {
            return self.oci.content(reference).await;
        }
        let (store, path) = self.object(location)?;
        let result = match store.get(&path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return self.confirm_missing(location).await.map(|_| None),
            Err(e) => return Err(anyhow!(e)).with_context(|| format!("reading {location}")),
        };
        let mut stream = byte_stream(result);
        let mut hash = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.with_context(|| format!("reading {location}"))?;
            size += chunk.len() as u64;
            hash.update(&chunk);
        }
        Ok(Some(Content {
            sha256: hex(&hash.finalize()),
            size,
        }))
    }

    /// Adds a client for the registry of every `oci://` location in `images`.
    pub(crate) fn with_registries(
        mut self,
        settings: &Settings,
        images: &[Location],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Stores> {
        self.oci = Registries::new(settings, images, env)?;
        Ok(self)
    }

    /// Every tag of an `oci://` location's repository, for discovery (`pins outdated`).
    pub(crate) async fn list_tags(&self, location: &Location) -> Result<Vec<String>> {
        match location {
            Location::Oci(reference) => self.oci.tags(reference).await,
            _ => bail!("internal: {location} is not in a registry"),
        }
    }

    /// Makes sure "not found" means the object is missing, not that the bucket is gone or the
    /// endpoint is not S3: the bucket must answer a listing of the object's folder.
    async fn confirm_missing(&self, location: &Location) -> Result<()> {
        let Location::S3 { bucket, key } = location else {
            return Ok(());
        };
        let (Some((store, _)), Some(cell)) = (self.s3.get(bucket), self.probed.get(bucket)) else {
            return Ok(());
        };
        let folder = key.rsplit_once('/').map(|(dir, _)| dir).unwrap_or_default();
        let probe = cell
            .get_or_init(|| async {
                let prefix = (!folder.is_empty()).then(|| ObjectPath::from(folder));
                match store.list_with_delimiter(prefix.as_ref()).await {
                    Ok(_) => Ok(()),
                    Err(e) => Err(crate::error_chain(&anyhow!(e))),
                }
            })
            .await;
        match probe {
            Ok(()) => Ok(()),
            Err(why) => bail!(
                "{location} was not found, and s3://{bucket} does not answer as an S3 bucket either (wrong endpoint or bucket name?)\n  caused by: {why}"
            ),
        }
    }

    /// Whether two existing objects hold the same bytes: different sizes never do; two SHA-256
    /// checksums, or two plain S3 ETags (an MD5 of the bytes, for objects not uploaded in parts),
    /// settle it without a download; otherwise both are read and hashed.
    pub(crate) async fn same_content(&self, a: &Location, a_meta: &Meta, b: &Location, b_meta: &Meta) -> Result<bool> {
        if a_meta.size != b_meta.size {
            return Ok(false);
        }
        if let (Some(x), Some(y)) = (&a_meta.sha256, &b_meta.sha256) {
            return Ok(x == y);
        }
        if let (Location::S3 { .. }, Location::S3 { .. }, Some(x), Some(y)) =
            (a, b, md5_e_tag(a_meta), md5_e_tag(b_meta))
        {
            return Ok(x == y);
        }
        let (x, y) = futures::try_join!(self.content(a), self.content(b))?;
        Ok(x.is_some() && x == y)
    }

    /// Copies `from` (described by `source`, as planned) to `to` under `mode`: on the server when
    /// both are S3 buckets with one identity and the copy can be checked without reading it,
    /// else streamed through this process. Calls `progress` with the bytes copied so far.
    pub(crate) async fn copy(
        &self,
        from: &Location,
        source: &Meta,
        to: &Location,
        mode: &WriteMode,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Copied> {
        registries::check_pair(from, to)?;
        if let (Location::Oci(a), Location::Oci(b)) = (from, to) {
            return self.oci.copy(a, source, b, mode, progress).await;
        }
        if let (Location::S3 { bucket: a, key: ak }, Location::S3 { bucket: b, key: bk }) = (from, to) {
            let (source_bucket, target_bucket) = (self.bucket(a)?, self.bucket(b)?);
            let checkable = source.sha256.is_some() || md5_e_tag(source).is_some();
            if source_bucket.identity == target_bucket.identity && source.size <= s3::COPY_MAX && checkable {
                let copied = self
                    .server_copy((source_bucket, ak), source, (target_bucket, bk), mode)
                    .await?;
                progress(source.size);
                return Ok(copied);
            }
        }
        let stream = self.read(from).await?;
        let written = match to {
            Location::S3 { bucket, key } => {
                self.bucket(bucket)?
                    .upload(key, stream, source.size, mode, progress)
                    .await?
            }
            Location::File { path } => write_file(path, stream, source.size, mode, progress).await?,
            Location::Oci(_) => bail!("internal: {to} is an image, not an object"),
        };
        let Written::Done { sha256, size, e_tag } = written else {
            return Ok(Copied::Taken);
        };
        let target = self.head(to).await?;
        check_ours(to, e_tag.as_deref(), target.as_ref().and_then(|m| m.e_tag.as_deref()))?;
        let stored = target.as_ref().map(|m| m.size);
        if stored != Some(size) {
            bail!("copied {size} bytes to {to}, but the store reports {stored:?}; the copy is not trustworthy");
        }
        if let Some(theirs) = target.and_then(|m| m.sha256) {
            if theirs != sha256 {
                bail!("copied bytes with sha256 {sha256} to {to}, but the store's checksum is {theirs}");
            }
        }
        Ok(Copied::Done {
            method: Method::Stream,
            sha256: Some(sha256),
            size,
        })
    }

    /// A server-side copy, checked: the SHA-256 S3 computed of the copy must be the source's, or,
    /// for a source without one, the copy's ETag must be the source's MD5 ETag. A copy that fails
    /// its check is deleted.
    async fn server_copy(
        &self,
        (source_bucket, source_key): (&Bucket, &str),
        source: &Meta,
        (target_bucket, target_key): (&Bucket, &str),
        mode: &WriteMode,
    ) -> Result<Copied> {
        let to = Location::S3 {
            bucket: target_bucket.name().to_string(),
            key: target_key.to_string(),
        };
        let copied = target_bucket
            .copy_object(target_key, source_bucket, source_key, source.e_tag.as_deref(), mode)
            .await?;
        let (written, target) = match (copied, target_bucket.head(target_key).await?) {
            (Some(written), Some(target)) => (written, target),
            (None, Some(_)) => return Ok(Copied::Taken),
            (_, None) => bail!(
                "nothing is at {to} after copying s3://{}/{source_key} there: the source changed since it was compared; run again",
                source_bucket.name()
            ),
        };
        check_ours(&to, written.as_deref(), target.e_tag.as_deref())?;
        let problem = if target.size != source.size {
            Some(format!("{} bytes instead of {}", target.size, source.size))
        } else if let Some(wanted) = &source.sha256 {
            (target.sha256().as_ref() != Some(wanted)).then(|| format!("its SHA-256 checksum is not {wanted}"))
        } else {
            let (found, wanted) = (target.e_tag.as_deref(), source.e_tag.as_deref());
            (found.map(|e| e.trim_matches('"')) != wanted.map(|e| e.trim_matches('"')))
                .then(|| format!("its ETag is {found:?}, the source's {wanted:?}"))
        };
        if let Some(problem) = problem {
            if let Some(e_tag) = &target.e_tag {
                let _ = target_bucket.delete_if(target_key, e_tag).await;
            }
            bail!("the server-side copy to {to} failed its check ({problem}); it was deleted");
        }
        Ok(Copied::Done {
            method: Method::Server,
            sha256: target.sha256(),
            size: target.size,
        })
    }

    /// The object's bytes as a stream of chunks.
    async fn read(&self, from: &Location) -> Result<BoxStream<'static, Result<Bytes>>> {
        let (source, path) = self.object(from)?;
        let result = source.get(&path).await.with_context(|| format!("reading {from}"))?;
        let what = from.to_string();
        Ok(byte_stream(result)
            .map(move |chunk| chunk.with_context(|| format!("reading {what}")))
            .boxed())
    }
}

/// After a write: the object at `to` must be the one written (same ETag). Another one means a
/// second writer replaced it at once, which a store with atomic conditional writes never allows.
fn check_ours(to: &Location, written: Option<&str>, found: Option<&str>) -> Result<()> {
    if let (Some(written), Some(found)) = (written, found) {
        if written.trim_matches('"') != found.trim_matches('"') {
            bail!("another writer replaced {to} right after this copy created it (the store did not apply the conditional write atomically); its content now differs from what was written, compare and promote again");
        }
    }
    Ok(())
}

/// Writes a local file as a copy does: into a temporary file beside it, then linked into place
/// only if the name is free (or renamed over it for `--force`), so no reader ever sees part of it.
async fn write_file(
    path: &std::path::Path,
    mut stream: BoxStream<'_, Result<Bytes>>,
    size: u64,
    mode: &WriteMode,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Written> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .ok_or_else(|| anyhow!("{} has no folder", path.display()))?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".pins-copy-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    let mut hash = Sha256::new();
    let mut done = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hash.update(&chunk);
        temp.write_all(&chunk)
            .with_context(|| format!("writing {}", path.display()))?;
        done += chunk.len() as u64;
        progress(done);
    }
    if done != size {
        bail!("read {done} bytes but the source holds {size}: the source changed or the read was cut short; nothing was written");
    }
    temp.as_file()
        .sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    match mode {
        WriteMode::Create => match std::fs::hard_link(temp.path(), path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(Written::Taken),
            Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
        },
        WriteMode::Replace(_) => {
            temp.persist(path)
                .with_context(|| format!("replacing {}", path.display()))?;
        }
    }
    Ok(Written::Done {
        sha256: hex(&hash.finalize()),
        size,
        e_tag: None,
    })
}

/// The object's bytes as a stream: a local file in 1 MiB reads (object_store's own stream of a
/// file reads 8 KiB per task, which made hashing a large local artifact twice as slow), anything
/// else as the store streams it.
fn byte_stream(result: GetResult) -> BoxStream<'static, object_store::Result<Bytes>> {
    const CHUNK: usize = 1 << 20;
    let range = result.range.clone();
    match result.payload {
        GetResultPayload::File(mut file, _) => {
            let start = file.seek(SeekFrom::Start(range.start));
            let reader = start.map(|_| file.take(range.end.saturating_sub(range.start)));
            futures::stream::unfold(Some(reader), |state| async move {
                let mut reader = match state? {
                    Ok(reader) => reader,
                    Err(e) => return Some((Err(local_error(e)), None)),
                };
                let mut chunk = Vec::with_capacity(CHUNK);
                match (&mut reader).take(CHUNK as u64).read_to_end(&mut chunk) {
                    Ok(0) => None,
                    Ok(_) => Some((Ok(Bytes::from(chunk)), Some(Ok(reader)))),
                    Err(e) => Some((Err(local_error(e)), None)),
                }
            })
            .boxed()
        }
        GetResultPayload::Stream(stream) => stream,
    }
}

fn local_error(e: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "LocalFileSystem",
        source: Box::new(e),
    }
}

/// The ETag when it is a plain MD5 of the bytes (32 hex digits, not a multipart `…-N`).
fn md5_e_tag(meta: &Meta) -> Option<&str> {
    let tag = meta.e_tag.as_deref()?.trim_matches('"');
    (tag.len() == 32 && tag.chars().all(|c| c.is_ascii_hexdigit())).then_some(tag)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses an endpoint that is not an http(s) URL, or plain http without `allow_http`.
pub(crate) fn check_endpoint(store: &str, endpoint: &str, allow_http: bool) -> Result<()> {
    if endpoint.starts_with("https://") && endpoint.len() > "https://".len() {
        return Ok(());
    }
    if endpoint.starts_with("http://") && endpoint.len() > "http://".len() {
        if allow_http {
            return Ok(());
        }
        bail!("{store}: endpoint `{endpoint}` is plain http; set allow_http = true in its store block (or AWS_ALLOW_HTTP=true) if that is intended");
    }
    bail!("{store}: endpoint `{endpoint}` is not an http:// or https:// URL")
}

/// An S3 store for `bucket`: pins.hcl's store block first, then the `AWS_*` variables (read with
/// the block's `env_prefix`). Without keys, only an explicit `instance_credentials = true` lets
/// the instance or container role be asked, so a missing secret fails at once instead of after a
/// metadata-service timeout.
fn s3_store(
    bucket: &str,
    config: &StoreConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Arc<AmazonS3>, Bucket)> {
    let name = format!("s3://{bucket}");
    let prefix = env_prefix(bucket, config, env);
    let var = |key: &str| env(&format!("{prefix}{key}")).filter(|v| !v.is_empty());
    let allow_http = config
        .allow_http
        .unwrap_or_else(|| var("AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true")));
    let region = config
        .region
        .clone()
        .or_else(|| var("AWS_REGION"))
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".into());
    let timeout = request_timeout(env)?;
    let options = ClientOptions::new()
        .with_allow_http(allow_http)
        .with_connect_timeout(Duration::from_secs(5).min(timeout))
        .with_read_timeout(timeout)
        .with_timeout(Duration::from_secs(15 * 60));
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: Duration::from_secs(30),
    };
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&region)
        .with_client_options(options.clone())
        .with_retry(retry);
    let endpoint = config
        .endpoint
        .clone()
        .or_else(|| var("AWS_ENDPOINT_URL"))
        .or_else(|| var("AWS_ENDPOINT"));
    if let Some(endpoint) = &endpoint {
        check_endpoint(&name, endpoint, allow_http)?;
        builder = builder.with_endpoint(endpoint);
    }
    let vars = |key: &str| format!("{prefix}{key}");
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            builder = builder.with_access_key_id(&id).with_secret_access_key(secret);
            if let Some(token) = var("AWS_SESSION_TOKEN") {
                builder = builder.with_token(token);
            }
        }
        (Some(_), None) => bail!("{name}: {} is set but {} is not", vars("AWS_ACCESS_KEY_ID"), vars("AWS_SECRET_ACCESS_KEY")),
        (None, Some(_)) => bail!("{name}: {} is set but {} is not", vars("AWS_SECRET_ACCESS_KEY"), vars("AWS_ACCESS_KEY_ID")),
        (None, None) if config.instance_credentials => {}
        (None, None) => bail!(
            "{name}: no credentials: set {} and {}{}, or set instance_credentials = true in pins.hcl's store \"{name}\" block to use the instance or container role",
            vars("AWS_ACCESS_KEY_ID"),
            vars("AWS_SECRET_ACCESS_KEY"),
            if prefix.is_empty() { String::new() } else { format!(" (this store reads its variables with the prefix {prefix})") }
        ),
    }
    let store = builder.build().with_context(|| format!("configuring {name}"))?;
    let connection = Connection {
        endpoint,
        region,
        options: options.with_timeout(timeout),
        timeout,
        part: part_size(env)?,
    };
    let key_id = var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "instance role".into());
    let raw = Bucket::new(bucket, &connection, Arc::clone(store.credentials()), &key_id)?;
    Ok((Arc::new(store), raw))
}

/// The part size of multipart uploads: `PINS_S3_PART_MIB` (5 to 5120, S3's limits), 16 MiB by
/// default.
fn part_size(env: &dyn Fn(&str) -> Option<String>) -> Result<usize> {
    match env("PINS_S3_PART_MIB").filter(|v| !v.is_empty()) {
        None => Ok(s3::PART),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (5..=5120).contains(n))
            .map(|n| n << 20)
            .ok_or_else(|| anyhow!("PINS_S3_PART_MIB=`{text}` is not a part size in MiB from 5 to 5120")),
    }
}

/// How long one S3 request may take, and how long a read may wait for the next bytes:
/// `PINS_S3_TIMEOUT` (`30s`, `2m`), 5 minutes by default.
fn request_timeout(env: &dyn Fn(&str) -> Option<String>) -> Result<Duration> {
    match env("PINS_S3_TIMEOUT").filter(|v| !v.is_empty()) {
        None => Ok(Duration::from_secs(300)),
        Some(text) => humantime::parse_duration(&text)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| anyhow!("PINS_S3_TIMEOUT=`{text}` is not a duration like `30s` or `2m`")),
    }
}

/// The variables read by a store.
const VARIABLES: [&str; 8] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ALLOW_HTTP",
];

/// The prefix of a store's variables: pins.hcl's `env_prefix`; else `PINS_<BUCKET>_` (the bucket
/// upper-cased, `-` and `.` as `_`: `PINS_PROD_CODE_AWS_ACCESS_KEY_ID`) when any such variable is
/// set, so a second account can be configured from the CI's environment alone; else none.
fn env_prefix(bucket: &str, config: &StoreConfig, env: &dyn Fn(&str) -> Option<String>) -> String {
    if let Some(prefix) = &config.env_prefix {
        return prefix.clone();
    }
    let own = format!("PINS_{}_", bucket.to_ascii_uppercase().replace(['-', '.'], "_"));
    if VARIABLES
        .iter()
        .any(|v| env(&format!("{own}{v}")).is_some_and(|x| !x.is_empty()))
    {
        own
    } else {
        String::new()
    }
}

/// A runtime on this thread for store work. One per command: the stores' HTTP connections belong
/// to the runtime they were opened on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the I/O runtime")
}

/// Runs async store work to completion on a runtime of its own.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output> {
    Ok(runtime()?.block_on(future))
}

/// Runs `futures` at most [`CONCURRENCY`] at once; results in their order.
pub(crate) async fn each<Fut: Future>(futures: impl IntoIterator<Item = Fut>) -> Vec<Fut::Output> {
    futures::stream::iter(futures).buffered(CONCURRENCY).collect().await
}

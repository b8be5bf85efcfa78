//! Reading, hashing and copying artifacts through `object_store`: S3 (any S3-compatible endpoint)
//! and local files. Every store a command needs is configured before the first request, so a
//! missing credential or a bad endpoint stops the command before anything is read or copied.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Seek, SeekFrom};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, GetResult, GetResultPayload, ObjectStore, ObjectStoreExt, RetryConfig,
};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt;

use super::settings::Settings;
use super::Location;
use crate::config::StoreConfig;

/// How many requests run at once when many artifacts are looked at.
pub const CONCURRENCY: usize = 16;

/// What a HEAD request tells about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub size: u64,
    pub e_tag: Option<String>,
}

/// The content of an object: SHA-256 of its bytes (lowercase hex) and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub sha256: String,
    pub size: u64,
}

/// The stores behind a set of locations, configured up front.
pub struct Stores {
    s3: HashMap<String, Arc<dyn ObjectStore>>,
    /// Per bucket, whether it answered as an S3 bucket: asked once, the first time an object in it
    /// is not found, so that a wrong endpoint answering 404 to everything is not taken for
    /// missing artifacts.
    probed: HashMap<String, tokio::sync::OnceCell<Result<(), String>>>,
    local: Arc<dyn ObjectStore>,
}

impl Stores {
    /// Configures a store for every bucket in `locations`; `env` reads environment variables.
    pub fn new<'a>(
        settings: &Settings,
        locations: impl IntoIterator<Item = &'a Location>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Stores> {
        let mut s3 = HashMap::new();
        for location in locations {
            if let Location::S3 { bucket, .. } = location {
                if !s3.contains_key(bucket) {
                    let config = settings.store(bucket).cloned().unwrap_or_default();
                    s3.insert(bucket.clone(), s3_store(bucket, &config, env)?);
                }
            }
        }
        let probed = s3.keys().map(|b| (b.clone(), tokio::sync::OnceCell::new())).collect();
        Ok(Stores {
            s3,
            probed,
            local: Arc::new(LocalFileSystem::new()),
        })
    }

    fn object(&self, location: &Location) -> Result<(&Arc<dyn ObjectStore>, ObjectPath)> {
        match location {
            Location::S3 { bucket, key } => {
                let store = self
                    .s3
                    .get(bucket)
                    .ok_or_else(|| anyhow!("internal: no store configured for s3://{bucket}"))?;
                let path = ObjectPath::parse(key).with_context(|| format!("{location} is not a valid object key"))?;
                Ok((store, path))
            }
            Location::File { path } => {
                let path = ObjectPath::from_absolute_path(path)
                    .with_context(|| format!("{location} is not a usable file path"))?;
                Ok((&self.local, path))
            }
        }
    }

    /// The object's size and ETag, or `None` when it does not exist.
    pub async fn head(&self, location: &Location) -> Result<Option<Meta>> {
        let (store, path) = self.object(location)?;
        match store.head(&path).await {
            Ok(meta) => Ok(Some(Meta {
                size: meta.size,
                e_tag: meta.e_tag,
            })),
            Err(object_store::Error::NotFound { .. }) => self.confirm_missing(location).await.map(|_| None),
            Err(e) => Err(anyhow!(e)).with_context(|| format!("looking up {location}")),
        }
    }

    /// Reads the whole object and hashes it, or `None` when it does not exist.
    pub async fn content(&self, location: &Location) -> Result<Option<Content>> {
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

    /// Makes sure "not found" means the object is missing, not that the bucket is gone or the
    /// endpoint is not S3: the bucket must answer a listing of the object's folder.
    async fn confirm_missing(&self, location: &Location) -> Result<()> {
        let Location::S3 { bucket, key } = location else {
            return Ok(());
        };
        let (Some(store), Some(cell)) = (self.s3.get(bucket), self.probed.get(bucket)) else {
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

    /// Whether two existing objects hold the same bytes: different sizes never do; two plain S3
    /// ETags (an MD5 of the bytes, for objects not uploaded in parts) settle it without a
    /// download; otherwise both are read and hashed.
    pub async fn same_content(&self, a: &Location, a_meta: &Meta, b: &Location, b_meta: &Meta) -> Result<bool> {
        if a_meta.size != b_meta.size {
            return Ok(false);
        }
        if let (Location::S3 { .. }, Location::S3 { .. }, Some(x), Some(y)) =
            (a, b, md5_e_tag(a_meta), md5_e_tag(b_meta))
        {
            return Ok(x == y);
        }
        let (x, y) = futures::try_join!(self.content(a), self.content(b))?;
        Ok(x.is_some() && x == y)
    }

    /// Streams `from` into `to` (in parts for large objects), calling `progress` with the bytes
    /// copied so far; returns the content copied. A failed copy leaves no object at `to`.
    pub async fn copy(&self, from: &Location, to: &Location, progress: &dyn Fn(u64)) -> Result<Content> {
        let (source, source_path) = self.object(from)?;
        let (target, target_path) = self.object(to)?;
        let result = source
            .get(&source_path)
            .await
            .with_context(|| format!("reading {from}"))?;
        let mut stream = byte_stream(result);
        // Up to 4 parts (10 MB each) in flight: memory stays bounded whatever the object size.
        let mut writer = BufWriter::new(Arc::clone(target), target_path).with_max_concurrency(4);
        let mut hash = Sha256::new();
        let mut size = 0u64;
        let copied: Result<()> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.with_context(|| format!("reading {from}"))?;
                size += chunk.len() as u64;
                hash.update(&chunk);
                writer.put(chunk).await.with_context(|| format!("writing {to}"))?;
                progress(size);
            }
            writer.shutdown().await.with_context(|| format!("writing {to}"))?;
            Ok(())
        }
        .await;
        if let Err(e) = copied {
            // Best effort: the upload is aborted so no partial object is left behind.
            let _ = writer.abort().await;
            return Err(e);
        }
        let written = self.head(to).await?.map(|m| m.size);
        if written != Some(size) {
            bail!("copied {size} bytes to {to}, but the store reports {written:?}; the copy is not trustworthy");
        }
        Ok(Content {
            sha256: hex(&hash.finalize()),
            size,
        })
    }
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses an endpoint that is not an http(s) URL, or plain http without `allow_http`.
pub fn check_endpoint(store: &str, endpoint: &str, allow_http: bool) -> Result<()> {
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
fn s3_store(bucket: &str, config: &StoreConfig, env: &dyn Fn(&str) -> Option<String>) -> Result<Arc<dyn ObjectStore>> {
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
    let options = ClientOptions::new()
        .with_allow_http(allow_http)
        .with_connect_timeout(Duration::from_secs(5))
        .with_timeout(Duration::from_secs(15 * 60));
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: Duration::from_secs(30),
    };
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(region)
        .with_client_options(options)
        .with_retry(retry);
    let endpoint = config
        .endpoint
        .clone()
        .or_else(|| var("AWS_ENDPOINT_URL"))
        .or_else(|| var("AWS_ENDPOINT"));
    if let Some(endpoint) = endpoint {
        check_endpoint(&name, &endpoint, allow_http)?;
        builder = builder.with_endpoint(endpoint);
    }
    let vars = |key: &str| format!("{prefix}{key}");
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret);
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
    Ok(Arc::new(store))
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
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the I/O runtime")
}

/// Runs async store work to completion on a runtime of its own.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    Ok(runtime()?.block_on(future))
}

/// Runs `futures` at most [`CONCURRENCY`] at once; results in their order.
pub async fn each<Fut: Future>(futures: impl IntoIterator<Item = Fut>) -> Vec<Fut::Output> {
    futures::stream::iter(futures).buffered(CONCURRENCY).collect().await
}

//! Raw S3 requests for what `object_store` does not offer: writes that carry a SHA-256 checksum
//! and create the object only if the key is free (`If-None-Match: *`, on a single PUT and on
//! the completion of a multipart upload), server-side copies between buckets (UploadPartCopy),
//! and checksum lookups (`x-amz-checksum-mode: ENABLED`).
//!
//! Requests are signed with object_store's SigV4 signer and sent through its HTTP client. Each
//! request has a timeout and is retried a bounded number of times, with backoff, after a
//! connection error, a timeout, a 5xx (SlowDown included) or S3's "200 with an error inside".

use std::sync::Mutex;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use http::{HeaderMap, Method, StatusCode};
use object_store::aws::{AwsAuthorizer, AwsCredentialProvider};
use object_store::client::{HttpClient, HttpConnector, HttpRequestBody, ReqwestConnector};
use object_store::ClientOptions;
use sha2::{Digest as _, Sha256};

/// The default part size of multipart uploads. Objects up to [`PARTS_IN_FLIGHT`] parts are
/// written with one PUT, so S3 keeps a SHA-256 of the whole object; larger ones in parts, at most
/// [`PARTS_IN_FLIGHT`] held at once.
pub(crate) const PART: usize = 16 << 20;
const PARTS_IN_FLIGHT: usize = 4;
/// The largest object one UploadPartCopy (and one CopyObject) may copy.
pub(crate) const COPY_MAX: u64 = 5 << 30;
/// How many times a failed request is retried.
pub(crate) const RETRIES: u32 = 4;

/// One bucket, reachable with one set of credentials.
#[derive(Debug)]
pub(crate) struct Bucket {
    name: String,
    base: String,
    region: String,
    credentials: AwsCredentialProvider,
    client: HttpClient,
    timeout: Duration,
    part: usize,
    /// Endpoint and access key: two buckets with the same identity can copy between each other.
    pub identity: String,
}

/// An S3 error answer that was not worth retrying, or still failed after the retries.
#[derive(Debug)]
pub(crate) struct S3Error {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for S3Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3 answered {} {}", self.status, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for S3Error {}

/// Whether `error` is S3 refusing a conditional write because the key is taken.
pub(crate) fn is_precondition(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<S3Error>())
        .any(|e| e.status == 412 || e.code == "PreconditionFailed")
}

/// How a write treats an existing object at the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// Only if the key is free (`If-None-Match: *`).
    Create,
    /// Only over the object with this ETag, the one that was compared (`If-Match`).
    Replace(String),
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// The object was written: the SHA-256 (hex) of its bytes, its size, and the ETag the store
    /// gave it (to tell it from an object another writer put there afterwards).
    Done {
        sha256: String,
        size: u64,
        e_tag: Option<String>,
    },
    /// The condition failed: another writer got there first. Nothing was written.
    Taken,
}

/// The SHA-256 checksum S3 keeps for an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Checksum {
    /// Of the whole object: the object's SHA-256.
    Full([u8; 32]),
    /// Of a multipart object: the SHA-256 of its parts' SHA-256s.
    Composite { digest: [u8; 32], parts: u32 },
}

/// What a HEAD with checksums tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub size: u64,
    pub e_tag: Option<String>,
    pub checksum: Option<Checksum>,
}

impl Head {
    /// The SHA-256 (hex) of the object's bytes, when S3 vouches for it: a whole-object checksum
    /// (a composite one, of a multipart upload's parts, does not tell it).
    pub(crate) fn sha256(&self) -> Option<String> {
        match &self.checksum {
            Some(Checksum::Full(digest)) => Some(hex(digest)),
            _ => None,
        }
    }
}

/// Settings shared by every bucket of a command.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub endpoint: Option<String>,
    pub region: String,
    pub options: ClientOptions,
    pub timeout: Duration,
    /// The part size of multipart uploads.
    pub part: usize,
}

impl Bucket {
    /// A bucket reached through `connection` as `key_id`.
    pub(crate) fn new(
        name: &str,
        connection: &Connection,
        credentials: AwsCredentialProvider,
        key_id: &str,
    ) -> Result<Bucket> {
        let base = connection
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", connection.region));
        let base = base.trim_end_matches('/').to_string();
        let client = ReqwestConnector::default()
            .connect(&connection.options)
            .with_context(|| format!("configuring s3://{name}"))?;
        Ok(Bucket {
            name: name.to_string(),
            identity: format!("{base} {} {key_id}", connection.region),
            base,
            region: connection.region.clone(),
            credentials,
            client,
            timeout: connection.timeout,
            part: connection.part,
        })
    }

    /// The bucket's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn url(&self, key: &str, query: &str) -> String {
        let mut url = format!("{}/{}/{}", self.base, self.name, encode(key, false));
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    /// Sends one request, retrying as the module documentation says.
    async fn send(&self, request: Req<'_>) -> Result<Reply> {
        let url = self.url(request.key, &request.query);
        let mut attempt = 0;
        loop {
            let reply = self.once(&request, &url).await;
            let retry = match &reply {
                Ok(r) => r.status.is_server_error() || (r.status == StatusCode::OK && r.body_is_error()),
                Err(_) => true,
            };
            if !retry || attempt == RETRIES {
                return match reply {
                    Ok(r) if r.status.is_success() && !r.body_is_error() => Ok(r),
                    Ok(r) => Err(anyhow!(r.error())),
                    Err(e) => Err(e),
                }
                .with_context(|| format!("{} s3://{}/{}", request.what, self.name, request.key));
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
    }

    async fn once(&self, request: &Req<'_>, url: &str) -> Result<Reply> {
        let mut builder = http::Request::builder().method(request.method.clone()).uri(url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let mut http_request = builder
            .body(HttpRequestBody::from(request.body.clone()))
            .context("building an S3 request")?;
        let credential = self
            .credentials
            .get_credential()
            .await
            .context("getting S3 credentials")?;
        AwsAuthorizer::new(&credential, "s3", &self.region)
            .try_authorize(&mut http_request, request.body_sha256.as_ref().map(|d| &d[..]))
            .context("signing an S3 request")?;
        let exchange = async {
            let response = self.client.execute(http_request).await?;
            let (parts, body) = response.into_parts();
            let body = body.bytes().await?;
            Ok::<_, object_store::client::HttpError>(Reply {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(reply) => Ok(reply?),
            Err(_) => bail!("no answer within {}", humantime::format_duration(self.timeout)),
        }
    }

    /// The object's size, ETag and checksum, or `None` when it does not exist.
    pub(crate) async fn head(&self, key: &str) -> Result<Option<Head>> {
        let mut request = Req::new("looking up", Method::HEAD, key);
        request.headers.push(("x-amz-checksum-mode", "ENABLED".into()));
        let reply = match self.send(request).await {
            Ok(reply) => reply,
            Err(e) if status_of(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(e),
        };
        let header = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let size = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let e_tag = header("etag");
        let checksum = header("x-amz-checksum-sha256")
            .and_then(|v| parse_checksum(&v, header("x-amz-checksum-type").as_deref(), e_tag.as_deref()));
        Ok(Some(Head { size, e_tag, checksum }))
    }

    /// Reads `source` to its end (it must hold `size` bytes) and writes it at `key`: one PUT up
    /// to [`PARTS_IN_FLIGHT`] parts, else a multipart upload that is aborted if anything fails.
    /// Every request carries the SHA-256 of its body, which S3 checks.
    pub(crate) async fn upload(
        &self,
        key: &str,
        source: BoxStream<'_, Result<Bytes>>,
        size: u64,
        mode: &WriteMode,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Written> {
        if size <= (self.part * PARTS_IN_FLIGHT) as u64 {
            let mut all = BytesMut::with_capacity(size as usize);
            let mut source = source;
            while let Some(chunk) = source.next().await {
                all.extend_from_slice(&chunk?);
                progress(all.len() as u64);
            }
            check_size(all.len() as u64, size)?;
            return self.put(key, all.freeze(), mode).await;
        }
        let upload = self.create_multipart(key).await?;
        let result = self.upload_parts(key, &upload, source, size, mode, progress).await;
        if !matches!(result, Ok(Written::Done { .. })) {
            // Best effort: a crash leaves the parts to the bucket's lifecycle rule instead.
            let _ = self.abort(key, &upload).await;
        }
        result
    }

    async fn upload_parts(
        &self,
        key: &str,
        upload: &str,
        source: BoxStream<'_, Result<Bytes>>,
        size: u64,
        mode: &WriteMode,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Written> {
        let tally = Mutex::new((Sha256::new(), 0u64));
        let parts = chunks(source, self.part, &tally)
            .enumerate()
            .map(|(i, part)| async move {
                let part = part?;
                let number = i as u32 + 1;
                let (e_tag, checksum) = self.upload_part(key, upload, number, part.clone()).await?;
                Ok::<_, anyhow::Error>((number, e_tag, Some(checksum), part.len() as u64))
            })
            .buffered(PARTS_IN_FLIGHT)
            .inspect_ok(|_| {
                if let Ok(t) = tally.lock() {
                    progress(t.1);
                }
            })
            .try_collect::<Vec<_>>()
            .await?;
        let (hash, read) = tally
            .into_inner()
            .map_err(|_| anyhow!("internal: a part upload panicked"))?;
        check_size(read, size)?;
        let parts: Vec<_> = parts.into_iter().map(|(n, e, c, _)| (n, e, c)).collect();
        match self.complete(key, upload, &parts, mode).await? {
            Some(e_tag) => Ok(Written::Done {
                sha256: hex(&hash.finalize()),
                size,
                e_tag,
            }),
            None => Ok(Written::Taken),
        }
    }

    /// One PUT with the body's SHA-256.
    async fn put(&self, key: &str, body: Bytes, mode: &WriteMode) -> Result<Written> {
        let digest: [u8; 32] = Sha256::digest(&body).into();
        let mut request = Req::new("writing", Method::PUT, key);
        request.headers.extend(checksum_headers(&digest));
        request.headers.push(condition(mode));
        request.body_sha256 = Some(digest);
        let size = body.len() as u64;
        request.body = body;
        match self.send(request).await {
            Ok(reply) => Ok(Written::Done {
                sha256: hex(&digest),
                size,
                e_tag: reply
                    .headers
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            }),
            Err(e) if is_precondition(&e) => Ok(Written::Taken),
            Err(e) => Err(e),
        }
    }

    async fn create_multipart(&self, key: &str) -> Result<String> {
        let mut request = Req::new("starting an upload to", Method::POST, key);
        request.query = "uploads=".into();
        request.headers.push(("x-amz-checksum-algorithm", "SHA256".into()));
        let reply = self.send(request).await?;
        tag(&reply.text(), "UploadId").map(|id| unescape(&id)).ok_or_else(|| {
            anyhow!(
                "S3 answered CreateMultipartUpload for s3://{}/{key} without an UploadId",
                self.name
            )
        })
    }

    /// Uploads one part; its ETag and its base64 SHA-256.
    async fn upload_part(&self, key: &str, upload: &str, number: u32, body: Bytes) -> Result<(String, String)> {
        let digest: [u8; 32] = Sha256::digest(&body).into();
        let mut request = Req::new("uploading a part of", Method::PUT, key);
        request.query = format!("partNumber={number}&uploadId={}", encode(upload, true));
        request.headers.extend(checksum_headers(&digest));
        request.body_sha256 = Some(digest);
        request.body = body;
        let reply = self.send(request).await?;
        let e_tag = reply
            .headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow!("S3 answered a part upload for s3://{}/{key} without an ETag", self.name))?;
        Ok((e_tag.to_string(), base64(&digest)))
    }

    /// Completes an upload: `Some` with the object's ETag (when S3 names it), `None` when the
    /// condition failed (the key is taken).
    async fn complete(
        &self,
        key: &str,
        upload: &str,
        parts: &[(u32, String, Option<String>)],
        mode: &WriteMode,
    ) -> Result<Option<Option<String>>> {
        let mut body = String::from("<CompleteMultipartUpload>");
        for (number, e_tag, checksum) in parts {
            body.push_str(&format!(
                "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag>",
                escape(e_tag)
            ));
            if let Some(c) = checksum {
                body.push_str(&format!("<ChecksumSHA256>{c}</ChecksumSHA256>"));
            }
            body.push_str("</Part>");
        }
        body.push_str("</CompleteMultipartUpload>");
        let mut request = Req::new("completing the upload of", Method::POST, key);
        request.query = format!("uploadId={}", encode(upload, true));
        request.headers.push(condition(mode));
        request.body = Bytes::from(body);
        match self.send(request).await {
            Ok(reply) => Ok(Some(tag(&reply.text(), "ETag").map(|e| unescape(&e)))),
            Err(e) if is_precondition(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn abort(&self, key: &str, upload: &str) -> Result<()> {
        let mut request = Req::new("aborting the upload of", Method::DELETE, key);
        request.query = format!("uploadId={}", encode(upload, true));
        self.send(request).await.map(|_| ())
    }

    /// Copies `source_key` of `source` (a bucket with the same identity) to `key` on the server
    /// (CopyObject, up to [`COPY_MAX`]) under `mode`, only while the source still has
    /// `source_e_tag`; S3 computes a SHA-256 of the whole copy. The new object's ETag, or `None`
    /// when a condition failed (the key is taken, or the source changed).
    pub(crate) async fn copy_object(
        &self,
        key: &str,
        source: &Bucket,
        source_key: &str,
        source_e_tag: Option<&str>,
        mode: &WriteMode,
    ) -> Result<Option<Option<String>>> {
        let mut request = Req::new("copying on the server to", Method::PUT, key);
        request.headers.push((
            "x-amz-copy-source",
            format!("/{}/{}", source.name, encode(source_key, false)),
        ));
        if let Some(e_tag) = source_e_tag {
            request.headers.push(("x-amz-copy-source-if-match", e_tag.to_string()));
        }
        request.headers.push(("x-amz-checksum-algorithm", "SHA256".into()));
        request.headers.push(condition(mode));
        match self.send(request).await {
            Ok(reply) => Ok(Some(tag(&reply.text(), "ETag").map(|e| unescape(&e)))),
            Err(e) if is_precondition(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes `key` if it still has `e_tag` (used to remove a copy that failed its check).
    pub(crate) async fn delete_if(&self, key: &str, e_tag: &str) -> Result<()> {
        let mut request = Req::new("deleting", Method::DELETE, key);
        request.headers.push(("if-match", e_tag.to_string()));
        self.send(request).await.map(|_| ())
    }
}

/// One request, rebuilt for each attempt.
struct Req<'a> {
    what: &'static str,
    method: Method,
    key: &'a str,
    query: String,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
    body_sha256: Option<[u8; 32]>,
}

impl<'a> Req<'a> {
    fn new(what: &'static str, method: Method, key: &'a str) -> Req<'a> {
        Req {
            what,
            method,
            key,
            query: String::new(),
            headers: Vec::new(),
            body: Bytes::new(),
            body_sha256: None,
        }
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// S3 may answer 200 and still fail (CompleteMultipartUpload, copies): an `<Error>` body.
    fn body_is_error(&self) -> bool {
        self.body.len() < 4096 && self.text().contains("<Error>")
    }

    fn error(&self) -> S3Error {
        let text = self.text();
        let status = if self.status.is_success() {
            500
        } else {
            self.status.as_u16()
        };
        S3Error {
            status,
            code: tag(&text, "Code").unwrap_or_else(|| self.status.canonical_reason().unwrap_or("").to_string()),
            message: tag(&text, "Message").unwrap_or_default(),
        }
    }
}

fn status_of(error: &anyhow::Error) -> Option<u16> {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<S3Error>())
        .map(|e| e.status)
}

fn condition(mode: &WriteMode) -> (&'static str, String) {
    match mode {
        WriteMode::Create => ("if-none-match", "*".into()),
        WriteMode::Replace(e_tag) => ("if-match", e_tag.clone()),
    }
}

fn checksum_headers(digest: &[u8; 32]) -> [(&'static str, String); 2] {
    [
        ("x-amz-sdk-checksum-algorithm", "SHA256".into()),
        ("x-amz-checksum-sha256", base64(digest)),
    ]
}

fn check_size(read: u64, size: u64) -> Result<()> {
    if read != size {
        bail!("read {read} bytes but the source holds {size}: the source changed or the read was cut short; nothing was written");
    }
    Ok(())
}

/// `x-amz-checksum-sha256` as S3 reports it: `BASE64` (whole object) or `BASE64-N` (composite of
/// N parts). A store that leaves out the type and the suffix (moto) is read by the ETag: a
/// multipart ETag (`…-N`) means a composite.
fn parse_checksum(value: &str, kind: Option<&str>, e_tag: Option<&str>) -> Option<Checksum> {
    let (b64, parts) = match value.rsplit_once('-') {
        Some((b64, n)) => (b64, n.parse().ok()),
        None => (value, None),
    };
    let digest: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()?
        .try_into()
        .ok()?;
    let e_tag_parts = e_tag
        .and_then(|e| e.trim_matches('"').rsplit_once('-'))
        .and_then(|(_, n)| n.parse::<u32>().ok());
    match (kind, parts.or(e_tag_parts)) {
        (Some("FULL_OBJECT"), _) | (None, None) => Some(Checksum::Full(digest)),
        (_, Some(parts)) => Some(Checksum::Composite { digest, parts }),
        (Some(_), None) => Some(Checksum::Composite { digest, parts: 0 }),
    }
}

/// Splits `source` into parts of `size` bytes (the last one shorter), hashing and counting the
/// bytes into `tally` as they are read.
fn chunks<'a>(
    source: BoxStream<'a, Result<Bytes>>,
    size: usize,
    tally: &'a Mutex<(Sha256, u64)>,
) -> BoxStream<'a, Result<Bytes>> {
    futures::stream::unfold(
        (source, BytesMut::new(), false),
        move |(mut source, mut part, mut ended)| async move {
            while part.len() < size && !ended {
                match source.next().await {
                    Some(Ok(chunk)) => {
                        if let Ok(mut t) = tally.lock() {
                            t.0.update(&chunk);
                            t.1 += chunk.len() as u64;
                        }
                        part.extend_from_slice(&chunk);
                    }
                    Some(Err(e)) => return Some((Err(e), (source, BytesMut::new(), true))),
                    None => ended = true,
                }
            }
            if part.is_empty() {
                return None;
            }
            // A chunk may cross the part boundary: the rest starts the next part.
            let rest = part.split_off(part.len().min(size));
            Some((Ok(part.freeze()), (source, rest, ended)))
        },
    )
    .boxed()
}

/// Percent-encodes as SigV4 wants: every byte but `A-Za-z0-9-_.~` (and `/` unless `slash`).
fn encode(text: &str, slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || (b == b'/' && !slash) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text of the first `<name>…</name>` element.
fn tag(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml.get(start..)?.find(&format!("</{name}>"))? + start;
    xml.get(start..end).map(str::to_string)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_read_as_whole_or_composite() {
        let digest = [7u8; 32];
        let b64 = base64(&digest);
        assert_eq!(
            parse_checksum(&b64, None, Some("\"abc\"")),
            Some(Checksum::Full(digest))
        );
        assert_eq!(
            parse_checksum(&format!("{b64}-3"), Some("COMPOSITE"), None),
            Some(Checksum::Composite { digest, parts: 3 })
        );
        assert_eq!(
            parse_checksum(&b64, None, Some("\"abc-2\"")),
            Some(Checksum::Composite { digest, parts: 2 }),
            "moto leaves out the suffix; the multipart ETag tells"
        );
        assert_eq!(
            parse_checksum(&b64, Some("FULL_OBJECT"), Some("\"abc-2\"")),
            Some(Checksum::Full(digest))
        );
        assert_eq!(parse_checksum("not base64!", None, None), None);
    }

    #[test]
    fn keys_and_xml_round_trip() {
        assert_eq!(encode("a b/c+d~", false), "a%20b/c%2Bd~");
        assert_eq!(encode("x/y", true), "x%2Fy");
        assert_eq!(
            tag("<R><UploadId>a&amp;b</UploadId></R>", "UploadId").as_deref(),
            Some("a&amp;b")
        );
        assert_eq!(unescape("&quot;e&quot;"), "\"e\"");
    }
}

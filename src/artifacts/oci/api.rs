//! The distribution API's requests, on top of [`Registry::send`]: manifests (HEAD, GET checked
//! against their digest, PUT), blobs (HEAD, GET, uploads started with an optional cross-repository
//! mount and finished with one PUT) and tag lists followed page by page.

use std::sync::Mutex;

use anyhow::{anyhow, bail, Result};
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, LINK, LOCATION};
use http::{Method, StatusCode};
use reqwest::{RequestBuilder, Response};
use serde::Deserialize;

use super::client::{error_of, header, ok, read_limited, Access, Body, Registry, Upload};
use super::manifest::{Digest, Manifest, ACCEPT as MANIFESTS, MAX_MANIFEST};

/// Tags asked for per page of a tag listing.
const PAGE: usize = 1000;
const DIGEST_HEADER: &str = "docker-content-digest";

impl Registry {
    /// The manifest's digest and size, or `None` when the tag or digest is unknown.
    pub(crate) async fn head_manifest(&self, repository: &str, reference: &str) -> Result<Option<(Digest, u64)>> {
        let url = self.url(&format!("/v2/{repository}/manifests/{reference}"));
        let response = self
            .send(
                Method::HEAD,
                &url,
                Access::pull(repository),
                &|r| r.header(ACCEPT, MANIFESTS),
                &Body::Empty,
            )
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if response.status().is_client_error() {
            // A HEAD answer has no body to explain itself: ask again with GET for the error.
            return Ok(self
                .get_manifest(repository, reference, None)
                .await?
                .map(|m| (m.digest, m.bytes.len() as u64)));
        }
        let response = ok(response, &format!("HEAD {url}")).await?;
        let digest = header(&response, DIGEST_HEADER)
            .map(|d| Digest::parse(&d))
            .transpose()?;
        let size = header(&response, CONTENT_LENGTH.as_str()).and_then(|s| s.parse::<u64>().ok());
        match (digest, size) {
            (Some(digest), Some(size)) => Ok(Some((digest, size))),
            // Some registries leave the digest out of HEAD answers: read the manifest instead.
            _ => Ok(self
                .get_manifest(repository, reference, None)
                .await?
                .map(|m| (m.digest, m.bytes.len() as u64))),
        }
    }

    /// The manifest under a tag or digest, its bytes checked against the digest the registry
    /// announces and `wanted`; `None` when it is unknown.
    pub(crate) async fn get_manifest(
        &self,
        repository: &str,
        reference: &str,
        wanted: Option<&Digest>,
    ) -> Result<Option<Manifest>> {
        let url = self.url(&format!("/v2/{repository}/manifests/{reference}"));
        let response = self
            .send(
                Method::GET,
                &url,
                Access::pull(repository),
                &|r| r.header(ACCEPT, MANIFESTS),
                &Body::Empty,
            )
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let what = format!("GET {url}");
        let response = ok(response, &what).await?;
        let content_type = header(&response, CONTENT_TYPE.as_str());
        let announced = header(&response, DIGEST_HEADER);
        let bytes = read_limited(response, MAX_MANIFEST, &what).await?;
        let sep = if reference.starts_with("sha256:") { "@" } else { ":" };
        let shown = format!("oci://{}/{repository}{sep}{reference}", self.name);
        Manifest::verified(bytes, content_type.as_deref(), announced.as_deref(), wanted, &shown).map(Some)
    }

    /// Stores `manifest` under `reference` (a tag or its digest); the registry must answer with
    /// the manifest's own digest.
    pub(crate) async fn put_manifest(&self, repository: &str, reference: &str, manifest: &Manifest) -> Result<()> {
        let url = self.url(&format!("/v2/{repository}/manifests/{reference}"));
        let media_type = manifest.media_type.clone();
        let body = Body::Bytes(manifest.bytes.clone());
        let response = self
            .send(
                Method::PUT,
                &url,
                Access::push(repository),
                &|r| r.header(CONTENT_TYPE, media_type.as_str()),
                &body,
            )
            .await?;
        let response = ok(response, &format!("PUT {url}")).await?;
        if let Some(stored) = header(&response, DIGEST_HEADER) {
            if stored != manifest.digest.to_string() {
                bail!(
                    "PUT {url}: the registry stored the manifest as {stored}, not as {}; it rewrote the manifest",
                    manifest.digest
                );
            }
        }
        Ok(())
    }

    /// Whether the repository holds the blob.
    pub(crate) async fn has_blob(&self, repository: &str, digest: &Digest) -> Result<bool> {
        let url = self.url(&format!("/v2/{repository}/blobs/{digest}"));
        let response = self
            .send(Method::HEAD, &url, Access::pull(repository), &|r| r, &Body::Empty)
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(false);
        }
        ok(response, &format!("HEAD {url}")).await.map(|_| true)
    }

    /// The blob's bytes, as a response to stream.
    pub(crate) async fn get_blob(&self, repository: &str, digest: &Digest) -> Result<Response> {
        let url = self.url(&format!("/v2/{repository}/blobs/{digest}"));
        let response = self
            .send(Method::GET, &url, Access::pull(repository), &|r| r, &Body::Empty)
            .await?;
        ok(response, &format!("GET {url}")).await
    }

    /// Starts an upload to `repository`, mounting the blob from `mount` (digest and repository
    /// of this registry) when given and the registry agrees.
    pub(crate) async fn start_upload(&self, repository: &str, mount: Option<(&Digest, &str)>) -> Result<Upload> {
        let mut url = self.url(&format!("/v2/{repository}/blobs/uploads/"));
        if let Some((digest, from)) = mount {
            url.push_str(&format!("?mount={digest}&from={from}"));
        }
        let access = Access {
            repository,
            push: true,
            mount_from: mount.map(|(_, from)| from),
        };
        let response = self
            .send(
                Method::POST,
                &url,
                access,
                &|r| r.header(CONTENT_LENGTH, "0"),
                &Body::Empty,
            )
            .await?;
        let what = format!("POST {url}");
        let response = ok(response, &what).await?;
        if response.status() == StatusCode::CREATED && mount.is_some() {
            return Ok(Upload::Mounted);
        }
        let location = header(&response, LOCATION.as_str())
            .ok_or_else(|| anyhow!("{what}: the registry gave no upload Location"))?;
        let base = reqwest::Url::parse(&url).map_err(|e| anyhow!("{url}: {e}"))?;
        let at = base
            .join(&location)
            .map_err(|e| anyhow!("{what}: the upload Location `{location}` is not a URL: {e}"))?;
        Ok(Upload::At(at.to_string()))
    }

    /// Finishes an upload with one PUT of all the blob's bytes.
    pub(crate) async fn finish_upload(
        &self,
        repository: &str,
        at: &str,
        digest: &Digest,
        size: u64,
        body: reqwest::Body,
    ) -> Result<()> {
        let mut url = reqwest::Url::parse(at).map_err(|e| anyhow!("{at}: {e}"))?;
        url.query_pairs_mut().append_pair("digest", &digest.to_string());
        let body = Body::Stream(Mutex::new(Some(body)));
        let build = |r: RequestBuilder| {
            r.header(CONTENT_TYPE, "application/octet-stream")
                .header(CONTENT_LENGTH, size)
        };
        let response = self
            .send(Method::PUT, url.as_str(), Access::push(repository), &build, &body)
            .await?;
        ok(response, &format!("PUT {}", url.path())).await.map(|_| ())
    }

    /// Every tag of `repository`, following the `Link` header from page to page; an unknown
    /// repository has none.
    pub(crate) async fn tags(&self, repository: &str) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Page {
            tags: Option<Vec<String>>,
        }
        let mut tags = Vec::new();
        let mut next = Some(self.url(&format!("/v2/{repository}/tags/list?n={PAGE}")));
        let mut seen = std::collections::HashSet::new();
        while let Some(url) = next.take() {
            if !seen.insert(url.clone()) {
                bail!("GET {url}: the registry's tag pages loop back to a page already read");
            }
            let response = self
                .send(Method::GET, &url, Access::pull(repository), &|r| r, &Body::Empty)
                .await?;
            let what = format!("GET {url}");
            if response.status() == StatusCode::NOT_FOUND && tags.is_empty() {
                let error = error_of(response, &what).await;
                if error.code == "NAME_UNKNOWN" {
                    return Ok(Vec::new());
                }
                return Err(error.into());
            }
            let response = ok(response, &what).await?;
            next = next_page(&response, &url)?;
            let bytes = read_limited(response, 64 << 20, &what).await?;
            let page: Page =
                serde_json::from_slice(&bytes).map_err(|e| anyhow!("{what}: the registry sent invalid JSON: {e}"))?;
            tags.extend(page.tags.unwrap_or_default());
        }
        Ok(tags)
    }
}

/// The next page's URL from a `Link: <…>; rel="next"` header, resolved against `url`.
fn next_page(response: &Response, url: &str) -> Result<Option<String>> {
    let Some(link) = header(response, LINK.as_str()) else {
        return Ok(None);
    };
    let next = link
        .split(',')
        .find(|part| part.contains("rel=\"next\"") || part.contains("rel=next"));
    let Some(target) = next
        .and_then(|part| part.split_once('<'))
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(t, _)| t)
    else {
        return Ok(None);
    };
    let base = reqwest::Url::parse(url).map_err(|e| anyhow!("{url}: {e}"))?;
    let joined = base
        .join(target)
        .map_err(|e| anyhow!("GET {url}: the Link header `{link}` holds no URL: {e}"))?;
    Ok(Some(joined.to_string()))
}

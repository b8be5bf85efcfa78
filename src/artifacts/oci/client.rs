//! One registry reached over HTTP(S): requests sent with anonymous, basic or bearer-token
//! authentication as the registry's challenge asks, and its error answers read. The requests
//! themselves are in `api`.
//!
//! Requests that change nothing (GET, HEAD) are retried twice after a connection error or a 5xx
//! answer; writes are not, since copy plans them so that a rerun redoes them safely.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use http::header::WWW_AUTHENTICATE;
use http::{Method, StatusCode};
use reqwest::{Client, RequestBuilder, Response};
use serde::Deserialize;

use super::auth::{env_name, parse_challenge, Challenge, Credentials};
use super::is_loopback;

/// How many times a GET or HEAD is retried.
const RETRIES: u32 = 2;

/// One registry, reached with one set of credentials.
pub(crate) struct Registry {
    /// `host[:port]`, as locations name it.
    pub name: String,
    base: String,
    plain_http: bool,
    http: Client,
    credentials: Credentials,
    state: Mutex<AuthState>,
}

#[derive(Default)]
struct AuthState {
    /// The registry asked for basic auth: send it with every request.
    basic: bool,
    /// Bearer tokens by the scopes they were issued for.
    tokens: HashMap<String, String>,
}

/// A registry's error answer.
#[derive(Debug)]
pub(crate) struct RegistryError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request: String,
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: the registry answered {}", self.request, self.status)?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryError {}

/// What a request needs to be allowed: pull (or pull and push) on a repository, and pull on the
/// repository a blob is mounted from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access<'a> {
    pub repository: &'a str,
    pub push: bool,
    pub mount_from: Option<&'a str>,
}

impl Access<'_> {
    pub(super) fn pull(repository: &str) -> Access<'_> {
        Access {
            repository,
            push: false,
            mount_from: None,
        }
    }

    pub(super) fn push(repository: &str) -> Access<'_> {
        Access {
            repository,
            push: true,
            mount_from: None,
        }
    }

    fn scopes(&self) -> Vec<String> {
        let actions = if self.push { "pull,push" } else { "pull" };
        let mut scopes = vec![format!("repository:{}:{actions}", self.repository)];
        scopes.extend(self.mount_from.map(|from| format!("repository:{from}:pull")));
        scopes
    }
}

/// A request body: none, bytes that can be sent again, or a stream that can be sent once.
pub(crate) enum Body {
    Empty,
    Bytes(Bytes),
    Stream(Mutex<Option<reqwest::Body>>),
}

/// Where a blob upload stands after it was started.
pub(crate) enum Upload {
    /// The registry mounted the blob from another repository: nothing to send.
    Mounted,
    /// Send the bytes to this URL.
    At(String),
}

impl Registry {
    /// A client for `name` (`host[:port]`): plain HTTP for a loopback registry or with
    /// `allow_http`, else HTTPS.
    pub(crate) fn new(
        name: &str,
        allow_http: bool,
        env_prefix: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Registry> {
        let plain_http = allow_http || is_loopback(name);
        let api_host = if name == "docker.io" {
            "registry-1.docker.io"
        } else {
            name
        };
        let base = format!("{}://{api_host}", if plain_http { "http" } else { "https" });
        let credentials = super::auth::credentials(name, env_prefix, env)?;
        let http = Client::builder()
            .user_agent(concat!("pins/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .https_only(!plain_http)
            .build()
            .with_context(|| format!("setting up an HTTP client for {name}"))?;
        Ok(Registry {
            name: name.to_string(),
            base,
            plain_http,
            http,
            credentials,
            state: Mutex::default(),
        })
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request, answering one authentication challenge; GET and HEAD are retried after
    /// connection errors and 5xx answers.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        access: Access<'_>,
        build: &(dyn Fn(RequestBuilder) -> RequestBuilder + Sync),
        body: &Body,
    ) -> Result<Response> {
        let what = format!("{method} {url}");
        let mut challenged = false;
        let mut attempt = 0;
        loop {
            let request = self.authorize(build(self.http.request(method.clone(), url)), access);
            let request = match body {
                Body::Empty => request,
                Body::Bytes(bytes) => request.body(bytes.clone()),
                Body::Stream(stream) => {
                    let taken = stream.lock().map_err(|_| anyhow!("internal: poisoned body"))?.take();
                    request.body(taken.ok_or_else(|| {
                        anyhow!("{what}: the registry asked to authenticate again in the middle of an upload")
                    })?)
                }
            };
            let idempotent = method == Method::GET || method == Method::HEAD;
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if idempotent && attempt < RETRIES && !e.is_builder() => {
                    attempt += 1;
                    backoff(attempt).await;
                    continue;
                }
                Err(e) => return Err(anyhow!(e).context(format!("{what}: no answer from {}", self.name))),
            };
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !challenged {
                challenged = true;
                self.answer(&response, access)
                    .await
                    .with_context(|| format!("{what}: {} asked to authenticate", self.name))?;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED {
                return Err(self.refused(response, &what).await);
            }
            if idempotent && status.is_server_error() && attempt < RETRIES {
                attempt += 1;
                backoff(attempt).await;
                continue;
            }
            return Ok(response);
        }
    }

    fn authorize(&self, request: RequestBuilder, access: Access<'_>) -> RequestBuilder {
        let Ok(state) = self.state.lock() else {
            return request;
        };
        if let Some(token) = token_for(&state.tokens, &access.scopes()) {
            return request.bearer_auth(token);
        }
        match (&self.credentials, state.basic) {
            (Credentials::Basic { username, password, .. }, true) => request.basic_auth(username, Some(password)),
            _ => request,
        }
    }

    /// Answers a 401: remembers to send basic credentials, or fetches a bearer token.
    async fn answer(&self, response: &Response, access: Access<'_>) -> Result<()> {
        let header = response
            .headers()
            .get(WWW_AUTHENTICATE)
            .ok_or_else(|| anyhow!("it answered 401 without a WWW-Authenticate challenge"))?;
        let header = header
            .to_str()
            .map_err(|_| anyhow!("its WWW-Authenticate header is not text"))?;
        match parse_challenge(header)? {
            Challenge::Basic => {
                self.need_credentials()?;
                self.state.lock().map_err(|_| anyhow!("internal: poisoned lock"))?.basic = true;
            }
            Challenge::Bearer { realm, service, scope } => {
                let mut scopes = access.scopes();
                scopes.extend(scope.filter(|s| !scopes.contains(s)));
                let token = self.fetch_token(&realm, service.as_deref(), &scopes).await?;
                let key = access.scopes().join(" ");
                self.state
                    .lock()
                    .map_err(|_| anyhow!("internal: poisoned lock"))?
                    .tokens
                    .insert(key, token);
            }
        }
        Ok(())
    }

    fn need_credentials(&self) -> Result<()> {
        match &self.credentials {
            Credentials::Basic { .. } => Ok(()),
            Credentials::Anonymous => bail!("{} requires credentials: set {} and {}, or log in with `docker login {}`", self.name, env_name(&self.name, "USERNAME"), env_name(&self.name, "PASSWORD"), self.name),
            Credentials::Helper { helper, from } => bail!("{from} keeps the credentials for {} in the credential helper `{helper}`, which pins does not run; set {} and {}", self.name, env_name(&self.name, "USERNAME"), env_name(&self.name, "PASSWORD")),
        }
    }

    /// Asks the token server for a bearer token, with basic credentials when there are any.
    async fn fetch_token(&self, realm: &str, service: Option<&str>, scopes: &[String]) -> Result<String> {
        let realm_url =
            reqwest::Url::parse(realm).map_err(|e| anyhow!("the token realm `{realm}` is not a URL: {e}"))?;
        let realm_host = realm_url.host_str().unwrap_or_default();
        if realm_url.scheme() != "https" && !self.plain_http && !is_loopback(realm_host) {
            bail!("the token realm `{realm}` is not HTTPS; pins sends credentials over plain HTTP only to loopback registries or with allow_http = true");
        }
        let mut url = realm_url.clone();
        url.query_pairs_mut()
            .extend_pairs(service.map(|s| ("service", s)))
            .extend_pairs(scopes.iter().map(|s| ("scope", s.as_str())));
        let mut request = self.http.get(url);
        match &self.credentials {
            Credentials::Basic { username, password, .. } => request = request.basic_auth(username, Some(password)),
            Credentials::Helper { .. } => self.need_credentials()?,
            Credentials::Anonymous => {}
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("asking the token server {realm} for a token"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .with_context(|| format!("reading the token server {realm}'s answer"))?;
        if !status.is_success() {
            let who = match &self.credentials {
                Credentials::Basic { from, .. } => format!(" with the credentials from {from}"),
                _ => " anonymously".to_string(),
            };
            bail!("the token server {realm} answered {status}{who}");
        }
        #[derive(Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        let token: Token =
            serde_json::from_slice(&body).map_err(|e| anyhow!("the token server {realm} sent invalid JSON: {e}"))?;
        token
            .token
            .or(token.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| anyhow!("the token server {realm} sent no token"))
    }

    async fn refused(&self, response: Response, what: &str) -> anyhow::Error {
        let who = match &self.credentials {
            Credentials::Basic { from, .. } => format!("the credentials from {from}"),
            _ => "anonymous access".to_string(),
        };
        let answer = error_of(response, what).await;
        anyhow!(answer).context(format!("{} refused {who}", self.name))
    }
}

async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(100 * 3u64.pow(attempt - 1))).await;
}

pub(super) fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The response when it is a success, else the registry's error.
pub(super) async fn ok(response: Response, what: &str) -> Result<Response> {
    if response.status().is_success() {
        return Ok(response);
    }
    Err(error_of(response, what).await.into())
}

/// The registry's error answer: its status and the first `{"errors":[{code,message}]}` entry.
pub(super) async fn error_of(response: Response, what: &str) -> RegistryError {
    #[derive(Deserialize, Default)]
    struct Errors {
        #[serde(default)]
        errors: Vec<Entry>,
    }
    #[derive(Deserialize, Default)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    let parsed: Errors = serde_json::from_slice(&body).unwrap_or_default();
    let first = parsed.errors.into_iter().next().unwrap_or_default();
    let message = match first.message.is_empty() {
        true => String::from_utf8_lossy(body.get(..200.min(body.len())).unwrap_or_default())
            .trim()
            .to_string(),
        false => first.message,
    };
    RegistryError {
        status,
        code: first.code,
        message,
        request: what.to_string(),
    }
}

/// The whole body, refusing more than `limit` bytes.
pub(super) async fn read_limited(mut response: Response, limit: usize, what: &str) -> Result<Bytes> {
    let mut out = bytes::BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .with_context(|| format!("{what}: reading the answer"))?
    {
        if out.len() + chunk.len() > limit {
            bail!("{what}: the answer is larger than {limit} bytes");
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// A token granted for every scope in `wanted`: the one asked for with exactly these scopes, or
/// one asked for with more (a token for an upload that mounts from another repository also
/// serves the upload's later requests, which ask for less).
fn token_for<'a>(tokens: &'a HashMap<String, String>, wanted: &[String]) -> Option<&'a String> {
    tokens.get(&wanted.join(" ")).or_else(|| {
        tokens
            .iter()
            .find(|(granted, _)| wanted.iter().all(|s| granted.split(' ').any(|g| g == s)))
            .map(|(_, token)| token)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(name: &str, allow_http: bool) -> String {
        Registry::new(name, allow_http, None, &|_| None).unwrap().base
    }

    #[test]
    fn tls_everywhere_but_loopback_and_allow_http() {
        assert_eq!(base("ghcr.io", false), "https://ghcr.io");
        assert_eq!(base("10.1.2.3:5000", false), "https://10.1.2.3:5000");
        assert_eq!(base("docker.io", false), "https://registry-1.docker.io");
        assert_eq!(base("127.0.0.1:5000", false), "http://127.0.0.1:5000");
        assert_eq!(base("localhost:5000", false), "http://localhost:5000");
        assert_eq!(base("[::1]:5000", false), "http://[::1]:5000");
        assert_eq!(base("registry.lan:5000", true), "http://registry.lan:5000");
    }

    #[test]
    fn a_token_for_more_scopes_serves_a_request_for_fewer() {
        let tokens = HashMap::from([(
            "repository:a/b:pull,push repository:c:pull".to_string(),
            "mount".to_string(),
        )]);
        let push = Access::push("a/b").scopes();
        assert_eq!(token_for(&tokens, &push).map(String::as_str), Some("mount"));
        assert_eq!(token_for(&tokens, &Access::pull("a/b").scopes()), None);
        assert_eq!(token_for(&tokens, &Access::push("d").scopes()), None);
    }

    #[test]
    fn scopes_ask_for_what_a_request_needs() {
        let access = Access {
            repository: "a/b",
            push: true,
            mount_from: Some("c"),
        };
        assert_eq!(access.scopes(), ["repository:a/b:pull,push", "repository:c:pull"]);
        assert_eq!(Access::pull("x").scopes(), ["repository:x:pull"]);
    }
}

//! What the artifact tests share: the moto S3 server they run against (`tools/s3-server start`
//! exports `PINS_TEST_S3_ENDPOINT`), a client for one of its buckets, deterministic bytes to
//! upload, and their SHA-256.

use std::future::Future;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::{ClientOptions, ObjectStore};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Run;

/// moto's endpoint, or `None` (with a printed skip naming `what`) when it is not running.
/// Under `CI=true` a missing server is a failure, not a skip.
pub fn s3_endpoint(what: &str) -> Option<String> {
    match std::env::var("PINS_TEST_S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => Some(endpoint),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no S3 server: run `tools/s3-server start` and export PINS_TEST_S3_ENDPOINT")
        }
        _ => {
            super::skip(&format!("{what} (run `eval $(tools/s3-server start)` to include it)"));
            None
        }
    }
}

/// Where a test's artifacts live.
#[derive(Clone, Debug)]
pub enum Backend {
    /// `file://store/BUCKET/…` inside the test repository.
    File,
    /// The moto server at this endpoint.
    S3(String),
}

/// Local files always, and moto when it runs (see [`s3_endpoint`] for `what`).
pub fn backends(what: &str) -> Vec<Backend> {
    let mut out = vec![Backend::File];
    out.extend(s3_endpoint(what).map(Backend::S3));
    out
}

/// A client for `bucket` on the moto server at `endpoint` (moto takes any keys).
pub fn s3_store(endpoint: &str, bucket: &str) -> Arc<dyn ObjectStore> {
    let store = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(endpoint)
        .with_region("us-east-1")
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .with_client_options(ClientOptions::new().with_allow_http(true))
        .build()
        .unwrap();
    Arc::new(store)
}

/// Runs a future to completion on a runtime of its own.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Deterministic pseudo-random bytes (xorshift), different for each seed.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The SHA-256 of `data` in lowercase hex.
pub fn sha256(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// `(pin, action)` of each entry of an `artifacts promote --format json` run.
pub fn actions(run: &Run) -> Vec<(String, String)> {
    run.json()["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a: &Value| {
            (
                a["pin"].as_str().unwrap().to_string(),
                a["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

//! `pins artifacts promote` against a failing network: a fault-injecting proxy (tests/common/
//! proxy.rs) between pins and the moto S3 server. For every fault pins either completes after
//! bounded retries or exits 2 naming the artifact; no partial object ever appears at the target,
//! no record holds a wrong digest, and a rerun completes. Also: `kill -9` mid-promotion, two
//! promoters racing, server-side copies and checksums. Skipped without the S3 server, except
//! under `CI=true`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::objects::{self, actions, block_on, bytes, sha256};
use common::proxy::{Fault, Proxy};
use common::{Repo, Run};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn moto() -> Option<String> {
    objects::s3_endpoint("artifact fault tests")
}

/// With 5 MiB parts (`PINS_S3_PART_MIB=5`, S3's smallest) one PUT takes up to 20 MiB: `big` is a
/// multipart upload of 5 parts, `small` one PUT.
const BIG: usize = 21 << 20;
const SMALL: usize = 3 << 20;

/// How prod-code is reached: with dev-code's identity (server-side copies) or another one
/// (streamed through pins).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Path {
    Server,
    Stream,
}

/// A repository promoting `big` and `small` from dev-code to prod-code through a proxy.
struct Setup {
    repo: Repo,
    proxy: Proxy,
    moto: String,
    run: String,
    path: Path,
}

impl Setup {
    fn new(moto: &str, path: Path) -> Setup {
        Setup::with_source_dir(moto, path, None)
    }

    /// `source_dir` puts development's objects in a folder of their own (for racing repos).
    fn with_source_dir(moto: &str, path: Path, shared: Option<(&str, &str)>) -> Setup {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let run = match shared {
            Some((run, _)) => run.to_string(),
            None => format!("faults-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst)),
        };
        let source = shared.map_or("src".to_string(), |(_, dir)| dir.to_string());
        let proxy = Proxy::start(moto);
        let pins = "artifact_versions = {\n  big   = \"1.0.0\"\n  small = \"1.0.0\"\n}\n";
        let block = format!(
            "artifacts {{\n  location = \"s3://${{artifact_bucket}}/{run}/${{dir}}/${{pin}}-${{version}}.zip\"\n  store \"s3://dev-code\" {{\n    endpoint   = \"{url}\"\n    allow_http = true\n  }}\n  store \"s3://prod-code\" {{\n    endpoint   = \"{url}\"\n    allow_http = true\n    env_prefix = \"PROD_\"\n  }}\n}}\n",
            url = proxy.url
        );
        let repo = Repo::new(&[
            ("development.tfvars", pins),
            ("shared-release.tfvars", pins),
            (
                "data.d/development.tfvars",
                &format!("artifact_bucket = \"dev-code\"\ndir = \"{source}\"\n"),
            ),
            (
                "data.d/staging.tfvars",
                "artifact_bucket = \"prod-code\"\ndir = \"dst\"\n",
            ),
            (
                "data.d/production.tfvars",
                "artifact_bucket = \"prod-code\"\ndir = \"dst\"\n",
            ),
            ("pins.hcl", &block),
        ]);
        Setup {
            repo,
            proxy,
            moto: moto.to_string(),
            run,
            path,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pins"));
        cmd.current_dir(self.repo.path())
            .arg("--repo")
            .arg(self.repo.path())
            .args(["--color", "never"])
            .args(args)
            .env("PINS_S3_TIMEOUT", "2s")
            .env("PINS_S3_PART_MIB", "5");
        for (key, _) in std::env::vars() {
            if key.contains("AWS_") {
                cmd.env_remove(key);
            }
        }
        let prod_key = match self.path {
            Path::Server => "testing",
            Path::Stream => "streaming",
        };
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("PROD_AWS_ACCESS_KEY_ID", prod_key)
            .env("PROD_AWS_SECRET_ACCESS_KEY", "testing");
        cmd
    }

    fn pins(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    fn promote(&self) -> Run {
        self.pins(&["artifacts", "promote", "development", "staging", "--format", "json"])
    }

    fn store(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        objects::s3_store(&self.moto, bucket)
    }

    fn key(&self, dir: &str, pin: &str) -> String {
        format!("{}/{dir}/{pin}-1.0.0.zip", self.run)
    }

    /// Uploads development's objects (without checksums, as a plain upload does).
    fn upload(&self, seed: u64) -> (Vec<u8>, Vec<u8>) {
        let (big, small) = (bytes(seed, BIG), bytes(seed + 1, SMALL));
        let dir = self.source_dir();
        block_on(async {
            let store = self.store("dev-code");
            for (pin, data) in [("big", &big), ("small", &small)] {
                let path = ObjectPath::parse(self.key(&dir, pin)).unwrap();
                store.put(&path, PutPayload::from(data.clone())).await.unwrap();
            }
        });
        (big, small)
    }

    fn source_dir(&self) -> String {
        let data = self.repo.read("data.d/development.tfvars");
        data.split('"').nth(3).unwrap().to_string()
    }

    /// The target object's bytes, if there is one.
    fn target(&self, pin: &str) -> Option<Vec<u8>> {
        let path = ObjectPath::parse(self.key("dst", pin)).unwrap();
        block_on(async {
            match self.store("prod-code").get(&path).await {
                Ok(result) => Some(result.bytes().await.unwrap().to_vec()),
                Err(object_store::Error::NotFound { .. }) => None,
                Err(e) => panic!("{e}"),
            }
        })
    }

    /// Multipart uploads still open under this test's folder in prod-code.
    fn open_uploads(&self) -> usize {
        let answer = raw(
            &self.moto,
            "GET",
            &format!("/prod-code?uploads&prefix={}/", self.run),
            &[],
        );
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        answer.matches("<UploadId>").count()
    }

    /// The target's `x-amz-checksum-sha256`, as moto keeps it.
    fn stored_checksum(&self, pin: &str) -> Option<String> {
        let answer = raw(
            &self.moto,
            "HEAD",
            &format!("/prod-code/{}", self.key("dst", pin)),
            &[("x-amz-checksum-mode", "ENABLED")],
        );
        answer.lines().find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("x-amz-checksum-sha256:")
                .then(|| l[22..].trim().to_string())
        })
    }
}

/// One request to moto, which wants an `Authorization` header but does not check the signature;
/// the whole answer as text.
fn raw(endpoint: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> String {
    let mut stream = std::net::TcpStream::connect(endpoint.trim_start_matches("http://")).unwrap();
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\nauthorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n",
        endpoint.trim_start_matches("http://")
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
}

/// After any outcome: each target is absent or whole, and a rerun without faults completes
/// with the right bytes, and a record holds the right digests.
fn settles(s: &Setup, objects: &(Vec<u8>, Vec<u8>), what: &str) {
    for (pin, data) in [("big", &objects.0), ("small", &objects.1)] {
        if let Some(found) = s.target(pin) {
            assert!(
                found == *data,
                "{what}: a partial or wrong object is visible at {pin}'s target"
            );
        }
    }
    s.proxy.clear();
    ok(&s.promote());
    assert!(s.target("big").unwrap() == objects.0, "{what}: rerun");
    assert!(s.target("small").unwrap() == objects.1, "{what}: rerun");
    let record = s.pins(&["record", "staging", "--artifacts", "--out", "r.json"]);
    ok(&record);
    let json: Value = serde_json::from_str(&s.repo.read("r.json")).unwrap();
    assert_eq!(
        json["artifacts"]["artifact_versions.big"]["sha256"],
        sha256(&objects.0),
        "{what}"
    );
    assert_eq!(
        json["artifacts"]["artifact_versions.small"]["sha256"],
        sha256(&objects.1),
        "{what}"
    );
    std::fs::remove_file(s.repo.path().join("r.json")).unwrap();
}

/// Faults that happen once: pins retries and completes.
#[test]
fn transient_faults_are_retried_and_the_promotion_completes() {
    let Some(moto) = moto() else { return };
    let cases: Vec<(&str, Path, &str, &str, Fault)> = vec![
        (
            "500 on a part",
            Path::Stream,
            "PUT",
            "partNumber=2",
            Fault::Status(500, "InternalError"),
        ),
        (
            "SlowDown on a PUT",
            Path::Stream,
            "PUT",
            "small-1.0.0.zip",
            Fault::Status(503, "SlowDown"),
        ),
        (
            "reset mid-request",
            Path::Stream,
            "PUT",
            "partNumber=3",
            Fault::ResetRequest,
        ),
        (
            "reset mid-answer",
            Path::Stream,
            "GET",
            "big-1.0.0.zip",
            Fault::ResetResponse,
        ),
        (
            "truncated answer",
            Path::Stream,
            "GET",
            "small-1.0.0.zip",
            Fault::Truncate,
        ),
        (
            "stall",
            Path::Stream,
            "PUT",
            "partNumber=1",
            Fault::Stall(Duration::from_secs(4)),
        ),
        (
            "500 on completion",
            Path::Stream,
            "POST",
            "uploadId=",
            Fault::Status(500, "InternalError"),
        ),
        (
            "completion answer lost",
            Path::Stream,
            "POST",
            "uploadId=",
            Fault::LoseResponse,
        ),
        (
            "503 on a HEAD",
            Path::Stream,
            "HEAD",
            "dst/big",
            Fault::Status(503, "SlowDown"),
        ),
        (
            "500 on a server copy",
            Path::Server,
            "PUT",
            "dst/big",
            Fault::Status(500, "InternalError"),
        ),
        (
            "server copy's answer lost",
            Path::Server,
            "PUT",
            "dst/big",
            Fault::LoseResponse,
        ),
    ];
    for (what, path, method, target, fault) in cases {
        let s = Setup::new(&moto, path);
        let objects = s.upload(7);
        s.proxy.arm(method, target, fault, 1);
        let run = s.promote();
        assert_eq!(
            s.proxy.applied().len(),
            1,
            "{what}: the fault was not applied: {:?}",
            s.proxy.applied()
        );
        ok(&run);
        // A lost answer to a conditional copy: the retry finds the key taken, by this copy.
        let lost = what.contains("lost");
        assert!(
            actions(&run)
                .iter()
                .all(|(_, a)| a == "copy" || (lost && a == "present")),
            "{what}: {}",
            run.stdout
        );
        assert!(s.target("big").unwrap() == objects.0, "{what}");
        assert!(s.target("small").unwrap() == objects.1, "{what}");
        assert_eq!(s.open_uploads(), 0, "{what}: no upload is left open");
    }
}

/// Faults that persist past the retries: exit 2 naming the artifact, nothing at the target, the
/// upload aborted, and a rerun completes.
#[test]
fn persistent_faults_exit_2_naming_the_artifact_and_leave_nothing() {
    let Some(moto) = moto() else { return };
    let cases: Vec<(&str, Path, &str, &str, Fault)> = vec![
        (
            "a part that always fails",
            Path::Stream,
            "PUT",
            "partNumber=4",
            Fault::Status(500, "InternalError"),
        ),
        (
            "a completion that always fails",
            Path::Stream,
            "POST",
            "uploadId=",
            Fault::Status(503, "SlowDown"),
        ),
        (
            "a source that always stalls",
            Path::Stream,
            "GET",
            "big-1.0.0.zip",
            Fault::Stall(Duration::from_secs(3)),
        ),
        (
            "a server copy that always fails",
            Path::Server,
            "PUT",
            "dst/big",
            Fault::Status(500, "InternalError"),
        ),
    ];
    for (what, path, method, target, fault) in cases {
        let s = Setup::new(&moto, path);
        let objects = s.upload(11);
        s.proxy.arm(method, target, fault, 1000);
        let run = s.promote();
        assert_eq!(run.code, 2, "{what}: {run:?}");
        assert!(
            run.stderr.contains("copying big 1.0.0 from s3://dev-code/"),
            "{what}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("a rerun copies it"), "{what}: {}", run.stderr);
        assert_eq!(s.target("big"), None, "{what}: nothing at the target");
        assert_eq!(s.open_uploads(), 0, "{what}: the failed upload was aborted");
        assert!(!s.repo.path().join(".pins").exists(), "{what}: no record");
        settles(&s, &objects, what);
    }
}

/// `kill -9` at random points of a large promotion: the target is absent or whole, and a rerun
/// completes. Parts of a killed upload stay until the bucket's lifecycle rule removes them.
#[test]
fn a_promotion_killed_at_any_point_is_completed_by_a_rerun() {
    let Some(moto) = moto() else { return };
    let s = Setup::new(&moto, Path::Stream);
    let objects = s.upload(21);
    let mut seed = std::process::id() as u64;
    for round in 0..4 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(100 + (seed >> 33) % 900);
        let mut child = s
            .command(&["artifacts", "promote", "development", "staging"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap();
        child.wait().unwrap();
        for (pin, data) in [("big", &objects.0), ("small", &objects.1)] {
            if let Some(found) = s.target(pin) {
                assert!(found == *data, "round {round} (killed after {delay:?}): partial {pin}");
            }
        }
    }
    settles(&s, &objects, "after kill -9");
}

/// Two promoters at once, 20 times, with different content for the same target: exactly one
/// copies, the other is refused (exit 2, conflict), and the winner's object is never replaced.
/// With the same content, both succeed: one copies, the other finds it present.
#[test]
fn two_promoters_racing_never_overwrite_each_other() {
    let Some(moto) = moto() else { return };
    let mut decided_by_write = 0;
    for round in 0..20 {
        let path = if round % 2 == 0 { Path::Server } else { Path::Stream };
        let a = Setup::with_source_dir(&moto, path, None);
        let b = Setup::with_source_dir(&moto, path, Some((&a.run, "other")));
        let ours = small_upload(&a, 100 + round);
        let theirs = small_upload(&b, 200 + round);
        let args = [
            "artifacts",
            "promote",
            "development",
            "staging",
            "--only",
            "small",
            "--format",
            "json",
        ];
        let children: Vec<_> = [&a, &b]
            .iter()
            .map(|s| {
                s.command(&args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let runs: Vec<Run> = children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                Run {
                    code: out.status.code().unwrap_or(-1),
                    stdout: String::from_utf8_lossy(&out.stdout).into(),
                    stderr: String::from_utf8_lossy(&out.stderr).into(),
                }
            })
            .collect();
        let winners: Vec<usize> = (0..2).filter(|i| runs[*i].code == 0).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one promoter copies: {runs:?}");
        let (winner, loser) = (winners[0], 1 - winners[0]);
        assert_eq!(runs[loser].code, 2, "round {round}: {runs:?}");
        assert!(
            runs[loser].stderr.contains("hold different content"),
            "round {round}: {}",
            runs[loser].stderr
        );
        if runs[loser].stderr.contains("nothing overwritten") {
            decided_by_write += 1;
        }
        let expected = if winner == 0 { &ours } else { &theirs };
        assert!(
            a.target("small").as_ref() == Some(expected),
            "round {round}: the winner's object was replaced"
        );
    }
    eprintln!("races decided by the conditional write itself: {decided_by_write} of 20");

    for path in [Path::Server, Path::Stream] {
        let a = Setup::new(&moto, path);
        small_upload(&a, 300);
        let args = [
            "artifacts",
            "promote",
            "development",
            "staging",
            "--only",
            "small",
            "--format",
            "json",
        ];
        let children: Vec<_> = (0..2)
            .map(|_| {
                a.command(&args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut seen: Vec<String> = children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                let json: Value = serde_json::from_slice(&out.stdout).unwrap();
                json["artifacts"][0]["action"].as_str().unwrap().to_string()
            })
            .collect();
        seen.sort();
        assert_eq!(seen, ["copy", "present"], "{path:?}");
    }
}

fn small_upload(s: &Setup, seed: u64) -> Vec<u8> {
    let data = bytes(seed, 4096);
    block_on(async {
        let path = ObjectPath::parse(s.key(&s.source_dir(), "small")).unwrap();
        s.store("dev-code")
            .put(&path, PutPayload::from(data.clone()))
            .await
            .unwrap();
    });
    data
}

/// Server-side copies in parallel, checked, and the checksums that let record and verify skip
/// the download; `--download` hashes anyway, and the record says which way each hash came.
#[test]
fn server_side_copies_and_checksums_replace_downloads() {
    let Some(moto) = moto() else { return };
    for path in [Path::Server, Path::Stream] {
        let s = Setup::new(&moto, path);
        let objects = s.upload(31);
        let run = s.pins(&[
            "artifacts",
            "promote",
            "development",
            "staging",
            "--jobs",
            "2",
            "--format",
            "json",
        ]);
        ok(&run);
        let methods: Vec<&str> = run.json()["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| if a["method"] == "server" { "server" } else { "stream" })
            .collect();
        let expected = if path == Path::Server { "server" } else { "stream" };
        assert_eq!(methods, [expected, expected], "{}", run.stdout);

        // The sources carry no checksum: server-side copies were checked by ETag, and S3
        // computed their SHA-256; a streamed multipart upload has only a composite checksum.
        let record = s.pins(&["record", "staging", "--artifacts", "--out", "r.json"]);
        ok(&record);
        let json: Value = serde_json::from_str(&s.repo.read("r.json")).unwrap();
        let by = |pin: &str| json["artifacts"][format!("artifact_versions.{pin}")]["sha256_by"].clone();
        assert_eq!(by("small"), "checksum", "{path:?}");
        let big_by = if path == Path::Server { "checksum" } else { "download" };
        assert_eq!(
            by("big"),
            big_by,
            "{path:?}: a streamed multipart upload has no whole-object checksum"
        );
        assert_eq!(json["artifacts"]["artifact_versions.big"]["sha256"], sha256(&objects.0));
        assert_eq!(
            json["artifacts"]["artifact_versions.small"]["sha256"],
            sha256(&objects.1)
        );
        if path == Path::Stream {
            use base64::Engine as _;
            let wanted = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&objects.1));
            assert_eq!(
                s.stored_checksum("small"),
                Some(wanted),
                "pins sends the SHA-256 with the upload"
            );
        }
        let forced = s.pins(&["record", "staging", "--artifacts", "--download", "--out", "d.json"]);
        ok(&forced);
        let json: Value = serde_json::from_str(&s.repo.read("d.json")).unwrap();
        assert_eq!(json["artifacts"]["artifact_versions.small"]["sha256_by"], "download");
        assert_eq!(
            json["artifacts"]["artifact_versions.small"]["sha256"],
            sha256(&objects.1)
        );
        ok(&s.pins(&["verify", "production", "--tested", "r.json", "--artifacts"]));
        ok(&s.pins(&[
            "verify",
            "production",
            "--tested",
            "r.json",
            "--artifacts",
            "--download",
        ]));
    }

    // A source with a SHA-256 checksum (a previous promotion's target) is copied on the server and
    // checked against it: the report names that digest, and record needs no download.
    let first = Setup::new(&moto, Path::Stream);
    let objects = first.upload(41);
    ok(&first.promote());
    let second = Setup::with_source_dir(&moto, Path::Server, Some((&first.run, "dst")));
    second.repo.write(
        "data.d/development.tfvars",
        b"artifact_bucket = \"prod-code\"\ndir = \"dst\"\n",
    );
    second.repo.write(
        "data.d/staging.tfvars",
        b"artifact_bucket = \"dev-code\"\ndir = \"again\"\n",
    );
    second.repo.write(
        "data.d/production.tfvars",
        b"artifact_bucket = \"dev-code\"\ndir = \"again\"\n",
    );
    let back = second.pins(&[
        "artifacts",
        "promote",
        "development",
        "staging",
        "--only",
        "small",
        "--format",
        "json",
    ]);
    ok(&back);
    assert_eq!(back.json()["artifacts"][0]["method"], "server", "{}", back.stdout);
    assert_eq!(back.json()["artifacts"][0]["sha256"], sha256(&objects.1));
    let record = second.pins(&["record", "staging", "--artifacts", "--out", "r.json"]);
    assert_eq!(record.code, 2, "big is not there: {record:?}");
    let only_small = "artifacts {\n  location = \"s3://${artifact_bucket}/RUN/${dir}/${pin}-${version}.zip\"\n  pin \"big\" {\n    skip = true\n  }\n  store \"s3://dev-code\" {\n    endpoint   = \"URL\"\n    allow_http = true\n  }\n}\n"
        .replace("RUN", &first.run)
        .replace("URL", &second.proxy.url);
    second.repo.write("pins.hcl", only_small.as_bytes());
    let record = second.pins(&["record", "staging", "--artifacts", "--out", "r.json"]);
    ok(&record);
    let json: Value = serde_json::from_str(&second.repo.read("r.json")).unwrap();
    assert_eq!(json["artifacts"]["artifact_versions.small"]["sha256_by"], "checksum");
    assert_eq!(
        json["artifacts"]["artifact_versions.small"]["sha256"],
        sha256(&objects.1)
    );
}

//! Artifacts against real stores: local files always, and a real S3 API (moto's server, started
//! by `tools/s3-server start`, found through `PINS_TEST_S3_ENDPOINT`) when it runs. Without the
//! server the S3 half is skipped, except under `CI=true`, where that is a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::objects::{self, actions, backends, block_on, bytes, sha256, Backend};
use common::{project_root, Repo, Run};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::Value;

fn s3_endpoint() -> Option<String> {
    objects::s3_endpoint("S3 half of the artifact tests")
}

/// The example repository with an `artifacts` block whose keys start with a folder of this test's
/// own, so that tests sharing the moto buckets never see each other's objects.
struct Fixture {
    repo: Repo,
    backend: Backend,
    run: String,
}

const SMALL: usize = 64;
const LARGE: usize = 20 * 1024 * 1024;

impl Fixture {
    fn new(backend: &Backend) -> Fixture {
        Fixture::with_artifacts_block(backend, None)
    }

    fn with_artifacts_block(backend: &Backend, block: Option<&str>) -> Fixture {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let run = format!("run-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let root = project_root();
        let mut files = Vec::new();
        for rel in [
            "development.tfvars",
            "shared-release.tfvars",
            "data.d/development.tfvars",
            "data.d/staging.tfvars",
            "data.d/production.tfvars",
        ] {
            files.push((rel.to_string(), std::fs::read_to_string(root.join(rel)).unwrap()));
        }
        let block = block
            .map(str::to_string)
            .unwrap_or_else(|| artifacts_block(backend, &run));
        files.push(("pins.hcl".into(), block));
        let pairs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        Fixture {
            repo: Repo::new(&pairs),
            backend: backend.clone(),
            run,
        }
    }

    fn scheme_root(&self) -> &'static str {
        match self.backend {
            Backend::File => "file://store/",
            Backend::S3(_) => "s3://",
        }
    }

    /// Runs pins with this backend's credentials (prod-code's under the `PROD_` prefix).
    fn pins(&self, args: &[&str]) -> Run {
        self.pins_with(args, &[])
    }

    fn pins_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pins"));
        cmd.current_dir(self.repo.path())
            .arg("--repo")
            .arg(self.repo.path())
            .args(["--color", "never"])
            .args(args);
        for (key, _) in std::env::vars() {
            if key.contains("AWS_") {
                cmd.env_remove(key);
            }
        }
        if let Backend::S3(_) = self.backend {
            for prefix in ["", "PROD_"] {
                cmd.env(format!("{prefix}AWS_ACCESS_KEY_ID"), "testing");
                cmd.env(format!("{prefix}AWS_SECRET_ACCESS_KEY"), "testing");
            }
        }
        for (key, value) in env {
            if value.is_empty() {
                cmd.env_remove(key);
            } else {
                cmd.env(key, value);
            }
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    fn local(&self, bucket: &str, key: &str) -> PathBuf {
        self.repo.path().join("store").join(bucket).join(&self.run).join(key)
    }

    fn s3(&self, endpoint: &str, bucket: &str) -> Arc<dyn ObjectStore> {
        objects::s3_store(endpoint, bucket)
    }

    fn key(&self, key: &str) -> ObjectPath {
        ObjectPath::parse(format!("{}/{key}", self.run)).unwrap()
    }

    fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        match &self.backend {
            Backend::File => {
                let path = self.local(bucket, key);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, bytes).unwrap();
            }
            Backend::S3(endpoint) => {
                let store = self.s3(endpoint, bucket);
                block_on(store.put(&self.key(key), PutPayload::from(bytes.to_vec()))).unwrap();
            }
        }
    }

    fn delete(&self, bucket: &str, key: &str) {
        match &self.backend {
            Backend::File => std::fs::remove_file(self.local(bucket, key)).unwrap(),
            Backend::S3(endpoint) => block_on(self.s3(endpoint, bucket).delete(&self.key(key))).unwrap(),
        }
    }

    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        match &self.backend {
            Backend::File => std::fs::read(self.local(bucket, key)).ok(),
            Backend::S3(endpoint) => {
                let store = self.s3(endpoint, bucket);
                block_on(async {
                    match store.get(&self.key(key)).await {
                        Ok(result) => Some(result.bytes().await.unwrap().to_vec()),
                        Err(object_store::Error::NotFound { .. }) => None,
                        Err(e) => panic!("{e}"),
                    }
                })
            }
        }
    }

    /// Development's four artifacts in dev-code, lambda-x a 20 MiB object.
    fn upload_development(&self) -> Vec<(&'static str, Vec<u8>)> {
        let objects = vec![
            ("lambda-x/lambda-x-1.5.0.zip", bytes(1, LARGE)),
            ("lambda-y/lambda-y-2.1.0.zip", bytes(2, SMALL)),
            ("image-resize/image-resize-0.9.3.zip", bytes(3, SMALL)),
            ("frontend/v3.2.0.tar.gz", bytes(4, SMALL)),
        ];
        for (key, data) in &objects {
            self.put("dev-code", key, data);
        }
        objects
    }
}

fn artifacts_block(backend: &Backend, run: &str) -> String {
    let (root, stores) = match backend {
        Backend::File => ("file://store/".to_string(), String::new()),
        Backend::S3(endpoint) => (
            "s3://".to_string(),
            format!(
                "  store \"s3://dev-code\" {{\n    endpoint   = \"{endpoint}\"\n    allow_http = true\n  }}\n  store \"s3://prod-code\" {{\n    endpoint   = \"{endpoint}\"\n    allow_http = true\n    env_prefix = \"PROD_\"\n  }}\n"
            ),
        ),
    };
    format!(
        "artifacts {{\n  location = \"{root}${{artifact_bucket}}/{run}/${{pin}}/${{pin}}-${{version}}.zip\"\n  pin \"frontend_version\" {{\n    location = \"{root}${{artifact_bucket}}/{run}/frontend/${{version}}.tar.gz\"\n  }}\n{stores}}}\n"
    )
}

/// Whether some line holds all of `words`, in order.
fn has_line(text: &str, words: &[&str]) -> bool {
    text.lines().any(|line| {
        let mut rest = line;
        words.iter().all(|w| match rest.find(w) {
            Some(i) => {
                rest = &rest[i + w.len()..];
                true
            }
            None => false,
        })
    })
}

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
}

fn refused(run: &Run, needle: &str) {
    assert_eq!(
        run.code, 2,
        "expected exit 2\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", run.stderr);
}

#[test]
fn list_fills_each_pins_location_from_the_environments_data() {
    for backend in backends("S3 half of the artifact tests") {
        let f = Fixture::new(&backend);
        let run = f.pins(&["artifacts", "staging", "--format", "json"]);
        ok(&run);
        let json = run.json();
        let artifacts = json["artifacts"].as_array().unwrap();
        assert_eq!(artifacts.len(), 4);
        let x = &artifacts[0];
        assert_eq!(x["pin"], "lambda-x");
        assert_eq!(x["version"], "1.4.2");
        assert_eq!(
            (x["file"].as_str(), x["line"].as_u64()),
            (Some("shared-release.tfvars"), Some(4))
        );
        let location = x["location"].as_str().unwrap();
        match backend {
            Backend::File => assert_eq!(
                location,
                format!(
                    "file://{}/store/prod-code/{}/lambda-x/lambda-x-1.4.2.zip",
                    f.repo.path().display(),
                    f.run
                )
            ),
            Backend::S3(_) => assert_eq!(
                location,
                format!("s3://prod-code/{}/lambda-x/lambda-x-1.4.2.zip", f.run)
            ),
        }
        let front = artifacts.iter().find(|a| a["pin"] == "frontend_version").unwrap();
        assert!(
            front["location"].as_str().unwrap().ends_with("/frontend/v3.1.4.tar.gz"),
            "{front}"
        );
        let dev = f.pins(&["artifacts", "development"]);
        ok(&dev);
        assert!(dev
            .stdout
            .contains(&format!("{}dev-code/", f.scheme_root()).replace("file://store/", "/store/")));
        assert!(dev.stdout.contains("development.tfvars:3:20"), "{}", dev.stdout);
    }
}

#[test]
fn check_lists_each_missing_artifact_with_the_line_that_pins_it() {
    for backend in backends("S3 half of the artifact tests") {
        let f = Fixture::new(&backend);
        f.put("dev-code", "lambda-x/lambda-x-1.5.0.zip", b"x");
        f.put("dev-code", "image-resize/image-resize-0.9.3.zip", b"i");
        f.put("dev-code", "frontend/v3.2.0.tar.gz", b"f");
        let run = f.pins(&["artifacts", "check", "development"]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stdout
                .contains("development.tfvars:4:20: missing artifact: lambda-y 2.1.0 is not at"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("FAIL: 1 of 4 artifacts of development are missing"));
        let json = f
            .pins(&["artifacts", "check", "development", "--format", "json"])
            .json();
        assert_eq!(json["missing"], 1);
        assert_eq!(json["artifacts"][1]["exists"], false);
        assert_eq!(json["artifacts"][0]["size"], 1);
        f.put("dev-code", "lambda-y/lambda-y-2.1.0.zip", b"y");
        let run = f.pins(&["artifacts", "check", "development"]);
        ok(&run);
        assert!(run.stdout.contains("ok: all 4 artifacts of development exist"));
    }
}

#[test]
fn promote_copies_streams_skips_identical_and_refuses_conflicts() {
    for backend in backends("S3 half of the artifact tests") {
        let f = Fixture::new(&backend);
        let objects = f.upload_development();
        ok(&f.pins(&["promote", "development", "staging"]));

        let dry = f.pins(&[
            "artifacts",
            "promote",
            "development",
            "staging",
            "--dry-run",
            "--format",
            "json",
        ]);
        ok(&dry);
        assert!(actions(&dry).iter().all(|(_, a)| a == "copy"), "{}", dry.stdout);
        assert_eq!(
            f.get("prod-code", "lambda-x/lambda-x-1.5.0.zip"),
            None,
            "a dry run copies nothing"
        );

        let run = f.pins(&["artifacts", "promote", "development", "staging"]);
        ok(&run);
        assert!(
            run.stdout
                .contains("copied 4 of 4 artifacts from development to staging"),
            "{}",
            run.stdout
        );
        assert!(
            run.stderr.contains("copied lambda-x 1.5.0"),
            "plain progress lines off a terminal: {}",
            run.stderr
        );
        for (key, data) in &objects {
            let copied = f.get("prod-code", key).unwrap_or_else(|| panic!("{key} not copied"));
            assert!(copied == *data, "{key}: copied bytes differ");
        }

        // Again: every target already holds the same content.
        let again = f.pins(&["artifacts", "promote", "development", "staging", "--format", "json"]);
        ok(&again);
        assert!(actions(&again).iter().all(|(_, a)| a == "present"), "{}", again.stdout);

        // Staging and production read the same bucket: nothing to copy.
        let same = f.pins(&["artifacts", "promote", "staging", "production", "--format", "json"]);
        ok(&same);
        assert!(actions(&same).iter().all(|(_, a)| a == "in_place"), "{}", same.stdout);

        // A different object under the same version in prod-code: refused, nothing copied.
        let other = bytes(9, SMALL);
        f.put("prod-code", "lambda-y/lambda-y-2.1.0.zip", &other);
        let fresh = bytes(5, SMALL);
        f.put("dev-code", "image-resize/image-resize-0.9.3.zip", &fresh);
        ok(&f.pins(&["bump", "image-resize", "0.9.4", "--env", "development"]));
        f.put("dev-code", "image-resize/image-resize-0.9.4.zip", &fresh);
        ok(&f.pins(&["promote", "development", "staging"]));
        let conflict = f.pins(&["artifacts", "promote", "development", "staging"]);
        refused(&conflict, "nothing copied: 1 target(s) hold different content");
        assert!(
            has_line(&conflict.stdout, &["CONFLICT", "lambda-y", "2.1.0"]),
            "{}",
            conflict.stdout
        );
        let conflict_json = f.pins(&["artifacts", "promote", "development", "staging", "--format", "json"]);
        assert_eq!(conflict_json.code, 2);
        let acts = actions(&conflict_json);
        assert!(acts.contains(&("lambda-y".into(), "conflict".into())), "{acts:?}");
        assert!(acts.contains(&("image-resize".into(), "copy".into())), "{acts:?}");
        assert_eq!(
            f.get("prod-code", "image-resize/image-resize-0.9.4.zip"),
            None,
            "refusal copies nothing"
        );
        assert_eq!(f.get("prod-code", "lambda-y/lambda-y-2.1.0.zip"), Some(other));

        let forced = f.pins(&[
            "artifacts",
            "promote",
            "development",
            "staging",
            "--force",
            "--format",
            "json",
        ]);
        ok(&forced);
        let acts = actions(&forced);
        assert!(acts.contains(&("lambda-y".into(), "overwrite".into())), "{acts:?}");
        assert!(acts.contains(&("image-resize".into(), "copy".into())), "{acts:?}");
        assert_eq!(
            f.get("prod-code", "lambda-y/lambda-y-2.1.0.zip"),
            Some(objects[1].1.clone())
        );
        assert_eq!(f.get("prod-code", "image-resize/image-resize-0.9.4.zip"), Some(fresh));

        // A version whose build was never uploaded: refused with the line that pins it.
        ok(&f.pins(&["bump", "lambda-y", "2.2.0", "--env", "development"]));
        ok(&f.pins(&["promote", "development", "staging"]));
        let missing = f.pins(&["artifacts", "promote", "development", "staging"]);
        refused(&missing, "1 source(s) do not exist in development");
        assert!(
            has_line(&missing.stdout, &["MISSING", "lambda-y", "2.2.0"]),
            "{}",
            missing.stdout
        );
        assert!(!missing.stdout.contains("CONFLICT"), "{}", missing.stdout);
        assert!(
            missing.stdout.contains("(pinned at shared-release.tfvars:5:20)"),
            "{}",
            missing.stdout
        );

        // --only limits the copy to the pins named.
        let only = f.pins(&[
            "artifacts",
            "promote",
            "development",
            "staging",
            "--only",
            "image-resize",
            "--format",
            "json",
        ]);
        ok(&only);
        assert_eq!(
            actions(&only),
            vec![("image-resize".to_string(), "present".to_string())]
        );
    }
}

#[test]
fn record_and_verify_catch_a_zip_reuploaded_under_the_same_version() {
    for backend in backends("S3 half of the artifact tests") {
        let f = Fixture::new(&backend);
        let objects = f.upload_development();
        ok(&f.pins(&["promote", "development", "staging"]));
        ok(&f.pins(&["artifacts", "promote", "development", "staging"]));

        let run = f.pins(&["record", "staging", "--artifacts", "--out", "tested.json"]);
        ok(&run);
        assert!(run.stdout.contains("4 pins and 4 artifact digests"), "{}", run.stdout);
        let record: Value = serde_json::from_str(&f.repo.read("tested.json")).unwrap();
        let x = &record["artifacts"]["artifact_versions.lambda-x"];
        assert_eq!(x["sha256"], sha256(&objects[0].1));
        assert_eq!(x["size"], LARGE as u64);
        assert_eq!(x["version"], "1.5.0");

        let verify = ["verify", "production", "--tested", "tested.json", "--artifacts"];
        let clean = f.pins(&verify);
        ok(&clean);
        assert!(
            clean
                .stdout
                .contains("artifacts: every artifact has the tested content"),
            "{}",
            clean.stdout
        );

        // Same version, same size, different bytes in the bucket production reads.
        let mut changed = objects[0].1.clone();
        changed[LARGE / 2] ^= 0xff;
        f.put("prod-code", "lambda-x/lambda-x-1.5.0.zip", &changed);
        let drift = f.pins(&verify);
        assert_eq!(drift.code, 1, "{drift:?}");
        assert!(
            drift
                .stdout
                .contains("shared-release.tfvars:4:20: artifact of lambda-x 1.5.0 differs"),
            "{}",
            drift.stdout
        );
        assert!(
            drift
                .stdout
                .contains("FAIL: production would deploy artifacts that were not tested"),
            "{}",
            drift.stdout
        );
        let mut json_args = verify.to_vec();
        json_args.extend(["--format", "json"]);
        let json = f.pins(&json_args).json();
        assert_eq!(json["artifacts"]["findings"][0]["kind"], "content-differs");
        assert_eq!(json["artifacts"]["findings"][0]["pin"], "lambda-x");
        // Without --artifacts only pins are compared, and they are the same.
        ok(&f.pins(&["verify", "production", "--tested", "tested.json"]));

        // A missing artifact is a finding too; the original bytes pass again.
        f.delete("prod-code", "lambda-x/lambda-x-1.5.0.zip");
        let gone = f.pins(&verify);
        assert_eq!(gone.code, 1, "{gone:?}");
        assert!(
            gone.stdout.contains("artifact of lambda-x 1.5.0 is missing"),
            "{}",
            gone.stdout
        );
        f.put("prod-code", "lambda-x/lambda-x-1.5.0.zip", &objects[0].1);
        ok(&f.pins(&verify));

        // An edited digest is caught by the record's own digest.
        let text = f
            .repo
            .read("tested.json")
            .replace(&sha256(&objects[0].1), &sha256(&changed));
        f.repo.write("tampered.json", text.as_bytes());
        refused(
            &f.pins(&["verify", "production", "--tested", "tampered.json", "--artifacts"]),
            "digest mismatch",
        );

        // A record without artifact digests cannot verify artifacts.
        ok(&f.pins(&["record", "staging", "--out", "pins-only.json"]));
        refused(
            &f.pins(&["verify", "production", "--tested", "pins-only.json", "--artifacts"]),
            "holds no artifact digests",
        );
    }
}

#[test]
fn recording_a_missing_artifact_writes_no_record() {
    for backend in backends("S3 half of the artifact tests") {
        let f = Fixture::new(&backend);
        f.put("prod-code", "lambda-x/lambda-x-1.4.2.zip", b"x");
        let run = f.pins(&["record", "staging", "--artifacts", "--out", "r.json"]);
        refused(&run, "cannot record the artifacts of staging: 3 missing");
        assert!(
            run.stderr
                .contains("shared-release.tfvars:5:20: lambda-y 2.0.1 is not at"),
            "{}",
            run.stderr
        );
        assert!(!f.repo.path().join("r.json").exists());
    }
}

#[test]
fn bad_templates_and_locations_exit_2_and_copy_nothing() {
    let cases: [(&str, &str); 6] = [
        (
            "location = \"s3://${bucket}/${pin}.zip\"",
            "`bucket` is not defined in environment `",
        ),
        (
            "location = \"s3://${artifact_bucket}/${pin\"",
            "pins.hcl:2:44: expected `}`",
        ),
        (
            "location = \"gs://${artifact_bucket}/${pin}.zip\"",
            "the scheme `gs://`, which pins does not allow",
        ),
        (
            "location = \"s3://${artifact_bucket}/../${pin}.zip\"",
            "may not hold empty, `.` or `..` segments",
        ),
        (
            "location = \"s3://${instance_count}/${pin}.zip\"",
            "is not an S3 bucket name",
        ),
        (
            "location = \"file://${instance_count}/%{if x}y%{endif}\"",
            "template directives",
        ),
    ];
    for (body, needle) in cases {
        let f = Fixture::with_artifacts_block(&Backend::File, Some(&format!("artifacts {{\n  {body}\n}}\n")));
        let before = f.repo.snapshot();
        refused(&f.pins(&["artifacts", "promote", "development", "staging"]), needle);
        refused(&f.pins(&["artifacts", "development"]), needle);
        assert_eq!(f.repo.snapshot(), before, "{body}");
    }
    let none = Fixture::with_artifacts_block(&Backend::File, Some("records_dir = \"r\"\n"));
    refused(
        &none.pins(&["artifacts", "check", "staging"]),
        "pins.hcl has no `artifacts` block",
    );
    let f = Fixture::new(&Backend::File);
    refused(
        &f.pins(&["artifacts", "promote", "development", "staging", "--only", "lambda-z"]),
        "unknown pin `lambda-z` (did you mean",
    );
    refused(&f.pins(&["artifacts", "check", "prod"]), "unknown environment `prod`");
    let skip = Fixture::with_artifacts_block(
        &Backend::File,
        Some("artifacts {\n  location = \"file://s/${pin}\"\n  pin \"frontend_version\" {\n    skip = true\n  }\n}\n"),
    );
    let listed = skip.pins(&["artifacts", "staging", "--format", "json"]).json();
    assert_eq!(
        listed["artifacts"].as_array().unwrap().len(),
        3,
        "skip = true leaves the pin out"
    );
}

#[test]
fn unreachable_endpoints_and_missing_credentials_exit_2_and_copy_nothing() {
    let Some(endpoint) = s3_endpoint() else { return };
    let backend = Backend::S3(endpoint.clone());
    let f = Fixture::new(&backend);
    f.upload_development();
    ok(&f.pins(&["promote", "development", "staging"]));
    let promote = ["artifacts", "promote", "development", "staging"];

    let no_secret = f.pins_with(&promote, &[("PROD_AWS_SECRET_ACCESS_KEY", "")]);
    refused(
        &no_secret,
        "s3://prod-code: PROD_AWS_ACCESS_KEY_ID is set but PROD_AWS_SECRET_ACCESS_KEY is not",
    );
    let none = f.pins_with(&promote, &[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")]);
    refused(&none, "s3://dev-code: no credentials");
    assert_eq!(f.get("prod-code", "lambda-y/lambda-y-2.1.0.zip"), None);

    // Nothing listens on port 9 of loopback.
    let block = artifacts_block(&backend, &f.run).replace(&endpoint, "http://127.0.0.1:9");
    f.repo.write("pins.hcl", block.as_bytes());
    let unreachable = f.pins(&promote);
    refused(&unreachable, "looking up s3://");
    let check = f.pins(&["artifacts", "check", "staging"]);
    refused(&check, "looking up s3://prod-code/");

    let plain = artifacts_block(&backend, &f.run).replacen("    allow_http = true\n", "", 1);
    f.repo.write("pins.hcl", plain.as_bytes());
    refused(&f.pins(&promote), "is plain http; set allow_http = true");
    assert_eq!(
        f.get("prod-code", "lambda-y/lambda-y-2.1.0.zip"),
        None,
        "nothing was copied"
    );
}

#[test]
fn check_reports_locations_an_environment_cannot_fill() {
    let block = "artifacts {\n  location = \"s3://${artifact_bucket}/${pin}.zip\"\n  pin \"frontend_version\" {\n    location = \"s3://${web_bucket}/${version}.tar.gz\"\n  }\n  pin \"lambda-z\" {\n    skip = true\n  }\n}\n";
    let f = Fixture::with_artifacts_block(&Backend::File, Some(block));
    let json = f.pins(&["check", "--format", "json"]).json();
    let found: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "artifact-location")
        .map(|x| x["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(found.len(), 4, "{found:#?}");
    for env in ["development", "staging", "production"] {
        assert!(
            found
                .iter()
                .any(|m| m.contains(&format!("`web_bucket` is not defined in environment `{env}`"))),
            "{found:#?}"
        );
    }
    assert!(
        found
            .iter()
            .any(|m| m.contains("artifacts pin \"lambda-z\" names no pin of any environment (did you mean `lambda-x`")),
        "{found:#?}"
    );
    f.repo.write(
        "data.d/production.tfvars",
        b"artifact_bucket = \"prod-code\"\nweb_bucket = \"prod-web\"\n",
    );
    let json = f.pins(&["check", "--format", "json"]).json();
    let left = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "artifact-location")
        .count();
    assert_eq!(left, 3, "production can fill its locations now");
}

/// A web server that answers 404 to every request, as a wrong endpoint or a proxy would.
fn not_found_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0
                        || stream
                            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found")
                            .is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

#[test]
fn an_endpoint_that_is_not_s3_is_an_error_not_missing_artifacts() {
    let fake = not_found_server();
    let backend = Backend::S3(fake.clone());
    let f = Fixture::new(&backend);
    let check = f.pins(&["artifacts", "check", "staging"]);
    refused(
        &check,
        "does not answer as an S3 bucket either (wrong endpoint or bucket name?)",
    );
    assert!(
        check.stdout.is_empty(),
        "no artifact is reported missing: {}",
        check.stdout
    );
    refused(
        &f.pins(&["artifacts", "promote", "development", "staging"]),
        "does not answer as an S3 bucket",
    );
    refused(
        &f.pins(&["record", "staging", "--artifacts"]),
        "does not answer as an S3 bucket",
    );
    assert!(!f.repo.path().join(".pins").exists(), "no record written");

    // A bucket that does not exist on a real S3 API is the same error.
    // A bucket without a store block is reached through AWS_ENDPOINT_URL / AWS_ALLOW_HTTP.
    let Some(endpoint) = s3_endpoint() else { return };
    let real = Fixture::new(&Backend::S3(endpoint.clone()));
    real.repo.write(
        "data.d/staging.tfvars",
        b"db_endpoint = \"db.staging.internal\"\nartifact_bucket = \"no-such-bucket\"\ninstance_count = 2\n",
    );
    let env = [("AWS_ENDPOINT_URL", endpoint.as_str()), ("AWS_ALLOW_HTTP", "true")];
    refused(
        &real.pins_with(&["artifacts", "check", "staging"], &env),
        "s3://no-such-bucket does not answer as an S3 bucket",
    );
}

#[test]
fn each_bucket_can_be_configured_from_environment_variables_alone() {
    let Some(endpoint) = s3_endpoint() else { return };
    let f = Fixture::new(&Backend::S3(endpoint.clone()));
    f.upload_development();
    ok(&f.pins(&["promote", "development", "staging"]));
    let plain = format!(
        "artifacts {{\n  location = \"s3://${{artifact_bucket}}/{}/${{pin}}/${{pin}}-${{version}}.zip\"\n  pin \"frontend_version\" {{\n    location = \"s3://${{artifact_bucket}}/{}/frontend/${{version}}.tar.gz\"\n  }}\n}}\n",
        f.run, f.run
    );
    f.repo.write("pins.hcl", plain.as_bytes());
    let mut env: Vec<(String, String)> = Vec::new();
    for bucket in ["DEV_CODE", "PROD_CODE"] {
        for (key, value) in [
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
        ] {
            env.push((format!("PINS_{bucket}_{key}"), value.to_string()));
        }
    }
    // The plain AWS_* variables point elsewhere and must not be used.
    env.push(("AWS_ACCESS_KEY_ID".into(), "wrong".into()));
    env.push(("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into()));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = f.pins_with(
        &["artifacts", "promote", "development", "staging", "--format", "json"],
        &pairs,
    );
    ok(&run);
    assert!(actions(&run).iter().all(|(_, a)| a == "copy"), "{}", run.stdout);
    assert!(f.get("prod-code", "lambda-y/lambda-y-2.1.0.zip").is_some());
    // Without prod-code's secret, that store has half its credentials: an error, nothing read.
    let half: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| {
            if *k == "PINS_PROD_CODE_AWS_SECRET_ACCESS_KEY" {
                (*k, "")
            } else {
                (*k, *v)
            }
        })
        .collect();
    refused(
        &f.pins_with(&["artifacts", "check", "staging"], &half),
        "PINS_PROD_CODE_AWS_ACCESS_KEY_ID is set but PINS_PROD_CODE_AWS_SECRET_ACCESS_KEY is not",
    );
}

#[test]
fn a_terminal_gets_a_progress_bar_instead_of_plain_lines() {
    if Command::new("script").arg("--version").output().is_err() {
        common::skip("no `script` to give pins a terminal");
        return;
    }
    let f = Fixture::new(&Backend::File);
    f.upload_development();
    ok(&f.pins(&["promote", "development", "staging"]));
    let command = format!(
        "{} --repo {} --color never artifacts promote development staging",
        env!("CARGO_BIN_EXE_pins"),
        f.repo.path().display()
    );
    let out = Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .env_remove("CI")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("lambda-x 1.5.0 ["),
        "a progress bar is drawn:\n{screen}"
    );
    assert!(
        !screen.contains("copied lambda-x 1.5.0:"),
        "no plain lines on a terminal:\n{screen}"
    );
    assert!(screen.contains("copied 4 of 4 artifacts"), "{screen}");
    assert_eq!(
        f.get("prod-code", "lambda-x/lambda-x-1.5.0.zip").map(|b| b.len()),
        Some(LARGE)
    );
}

#[test]
fn verify_against_a_tested_ref_reads_the_tested_artifacts_live() {
    // Production deploys from its own bucket here; staging's tested builds are in prod-code.
    let f = Fixture::new(&Backend::File);
    f.repo.write(
        "data.d/production.tfvars",
        b"db_endpoint = \"db.prod.internal\"\nartifact_bucket = \"prod-live\"\ninstance_count = 3\n",
    );
    let objects = [
        ("lambda-x/lambda-x-1.4.2.zip", bytes(11, SMALL)),
        ("lambda-y/lambda-y-2.0.1.zip", bytes(12, SMALL)),
        ("image-resize/image-resize-0.9.3.zip", bytes(13, SMALL)),
        ("frontend/v3.1.4.tar.gz", bytes(14, SMALL)),
    ];
    for (key, data) in &objects {
        f.put("prod-code", key, data);
    }
    f.repo.git(&["init", "-q"]);
    f.repo.git(&["add", "-A"]);
    f.repo.git(&["commit", "-qm", "staging tested"]);
    let verify = [
        "verify",
        "production",
        "--tested-ref",
        "HEAD",
        "--artifacts",
        "--format",
        "json",
    ];

    // Nothing copied to production's bucket yet: every artifact is missing there.
    let missing = f.pins(&verify);
    assert_eq!(missing.code, 1, "{missing:?}");
    let kinds: Vec<Value> = missing.json()["artifacts"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].clone())
        .collect();
    assert_eq!(kinds, vec![Value::from("missing"); 4]);

    ok(&f.pins(&["artifacts", "promote", "staging", "production"]));
    ok(&f.pins(&verify));

    // A rebuilt zip uploaded under the same version to production's bucket only.
    f.put("prod-live", "lambda-y/lambda-y-2.0.1.zip", &bytes(99, SMALL));
    let drift = f.pins(&verify);
    assert_eq!(drift.code, 1, "{drift:?}");
    let findings = drift.json()["artifacts"]["findings"].clone();
    assert_eq!(findings.as_array().unwrap().len(), 1, "{findings}");
    assert_eq!(findings[0]["pin"], "lambda-y");
    assert_eq!(findings[0]["kind"], "content-differs");
}

#[test]
fn the_readme_pins_hcl_example_is_valid() {
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let start = readme.find("```hcl\n").expect("README shows pins.hcl") + "```hcl\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let f = Fixture::with_artifacts_block(&Backend::File, Some(example));
    let run = f.pins(&["artifacts", "staging", "--format", "json"]);
    ok(&run);
    assert_eq!(
        run.json()["artifacts"][3]["location"],
        "s3://prod-code/frontend/v3.1.4.tar.gz"
    );
}

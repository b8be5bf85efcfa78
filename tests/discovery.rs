//! Discovery against real stores: `pins outdated`, `pins bump PIN latest` and `pins bump
//! --latest` list each pin's artifact location in local files always, and in a real S3 API
//! (moto's server, `tools/s3-server start`, found through `PINS_TEST_S3_ENDPOINT`) when it runs.
//! Without the server the S3 half is skipped, except under `CI=true`, where that is a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::objects::{self, backends, block_on, Backend};
use common::proxy::{Fault, Proxy};
use common::{project_root, Repo, Run};
use futures::StreamExt as _;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

fn s3_endpoint() -> Option<String> {
    objects::s3_endpoint("S3 half of the discovery tests")
}

/// The example repository whose artifacts live under a folder of this test's own (`RUN/`), so
/// that tests sharing the moto buckets never see each other's objects.
struct Fixture {
    repo: Repo,
    backend: Backend,
    run: String,
}

/// The example's pin blocks: lambda-y held to `~2.1`, frontend in a folder per version.
const PINS: &str = "  pin \"lambda-y\" {\n    constraint = \"~2.1\"\n  }\n";

impl Fixture {
    fn new(backend: &Backend) -> Fixture {
        Fixture::with_pins(backend, PINS)
    }

    /// The fixture with these `pin` blocks (and frontend's own) in its `artifacts` block.
    fn with_pins(backend: &Backend, pins: &str) -> Fixture {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let run = format!("disc-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let mut files = Vec::new();
        for rel in [
            "development.tfvars",
            "shared-release.tfvars",
            "data.d/development.tfvars",
            "data.d/staging.tfvars",
            "data.d/production.tfvars",
        ] {
            files.push((
                rel.to_string(),
                std::fs::read_to_string(project_root().join(rel)).unwrap(),
            ));
        }
        let root = root(backend);
        let block = format!(
            "artifacts {{\n  location = \"{root}${{artifact_bucket}}/{run}/${{pin}}/${{pin}}-${{version}}.zip\"\n  pin \"frontend_version\" {{\n    location = \"{root}${{artifact_bucket}}/{run}/frontend/${{version}}/app.tar.gz\"\n  }}\n{pins}{}}}\n",
            stores(backend)
        );
        files.push(("pins.hcl".into(), block));
        let pairs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        Fixture {
            repo: Repo::new(&pairs),
            backend: backend.clone(),
            run,
        }
    }

    /// The location as outdated shows it: `${version}` open.
    fn at(&self, bucket: &str, rest: &str) -> String {
        format!("{}{bucket}/{}/{rest}", root(&self.backend), self.run)
    }

    fn pins(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pins"));
        cmd.arg("--repo")
            .arg(self.repo.path())
            .args(["--color", "never"])
            .args(args);
        cmd.current_dir(self.repo.path());
        for (key, _) in std::env::vars() {
            if key.contains("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    /// Puts empty objects at these keys (under the test's folder), many at once.
    fn put(&self, bucket: &str, keys: &[String]) {
        match &self.backend {
            Backend::File => {
                for key in keys {
                    self.repo
                        .write(&format!("store/{bucket}/{}/{key}", self.run), b"artifact");
                }
            }
            Backend::S3(endpoint) => {
                let store = s3(endpoint, bucket);
                let puts = keys.iter().map(|key| {
                    let store = Arc::clone(&store);
                    let path = ObjectPath::parse(format!("{}/{key}", self.run)).unwrap();
                    async move { store.put(&path, PutPayload::from_static(b"artifact")).await.unwrap() }
                });
                block_on(futures::stream::iter(puts).buffer_unordered(16).count());
            }
        }
    }

    /// The example's development store: versions, pre-releases and keys that are not versions.
    fn fill_development(&self) {
        let keys: Vec<String> = [
            "lambda-x/lambda-x-1.4.2.zip",
            "lambda-x/lambda-x-1.5.0.zip",
            "lambda-x/lambda-x-1.5.1.zip",
            "lambda-x/lambda-x-1.6.0-rc.1.zip",
            "lambda-x/lambda-x-latest.zip",
            "lambda-x/lambda-x-1.7.zip",
            "lambda-x/lambda-x-1.9.0.tar.gz",
            "lambda-x/notes.txt",
            "lambda-x/lambda-x-9.0.0.zip/inside.zip",
            "lambda-y/lambda-y-2.1.0.zip",
            "lambda-y/lambda-y-2.1.3.zip",
            "lambda-y/lambda-y-2.2.0.zip",
            "lambda-y/lambda-y-3.0.0.zip",
            "frontend/v3.2.0/app.tar.gz",
            "frontend/v3.3.0/app.tar.gz",
            "frontend/v3.4.0/other.txt",
            "frontend/latest/app.tar.gz",
        ]
        .map(String::from)
        .to_vec();
        self.put("dev-code", &keys);
    }
}

fn root(backend: &Backend) -> &'static str {
    match backend {
        Backend::File => "file://store/",
        Backend::S3(_) => "s3://",
    }
}

fn stores(backend: &Backend) -> String {
    match backend {
        Backend::File => String::new(),
        Backend::S3(endpoint) => ["dev-code", "prod-code"]
            .map(|b| format!("  store \"s3://{b}\" {{\n    endpoint   = \"{endpoint}\"\n    allow_http = true\n  }}\n"))
            .concat(),
    }
}

fn s3(endpoint: &str, bucket: &str) -> Arc<dyn ObjectStore> {
    objects::s3_store(endpoint, bucket)
}

fn code(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

fn refused(run: &Run, needle: &str) {
    code(run, 2);
    assert!(run.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", run.stderr);
}

#[test]
fn outdated_shows_each_pins_newest_allowed_version_in_text_json_and_markdown() {
    for backend in backends("S3 half of the discovery tests") {
        let f = Fixture::new(&backend);
        f.fill_development();
        let run = f.pins(&["outdated"]);
        code(&run, 1);
        let image = f.at("dev-code", "image-resize/image-resize-${version}.zip");
        assert_eq!(
            run.stdout,
            format!(
                "3 of 4 pins behind in development

PIN               CURRENT  LATEST  NEWEST  KIND               CONSTRAINT
lambda-x          1.5.0    1.5.1   1.5.1   patch              —
lambda-y          2.1.0    2.1.3   3.0.0   patch              ~2.1
image-resize      0.9.3    —       —       no versions found  —
frontend_version  v3.2.0   v3.3.0  v3.3.0  minor              —
note: no version of image-resize found at {image}
"
            )
        );
        let markdown = f.pins(&["outdated", "development", "--format", "markdown"]);
        code(&markdown, 1);
        assert_eq!(
            markdown.stdout,
            format!(
                "### pins: outdated pins of `development`

| Pin | Current | Latest allowed | Newest | Kind | Constraint |
|---|---|---|---|---|---|
| `lambda-x` | `1.5.0` | `1.5.1` | `1.5.1` | patch | — |
| `lambda-y` | `2.1.0` | `2.1.3` | `3.0.0` | patch | `~2.1` |
| `image-resize` | `0.9.3` | — | — | no versions found | — |
| `frontend_version` | `v3.2.0` | `v3.3.0` | `v3.3.0` | minor | — |

**3 of 4 pins behind in development**

Note: no version of image-resize found at {image}
"
            )
        );
        let json = f.pins(&["outdated", "--format", "json", "--only", "lambda-y"]);
        code(&json, 1);
        let location = f.at("dev-code", "lambda-y/lambda-y-${version}.zip");
        assert_eq!(
            json.json(),
            serde_json::json!({
                "environment": "development",
                "pins": [{
                    "pin": "lambda-y", "variable": "artifact_versions", "current": "2.1.0",
                    "latest": "2.1.3", "newest": "3.0.0", "kind": "patch", "status": "behind",
                    "constraint": "~2.1", "location": location,
                    "file": "development.tfvars", "line": 4, "column": 20
                }],
                "behind": 1
            })
        );
    }
}

#[test]
fn bump_latest_writes_through_the_bump_path_and_outdated_then_exits_0() {
    for backend in backends("S3 half of the discovery tests") {
        let f = Fixture::new(&backend);
        f.fill_development();
        let before = f.repo.read("development.tfvars");
        let dry = f.pins(&["bump", "lambda-x", "latest", "--dry-run"]);
        code(&dry, 0);
        assert!(
            dry.stdout
                .ends_with("development.tfvars: lambda-x 1.5.0 → 1.5.1 (patch)\ndry run: nothing written\n"),
            "{}",
            dry.stdout
        );
        assert_eq!(f.repo.read("development.tfvars"), before, "a dry run writes nothing");

        refused(
            &f.pins(&["bump", "lambda-x", "latest", "--expect", "1.4.0"]),
            "expected 1.4.0 but development.tfvars holds 1.5.0",
        );
        assert_eq!(f.repo.read("development.tfvars"), before);

        let one = f.pins(&["bump", "lambda-x", "latest", "--expect", "1.5.0", "--format", "json"]);
        code(&one, 0);
        assert_eq!(
            one.json()["changes"],
            serde_json::json!([{"pin": "lambda-x", "from": "1.5.0", "to": "1.5.1", "kind": "patch"}])
        );
        assert_eq!(
            f.repo.read("development.tfvars"),
            before.replace("\"1.5.0\"", "\"1.5.1\"")
        );

        let again = f.pins(&["bump", "lambda-x", "latest"]);
        code(&again, 0);
        let lambda_x = f.at("dev-code", "lambda-x/lambda-x-${version}.zip");
        assert_eq!(
            again.stdout,
            format!("development.tfvars: nothing to change\nnote: lambda-x 1.5.1 is the newest allowed version at {lambda_x}\n")
        );

        let only = f.pins(&["bump", "--latest", "--only", "frontend_version"]);
        code(&only, 0);
        assert_eq!(
            only.stdout,
            "development.tfvars: frontend_version v3.2.0 → v3.3.0 (minor)\n"
        );

        let all = f.pins(&["bump", "--latest"]);
        code(&all, 0);
        let image = f.at("dev-code", "image-resize/image-resize-${version}.zip");
        assert_eq!(
            all.stdout,
            format!("development.tfvars: lambda-y 2.1.0 → 2.1.3 (patch)\nnote: no version of image-resize found at {image}\n")
        );
        let expected = before
            .replace("\"1.5.0\"", "\"1.5.1\"")
            .replace("\"2.1.0\"", "\"2.1.3\"")
            .replace("\"v3.2.0\"", "\"v3.3.0\"");
        assert_eq!(
            f.repo.read("development.tfvars"),
            expected,
            "only the versions' bytes changed"
        );
        code(&f.pins(&["outdated"]), 0);
        refused(
            &f.pins(&["bump", "image-resize", "latest"]),
            &format!("no version of image-resize found at {image}; nothing written"),
        );
        refused(
            &f.pins(&["bump", "lambda-z", "latest"]),
            "unknown pin `lambda-z` in development (did you mean",
        );
    }
}

#[test]
fn constraints_and_pre_releases_limit_the_candidates() {
    for backend in backends("S3 half of the discovery tests") {
        let pins = "  pin \"lambda-x\" {\n    constraint = \"^1.5, <1.6.1\"\n    prerelease = true\n  }\n  pin \"lambda-y\" {\n    constraint = \">=2.2\"\n  }\n";
        let f = Fixture::with_pins(&backend, pins);
        f.fill_development();
        f.put(
            "dev-code",
            &[
                "lambda-x/lambda-x-1.6.1-beta.1.zip".into(),
                "lambda-x/lambda-x-2.0.0-rc.1.zip".into(),
            ],
        );
        let json = f
            .pins(&["outdated", "--format", "json", "--only", "lambda-x,lambda-y"])
            .json();
        let row = |i: usize| {
            (
                json["pins"][i]["latest"].clone(),
                json["pins"][i]["newest"].clone(),
                json["pins"][i]["kind"].clone(),
            )
        };
        assert_eq!(
            row(0),
            ("1.6.0-rc.1".into(), "2.0.0-rc.1".into(), "minor".into()),
            "a pre-release of an allowed release counts; 1.6.1-beta.1 is outside"
        );
        assert_eq!(row(1), ("3.0.0".into(), "3.0.0".into(), "major".into()));
        // Without `prerelease = true`, pre-releases are no candidates at all.
        let f = Fixture::new(&backend);
        f.fill_development();
        f.put("dev-code", &["lambda-x/lambda-x-2.0.0-rc.1.zip".into()]);
        let json = f.pins(&["outdated", "--format", "json", "--only", "lambda-x"]).json();
        assert_eq!(json["pins"][0]["newest"], "1.5.1");
    }
}

#[test]
fn listings_follow_pagination_and_skip_thousands_of_other_keys() {
    for backend in backends("S3 half of the discovery tests") {
        let f = Fixture::new(&backend);
        let mut keys: Vec<String> = (0..1100).map(|i| format!("lambda-x/lambda-x-1.{i}.0.zip")).collect();
        keys.extend((0..2000).map(|i| format!("lambda-x/build-{i}.log")));
        keys.extend((0..500).map(|i| format!("lambda-x/lambda-x-nightly-{i}.zip")));
        f.put("dev-code", &keys);
        let started = std::time::Instant::now();
        let run = f.pins(&["outdated", "--only", "lambda-x", "--format", "json"]);
        let took = started.elapsed();
        code(&run, 1);
        assert_eq!(
            run.json()["pins"][0]["latest"],
            "1.1099.0",
            "the newest is on the second page"
        );
        assert!(took.as_secs() < 10, "listing 3,600 keys took {took:?}");
    }
}

#[test]
fn templates_that_cannot_be_listed_exit_2() {
    for (pins, why) in [
        (
            "  pin \"lambda-x\" {\n    location = \"s3://code-${version}/x.zip\"\n  }\n",
            "has `${version}` in the bucket name",
        ),
        (
            "  pin \"lambda-x\" {\n    location = \"file://store/x/lambda-x.zip\"\n  }\n",
            "has no `${version}`, so there is nothing to list",
        ),
        (
            "  pin \"lambda-x\" {\n    location = \"file://store/x/x-${version}-${version}.zip\"\n  }\n",
            "has `${version}` twice in one path segment",
        ),
        (
            "  pin \"lambda-x\" {\n    location = \"gs://b/${version}.zip\"\n  }\n",
            "uses the scheme `gs://`",
        ),
    ] {
        let f = Fixture::with_pins(&Backend::File, pins);
        let before = f.repo.read("development.tfvars");
        let run = f.pins(&["outdated"]);
        refused(&run, why);
        assert!(
            run.stderr.contains("pins.hcl: artifacts pin \"lambda-x\" location"),
            "{}",
            run.stderr
        );
        refused(&f.pins(&["bump", "--latest"]), why);
        assert_eq!(f.repo.read("development.tfvars"), before);
    }
}

#[test]
fn a_constraint_that_does_not_parse_is_refused_at_its_line_and_column() {
    let f = Fixture::with_pins(
        &Backend::File,
        "  pin \"lambda-y\" {\n    constraint = \"^1.x.y\"\n  }\n",
    );
    let run = f.pins(&["outdated"]);
    refused(
        &run,
        "pins.hcl:7:18: `constraint`: `^1.x.y` is not a semver requirement",
    );
    let f = Fixture::with_pins(
        &Backend::File,
        "  pin \"lambda-y\" {\n    constraint = \"^2\"\n    skip = true\n  }\n",
    );
    refused(&f.pins(&["outdated"]), "sets both `constraint` and `skip = true`");
}

#[test]
fn a_store_that_fails_is_exit_2_never_nothing_newer() {
    let Some(endpoint) = s3_endpoint() else { return };
    let backend = Backend::S3(endpoint.clone());
    // A bucket that does not exist.
    let f = Fixture::with_pins(&backend, &format!("  pin \"lambda-x\" {{\n    location = \"s3://no-such-code/x/${{version}}.zip\"\n  }}\n  store \"s3://no-such-code\" {{\n    endpoint = \"{endpoint}\"\n    allow_http = true\n  }}\n"));
    let before = f.repo.read("development.tfvars");
    let run = f.pins(&["outdated"]);
    refused(
        &run,
        "listing the versions of lambda-x at s3://no-such-code/x/${version}.zip",
    );
    assert!(run.stdout.is_empty(), "nothing is reported: {}", run.stdout);
    refused(&f.pins(&["bump", "--latest"]), "NoSuchBucket");
    assert_eq!(f.repo.read("development.tfvars"), before);
    // Access denied, through a proxy that refuses listings.
    let proxy = Proxy::start(&endpoint);
    proxy.arm("GET", "list-type=2", Fault::Status(403, "AccessDenied"), 1000);
    let f = Fixture::new(&Backend::S3(proxy.url.clone()));
    f.fill_development();
    let before = f.repo.read("development.tfvars");
    let run = f.pins(&["outdated"]);
    refused(&run, "listing the versions of lambda-x");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    refused(&f.pins(&["bump", "--latest"]), "listing the versions of lambda-x");
    assert_eq!(f.repo.read("development.tfvars"), before);
    // A store that is down: nothing listens on the port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let f = Fixture::new(&Backend::S3(format!("http://{closed}")));
    let run = f.pins(&["outdated"]);
    refused(&run, "listing the versions of");
    refused(
        &f.pins(&["bump", "lambda-x", "latest"]),
        "listing the versions of lambda-x",
    );
    assert_eq!(f.repo.read("development.tfvars"), before);
}

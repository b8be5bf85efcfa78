//! OCI registries against real ones: the distribution registry (Debian's `docker-registry`,
//! started by `tools/registry/run start`: "dev", "prod" and "auth" behind basic auth, found through
//! `PINS_TEST_OCI_*`) with images pushed by `skopeo`, which is also the reference a promotion must
//! match. Faults a real registry does not make (bad digests, malformed challenges, 500s, a token
//! server) come from a small in-test HTTP server. Without the registries or skopeo the tests skip,
//! except under `CI=true`, where that is a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;
#[path = "oci/image.rs"]
mod image;
#[path = "oci/mock.rs"]
mod mock;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Repo, Run};
use image::{raw, sha256, skopeo_copy, Layout};
use mock::{Answer, Mock, Request};
use serde_json::Value;

/// The test registries: `host:port` each.
struct Registries {
    dev: String,
    prod: String,
    auth: String,
}

fn registries() -> Option<Registries> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (
        get("PINS_TEST_OCI_DEV"),
        get("PINS_TEST_OCI_PROD"),
        get("PINS_TEST_OCI_AUTH"),
    );
    match found {
        (Some(dev), Some(prod), Some(auth)) if image::have_skopeo() => Some(Registries { dev, prod, auth }),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no OCI registries or no skopeo: install docker-registry and skopeo, run `tools/registry/run start` and export its PINS_TEST_OCI_* variables")
        }
        _ => {
            common::skip("OCI registry tests (install docker-registry and skopeo, then `eval $(tools/registry/run start | tail -1)`)");
            None
        }
    }
}

/// A repository whose development reads images from `dev` and staging and production from `prod`,
/// under a repository prefix of this test's own.
struct Fixture {
    repo: Repo,
    run: String,
    dev: String,
    prod: String,
}

impl Fixture {
    fn new(dev: &str, prod: &str, stores: &str) -> Fixture {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let run = format!("run-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let pins = "artifact_versions = {\n  api = \"1.2.0\"\n}\n\nweb_version = \"2.0.0\"\n";
        let hcl = format!(
            "artifacts {{\n  location = \"oci://${{registry}}/{run}/${{stage}}/${{pin}}:${{version}}\"\n{stores}}}\n"
        );
        let dev_data = format!("registry = \"{dev}\"\nstage    = \"dev\"\n");
        let prod_data = format!("registry = \"{prod}\"\nstage    = \"prod\"\n");
        let repo = Repo::new(&[
            ("development.tfvars", pins),
            ("shared-release.tfvars", pins),
            ("data.d/development.tfvars", &dev_data),
            ("data.d/staging.tfvars", &prod_data),
            ("data.d/production.tfvars", &prod_data),
            ("pins.hcl", &hcl),
        ]);
        Fixture {
            repo,
            run,
            dev: dev.to_string(),
            prod: prod.to_string(),
        }
    }

    /// `host/RUN/dev/pin:version`: where development reads the pin's image.
    fn dev_ref(&self, pin: &str, tag: &str) -> String {
        format!("{}/{}/dev/{pin}:{tag}", self.dev, self.run)
    }

    /// `host/RUN/prod/pin:version`: where staging and production read it.
    fn prod_ref(&self, pin: &str, tag: &str) -> String {
        format!("{}/{}/prod/{pin}:{tag}", self.prod, self.run)
    }

    fn pins(&self, args: &[&str]) -> Run {
        self.pins_with(args, &[])
    }

    fn pins_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pins"));
        cmd.current_dir(self.repo.path()).args(["--color", "never"]).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("PINS_REGISTRY_") || key == "DOCKER_CONFIG" {
                cmd.env_remove(key);
            }
        }
        // No real Docker login of the machine running the tests may leak in.
        cmd.env("HOME", self.repo.path());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }
}

/// Pushes a single-platform `api` image and a two-platform `web_version` index to dev.
fn push_development(f: &Fixture, seed: u64, creds: Option<&str>) {
    let layout = Layout::new();
    let api = layout.image(seed, "amd64", 200_000);
    layout.tag(&api, "1.2.0");
    layout.push("1.2.0", &f.dev_ref("api", "1.2.0"), creds);
    let web = layout.index(seed + 1, &["amd64", "arm64"]);
    layout.tag(&web, "2.0.0");
    layout.push("2.0.0", &f.dev_ref("web_version", "2.0.0"), creds);
}

fn digest_at(reference: &str) -> Option<String> {
    raw(reference).map(|bytes| sha256(&bytes))
}

fn step<'a>(json: &'a Value, pin: &str) -> &'a Value {
    json["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["pin"] == pin)
        .unwrap_or_else(|| panic!("no step for {pin} in {json}"))
}

#[test]
fn promotion_copies_images_and_indexes_with_the_digests_skopeo_copy_keeps() {
    let Some(r) = registries() else { return };
    let f = Fixture::new(&r.dev, &r.prod, "");
    push_development(&f, 1, None);
    let check = f.pins(&["artifacts", "check", "staging"]);
    assert_eq!(check.code, 1, "{check:?}");

    let run = f.pins(&["artifacts", "promote", "development", "staging", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    for (pin, tag) in [("api", "1.2.0"), ("web_version", "2.0.0")] {
        let source = raw(&f.dev_ref(pin, tag)).unwrap();
        let promoted = raw(&f.prod_ref(pin, tag)).unwrap();
        assert_eq!(promoted, source, "{pin}: the promoted manifest is byte-identical");
        let reference = format!("{}/{}/skopeo/{pin}:{tag}", r.prod, f.run);
        skopeo_copy(
            &format!("docker://{}", f.dev_ref(pin, tag)),
            &format!("docker://{reference}"),
            None,
        );
        assert_eq!(
            digest_at(&reference),
            Some(sha256(&promoted)),
            "{pin}: same digest as skopeo copy --all"
        );
        let s = step(&json, pin);
        assert_eq!(s["action"], "copy", "{s}");
        assert_eq!(s["method"], "stream", "{s}");
        assert_eq!(
            s["sha256"].as_str().map(|h| format!("sha256:{h}")),
            Some(sha256(&source)),
            "{s}"
        );
    }
    // Every platform of the index is there, by digest.
    let index: Value = serde_json::from_slice(&raw(&f.prod_ref("web_version", "2.0.0")).unwrap()).unwrap();
    let platforms = index["manifests"].as_array().unwrap();
    assert_eq!(platforms.len(), 2);
    for platform in platforms {
        let at = format!(
            "{}/{}/prod/web_version@{}",
            r.prod,
            f.run,
            platform["digest"].as_str().unwrap()
        );
        assert_eq!(digest_at(&at).as_deref(), platform["digest"].as_str());
    }
    let check = f.pins(&["artifacts", "check", "staging"]);
    assert_eq!(check.code, 0, "{check:?}");
    let again = f.pins(&["artifacts", "promote", "development", "staging", "--format", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(step(&again.json(), "api")["action"], "present");
    assert_eq!(step(&again.json(), "web_version")["action"], "present");
}

#[test]
fn blobs_the_target_holds_are_skipped_and_blobs_within_one_registry_are_mounted() {
    let Some(r) = registries() else { return };
    let f = Fixture::new(&r.dev, &r.prod, "");
    push_development(&f, 2, None);
    // prod's api repository already holds every blob of api 1.2.0 (under another tag).
    let base = f.prod_ref("api", "base");
    skopeo_copy(
        &format!("docker://{}", f.dev_ref("api", "1.2.0")),
        &format!("docker://{base}"),
        None,
    );
    let run = f.pins(&["artifacts", "promote", "development", "staging", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        step(&run.json(), "api")["method"],
        "server",
        "no blob of api went through pins"
    );
    assert_eq!(step(&run.json(), "web_version")["method"], "stream");

    let same = Fixture::new(&r.dev, &r.dev, "");
    push_development(&same, 3, None);
    let run = same.pins(&["artifacts", "promote", "development", "staging", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    for (pin, tag) in [("api", "1.2.0"), ("web_version", "2.0.0")] {
        assert_eq!(
            step(&run.json(), pin)["method"],
            "server",
            "{pin}: mounted within the registry"
        );
        assert_eq!(raw(&same.prod_ref(pin, tag)), raw(&same.dev_ref(pin, tag)));
    }
}

#[test]
fn a_tag_holding_another_image_is_a_conflict_until_force() {
    let Some(r) = registries() else { return };
    let f = Fixture::new(&r.dev, &r.prod, "");
    push_development(&f, 4, None);
    let other = Layout::new();
    let image = other.image(99, "amd64", 1000);
    other.tag(&image, "1.2.0");
    other.push("1.2.0", &f.prod_ref("api", "1.2.0"), None);
    let before = digest_at(&f.prod_ref("api", "1.2.0"));

    let run = f.pins(&["artifacts", "promote", "development", "staging"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "nothing copied: 1 target(s) hold different content under the same version (pass --force to overwrite)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        digest_at(&f.prod_ref("api", "1.2.0")),
        before,
        "the conflicting tag is untouched"
    );
    assert_eq!(
        raw(&f.prod_ref("web_version", "2.0.0")),
        None,
        "nothing else was promoted"
    );

    let run = f.pins(&[
        "artifacts",
        "promote",
        "development",
        "staging",
        "--force",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(step(&run.json(), "api")["action"], "overwrite");
    assert_eq!(
        digest_at(&f.prod_ref("api", "1.2.0")),
        digest_at(&f.dev_ref("api", "1.2.0"))
    );
}

/// `PINS_REGISTRY_<HOST>_USERNAME` for a registry at `host:port`.
fn env_var(registry: &str, what: &str) -> String {
    let host: String = registry
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("PINS_REGISTRY_{host}_{what}")
}

#[test]
fn basic_auth_credentials_come_from_the_environment_or_docker_config() {
    let Some(r) = registries() else { return };
    let f = Fixture::new(&r.auth, &r.prod, "");
    push_development(&f, 5, Some("pins:pins-secret"));
    let (user, pass) = (env_var(&r.auth, "USERNAME"), env_var(&r.auth, "PASSWORD"));

    let run = f.pins(&["artifacts", "check", "development"]);
    assert_eq!(run.code, 2, "{run:?}");
    let wanted = format!(
        "{} requires credentials: set {user} and {pass}, or log in with `docker login {}`",
        r.auth, r.auth
    );
    assert!(run.stderr.contains(&wanted), "{}", run.stderr);

    let run = f.pins_with(
        &["artifacts", "check", "development"],
        &[(&user, "pins"), (&pass, "wrong")],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("{} refused the credentials from ${user}", r.auth)),
        "{}",
        run.stderr
    );

    let run = f.pins_with(&["artifacts", "check", "development"], &[(&user, "pins")]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(&format!("only one of {user} and {pass} is set")),
        "{}",
        run.stderr
    );

    let ok = [(user.as_str(), "pins"), (pass.as_str(), "pins-secret")];
    let run = f.pins_with(&["artifacts", "check", "development"], &ok);
    assert_eq!(run.code, 0, "{run:?}");
    let run = f.pins_with(&["artifacts", "promote", "development", "staging"], &ok);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        digest_at(&f.prod_ref("api", "1.2.0")),
        Some(sha256(&fetch_auth(&f.dev_ref("api", "1.2.0"))))
    );

    let docker = tempfile::tempdir().unwrap();
    let dir = docker.path().to_str().unwrap();
    let auth = base64_of("pins:pins-secret");
    std::fs::write(
        docker.path().join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, r.auth),
    )
    .unwrap();
    let run = f.pins_with(&["artifacts", "check", "development"], &[("DOCKER_CONFIG", dir)]);
    assert_eq!(run.code, 0, "{run:?}");

    std::fs::write(
        docker.path().join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"desktop"}}}}"#, r.auth),
    )
    .unwrap();
    let run = f.pins_with(&["artifacts", "check", "development"], &[("DOCKER_CONFIG", dir)]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("in the credential helper `desktop`, which pins does not run"),
        "{}",
        run.stderr
    );
}

fn fetch_auth(reference: &str) -> Vec<u8> {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false", "--creds", "pins:pins-secret"])
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// An OCI manifest whose config blob is `config`, and its bytes.
fn manifest_of(config: &[u8]) -> Vec<u8> {
    let config = serde_json::json!({"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": config.len()});
    serde_json::json!({"schemaVersion": 2, "mediaType": image::OCI_MANIFEST, "config": config, "layers": []})
        .to_string()
        .into_bytes()
}

/// A registry answer holding a manifest, announced with `digest`.
fn manifest_answer(body: &[u8], digest: &str) -> Answer {
    Answer::new(200, body)
        .header("Content-Type", image::OCI_MANIFEST)
        .header("Docker-Content-Digest", digest)
}

fn bearer_challenge(req: &Request) -> Answer {
    let realm = format!("http://{}/token", req.header("host").unwrap());
    Answer::new(
        401,
        br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
    )
    .header(
        "WWW-Authenticate",
        &format!(r#"Bearer realm="{realm}",service="mock",scope="repository:x:pull""#),
    )
}

#[test]
fn bearer_challenges_are_answered_with_a_token_from_the_realm() {
    let body = manifest_of(b"{}");
    let digest = sha256(&body);
    let mock = Mock::start(move |req| {
        if req.path.starts_with("/token") {
            return match req.header("authorization") {
                Some(a) if a == format!("Basic {}", base64_of("u:p")) => Answer::new(200, br#"{"token":"tok-123"}"#),
                Some(_) => Answer::new(401, b""),
                None => Answer::new(200, b"<html>not json</html>"),
            };
        }
        match req.header("authorization") {
            Some("Bearer tok-123") => manifest_answer(&body, &digest),
            _ => bearer_challenge(req),
        }
    });
    let f = Fixture::new(&mock.host, &mock.host, "");
    let (user, pass) = (env_var(&mock.host, "USERNAME"), env_var(&mock.host, "PASSWORD"));
    let run = f.pins_with(&["artifacts", "check", "development"], &[(&user, "u"), (&pass, "p")]);
    assert_eq!(run.code, 0, "{run:?}");
    let scope = format!("scope=repository%3A{}%2Fdev%2Fapi%3Apull", f.run);
    assert!(
        mock.seen()
            .iter()
            .any(|s| s.starts_with("GET /token?service=mock&") && s.contains(&scope)),
        "{:?}",
        mock.seen()
    );

    let run = f.pins_with(
        &["artifacts", "check", "development"],
        &[(&user, "u"), (&pass, "wrong")],
    );
    assert_eq!(run.code, 2, "{run:?}");
    let realm = format!("http://{}/token", mock.host);
    let wanted = format!("the token server {realm} answered 401 Unauthorized with the credentials from ${user}");
    assert!(run.stderr.contains(&wanted), "{}", run.stderr);

    let run = f.pins(&["artifacts", "check", "development"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("the token server {realm} sent invalid JSON")),
        "{}",
        run.stderr
    );
}

#[test]
fn registry_faults_are_clear_errors() {
    type Fault = fn(&Request) -> Answer;
    let cases: [(Fault, &str); 5] = [
        (
            |_| Answer::new(401, b"").header("WWW-Authenticate", r#"Bearer service="x""#),
            "malformed authentication challenge (WWW-Authenticate: \"Bearer service=\\\"x\\\"\")",
        ),
        (
            |_| Answer::new(401, b""),
            "answered 401 without a WWW-Authenticate challenge",
        ),
        (
            |_| {
                Answer::new(
                    403,
                    br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#,
                )
            },
            "the registry answered 403 DENIED: requested access to the resource is denied",
        ),
        (
            |_| Answer::new(500, b"boom"),
            "/dev/api/manifests/1.2.0: the registry answered 500",
        ),
        (
            |req| match req.path.starts_with("/token") {
                true => Answer::new(200, br#"{"token":""}"#),
                false => bearer_challenge(req),
            },
            "sent no token",
        ),
    ];
    for (fault, wanted) in cases {
        let mock = Mock::start(fault);
        let f = Fixture::new(&mock.host, &mock.host, "");
        let run = f.pins(&["artifacts", "check", "development"]);
        assert_eq!(run.code, 2, "{wanted}: {run:?}");
        assert!(run.stderr.contains(wanted), "{wanted}: {}", run.stderr);
    }
    // A 5xx to a HEAD is retried twice before it is an error.
    let mock = Mock::start(|_| Answer::new(500, b""));
    let f = Fixture::new(&mock.host, &mock.host, "");
    f.pins(&["artifacts", "check", "development"]);
    let heads = mock
        .seen()
        .iter()
        .filter(|s| s.contains("/dev/api/manifests/1.2.0"))
        .count();
    assert_eq!(heads, 3, "{:?}", mock.seen());
    // A 404 is a missing artifact, not an error.
    let mock = Mock::start(|_| Answer::new(404, br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#));
    let f = Fixture::new(&mock.host, &mock.host, "");
    let run = f.pins(&["artifacts", "check", "development"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("missing artifact: api 1.2.0 is not at oci://"),
        "{run:?}"
    );
}

#[test]
fn content_that_does_not_match_its_digest_is_refused_and_nothing_is_tagged() {
    let Some(r) = registries() else { return };
    let config = b"{\"architecture\":\"amd64\",\"os\":\"linux\"}".to_vec();
    let good = manifest_of(&config);
    type Serve = Box<dyn Fn(&Request, &[u8], &[u8]) -> Answer + Send + Sync>;
    let cases: Vec<(Serve, &str)> = vec![
        (
            Box::new(|req, good, _| match req.method.as_str() {
                "HEAD" => manifest_answer(good, &sha256(good)),
                _ => manifest_answer(&[good, b" "].concat(), &sha256(good)),
            }),
            "does not match its digest: the registry says sha256:",
        ),
        (
            Box::new(|req, good, config| match req.path.contains("/blobs/") {
                true => Answer::new(200, &vec![b'x'; config.len()]),
                false => manifest_answer(good, &sha256(good)),
            }),
            "does not match its digest: its bytes hash to sha256:",
        ),
        (
            Box::new(|_, _, _| manifest_answer(b"{not json", &sha256(b"{not json"))),
            "is not a valid manifest",
        ),
    ];
    for (serve, wanted) in cases {
        let (good, config) = (good.clone(), config.clone());
        let mock = Mock::start(move |req| serve(req, &good, &config));
        let f = Fixture::new(&mock.host, &r.prod, "");
        let run = f.pins(&["artifacts", "promote", "development", "staging"]);
        assert_eq!(run.code, 2, "{wanted}: {run:?}");
        assert!(run.stderr.contains(wanted), "{wanted}: {}", run.stderr);
        assert_eq!(raw(&f.prod_ref("api", "1.2.0")), None, "{wanted}: nothing tagged");
        assert_eq!(
            raw(&f.prod_ref("web_version", "2.0.0")),
            None,
            "{wanted}: nothing tagged"
        );
    }
}

#[test]
fn registry_store_blocks_are_checked() {
    for (block, wanted) in [
        (
            "  store \"oci://ghcr.io/team\" {\n    allow_http = true\n  }\n",
            "artifacts store \"oci://ghcr.io/team\": a registry store is named by its registry host",
        ),
        (
            "  store \"oci://ghcr.io\" {\n    endpoint = \"https://x\"\n  }\n",
            "artifacts store \"oci://ghcr.io\": `endpoint` is an S3 setting; a registry store takes `allow_http` and `env_prefix`",
        ),
    ] {
        let f = Fixture::new("127.0.0.1:1", "127.0.0.1:2", block);
        let run = f.pins(&["artifacts", "development"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(wanted), "{}", run.stderr);
    }
    let f = Fixture::new(
        "ghcr.io",
        "ghcr.io",
        "  store \"oci://ghcr.io\" {\n    allow_http = true\n  }\n",
    );
    let run = f.pins(&["artifacts", "development"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("oci://ghcr.io/{}/dev/api:1.2.0", f.run)),
        "{}",
        run.stdout
    );
}

#[test]
fn credentials_in_env_prefix_variables_reach_the_registry() {
    let body = manifest_of(b"{}");
    let digest = sha256(&body);
    let wanted = format!("Basic {}", base64_of("prod-user:prod-pass"));
    let mock = Mock::start(move |req| match req.header("authorization") {
        Some(a) if a == wanted => manifest_answer(&body, &digest),
        _ => Answer::new(401, b"").header("WWW-Authenticate", r#"Basic realm="mock""#),
    });
    let store = format!("  store \"oci://{}\" {{\n    env_prefix = \"PROD_\"\n  }}\n", mock.host);
    let f = Fixture::new(&mock.host, &mock.host, &store);
    let env = [
        ("PROD_REGISTRY_USERNAME", "prod-user"),
        ("PROD_REGISTRY_PASSWORD", "prod-pass"),
    ];
    let run = f.pins_with(&["artifacts", "check", "development"], &env);
    assert_eq!(run.code, 0, "{run:?}");
}

/// Tags `tags` in dev's repository of `pin`, as copies of its image at `from`.
fn tag_more(f: &Fixture, pin: &str, from: &str, tags: &[&str]) {
    for tag in tags {
        skopeo_copy(
            &format!("docker://{}", f.dev_ref(pin, from)),
            &format!("docker://{}", f.dev_ref(pin, tag)),
            None,
        );
    }
}

#[test]
fn outdated_and_bump_latest_read_the_registrys_tags() {
    let Some(r) = registries() else { return };
    let f = Fixture::new(
        &r.dev,
        &r.prod,
        "  pin \"web_version\" {\n    constraint = \"~2.0\"\n  }\n",
    );
    push_development(&f, 6, None);
    tag_more(
        &f,
        "api",
        "1.2.0",
        &["1.2.5", "1.3.0", "latest", "1.4.0-rc.1", "sha-0f3c2a"],
    );
    tag_more(&f, "web_version", "2.0.0", &["2.0.1", "2.1.0"]);

    let run = f.pins(&["outdated", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    let pins: Vec<(String, String, String, String)> = json["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("-").to_string();
            (s("pin"), s("current"), s("latest"), s("newest"))
        })
        .collect();
    let row = |pin: &str, current: &str, latest: &str, newest: &str| {
        (
            pin.to_string(),
            current.to_string(),
            latest.to_string(),
            newest.to_string(),
        )
    };
    assert_eq!(
        pins,
        [
            row("api", "1.2.0", "1.3.0", "1.3.0"),
            row("web_version", "2.0.0", "2.0.1", "2.1.0")
        ]
    );
    assert_eq!(
        json["pins"][0]["location"],
        format!("oci://{}/{}/dev/api:${{version}}", r.dev, f.run)
    );

    let before = f.repo.read("development.tfvars");
    let run = f.pins(&["bump", "api", "latest", "--expect", "1.2.0"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "development.tfvars: api 1.2.0 → 1.3.0 (minor)\n");
    let run = f.pins(&["bump", "--latest"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "development.tfvars: web_version 2.0.0 → 2.0.1 (patch)\n");
    assert_eq!(
        f.repo.read("development.tfvars"),
        before
            .replace("\"1.2.0\"", "\"1.3.0\"")
            .replace("\"2.0.0\"", "\"2.0.1\"")
    );
    let run = f.pins(&["outdated"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn tag_listings_follow_every_page_and_refuse_what_is_not_a_listing() {
    let mock = Mock::start(|req| {
        let tags = req.path.split_once("/tags/list").map(|(repo, _)| repo.to_string());
        match (tags, req.path.contains("last=1.1.0")) {
            (Some(repo), false) => Answer::new(200, br#"{"name":"x","tags":["1.0.0","1.1.0"]}"#)
                .header("Link", &format!(r#"<{repo}/tags/list?n=1000&last=1.1.0>; rel="next""#)),
            (Some(_), true) => Answer::new(200, br#"{"name":"x","tags":["1.3.0","2.5.0","junk",null]}"#),
            (None, _) => Answer::new(404, b""),
        }
    });
    let f = Fixture::new(&mock.host, &mock.host, "");
    let run = f.pins(&["outdated", "--format", "json", "--only", "api"]);
    assert_eq!(run.code, 2, "a null tag is invalid JSON: {run:?}");
    assert!(run.stderr.contains("the registry sent invalid JSON"), "{}", run.stderr);

    let mock = Mock::start(|req| {
        let tags = req.path.split_once("/tags/list").map(|(repo, _)| repo.to_string());
        match (tags, req.path.contains("last=1.1.0")) {
            (Some(repo), false) => Answer::new(200, br#"{"name":"x","tags":["1.0.0","1.1.0"]}"#)
                .header("Link", &format!(r#"<{repo}/tags/list?n=1000&last=1.1.0>; rel="next""#)),
            (Some(_), true) => Answer::new(200, br#"{"name":"x","tags":["1.3.0","2.5.0","junk"]}"#),
            (None, _) => Answer::new(404, b""),
        }
    });
    let f = Fixture::new(&mock.host, &mock.host, "");
    let run = f.pins(&["outdated", "--format", "json", "--only", "api"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["pins"][0]["newest"], "2.5.0");
    let pages: Vec<String> = mock
        .seen()
        .into_iter()
        .filter(|s| s.contains("/dev/api/tags/list"))
        .collect();
    assert_eq!(
        pages,
        [
            format!("GET /v2/{}/dev/api/tags/list?n=1000", f.run),
            format!("GET /v2/{}/dev/api/tags/list?n=1000&last=1.1.0", f.run)
        ]
    );

    let unknown = Mock::start(|_| {
        Answer::new(
            404,
            br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#,
        )
    });
    let f = Fixture::new(&unknown.host, &unknown.host, "");
    let run = f.pins(&["outdated", "--only", "api"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("no versions found"), "{}", run.stdout);

    let down = Mock::start(|_| Answer::new(500, b"down"));
    let f = Fixture::new(&down.host, &down.host, "");
    let run = f.pins(&["bump", "--latest"]);
    assert_eq!(run.code, 2, "a registry that is down is never 'nothing newer': {run:?}");
    assert!(run.stderr.contains("the registry answered 500: down"), "{}", run.stderr);
    assert_eq!(
        f.repo.read("development.tfvars"),
        "artifact_versions = {\n  api = \"1.2.0\"\n}\n\nweb_version = \"2.0.0\"\n"
    );
}

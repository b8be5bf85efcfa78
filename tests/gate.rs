//! The CI gate: `check` (one fixture per rule), `record` → `verify`, the three drift scenarios,
//! tampered records, `tf-args` and `env`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::fixtures::{layout, tricky};
use common::{pins_in, project_root, Repo};
use serde_json::json;

const DEV: &str = "artifact_versions = {\n  lambda-x = \"1.5.0\"\n}\nfrontend = \"3.2.0\"\n";
const SHARED: &str = "artifact_versions = {\n  lambda-x = \"1.4.2\"\n}\nfrontend = \"3.1.4\"\n";
const DATA: [&str; 3] = ["db = \"dev\"\n", "db = \"stg\"\n", "db = \"prd\"\n"];

fn backends(repo: &Repo) {
    for env in ["development", "staging", "production"] {
        repo.write(
            &format!("setup/backends/{env}.tfbackend"),
            format!("path = \"{env}.tfstate\"\n").as_bytes(),
        );
    }
}

fn repo_with(dev: &str, shared: &str, data: [&str; 3]) -> Repo {
    let repo = Repo::new(&layout("g", dev, shared, data).pairs());
    backends(&repo);
    repo
}

/// A finding's rule and `file:line:col`.
type Found = (String, String);

/// Runs `check --format json` and returns the rules found, with their places.
fn findings(repo: &Repo) -> Vec<Found> {
    let run = repo.pins(&["check", "--format", "json"]);
    let json = run.json();
    let list = json["findings"].as_array().unwrap();
    assert_eq!(run.code, if list.is_empty() { 0 } else { 1 }, "{}", run.stdout);
    list.iter()
        .map(|f| {
            let place = match (f["line"].as_u64(), f["col"].as_u64()) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", f["file"].as_str().unwrap()),
                _ => f["file"].as_str().unwrap().to_string(),
            };
            (f["rule"].as_str().unwrap().to_string(), place)
        })
        .collect()
}

fn one(rule: &str, place: &str) -> Vec<Found> {
    vec![(rule.to_string(), place.to_string())]
}

#[test]
fn the_example_repository_is_clean() {
    let run = pins_in(&project_root(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.starts_with("ok: 5 files,"), "{}", run.stdout);
}

#[test]
fn each_rule_has_its_finding() {
    let cases: Vec<(&str, Repo, Vec<Found>)> = vec![
        (
            "parse",
            repo_with("a = {\n", SHARED, DATA),
            one("parse", "development.tfvars:1:5"),
        ),
        (
            "invalid-version",
            repo_with("a = \"1.2\"\n", SHARED, DATA),
            one("invalid-version", "development.tfvars:1:5"),
        ),
        (
            "shadowed-pin",
            repo_with(DEV, SHARED, [DATA[0], DATA[1], "db = \"prd\"\nfrontend = \"3.1.4\"\n"]),
            vec![
                ("shadowed-pin".into(), "data.d/production.tfvars:2:1".into()),
                ("parity".into(), "data.d/staging.tfvars".into()),
            ],
        ),
        (
            "data-in-pin-file",
            repo_with(DEV, &format!("{SHARED}replicas = 3\n"), DATA),
            one("data-in-pin-file", "shared-release.tfvars:5:1"),
        ),
        (
            "parity",
            repo_with(DEV, SHARED, [DATA[0], "db = \"stg\"\nextra = 1\n", DATA[2]]),
            one("parity", "data.d/production.tfvars"),
        ),
        (
            "prerelease-in-shared",
            repo_with("frontend = \"4.0.0-rc.1\"\n", "frontend = \"4.0.0-rc.1\"\n", DATA),
            one("prerelease-in-shared", "shared-release.tfvars:1:12"),
        ),
        (
            "order",
            repo_with(
                DEV,
                "artifact_versions = {\n  lambda-x = \"1.6.0\"\n}\nfrontend = \"3.1.4\"\n",
                DATA,
            ),
            one("order", "shared-release.tfvars:2:14"),
        ),
        (
            "duplicate-key",
            repo_with(
                DEV,
                SHARED,
                [
                    DATA[0],
                    "db = \"stg\"\ntags = { a = 1 }\n",
                    "db = \"prd\"\ntags = { a = 1, a = 2 }\n",
                ],
            ),
            one("duplicate-key", "data.d/production.tfvars:2:17"),
        ),
    ];
    for (name, repo, expected) in cases {
        assert_eq!(findings(&repo), expected, "{name}");
    }
}

#[test]
fn a_pin_ahead_in_the_shared_file_is_one_finding_naming_both_environments() {
    let repo = repo_with(
        DEV,
        "artifact_versions = {\n  lambda-x = \"1.6.0\"\n}\nfrontend = \"3.1.4\"\n",
        DATA,
    );
    let text = repo.pins(&["check"]).stdout;
    assert!(
        text.contains("lambda-x is 1.6.0 in staging and production but only 1.5.0 in development"),
        "{text}"
    );
    assert_eq!(text.matches("[order]").count(), 1, "{text}");
}

#[test]
fn missing_files_are_findings() {
    let repo = Repo::new(&layout("g", DEV, SHARED, DATA).pairs());
    std::fs::remove_file(repo.path().join("data.d/staging.tfvars")).unwrap();
    let got = findings(&repo);
    assert!(
        got.contains(&("missing-file".into(), "data.d/staging.tfvars".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("missing-file".into(), "setup/backends/production.tfbackend".into())),
        "{got:?}"
    );
}

#[test]
fn a_module_dir_that_is_not_a_folder_is_a_finding_at_its_place_in_pins_hcl() {
    let repo = repo_with(DEV, SHARED, DATA);
    repo.write("pins.hcl", b"# Terraform runs in infra/\nmodule_dir = \"infra\"\n");
    assert_eq!(findings(&repo), one("missing-file", "pins.hcl:2:14"));
    let text = repo.pins(&["check"]).stdout;
    assert!(
        text.starts_with("pins.hcl:2:14: module_dir `infra` is not a folder of the repository [missing-file]\n"),
        "{text}"
    );
    repo.write("infra/main.tf", b"");
    assert_eq!(findings(&repo), vec![]);
}

#[test]
fn a_pins_hcl_that_starts_with_a_byte_order_mark_keeps_its_finding_positions() {
    let repo = repo_with(DEV, SHARED, DATA);
    repo.write(
        "pins.hcl",
        "\u{feff}# Terraform runs in infra/\nmodule_dir = \"infra\"\n".as_bytes(),
    );
    assert_eq!(findings(&repo), one("missing-file", "pins.hcl:2:14"));
}

#[test]
fn every_finding_is_reported_at_once_with_help() {
    let repo = repo_with(
        "a = \"x\"\nb = \"1.0\"\n",
        "frontend = \"2.0.0-beta\"\nlist = [1]\n",
        [DATA[0], "db = \"stg\"\nfrontend = \"1.0.0\"\n", DATA[2]],
    );
    let rules: Vec<String> = findings(&repo).into_iter().map(|f| f.0).collect();
    for rule in [
        "invalid-version",
        "data-in-pin-file",
        "prerelease-in-shared",
        "shadowed-pin",
        "parity",
    ] {
        assert!(rules.contains(&rule.to_string()), "{rule} missing from {rules:?}");
    }
    let text = repo.pins(&["check"]).stdout;
    assert!(text.contains("  help: "), "{text}");
    assert!(text.trim_end().ends_with("findings in 5 files"), "{text}");
}

#[test]
fn record_then_verify_round_trips() {
    let repo = repo_with(DEV, SHARED, DATA);
    let run = repo.pins(&["record", "staging"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let record: serde_json::Value = serde_json::from_str(&repo.read(".pins/records/staging.json")).unwrap();
    assert_eq!(record["environment"], "staging");
    assert_eq!(
        record["pins"],
        json!({"artifact_versions.lambda-x": "1.4.2", "frontend": "3.1.4"})
    );
    assert!(record["digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(record["recorded_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(record["commit"], serde_json::Value::Null, "not a git repository");
    let ok = repo.pins(&[
        "verify",
        "production",
        "--tested",
        &repo.path().join(".pins/records/staging.json").display().to_string(),
    ]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(
        ok.stdout
            .contains("ok: production deploys exactly the pins tested in staging"),
        "{}",
        ok.stdout
    );
}

fn record_path(repo: &Repo) -> String {
    repo.path().join(".pins/records/staging.json").display().to_string()
}

#[test]
fn drift_one_a_data_file_overrides_a_pin() {
    let repo = repo_with(DEV, SHARED, DATA);
    repo.pins(&["record", "staging"]);
    repo.write("data.d/production.tfvars", b"db = \"prd\"\nfrontend = \"3.1.5\"\n");
    let run = repo.pins(&[
        "verify",
        "production",
        "--tested",
        &record_path(&repo),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json()["changes"],
        json!([{"pin": "frontend", "from": "3.1.4", "to": "3.1.5", "kind": "patch"}])
    );
}

#[test]
fn drift_two_the_shared_file_changed_after_staging_was_tested() {
    let repo = repo_with(DEV, SHARED, DATA);
    repo.pins(&["record", "staging"]);
    assert_eq!(repo.pins(&["bump", "lambda-x", "1.4.3", "--env", "staging"]).code, 0);
    let run = repo.pins(&["verify", "production", "--tested", &record_path(&repo)]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("FAIL: production would deploy pins that were not tested in staging"),
        "{}",
        run.stdout
    );
    let md = repo
        .pins(&[
            "verify",
            "production",
            "--tested",
            &record_path(&repo),
            "--format",
            "markdown",
        ])
        .stdout;
    assert!(md.contains("| `lambda-x` | `1.4.2` | `1.4.3` | patch |"), "{md}");
}

#[test]
fn drift_three_a_direct_commit_to_the_production_branch() {
    let repo = repo_with(DEV, SHARED, DATA);
    repo.git(&["init", "-q", "-b", "staging"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "tested in staging"]);
    repo.git(&["checkout", "-q", "-b", "production"]);
    assert_eq!(repo.pins(&["verify", "production", "--tested-ref", "staging"]).code, 0);
    repo.write("shared-release.tfvars", SHARED.replace("1.4.2", "1.4.9").as_bytes());
    repo.git(&["commit", "-qam", "hotfix straight to production"]);
    let run = repo.pins(&["verify", "production", "--tested-ref", "staging", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["from"], json!({"environment": "staging", "revision": "staging"}));
    assert_eq!(json["changes"][0]["kind"], "patch");
    let record = repo.pins(&["record", "production"]);
    assert_eq!(record.code, 0);
    assert!(record.stdout.contains("commit "), "{}", record.stdout);
}

#[test]
fn a_tampered_or_foreign_record_is_an_error() {
    let repo = repo_with(DEV, SHARED, DATA);
    repo.pins(&["record", "staging"]);
    let path = record_path(&repo);
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, original.replace("\"1.4.2\"", "\"1.4.3\"")).unwrap();
    let run = repo.pins(&["verify", "production", "--tested", &path]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("digest mismatch"), "{}", run.stderr);
    std::fs::write(
        &path,
        original.replace("\"environment\": \"staging\"", "\"environment\": \"development\""),
    )
    .unwrap();
    let run = repo.pins(&["verify", "production", "--tested", &path]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("records environment `development`"),
        "{}",
        run.stderr
    );
    std::fs::write(&path, "{\"format\": \"pins-record/1\"}").unwrap();
    let run = repo.pins(&["verify", "production", "--tested", &path]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is not a pins release record"), "{}", run.stderr);
    assert_eq!(repo.pins(&["verify", "production"]).code, 2, "a tested set is required");
}

#[test]
fn tf_args_in_terraform_order() {
    let repo = Repo::new(&tricky()[0].pairs());
    let run = repo.pins(&["tf-args", "production"]);
    assert_eq!(
        run.stdout,
        "-var-file=shared-release.tfvars -var-file=data.d/production.tfvars\n"
    );
    assert_eq!(
        repo.pins(&["tf-args", "production", "--backend"]).stdout,
        "-backend-config=setup/backends/production.tfbackend\n"
    );
    let json = repo.pins(&["tf-args", "staging", "--format", "json"]).json();
    assert_eq!(
        json["args"],
        json!(["-var-file=shared-release.tfvars", "-var-file=data.d/staging.tfvars"])
    );
    assert_eq!(repo.pins(&["tf-args", "qa"]).code, 2);
}

#[test]
fn env_maps_branches_from_flags_and_ci_variables() {
    let repo = Repo::new(&[("pins.hcl", "environment \"development\" {\n  branch = \"develop\"\n}\nenvironment \"production\" {\n  branch = \"main\"\n}\n")]);
    assert_eq!(repo.pins(&["env", "--branch", "main"]).stdout, "production\n");
    let run = |var: &str, value: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pins"))
            .arg("--repo")
            .arg(repo.path())
            .arg("env")
            .env_remove("CIRCLE_BRANCH")
            .env_remove("GITHUB_REF_NAME")
            .env(var, value)
            .output()
            .unwrap()
    };
    assert_eq!(
        String::from_utf8_lossy(&run("CIRCLE_BRANCH", "develop").stdout),
        "development\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&run("GITHUB_REF_NAME", "main").stdout),
        "production\n"
    );
    let unmapped = repo.pins(&["env", "--branch", "feature/x"]);
    assert_eq!(unmapped.code, 2);
    assert!(
        unmapped.stderr.contains("branch `feature/x` deploys no environment"),
        "{}",
        unmapped.stderr
    );
    assert_eq!(repo.pins(&["env"]).code, 2, "no branch at all");
}

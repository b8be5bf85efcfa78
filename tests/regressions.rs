//! One test per reported defect (issue #12), each failing without its fix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use clap::CommandFactory;
use common::Repo;

/// The default layout: development alone, staging and production sharing the release file.
fn layout(dev: &str, shared: &str) -> Repo {
    Repo::new(&[
        ("development.tfvars", dev),
        ("shared-release.tfvars", shared),
        ("data.d/development.tfvars", "artifact_bucket = \"dev-code\"\n"),
        ("data.d/staging.tfvars", "artifact_bucket = \"prod-code\"\n"),
        ("data.d/production.tfvars", "artifact_bucket = \"prod-code\"\n"),
        ("setup/backends/development.tfbackend", ""),
        ("setup/backends/staging.tfbackend", ""),
        ("setup/backends/production.tfbackend", ""),
    ])
}

fn simple() -> Repo {
    layout("lambda-x = \"1.5.0\"\n", "lambda-x = \"1.4.2\"\n")
}

#[test]
fn clap_definition_is_consistent() {
    pins::cli::Cli::command().debug_assert();
}

#[test]
fn promote_json_between_environments_sharing_a_file_is_json() {
    let run = simple().pins(&["promote", "staging", "production", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["file"], "shared-release.tfvars");
    assert_eq!(json["changes"], serde_json::json!([]));
    assert_eq!(json["written"], false);
    assert!(
        json["notes"][0].as_str().unwrap().contains("is a branch merge"),
        "{json}"
    );
}

#[test]
fn verify_refuses_patch_before_doing_anything() {
    let run = simple().pins(&["verify", "production", "--tested", "nowhere.json", "--format", "patch"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: --format patch is not available for this command; use text or json or markdown\n"
    );
}

#[test]
fn writers_refuse_an_unsupported_format_without_writing() {
    let repo = simple();
    let before = repo.snapshot();
    let run = repo.pins(&["bump", "lambda-x", "1.6.0", "--format", "markdown"]);
    assert_eq!(run.code, 2);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn record_refuses_versions_that_show_refuses() {
    let repo = layout("lambda-x = \"1.5\"\n", "lambda-x = \"1.4.2\"\n");
    let show = repo.pins(&["show", "development"]);
    assert_eq!(show.code, 2);
    let record = repo.pins(&["record", "development"]);
    assert_eq!(record.code, 2, "{}", record.stdout);
    assert_eq!(record.stderr, show.stderr);
    assert!(!repo.path().join(".pins").exists(), "nothing written");
}

#[test]
fn record_counts_in_words() {
    let repo = simple();
    let run = repo.pins(&["record", "development", "--out", "dev.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("recorded development: 1 pin, sha256:"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_reports_a_finding_once_when_sharing_environments_are_not_adjacent() {
    let repo = layout("", "lambda-x = \"1.4\"\n");
    repo.write(
        "pins.hcl",
        b"environment \"a\" {\n  pin_file = \"shared-release.tfvars\"\n  data_files = []\n  backend_file = false\n}\n\
environment \"b\" {\n  pin_file = \"development.tfvars\"\n  data_files = []\n  backend_file = false\n}\n\
environment \"c\" {\n  pin_file = \"shared-release.tfvars\"\n  data_files = []\n  backend_file = false\n}\n\
order = [\"a\", \"b\", \"c\"]\n",
    );
    let run = repo.pins(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.json()["findings"].as_array().unwrap().clone();
    assert!(
        findings.iter().any(|f| f["file"] == "shared-release.tfvars"),
        "{findings:#?}"
    );
    for (i, f) in findings.iter().enumerate() {
        assert!(!findings[..i].contains(f), "reported twice: {f}");
    }
}

#[test]
fn a_refusal_with_a_source_excerpt_ends_with_the_caret() {
    let repo = layout("lambda-x = \"1.5.0\"\nreplicas = 3\n", "lambda-x = \"1.4.2\"\n");
    let run = repo.pins(&["bump", "replicas", "4"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.ends_with("  | replicas = 3\n  |            ^\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("not a version string; pins only edits quoted versions"),
        "{}",
        run.stderr
    );
}

#[test]
fn readme_ci_section_names_the_records_folder() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        !readme.contains(" records/staging.json"),
        "README points at records/ instead of .pins/records/"
    );
    assert!(readme.contains(".pins/records/staging.json"));
}

#[test]
fn env_help_names_every_branch_variable() {
    let run = simple().pins(&["env", "--help"]);
    for variable in ["$PINS_BRANCH", "$CIRCLE_BRANCH", "$GITHUB_REF_NAME"] {
        assert!(run.stdout.contains(variable), "{variable}:\n{}", run.stdout);
    }
}

#[test]
fn the_generate_example_answers_help_and_refuses_bad_arguments() {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_pins"))
        .with_file_name("examples")
        .join("generate");
    assert!(bin.exists(), "cargo test builds the examples: {}", bin.display());
    let help = std::process::Command::new(&bin).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--pins N"));
    let bad = std::process::Command::new(&bin)
        .args(["--pins", "many"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--pins"), "{bad:?}");
}

#[test]
fn artifacts_promote_json_has_a_digest_for_every_existing_source() {
    let repo = layout(
        "lambda-x = \"1.5.0\"\nlambda-y = \"2.0.0\"\n",
        "lambda-x = \"1.4.2\"\nlambda-y = \"2.0.0\"\n",
    );
    repo.write(
        "pins.hcl",
        b"artifacts {\n  location = \"file://store/${artifact_bucket}/${pin}-${version}.zip\"\n}\n",
    );
    repo.write("store/dev-code/lambda-x-1.4.2.zip", b"x142");
    repo.write("store/dev-code/lambda-y-2.0.0.zip", b"y200");
    repo.write("store/prod-code/lambda-y-2.0.0.zip", b"y200");
    let run = repo.pins(&[
        "artifacts",
        "promote",
        "development",
        "staging",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    let steps = json["artifacts"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "{json}");
    for step in steps {
        assert!(step["sha256"].as_str().is_some_and(|s| s.len() == 64), "{step}");
    }
}

#[test]
fn record_shows_its_default_file_relative_to_the_repository() {
    // It printed `./.pins/records/…` (or the absolute path under --repo): one spelling for a
    // repository file everywhere, as `show` and `check` print them.
    let repo = simple();
    let run = repo.pins(&["record", "staging", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["file"], ".pins/records/staging.json");
    let run = repo.pins(&["record", "development"]);
    assert!(
        run.stdout.trim_end().ends_with("→ .pins/records/development.json"),
        "{}",
        run.stdout
    );
    assert!(repo.path().join(".pins/records/development.json").is_file());
}

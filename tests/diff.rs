//! `pins diff`: classification, layouts, formats, git revisions and errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::fixtures::{layout, tricky};
use common::Repo;
use serde_json::json;

const NO_DATA: [&str; 3] = ["", "", ""];

/// Development holds one pin of every kind relative to staging.
fn every_kind() -> Repo {
    let dev = "artifact_versions = {\n  maj = \"2.0.0\"\n  min = \"1.1.0\"\n  pat = \"1.0.1\"\n  pre = \"1.0.0\"\n  \"down-grade\" = \"0.9.0\"\n  opaque = \"build-42\"\n  new = \"1.0.0\"\n  same = \"1.0.0\"\n}\n";
    let shared = "artifact_versions = {\n  maj = \"1.0.0\"\n  min = \"1.0.0\"\n  pat = \"1.0.0\"\n  pre = \"1.0.0-rc.1\"\n  \"down-grade\" = \"1.0.0\"\n  opaque = \"build-41\"\n  gone = \"1.0.0\"\n  same = \"1.0.0\"\n}\n";
    let f = layout("kinds", dev, shared, NO_DATA);
    let repo = Repo::new(&f.pairs());
    // Only a pins.hcl that accepts opaque versions lets `build-42` through; it keeps the defaults.
    repo.write("pins.hcl", b"policy {\n  opaque_versions = true\n}\n");
    repo
}

#[test]
fn classifies_every_kind_in_json() {
    let run = every_kind().pins(&["diff", "development", "staging", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["from"], json!({"environment": "development", "revision": null}));
    assert_eq!(json["to"], json!({"environment": "staging", "revision": null}));
    let kinds: Vec<(String, String)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["pin"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("maj", "major"),
        ("min", "minor"),
        ("pat", "patch"),
        ("pre", "prerelease"),
        ("down-grade", "downgrade"),
        ("opaque", "changed"),
        ("new", "added"),
        ("gone", "removed"),
    ];
    assert_eq!(kinds, expected.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(
        json["changes"][0],
        json!({"pin": "maj", "from": "1.0.0", "to": "2.0.0", "kind": "major"})
    );
    assert_eq!(
        json["changes"][7],
        json!({"pin": "gone", "from": "1.0.0", "to": null, "kind": "removed"})
    );
}

#[test]
fn text_is_an_aligned_table_with_a_summary() {
    let run = every_kind().pins(&["diff", "development", "staging"]);
    let expected = "\
development → staging: what staging would get

PIN         NOW (staging)  WOULD GET (development)  CHANGE
maj         1.0.0          2.0.0                    major
min         1.0.0          1.1.0                    minor
pat         1.0.0          1.0.1                    patch
pre         1.0.0-rc.1     1.0.0                    prerelease
down-grade  1.0.0          0.9.0                    downgrade
opaque      build-41       build-42                 changed
new         —              1.0.0                    added
gone        1.0.0          —                        removed

8 pins differ: 1 added, 1 removed, 1 major, 1 minor, 1 patch, 1 prerelease, 1 downgrade, 1 changed
";
    assert_eq!(run.stdout, expected);
}

#[test]
fn all_shows_equal_pins_and_exit_zero_when_identical() {
    let repo = every_kind();
    let all = repo
        .pins(&["diff", "development", "staging", "--all", "--format", "json"])
        .json();
    assert!(all["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["pin"] == "same" && c["kind"] == "unchanged"));
    let same = repo.pins(&["diff", "staging", "production"]);
    assert_eq!(same.code, 0);
    assert!(same.stdout.contains("no pins differ (8 identical)"), "{}", same.stdout);
    assert_eq!(repo.pins(&["diff", "staging", "staging"]).code, 0);
}

#[test]
fn color_always_paints_kinds() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pins"))
        .args(["--repo"])
        .arg(every_kind().path())
        .args(["--color", "always", "diff", "development", "staging"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[31mmajor"));
}

#[test]
fn top_level_and_quoted_keys_and_shadowing() {
    let f = tricky()
        .into_iter()
        .find(|f| f.name == "data_file_shadows_pin")
        .unwrap();
    // The data file of production shadows its pin: production is ahead of staging, so promoting
    // staging into it would be a downgrade.
    let run = Repo::new(&f.pairs()).pins(&["diff", "staging", "production", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json()["changes"],
        json!([{"pin": "frontend_version", "from": "3.1.4", "to": "3.0.0-hotfix", "kind": "downgrade"}])
    );
    let f = tricky().into_iter().find(|f| f.name == "quoted_keys").unwrap();
    let run = Repo::new(&f.pairs()).pins(&["diff", "development", "staging", "--format", "json"]);
    assert_eq!(
        run.json()["changes"],
        json!([{"pin": "lambda-x", "from": "1.4.2", "to": "1.5.0", "kind": "minor"}])
    );
}

#[test]
fn data_is_shown_apart_and_never_a_finding() {
    let f = &tricky()[0];
    let repo = Repo::new(&f.pairs());
    let run = repo.pins(&["diff", "staging", "production", "--data", "--format", "json"]);
    assert_eq!(run.code, 0, "data differences are expected");
    assert_eq!(
        run.json()["data_changes"][0],
        json!({"variable": "artifact_bucket", "from": "prod-code", "to": "staging-code"})
    );
    let text = repo.pins(&["diff", "staging", "production", "--data"]).stdout;
    assert!(text.contains("data (expected to differ, not a finding):"), "{text}");
}

#[test]
fn markdown_renders_as_a_table() {
    let run = every_kind().pins(&["diff", "development", "staging", "--format", "markdown"]);
    assert!(
        run.stdout
            .starts_with("### pins: promoting `development` into `staging`\n"),
        "{}",
        run.stdout
    );
    let parser = pulldown_cmark::Parser::new_ext(&run.stdout, pulldown_cmark::Options::ENABLE_TABLES);
    let mut rows = 0;
    let mut cells = 0;
    for event in parser {
        match event {
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::TableRow) => rows += 1,
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::TableCell) => cells += 1,
            _ => {}
        }
    }
    assert_eq!(rows, 8, "one row per differing pin");
    assert_eq!(cells, 4 * 9, "four cells in the head and in each row");
}

#[test]
fn patch_is_exactly_the_diff_promote_dry_run_prints() {
    let repo = every_kind();
    let patch = repo.pins(&["diff", "development", "staging", "--format", "patch"]);
    assert_eq!(patch.code, 1, "{}", patch.stderr);
    assert!(
        patch
            .stdout
            .starts_with("--- a/shared-release.tfvars\n+++ b/shared-release.tfvars\n@@"),
        "{}",
        patch.stdout
    );
    for line in ["-  maj = \"1.0.0\"\n", "+  maj = \"2.0.0\"\n"] {
        assert!(patch.stdout.contains(line), "{}", patch.stdout);
    }
    let args = [
        "promote",
        "development",
        "staging",
        "--dry-run",
        "--allow-downgrade",
        "--allow-prerelease",
    ];
    let promote = repo.pins(&args);
    assert_eq!(promote.code, 0, "{}", promote.stderr);
    let preview = promote.stdout.get(..patch.stdout.len());
    assert_eq!(
        preview,
        Some(patch.stdout.as_str()),
        "promote --dry-run printed:\n{}",
        promote.stdout
    );
    assert!(promote.stdout[patch.stdout.len()..].starts_with("shared-release.tfvars: "));
    let same = repo.pins(&["diff", "staging", "production", "--format", "patch"]);
    assert_eq!(
        (same.code, same.stdout.as_str()),
        (0, ""),
        "one shared file: nothing to promote"
    );
}

fn git_repo() -> Repo {
    let f = &tricky()[0];
    let repo = Repo::new(&f.pairs());
    repo.git(&["init", "-q", "-b", "staging"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "staging"]);
    repo.git(&["checkout", "-q", "-b", "production"]);
    repo.write(
        "shared-release.tfvars",
        b"artifact_versions = {\n  lambda-x = \"1.4.3\"\n  lambda-y = \"2.0.1\"\n}\nfrontend_version = \"3.1.4\"\n",
    );
    repo.git(&["commit", "-qam", "hotfix on production"]);
    repo.git(&["checkout", "-q", "staging"]);
    repo
}

#[test]
fn either_side_may_be_read_from_git() {
    let repo = git_repo();
    let before = repo.snapshot();
    let run = repo.pins(&["diff", "staging", "production@production", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(
        json["to"],
        json!({"environment": "production", "revision": "production"})
    );
    // Production was hotfixed ahead of staging: promoting staging into it would downgrade.
    assert_eq!(
        json["changes"],
        json!([{"pin": "lambda-x", "from": "1.4.3", "to": "1.4.2", "kind": "downgrade"}])
    );
    let back = repo
        .pins(&["diff", "production@production", "staging", "--format", "json"])
        .json();
    assert_eq!(
        back["changes"],
        json!([{"pin": "lambda-x", "from": "1.4.2", "to": "1.4.3", "kind": "patch"}])
    );
    assert_eq!(repo.pins(&["diff", "staging@staging", "staging"]).code, 0);
    let md = repo
        .pins(&[
            "diff",
            "staging@staging",
            "production@production",
            "--format",
            "markdown",
        ])
        .stdout;
    assert!(
        md.starts_with("### pins: promoting `staging@staging` into `production@production`"),
        "{md}"
    );
    assert_eq!(repo.snapshot(), before, "reading git objects touches no file");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn pins_hcl_is_read_at_the_same_revision() {
    let repo = git_repo();
    repo.write(
        "pins.hcl",
        b"environment \"only\" {\n  pin_file = \"shared-release.tfvars\"\n  data_files = []\n}\n",
    );
    assert_eq!(
        repo.pins(&["show", "staging@staging"]).code,
        0,
        "the committed tree has no pins.hcl"
    );
    assert_eq!(
        repo.pins(&["show", "staging"]).code,
        2,
        "the working tree's pins.hcl has no staging"
    );
}

#[test]
fn bad_revisions_are_clear_errors() {
    let repo = git_repo();
    for (spec, message) in [
        ("staging@-x", "starts with `-`"),
        ("staging@--output=/tmp/x", "starts with `-`"),
        ("staging@nope", "does not name a commit"),
        ("staging@HEAD:shared-release.tfvars", "is not a git revision"),
        ("staging@", "empty git revision"),
    ] {
        let run = repo.pins(&["diff", spec, "production"]);
        assert_eq!(run.code, 2, "{spec}");
        assert!(run.stderr.contains(message), "{spec}: {}", run.stderr);
    }
    let not_git = Repo::new(&tricky()[0].pairs());
    assert_eq!(not_git.pins(&["diff", "staging@HEAD", "production"]).code, 2);
}

#[test]
fn unknown_environment_and_bad_format_exit_2() {
    let repo = every_kind();
    assert_eq!(repo.pins(&["diff", "staging", "nope"]).code, 2);
    assert_eq!(
        repo.pins(&["diff", "staging", "development", "--format", "xml"]).code,
        2
    );
    assert_eq!(repo.pins(&["diff", "staging/..", "development"]).code, 2);
}

/// `diff FROM TO` and `promote FROM TO --dry-run --prune` name the same pins, versions and kinds,
/// in the same order, in JSON.
#[test]
fn diff_and_promote_agree_on_every_pin_and_kind() {
    let repo = every_kind();
    let diff = repo
        .pins(&["diff", "development", "staging", "--format", "json"])
        .json();
    let promote = repo.pins(&[
        "promote",
        "development",
        "staging",
        "--dry-run",
        "--prune",
        "--allow-downgrade",
        "--format",
        "json",
    ]);
    assert_eq!(promote.code, 0, "{}", promote.stderr);
    assert_eq!(diff["changes"], promote.json()["changes"]);
}

//! The gate's known bypasses, each tried as a hostile colleague would: Unicode keys that are one
//! key to Terraform, a production branch that reorders environments in pins.hcl, and committed
//! symlinks at a revision. Each test failed on the main branch before the fix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::Repo;

/// `é` as one code point (NFC) and as `e` plus a combining acute accent (NFD).
const NFC: &str = "\u{e9}";
const NFD: &str = "e\u{301}";

const DEV: &str = "frontend = \"3.2.0\"\n";
const SHARED: &str = "frontend = \"3.1.4\"\n";

/// A git repository in the default layout with `shared` as the shared release file, committed on
/// branch `staging` (the tested state).
fn tested(shared: &str) -> Repo {
    let repo = Repo::new(&[
        ("development.tfvars", DEV),
        ("shared-release.tfvars", shared),
        ("data.d/development.tfvars", "db = \"dev\"\n"),
        ("data.d/staging.tfvars", "db = \"stg\"\n"),
        ("data.d/production.tfvars", "db = \"prd\"\n"),
    ]);
    repo.git(&["init", "-q", "-b", "staging"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "tested"]);
    repo
}

fn two_spellings(first: (&str, &str), second: (&str, &str)) -> String {
    format!(
        "artifact_versions = {{\n  \"{}\" = \"{}\"\n  \"{}\" = \"{}\"\n}}\n",
        first.0, first.1, second.0, second.1
    )
}

#[test]
fn keys_equal_after_nfc_are_one_key_and_the_last_wins() {
    // Terraform deploys 2.0.0 in staging (the NFD spelling comes last) and 1.0.0 in production.
    let repo = tested(&two_spellings((NFC, "1.0.0"), (NFD, "2.0.0")));
    repo.write(
        "shared-release.tfvars",
        two_spellings((NFD, "2.0.0"), (NFC, "1.0.0")).as_bytes(),
    );
    let run = repo.pins(&["verify", "production", "--tested-ref", "staging"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let row = run.stdout.lines().find(|l| l.starts_with(NFC)).unwrap_or_default();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells, [NFC, "2.0.0", "1.0.0", "downgrade"], "{}", run.stdout);
}

#[test]
fn show_and_records_hold_the_one_key_terraform_sees() {
    let repo = tested(&two_spellings((NFC, "1.0.0"), (NFD, "2.0.0")));
    let show = repo.pins(&["show", "staging", "--format", "json"]).json();
    let pins = show["pins"].as_object().unwrap();
    assert_eq!(pins.len(), 1, "{show}");
    assert_eq!(pins[NFC]["version"], "2.0.0");
    let run = repo.pins(&["record", "staging", "--out", "r.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let record: serde_json::Value = serde_json::from_str(&repo.read("r.json")).unwrap();
    assert_eq!(
        record["pins"],
        serde_json::json!({ format!("artifact_versions.{NFC}"): "2.0.0" })
    );
}

#[test]
fn bump_edits_the_copy_terraform_uses_whatever_the_spelling() {
    let before = two_spellings((NFC, "1.0.0"), (NFD, "2.0.0"));
    let repo = tested(&before);
    let run = repo.pins(&["bump", NFC, "2.1.0", "--env", "staging"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        repo.read("shared-release.tfvars"),
        two_spellings((NFC, "1.0.0"), (NFD, "2.1.0"))
    );
    let run = repo.pins(&["bump", NFD, "2.2.0", "--env", "staging", "--expect", "2.1.0"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        repo.read("shared-release.tfvars"),
        two_spellings((NFC, "1.0.0"), (NFD, "2.2.0"))
    );
}

#[test]
fn promote_updates_the_copy_terraform_uses() {
    let repo = tested(&two_spellings((NFD, "0.9.0"), (NFC, "1.0.0")));
    repo.write(
        "development.tfvars",
        two_spellings((NFC, "1.1.0"), (NFD, "1.2.0")).as_bytes(),
    );
    let run = repo.pins(&["promote", "development", "staging"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        repo.read("shared-release.tfvars"),
        two_spellings((NFD, "0.9.0"), (NFC, "1.2.0"))
    );
}

#[test]
fn check_reports_keys_equal_after_nfc_as_duplicates() {
    let repo = tested(&two_spellings((NFC, "1.0.0"), (NFD, "2.0.0")));
    let run = repo.pins(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let findings = run.json()["findings"].as_array().unwrap().clone();
    let duplicate: Vec<&serde_json::Value> = findings.iter().filter(|f| f["rule"] == "duplicate-key").collect();
    assert_eq!(duplicate.len(), 1, "{findings:?}");
    assert_eq!(duplicate[0]["line"], 3);
    let message = duplicate[0]["message"].as_str().unwrap();
    assert!(message.contains("normalises (NFC)"), "{message}");
}

const REORDERED: &str = r#"environment "development" {
  pin_file = "development.tfvars"
}
environment "staging" {
  pin_file = "shared-release.tfvars"
}
environment "production" {
  pin_file = "shared-release.tfvars"
}
order = ["staging", "development", "production"]
"#;

#[test]
fn the_tested_revision_decides_which_environment_was_tested() {
    // A direct commit on production puts development's untested pins into the shared file and
    // reorders pins.hcl so that production seems to be promoted from development.
    let repo = tested(SHARED);
    repo.git(&["checkout", "-q", "-b", "production"]);
    repo.write("shared-release.tfvars", DEV.as_bytes());
    repo.write("pins.hcl", REORDERED.as_bytes());
    repo.git(&["commit", "-qam", "hotfix", "--allow-empty"]);
    repo.git(&["add", "pins.hcl"]);
    repo.git(&["commit", "-qm", "reorder"]);
    let run = repo.pins(&["verify", "production", "--tested-ref", "staging"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("FAIL: production would deploy pins that were not tested in staging@staging"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: pins.hcl at staging and in the working tree disagree on the environments; what was tested is judged by staging's: development (development.tfvars, data.d/development.tfvars) → staging (shared-release.tfvars, data.d/staging.tfvars) → production (shared-release.tfvars, data.d/production.tfvars) (here: staging (shared-release.tfvars, data.d/staging.tfvars) → development (development.tfvars, data.d/development.tfvars) → production (shared-release.tfvars, data.d/production.tfvars))"
        ),
        "{}",
        run.stdout
    );
    let json = repo.pins(&["verify", "production", "--tested-ref", "staging", "--format", "json"]);
    assert_eq!(json.code, 1);
    assert_eq!(json.json()["notes"].as_array().unwrap().len(), 1);
    // --tested-env names the environment, still read with the tested revision's own files.
    let run = repo.pins(&[
        "verify",
        "production",
        "--tested-ref",
        "staging",
        "--tested-env",
        "development",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

/// Commits `link` as a symlink to `target` (with `target`'s content, if given) on the current branch.
fn commit_link(repo: &Repo, link: &str, target: &str, content: Option<&str>) {
    if let Some(content) = content {
        repo.write(target, content.as_bytes());
    }
    let path = repo.path().join(link);
    let _ = std::fs::remove_file(&path);
    std::os::unix::fs::symlink(target, &path).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "link"]);
}

#[test]
fn a_symlink_at_the_revision_under_test_is_followed_as_a_checkout_would() {
    // The link's target *name* looks like the tested pins; the file it leads to holds others.
    let repo = tested(SHARED);
    repo.git(&["checkout", "-q", "-b", "production"]);
    commit_link(&repo, "shared-release.tfvars", "frontend = \"3.1.4\"", Some(DEV));
    let run = repo.pins(&["verify", "production@production", "--tested-ref", "staging"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let show = repo.pins(&["show", "production@production", "--format", "json"]).json();
    assert_eq!(show["pins"]["frontend"]["version"], "3.2.0");
}

#[test]
fn a_symlink_at_the_tested_revision_is_followed_as_a_checkout_would() {
    let repo = tested(SHARED);
    commit_link(&repo, "shared-release.tfvars", "frontend = \"3.2.0\"", Some(SHARED));
    repo.git(&["checkout", "-q", "-b", "production"]);
    repo.write("shared-release.tfvars", DEV.as_bytes());
    let run = repo.pins(&["verify", "production", "--tested-ref", "staging"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn symlinks_through_folders_are_followed_at_a_revision() {
    let repo = tested(SHARED);
    std::fs::create_dir_all(repo.path().join("envs/real")).unwrap();
    repo.write("envs/real/production.tfvars", "db = \"linked\"\n".as_bytes());
    std::fs::remove_dir_all(repo.path().join("data.d")).unwrap();
    std::os::unix::fs::symlink("envs/real", repo.path().join("data.d")).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "data.d is a link"]);
    let show = repo
        .pins(&["show", "production@HEAD", "--data", "--format", "json"])
        .json();
    assert_eq!(show["data"]["db"]["value"], "linked");
}

#[test]
fn symlink_loops_and_escapes_at_a_revision_are_refused() {
    let repo = tested(SHARED);
    commit_link(&repo, "shared-release.tfvars", "../outside.tfvars", None);
    let run = repo.pins(&["show", "staging@HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(
        run.stderr,
        "error: shared-release.tfvars at HEAD is a symlink that leads outside the repository (to ../outside.tfvars); pins only reads files inside it\n"
    );
    commit_link(&repo, "loop.tfvars", "shared-release.tfvars", None);
    commit_link(&repo, "shared-release.tfvars", "loop.tfvars", None);
    let run = repo.pins(&["show", "staging@HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("shared-release.tfvars at HEAD is a symlink loop"),
        "{}",
        run.stderr
    );
    commit_link(&repo, "shared-release.tfvars", "nowhere.tfvars", None);
    let run = repo.pins(&["verify", "production@HEAD", "--tested-ref", "HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("shared-release.tfvars at HEAD is a symlink to a file that does not exist at HEAD"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_record_is_read_with_terraform_s_keys() {
    let repo = tested(&two_spellings((NFD, "1.0.0"), (NFC, "2.0.0")));
    let pins: std::collections::BTreeMap<String, String> =
        [(format!("artifact_versions.{NFD}"), "2.0.0".to_string())].into();
    let record = serde_json::json!({
        "format": "pins-record/1",
        "environment": "staging",
        "pins": pins,
        "digest": pins::record::digest(&pins, None),
        "commit": null,
        "dirty": null,
        "recorded_at": "2026-11-27T00:00:00Z",
    });
    repo.write("r.json", record.to_string().as_bytes());
    let run = repo.pins(&["verify", "production", "--tested", "r.json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

//! `pins promote`: only pins travel, byte-exact, with pruning, selection and refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::fixtures::layout;
use common::Repo;
use serde_json::json;

const DEV: &str = "# dev pins\nartifact_versions = {\n  lambda-x = \"1.5.0\"\n  lambda-y = \"2.0.1\"\n  lambda-z = \"0.1.0\"\n}\nfrontend = \"3.2.0\"\n";
const SHARED: &str = "# release pins\r\nartifact_versions = {\r\n  lambda-x     = \"1.4.2\" # hot\r\n  lambda-y     = \"2.0.1\"\r\n  old-one      = \"0.0.9\"\r\n}\r\nfrontend = \"3.1.4\"\r\n";
const DATA: [&str; 3] = ["db = \"dev\"\n", "db = \"stg\"\n", "db = \"prd\"\n"];

fn repo() -> Repo {
    Repo::new(&layout("p", DEV, SHARED, DATA).pairs())
}

#[test]
fn promote_copies_pins_byte_exactly_and_keeps_target_only_pins() {
    let repo = repo();
    let before = repo.snapshot();
    let run = repo.pins(&["promote", "development", "staging"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "# release pins\r\nartifact_versions = {\r\n  lambda-x     = \"1.5.0\" # hot\r\n  lambda-y     = \"2.0.1\"\r\n  old-one      = \"0.0.9\"\r\n  lambda-z     = \"0.1.0\"\r\n}\r\nfrontend = \"3.2.0\"\r\n";
    assert_eq!(repo.read("shared-release.tfvars"), expected);
    let mut after = before.clone();
    after.insert("shared-release.tfvars".into(), expected.as_bytes().to_vec());
    assert_eq!(repo.snapshot(), after, "data files and the source are untouched");
    assert!(run.stdout.contains("lambda-x 1.4.2 → 1.5.0 (minor)"), "{}", run.stdout);
    assert!(run.stdout.contains("lambda-z — → 0.1.0 (added)"));
    assert!(run
        .stdout
        .contains("old-one kept (not in the source; --prune removes it)"));
}

#[test]
fn prune_removes_target_only_pins() {
    let repo = repo();
    let run = repo.pins(&["promote", "development", "staging", "--prune", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!repo.read("shared-release.tfvars").contains("old-one"));
    let changes = run.json()["changes"].clone();
    assert!(changes
        .as_array()
        .unwrap()
        .contains(&json!({"pin": "old-one", "from": "0.0.9", "to": null, "kind": "removed"})));
}

#[test]
fn only_selects_pins_and_rejects_unknown_ones() {
    let repo = repo();
    assert_eq!(
        repo.pins(&["promote", "development", "staging", "--only", "frontend"])
            .code,
        0
    );
    let text = repo.read("shared-release.tfvars");
    assert!(
        text.contains("frontend = \"3.2.0\"") && text.contains("lambda-x     = \"1.4.2\""),
        "{text}"
    );
    let before = repo.snapshot();
    let run = repo.pins(&["promote", "development", "staging", "--only", "lambda-q"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown pin `lambda-q`"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn dry_run_shows_the_diff_without_writing() {
    let repo = repo();
    let before = repo.snapshot();
    let run = repo.pins(&["promote", "development", "staging", "--dry-run", "--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["written"], false);
    assert_eq!(run.json()["dry_run"], true);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn sharing_environments_have_nothing_to_copy() {
    let run = repo().pins(&["promote", "staging", "production"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("staging and production share shared-release.tfvars: there is nothing to copy"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("branch merge"));
}

#[test]
fn downgrades_and_prereleases_are_refused_unless_allowed() {
    let dev = "artifact_versions = {\n  lambda-x = \"1.0.0\"\n  lambda-y = \"2.0.1\"\n}\nfrontend = \"3.1.4\"\n";
    let repo = Repo::new(&layout("p", dev, SHARED, DATA).pairs());
    let before = repo.snapshot();
    let run = repo.pins(&["promote", "development", "staging"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("older than the current 1.4.2"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
    assert_eq!(
        repo.pins(&["promote", "development", "staging", "--allow-downgrade"])
            .code,
        0
    );
    let pre = Repo::new(&layout("p", "frontend = \"4.0.0-rc.1\"\n", SHARED, DATA).pairs());
    let run = pre.pins(&["promote", "development", "staging"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pre-release"), "{}", run.stderr);
    assert_eq!(
        pre.pins(&["promote", "development", "staging", "--allow-prerelease"])
            .code,
        0
    );
}

#[test]
fn new_maps_and_top_level_pins_are_added() {
    let repo = Repo::new(
        &layout(
            "p",
            "api = \"1.0.0\"\nlambdas = { a = \"1.0.0\", b = \"2.0.0\" }\n",
            "",
            DATA,
        )
        .pairs(),
    );
    assert_eq!(repo.pins(&["promote", "development", "staging"]).code, 0);
    assert_eq!(
        repo.read("shared-release.tfvars"),
        "api = \"1.0.0\"\nlambdas = {\n  a = \"1.0.0\"\n  b = \"2.0.0\"\n}\n"
    );
    let again = repo.pins(&["promote", "development", "staging"]);
    assert!(again.stdout.contains("nothing to change"), "{}", again.stdout);
}

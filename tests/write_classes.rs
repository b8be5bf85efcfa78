//! One test per class of write that used to corrupt a file or misreport it: maps with several
//! entries on a line, one-line maps, comments between entries, duplicate keys, removals and
//! additions in one map, ambiguous names, and the `v` prefix in the downgrade guard. Each shows
//! the exact bytes written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::fixtures::layout;
use common::Repo;

const DATA: [&str; 3] = ["db = \"dev\"\n", "db = \"stg\"\n", "db = \"prd\"\n"];

fn repo(dev: &str, shared: &str) -> Repo {
    Repo::new(&layout("classes", dev, shared, DATA).pairs())
}

/// Runs `args` and returns the shared release file afterwards.
fn shared_after(dev: &str, shared: &str, args: &[&str]) -> String {
    let repo = repo(dev, shared);
    let run = repo.pins(args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    repo.read("shared-release.tfvars")
}

#[test]
fn promote_adding_a_pin_after_a_line_with_two_entries_writes_one_new_line() {
    let dev = "v = {\n  lambda-x = \"1.0.0\"\n  \"lambda-y\" = \"2.0.1\", lambda-new = \"0.0.1\"\n}\n";
    let shared = "v = {\n  lambda-x   = \"1.0.0\"\n  \"lambda-y\" = \"2.0.0\", lambda-old = \"0.0.1\"\n}\n";
    assert_eq!(
        shared_after(dev, shared, &["promote", "development", "staging"]),
        "v = {\n  lambda-x   = \"1.0.0\"\n  \"lambda-y\" = \"2.0.1\", lambda-old = \"0.0.1\"\n  lambda-new = \"0.0.1\"\n}\n"
    );
}

#[test]
fn create_after_a_last_line_with_two_entries_copies_no_entry() {
    let shared = "v = {\n  a = \"1.0.0\"\n  b = \"1.0.0\", c = \"1.0.0\"\n}\n";
    assert_eq!(
        shared_after("", shared, &["bump", "d", "1.0.0", "--create", "--env", "staging"]),
        "v = {\n  a = \"1.0.0\"\n  b = \"1.0.0\", c = \"1.0.0\"\n  d = \"1.0.0\"\n}\n"
    );
}

#[test]
fn prune_in_one_line_maps_leaves_no_stray_comma() {
    let dev = "m = { y = \"2.0.0\" }\n";
    for (shared, expected) in [
        ("m = { x = \"1.0.0\", y = \"2.0.0\" }\n", "m = { y = \"2.0.0\" }\n"),
        (
            "m = { x = \"1.0.0\" /*c*/, y = \"2.0.0\" }\n",
            "m = { y = \"2.0.0\" }\n",
        ),
        ("m = { y = \"2.0.0\", x = \"1.0.0\" }\n", "m = { y = \"2.0.0\" }\n"),
        ("m = { y = \"2.0.0\" , x = \"1.0.0\", }\n", "m = { y = \"2.0.0\" , }\n"),
        ("m = { x = \"1.0.0\"\n  y = \"2.0.0\" }\n", "m = {\n  y = \"2.0.0\" }\n"),
    ] {
        assert_eq!(
            shared_after(dev, shared, &["promote", "development", "staging", "--prune"]),
            expected,
            "{shared:?}"
        );
    }
}

#[test]
fn prune_removing_every_entry_while_adding_one_keeps_the_map_valid() {
    let dev = "m = { fresh = \"1.0.0\" }\n";
    assert_eq!(
        shared_after(
            dev,
            "m = { old = \"0.1.0\" }\n",
            &["promote", "development", "staging", "--prune"]
        ),
        "m = { fresh = \"1.0.0\" }\n"
    );
    assert_eq!(
        shared_after(
            dev,
            "m = { a = \"0.1.0\", old = \"0.1.0\" }\n",
            &["promote", "development", "staging", "--prune"]
        ),
        "m = { fresh = \"1.0.0\" }\n"
    );
    assert_eq!(
        shared_after(
            "m = { a = \"0.1.0\", fresh = \"1.0.0\" }\n",
            "m = { a = \"0.1.0\", old = \"0.1.0\" }\n",
            &["promote", "development", "staging", "--prune"]
        ),
        "m = { a = \"0.1.0\", fresh = \"1.0.0\" }\n"
    );
}

#[test]
fn prune_removes_every_duplicate_of_a_key() {
    assert_eq!(
        shared_after(
            "m = {\n  y = \"2.0.0\"\n}\n",
            "m = {\n  x = \"0.9.0\"\n  y = \"2.0.0\"\n  x = \"1.0.0\"\n}\n",
            &["promote", "development", "staging", "--prune"]
        ),
        "m = {\n  y = \"2.0.0\"\n}\n"
    );
}

#[test]
fn edits_never_land_inside_a_comment() {
    // A block comment after the last entry spans lines: the new entry goes after it.
    let shared = "m = {\n  a = \"1.0.0\" /* long\n  note */\n}\n";
    assert_eq!(
        shared_after("", shared, &["bump", "m.b", "1.0.0", "--create", "--env", "staging"]),
        "m = {\n  a = \"1.0.0\" /* long\n  note */\n  b = \"1.0.0\"\n}\n"
    );
    // A comment between key and `=` is not copied as the `=`.
    let shared = "m = {\n  a /* k */ = \"1.0.0\"\n}\n";
    assert_eq!(
        shared_after("", shared, &["bump", "m.b", "1.0.0", "--create", "--env", "staging"]),
        "m = {\n  a /* k */ = \"1.0.0\"\n  b = \"1.0.0\"\n}\n"
    );
    // Removing a top-level pin whose trailing block comment spans lines removes the comment whole.
    assert_eq!(
        shared_after(
            "m = { a = \"1.0.0\" }\n",
            "m = { a = \"1.0.0\" }\nold = \"1.0.0\" /* one\ntwo */\nz = { b = 1 }\n",
            &["promote", "development", "staging", "--prune"]
        ),
        "m = { a = \"1.0.0\" }\nz = { b = 1 }\n"
    );
}

#[test]
fn adding_to_an_empty_map_keeps_its_comment_and_line_endings() {
    assert_eq!(
        shared_after(
            "",
            "m = { # none yet\r\n}\r\n",
            &["bump", "m.a", "1.0.0", "--create", "--env", "staging"]
        ),
        "m = { # none yet\r\n  a = \"1.0.0\"\r\n}\r\n"
    );
    assert_eq!(
        shared_after(
            "",
            "m = {}\n",
            &["bump", "m.a", "1.0.0", "--create", "--env", "staging"]
        ),
        "m = { a = \"1.0.0\" }\n"
    );
}

#[test]
fn promote_refuses_a_pin_whose_shape_differs() {
    let repo = repo("m = \"1.0.0\"\n", "m = { a = \"1.0.0\" }\n");
    let before = repo.snapshot();
    let run = repo.pins(&["promote", "development", "staging"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("`m` is a map in shared-release.tfvars but a single version in the source"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_quoted_dotted_key_and_a_map_entry_get_distinct_names_everywhere() {
    let dev = "m = {\n  \"x.y\" = \"1.0.0\"\n}\nx = {\n  y = \"2.0.0\"\n}\n";
    let repo = repo(dev, "");
    let show = repo.pins(&["show", "development", "--format", "json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let names: Vec<String> = show.json()["pins"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, ["m.x.y", "y"]);
    let text = repo.pins(&["show", "development"]).stdout;
    assert!(text.contains("m.x.y") && !text.contains(" x.y "), "{text}");
    // `x.y` is the id of map x's key y: bump edits that one, and `m.x.y` the quoted key.
    assert_eq!(repo.pins(&["bump", "x.y", "2.1.0"]).code, 0);
    assert_eq!(repo.pins(&["bump", "m.x.y", "1.1.0"]).code, 0);
    assert_eq!(
        repo.read("development.tfvars"),
        "m = {\n  \"x.y\" = \"1.1.0\"\n}\nx = {\n  y = \"2.1.0\"\n}\n"
    );
}

#[test]
fn the_downgrade_guard_ignores_the_v_prefix() {
    for (current, older) in [("v3.1.4", "1.0.0"), ("2.5.0", "v2.0.0")] {
        let repo = repo(&format!("app = \"{current}\"\n"), "");
        let before = repo.snapshot();
        let run = repo.pins(&["bump", "app", older]);
        assert_eq!(run.code, 2, "{current} -> {older}: {}", run.stdout);
        assert!(run.stderr.contains("--allow-downgrade"), "{}", run.stderr);
        assert_eq!(repo.snapshot(), before);
    }
    // check's order rule sees the pair too.
    let repo = repo("app = \"1.0.0\"\n", "app = \"v3.1.4\"\n");
    let run = repo.pins(&["check", "--format", "json"]);
    let rules: Vec<String> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(rules.contains(&"order".to_string()), "{rules:?}");
}

//! `pins bump`: byte-exact edits on every kind of formatting, `--create`, and every refusal.
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
const SHARED: &str = "artifact_versions = {\n  lambda-x = \"1.4.2\"\n}\n";

fn repo_with_dev(dev: &str) -> Repo {
    Repo::new(&layout("t", dev, SHARED, DATA).pairs())
}

/// Bumps in a development.tfvars holding `before` and expects exactly `after`, nothing else touched.
fn assert_bump(before: &str, args: &[&str], after: &str) {
    let repo = repo_with_dev(before);
    let mut snapshot = repo.snapshot();
    let mut full = vec!["bump"];
    full.extend_from_slice(args);
    let run = repo.pins(&full);
    assert_eq!(run.code, 0, "{args:?} on {before:?}: {}", run.stderr);
    assert_eq!(repo.read("development.tfvars"), after, "{args:?} on {before:?}");
    snapshot.insert("development.tfvars".into(), after.as_bytes().to_vec());
    assert_eq!(repo.snapshot(), snapshot, "only the pin file changes");
}

/// The same text with exactly one occurrence of `"1.4.2"` set to `"1.5.0"`.
fn bumped(text: &str) -> String {
    assert_eq!(
        text.matches("\"1.4.2\"").count(),
        1,
        "fixture must hold the version once"
    );
    text.replacen("\"1.4.2\"", "\"1.5.0\"", 1)
}

#[test]
fn a_bump_changes_exactly_the_version_bytes_on_every_format() {
    let fixtures = [
        ("lf, aligned", "artifact_versions = {\n  lambda-x     = \"1.4.2\"\n  other        = \"1.0.0\"\n}\n"),
        ("crlf", "artifact_versions = {\r\n  lambda-x = \"1.4.2\"\r\n  other    = \"1.0.0\"\r\n}\r\n"),
        ("mixed endings", "artifact_versions = {\r\n  lambda-x = \"1.4.2\"\n  other = \"1.0.0\"\r\n}\n"),
        ("bom", "\u{feff}artifact_versions = {\n  lambda-x = \"1.4.2\"\n}\n"),
        ("tabs", "artifact_versions = {\n\tlambda-x\t= \"1.4.2\"\n\tother\t\t= \"1.0.0\"\n}\n"),
        ("no final newline", "artifact_versions = {\n  lambda-x = \"1.4.2\"\n}"),
        ("comments", "# top\n// slashes\n/* block\n */\nartifact_versions = { # open\n  lambda-x = \"1.4.2\" // after\n  /* before */ other = \"1.0.0\"\n}\n"),
        ("quoted key", "artifact_versions = {\n  \"lambda-x\" = \"1.4.2\"\n}\n"),
        ("colon", "artifact_versions = {\n  lambda-x: \"1.4.2\"\n}\n"),
        ("one-line map", "artifact_versions = { lambda-x = \"1.4.2\", other = \"1.0.0\" }\n"),
        ("trailing commas", "artifact_versions = {\n  lambda-x = \"1.4.2\",\n  other = \"1.0.0\",\n}\n"),
        ("heredoc with tabs elsewhere", "note = <<-EOT\n\t\tkeep\ttabs\n\tEOT\nartifact_versions = {\n  lambda-x = \"1.4.2\"\n}\n"),
        ("escapes elsewhere", "label = \"caf\\u00e9 \\\"q\\\" $${x}\"\nartifact_versions = {\n  lambda-x = \"1.4.2\"\n}\n"),
        ("duplicate key: the last one counts", "artifact_versions = {\n  lambda-x = \"1.0.0\"\n  lambda-x = \"1.4.2\"\n}\n"),
    ];
    for (name, text) in fixtures {
        let _ = name;
        assert_bump(text, &["lambda-x", "1.5.0"], &bumped(text));
    }
}

#[test]
fn top_level_pins_and_levels_keep_the_v_prefix() {
    assert_bump(
        "frontend = \"v1.4.2\"\n",
        &["frontend", "minor"],
        "frontend = \"v1.5.0\"\n",
    );
    assert_bump(
        "frontend = \"1.4.2\"\n",
        &["frontend", "major"],
        "frontend = \"2.0.0\"\n",
    );
    assert_bump(
        "frontend = \"1.4.2\"\n",
        &["frontend", "patch"],
        "frontend = \"1.4.3\"\n",
    );
    assert_bump(
        "m = { a = \"1.4.2\" }\nn = { a = \"1.0.0\" }\n",
        &["n.a", "1.0.1"],
        "m = { a = \"1.4.2\" }\nn = { a = \"1.0.1\" }\n",
    );
}

#[test]
fn create_adds_one_line_matching_the_neighbours() {
    assert_bump(
        "m = {\n  a     = \"1.0.0\"\n  bbbbb = \"1.0.0\"\n}\n",
        &["new", "0.1.0", "--create"],
        "m = {\n  a     = \"1.0.0\"\n  bbbbb = \"1.0.0\"\n  new   = \"0.1.0\"\n}\n",
    );
    assert_bump(
        "m = {\n\ta = \"1.0.0\",\n}\n",
        &["new-one", "0.1.0", "--create"],
        "m = {\n\ta = \"1.0.0\",\n\tnew-one = \"0.1.0\",\n}\n",
    );
    assert_bump(
        "m = {\r\n  \"a\" = \"1.0.0\" # c\r\n}\r\n",
        &["b", "0.1.0", "--create"],
        "m = {\r\n  \"a\" = \"1.0.0\" # c\r\n  \"b\" = \"0.1.0\"\r\n}\r\n",
    );
    assert_bump(
        "m = { a = \"1.0.0\" }\n",
        &["b", "0.1.0", "--create"],
        "m = { a = \"1.0.0\", b = \"0.1.0\" }\n",
    );
    assert_bump(
        "m = { a = \"1.0.0\", }\n",
        &["b", "0.1.0", "--create"],
        "m = { a = \"1.0.0\", b = \"0.1.0\", }\n",
    );
    assert_bump("m = {}\n", &["m.b", "0.1.0", "--create"], "m = { b = \"0.1.0\" }\n");
    assert_bump(
        "a = \"1.0.0\"",
        &["b", "0.1.0", "--create"],
        "a = \"1.0.0\"\nb = \"0.1.0\"",
    );
    assert_bump(
        "a = \"1.0.0\"\n",
        &["m.x", "0.1.0", "--create"],
        "a = \"1.0.0\"\nm = {\n  x = \"0.1.0\"\n}\n",
    );
}

#[test]
fn expect_is_a_compare_and_swap() {
    assert_bump(
        "a = \"1.4.2\"\n",
        &["a", "1.5.0", "--expect", "1.4.2"],
        "a = \"1.5.0\"\n",
    );
    let repo = repo_with_dev("a = \"1.4.2\"\n");
    let run = repo.pins(&["bump", "a", "1.5.0", "--expect", "1.4.1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("expected 1.4.1 but development.tfvars holds 1.4.2"),
        "{}",
        run.stderr
    );
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let repo = repo_with_dev("a = \"1.4.2\"\n");
    let before = repo.snapshot();
    let run = repo.pins(&["bump", "a", "1.5.0", "--dry-run"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with(
            "--- a/development.tfvars\n+++ b/development.tfvars\n@@ -1 +1 @@\n-a = \"1.4.2\"\n+a = \"1.5.0\"\n"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("dry run: nothing written"));
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn json_describes_the_write_and_shared_files_name_the_environments() {
    let repo = repo_with_dev("a = \"1.0.0\"\n");
    let run = repo.pins(&["bump", "lambda-x", "1.4.3", "--env", "staging", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["file"], "shared-release.tfvars");
    assert_eq!(json["environments"], serde_json::json!(["staging", "production"]));
    assert_eq!(
        json["changes"][0],
        serde_json::json!({"pin": "lambda-x", "from": "1.4.2", "to": "1.4.3", "kind": "patch"})
    );
    assert_eq!(json["written"], true);
    let text = repo.pins(&["bump", "lambda-x", "1.4.4", "--env", "production"]).stdout;
    assert!(
        text.contains("affects: staging, production (they share shared-release.tfvars)"),
        "{text}"
    );
}

#[test]
fn a_data_file_that_shadows_the_pin_is_pointed_out() {
    let repo = Repo::new(&layout("t", "a = \"1.0.0\"\n", SHARED, ["a = \"0.1.0\"\n", "", ""]).pairs());
    let run = repo.pins(&["bump", "a", "1.0.1"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("note: data.d/development.tfvars:1:1 sets `a`"),
        "{}",
        run.stdout
    );
}

/// Runs a bump that must be refused: exit 2, the message, and not one byte changed anywhere.
fn assert_refused(dev: &str, args: &[&str], message: &str) {
    let repo = repo_with_dev(dev);
    let before = repo.snapshot();
    let mut full = vec!["bump"];
    full.extend_from_slice(args);
    let run = repo.pins(&full);
    assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
    assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    assert_eq!(repo.snapshot(), before, "{args:?} touched a file");
}

#[test]
fn refusals_exit_2_and_touch_nothing() {
    let dev = "artifact_versions = {\n  lambda-x = \"1.4.2\"\n  lambda-y = \"2.0.0\"\n}\nopaque = \"build-7\"\nnote = <<EOT\n1.0.0\nEOT\nm2 = { z = \"1.0.0\" }\n";
    assert_refused(dev, &["lambda-x", "1.5"], "is not a semantic version");
    assert_refused(dev, &["lambda-x", "01.2.3"], "is not a semantic version");
    assert_refused(dev, &["lambda-x", ""], "is not a semantic version");
    assert_refused(
        dev,
        &["lambda-x", "1.4.1"],
        "older than the current 1.4.2; pass --allow-downgrade",
    );
    assert_refused(
        dev,
        &["lambda-z", "1.0.0"],
        "unknown pin `lambda-z` in development.tfvars (did you mean `lambda-x` or `lambda-y`?)",
    );
    assert_refused(dev, &["opaque", "minor"], "cannot bump opaque");
    assert_refused(
        dev,
        &["lambda-x", "minor", "--env", "nope"],
        "unknown environment `nope`",
    );
    assert_refused(dev, &["new", "1.0.0", "--create"], "several maps of pins");
    assert_refused(dev, &["bad name", "1.0.0", "--create"], "not a valid pin name");
    assert_refused(
        dev,
        &["lambda-x", "1.5.0", "--expect", "1.4.1"],
        "someone else changed it",
    );
    assert_refused(
        dev,
        &["lambda-x", "1.5.0-rc.1", "--env", "staging"],
        "is a pre-release and this pin file is shared",
    );
    assert_refused(
        "a = \"1.0.0\"\na = \"1.0.1\"\n",
        &["a", "1.1.0"],
        "development.tfvars:2:1",
    );
    assert_refused(
        "a = {\n  x = \"1.0.0\"\n",
        &["x", "1.1.0"],
        "development.tfvars:1:5: unclosed `{`",
    );
}

#[test]
fn allowed_downgrades_and_prereleases_go_through() {
    assert_bump(
        "a = \"1.4.2\"\n",
        &["a", "1.4.1", "--allow-downgrade"],
        "a = \"1.4.1\"\n",
    );
    let repo = repo_with_dev("a = \"1.0.0\"\n");
    let run = repo.pins(&[
        "bump",
        "lambda-x",
        "1.5.0-rc.1",
        "--env",
        "staging",
        "--allow-prerelease",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(repo.read("shared-release.tfvars").contains("\"1.5.0-rc.1\""));
    let policy = Repo::new(&[
        ("pins.hcl", "environment \"a\" {\n  pin_file = \"p.tfvars\"\n  data_files = []\n}\nenvironment \"b\" {\n  pin_file = \"p.tfvars\"\n  data_files = []\n}\npolicy {\n  allow_prerelease = true\n}\n"),
        ("p.tfvars", "x = \"1.0.0\"\n"),
    ]);
    assert_eq!(policy.pins(&["bump", "x", "1.1.0-beta.1"]).code, 0);
}

#[test]
fn a_read_only_pin_file_is_refused() {
    let repo = repo_with_dev("a = \"1.0.0\"\n");
    let path = repo.path().join("development.tfvars");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o444)).unwrap();
    let before = repo.snapshot();
    let run = repo.pins(&["bump", "a", "1.0.1"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("development.tfvars is read-only"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn permissions_are_kept_and_a_symlink_target_is_edited() {
    use std::os::unix::fs::PermissionsExt;
    let repo = repo_with_dev("a = \"1.0.0\"\n");
    std::fs::create_dir(repo.path().join("real")).unwrap();
    std::fs::rename(
        repo.path().join("development.tfvars"),
        repo.path().join("real/dev.tfvars"),
    )
    .unwrap();
    std::os::unix::fs::symlink("real/dev.tfvars", repo.path().join("development.tfvars")).unwrap();
    std::fs::set_permissions(
        repo.path().join("real/dev.tfvars"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    assert_eq!(repo.pins(&["bump", "a", "1.0.1"]).code, 0);
    assert!(std::fs::symlink_metadata(repo.path().join("development.tfvars"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(repo.read("real/dev.tfvars"), "a = \"1.0.1\"\n");
    let mode = std::fs::metadata(repo.path().join("real/dev.tfvars"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

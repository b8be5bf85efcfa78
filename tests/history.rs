//! `pins log`, `pins status` and `pins rollback` on fabricated git histories: real branches,
//! merges and direct commits with fixed dates and authors, shallow clones and `origin/` layouts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{pins_in, Repo};

/// Runs git in `dir` at a fixed time as `author`, panicking on failure.
fn git_at(dir: &Path, date: &str, author: &str, args: &[&str]) -> String {
    let (name, email) = author.split_once(' ').unwrap();
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "merge.ff=false",
        ])
        .args(args)
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_COMMITTER_NAME", name)
        .env("GIT_COMMITTER_EMAIL", email)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository whose history is written commit by commit.
struct Story {
    repo: Repo,
}

const ALICE: &str = "Alice alice@example.com";
const BOB: &str = "Bob bob@example.com";
const CAROL: &str = "Carol carol@example.com";
const DAVE: &str = "Dave dave@example.com";

fn pins(x: &str, frontend: &str) -> String {
    format!("artifact_versions = {{\n  lambda-x = \"{x}\"\n}}\nfrontend = \"{frontend}\"\n")
}

impl Story {
    /// One commit on `development` holding the default layout, and the three branches.
    fn new() -> Story {
        let repo = Repo::new(&[
            ("development.tfvars", &pins("1.4.2", "3.1.4")),
            ("shared-release.tfvars", &pins("1.4.2", "3.1.4")),
            ("data.d/development.tfvars", "db = \"dev\"\n"),
            ("data.d/staging.tfvars", "db = \"stg\"\n"),
            ("data.d/production.tfvars", "db = \"prd\"\n"),
        ]);
        let story = Story { repo };
        story.git("2026-11-01T09:00:00Z", ALICE, &["init", "-q", "-b", "development"]);
        story.commit("development", "2026-11-01T09:00:00Z", ALICE, "initial layout", &[]);
        story.git("2026-11-01T09:00:00Z", ALICE, &["branch", "staging"]);
        story.git("2026-11-01T09:00:00Z", ALICE, &["branch", "production"]);
        story
    }

    fn dir(&self) -> &Path {
        self.repo.path()
    }

    fn git(&self, date: &str, author: &str, args: &[&str]) -> String {
        git_at(self.dir(), date, author, args)
    }

    /// Checks out `branch`, writes `files` and commits everything.
    fn commit(&self, branch: &str, date: &str, author: &str, message: &str, files: &[(&str, &str)]) -> String {
        if self.git(date, author, &["symbolic-ref", "--short", "HEAD"]) != branch {
            self.git(date, author, &["checkout", "-q", branch]);
        }
        for (path, text) in files {
            self.repo.write(path, text.as_bytes());
        }
        self.git(date, author, &["add", "-A"]);
        self.git(date, author, &["commit", "-q", "--allow-empty", "-m", message]);
        self.git(date, author, &["rev-parse", "HEAD"])
    }

    /// Merges `from` into `into` with a merge commit.
    fn merge(&self, into: &str, from: &str, date: &str, author: &str) -> String {
        self.git(date, author, &["checkout", "-q", into]);
        let message = format!("Merge branch '{from}' into {into}");
        self.git(date, author, &["merge", "-q", "--no-ff", "-m", &message, from]);
        self.git(date, author, &["rev-parse", "HEAD"])
    }

    fn pins(&self, args: &[&str]) -> common::Run {
        pins_in(self.dir(), args)
    }
}

/// development: a direct bump; staging: a direct promotion; production: a merge of staging, then
/// a direct hotfix.
fn promotion_story() -> Story {
    let s = Story::new();
    s.commit(
        "development",
        "2026-11-02T10:00:00Z",
        ALICE,
        "bump lambda-x",
        &[("development.tfvars", &pins("1.5.0", "3.1.4"))],
    );
    s.commit(
        "staging",
        "2026-11-03T11:00:00Z",
        BOB,
        "promote development to staging",
        &[("shared-release.tfvars", &pins("1.5.0", "3.1.4"))],
    );
    s.merge("production", "staging", "2026-11-04T12:00:00Z", CAROL);
    s.commit(
        "production",
        "2026-11-05T13:30:00Z",
        DAVE,
        "hotfix frontend",
        &[("shared-release.tfvars", &pins("1.5.0", "3.1.5"))],
    );
    s
}

#[test]
fn log_shows_the_exact_timeline_of_each_branch() {
    let s = promotion_story();
    let run = s.pins(&["log"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "\
development (branch development)
TIME                  COMMIT   VIA     AUTHOR                     PIN       CHANGE         KIND   SUBJECT
2026-11-01T09:00:00Z  C0       direct  Alice <alice@example.com>  lambda-x  — → 1.4.2      added  initial layout
2026-11-01T09:00:00Z  C0       direct  Alice <alice@example.com>  frontend  — → 3.1.4      added  initial layout
2026-11-02T10:00:00Z  C1       direct  Alice <alice@example.com>  lambda-x  1.4.2 → 1.5.0  minor  bump lambda-x

staging (branch staging)
TIME                  COMMIT   VIA     AUTHOR                     PIN       CHANGE         KIND   SUBJECT
2026-11-01T09:00:00Z  C0       direct  Alice <alice@example.com>  lambda-x  — → 1.4.2      added  initial layout
2026-11-01T09:00:00Z  C0       direct  Alice <alice@example.com>  frontend  — → 3.1.4      added  initial layout
2026-11-03T11:00:00Z  C2       direct  Bob <bob@example.com>      lambda-x  1.4.2 → 1.5.0  minor  promote development to staging

production (branch production)
TIME                  COMMIT   VIA     AUTHOR                     PIN       CHANGE         KIND   SUBJECT
2026-11-01T09:00:00Z  C0       direct  Alice <alice@example.com>  lambda-x  — → 1.4.2      added  initial layout
2026-11-01T09:00:00Z  C0       direct  Alice <alice@example.com>  frontend  — → 3.1.4      added  initial layout
2026-11-04T12:00:00Z  C3       merge   Carol <carol@example.com>  lambda-x  1.4.2 → 1.5.0  minor  Merge branch 'staging' into production
2026-11-05T13:30:00Z  C4       direct  Dave <dave@example.com>    frontend  3.1.4 → 3.1.5  patch  hotfix frontend
";
    assert_eq!(with_short_ids(&s, &run.stdout), expected);
}

/// Replaces each short commit id by `C<n>`, n its place in the order of commit dates.
fn with_short_ids(s: &Story, text: &str) -> String {
    let all = s.git(
        "2026-01-01T00:00:00Z",
        ALICE,
        &["log", "--all", "--reverse", "--date-order", "--format=%h"],
    );
    let mut out = text.to_string();
    for (i, id) in all.lines().enumerate() {
        out = out.replace(&format!("{id:<7}"), &format!("C{i:<6}"));
    }
    out
}

#[test]
fn log_json_gives_every_field_and_filters_by_pin_and_time() {
    let s = promotion_story();
    let run = s.pins(&[
        "log",
        "production",
        "--pin",
        "lambda-x",
        "--since",
        "2026-11-02",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let merge = s.git("2026-01-01T00:00:00Z", ALICE, &["rev-parse", "production^"]);
    let expected = serde_json::json!({"environments": [{
        "environment": "production", "branch": "production",
        "entries": [{
            "event": "change", "time": "2026-11-04T12:00:00Z", "commit": merge,
            "author": "Carol", "email": "carol@example.com",
            "subject": "Merge branch 'staging' into production", "via": "merge",
            "pin": "lambda-x", "id": "artifact_versions.lambda-x", "from": "1.4.2", "to": "1.5.0",
            "kind": "minor", "record": null
        }]
    }]});
    assert_eq!(run.json(), expected);
}

#[test]
fn since_and_until_take_dates_and_revisions() {
    let s = promotion_story();
    let times = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["log", "production", "--format", "json"];
        full.extend(args);
        let run = s.pins(&full);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run.json()["environments"][0]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["time"].as_str().unwrap(), e["pin"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(
        times(&["--since", "2026-11-04T12:00:00Z"]),
        ["2026-11-04T12:00:00Z lambda-x", "2026-11-05T13:30:00Z frontend"],
        "--since is inclusive"
    );
    assert_eq!(
        times(&["--until", "2026-11-04T11:59:59Z"]).len(),
        2,
        "only the initial commit"
    );
    assert_eq!(
        times(&["--since", "production~1"]),
        ["2026-11-05T13:30:00Z frontend"],
        "after a revision"
    );
    assert_eq!(
        times(&["--until", "production~1"]).len(),
        3,
        "up to and including a revision"
    );
    assert_eq!(times(&["--since", "2026-11-06"]), Vec::<String>::new());
}

#[test]
fn markdown_escapes_cells() {
    let s = promotion_story();
    s.commit(
        "staging",
        "2026-11-06T08:00:00Z",
        BOB,
        "fix | pipe *now*",
        &[("shared-release.tfvars", &pins("1.5.1", "3.1.4"))],
    );
    let run = s.pins(&["log", "staging", "--since", "2026-11-06", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "### staging (branch `staging`)\n\n\
| time | commit | via | author | pin | change | kind | subject |\n\
|---|---|---|---|---|---|---|---|\n\
| `2026-11-06T08:00:00Z` | `C5` | `direct` | Bob \\<bob@example.com\\> | `lambda-x` | `1.5.0 → 1.5.1` | `patch` | fix \\| pipe \\*now\\* |\n\n";
    assert_eq!(with_short_ids(&s, &run.stdout).replace("C5     ", "C5"), expected);
}

/// A record of `env` with `pins` (id → version), recorded at `at`, as `pins record` writes it.
fn record_json(s: &Story, env: &str, at: &str) -> String {
    let out = s.dir().join("record.tmp");
    let run = s.pins(&["record", env, "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    std::fs::remove_file(&out).unwrap();
    record["recorded_at"] = at.into();
    format!("{}\n", serde_json::to_string_pretty(&record).unwrap())
}

#[test]
fn records_committed_on_a_branch_or_given_in_a_folder_join_the_timeline() {
    let s = promotion_story();
    s.git("2026-11-06T00:00:00Z", BOB, &["checkout", "-q", "staging"]);
    let record = record_json(&s, "staging", "2026-11-03T11:45:00Z");
    s.commit(
        "staging",
        "2026-11-03T12:00:00Z",
        BOB,
        "record staging",
        &[(".pins/records/staging.json", &record)],
    );
    let folder = tempfile::tempdir().unwrap();
    let later = record_json(&s, "staging", "2026-11-06T09:00:00Z");
    std::fs::write(folder.path().join("b.json"), &later).unwrap();
    let run = s.pins(&[
        "log",
        "staging",
        "--since",
        "2026-11-03",
        "--records",
        folder.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let folder_file = folder.path().join("b.json").display().to_string();
    let expected = format!("\
staging (branch staging)
TIME                  COMMIT   VIA     AUTHOR                 PIN       CHANGE                                        KIND   SUBJECT
2026-11-03T11:00:00Z  C2       direct  Bob <bob@example.com>  lambda-x  1.4.2 → 1.5.0                                 minor  promote development to staging
2026-11-03T12:00:00Z  C3       direct  Bob <bob@example.com>  record    recorded after tests at 2026-11-03T11:45:00Z         record staging
2026-11-06T09:00:00Z  C3       folder  —                      record    recorded after tests at 2026-11-06T09:00:00Z         {folder_file}
");
    assert_eq!(with_short_ids(&s, &run.stdout), expected);
}

/// Asserts exit 2, nothing on stdout, and every part of `wanted` in the message.
fn refused(run: &common::Run, wanted: &[&str]) {
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "", "a refused history prints nothing");
    for w in wanted {
        assert!(run.stderr.contains(w), "{w:?} not in: {}", run.stderr);
    }
}

fn clone(s: &Story, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", s.dir().display());
    let mut args = vec!["clone", "-q"];
    args.extend(extra);
    args.extend([url.as_str(), dir.path().to_str().unwrap()]);
    git_at(s.dir(), "2026-11-07T00:00:00Z", ALICE, &args);
    dir
}

#[test]
fn a_ci_checkout_reads_remote_tracking_branches_with_a_prefix() {
    let s = promotion_story();
    let ci = clone(&s, &["--branch", "production"]);
    let run = pins_in(ci.path(), &["log", "staging"]);
    refused(
        &run,
        &[
            "branch `staging` of environment staging does not exist locally",
            "it exists as origin/staging: pass --branch-prefix origin/",
        ],
    );
    let run = pins_in(
        ci.path(),
        &["log", "staging", "--branch-prefix", "origin/", "--since", "2026-11-02"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("staging (branch origin/staging)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1.4.2 → 1.5.0  minor  promote development to staging"),
        "{}",
        run.stdout
    );
    let run = pins_in(ci.path(), &["log", "--branch-prefix", "upstream"]);
    refused(
        &run,
        &[
            "branch `upstream/development` of environment development does not exist at the remote prefix",
            "git fetch origin development",
        ],
    );
}

#[test]
fn a_shallow_clone_is_refused_unless_the_range_starts_after_the_cut() {
    let s = promotion_story();
    let shallow = clone(&s, &["--depth", "2", "--no-single-branch", "--branch", "production"]);
    let run = pins_in(shallow.path(), &["log", "production", "--branch-prefix", "origin/"]);
    refused(
        &run,
        &[
            "this clone is shallow: the history of production (origin/production) is cut off at commit",
            "(2026-11-04T12:00:00Z)",
            "git fetch --unshallow",
            "--since 2026-11-04T12:00:00Z",
        ],
    );
    let at_cut = pins_in(
        shallow.path(),
        &[
            "log",
            "production",
            "--branch-prefix",
            "origin/",
            "--since",
            "2026-11-04T12:00:00Z",
        ],
    );
    refused(&at_cut, &["this clone is shallow"]);
    let run = pins_in(
        shallow.path(),
        &[
            "log",
            "--branch-prefix",
            "origin/",
            "--since",
            "2026-11-04T12:00:01Z",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entries: Vec<usize> = (0..3)
        .map(|i| run.json()["environments"][i]["entries"].as_array().unwrap().len())
        .collect();
    assert_eq!(entries, [0, 0, 1], "only production's hotfix is after the cuts");
    let unshallow = git_at(
        shallow.path(),
        "2026-11-07T00:00:00Z",
        ALICE,
        &["fetch", "-q", "--unshallow"],
    );
    assert_eq!(unshallow, "");
    let run = pins_in(shallow.path(), &["log", "production", "--branch-prefix", "origin/"]);
    assert_eq!(run.code, 0, "after git fetch --unshallow: {}", run.stderr);
}

#[test]
fn bad_ranges_pins_and_environments_are_refused() {
    let s = promotion_story();
    refused(
        &s.pins(&["log", "production", "--since", "development"]),
        &[
            "revision `development`",
            "is not an ancestor of production (the branch of production)",
        ],
    );
    refused(
        &s.pins(&["log", "--since", "no-such-rev"]),
        &["--since `no-such-rev` is neither a date"],
    );
    refused(
        &s.pins(&["log", "--until", "2026-13-45"]),
        &["--until `2026-13-45` is neither a date"],
    );
    refused(
        &s.pins(&["log", "--pin", "lambda-z"]),
        &["--pin `lambda-z` never appears", "did you mean `lambda-x`"],
    );
    refused(&s.pins(&["log", "prod"]), &["unknown environment `prod`"]);
    s.git("2026-11-07T00:00:00Z", ALICE, &["checkout", "-q", "development"]);
    s.git("2026-11-07T00:00:00Z", ALICE, &["branch", "-D", "staging"]);
    refused(
        &s.pins(&["log"]),
        &[
            "branch `staging` of environment staging does not exist locally",
            "git fetch origin staging",
        ],
    );
}

#[test]
fn a_record_that_does_not_parse_is_refused() {
    let s = promotion_story();
    s.commit(
        "staging",
        "2026-11-06T08:00:00Z",
        BOB,
        "bad record",
        &[(".pins/records/staging.json", "{\"format\": \"pins-record/1\"")],
    );
    let head = s.git("2026-11-07T00:00:00Z", ALICE, &["rev-parse", "--short=7", "staging"]);
    refused(
        &s.pins(&["log", "staging"]),
        &[&format!(
            "reading the release record .pins/records/staging.json at commit {head} on staging"
        )],
    );
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("x.json"), "[]").unwrap();
    refused(
        &s.pins(&["log", "development", "--records", folder.path().to_str().unwrap()]),
        &["x.json is not a pins release record"],
    );
}

#[test]
fn a_pin_file_missing_in_part_of_the_history_is_refused() {
    let s = promotion_story();
    s.git("2026-11-06T08:00:00Z", BOB, &["checkout", "-q", "staging"]);
    s.git("2026-11-06T08:00:00Z", BOB, &["rm", "-q", "shared-release.tfvars"]);
    let gone = s.commit("staging", "2026-11-06T08:00:00Z", BOB, "oops", &[]);
    s.commit(
        "staging",
        "2026-11-06T09:00:00Z",
        BOB,
        "restore",
        &[("shared-release.tfvars", &pins("1.5.0", "3.1.4"))],
    );
    refused(&s.pins(&["log", "staging"]), &[&format!(
        "shared-release.tfvars, the pin file of staging, is missing at commit {} (2026-11-06T08:00:00Z) on staging, after it existed",
        &gone[..7]
    )]);
}

#[test]
fn a_pin_file_moved_by_pins_hcl_is_followed_by_pin_id() {
    let s = promotion_story();
    let config = "environment \"development\" { pin_file = \"pins/dev.tfvars\" }\nenvironment \"staging\" { pin_file = \"shared-release.tfvars\" }\nenvironment \"production\" { pin_file = \"shared-release.tfvars\" }\n";
    s.git("2026-11-06T08:00:00Z", ALICE, &["checkout", "-q", "development"]);
    std::fs::create_dir_all(s.dir().join("pins")).unwrap();
    s.git(
        "2026-11-06T08:00:00Z",
        ALICE,
        &["mv", "development.tfvars", "pins/dev.tfvars"],
    );
    s.commit(
        "development",
        "2026-11-06T08:00:00Z",
        ALICE,
        "move the pin file",
        &[("pins.hcl", config)],
    );
    s.commit(
        "development",
        "2026-11-06T09:00:00Z",
        ALICE,
        "bump frontend",
        &[("pins/dev.tfvars", &pins("1.5.0", "3.2.0"))],
    );
    let run = s.pins(&["log", "development", "--since", "2026-11-02", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let changes: Vec<String> = run.json()["environments"][0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}→{}",
                e["time"].as_str().unwrap(),
                e["id"].as_str().unwrap(),
                e["from"],
                e["to"]
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "2026-11-02T10:00:00Z artifact_versions.lambda-x \"1.4.2\"→\"1.5.0\"",
            "2026-11-06T09:00:00Z frontend \"3.1.4\"→\"3.2.0\"",
        ],
        "the move itself changes no pin"
    );
}

/// Runs pins in `dir` with `PINS_NOW` set.
fn pins_at(dir: &Path, now: &str, args: &[&str]) -> common::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_pins"))
        .current_dir(dir)
        .args(["--repo", dir.to_str().unwrap(), "--color", "never"])
        .args(args)
        .env("PINS_NOW", now)
        .output()
        .unwrap();
    common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

const NOW: &str = "2026-11-07T12:00:00Z";

/// The promotion story, then: development bumps lambda-x and a frontend pre-release; staging
/// takes a lambda-x patch and records it.
fn board_story() -> Story {
    let s = promotion_story();
    s.commit(
        "development",
        "2026-11-06T09:00:00Z",
        ALICE,
        "bump lambda-x",
        &[("development.tfvars", &pins("1.6.0", "3.1.4"))],
    );
    s.commit(
        "development",
        "2026-11-06T10:00:00Z",
        ALICE,
        "frontend rc",
        &[("development.tfvars", &pins("1.6.0", "3.2.0-rc.1"))],
    );
    s.commit(
        "staging",
        "2026-11-06T11:00:00Z",
        BOB,
        "lambda-x patch",
        &[("shared-release.tfvars", &pins("1.5.1", "3.1.4"))],
    );
    let record = record_json(&s, "staging", "2026-11-06T11:55:00Z");
    s.commit(
        "staging",
        "2026-11-06T12:00:00Z",
        BOB,
        "record staging",
        &[(".pins/records/staging.json", &record)],
    );
    s
}

#[test]
fn status_shows_pending_and_blocked_hops_with_their_reasons() {
    let s = board_story();
    let run = pins_at(s.dir(), NOW, &["status"]);
    assert_eq!(run.code, 1, "pending and blocked: exit 1\n{}", run.stderr);
    let expected = "\
PIN       development  staging  production
lambda-x  1.6.0        1.5.1    1.5.0
frontend  3.2.0-rc.1   3.1.4    3.1.5

STATE    PIN       HOP                    CHANGE              KIND       DETAIL
pending  lambda-x  development → staging  1.5.1 → 1.6.0       minor      in development since 2026-11-06T09:00:00Z (1d03h); no record
pending  lambda-x  staging → production   1.5.0 → 1.5.1       patch      in staging since 2026-11-06T11:00:00Z (1d01h); recorded
blocked  frontend  development → staging  3.1.4 → 3.2.0-rc.1  minor      in development since 2026-11-06T10:00:00Z (1d02h); no record; 3.2.0-rc.1 is a pre-release and shared-release.tfvars is shared by staging and production
blocked  frontend  staging → production   3.1.5 → 3.1.4       downgrade  in staging since 2026-11-01T09:00:00Z (6d03h); recorded; production has 3.1.5, newer than staging's 3.1.4

2 pending, 2 blocked
";
    assert_eq!(run.stdout, expected);
}

#[test]
fn status_json_and_an_in_sync_board() {
    let s = board_story();
    let run = pins_at(s.dir(), NOW, &["status", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(
        json["environments"][2],
        serde_json::json!({"environment": "production", "branch": "production"})
    );
    assert_eq!((json["pending"].as_u64(), json["blocked"].as_u64()), (Some(2), Some(2)));
    let hop = &json["pins"][0]["hops"][1];
    let record_commit = s.git(NOW, ALICE, &["rev-parse", "staging~1"]);
    assert_eq!(
        hop,
        &serde_json::json!({
            "from": "staging", "to": "production", "state": "pending", "kind": "patch",
            "version": "1.5.1", "current": "1.5.0", "since": "2026-11-06T11:00:00Z",
            "since_commit": record_commit, "age_seconds": 90000, "recorded": true, "blocked_by": [],
            "soak_remaining_seconds": null, "window_open": null, "next_window": null
        })
    );
    // Promote everything (production's hotfix conflicts with a merge, so a direct commit there).
    s.commit(
        "development",
        "2026-11-07T08:00:00Z",
        ALICE,
        "frontend final",
        &[("development.tfvars", &pins("1.6.0", "3.2.0"))],
    );
    s.commit(
        "staging",
        "2026-11-07T09:00:00Z",
        BOB,
        "promote",
        &[("shared-release.tfvars", &pins("1.6.0", "3.2.0"))],
    );
    s.commit(
        "production",
        "2026-11-07T10:00:00Z",
        CAROL,
        "promote",
        &[("shared-release.tfvars", &pins("1.6.0", "3.2.0"))],
    );
    let run = pins_at(s.dir(), NOW, &["status"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "PIN       development  staging  production\nlambda-x  1.6.0        1.6.0    1.6.0\nfrontend  3.2.0        3.2.0    3.2.0\n\nin sync: nothing to promote\n");
}

#[test]
fn status_markdown_and_bad_clock() {
    let s = board_story();
    let run = pins_at(s.dir(), NOW, &["status", "--format", "markdown"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.starts_with("| pin | development | staging | production |\n|---|---|---|---|\n| `lambda-x` | `1.6.0` | `1.5.1` | `1.5.0` |\n"), "{}", run.stdout);
    assert!(run.stdout.contains("| `blocked` | `frontend` | `staging → production` | `3.1.5 → 3.1.4` | `downgrade` | in staging since 2026-11-01T09:00:00Z (6d03h); recorded; production has 3.1.5, newer than staging's 3.1.4 |\n"), "{}", run.stdout);
    refused(
        &pins_at(s.dir(), "yesterday", &["status"]),
        &["PINS_NOW=`yesterday` is not an RFC 3339 time"],
    );
}

#[test]
fn status_in_a_shallow_clone_names_the_fetch() {
    let s = board_story();
    let shallow = clone(&s, &["--depth", "1", "--no-single-branch"]);
    let run = pins_at(shallow.path(), NOW, &["status", "--branch-prefix", "origin/"]);
    refused(&run, &["this clone is shallow", "git fetch --unshallow"]);
}

const CRLF_SHARED: &str = "# release pins\r\nartifact_versions = {\r\n  lambda-x   = \"1.4.2\" # tested\r\n  \"lambda-y\" = \"2.0.1\"\r\n}\r\nfrontend = \"3.1.4\"";

/// Production's shared file in CRLF with comments and no final newline, then two bumps.
fn rollback_story() -> Story {
    let s = Story::new();
    s.commit(
        "production",
        "2026-11-02T10:00:00Z",
        CAROL,
        "release",
        &[("shared-release.tfvars", CRLF_SHARED)],
    );
    let bumped = CRLF_SHARED.replace("1.4.2", "1.5.0").replace("2.0.1", "2.1.0");
    s.commit(
        "production",
        "2026-11-03T10:00:00Z",
        CAROL,
        "bump",
        &[("shared-release.tfvars", &bumped)],
    );
    let more = bumped.replace("3.1.4", "3.2.0");
    s.commit(
        "production",
        "2026-11-04T10:00:00Z",
        CAROL,
        "bump frontend",
        &[("shared-release.tfvars", &more)],
    );
    s
}

#[test]
fn rollback_restores_the_bytes_of_a_revision_that_terraform_then_reads() {
    let s = rollback_story();
    let target = s.git(NOW, ALICE, &["rev-parse", "production~2"]);
    let run = s.pins(&["rollback", "production", "--to", "production~2", "--shared"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let at_target = s.git(NOW, ALICE, &["show", "production~2:shared-release.tfvars"]);
    assert_eq!(
        s.repo.read("shared-release.tfvars"),
        at_target,
        "byte-exact: CRLF, comments, quoting, no final newline"
    );
    rolled_back_text(&run.stdout, &target);
    let Some(tf) = common::terraform() else { return };
    let vars = [
        "artifact_versions".to_string(),
        "frontend".to_string(),
        "db".to_string(),
    ];
    let files = [
        s.dir().join("shared-release.tfvars"),
        s.dir().join("data.d/production.tfvars"),
    ];
    let values = common::terraform_values(&tf, &vars, &files);
    assert_eq!(
        values["artifact_versions"],
        serde_json::json!({"lambda-x": "1.4.2", "lambda-y": "2.0.1"})
    );
    assert_eq!(values["frontend"], "3.1.4");
}

/// What `rollback production --to production~2 --shared` prints.
fn rolled_back_text(stdout: &str, target: &str) {
    let expected = format!(
        "\
shared-release.tfvars: lambda-x 1.5.0 → 1.4.2 (downgrade)
shared-release.tfvars: lambda-y 2.1.0 → 2.0.1 (downgrade)
shared-release.tfvars: frontend 3.2.0 → 3.1.4 (downgrade)
affects: staging, production (they share shared-release.tfvars)

commit message:
  Roll back production to revision production~2 ({})

  lambda-x 1.5.0 → 1.4.2
  lambda-y 2.1.0 → 2.0.1
  frontend 3.2.0 → 3.1.4

  This also rolls back staging (same pin file).
",
        &target[..7]
    );
    assert_eq!(stdout, expected);
}

#[test]
fn rollback_refuses_a_shared_file_without_shared_and_bad_targets() {
    let s = rollback_story();
    refused(&s.pins(&["rollback", "production", "--to", "production~2"]), &[
        "shared-release.tfvars is shared by production and staging: this also rolls back staging; pass --shared to proceed",
    ]);
    s.commit(
        "staging",
        "2026-11-05T10:00:00Z",
        BOB,
        "staging only",
        &[("shared-release.tfvars", &pins("9.9.9", "9.9.9"))],
    );
    s.git(NOW, ALICE, &["checkout", "-q", "production"]);
    let before = s.repo.snapshot();
    refused(
        &s.pins(&["rollback", "production", "--to", "staging", "--shared"]),
        &["revision `staging`", "is not on production (the branch of production)"],
    );
    refused(
        &s.pins(&["rollback", "production", "--to", "nope", "--shared"]),
        &["git revision `nope` does not name a commit"],
    );
    refused(
        &s.pins(&[
            "rollback",
            "production",
            "--to",
            "production~2",
            "--shared",
            "--only",
            "lambda-z",
        ]),
        &[
            "--only names `lambda-z`, which is not pinned in the revision production~2",
            "did you mean `lambda-x`",
        ],
    );
    refused(
        &s.pins(&[
            "rollback",
            "production",
            "--to",
            "production~1",
            "--shared",
            "--branch-prefix",
            "origin/",
        ]),
        &["branch `origin/production` of environment production does not exist at the remote prefix"],
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let bad = elsewhere.path().join("bad.json");
    std::fs::write(&bad, "{}").unwrap();
    refused(
        &s.pins(&["rollback", "production", "--to", bad.to_str().unwrap(), "--shared"]),
        &["bad.json is not a pins release record"],
    );
    assert_eq!(s.repo.snapshot(), before, "nothing written");
}

#[test]
fn rollback_only_some_pins_or_to_a_record_and_dry_run() {
    let s = rollback_story();
    let run = s.pins(&[
        "rollback",
        "production",
        "--to",
        "production~1",
        "--dry-run",
        "--only",
        "frontend",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("-frontend = \"3.2.0\"\n\\ No newline at end of file\n+frontend = \"3.1.4\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("dry run: nothing written\n\ncommit message:\n  Roll back production to revision production~1"),
        "{}",
        run.stdout
    );
    assert!(
        s.repo.read("shared-release.tfvars").contains("3.2.0"),
        "dry run wrote nothing"
    );
    // A record of staging, which shares the file, taken at production~2's pins.
    s.git(NOW, ALICE, &["checkout", "-q", "production~2"]);
    let record = record_json(&s, "staging", "2026-11-02T12:00:00Z");
    s.git(NOW, ALICE, &["checkout", "-q", "production"]);
    s.repo.write("staging-record.json", record.as_bytes());
    let run = s.pins(&[
        "rollback",
        "production",
        "--to",
        "staging-record.json",
        "--shared",
        "--only",
        "lambda-y",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("shared-release.tfvars: lambda-y 2.1.0 → 2.0.1 (downgrade)\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("  Roll back production to record staging-record.json (staging, recorded 2026-11-02T12:00:00Z)\n\n  lambda-y 2.1.0 → 2.0.1\n"), "{}", run.stdout);
    assert_eq!(
        s.repo.read("shared-release.tfvars"),
        CRLF_SHARED.replace("1.4.2", "1.5.0").replace("3.1.4", "3.2.0")
    );
    let dev = record_json(&s, "development", "2026-11-02T12:00:00Z");
    s.repo.write("dev-record.json", dev.as_bytes());
    refused(&s.pins(&["rollback", "production", "--to", "dev-record.json", "--shared"]), &[
        "dev-record.json is a record of development, which does not share production's pin file shared-release.tfvars",
    ]);
}

#[test]
fn rollback_of_an_unshared_file_needs_no_flag_and_says_when_nothing_changes() {
    let s = promotion_story();
    s.git(NOW, ALICE, &["checkout", "-q", "development"]);
    let run = s.pins(&["rollback", "development", "--to", "development~1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!(
        "development.tfvars: lambda-x 1.5.0 → 1.4.2 (downgrade)\n\ncommit message:\n  Roll back development to revision development~1 ({})\n\n  lambda-x 1.5.0 → 1.4.2\n",
        &s.git(NOW, ALICE, &["rev-parse", "development~1"])[..7]
    ));
    let again = s.pins(&["rollback", "development", "--to", "development~1"]);
    assert_eq!(again.stdout, "development.tfvars: nothing to change\n");
}

/// The lambda-x line of production's hop in `status`, at `now`, with `policy` in pins.hcl.
fn production_hop(s: &Story, now: &str) -> (i32, String) {
    let run = pins_at(s.dir(), now, &["status"]);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("lambda-x  staging → production"))
        .unwrap_or_else(|| panic!("no hop in: {}{}", run.stdout, run.stderr))
        .to_string();
    (run.code, line)
}

#[test]
fn min_soak_blocks_until_exactly_the_minimum_has_passed() {
    let s = board_story();
    s.repo.write(
        "pins.hcl",
        b"promotion \"production\" {\n  min_soak = \"36h\"\n  require_record = true\n}\n",
    );
    let (code, line) = production_hop(&s, "2026-11-07T22:59:59Z");
    assert_eq!(code, 1);
    assert_eq!(
        line,
        "blocked  lambda-x  staging → production   1.5.0 → 1.5.1       patch      in staging since 2026-11-06T11:00:00Z (1d11h); recorded; min_soak: in staging for 1d11h, needs 1d12h; passes at 2026-11-07T23:00:00Z"
    );
    let (_, line) = production_hop(&s, "2026-11-07T23:00:00Z");
    assert!(
        line.starts_with("pending  lambda-x"),
        "at exactly 36h it passes: {line}"
    );
}

#[test]
fn require_record_blocks_a_version_no_record_covers() {
    let s = board_story();
    s.repo
        .write("pins.hcl", b"promotion \"staging\" { require_record = true }\n");
    let run = pins_at(s.dir(), NOW, &["status", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let hop = &run.json()["pins"][0]["hops"][0];
    assert_eq!(hop["state"], "blocked");
    assert_eq!(
        hop["blocked_by"],
        serde_json::json!(["require_record: no release record of development covers 1.6.0"])
    );
    let folder = tempfile::tempdir().unwrap();
    s.git(NOW, ALICE, &["checkout", "-q", "development"]);
    std::fs::write(
        folder.path().join("dev.json"),
        record_json(&s, "development", "2026-11-06T09:30:00Z"),
    )
    .unwrap();
    let run = pins_at(
        s.dir(),
        NOW,
        &[
            "status",
            "--format",
            "json",
            "--records",
            folder.path().to_str().unwrap(),
        ],
    );
    assert_eq!(
        run.json()["pins"][0]["hops"][0]["state"],
        "pending",
        "a record of development covers it now"
    );
}

#[test]
fn bad_promotion_blocks_are_refused() {
    let s = board_story();
    let cases: [(&str, &str); 4] = [
        ("promotion \"production\" { min_soak = \"3 fortnights\" }\n", "pins.hcl:1:37: `min_soak`: `3 fortnights` is not a duration such as 24h, 90m or 2d"),
        ("promotion \"development\" { min_soak = \"1h\" }\n", "pins.hcl:1:1: promotion \"development\": development is the first environment, nothing is promoted into it"),
        ("promotion \"prod\" { min_soak = \"1h\" }\n", "pins.hcl:1:1: promotion \"prod\" names an unknown environment; environments are: development, staging, production"),
        ("promotion \"production\" { auto_merge = [\"patch\"] }\n", "pins.hcl:1:26: unknown field `auto_merge`"),
    ];
    for (config, message) in cases {
        s.repo.write("pins.hcl", config.as_bytes());
        refused(&pins_at(s.dir(), NOW, &["status"]), &[message]);
    }
}

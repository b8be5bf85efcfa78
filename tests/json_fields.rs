//! Every JSON field README.md documents is in the real `--format json` output of its command, run on
//! the example fixture (`tests/cmd/example.in/`) with a small git history. Fields are paths: `a.b`
//! is key `b` of object `a`, `a[]` every element of array `a` (at least one), `a[N]` its element N
//! (for a field only some rows have), `a.*` every value of map `a` (at least one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;

use common::Repo;
use serde_json::Value;

/// The paths of `path` that are missing from `value`.
fn missing(value: &Value, path: &str) -> Vec<String> {
    let (head, rest) = path.split_once('.').map_or((path, None), |(h, r)| (h, Some(r)));
    let (key, index) = match head.strip_suffix(']').and_then(|h| h.split_once('[')) {
        Some((key, n)) => (key, Some(n.parse::<usize>().ok())),
        None => (head, None),
    };
    let children: Vec<&Value> = match (key, value) {
        ("*", Value::Object(map)) => map.values().collect(),
        (_, Value::Object(map)) => map.get(key).into_iter().collect(),
        _ => Vec::new(),
    };
    let children: Vec<&Value> = match index {
        None => children,
        Some(None) => children.iter().filter_map(|c| c.as_array()).flatten().collect(),
        Some(Some(n)) => children.iter().filter_map(|c| c.get(n)).collect(),
    };
    if children.is_empty() {
        return vec![path.to_string()];
    }
    match rest {
        None => Vec::new(),
        Some(rest) => children.iter().flat_map(|c| missing(c, rest)).collect(),
    }
}

/// Runs `args` (plus `--format json`) and checks that every field is present and documented.
fn check(repo: &Repo, args: &[&str], fields: &[&str]) {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let run = repo.pins(&[args, &["--format", "json"]].concat());
    let json = run.json();
    for field in fields {
        let leaf = field.rsplit('.').next().unwrap().split('[').next().unwrap();
        assert!(
            leaf == "*" || readme.contains(&format!("\"{leaf}\"")),
            "{field} is not in README.md"
        );
        let gaps = missing(&json, field);
        assert!(
            gaps.is_empty(),
            "pins {args:?}: README documents {field}, output lacks it:\n{json:#}"
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The example fixture in git: one commit on every branch, then lambda-x 1.6.0 on development.
fn example() -> Repo {
    let repo = Repo::new(&[]);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/example.in"),
        repo.path(),
    );
    repo.write("store/dev-code/lambda-x/lambda-x-1.4.2.zip", b"x142\n");
    repo.write("store/dev-code/lambda-y/lambda-y-2.1.0.zip", b"y210\n");
    repo.git(&["init", "-q", "-b", "development"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "init"]);
    repo.git(&["branch", "staging"]);
    repo.git(&["branch", "production"]);
    let dev = repo.read("development.tfvars").replace("1.5.0", "1.6.0");
    repo.write("development.tfvars", dev.as_bytes());
    repo.git(&["commit", "-q", "-am", "lambda-x 1.6.0"]);
    repo
}

#[test]
fn show_diff_verify_promote_check_env() {
    let repo = example();
    let file_line = ["pins.*.version", "pins.*.variable", "pins.*.file", "pins.*.line"];
    let data = ["data.*.value", "data.*.file", "data.*.line"];
    check(
        &repo,
        &["show", "staging", "--data"],
        &[&["environment"][..], &file_line, &data].concat(),
    );
    let diff = [
        "from.environment",
        "from.revision",
        "to.environment",
        "to.revision",
        "changes[].pin",
        "changes[].from",
        "changes[].to",
        "changes[].kind",
        "data_changes[].variable",
        "data_changes[].from",
        "data_changes[].to",
    ];
    check(&repo, &["diff", "development", "staging", "--data"], &diff);
    let write = [
        "file",
        "environments",
        "changes[].pin",
        "changes[].kind",
        "kept",
        "dry_run",
        "written",
        "notes",
    ];
    check(
        &repo,
        &["promote", "development", "staging", "--dry-run", "--allow-downgrade"],
        &write,
    );
    check(
        &repo,
        &["bump", "lambda-x", "patch", "--env", "development", "--dry-run"],
        &write,
    );
    let check_fields = [
        "findings[].file",
        "findings[].line",
        "findings[].col",
        "findings[].rule",
        "findings[].message",
        "findings[].help",
        "files",
        "pins",
    ];
    check(&repo, &["check"], &check_fields);
    check(&repo, &["env", "--branch", "staging"], &["branch", "environment"]);
}

#[test]
fn record_and_verify() {
    let repo = example();
    let record = ["environment", "file", "pins", "artifacts", "digest", "commit", "dirty"];
    check(&repo, &["record", "staging", "--artifacts"], &record);
    let text = repo.read(".pins/records/staging.json");
    let written: Value = serde_json::from_str(&text).unwrap();
    let artifact = ["version", "location", "sha256", "size", "sha256_by"].map(|f| format!("artifacts.*.{f}"));
    let fields = [
        "format",
        "environment",
        "pins.*",
        "digest",
        "commit",
        "dirty",
        "recorded_at",
    ];
    for field in fields.iter().copied().chain(artifact.iter().map(String::as_str)) {
        assert!(missing(&written, field).is_empty(), "record lacks {field}:\n{text}");
    }
    std::fs::remove_file(repo.path().join("store/prod-code/lambda-y/lambda-y-2.1.0.zip")).unwrap();
    let verify = [
        "from.environment",
        "to.revision",
        "changes",
        "data_changes",
        "ok",
        "artifacts.checked",
        "artifacts.findings[].pin",
        "artifacts.findings[].version",
        "artifacts.findings[].location",
        "artifacts.findings[].kind",
        "artifacts.findings[].message",
        "artifacts.findings[].pinned_at",
    ];
    let tested = repo.path().join(".pins/records/staging.json");
    check(
        &repo,
        &[
            "verify",
            "production",
            "--tested",
            tested.to_str().unwrap(),
            "--artifacts",
        ],
        &verify,
    );
}

#[test]
fn promote_auto_and_verify_policy() {
    let repo = example();
    let config = repo.read("pins.hcl");
    let policy = "promotion \"staging\" {\n  min_soak = \"1000h\"\n  auto = [\"patch\"]\n}\n";
    repo.write("pins.hcl", format!("{config}{policy}").as_bytes());
    let promote = [
        "changes",
        "policy.auto",
        "policy.pending[].pin",
        "policy.pending[].from",
        "policy.pending[].to",
        "policy.pending[].kind",
        "policy.pending[].blocked_by",
        "policy.pending[].passes_at",
        "policy.overridden",
        "policy.override_reason",
        "policy.commit_message",
    ];
    check(
        &repo,
        &["promote", "development", "staging", "--auto", "--dry-run"],
        &promote,
    );
    let shared = repo.read("shared-release.tfvars").replace("1.4.2", "1.6.0");
    repo.write("shared-release.tfvars", shared.as_bytes());
    let verify = [
        "ok",
        "policy[].pin",
        "policy[].version",
        "policy[].arrived",
        "policy[].commit",
        "policy[].failures",
        "policy[].overridden",
    ];
    check(&repo, &["verify", "staging", "--tested-ref", "development"], &verify);
    let status = [
        "pins[].hops[].soak_remaining_seconds",
        "pins[].hops[].window_open",
        "pins[].hops[].next_window",
    ];
    check(&repo, &["status"], &status);
}

#[test]
fn artifacts() {
    let repo = example();
    let listed =
        ["pin", "variable", "version", "location", "file", "line", "column"].map(|f| format!("artifacts[].{f}"));
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    check(
        &repo,
        &["artifacts", "staging"],
        &[&["environment"][..], &listed].concat(),
    );
    let checked = [&listed[..], &["artifacts[].exists", "artifacts[].size", "missing"]].concat();
    check(&repo, &["artifacts", "check", "staging"], &checked);
    std::fs::remove_file(repo.path().join("store/prod-code/lambda-x/lambda-x-1.4.2.zip")).unwrap();
    let promote = ["pin", "version", "from", "to", "action", "size", "sha256"].map(|f| format!("artifacts[].{f}"));
    let promote: Vec<&str> = promote.iter().map(String::as_str).collect();
    // lambda-x is copied (so it has a `method`); lambda-y is already present.
    check(
        &repo,
        &["artifacts", "promote", "development", "staging"],
        &[&["from", "to", "dry_run", "artifacts[0].method"][..], &promote].concat(),
    );
}

#[test]
fn outdated() {
    let repo = example();
    repo.write("store/dev-code/lambda-x/lambda-x-1.7.0.zip", b"x170\n");
    let row = [
        "pin",
        "variable",
        "current",
        "latest",
        "newest",
        "kind",
        "status",
        "constraint",
        "location",
        "file",
        "line",
        "column",
    ]
    .map(|f| format!("pins[].{f}"));
    let fields = [
        &["environment", "behind"][..],
        &row.iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat();
    check(&repo, &["outdated", "development"], &fields);
}

#[test]
fn init_log_status() {
    let empty = Repo::new(&[]);
    let init = [
        "mode",
        "inputs",
        "files[].path",
        "files[].old",
        "files[].new",
        "release_changes",
        "notes",
        "dry_run",
    ];
    check(&empty, &["init", "--dry-run"], &init);
    let repo = example();
    let entry = [
        "event", "time", "commit", "author", "email", "subject", "via", "pin", "id", "from", "to", "kind", "record",
    ]
    .map(|f| format!("environments[].entries[].{f}"));
    let log = [
        &["environments[].environment", "environments[].branch"][..],
        &entry.iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat();
    check(&repo, &["log"], &log);
    let hop = [
        "from",
        "to",
        "state",
        "kind",
        "version",
        "current",
        "since",
        "since_commit",
        "age_seconds",
        "recorded",
        "blocked_by",
    ]
    .map(|f| format!("pins[].hops[].{f}"));
    let status = [
        &[
            "environments[].environment",
            "environments[].branch",
            "pins[].pin",
            "pins[].id",
            "pins[].versions",
            "pending",
            "blocked",
        ][..],
        &hop.iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat();
    check(&repo, &["status"], &status);
}

#[test]
fn holds() {
    let repo = example();
    let hold = ["pin", "environment", "version", "reason", "since", "at"];
    let placed: Vec<String> = hold.iter().map(|f| format!("hold.{f}")).collect();
    let placed: Vec<&str> = ["action", "file", "dry_run", "written"]
        .into_iter()
        .chain(placed.iter().map(String::as_str))
        .collect();
    check(
        &repo,
        &["hold", "lambda-x", "--env", "production", "--reason", "leaks"],
        &placed,
    );
    let kept: Vec<String> = hold.iter().chain(&["wanted"]).map(|f| format!("held[].{f}")).collect();
    let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
    check(
        &repo,
        &["promote", "development", "staging", "--dry-run", "--allow-downgrade"],
        &kept,
    );
    let shared = repo.read("shared-release.tfvars").replace("1.4.2", "1.4.3");
    repo.write("shared-release.tfvars", shared.as_bytes());
    let moved: Vec<String> = hold.iter().chain(&["actual"]).map(|f| format!("held[].{f}")).collect();
    let moved: Vec<&str> = moved.iter().map(String::as_str).collect();
    check(&repo, &["verify", "production", "--tested-ref", "staging"], &moved);
    let listed: Vec<String> = hold.iter().map(|f| format!("holds[].{f}")).collect();
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    check(&repo, &["status"], &listed);
    check(&repo, &["unhold", "lambda-x", "--env", "production"], &placed);
}

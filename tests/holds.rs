//! `pins hold` / `pins unhold` and what a hold means to `promote`, `bump`, `rollback`, `verify`
//! and `status`: byte-exact edits of pins.hcl, the held pin left alone, refusals that write
//! nothing, and bad holds reported at their `pins.hcl:line:col`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::process::Command;

use common::fixtures::layout;
use common::{Repo, Run};

const NOW: &str = "2026-11-27T18:00:00Z";
const DEV: &str = "artifact_versions = {\n  lambda-x = \"1.5.0\"\n  lambda-y = \"2.1.1\"\n}\nfrontend = \"3.2.0\"\n";
const SHARED: &str = "# release pins\nartifact_versions = {\n  lambda-x = \"1.4.2\" # tested\n  lambda-y = \"2.1.0\"\n}\nfrontend = \"3.1.4\"\n";
const DATA: [&str; 3] = ["db = \"dev\"\n", "db = \"stg\"\n", "db = \"prd\"\n"];

/// The block `pins hold lambda-x --env production --reason …` writes, without a line ending.
const BLOCK: &str = "hold \"lambda-x\" \"production\" {\n  version = \"1.4.2\"\n  reason  = \"1.5.0 leaks memory\"\n  since   = \"2026-11-27T18:00:00Z\"\n}";

fn repo() -> Repo {
    Repo::new(&layout("holds", DEV, SHARED, DATA).pairs())
}

/// Runs pins in `dir` with the clock at `NOW`.
fn pins(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_pins"))
        .current_dir(dir)
        .args(["--repo", dir.to_str().unwrap(), "--color", "never"])
        .args(args)
        .env("PINS_NOW", NOW)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

fn hold(repo: &Repo) -> Run {
    let run = pins(
        repo.path(),
        &[
            "hold",
            "lambda-x",
            "--env",
            "production",
            "--reason",
            "1.5.0 leaks memory",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// Exit 2, the message, and not one byte of the repository changed.
fn refused(repo: &Repo, args: &[&str], message: &str) {
    let before = repo.snapshot();
    let run = pins(repo.path(), args);
    assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, message, "{args:?}");
    assert!(repo.snapshot() == before, "{args:?} wrote something");
}

#[test]
fn hold_then_unhold_gives_back_pins_hcl_byte_for_byte() {
    let cases = [
        ("comments", "# policy\nmodule_dir = \"\" # root\n\n// more\n"),
        ("crlf", "# policy\r\nmodule_dir = \"\"\r\n"),
        ("bom", "\u{feff}module_dir = \"\"\n"),
        ("no final newline", "# policy\nmodule_dir = \"\""),
        ("bom, crlf, no final newline", "\u{feff}# policy\r\nmodule_dir = \"\""),
        ("empty", ""),
    ];
    for (name, text) in cases {
        let repo = repo();
        repo.write("pins.hcl", text.as_bytes());
        hold(&repo);
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let block = BLOCK.replace('\n', eol);
        let expected = match (text.trim_start_matches('\u{feff}'), text.ends_with('\n')) {
            ("", _) => format!("{text}{block}{eol}"),
            (_, true) => format!("{text}{eol}{block}{eol}"),
            (_, false) => format!("{text}{eol}{eol}{block}"),
        };
        assert_eq!(repo.read("pins.hcl"), expected, "{name}");
        let run = pins(repo.path(), &["unhold", "lambda-x", "--env", "production"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(
            run.stdout,
            "pins.hcl: lambda-x no longer held in production (was at 1.4.2)\n"
        );
        assert_eq!(repo.read("pins.hcl"), text, "{name}");
    }
}

#[test]
fn hold_creates_pins_hcl_and_unhold_removes_only_its_block() {
    let repo = repo();
    let run = hold(&repo);
    assert_eq!(
        run.stdout,
        "pins.hcl: lambda-x held in production at 1.4.2: 1.5.0 leaks memory\n"
    );
    assert_eq!(repo.read("pins.hcl"), format!("{BLOCK}\n"));
    let around = format!(
        "# first\n{BLOCK}\n# between\n\n{}\n# last\n",
        BLOCK.replace("lambda-x", "lambda-y").replace("1.4.2", "2.1.0")
    );
    repo.write("pins.hcl", around.as_bytes());
    let run = pins(repo.path(), &["unhold", "lambda-y", "--env", "production"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(repo.read("pins.hcl"), format!("# first\n{BLOCK}\n# between\n# last\n"));
}

#[test]
fn dry_run_and_json_write_nothing_and_give_the_hold() {
    let repo = repo();
    let before = repo.snapshot();
    let run = pins(
        repo.path(),
        &[
            "hold",
            "lambda-x",
            "--env",
            "production",
            "--reason",
            "say \"why\" ${here}",
            "--dry-run",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "\
--- a/pins.hcl
+++ b/pins.hcl
@@ -0,0 +1,5 @@
+hold \"lambda-x\" \"production\" {
+  version = \"1.4.2\"
+  reason  = \"say \\\"why\\\" $${here}\"
+  since   = \"2026-11-27T18:00:00Z\"
+}
pins.hcl: lambda-x held in production at 1.4.2: say \"why\" ${here}
dry run: nothing written
";
    assert_eq!(run.stdout, expected);
    assert!(repo.snapshot() == before, "a dry run writes nothing");
    let run = pins(
        repo.path(),
        &[
            "hold",
            "lambda-x",
            "--env",
            "production",
            "--reason",
            "r",
            "--version",
            "1.4.1",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = serde_json::json!({
        "action": "hold",
        "file": "pins.hcl",
        "hold": {
            "pin": "lambda-x",
            "environment": "production",
            "version": "1.4.1",
            "reason": "r",
            "since": NOW,
            "at": "pins.hcl:1:1"
        },
        "dry_run": false,
        "written": true
    });
    assert_eq!(run.json(), expected);
    let run = pins(
        repo.path(),
        &["unhold", "lambda-x", "--env", "production", "--format", "json"],
    );
    assert_eq!(run.json()["action"], "unhold");
    assert_eq!(run.json()["hold"]["version"], "1.4.1");
}

#[test]
fn bad_holds_on_the_command_line_are_refused_and_write_nothing() {
    let repo = repo();
    refused(
        &repo,
        &["hold", "lambda-q", "--env", "production", "--reason", "r"],
        "error: unknown pin `lambda-q` in production (did you mean `lambda-x` or `lambda-y`?); hold a pin the environment has\n",
    );
    refused(
        &repo,
        &["hold", "lambda-x", "--env", "prod", "--reason", "r"],
        "error: unknown environment `prod` (did you mean `production`?); environments are: development, staging, production\n",
    );
    refused(
        &repo,
        &["hold", "lambda-x", "--env", "production", "--reason", " "],
        "error: --reason is empty; say why the pin is held (it is shown wherever the hold stops a change)\n",
    );
    refused(
        &repo,
        &["hold", "lambda-x", "--env", "production", "--reason", "r", "--version", "one"],
        "error: --version `one` is not a semantic version (unexpected character 'o' while parsing major version number); expected MAJOR.MINOR.PATCH such as 1.4.2\n",
    );
    hold(&repo);
    refused(
        &repo,
        &["hold", "artifact_versions.lambda-x", "--env", "production", "--reason", "again"],
        "error: lambda-x is held in production at 1.4.2 since 2026-11-27T18:00:00Z (pins.hcl:1:1): \"1.5.0 leaks memory\"; a pin holds once per environment: unhold it first to change the hold\n",
    );
    refused(
        &repo,
        &["unhold", "lambda-y", "--env", "production"],
        "error: `lambda-y` is not held in production (held in production: lambda-x)\n",
    );
    refused(
        &repo,
        &["unhold", "lambda-x", "--env", "staging"],
        "error: `lambda-x` is not held in staging (staging holds no pin)\n",
    );
}

#[test]
fn bad_hold_blocks_in_pins_hcl_are_refused_at_their_position() {
    let block = |body: &str| format!("# holds\nhold \"lambda-x\" \"production\" {{\n{body}}}\n");
    let cases = [
        (
            "hold \"lambda-x\" \"prod\" {\n  version = \"1.4.2\"\n  reason = \"r\"\n}\n".to_string(),
            "pins.hcl:1:17: hold on unknown environment `prod`; environments are: development, staging, production\n  | hold \"lambda-x\" \"prod\" {\n  |                 ^",
        ),
        (
            block("  version = \"1.4.2\"\n  reason  = \"\"\n"),
            "pins.hcl:4:13: `reason` is empty; say why the pin is held\n  |   reason  = \"\"\n  |             ^",
        ),
        (
            block("  version = 1.4\n  reason = \"r\"\n"),
            "pins.hcl:3:13: `version` of a hold must be a quoted string\n  |   version = 1.4\n  |             ^",
        ),
        (
            block("  version = \"1.4.2\"\n"),
            "pins.hcl:2:1: hold \"lambda-x\" \"production\" needs `reason`\n  | hold \"lambda-x\" \"production\" {\n  | ^",
        ),
        (
            block("  version = \"1.4.2\"\n  reason = \"r\"\n  until = \"later\"\n"),
            "pins.hcl:5:3: `until` is not a field of a hold; it takes version, reason and since\n  |   until = \"later\"\n  |   ^",
        ),
        (
            format!("{}{}", block("  version = \"1.4.2\"\n  reason = \"r\"\n"), block("  version = \"1.4.2\"\n  reason = \"r\"\n")),
            "pins.hcl:7:1: block `hold \"lambda-x\" \"production\"` appears twice; merge the two into one (first at line 2)\n  | hold \"lambda-x\" \"production\" {\n  | ^",
        ),
    ];
    for (text, message) in cases {
        let repo = repo();
        repo.write("pins.hcl", text.as_bytes());
        for args in [
            &["envs"][..],
            &["hold", "lambda-y", "--env", "production", "--reason", "r"],
            &["promote", "development", "staging"],
        ] {
            refused(&repo, args, &format!("error: {message}\n"));
        }
    }
}

#[test]
fn a_hold_on_a_pin_the_environment_lacks_stops_promote_and_bump() {
    let repo = repo();
    repo.write(
        "pins.hcl",
        b"hold \"lambda-q\" \"production\" {\n  version = \"1.0.0\"\n  reason = \"r\"\n}\n",
    );
    let message = "error: pins.hcl:1:1: hold on `lambda-q` in production, which shared-release.tfvars does not pin; remove the hold (pins unhold lambda-q --env production) or fix its name\n";
    refused(&repo, &["promote", "development", "staging"], message);
    refused(&repo, &["bump", "lambda-y", "patch", "--env", "production"], message);
}

/// What promote prints when the hold keeps lambda-x.
const KEPT: &str = "held: lambda-x stays at 1.4.2 in production (not 1.5.0): \"1.5.0 leaks memory\" (pins.hcl:1:1)\n";

#[test]
fn promote_keeps_a_held_pin_and_says_so() {
    let repo = repo();
    hold(&repo);
    let run = pins(repo.path(), &["promote", "development", "staging", "--prune"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = format!(
        "\
shared-release.tfvars: lambda-y 2.1.0 → 2.1.1 (patch)
shared-release.tfvars: frontend 3.1.4 → 3.2.0 (minor)
affects: staging, production (they share shared-release.tfvars)
{KEPT}"
    );
    assert_eq!(run.stdout, expected);
    assert_eq!(
        repo.read("shared-release.tfvars"),
        SHARED.replace("2.1.0", "2.1.1").replace("3.1.4", "3.2.0")
    );
    let run = pins(repo.path(), &["promote", "development", "staging", "--format", "json"]);
    assert_eq!(
        run.json()["held"],
        serde_json::json!([{
            "pin": "lambda-x", "environment": "production", "version": "1.4.2", "wanted": "1.5.0",
            "reason": "1.5.0 leaks memory", "since": NOW, "at": "pins.hcl:1:1"
        }])
    );
}

#[test]
fn prune_does_not_remove_a_held_pin() {
    let repo = repo();
    repo.write(
        "development.tfvars",
        b"artifact_versions = {\n  lambda-y = \"2.1.1\"\n}\nfrontend = \"3.2.0\"\n",
    );
    hold(&repo);
    let run = pins(repo.path(), &["promote", "development", "staging", "--prune"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "held: lambda-x stays at 1.4.2 in production (not its removal): \"1.5.0 leaks memory\" (pins.hcl:1:1)\n"
        ),
        "{}",
        run.stdout
    );
    assert!(repo
        .read("shared-release.tfvars")
        .contains("lambda-x = \"1.4.2\" # tested"));
}

#[test]
fn promote_only_a_held_pin_is_refused() {
    let repo = repo();
    hold(&repo);
    refused(
        &repo,
        &["promote", "development", "staging", "--only", "lambda-y,lambda-x"],
        "error: lambda-x is held in production at 1.4.2 since 2026-11-27T18:00:00Z (pins.hcl:1:1): \"1.5.0 leaks memory\"; promote changes no held pin: unhold it first (pins unhold lambda-x --env production)\n",
    );
}

#[test]
fn bump_refuses_a_held_pin_in_every_environment_that_shares_its_file() {
    let repo = repo();
    hold(&repo);
    let message = "error: lambda-x is held in production at 1.4.2 since 2026-11-27T18:00:00Z (pins.hcl:1:1): \"1.5.0 leaks memory\"; bump changes no held pin: unhold it first (pins unhold lambda-x --env production)\n";
    for env in ["production", "staging"] {
        refused(&repo, &["bump", "lambda-x", "patch", "--env", env], message);
        refused(
            &repo,
            &["bump", "artifact_versions.lambda-x", "1.4.3", "--env", env],
            message,
        );
    }
    let run = pins(repo.path(), &["bump", "lambda-x", "1.6.0"]);
    assert_eq!(run.code, 0, "development is not held: {}", run.stderr);
    let run = pins(repo.path(), &["bump", "lambda-y", "patch", "--env", "production"]);
    assert_eq!(run.code, 0, "lambda-y is not held: {}", run.stderr);
}

#[test]
fn verify_fails_on_a_held_pin_edited_by_hand() {
    let repo = repo();
    hold(&repo);
    git(&repo, &["init", "-q", "-b", "staging"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "release"]);
    let run = pins(repo.path(), &["verify", "production", "--tested-ref", "staging"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    repo.write("shared-release.tfvars", SHARED.replace("1.4.2", "1.5.0").as_bytes());
    git(&repo, &["commit", "-qam", "hand edit"]);
    let run = pins(repo.path(), &["verify", "production", "--tested-ref", "staging"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let expected = "\
staging@staging → production: tested → would deploy

no pins differ (3 identical)
held: lambda-x is 1.5.0 in production, but held at 1.4.2 (pins.hcl:1:1, since 2026-11-27T18:00:00Z: \"1.5.0 leaks memory\")
FAIL: production would deploy a held pin at another version than its hold
";
    assert_eq!(run.stdout, expected);
    let run = pins(
        repo.path(),
        &[
            "verify",
            "production",
            "--tested-ref",
            "staging",
            "--format",
            "markdown",
        ],
    );
    let line = "\n- held: lambda-x is 1.5.0 in production, but held at 1.4.2 (pins.hcl:1:1, since 2026-11-27T18:00:00Z: \"1.5.0 leaks memory\")\n";
    assert!(run.stdout.contains(line), "{}", run.stdout);
    let run = pins(
        repo.path(),
        &["verify", "production", "--tested-ref", "staging", "--format", "json"],
    );
    let held = &run.json()["held"][0];
    assert_eq!(
        (held["pin"].as_str(), held["actual"].as_str()),
        (Some("lambda-x"), Some("1.5.0"))
    );
    assert_eq!(run.json()["ok"], false);
}

/// A `production` branch whose shared file released lambda-x 1.4.2, then 1.5.0.
fn production_released_twice() -> Repo {
    let repo = repo();
    git(&repo, &["init", "-q", "-b", "production"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "release 1.4.2"]);
    repo.write("shared-release.tfvars", SHARED.replace("1.4.2", "1.5.0").as_bytes());
    git(&repo, &["commit", "-qam", "release 1.5.0"]);
    repo
}

#[test]
fn rollback_may_set_a_held_pin() {
    let repo = production_released_twice();
    let run = pins(
        repo.path(),
        &[
            "hold",
            "lambda-x",
            "--env",
            "production",
            "--version",
            "1.4.2",
            "--reason",
            "1.5.0 leaks memory",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pins(
        repo.path(),
        &["rollback", "production", "--to", "production~1", "--shared"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("note:"), "{}", run.stdout);
    assert_eq!(repo.read("shared-release.tfvars"), SHARED);
    let run = pins(repo.path(), &["promote", "development", "staging", "--format", "json"]);
    assert_eq!(
        run.json()["held"][0]["version"],
        "1.4.2",
        "the hold then keeps the rollback"
    );
}

#[test]
fn rollback_of_a_pin_held_at_another_version_says_what_verify_will_say() {
    let repo = production_released_twice();
    let run = pins(
        repo.path(),
        &["hold", "lambda-x", "--env", "production", "--reason", "r"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pins(
        repo.path(),
        &["rollback", "production", "--to", "production~1", "--shared"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        repo.read("shared-release.tfvars"),
        SHARED,
        "rollback may set a held pin"
    );
    let note = "note: lambda-x is held in production at 1.5.0 (pins.hcl:1:1); it is now 1.4.2, so verify fails until the hold says the same: pins unhold lambda-x --env production, then pins hold lambda-x --env production --reason …\n";
    assert!(run.stdout.contains(note), "{}", run.stdout);
}

#[test]
fn status_lists_holds_and_blocks_their_hops() {
    let repo = repo();
    hold(&repo);
    git(&repo, &["init", "-q", "-b", "development"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "layout"]);
    for branch in ["staging", "production"] {
        git(&repo, &["branch", branch]);
    }
    let run = pins(repo.path(), &["status"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let tail = "\
HELD      ENVIRONMENT  VERSION  SINCE                 REASON
lambda-x  production   1.4.2    2026-11-27T18:00:00Z  1.5.0 leaks memory

2 pending, 1 blocked
";
    assert!(run.stdout.ends_with(tail), "{}", run.stdout);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("blocked"))
        .unwrap_or_default();
    assert!(
        line.starts_with("blocked  lambda-x  development → staging  1.4.2 → 1.5.0")
            && line.ends_with("no record; held in production at 1.4.2 (pins.hcl:1:1): \"1.5.0 leaks memory\""),
        "staging shares production's pin file, so the hold blocks the hop into staging:\n{}",
        run.stdout
    );
    let run = pins(repo.path(), &["status", "--format", "json"]);
    assert_eq!(run.json()["holds"][0]["reason"], "1.5.0 leaks memory");
    let run = pins(repo.path(), &["status", "--format", "markdown"]);
    let table = "\n| held | environment | version | since | reason |\n|---|---|---|---|---|\n| `lambda-x` | production | `1.4.2` | `2026-11-27T18:00:00Z` | 1.5.0 leaks memory |\n";
    assert!(run.stdout.contains(table), "{}", run.stdout);
}

fn git(repo: &Repo, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo.path())
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", NOW)
        .env("GIT_COMMITTER_DATE", NOW)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bump_latest_skips_a_held_pin_and_refuses_one_named() {
    let repo = repo();
    repo.write(
        "pins.hcl",
        b"artifacts {\n  location = \"file://store/${pin}/${pin}-${version}.zip\"\n  pin \"frontend\" {\n    skip = true\n  }\n}\n",
    );
    for key in ["lambda-x/lambda-x-1.6.0.zip", "lambda-y/lambda-y-2.2.0.zip"] {
        repo.write(&format!("store/{key}"), b"zip\n");
    }
    let run = pins(
        repo.path(),
        &[
            "hold",
            "lambda-x",
            "--env",
            "development",
            "--reason",
            "waiting for 1.7",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let message = "error: lambda-x is held in development at 1.5.0 since 2026-11-27T18:00:00Z (pins.hcl:8:1): \"waiting for 1.7\"; bump changes no held pin: unhold it first (pins unhold lambda-x --env development)\n";
    refused(&repo, &["bump", "lambda-x", "latest"], message);
    refused(&repo, &["bump", "--latest", "--only", "lambda-y,lambda-x"], message);
    let run = pins(repo.path(), &["bump", "--latest"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "\
development.tfvars: lambda-y 2.1.1 → 2.2.0 (minor)
held: lambda-x stays at 1.5.0 in development (not 1.6.0): \"waiting for 1.7\" (pins.hcl:8:1)
";
    assert_eq!(run.stdout, expected);
    assert_eq!(repo.read("development.tfvars"), DEV.replace("2.1.1", "2.2.0"));
}

#[test]
fn check_reports_a_hold_its_pin_file_breaks() {
    let repo = repo();
    hold(&repo);
    let holds = |repo: &Repo| -> Vec<serde_json::Value> {
        let run = pins(repo.path(), &["check", "--format", "json"]);
        let findings = run.json()["findings"].as_array().cloned().unwrap_or_default();
        findings.into_iter().filter(|f| f["rule"] == "hold").collect()
    };
    assert_eq!(holds(&repo), Vec::<serde_json::Value>::new());
    repo.write("shared-release.tfvars", SHARED.replace("1.4.2", "1.4.3").as_bytes());
    let expected = serde_json::json!([{
        "file": "pins.hcl", "line": 1, "col": 1, "rule": "hold",
        "message": "lambda-x is 1.4.3 in shared-release.tfvars, but held at 1.4.2 in production",
        "help": "set it back to 1.4.2 (`pins rollback`), or change the hold: pins unhold lambda-x --env production"
    }]);
    assert_eq!(serde_json::Value::Array(holds(&repo)), expected);
    repo.write(
        "shared-release.tfvars",
        SHARED.replace("lambda-x", "lambda-z").as_bytes(),
    );
    let message = &holds(&repo)[0]["message"];
    assert_eq!(
        message,
        "hold on `lambda-x` in production, which shared-release.tfvars does not pin"
    );
}

#[test]
fn a_hold_survives_promote_auto_and_override() {
    let repo = repo();
    repo.write(
        "pins.hcl",
        b"promotion \"staging\" {\n  auto = [\"patch\", \"minor\"]\n}\n",
    );
    hold(&repo);
    let run = pins(repo.path(), &["promote", "development", "staging", "--auto"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "\
shared-release.tfvars: lambda-y 2.1.0 → 2.1.1 (patch)
shared-release.tfvars: frontend 3.1.4 → 3.2.0 (minor)
affects: staging, production (they share shared-release.tfvars)
held: lambda-x stays at 1.4.2 in production (not 1.5.0): \"1.5.0 leaks memory\" (pins.hcl:5:1)
";
    assert!(
        run.stdout.starts_with(expected),
        "lambda-x is a minor, which --auto takes, but held:\n{}",
        run.stdout
    );
    assert_eq!(
        repo.read("shared-release.tfvars"),
        SHARED.replace("2.1.0", "2.1.1").replace("3.1.4", "3.2.0")
    );
    let run = pins(
        repo.path(),
        &["promote", "development", "staging", "--auto", "--format", "json"],
    );
    assert_eq!(run.code, 0, "nothing left to do is exit 0: {}", run.stderr);
    assert_eq!(run.json()["changes"], serde_json::json!([]));
    assert_eq!(run.json()["held"][0]["wanted"], "1.5.0");
    let run = pins(
        repo.path(),
        &[
            "promote",
            "development",
            "staging",
            "--override",
            "urgent",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["held"][0]["pin"],
        "lambda-x",
        "--override does not lift a hold"
    );
    assert!(repo
        .read("shared-release.tfvars")
        .contains("lambda-x = \"1.4.2\" # tested"));
}

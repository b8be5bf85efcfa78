//! Promotion policy on real git histories with fabricated commit dates and real (signed) records:
//! `promotion "ENV" { min_soak, require_record, auto, freeze, window }` enforced by `promote`
//! (with `--auto` and `--override`), `verify`, `record`, `status` and `check`, each rule at its
//! boundary, and every bad block refused at its pins.hcl:line:col with nothing written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{Repo, Run};

const PINS_HCL: &str = "\
environment \"development\" { pin_file = \"dev.tfvars\" }
environment \"staging\" { pin_file = \"stg.tfvars\" }
environment \"production\" { pin_file = \"prd.tfvars\" }
";
const OLD: &str = "a = \"1.0.0\"\nb = \"2.0.0\"\nc = \"3.0.0\"\n";
const NEW: &str = "a = \"1.0.1\"\nb = \"2.1.0\"\nc = \"4.0.0\"\n";
/// When staging got NEW: a Tuesday.
const STAGED: &str = "2026-10-20T10:00:00Z";

/// Runs git in `dir` at a fixed commit date.
fn git_at(dir: &Path, date: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "commit.gpgsign=false", "-c", "merge.ff=false"])
        .args(args)
        .env("GIT_AUTHOR_NAME", "Alice")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
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

/// Three environments with their own pin files on their own branches; staging got NEW at
/// STAGED, and the working tree is production's branch with staging's pin file brought over.
struct Flow {
    repo: Repo,
}

impl Flow {
    fn new(policy: &str) -> Flow {
        let config = format!("{PINS_HCL}{policy}");
        let repo = Repo::new(&[
            ("pins.hcl", &config),
            ("dev.tfvars", NEW),
            ("stg.tfvars", OLD),
            ("prd.tfvars", OLD),
            ("data.d/development.tfvars", "db = \"dev\"\n"),
            ("data.d/staging.tfvars", "db = \"stg\"\n"),
            ("data.d/production.tfvars", "db = \"prd\"\n"),
        ]);
        let flow = Flow { repo };
        flow.git("2026-10-01T00:00:00Z", &["init", "-q", "-b", "development"]);
        flow.commit("development", "2026-10-01T00:00:00Z", &[]);
        flow.git("2026-10-01T00:00:00Z", &["branch", "staging"]);
        flow.git("2026-10-01T00:00:00Z", &["branch", "production"]);
        flow.commit("staging", STAGED, &[("stg.tfvars", NEW)]);
        flow.git(STAGED, &["checkout", "-q", "production"]);
        flow.git(STAGED, &["checkout", "-q", "staging", "--", "stg.tfvars"]);
        flow
    }

    fn dir(&self) -> &Path {
        self.repo.path()
    }

    fn git(&self, date: &str, args: &[&str]) -> String {
        git_at(self.dir(), date, args)
    }

    /// Checks out `branch`, writes `files` and commits everything.
    fn commit(&self, branch: &str, date: &str, files: &[(&str, &str)]) -> String {
        if self.git(date, &["symbolic-ref", "--short", "HEAD"]) != branch {
            self.git(date, &["checkout", "-q", branch]);
        }
        for (path, text) in files {
            self.repo.write(path, text.as_bytes());
        }
        self.git(date, &["add", "-A"]);
        self.git(date, &["commit", "-q", "--allow-empty", "-m", "change"]);
        self.git(date, &["rev-parse", "--short=7", "HEAD"])
    }

    /// pins with the clock at `now`.
    fn at(&self, now: &str, args: &[&str]) -> Run {
        let dir = self.dir();
        let out = Command::new(env!("CARGO_BIN_EXE_pins"))
            .current_dir(dir)
            .args(["--repo", dir.to_str().unwrap(), "--color", "never"])
            .args(args)
            .env("PINS_NOW", now)
            .env_remove("PINS_SIGNING_KEY")
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    fn promote(&self, now: &str, extra: &[&str]) -> Run {
        let mut args = vec!["promote", "staging", "production"];
        args.extend(extra);
        self.at(now, &args)
    }
}

/// Exit 2, nothing on stdout, `stderr` exactly, and production's pin file untouched.
fn refused(flow: &Flow, run: &Run, stderr: &str) {
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, stderr);
    assert_eq!(flow.repo.read("prd.tfvars"), OLD, "nothing written");
    assert!(!flow.dir().join(".pins/overrides").exists(), "no override recorded");
}

#[test]
fn min_soak_refuses_until_exactly_the_minimum_then_promotes() {
    let flow = Flow::new("promotion \"production\" { min_soak = \"24h\" }\n");
    let early = flow.promote("2026-10-21T09:59:59Z", &[]);
    refused(
        &flow,
        &early,
        "\
error: the promotion from staging breaks the promotion rules (nothing written):
  a 1.0.0 → 1.0.1: min_soak: in staging for 23h59m, needs 1d00h; passes at 2026-10-21T10:00:00Z
  b 2.0.0 → 2.1.0: min_soak: in staging for 23h59m, needs 1d00h; passes at 2026-10-21T10:00:00Z
  c 3.0.0 → 4.0.0: min_soak: in staging for 23h59m, needs 1d00h; passes at 2026-10-21T10:00:00Z
wait until the rules pass, or pass --override \"REASON\" to promote anyway (the reason is recorded)
",
    );
    let run = flow.promote("2026-10-21T10:00:00Z", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "\
prd.tfvars: a 1.0.0 → 1.0.1 (patch)
prd.tfvars: b 2.0.0 → 2.1.0 (minor)
prd.tfvars: c 3.0.0 → 4.0.0 (major)

commit message:
  Promote staging to production

    a 1.0.0 → 1.0.1 (patch)
    b 2.0.0 → 2.1.0 (minor)
    c 3.0.0 → 4.0.0 (major)
"
    );
    assert_eq!(flow.repo.read("prd.tfvars"), NEW);
}

#[test]
fn a_freeze_refuses_from_its_first_second_until_its_end() {
    let flow = Flow::new(
        "promotion \"production\" {\n  freeze \"year-end\" {\n    from = \"2026-12-20T00:00:00Z\"\n    to   = \"2027-01-04T00:00:00Z\"\n  }\n}\n",
    );
    let before = flow.promote("2026-12-19T23:59:59Z", &["--dry-run", "--only", "a"]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    let why = "freeze \"year-end\": promotions are frozen from 2026-12-20T00:00:00Z until 2027-01-04T00:00:00Z; passes at 2027-01-04T00:00:00Z";
    let first = flow.promote("2026-12-20T00:00:00Z", &["--only", "a"]);
    refused(
        &flow,
        &first,
        &format!(
            "\
error: the promotion from staging breaks the promotion rules (nothing written):
  a 1.0.0 → 1.0.1: {why}
wait until the rules pass, or pass --override \"REASON\" to promote anyway (the reason is recorded)
"
        ),
    );
    let last = flow.promote("2027-01-03T23:59:59Z", &["--only", "a"]);
    assert_eq!(last.code, 2);
    let after = flow.promote("2027-01-04T00:00:00Z", &["--only", "a"]);
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert_eq!(
        flow.repo.read("prd.tfvars"),
        "a = \"1.0.1\"\nb = \"2.0.0\"\nc = \"3.0.0\"\n"
    );
}

/// Oslo leaves summer time (UTC+2) for winter time (UTC+1) on Sunday 25 October 2026: the window
/// opens at 09:00 local time, 07:00Z on the Friday before and 08:00Z on the Monday after.
#[test]
fn a_window_in_a_time_zone_opens_at_local_time_across_a_dst_change() {
    let flow = Flow::new(
        "promotion \"production\" {\n  window \"office\" {\n    days = [\"mon\", \"fri\"]\n    from = \"09:00\"\n    to   = \"16:00\"\n    zone = \"Europe/Oslo\"\n  }\n}\n",
    );
    let closed = |now: &str, opens: &str| {
        let run = flow.promote(now, &["--only", "a"]);
        refused(&flow, &run, &format!("\
error: the promotion from staging breaks the promotion rules (nothing written):
  a 1.0.0 → 1.0.1: window: outside every promotion window (\"office\" mon, fri 09:00–16:00 Europe/Oslo); opens at {opens}
wait until the rules pass, or pass --override \"REASON\" to promote anyway (the reason is recorded)
"));
    };
    let open = |now: &str| {
        let run = flow.promote(now, &["--only", "a", "--dry-run"]);
        assert_eq!(run.code, 0, "open at {now}: {}", run.stderr);
    };
    closed("2026-10-23T06:59:59Z", "2026-10-23T07:00:00Z");
    open("2026-10-23T07:00:00Z");
    open("2026-10-23T13:59:59Z");
    closed("2026-10-23T14:00:00Z", "2026-10-26T08:00:00Z");
    closed("2026-10-26T07:59:59Z", "2026-10-26T08:00:00Z");
    open("2026-10-26T08:00:00Z");
    open("2026-10-26T14:59:59Z");
    closed("2026-10-26T15:00:00Z", "2026-10-30T08:00:00Z");
}

const AUTO: &str = "promotion \"production\" {\n  min_soak = \"24h\"\n  auto     = [\"patch\", \"minor\"]\n}\n";

#[test]
fn auto_promotes_patch_and_minor_and_leaves_major_to_a_person() {
    let flow = Flow::new(AUTO);
    let soaking = flow.promote("2026-10-20T16:00:00Z", &["--auto"]);
    assert_eq!(soaking.code, 0, "{}", soaking.stderr);
    assert_eq!(soaking.stdout, "\
prd.tfvars: nothing to change
pending: a 1.0.0 → 1.0.1 (patch): min_soak: in staging for 6h00m, needs 1d00h; passes at 2026-10-21T10:00:00Z
pending: b 2.0.0 → 2.1.0 (minor): min_soak: in staging for 6h00m, needs 1d00h; passes at 2026-10-21T10:00:00Z
pending: c 3.0.0 → 4.0.0 (major): auto: major is not in auto (patch, minor); a person promotes it; min_soak: in staging for 6h00m, needs 1d00h; passes at 2026-10-21T10:00:00Z; all pass at 2026-10-21T10:00:00Z
");
    assert_eq!(flow.repo.read("prd.tfvars"), OLD);

    let run = flow.promote("2026-10-22T00:00:00Z", &["--auto"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "\
prd.tfvars: a 1.0.0 → 1.0.1 (patch)
prd.tfvars: b 2.0.0 → 2.1.0 (minor)
pending: c 3.0.0 → 4.0.0 (major): auto: major is not in auto (patch, minor); a person promotes it

commit message:
  Promote staging to production (promote --auto)

    a 1.0.0 → 1.0.1 (patch)
    b 2.0.0 → 2.1.0 (minor)
"
    );
    assert_eq!(
        flow.repo.read("prd.tfvars"),
        "a = \"1.0.1\"\nb = \"2.1.0\"\nc = \"3.0.0\"\n"
    );

    let again = flow.promote("2026-10-22T00:00:00Z", &["--auto", "--format", "json"]);
    assert_eq!(again.code, 0, "nothing to do is not an error: {}", again.stderr);
    let json = again.json();
    assert_eq!(json["changes"], serde_json::json!([]));
    assert_eq!(json["kept"], serde_json::json!([]));
    assert_eq!(
        json["policy"],
        serde_json::json!({
            "auto": true,
            "pending": [{
                "pin": "c", "from": "3.0.0", "to": "4.0.0", "kind": "major",
                "blocked_by": ["auto: major is not in auto (patch, minor); a person promotes it"],
                "passes_at": null
            }],
            "overridden": [],
            "override_reason": null,
            "commit_message": null
        })
    );

    let person = flow.promote("2026-10-22T00:00:00Z", &[]);
    assert_eq!(person.code, 0, "a person may promote a major: {}", person.stderr);
    assert_eq!(flow.repo.read("prd.tfvars"), NEW);
}

#[test]
fn every_bad_promotion_block_is_refused_at_its_place_and_nothing_is_written() {
    let window = |days: &str, from: &str, to: &str, zone: &str| {
        format!("promotion \"production\" {{\n  window \"w\" {{\n    days = {days}\n    from = \"{from}\"\n    to   = \"{to}\"\n    zone = \"{zone}\"\n  }}\n}}\n")
    };
    let freeze = |from: &str, to: &str| {
        format!(
            "promotion \"production\" {{\n  freeze \"x\" {{\n    from = \"{from}\"\n    to   = \"{to}\"\n  }}\n}}\n"
        )
    };
    let cases: Vec<(String, &str)> = vec![
        ("promotion \"production\" {\n  min_soak = \"3 fortnights\"\n}\n".into(),
         "5:14: `min_soak`: `3 fortnights` is not a duration such as 24h, 90m or 2d (unknown time unit \"fortnights\""),
        (window("[\"mon\", \"funday\"]", "09:00", "16:00", "UTC"),
         "6:20: `days`: `funday` is not a weekday; use mon, tue, wed, thu, fri, sat or sun\n  |     days = [\"mon\", \"funday\"]\n  |                    ^\n"),
        (window("[\"mon\"]", "09:00", "16:00", "Europe/Olso"),
         "9:12: `zone`: `Europe/Olso` is not a time zone of the IANA database, such as Europe/Oslo or UTC\n"),
        (window("[\"mon\"]", "16:00", "09:00", "UTC"),
         "5:3: `w`: the window's `from` 16:00 is not before its `to` 09:00; a window cannot cross midnight, so split it in two\n"),
        (window("[\"mon\"]", "9:00", "16:00", "UTC"),
         "7:12: `from`: `9:00` is not a time of day HH:MM such as 09:00 (00:00 to 24:00)\n"),
        (freeze("2026-13-01T00:00:00Z", "2027-01-01T00:00:00Z"),
         "6:12: `from`: `2026-13-01T00:00:00Z` is not an RFC 3339 time such as 2026-12-20T00:00:00Z"),
        (freeze("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
         "5:3: `x`: the freeze's `from` is not before its `to`\n"),
        ("promotion \"development\" {\n  min_soak = \"1h\"\n}\n".into(),
         "4:1: promotion \"development\": development is the first environment, nothing is promoted into it; put the rules on the environment that receives the promotion\n"),
        ("promotion \"prod\" {\n  min_soak = \"1h\"\n}\n".into(),
         "4:1: promotion \"prod\" names an unknown environment; environments are: development, staging, production\n"),
        ("promotion \"production\" {\n  auto_merge = true\n}\n".into(),
         "5:3: unknown field `auto_merge`, expected one of `min_soak`, `require_record`, `auto`, `freeze`, `window`\n"),
        ("promotion \"production\" {\n  auto = [\"patch\", \"downgrade\"]\n}\n".into(),
         "5:20: `auto`: `downgrade` is not a kind of change `promote --auto` may make; use patch, minor, major, prerelease, added, changed\n"),
    ];
    let flow = Flow::new("");
    for (policy, wanted) in cases {
        flow.repo.write("pins.hcl", format!("{PINS_HCL}{policy}").as_bytes());
        for args in [
            vec!["promote", "staging", "production"],
            vec!["verify", "production", "--tested-ref", "staging"],
            vec!["status"],
        ] {
            let run = flow.at("2026-10-22T00:00:00Z", &args);
            assert_eq!(run.code, 2, "{args:?} with {policy}: {}", run.stderr);
            assert!(
                run.stderr.starts_with(&format!("error: pins.hcl:{wanted}")),
                "{args:?} with {policy}:\nwanted {wanted}\ngot    {}",
                run.stderr
            );
            assert_eq!(flow.repo.read("prd.tfvars"), OLD);
        }
    }
}

/// An unencrypted minisign key pair, the secret key in a file outside the repository.
fn keypair(dir: &Path) -> (std::path::PathBuf, String) {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let file = dir.join("release.key");
    std::fs::write(&file, pair.sk.to_box(None).unwrap().to_string()).unwrap();
    (file, pair.pk.to_base64())
}

#[test]
fn an_override_is_in_the_commit_message_the_overrides_file_the_next_signed_record_and_verify() {
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = keypair(keys.path());
    let flow = Flow::new(&format!("trusted_keys = [\"{public}\"]\n{AUTO}"));
    let now = "2026-10-20T12:00:00Z";
    let empty = flow.promote(now, &["--only", "a", "--override", "  "]);
    refused(
        &flow,
        &empty,
        "error: --override needs a reason, e.g. --override \"hotfix for INC-1234, approved by the on-call lead\"\n",
    );

    let run = flow.promote(now, &["--only", "a", "--override", "INC-7: login is broken"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let soak = "min_soak: in staging for 2h00m, needs 1d00h; passes at 2026-10-21T10:00:00Z";
    assert_eq!(
        run.stdout,
        format!(
            "\
prd.tfvars: a 1.0.0 → 1.0.1 (patch)
prd.tfvars: b kept (not in the source; --prune removes it)
prd.tfvars: c kept (not in the source; --prune removes it)
overridden: a 1.0.0 → 1.0.1 (patch): {soak}

commit message:
  Promote staging to production

    a 1.0.0 → 1.0.1 (patch)

  Override: INC-7: login is broken
    a 1.0.1: {soak}
"
        )
    );
    let entry = serde_json::json!({
        "pin": "a", "version": "1.0.1", "from": "staging", "reason": "INC-7: login is broken",
        "rules": [soak], "at": now
    });
    let file: serde_json::Value = serde_json::from_str(&flow.repo.read(".pins/overrides/production.json")).unwrap();
    assert_eq!(
        file,
        serde_json::json!({"format": "pins-overrides/1", "environment": "production", "overrides": [entry]})
    );
    let promoted = flow.commit("production", now, &[]);

    let record = flow.at(
        "2026-10-20T13:00:00Z",
        &["record", "production", "--sign", "--key", key.to_str().unwrap()],
    );
    assert_eq!(record.code, 0, "{}", record.stderr);
    let written: serde_json::Value = serde_json::from_str(&flow.repo.read(".pins/records/production.json")).unwrap();
    assert_eq!(written["overrides"], serde_json::json!([entry]));
    assert_eq!(written["recorded_at"], "2026-10-20T13:00:00Z");

    let verify = flow.at(
        "2026-10-20T14:00:00Z",
        &[
            "verify",
            "production",
            "--tested",
            ".pins/records/production.json",
            "--tested-env",
            "production",
        ],
    );
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(
        verify.stdout.contains(&format!(
            "policy: a 1.0.1 arrived in production at {now} (commit {promoted}): {soak}; overridden: INC-7: login is broken\n"
        )),
        "{}",
        verify.stdout
    );
}

#[test]
fn require_record_counts_only_records_signed_by_a_trusted_key() {
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = keypair(keys.path());
    let flow = Flow::new(&format!(
        "trusted_keys = [\"{public}\"]\npromotion \"production\" {{ require_record = true }}\n"
    ));
    let record_staging = |at: &str, extra: &[&str]| {
        flow.git(at, &["checkout", "-q", "staging"]);
        let mut args = vec!["record", "staging"];
        args.extend(extra);
        let run = flow.at(at, &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        flow.commit("staging", at, &[]);
        flow.git(at, &["checkout", "-q", "production"]);
        flow.git(at, &["checkout", "-q", "staging", "--", "stg.tfvars"]);
    };
    let now = "2026-10-20T12:00:00Z";
    let none = flow.promote(now, &["--only", "a"]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr
            .contains("a 1.0.0 → 1.0.1: require_record: no release record of staging covers 1.0.1\n"),
        "{}",
        none.stderr
    );

    record_staging("2026-10-20T11:00:00Z", &[]);
    let unsigned = flow.promote(now, &["--only", "a"]);
    assert_eq!(
        unsigned.code, 2,
        "an unsigned record does not count once keys are trusted"
    );
    assert_eq!(flow.repo.read("prd.tfvars"), OLD);
    let recorded =
        |now: &str| flow.at(now, &["status", "--format", "json"]).json()["pins"][0]["hops"][1]["recorded"].clone();
    assert_eq!(recorded(now), false, "status counts the same records");

    record_staging("2026-10-20T11:30:00Z", &["--sign", "--key", key.to_str().unwrap()]);
    let early = flow.promote("2026-10-20T11:29:59Z", &["--only", "a"]);
    assert_eq!(
        early.code, 2,
        "a record written after the promotion's moment does not count"
    );
    assert_eq!(recorded(now), true);
    let signed = flow.promote(now, &["--only", "a"]);
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    assert_eq!(
        flow.repo.read("prd.tfvars"),
        "a = \"1.0.1\"\nb = \"2.0.0\"\nc = \"3.0.0\"\n"
    );
}

#[test]
fn verify_fails_a_hand_edited_promotion_that_skipped_the_soak() {
    let flow = Flow::new("promotion \"production\" { min_soak = \"24h\" }\n");
    let hand = flow.commit("production", "2026-10-20T12:00:00Z", &[("prd.tfvars", NEW)]);
    let verify = |now: &str| flow.at(now, &["verify", "production", "--tested-ref", "staging"]);
    // Days later the soak would have passed; the promotion still skipped it when it was made.
    let run = verify("2026-10-25T00:00:00Z");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for pin in ["a 1.0.1", "b 2.1.0", "c 4.0.0"] {
        let line = format!("policy: {pin} arrived in production at 2026-10-20T12:00:00Z (commit {hand}): min_soak: in staging for 2h00m, needs 1d00h; passes at 2026-10-21T10:00:00Z; FAIL\n");
        assert!(run.stdout.contains(&line), "{line} not in:\n{}", run.stdout);
    }
    assert!(
        run.stdout
            .ends_with("FAIL: production would deploy versions that did not pass its promotion rules\n"),
        "{}",
        run.stdout
    );
    let json = flow
        .at(
            "2026-10-25T00:00:00Z",
            &["verify", "production", "--tested-ref", "staging", "--format", "json"],
        )
        .json();
    assert_eq!(json["ok"], false);
    assert_eq!(json["policy"][0]["pin"], "a");
    assert_eq!(json["policy"][0]["commit"], hand.as_str());

    let patient = Flow::new("promotion \"production\" { min_soak = \"24h\" }\n");
    patient.commit("production", "2026-10-21T10:00:00Z", &[("prd.tfvars", NEW)]);
    let run = patient.at(
        "2026-10-25T00:00:00Z",
        &["verify", "production", "--tested-ref", "staging"],
    );
    assert_eq!(run.code, 0, "promoted after exactly 24h: {}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("policy:"), "{}", run.stdout);
}

#[test]
fn status_shows_the_soak_remaining_and_the_next_window() {
    let flow = Flow::new(
        "promotion \"production\" {\n  min_soak = \"24h\"\n  window \"office\" {\n    days = [\"mon\"]\n    from = \"09:00\"\n    to   = \"16:00\"\n    zone = \"Europe/Oslo\"\n  }\n}\n",
    );
    let run = flow.at("2026-10-20T16:00:00Z", &["status", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let hop = &run.json()["pins"][0]["hops"][1];
    assert_eq!(hop["to"], "production");
    assert_eq!(hop["soak_remaining_seconds"], 18 * 3600);
    assert_eq!(hop["window_open"], false);
    assert_eq!(hop["next_window"], "2026-10-26T08:00:00Z");
    assert_eq!(
        hop["blocked_by"],
        serde_json::json!([
            "min_soak: in staging for 6h00m, needs 1d00h; passes at 2026-10-21T10:00:00Z",
            "window: outside every promotion window (\"office\" mon 09:00–16:00 Europe/Oslo); opens at 2026-10-26T08:00:00Z"
        ])
    );
    let text = flow.at("2026-10-20T16:00:00Z", &["status"]);
    assert!(text.stdout.contains("opens at 2026-10-26T08:00:00Z"), "{}", text.stdout);
}

#[test]
fn check_reports_a_window_that_is_never_open() {
    let flow = Flow::new(
        "promotion \"production\" {\n  window \"never\" {\n    days = []\n    from = \"09:00\"\n    to   = \"16:00\"\n  }\n}\n",
    );
    let run = flow.at("2026-10-22T00:00:00Z", &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let findings: Vec<serde_json::Value> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "promotion-policy")
        .cloned()
        .collect();
    assert_eq!(
        findings,
        [serde_json::json!({
            "file": "pins.hcl", "line": 5, "col": 3, "rule": "promotion-policy",
            "message": "window \"never\" of promotion \"production\" has no days, so it is never open; no promotion into production can ever pass",
            "help": "list the days it opens, e.g. days = [\"mon\", \"tue\"], or remove the window"
        })]
    );
    let promote = flow.promote("2026-10-22T00:00:00Z", &["--only", "a"]);
    assert!(
        promote
            .stderr
            .contains("window: no promotion window is ever open (\"never\" no days 09:00–16:00 UTC)"),
        "{}",
        promote.stderr
    );
}

#[test]
fn verify_judges_a_version_by_the_rules_in_force_when_it_arrived() {
    let flow = Flow::new("");
    flow.commit("production", "2026-10-20T12:00:00Z", &[("prd.tfvars", NEW)]);
    let adopted = format!("{PINS_HCL}promotion \"production\" {{ min_soak = \"24h\" }}\n");
    flow.commit("production", "2026-10-22T00:00:00Z", &[("pins.hcl", &adopted)]);
    let run = flow.at(
        "2026-10-25T00:00:00Z",
        &["verify", "production", "--tested-ref", "staging"],
    );
    assert_eq!(
        run.code, 0,
        "no rule was in force when it arrived: {}{}",
        run.stdout, run.stderr
    );
    assert!(!run.stdout.contains("policy:"), "{}", run.stdout);
}

#[test]
fn a_hold_survives_promote_auto() {
    let flow = Flow::new(AUTO);
    let hold = "hold \"a\" \"production\" {\n  version = \"1.0.0\"\n  reason  = \"1.0.1 leaks\"\n}\n";
    flow.repo
        .write("pins.hcl", format!("{PINS_HCL}{AUTO}{hold}").as_bytes());
    let run = flow.promote("2026-10-22T00:00:00Z", &["--auto", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["changes"][0]["pin"], "b", "{json:#}");
    assert_eq!(json["changes"].as_array().unwrap().len(), 1, "{json:#}");
    assert_eq!(
        flow.repo.read("prd.tfvars"),
        "a = \"1.0.0\"\nb = \"2.1.0\"\nc = \"3.0.0\"\n"
    );
}

#[test]
fn verify_fails_a_version_that_arrived_inside_a_freeze_without_an_override() {
    let freeze = "promotion \"production\" {\n  freeze \"launch\" {\n    from = \"2026-10-21T00:00:00Z\"\n    to   = \"2026-10-22T00:00:00Z\"\n  }\n}\n";
    let frozen = Flow::new(freeze);
    let commit = frozen.commit("production", "2026-10-21T00:00:00Z", &[("prd.tfvars", NEW)]);
    let run = frozen.at(
        "2026-10-25T00:00:00Z",
        &["verify", "production", "--tested-ref", "staging"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let line = format!("policy: a 1.0.1 arrived in production at 2026-10-21T00:00:00Z (commit {commit}): freeze \"launch\": promotions are frozen from 2026-10-21T00:00:00Z until 2026-10-22T00:00:00Z; passes at 2026-10-22T00:00:00Z; FAIL\n");
    assert!(run.stdout.contains(&line), "{line} not in:\n{}", run.stdout);

    let before = Flow::new(freeze);
    before.commit("production", "2026-10-20T23:59:59Z", &[("prd.tfvars", NEW)]);
    let run = before.at(
        "2026-10-25T00:00:00Z",
        &["verify", "production", "--tested-ref", "staging"],
    );
    assert_eq!(
        run.code, 0,
        "arrived the second before the freeze: {}{}",
        run.stdout, run.stderr
    );
}

//! Races, crashes, full disks and locks: the write path never loses an update or half-writes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::process::{Command, Stdio};

use common::fixtures::layout;
use common::Repo;

const DATA: [&str; 3] = ["", "", ""];

fn many_pins(n: usize) -> String {
    let mut text = String::from("# many\nartifact_versions = {\n");
    for i in 0..n {
        text.push_str(&format!("  pin-{i:02} = \"1.0.0\" # c{i}\n"));
    }
    text.push_str("}\n");
    text
}

#[test]
fn sixteen_concurrent_bumps_all_land() {
    let repo = Repo::new(&layout("c", &many_pins(16), "", DATA).pairs());
    let children: Vec<_> = (0..16)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_pins"))
                .arg("--repo")
                .arg(repo.path())
                .args(["bump", &format!("pin-{i:02}"), "1.1.0"])
                .env("PINS_LOCK_TIMEOUT_MS", "60000")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let expected = many_pins(16).replace("\"1.0.0\"", "\"1.1.0\"");
    assert_eq!(repo.read("development.tfvars"), expected);
    let leftovers: Vec<_> = std::fs::read_dir(repo.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pins-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

fn bump_with_fault(repo: &Repo, fault: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pins"))
        .arg("--repo")
        .arg(repo.path())
        .args(["bump", "pin-00", "1.1.0"])
        .env("PINS_FAULT", fault)
        .output()
        .unwrap()
}

#[test]
fn a_writer_killed_at_any_step_leaves_the_old_or_the_new_file() {
    let old = many_pins(3);
    let new = old.replacen("\"1.0.0\"", "\"1.1.0\"", 1);
    for (step, expect_new) in [
        ("before-temp-write", false),
        ("after-temp-write", false),
        ("before-rename", false),
        ("after-rename", true),
    ] {
        let repo = Repo::new(&layout("f", &old, "", DATA).pairs());
        let out = bump_with_fault(&repo, step);
        assert!(!out.status.success(), "{step}: the process must have died");
        let now = repo.read("development.tfvars");
        assert_eq!(&now, if expect_new { &new } else { &old }, "{step}");
        let next = repo.pins(&["bump", "pin-01", "1.2.0"]);
        assert_eq!(next.code, 0, "{step}: the next run is not blocked: {}", next.stderr);
        let stale: Vec<_> = std::fs::read_dir(repo.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pins-tmp"))
            .collect();
        assert!(
            stale.is_empty(),
            "{step}: the next writer cleans up the dead writer's temporary file"
        );
    }
}

#[test]
fn a_full_disk_leaves_the_old_file_and_says_so() {
    let old = many_pins(2);
    let repo = Repo::new(&layout("f", &old, "", DATA).pairs());
    let before = repo.snapshot();
    let out = bump_with_fault(&repo, "enospc");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("writing development.tfvars; the file was left as it was"),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_file_locked_by_another_process_times_out_clearly() {
    let repo = Repo::new(&layout("l", &many_pins(1), "", DATA).pairs());
    let holder = std::fs::File::open(repo.path().join("development.tfvars")).unwrap();
    holder.lock().unwrap();
    let before = repo.snapshot();
    let out = Command::new(env!("CARGO_BIN_EXE_pins"))
        .arg("--repo")
        .arg(repo.path())
        .args(["bump", "pin-00", "1.1.0"])
        .env("PINS_LOCK_TIMEOUT_MS", "300")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("development.tfvars is locked by another process"));
    assert_eq!(repo.snapshot(), before);
    holder.unlock().unwrap();
    assert_eq!(repo.pins(&["bump", "pin-00", "1.1.0"]).code, 0);
}

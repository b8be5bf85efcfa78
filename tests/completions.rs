//! Shell completions, the man page and `--help`: made from the command line itself, so that every
//! command (also ones added later) completes, has a page, examples and exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::process::Command;

use common::pins_in;

fn pins(args: &[&str]) -> common::Run {
    pins_in(&common::project_root(), args)
}

/// Whether a tool runs; missing is a skip with a reason, except under `CI=true`.
fn have(tool: &str, why: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but `{tool}` is missing ({why})"
        );
        common::skip(&format!("`{tool}` is not installed ({why})"));
    }
    ok
}

/// What bash completes for the words of `line` (the last one being completed).
fn bash_complete(line: &str) -> Vec<String> {
    let script = tempfile::NamedTempFile::new().unwrap();
    let run = pins(&["completions", "bash"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(script.path(), &run.stdout).unwrap();
    let words: Vec<&str> = line.split(' ').collect();
    let program = format!(
        "source {}\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n_pins pins '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.path().display(),
        words.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash").arg("-c").arg(program).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn bash_completes_commands_and_subcommands() {
    if !have("bash", "completion test") {
        return;
    }
    assert_eq!(bash_complete("pins di"), ["diff"]);
    assert_eq!(bash_complete("pins artifacts pro"), ["promote"]);
    assert_eq!(bash_complete("pins init --rel"), ["--release-from"]);
}

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    let commands: Vec<String> = pins::cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = pins(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for command in &commands {
            assert!(
                run.stdout.contains(command.as_str()),
                "{shell} script lacks `{command}`"
            );
        }
    }
    let bad = pins(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
}

/// `man -l` renders the page of pins and of every command.
#[test]
fn man_renders_every_page() {
    if !have("man", "apt-get install man-db groff") {
        return;
    }
    let mut pages: Vec<Vec<String>> = vec![vec![]];
    for cmd in pins::cli::command().get_subcommands() {
        pages.push(vec![cmd.get_name().to_string()]);
        for sub in cmd.get_subcommands() {
            pages.push(vec![cmd.get_name().to_string(), sub.get_name().to_string()]);
        }
    }
    for page in pages {
        let mut args = vec!["man"];
        args.extend(page.iter().map(String::as_str));
        let run = pins(&args);
        assert_eq!(run.code, 0, "{page:?}: {}", run.stderr);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &run.stdout).unwrap();
        let out = Command::new("man")
            .arg("-l")
            .arg(file.path())
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        // man justifies lines with extra spaces.
        let text = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            out.status.success(),
            "{page:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let title = std::iter::once("pins")
            .chain(page.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-");
        assert!(text.contains(&format!("{title}(1)")), "{page:?}:\n{text}");
        assert!(text.contains("Exit codes:"), "{page:?}:\n{text}");
    }
    let unknown = pins(&["man", "dif"]);
    assert_eq!(unknown.code, 2);
    assert_eq!(
        unknown.stderr,
        "error: `pins` has no command `dif` (did you mean `diff`?)\n"
    );
}

/// Every command's `--help` ends with examples and its exit codes; the global flags have their
/// own heading. A new command fails here until it has an entry in src/help.rs.
#[test]
fn every_command_has_examples_and_exit_codes() {
    let mut cmd = pins::cli::command();
    cmd.build();
    let mut paths: Vec<Vec<String>> = vec![vec![]];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        paths.push(vec![sub.get_name().to_string()]);
        for subsub in sub.get_subcommands().filter(|s| s.get_name() != "help") {
            paths.push(vec![sub.get_name().to_string(), subsub.get_name().to_string()]);
        }
    }
    let documented: Vec<&str> = pins::help::documented().collect();
    for path in paths {
        let key = path.join(" ");
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = pins(&args);
        assert_eq!(run.code, 0, "{key}: {}", run.stderr);
        assert!(
            run.stdout.contains("\nExit codes: 0 "),
            "`pins {key} --help` has no exit codes"
        );
        assert!(
            run.stdout.contains("\nGlobal options:\n      --repo <DIR>"),
            "`pins {key} --help`"
        );
        let needs_examples = path.len() < 2 || documented.contains(&key.as_str());
        assert!(
            !needs_examples || run.stdout.contains("\nExamples:\n  "),
            "`pins {key} --help` has no examples: add a line for \"{key}\" to HELP in src/help.rs"
        );
    }
}

/// Every example in `--help` is a command line pins accepts.
#[test]
fn every_help_example_parses() {
    use clap::Parser;
    let mut count = 0;
    for example in pins::help::examples() {
        let at = example
            .find("pins ")
            .unwrap_or_else(|| panic!("no pins command in `{example}`"));
        let rest = &example[at..];
        // The command ends at shell syntax or at the description after two spaces.
        let end = [")", "|", ">", "\"", "  "]
            .iter()
            .filter_map(|s| rest.find(s))
            .min()
            .unwrap_or(rest.len());
        let words: Vec<&str> = rest[..end].split_whitespace().collect();
        if let Err(e) = pins::cli::Cli::try_parse_from(&words) {
            panic!("--help example `{example}` does not parse: {e}");
        }
        count += 1;
    }
    assert!(count > 30, "{count}");
}

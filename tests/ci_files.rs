//! The CI files in the repository call pins commands that exist, with flags that exist.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use clap::Parser;
use pins::cli::Cli;
use serde_yaml::Value;

const FILES: [&str; 4] = [
    ".circleci/config.yml",
    "examples/github-actions.yml",
    ".pre-commit-hooks.yaml",
    ".github/workflows/ci.yml",
];

/// Every string under a `command`, `run` or `entry` key.
fn scripts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    (Some("command" | "run" | "entry"), Some(script)) => out.push(script.to_string()),
                    _ => scripts(v, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|i| scripts(i, out)),
        _ => {}
    }
}

/// The `command` input of every step that uses the pins action (`uses: ./` or `…/pins@…`), as
/// the pins command line the action runs.
fn action_commands(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            let uses = map.get("uses").and_then(Value::as_str).unwrap_or_default();
            if uses == "./" || uses.contains("/pins@") {
                let command = map.get("with").and_then(|w| w.get("command")).and_then(Value::as_str);
                out.push(format!("pins {}", command.unwrap_or("check")));
            }
            map.values().for_each(|v| action_commands(v, out));
        }
        Value::Sequence(items) => items.iter().for_each(|i| action_commands(i, out)),
        _ => {}
    }
}

/// The pins invocations in a shell script, with variables replaced by a real environment name.
fn invocations(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in script.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("pins ") {
            let before = &rest[..at];
            rest = &rest[at..];
            if !(before.is_empty() || before.ends_with(' ') || before.ends_with('(') || before.ends_with('"')) {
                rest = &rest[5..];
                continue;
            }
            let end = rest.find([')', '|', ';', '>', '&']).unwrap_or(rest.len());
            let words: Vec<String> = rest[..end]
                .split_whitespace()
                .map(|w| w.trim_matches('"').replace("$ENV", "staging"))
                .collect();
            out.push(words);
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn every_pins_command_in_ci_files_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for file in FILES {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let yaml: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut found = Vec::new();
        scripts(&yaml, &mut found);
        action_commands(&yaml, &mut found);
        for script in found {
            for words in invocations(&script) {
                if let Err(e) = Cli::try_parse_from(&words) {
                    panic!("{file}: `{}` is not a valid pins command: {e}", words.join(" "));
                }
                count += 1;
            }
        }
    }
    assert!(count >= 18, "found only {count} pins commands");
}

#[test]
fn the_flow_has_check_verify_plan_and_record() {
    for file in [".circleci/config.yml", "examples/github-actions.yml"] {
        let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        for needle in [
            "pins check",
            "pins verify production --plan plan.json --tested-ref origin/staging",
            "pins tf-args \"$ENV\" --backend",
            "terraform show -json tfplan > plan.json",
            "pins record staging --plan plan.json --artifacts --sign",
            "pins artifacts promote development staging",
            "pins artifacts check \"$ENV\"",
            "pins verify production --plan plan.json --tested .pins/records/staging.json --artifacts",
            "type: approval",
            "terraform apply",
        ] {
            assert!(
                text.contains(needle) || (needle == "type: approval" && file.contains("github")),
                "{file}: {needle}"
            );
        }
    }
}

#[test]
fn invalid_commands_would_be_caught() {
    for bad in [
        "pins verify production --tested-branch x",
        "pins frobnicate",
        "pins tf-args",
    ] {
        let words = &invocations(bad)[0];
        assert!(Cli::try_parse_from(words).is_err(), "{bad}");
    }
}

//! What `--help` shows after each command's options: examples and exit codes. Part of the front
//! end; kept apart from `cli.rs` so that a new subcommand needs no edit here to get its exit codes
//! (every command gets the general ones) and one line here to get its examples.

use clap::Command;

/// Exit codes that hold for every command.
const EXIT_CODES: &str = "0 done, 1 findings, 2 error (bad input or usage, a refused write: nothing was written)";

/// Examples and, where they say more than [`EXIT_CODES`], exit codes, keyed by command path.
const HELP: &[(&str, &[&str], Option<&str>)] = &[
    (
        "",
        &[
            "pins diff development staging          what promoting development into staging changes",
            "pins check                             lint the repository",
            "pins init                              adopt pins in a one-tfvars-per-environment repository",
        ],
        None,
    ),
    (
        "envs",
        &["pins envs", "pins envs --format json"],
        Some("0 listed, 2 error"),
    ),
    (
        "show",
        &[
            "pins show production --data",
            "pins show staging@origin/staging --format json",
        ],
        Some("0 shown, 2 error (an unreadable file, an invalid version)"),
    ),
    (
        "diff",
        &[
            "pins diff development staging",
            "pins diff staging production --all --data",
            "pins diff staging production --format markdown >> \"$GITHUB_STEP_SUMMARY\"",
        ],
        Some("0 no differences, 1 they differ, 2 error"),
    ),
    (
        "bump",
        &[
            "pins bump lambda-x 1.5.0",
            "pins bump lambda-x minor --expect 1.4.2",
            "pins bump artifact_versions.new-fn 0.1.0 --create --dry-run",
            "pins bump lambda-x latest                 the newest version in its artifact store",
            "pins bump --latest --only lambda-x,lambda-y --dry-run",
        ],
        Some("0 written (or nothing to change), 2 error or refused (nothing written)"),
    ),
    (
        "promote",
        &[
            "pins promote development staging --dry-run",
            "pins promote development staging --only lambda-x,lambda-y",
            "pins promote staging production --auto --format json   what the policy allows unattended",
            "pins promote staging production --only lambda-x --override INC-4711",
            "PINS_NOW=2026-12-21T10:00:00Z pins promote staging production --dry-run   would it pass then?",
        ],
        Some("0 written (or nothing to change), 2 error or refused (nothing written)"),
    ),
    (
        "outdated",
        &[
            "pins outdated",
            "pins outdated staging --format markdown >> \"$GITHUB_STEP_SUMMARY\"",
            "pins outdated development --only lambda-x --format json",
        ],
        Some("0 no pin is behind, 1 some pin is behind, 2 error (a store down or refusing access included)"),
    ),
    (
        "check",
        &["pins check", "pins check --format json"],
        Some("0 clean, 1 findings, 2 error"),
    ),
    (
        "record",
        &[
            "pins record staging",
            "pins record staging --plan plan.json --artifacts --sign",
            "pins record staging --artifacts --out records/staging.json",
        ],
        Some("0 written, 2 error (nothing written; also a plan the var-files do not explain)"),
    ),
    (
        "verify",
        &[
            "pins verify production --plan plan.json --tested-ref origin/staging",
            "pins verify production --plan plan.json --tested .pins/records/staging.json --artifacts",
            "pins verify production --tested-ref origin/staging",
            "pins verify production --tested-ref origin/staging --branch-prefix origin/",
        ],
        Some("0 production deploys what was tested within its policy and holds, 1 it would not, 2 error (also a bad plan, an unsigned or untrusted record)"),
    ),
    (
        "tf-args",
        &[
            "terraform plan $(pins tf-args staging)",
            "terraform init $(pins tf-args staging --backend)",
        ],
        Some("0 printed, 2 error"),
    ),
    (
        "env",
        &["pins env --branch main", "ENV=\"$(pins env)\""],
        Some("0 printed, 2 no environment for the branch"),
    ),
    (
        "artifacts",
        &[
            "pins artifacts staging",
            "pins artifacts check production",
            "pins artifacts promote development staging",
        ],
        None,
    ),
    (
        "artifacts check",
        &["pins artifacts check staging --format json"],
        Some("0 all present, 1 some missing, 2 error"),
    ),
    (
        "artifacts promote",
        &["pins artifacts promote development staging --dry-run"],
        Some("0 copied (or already there), 2 error or refused (nothing copied)"),
    ),
    (
        "log",
        &[
            "pins log production --since 2026-11-01",
            "pins log --pin lambda-x --branch-prefix origin/ --format json",
        ],
        Some("0 printed, 2 error (a missing branch, a shallow clone without the history, a bad range or record)"),
    ),
    (
        "status",
        &[
            "pins status --branch-prefix origin/",
            "pins status --format markdown >> \"$GITHUB_STEP_SUMMARY\"",
        ],
        Some("0 all in sync, 1 something pending or blocked, 2 error"),
    ),
    (
        "rollback",
        &[
            "pins rollback production --to production~1 --shared --dry-run",
            "pins rollback production --to records/staging.json --shared --only lambda-x",
        ],
        Some("0 written (or nothing to change), 2 error or refused (nothing written)"),
    ),
    (
        "hold",
        &[
            "pins hold lambda-x --env production --reason INC-4711      (an incident id, or any text)",
            "pins hold lambda-x --env production --version 1.4.1 --reason INC-4711 --dry-run",
        ],
        Some("0 written, 2 error or refused (an unknown pin or environment, an empty reason, a pin already held; nothing written)"),
    ),
    (
        "unhold",
        &["pins unhold lambda-x --env production", "pins unhold lambda-x --env production --dry-run"],
        Some("0 written, 2 error or refused (no such hold; nothing written)"),
    ),
    (
        "init",
        &[
            "pins init                              scaffold an empty folder, or migrate <env>.tfvars files",
            "pins init --from development=dev.tfvars --from staging=stage.tfvars --from production=prod.tfvars",
            "pins init --dry-run --data feature_flags --release-from staging",
        ],
        Some("0 written (or planned with --dry-run), 2 error or refused (nothing written)"),
    ),
    (
        "completions",
        &[
            "pins completions bash > ~/.local/share/bash-completion/completions/pins",
            "pins completions zsh > \"${fpath[1]}/_pins\"",
            "pins completions fish > ~/.config/fish/completions/pins.fish",
        ],
        Some("0 printed, 2 error"),
    ),
    (
        "man",
        &["pins man | man -l -", "pins man diff > pins-diff.1"],
        Some("0 printed, 2 error"),
    ),
];

/// `cmd` with examples and exit codes after the options of it and every subcommand.
pub fn decorate(cmd: Command) -> Command {
    decorate_at(cmd, "")
}

fn decorate_at(cmd: Command, path: &str) -> Command {
    let text = after_help(path);
    let cmd = cmd.after_help(text).mut_subcommands(|sub| {
        let name = sub.get_name().to_string();
        let sub_path = if path.is_empty() {
            name
        } else {
            format!("{path} {name}")
        };
        decorate_at(sub, &sub_path)
    });
    cmd
}

/// The text under the options of the command at `path` (`""` for pins itself).
fn after_help(path: &str) -> String {
    let entry = HELP.iter().find(|(p, _, _)| *p == path);
    let mut text = String::new();
    if let Some((_, examples, _)) = entry.filter(|(_, e, _)| !e.is_empty()) {
        text.push_str("Examples:\n");
        for example in *examples {
            text.push_str(&format!("  {example}\n"));
        }
        text.push('\n');
    }
    let codes = entry.and_then(|(_, _, codes)| *codes).unwrap_or(EXIT_CODES);
    text.push_str(&format!("Exit codes: {codes}"));
    text
}

/// Every example line, for the test that each is a valid pins command line.
pub fn examples() -> impl Iterator<Item = &'static str> {
    HELP.iter().flat_map(|(_, examples, _)| examples.iter().copied())
}

/// The command paths that have examples, for the test that every command has some.
pub fn documented() -> impl Iterator<Item = &'static str> {
    HELP.iter().filter(|(_, e, _)| !e.is_empty()).map(|(p, _, _)| *p)
}

//! Differential tests: pins' effective values against real Terraform, for the example repository,
//! tricky fixture repositories and a sample of the real-world corpus.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::{Path, PathBuf};

use common::{pins_in, pins_values, project_root, terraform, terraform_run, terraform_values, Repo};
use serde_json::Value;

const ENVS: [&str; 3] = ["development", "staging", "production"];

fn var_files(root: &Path, env: &str) -> Vec<PathBuf> {
    let run = pins_in(root, &["tf-args", env, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["var_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| root.join(f.as_str().unwrap()))
        .collect()
}

fn declared(show: &Value) -> Vec<String> {
    let mut names: Vec<String> = show["pins"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p["variable"].as_str().unwrap().to_string())
        .collect();
    names.extend(show["data"].as_object().unwrap().keys().cloned());
    names.sort();
    names.dedup();
    names
}

fn assert_agrees(tf: &Path, root: &Path, env: &str, label: &str) {
    let run = pins_in(root, &["show", env, "--data", "--format", "json"]);
    assert_eq!(run.code, 0, "{label} {env}: {}", run.stderr);
    let show = run.json();
    let expected = terraform_values(tf, &declared(&show), &var_files(root, env));
    assert_eq!(
        pins_values(&show),
        expected,
        "{label}: pins and Terraform disagree on {env}"
    );
}

#[test]
fn example_repository_agrees_with_terraform() {
    let Some(tf) = terraform() else { return };
    for env in ENVS {
        assert_agrees(&tf, &project_root(), env, "example");
    }
}

#[test]
fn tricky_fixtures_agree_with_terraform() {
    let Some(tf) = terraform() else { return };
    for fixture in common::fixtures::tricky() {
        let repo = Repo::new(&fixture.pairs());
        for env in ENVS {
            assert_agrees(&tf, repo.path(), env, fixture.name);
        }
    }
}

fn corpus_dir() -> PathBuf {
    project_root().join("../shared/corpus/aztfmod-caf")
}

/// A deterministic sample of at least 50 corpus files, always including the three with
/// duplicate object keys and every file with a heredoc.
fn corpus_sample() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tfvars"))
        .collect();
    files.sort();
    let special = |p: &PathBuf| {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        text.contains("<<")
            || text.contains("* 60")
            || [
                "azuread__105",
                "compute__kubernetes_services__108",
                "data_explorer__106",
            ]
            .iter()
            .any(|s| p.to_string_lossy().contains(s))
    };
    let step = files.len() / 45;
    files
        .iter()
        .enumerate()
        .filter(|(i, p)| i % step == 0 || special(p))
        .map(|(_, p)| p.clone())
        .collect()
}

#[test]
fn corpus_sample_agrees_with_terraform() {
    let Some(tf) = terraform() else { return };
    if !corpus_dir().exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but ../shared/corpus is missing"
        );
        common::skip("../shared/corpus not found");
        return;
    }
    let sample = corpus_sample();
    assert!(sample.len() >= 50, "sample has only {} files", sample.len());
    for file in sample {
        let text = std::fs::read_to_string(&file).unwrap();
        let repo = Repo::new(&[
            ("development.tfvars", "app = \"1.0.0\"\n"),
            ("shared-release.tfvars", "app = \"1.0.0\"\n"),
            ("data.d/development.tfvars", &text),
        ]);
        assert_agrees(&tf, repo.path(), "development", &file.display().to_string());
    }
}

#[test]
fn files_written_by_bump_and_promote_are_accepted_by_terraform() {
    let Some(tf) = terraform() else { return };
    let wanted = [
        "crlf_and_mixed",
        "bom",
        "comments_one_line_maps_trailing_commas",
        "quoted_keys",
        "duplicate_object_keys",
        "plain",
    ];
    for fixture in common::fixtures::tricky()
        .into_iter()
        .filter(|f| wanted.contains(&f.name))
    {
        let repo = Repo::new(&fixture.pairs());
        for args in [
            vec!["bump", "lambda-x", "7.0.0"],
            vec!["bump", "artifact_versions.brand-new", "0.0.1", "--create"],
            vec!["promote", "development", "staging", "--allow-downgrade"],
        ] {
            let run = repo.pins(&args);
            assert_eq!(run.code, 0, "{}: {args:?}: {}", fixture.name, run.stderr);
        }
        let show = repo.pins(&["show", "staging", "--format", "json"]).json();
        assert_eq!(show["pins"]["lambda-x"]["version"], "7.0.0", "{}", fixture.name);
        assert_eq!(show["pins"]["brand-new"]["version"], "0.0.1", "{}", fixture.name);
        for env in ENVS {
            assert_agrees(&tf, repo.path(), env, &format!("{} after writes", fixture.name));
        }
    }
}

fn copy_example(to: &Path) {
    let root = project_root();
    for file in [
        "main.tf",
        "variables.tf",
        "pins.hcl",
        "development.tfvars",
        "shared-release.tfvars",
    ] {
        std::fs::copy(root.join(file), to.join(file)).unwrap();
    }
    for dir in ["data.d", "setup/backends"] {
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, to.join(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn tf_args(dir: &Path, env: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["tf-args", env, "--format", "json"];
    args.extend_from_slice(extra);
    pins_in(dir, &args).json()["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn example_init_and_apply_with_pins_tf_args_for_every_environment() {
    let Some(tf) = terraform() else { return };
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    for env in ENVS {
        let mut init: Vec<String> = ["init", "-input=false", "-reconfigure", "-no-color"]
            .map(String::from)
            .to_vec();
        init.extend(tf_args(dir.path(), env, &["--backend"]));
        terraform_run(&tf, dir.path(), &init);
        let mut apply: Vec<String> = ["apply", "-auto-approve", "-input=false", "-no-color"]
            .map(String::from)
            .to_vec();
        apply.extend(tf_args(dir.path(), env, &[]));
        terraform_run(&tf, dir.path(), &apply);
        assert!(
            dir.path().join(format!("terraform-state/{env}.tfstate")).exists(),
            "{env}: the backend file chose the state"
        );
        let outputs: Value =
            serde_json::from_str(&terraform_run(&tf, dir.path(), &["output".into(), "-json".into()])).unwrap();
        let show = pins_in(dir.path(), &["show", env, "--data", "--format", "json"]).json();
        let expected = pins_values(&show);
        for (name, value) in &expected {
            assert_eq!(&outputs[name]["value"], value, "{env}: output {name}");
        }
        // The artifact locations pins checks and copies are the ones Terraform deploys.
        let urls = outputs["artifact_urls"]["value"].as_object().unwrap();
        let listed = pins_in(dir.path(), &["artifacts", env, "--format", "json"]).json();
        let located: serde_json::Map<String, Value> = listed["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["pin"].as_str().unwrap().to_string(), a["location"].clone()))
            .collect();
        assert_eq!(located.len(), 4, "{env}: {listed}");
        assert_eq!(&located, urls, "{env}: pins artifacts vs Terraform");
    }
}

//! Differential tests: pins' effective values against real Terraform, for the example repository,
//! tricky fixture repositories and a sample of the real-world corpus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{pins_in, pins_values, project_root, terraform, terraform_values, Repo};
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
        eprintln!("SKIPPED: ../shared/corpus not found");
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

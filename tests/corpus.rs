//! The real-world corpus (../shared/corpus): every file parses, and a splice edit of every
//! version-like string changes exactly that value's bytes and nothing else.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::PathBuf;

use pins::tfvars::selfcheck::{quoted_strings, same_as_general, set, to_json};
use pins::tfvars::splice::{apply, quote, replace_string};
use pins::tfvars::{Node, TfVars, Value};
use serde_json::Value as Json;

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/aztfmod-caf");
    if !dir.exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but ../shared/corpus is missing"
        );
        common::skip("../shared/corpus not found");
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tfvars"))
        .collect();
    files.sort();
    Some(files)
}

fn parse(path: &PathBuf) -> TfVars {
    let bytes = std::fs::read(path).unwrap();
    TfVars::parse(&path.display().to_string(), bytes).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_corpus_file_parses() {
    let Some(files) = corpus() else { return };
    assert_eq!(files.len(), 752);
    for path in &files {
        parse(path);
    }
}

#[test]
fn the_fast_paths_read_every_corpus_file_as_the_general_path_does() {
    let Some(files) = corpus() else { return };
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        if let Err(e) = same_as_general(&bytes) {
            panic!("{}: {e}", path.display());
        }
    }
}

fn has_duplicate_keys(node: &Node) -> bool {
    match &node.value {
        Value::Object(entries) => {
            let mut keys: Vec<&str> = entries.iter().map(|e| &*e.key).collect();
            keys.sort_unstable();
            keys.windows(2).any(|w| w[0] == w[1]) || entries.iter().any(|e| has_duplicate_keys(&e.value))
        }
        Value::Tuple(items) => items.iter().any(has_duplicate_keys),
        _ => false,
    }
}

#[test]
fn exactly_the_three_known_files_hold_duplicate_keys() {
    let Some(files) = corpus() else { return };
    let dups: Vec<String> = files
        .iter()
        .filter(|p| parse(p).iter().any(|a| has_duplicate_keys(&a.value)))
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        dups,
        [
            "azuread__105-azuread-application-with-optional-claims__configuration.tfvars",
            "compute__kubernetes_services__108-single-cluster-remote-adgroup-admin__aks.tfvars",
            "data_explorer__106-database_principal_assignment__configuration.tfvars",
        ]
    );
}

fn looks_like_version(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn splicing_every_version_like_string_changes_only_its_bytes() {
    let Some(files) = corpus() else { return };
    let mut edited = 0;
    for path in &files {
        let vars = parse(path);
        let old_json = to_json(&vars);
        for (node, json_path, visible) in quoted_strings(&vars)
            .into_iter()
            .filter(|(n, _, _)| n.as_str().is_some_and(looks_like_version))
        {
            let new_version = format!("{}.99", node.as_str().unwrap());
            let edit = replace_string(node, &new_version).unwrap();
            let text = apply(vars.text(), &[edit]);
            let (s, e) = (node.span.start(), node.span.end());
            assert_eq!(
                &text[..s],
                &vars.text()[..s],
                "{}: bytes before the value",
                path.display()
            );
            assert_eq!(
                &text[s + quote(&new_version).len()..],
                &vars.text()[e..],
                "{}: bytes after the value",
                path.display()
            );
            let reparsed =
                TfVars::parse("edited", text.into_bytes()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut expected = old_json.clone();
            if visible {
                set(&mut expected, &json_path, Json::from(new_version));
            }
            assert_eq!(to_json(&reparsed), expected, "{}", path.display());
            edited += 1;
        }
    }
    assert!(edited > 100, "only {edited} version-like strings edited");
    eprintln!("edited {edited} version-like strings across the corpus");
}

//! `pins envs` and `pins show`: the repository model, effective values and errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::fixtures::{layout, tricky};
use common::{pins_in, project_root, Repo};
use serde_json::json;

fn example() -> Repo {
    let f = &tricky()[0];
    Repo::new(&f.pairs())
}

#[test]
fn envs_lists_promotion_order_and_shared_file() {
    let run = pins_in(&project_root(), &["envs"]);
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[1].starts_with("development  development  development.tfvars"),
        "{}",
        run.stdout
    );
    assert!(lines[2].contains("shared-release.tfvars (shared)"));
    assert!(lines[3].starts_with("production"));
    let json = pins_in(&project_root(), &["envs", "--format", "json"]).json();
    assert_eq!(
        json[1]["var_files"],
        json!(["shared-release.tfvars", "data.d/staging.tfvars"])
    );
}

#[test]
fn show_json_has_the_documented_shape() {
    let repo = example();
    let run = repo.pins(&["show", "staging", "--data", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({
            "environment": "staging",
            "pins": {
                "lambda-x": {"version": "1.4.2", "variable": "artifact_versions", "file": "shared-release.tfvars", "line": 2},
                "lambda-y": {"version": "2.0.1", "variable": "artifact_versions", "file": "shared-release.tfvars", "line": 3},
                "frontend_version": {"version": "3.1.4", "variable": "frontend_version", "file": "shared-release.tfvars", "line": 5}
            },
            "data": {
                "artifact_bucket": {"value": "staging-code", "file": "data.d/staging.tfvars", "line": 2},
                "db_endpoint": {"value": "db.staging.internal", "file": "data.d/staging.tfvars", "line": 1}
            }
        })
    );
    let without = repo.pins(&["show", "staging", "--format", "json"]).json();
    assert!(without.get("data").is_none());
}

#[test]
fn show_text_names_file_and_line() {
    let run = example().pins(&["show", "development"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("lambda-x          1.5.0    development.tfvars:2"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_later_map_replaces_the_whole_earlier_map() {
    let f = tricky()
        .into_iter()
        .find(|f| f.name == "map_replaced_by_later_file")
        .unwrap();
    let json = Repo::new(&f.pairs())
        .pins(&["show", "production", "--format", "json"])
        .json();
    let pins = json["pins"].as_object().unwrap();
    assert_eq!(pins.len(), 2, "lambda-y must be gone: {json}");
    assert_eq!(pins["lambda-x"]["version"], "9.9.9");
    assert_eq!(pins["lambda-x"]["file"], "data.d/production.tfvars");
}

#[test]
fn a_data_file_shadowing_a_pin_wins_as_in_terraform() {
    let f = tricky()
        .into_iter()
        .find(|f| f.name == "data_file_shadows_pin")
        .unwrap();
    let json = Repo::new(&f.pairs())
        .pins(&["show", "staging", "--format", "json"])
        .json();
    assert_eq!(json["pins"]["frontend_version"]["version"], "3.0.0-hotfix");
    assert_eq!(json["pins"]["frontend_version"]["file"], "data.d/staging.tfvars");
}

#[test]
fn same_key_in_two_maps_is_named_by_variable() {
    let f = tricky()
        .into_iter()
        .find(|f| f.name == "top_level_pins_and_same_key_in_two_maps")
        .unwrap();
    let json = Repo::new(&f.pairs())
        .pins(&["show", "development", "--format", "json"])
        .json();
    let names: Vec<&String> = json["pins"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["api", "lambdas.worker", "containers.worker"]);
}

#[test]
fn unknown_environment_suggests_the_closest() {
    let run = example().pins(&["show", "prod"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unknown environment `prod` (did you mean `production`?)"),
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_hcl_names_file_line_and_column() {
    let f = layout(
        "bad",
        "a = \"1.0.0\"\nb = {\n  x = \"1\"\n  y \"2\"\n}\n",
        "a = \"1.0.0\"\n",
        ["", "", ""],
    );
    let run = Repo::new(&f.pairs()).pins(&["show", "development"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("development.tfvars:4:5:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("  y \"2\""),
        "the offending line is shown: {}",
        run.stderr
    );
}

#[test]
fn duplicate_top_level_attribute_is_rejected_like_terraform() {
    let f = layout("dup", "a = \"1.0.0\"\na = \"1.0.1\"\n", "a = \"1.0.0\"\n", ["", "", ""]);
    let run = Repo::new(&f.pairs()).pins(&["show", "development"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("development.tfvars:2:1: `a` is defined twice"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_version_the_policy_refuses_is_bad_input() {
    let f = layout("v", "a = \"latest\"\n", "a = \"1.0.0\"\n", ["", "", ""]);
    let repo = Repo::new(&f.pairs());
    for args in [&["show", "development"][..], &["diff", "staging", "development"][..]] {
        let run = repo.pins(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(
            run.stderr
                .contains("development.tfvars:1:5: a = \"latest\" is not a semantic version"),
            "{}",
            run.stderr
        );
    }
    repo.write("pins.hcl", b"policy {\n  opaque_versions = true\n}\n");
    let run = repo.pins(&["diff", "staging", "development", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["changes"][0]["kind"], "changed");
}

#[test]
fn missing_data_file_is_an_error() {
    let repo = Repo::new(&[("development.tfvars", "a = \"1.0.0\"\n"), ("shared-release.tfvars", "")]);
    let run = repo.pins(&["show", "development"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("data.d/development.tfvars does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn pins_hcl_declares_environments_order_and_files() {
    let repo = Repo::new(&[
        ("pins.hcl", "environment \"qa\" {\n  branch = \"main\"\n  pin_file = \"pins/qa.tfvars\"\n  data_files = [\"env/qa.tfvars\", \"env/common.tfvars\"]\n}\nenvironment \"live\" {\n  pin_file = \"pins/live.tfvars\"\n  data_files = []\n}\norder = [\"qa\", \"live\"]\n"),
        ("pins/qa.tfvars", "app = \"2.0.0\"\n"),
        ("pins/live.tfvars", "app = \"1.0.0\"\n"),
        ("env/qa.tfvars", "db = \"qa\"\n"),
        ("env/common.tfvars", "db = \"common\"\n"),
    ]);
    let envs = repo.pins(&["envs", "--format", "json"]).json();
    assert_eq!(envs[0]["branch"], "main");
    assert_eq!(envs[1]["backend_file"], "setup/backends/live.tfbackend");
    let show = repo.pins(&["show", "qa", "--data", "--format", "json"]).json();
    assert_eq!(show["data"]["db"]["value"], "common");
    assert_eq!(repo.pins(&["diff", "qa", "live"]).code, 1);
}

#[test]
fn pins_hcl_paths_must_stay_inside_the_repository() {
    for (path, why) in [("../outside.tfvars", "climbs out"), ("/etc/passwd", "absolute")] {
        let repo = Repo::new(&[(
            "pins.hcl",
            &format!("environment \"a\" {{\n  pin_file = \"{path}\"\n}}\n"),
        )]);
        let run = repo.pins(&["envs"]);
        assert_eq!(run.code, 2, "{path}");
        assert!(run.stderr.contains(why), "{path}: {}", run.stderr);
    }
}

#[test]
fn a_symlink_leading_outside_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.tfvars"), "a = \"1.0.0\"\n").unwrap();
    let f = &tricky()[0];
    let repo = Repo::new(&f.pairs());
    std::fs::remove_file(repo.path().join("development.tfvars")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.tfvars"),
        repo.path().join("development.tfvars"),
    )
    .unwrap();
    let run = repo.pins(&["show", "development"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("leads outside the repository"), "{}", run.stderr);
}

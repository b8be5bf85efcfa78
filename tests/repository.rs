//! The repository model: one file is one file however pins.hcl spells it, `backend_file = false`,
//! every pins.hcl value type-checked with its position, repeated blocks in words, and the files
//! Terraform loads by itself from `module_dir` (checked against real Terraform).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use common::{pins_values, terraform, terraform_run, Repo};
use serde_json::{json, Value};

const DATA: [(&str, &str); 3] = [
    ("data.d/development.tfvars", "db = \"dev\"\n"),
    ("data.d/staging.tfvars", "db = \"stg\"\n"),
    ("data.d/production.tfvars", "db = \"prd\"\n"),
];

fn repo(pins_hcl: &str, extra: &[(&str, &str)]) -> Repo {
    let mut files = vec![
        ("pins.hcl", pins_hcl),
        ("development.tfvars", "app = \"1.1.0\"\n"),
        ("shared-release.tfvars", "app = \"1.0.0\"\n"),
    ];
    files.extend(DATA);
    files.extend(extra);
    Repo::new(&files)
}

const SPELLINGS: &str = r#"environment "development" { backend_file = false }
environment "staging" {
  pin_file     = "./shared-release.tfvars"
  backend_file = false
}
environment "production" {
  pin_file     = "alias.tfvars"
  data_files   = ["data.d//production.tfvars"]
  backend_file = false
}
"#;

fn spellings() -> Repo {
    let repo = repo(SPELLINGS, &[]);
    std::os::unix::fs::symlink("shared-release.tfvars", repo.path().join("alias.tfvars")).unwrap();
    repo
}

#[test]
fn one_file_is_one_file_however_a_path_spells_it() {
    let repo = spellings();
    let envs = repo.pins(&["envs", "--format", "json"]);
    assert_eq!(envs.code, 0, "{}", envs.stderr);
    let pin_files: Vec<Value> = envs
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pin_file"].clone())
        .collect();
    assert_eq!(
        pin_files,
        [
            json!("development.tfvars"),
            json!("shared-release.tfvars"),
            json!("shared-release.tfvars")
        ]
    );
    // The pre-release guard knows staging and production share the file.
    let before = repo.snapshot();
    let run = repo.pins(&["bump", "app", "2.0.0-rc.1", "--env", "production"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("pin file is shared by several environments"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
    // "(shared)": promote names both environments.
    let run = repo.pins(&["promote", "development", "staging"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("affects: staging, production (they share shared-release.tfvars)"),
        "{}",
        run.stdout
    );
    assert!(std::fs::symlink_metadata(repo.path().join("alias.tfvars"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_data_file_that_is_the_pin_file_under_another_name_is_refused() {
    let repo = repo(
        "environment \"development\" {\n  data_files = [\"./development.tfvars\"]\n}\n",
        &[],
    );
    let run = repo.pins(&["envs"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: pins.hcl: environment `development` lists its pin file development.tfvars as a data file too (./development.tfvars)\n"
    );
}

#[test]
fn backend_file_false_means_no_backend_file() {
    let repo = spellings();
    let check = repo.pins(&["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    // Nothing to pass, so `terraform init $(pins tf-args ENV --backend)` still works.
    let run = repo.pins(&["tf-args", "staging", "--backend"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "\n"), "{}", run.stderr);
    let envs = repo.pins(&["envs", "--format", "json"]).json();
    assert_eq!(envs[1]["backend_file"], Value::Null);
}

#[test]
fn every_pins_hcl_value_is_type_checked_at_its_position() {
    let cases = [
        (
            "environment \"a\" { backend_file = 1 }\n",
            "pins.hcl:1:34: `backend_file`: invalid type: integer `1`, expected a path, or false for no backend file",
        ),
        (
            "environment \"a\" { backend_file = var.x }\n",
            "pins.hcl:1:34: `var.x` is an expression; pins.hcl takes literal values only (a quoted string, number, true/false, or a list of them)",
        ),
        (
            "environment \"a\" { branch = false }\n",
            "pins.hcl:1:28: `branch`: invalid type: boolean `false`, expected a string",
        ),
        (
            "order = \"x\"\n",
            "pins.hcl:1:9: `order`: invalid type: string \"x\", expected a sequence",
        ),
        (
            "environment \"a\" { data_files = [\"x\", 2] }\n",
            "pins.hcl:1:38: `data_files`: invalid type: integer `2`, expected a string",
        ),
        (
            "environment \"a\" { backend_file = null }\n",
            "pins.hcl:1:34: `backend_file`: null is not a path; write `backend_file = false` for an environment without a backend file, or leave it out for the default",
        ),
        (
            "policy {\n  allow_prerelease = \"yes\"\n}\n",
            "pins.hcl:2:22: `allow_prerelease`: invalid type: string \"yes\", expected a boolean",
        ),
        (
            "module_dir = [\"infra\"]\n",
            "pins.hcl:1:14: `module_dir`: invalid type: sequence, expected a string",
        ),
        (
            "environment \"a\" {\n  colour = \"red\"\n}\n",
            "pins.hcl:2:3: unknown field `colour`, expected one of `branch`, `pin_file`, `data_files`, `backend_file`",
        ),
    ];
    for (text, expected) in cases {
        let repo = repo(text, &[]);
        let run = repo.pins(&["envs"]);
        assert_eq!(run.code, 2, "{text}");
        let first = run.stderr.lines().next().unwrap();
        assert_eq!(first, format!("error: {expected}"), "{text}");
    }
}

#[test]
fn a_repeated_block_is_reported_in_words() {
    let twice = repo("environment \"a\" {}\n\nenvironment \"a\" {\n}\n", &[]);
    let run = twice.pins(&["envs"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: pins.hcl:3:1: block `environment \"a\"` appears twice; merge the two into one (first at line 1)\n  | environment \"a\" {\n  | ^\n"
    );
    let repo = repo("policy {}\npolicy {}\n", &[]);
    let run = repo.pins(&["envs"]);
    assert!(
        run.stderr
            .starts_with("error: pins.hcl:2:1: block `policy` appears twice; merge the two into one (first at line 1)"),
        "{}",
        run.stderr
    );
}

const INFRA: &str = "module_dir = \"infra\"\n";

fn infra(extra: &[(&str, &str)]) -> Repo {
    let mut files = vec![
        ("infra/terraform.tfvars", "region = \"eu\"\napp = \"0.0.1\"\nsize = 1\n"),
        ("infra/b.auto.tfvars", "size = 2\nzone = \"b\"\n"),
        (
            "infra/a.auto.tfvars",
            "size = 3\nzone = \"a\"\nlegacy = { x = \"1.0.0\" }\n",
        ),
        ("infra/notes.tfvars", "ignored = true\n"),
        ("setup/backends/development.tfbackend", "path = \"dev.tfstate\"\n"),
        ("setup/backends/staging.tfbackend", "path = \"stg.tfstate\"\n"),
        ("setup/backends/production.tfbackend", "path = \"prd.tfstate\"\n"),
    ];
    files.extend(extra);
    repo(INFRA, &files)
}

#[test]
fn auto_loaded_files_join_every_environment_below_its_var_files() {
    let repo = infra(&[]);
    let show = repo.pins(&["show", "staging", "--data", "--format", "json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let show = show.json();
    assert_eq!(
        show["pins"]["app"]["version"], "1.0.0",
        "the pin file wins over terraform.tfvars"
    );
    let data = &show["data"];
    assert_eq!(data["region"]["file"], "infra/terraform.tfvars");
    // *.auto.tfvars by name, after terraform.tfvars: b wins over a, both over terraform.tfvars.
    assert_eq!(data["size"]["value"], 2);
    assert_eq!(data["zone"]["value"], "b");
    assert_eq!(data["db"]["value"], "stg");
    assert!(data.get("ignored").is_none(), "only auto-loaded names are loaded");
}

#[test]
fn check_flags_a_pin_set_in_an_auto_loaded_file() {
    let repo = infra(&[]);
    let run = repo.pins(&["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    let found: Vec<(String, String, Value)> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "auto-loaded-pin")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["line"].clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "infra/terraform.tfvars".to_string(),
                "infra/terraform.tfvars sets pin `app`, and Terraform loads this file for every environment: the pin would skip promotion".to_string(),
                json!(2)
            ),
            (
                "infra/a.auto.tfvars".to_string(),
                "infra/a.auto.tfvars sets pin `legacy`, and Terraform loads this file for every environment: the pin would skip promotion".to_string(),
                json!(3)
            ),
        ]
    );
}

#[test]
fn tf_args_are_written_from_the_module_dir() {
    let repo = infra(&[]);
    let run = repo.pins(&["tf-args", "production"]);
    assert_eq!(
        run.stdout,
        "-var-file=../shared-release.tfvars -var-file=../data.d/production.tfvars\n"
    );
    let run = repo.pins(&["tf-args", "production", "--backend"]);
    assert_eq!(run.stdout, "-backend-config=../setup/backends/production.tfbackend\n");
    let json = repo.pins(&["tf-args", "production", "--format", "json"]).json();
    assert_eq!(json["module_dir"], "infra");
    assert_eq!(
        json["var_files"],
        json!(["shared-release.tfvars", "data.d/production.tfvars"])
    );
}

#[test]
fn show_agrees_with_terraform_run_in_the_module_dir() {
    let Some(tf) = terraform() else { return };
    let repo = infra(&[]);
    let infra = repo.path().join("infra");
    for env in ["development", "staging", "production"] {
        let show = repo.pins(&["show", env, "--data", "--format", "json"]).json();
        let expected = pins_values(&show);
        let names: Vec<String> = expected.keys().cloned().collect();
        // A module in infra/ declaring every variable; Terraform runs there with pins' arguments.
        let module = tempfile::tempdir().unwrap();
        let outputs = {
            let args: Vec<String> = repo.pins(&["tf-args", env, "--format", "json"]).json()["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            let mut main = String::new();
            for v in &names {
                main.push_str(&format!(
                    "variable \"{v}\" {{\n  type    = any\n  default = null\n}}\noutput \"{v}\" {{\n  value = var.{v}\n}}\n"
                ));
            }
            std::fs::write(infra.join("main.tf"), main).unwrap();
            let mut apply: Vec<String> = ["apply", "-auto-approve", "-input=false", "-no-color"]
                .map(String::from)
                .to_vec();
            apply.push(format!("-state={}", module.path().join("t.tfstate").display()));
            apply.extend(args);
            terraform_run(&tf, &infra, &apply);
            let state = format!("-state={}", module.path().join("t.tfstate").display());
            let out: Value =
                serde_json::from_str(&terraform_run(&tf, &infra, &["output".into(), state, "-json".into()])).unwrap();
            out.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v["value"].clone()))
                .collect::<serde_json::Map<String, Value>>()
        };
        assert_eq!(expected, outputs, "{env}: pins show vs Terraform in infra/");
    }
}

#[test]
fn auto_loaded_json_var_files_join_at_their_place_and_check_flags_their_pins() {
    let json_file = "{\n  \"region\": \"us\",\n  \"zone\": \"json\",\n  \"tool\": \"3.1.4\"\n}\n";
    let repo = infra(&[
        ("infra/terraform.tfvars.json", json_file),
        ("infra/c.auto.tfvars.json", "{\"zone\": \"c\"}"),
    ]);
    let show = repo.pins(&["show", "staging", "--data", "--format", "json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let data = &show.json()["data"];
    // terraform.tfvars, then terraform.tfvars.json, then *.auto.tfvars(.json) by name.
    assert_eq!(data["region"]["value"], "us");
    assert_eq!(data["region"]["file"], "infra/terraform.tfvars.json");
    assert_eq!(data["zone"]["value"], "c");
    let run = repo.pins(&["check", "--format", "json"]);
    let found: Vec<(Value, Value)> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "auto-loaded-pin" && f["file"] == "infra/terraform.tfvars.json")
        .map(|f| (f["message"].clone(), f["line"].clone()))
        .collect();
    assert_eq!(
        found,
        [(
            json!("infra/terraform.tfvars.json sets pin `tool`, and Terraform loads this file for every environment: the pin would skip promotion"),
            json!(4)
        )]
    );
}

#[test]
fn a_symlink_alias_is_the_same_file_at_a_git_revision() {
    let repo = spellings();
    repo.git(&["init", "-q"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "layout"]);
    let show = repo.pins(&["show", "production@HEAD", "--format", "json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert_eq!(show.json()["pins"]["app"]["file"], "shared-release.tfvars");
}

//! `record --plan` and `verify --plan` against real Terraform plans: every input pins does not
//! model (`-var`, an extra `-var-file`, `TF_VAR_*`, an auto-loaded file) is planned by Terraform
//! first, then caught. Bad plans are refused with exit 2 and nothing written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{terraform, Repo, Run};
use serde_json::Value;

const MAIN_TF: &str = r#"variable "artifact_versions" {
  type    = map(string)
  default = {}
}
variable "new_versions" {
  type    = map(string)
  default = {}
}
variable "frontend" {
  type    = string
  default = null
}
variable "db" {
  type = string
}
output "deployed" {
  value = [var.artifact_versions, var.new_versions, var.frontend]
}
"#;

const DEV: &str =
    "artifact_versions = {\n  lambda-x = \"1.5.0\"\n}\nnew_versions = {\n  svc = \"1.0.0\"\n}\nfrontend = \"3.2.0\"\n";
const SHARED: &str = "artifact_versions = {\n  lambda-x = \"1.4.2\"\n}\nfrontend = \"3.1.4\"\n";

/// The default layout with a Terraform configuration, committed on branch `staging`.
fn repo() -> Repo {
    let repo = Repo::new(&[
        ("main.tf", MAIN_TF),
        ("development.tfvars", DEV),
        ("shared-release.tfvars", SHARED),
        ("data.d/development.tfvars", "db = \"dev\"\n"),
        ("data.d/staging.tfvars", "db = \"stg\"\n"),
        ("data.d/production.tfvars", "db = \"prd\"\n"),
        (".gitignore", "*.json\ntfplan*\n.terraform*\nhotfix.tfvars\n"),
    ]);
    repo.git(&["init", "-q", "-b", "staging"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "tested"]);
    repo
}

/// Plans `env` with pins' var-files and `extra` arguments and `env_vars`, writes the binary plan
/// to `NAME` and its JSON to `NAME.json`, and returns the JSON.
fn plan(tf: &Path, repo: &Repo, env: &str, name: &str, extra: &[&str], env_vars: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new(tf);
    cmd.current_dir(repo.path())
        .args(["plan", "-input=false", "-no-color", &format!("-out={name}")])
        .args([
            "-var-file=shared-release.tfvars".to_string(),
            format!("-var-file=data.d/{env}.tfvars"),
        ])
        .args(extra)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .envs(env_vars.iter().copied());
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "terraform plan: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let show = Command::new(tf)
        .current_dir(repo.path())
        .args(["show", "-json", "-no-color", name])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        show.status.success(),
        "terraform show: {}",
        String::from_utf8_lossy(&show.stderr)
    );
    repo.write(&format!("{name}.json"), &show.stdout);
    serde_json::from_slice(&show.stdout).unwrap()
}

fn planned<'a>(plan: &'a Value, variable: &str) -> &'a Value {
    &plan["variables"][variable]["value"]
}

/// Each input that pins does not model, with what Terraform then plans and the cause pins names.
struct Override {
    name: &'static str,
    extra: Vec<&'static str>,
    env: Vec<(&'static str, &'static str)>,
    auto_file: Option<&'static str>,
    variable: &'static str,
    planned: Value,
    message: &'static str,
}

fn overrides() -> Vec<Override> {
    let new = "new_versions = {\n  svc = \"1.0.0\"\n}\n";
    vec![
        Override {
            name: "var",
            extra: vec!["-var=frontend=3.2.0"],
            env: vec![],
            auto_file: None,
            variable: "frontend",
            planned: "3.2.0".into(),
            message: "frontend: the var-files give 3.1.4 (shared-release.tfvars:4:12), Terraform planned 3.2.0; a `-var` flag or an extra `-var-file` on the plan command line overrides it",
        },
        Override {
            name: "var-file",
            extra: vec!["-var-file=hotfix.tfvars"],
            env: vec![],
            auto_file: None,
            variable: "artifact_versions",
            planned: serde_json::json!({"lambda-x": "1.5.0"}),
            message: "artifact_versions.lambda-x: the var-files give 1.4.2 (shared-release.tfvars:2:14), Terraform planned 1.5.0; a `-var` flag or an extra `-var-file` on the plan command line overrides it",
        },
        Override {
            name: "tf-var",
            extra: vec![],
            env: vec![("TF_VAR_new_versions", "{svc = \"1.0.0\"}")],
            auto_file: None,
            variable: "new_versions",
            planned: serde_json::json!({"svc": "1.0.0"}),
            message: "new_versions.svc: the var-files leave it unset, Terraform planned 1.0.0; a `-var` flag, an extra `-var-file`, TF_VAR_new_versions in the environment, or an auto-loaded terraform.tfvars / *.auto.tfvars file sets it",
        },
        Override {
            name: "auto-file",
            extra: vec![],
            env: vec![],
            auto_file: Some(new),
            variable: "new_versions",
            planned: serde_json::json!({"svc": "1.0.0"}),
            message: "new_versions.svc: the var-files leave it unset, Terraform planned 1.0.0; a `-var` flag, an extra `-var-file`, TF_VAR_new_versions in the environment, or an auto-loaded terraform.tfvars / *.auto.tfvars file sets it",
        },
    ]
}

/// Plans staging and records the pins of that plan in `staging.json`, as CI does after testing.
fn record_staging_from_its_plan(tf: &Path, repo: &Repo) -> Run {
    plan(tf, repo, "staging", "staging.tfplan", &[], &[]);
    let run = repo.pins(&[
        "record",
        "staging",
        "--plan",
        "staging.tfplan.json",
        "--out",
        "staging.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[test]
fn a_clean_plan_records_and_verifies() {
    let Some(tf) = terraform() else { return };
    let repo = repo();
    let run = record_staging_from_its_plan(&tf, &repo);
    assert!(
        run.stdout
            .starts_with("recorded staging: 2 pins planned in staging.tfplan.json, sha256:"),
        "{}",
        run.stdout
    );
    plan(&tf, &repo, "production", "prod.tfplan", &[], &[]);
    for plan_file in ["prod.tfplan.json", "prod.tfplan"] {
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_pins"))
            .current_dir(repo.path())
            .args(["verify", "production", "--plan", plan_file, "--tested", "staging.json"])
            .env("PINS_TERRAFORM", &tf)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let verdict = stdout.lines().last().unwrap_or_default();
        assert!(
            verdict.starts_with(&format!(
                "ok: production (Terraform plan {plan_file}) deploys exactly the pins tested in staging (record "
            )),
            "{stdout}"
        );
    }
    let run = repo.pins(&[
        "verify",
        "production",
        "--plan",
        "prod.tfplan.json",
        "--tested-ref",
        "staging",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn every_override_terraform_plans_is_caught() {
    let Some(tf) = terraform() else { return };
    let repo = repo();
    record_staging_from_its_plan(&tf, &repo);
    repo.write("hotfix.tfvars", b"artifact_versions = {\n  lambda-x = \"1.5.0\"\n}\n");
    for case in overrides() {
        if let Some(text) = case.auto_file {
            repo.write("zz.auto.tfvars", text.as_bytes());
        }
        let name = format!("{}.tfplan", case.name);
        let json = plan(&tf, &repo, "production", &name, &case.extra, &case.env);
        // Terraform itself planned the override, so the test proves something.
        assert_eq!(planned(&json, case.variable), &case.planned, "{}", case.name);
        let plan_json = format!("{name}.json");
        for tested in [["--tested", "staging.json"], ["--tested-ref", "staging"]] {
            let run = repo.pins(&["verify", "production", "--plan", &plan_json, tested[0], tested[1]]);
            assert_eq!(run.code, 1, "{}: {}{}", case.name, run.stdout, run.stderr);
            assert!(
                run.stdout.contains("FAIL: production (Terraform plan"),
                "{}",
                run.stdout
            );
        }
        let before = repo.snapshot();
        let run = repo.pins(&["record", "production", "--plan", &plan_json]);
        assert_eq!(run.code, 2, "{}: {}", case.name, run.stdout);
        assert_eq!(
            run.stderr,
            format!("error: {plan_json} does not plan the pins that production's var-files give (nothing written):\n  {}\nPlan with exactly `terraform plan $(pins tf-args production)`, without other -var or -var-file arguments, TF_VAR_ pin variables or auto-loaded pin files.\n", case.message),
            "{}",
            case.name
        );
        assert_eq!(repo.snapshot(), before, "{}", case.name);
        // Without --plan, pins' own resolution does not see the override: that is the gap.
        let run = repo.pins(&["verify", "production", "--tested", "staging.json"]);
        assert_eq!(run.code, 0, "{}: {}", case.name, run.stdout);
        let _ = std::fs::remove_file(repo.path().join("zz.auto.tfvars"));
    }
}

#[test]
fn a_binary_plan_is_read_through_terraform_show() {
    let Some(tf) = terraform() else { return };
    let repo = repo();
    plan(&tf, &repo, "production", "var.tfplan", &["-var=frontend=3.2.0"], &[]);
    let run = Command::new(env!("CARGO_BIN_EXE_pins"))
        .current_dir(repo.path())
        .args(["record", "production", "--plan", "var.tfplan"])
        .env("PINS_TERRAFORM", &tf)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("frontend: the var-files give 3.1.4"), "{stderr}");
    let run = Command::new(env!("CARGO_BIN_EXE_pins"))
        .current_dir(repo.path())
        .args(["record", "production", "--plan", "var.tfplan"])
        .env("PINS_TERRAFORM", "/nonexistent/terraform")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("running `/nonexistent/terraform show -json`"),
        "{stderr}"
    );
}

/// A minimal JSON plan with these variables.
fn json_plan(variables: Value) -> String {
    serde_json::json!({"format_version": "1.2", "variables": variables}).to_string()
}

#[test]
fn bad_plans_are_refused_with_exit_2_and_nothing_written() {
    let repo = repo();
    let good = serde_json::json!({
        "artifact_versions": {"value": {"lambda-x": "1.4.2"}},
        "new_versions": {"value": {}},
        "frontend": {"value": "3.1.4"},
        "db": {"value": "prd"},
    });
    repo.write("good.json", json_plan(good.clone()).as_bytes());
    let run = repo.pins(&["record", "production", "--plan", "good.json", "--out", "ok.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(repo.pins(&["record", "staging", "--out", "staging.json"]).code, 0);
    let mut other_env = good.clone();
    other_env["db"]["value"] = "stg".into();
    let mut other_config = good.clone();
    other_config.as_object_mut().unwrap().remove("frontend");
    let cases: Vec<(&str, String, &str)> = vec![
        ("not-json.json", "<plan/>\n".into(), "error: not-json.json is not a Terraform JSON plan (expected value at line 1 column 1); write one with `terraform show -json tfplan > plan.json`\n"),
        ("truncated.json", json_plan(good.clone())[..40].to_string(), "error: truncated.json is not a Terraform JSON plan (EOF while parsing"),
        ("no-variables.json", r#"{"format_version":"1.2","planned_values":{}}"#.into(), "error: no-variables.json has no `variables`: it is a plan of a configuration that declares no variables, so not of this repository's configuration\n"),
        ("other-config.json", json_plan(other_config), "error: other-config.json does not declare variable `frontend`, which the pin file sets: it is a plan of another configuration\n"),
        ("other-env.json", json_plan(other_env), "error: other-env.json is not a plan of production as its files say: variable `db` is \"stg\" in the plan, but data.d/production.tfvars:1:1 sets \"prd\"; plan with exactly the arguments of `pins tf-args production`\n"),
        ("nested.json", json_plan(serde_json::json!({"frontend": {"value": ["3.1.4"]}, "artifact_versions": {"value": {}}})), "error: nested.json: variable `frontend` is planned as [\"3.1.4\"], not a version or a map of versions\n"),
    ];
    for (file, text, message) in cases {
        repo.write(file, text.as_bytes());
        let before = repo.snapshot();
        for args in [
            vec!["record", "production", "--plan", file],
            vec!["verify", "production", "--plan", file, "--tested", "staging.json"],
        ] {
            let run = repo.pins(&args);
            assert_eq!(run.code, 2, "{file}: {}", run.stdout);
            assert!(run.stderr.starts_with(message), "{file}: {}", run.stderr);
        }
        assert_eq!(repo.snapshot(), before, "{file}");
    }
}

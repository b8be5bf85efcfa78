//! `pins init`: scaffolding, and migrations of hand-made one-tfvars-per-environment repositories
//! whose every environment Terraform must see exactly as before (real Terraform when available).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{pins_in, terraform, terraform_run, terraform_values, Repo};
use serde_json::Value;

const ENVS: [&str; 3] = ["development", "staging", "production"];

/// The repository the flow started from: one file per environment mixing versions and data,
/// backends as `setup/backends/<env>.tf` (-backend-config files).
fn original_flow() -> Vec<(&'static str, String)> {
    let env = |name: &str, lambda: &str, front: &str, replicas: u8| {
        format!(
            "# {name}\n\n# Lambda versions, bumped by CI\nartifact_versions = {{\n  lambda-x = \"{lambda}\"\n  lambda-y = \"2.0.1\"\n}}\nfrontend_version = \"{front}\" # the SPA\n\ndb_endpoint     = \"db.{name}.internal\"\nartifact_bucket = \"{name}-code\"\nreplicas        = {replicas}\ntags = {{\n  team = \"payments\"\n}}\n"
        )
    };
    let mut files = vec![
        ("development.tfvars", env("development", "1.5.0", "v3.2.0", 1)),
        ("staging.tfvars", env("staging", "1.4.2", "v3.1.4", 2)),
        ("production.tfvars", env("production", "1.4.2", "v3.1.4", 3)),
    ];
    for (name, path) in [
        ("development", "setup/backends/development.tf"),
        ("staging", "setup/backends/staging.tf"),
        ("production", "setup/backends/production.tf"),
    ] {
        files.push((path, format!("path = \"terraform-state/{name}.tfstate\"\n")));
    }
    files
}

fn repo_of(files: &[(&str, String)]) -> Repo {
    let pairs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    Repo::new(&pairs)
}

/// A copy of `repo` as it is now, to ask Terraform about the files before a migration.
fn copy(repo: &Repo) -> Repo {
    let before = Repo::new(&[]);
    for (path, bytes) in repo.snapshot() {
        before.write(path.to_str().unwrap(), &bytes);
    }
    before
}

fn var_files(root: &Path, env: &str) -> Vec<PathBuf> {
    let run = pins_in(root, &["tf-args", env, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = run.json()["var_files"].as_array().unwrap().clone();
    files.iter().map(|f| root.join(f.as_str().unwrap())).collect()
}

/// Every variable the environment sets, from pins' view after the migration.
fn declared(root: &Path, env: &str) -> Vec<String> {
    let run = pins_in(root, &["show", env, "--data", "--format", "json"]);
    assert_eq!(run.code, 0, "{env}: {}", run.stderr);
    let show = run.json();
    let mut names: Vec<String> = show["pins"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p["variable"].as_str().unwrap().to_string())
        .chain(show["data"].as_object().unwrap().keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Terraform's values of every environment are the same before (the old var-files, in order)
/// and after (pins' var-files), except the variables in `changed` of production.
fn assert_terraform_equal(before: &Repo, old_files: &BTreeMap<&str, Vec<&str>>, after: &Repo, changed: &[&str]) {
    let Some(tf) = terraform() else { return };
    for env in ENVS {
        let names = declared(after.path(), env);
        let old: Vec<PathBuf> = old_files[env].iter().map(|f| before.path().join(f)).collect();
        let mut was = terraform_values(&tf, &names, &old);
        let mut is = terraform_values(&tf, &names, &var_files(after.path(), env));
        assert!(!is.is_empty(), "{env}: no values");
        if env == "production" {
            for name in changed {
                assert_ne!(was.remove(*name), is.remove(*name), "{env}: {name} should change");
            }
        }
        assert_eq!(was, is, "{env}: Terraform sees other values after the migration");
    }
}

fn default_inputs() -> BTreeMap<&'static str, Vec<&'static str>> {
    BTreeMap::from([
        ("development", vec!["development.tfvars"]),
        ("staging", vec!["staging.tfvars"]),
        ("production", vec!["production.tfvars"]),
    ])
}

#[test]
fn original_flow_migrates_without_changing_what_terraform_sees() {
    let repo = repo_of(&original_flow());
    let before = copy(&repo);
    let run = repo.pins(&["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "rewrote development.tfvars\ncreated shared-release.tfvars\ncreated data.d/development.tfvars\ncreated data.d/staging.tfvars\ncreated data.d/production.tfvars\ncreated pins.hcl\nremoved staging.tfvars\nremoved production.tfvars\nnext: `pins check`, then `pins tf-args ENV` gives each environment's -var-file arguments\n"
    );
    // development.tfvars keeps its header and its pins, byte for byte, without its data.
    assert_eq!(
        repo.read("development.tfvars"),
        "# development\n\n# Lambda versions, bumped by CI\nartifact_versions = {\n  lambda-x = \"1.5.0\"\n  lambda-y = \"2.0.1\"\n}\nfrontend_version = \"v3.2.0\" # the SPA\n"
    );
    assert_eq!(
        repo.read("shared-release.tfvars"),
        "# Pins of staging and production: one file, so production deploys exactly what staging tested.\n# Artifact versions only; environment data lives in data.d/<env>.tfvars.\n\n# Lambda versions, bumped by CI\nartifact_versions = {\n  lambda-x = \"1.4.2\"\n  lambda-y = \"2.0.1\"\n}\nfrontend_version = \"v3.1.4\" # the SPA\n"
    );
    assert_eq!(
        repo.read("data.d/production.tfvars"),
        "# Environment data of production: endpoints, buckets, settings. Never versions: those are pins.\n\ndb_endpoint     = \"db.production.internal\"\nartifact_bucket = \"production-code\"\nreplicas        = 3\ntags = {\n  team = \"payments\"\n}\n"
    );
    assert!(!repo.path().join("staging.tfvars").exists());
    assert!(repo
        .read("pins.hcl")
        .contains("backend_file = \"setup/backends/staging.tf\""));
    let check = repo.pins(&["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let backend = repo.pins(&["tf-args", "production", "--backend"]);
    assert_eq!(backend.stdout, "-backend-config=setup/backends/production.tf\n");
    assert_terraform_equal(&before, &default_inputs(), &repo, &[]);
}

#[test]
fn original_flow_backends_still_initialise_terraform() {
    let Some(tf) = terraform() else { return };
    let mut files = original_flow();
    files.push(("main.tf", "terraform {\n  backend \"local\" {}\n}\nvariable \"replicas\" {}\noutput \"replicas\" {\n  value = var.replicas\n}\n".into()));
    files.push(("variables.tf", "variable \"artifact_versions\" {}\nvariable \"frontend_version\" {}\nvariable \"db_endpoint\" {}\nvariable \"artifact_bucket\" {}\nvariable \"tags\" {}\n".into()));
    let repo = repo_of(&files);
    assert_eq!(repo.pins(&["init"]).code, 0);
    for (env, replicas) in [("staging", 2), ("production", 3)] {
        let backend = repo.pins(&["tf-args", env, "--backend"]).stdout;
        let vars = repo.pins(&["tf-args", env]).stdout;
        let mut args = vec![
            "init".to_string(),
            "-input=false".into(),
            "-reconfigure".into(),
            "-no-color".into(),
        ];
        args.extend(backend.split_whitespace().map(String::from));
        terraform_run(&tf, repo.path(), &args);
        let mut apply = vec![
            "apply".to_string(),
            "-auto-approve".into(),
            "-input=false".into(),
            "-no-color".into(),
        ];
        apply.extend(vars.split_whitespace().map(String::from));
        terraform_run(&tf, repo.path(), &apply);
        assert!(
            repo.path().join(format!("terraform-state/{env}.tfstate")).exists(),
            "{env}"
        );
        let out: Value =
            serde_json::from_str(&terraform_run(&tf, repo.path(), &["output".into(), "-json".into()])).unwrap();
        assert_eq!(out["replicas"]["value"], replicas, "{env}");
    }
}

/// Odd names given with --from, two files for production, CRLF, a byte-order mark, heredocs,
/// quoted keys, comments of every kind, and classification overrides.
#[test]
fn odd_repository_with_from_and_overrides() {
    let dev = "\u{feff}// dev\r\napi_image = \"2.0.0\"\r\nlog_level = \"debug\"\r\n/* the\r\n   functions */\r\nfns = { a = \"1.0.0\", \"b\" = \"v1.1.0\" }\r\nschema_version = \"4.0.0\"\r\nbanner = <<EOT\r\nhello\r\nEOT\r\n";
    let stage = "api_image = \"1.9.0\"\nlog_level = \"info\"\nfns = {\n  a   = \"1.0.0\" # pinned\n  \"b\" = \"v1.1.0\"\n}\nschema_version = \"3.0.0\"\nbanner = <<-EOT\n  hi\n  EOT\nsizes = [1, 2]\n";
    let prod = "api_image = \"1.9.0\"\nfns = {\n  a = \"1.0.0\"\n  b = \"v1.1.0\"\n}\n";
    let prod_extra = "log_level = \"warn\"\nschema_version = \"2.0.0\"\nbanner = \"hey\"\nsizes = [3]\n";
    let repo = Repo::new(&[
        ("env/d.tfvars", dev),
        ("env/s.tfvars", stage),
        ("env/p.tfvars", prod),
        ("env/p-extra.tfvars", prod_extra),
    ]);
    let before = copy(&repo);
    let run = repo.pins(&[
        "init",
        "--from",
        "development=env/d.tfvars",
        "--from",
        "staging=env/s.tfvars",
        "--from",
        "production=env/p.tfvars",
        "--from",
        "production=env/p-extra.tfvars",
        "--data",
        "schema_version",
        "--backends",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        repo.read("development.tfvars"),
        "# Pins of development: artifact versions only (pins bump, pins promote).\r\n\r\n// dev\r\napi_image = \"2.0.0\"\r\n/* the\r\n   functions */\r\nfns = { a = \"1.0.0\", \"b\" = \"v1.1.0\" }\r\n"
    );
    assert_eq!(
        repo.read("data.d/development.tfvars"),
        "# Environment data of development: endpoints, buckets, settings. Never versions: those are pins.\r\n\r\nlog_level = \"debug\"\r\nschema_version = \"4.0.0\"\r\nbanner = <<EOT\r\nhello\r\nEOT\r\n"
    );
    assert_eq!(
        repo.read("data.d/production.tfvars"),
        "# Environment data of production: endpoints, buckets, settings. Never versions: those are pins.\n\nlog_level = \"warn\"\nschema_version = \"2.0.0\"\nbanner = \"hey\"\nsizes = [3]\n"
    );
    assert!(!repo.path().join("pins.hcl").exists(), "--backends: the defaults fit");
    assert!(repo.path().join("setup/backends/staging.tfbackend").exists());
    assert!(!repo.path().join("env/p-extra.tfvars").exists());
    let check = repo.pins(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    let inputs = BTreeMap::from([
        ("development", vec!["env/d.tfvars"]),
        ("staging", vec!["env/s.tfvars"]),
        ("production", vec!["env/p.tfvars", "env/p-extra.tfvars"]),
    ]);
    assert_terraform_equal(&before, &inputs, &repo, &[]);
}

/// `envs/<env>.tfvars`, no backend files: pins.hcl turns the backend files off.
#[test]
fn envs_folder_without_backends() {
    let file = |v: &str, db: &str| format!("app = \"{v}\"\ndb = \"{db}\"\n");
    let files = vec![
        ("envs/development.tfvars", file("1.1.0", "dev")),
        ("envs/staging.tfvars", file("1.0.0", "stg")),
        ("envs/production.tfvars", file("1.0.0", "prd")),
    ];
    let repo = repo_of(&files);
    let before = copy(&repo);
    let run = repo.pins(&["init", "--keep"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(repo.read("pins.hcl").contains("backend_file = false"));
    assert!(repo.path().join("envs/staging.tfvars").exists(), "--keep");
    assert_eq!(
        repo.read("development.tfvars"),
        "# Pins of development: artifact versions only (pins bump, pins promote).\n\napp = \"1.1.0\"\n"
    );
    let backend = repo.pins(&["tf-args", "staging", "--backend"]);
    assert_eq!((backend.code, backend.stdout.as_str()), (0, "\n"));
    assert_eq!(repo.pins(&["check"]).code, 0);
    let inputs: BTreeMap<&str, Vec<&str>> = ENVS
        .iter()
        .zip([
            "envs/development.tfvars",
            "envs/staging.tfvars",
            "envs/production.tfvars",
        ])
        .map(|(e, f)| (*e, vec![f]))
        .collect();
    assert_terraform_equal(&before, &inputs, &repo, &[]);
}

#[test]
fn release_from_changes_exactly_the_listed_pins() {
    let mut files = original_flow();
    files[2].1 = files[2].1.replace("\"v3.1.4\"", "\"v3.1.3\"");
    let repo = repo_of(&files);
    let before = copy(&repo);
    let refused = repo.pins(&["init"]);
    assert_eq!(refused.code, 2);
    assert_eq!(
        refused.stderr,
        "error: cannot migrate:\nstaging and production pin different versions, and after the migration they share shared-release.tfvars:\n  `frontend_version`: staging \"v3.1.4\" at staging.tfvars:8:20, production \"v3.1.3\" at production.tfvars:8:20\n  help: align them first, or pass --release-from staging (or production) to say whose pins the shared file takes\n"
    );
    assert_eq!(repo.snapshot(), before.snapshot(), "refused: nothing written");
    let run = repo.pins(&["init", "--release-from", "staging"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("release: `frontend_version`: staging \"v3.1.4\""),
        "{}",
        run.stdout
    );
    assert_terraform_equal(&before, &default_inputs(), &repo, &["frontend_version"]);
}

#[test]
fn empty_folder_is_scaffolded() {
    let repo = Repo::new(&[]);
    let run = repo.pins(&["init", "--backends"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files: Vec<String> = repo.snapshot().keys().map(|p| p.display().to_string()).collect();
    assert_eq!(
        files,
        [
            "data.d/development.tfvars",
            "data.d/production.tfvars",
            "data.d/staging.tfvars",
            "development.tfvars",
            "setup/backends/development.tfbackend",
            "setup/backends/production.tfbackend",
            "setup/backends/staging.tfbackend",
            "shared-release.tfvars",
        ]
    );
    assert_eq!(repo.pins(&["check"]).stdout, "ok: 5 files, 0 pins, no findings\n");
    let again = repo.pins(&["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already uses pins' layout"), "{}", again.stderr);
    let bare = Repo::new(&[]);
    assert_eq!(bare.pins(&["init"]).code, 0);
    assert!(bare.read("pins.hcl").contains("backend_file = false"));
    assert_eq!(bare.pins(&["check"]).code, 0);
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let repo = Repo::new(&[
        ("development.tfvars", "app = \"1.1.0\"\ndb = \"dev\"\n"),
        ("staging.tfvars", "app = \"1.0.0\"\ndb = \"stg\"\n"),
        ("production.tfvars", "app = \"1.0.0\"\ndb = \"prd\"\n"),
        ("setup/backends/development.tfbackend", ""),
        ("setup/backends/staging.tfbackend", ""),
        ("setup/backends/production.tfbackend", ""),
    ]);
    let before = repo.snapshot();
    let run = repo.pins(&["init", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
    let expected = "--- a/development.tfvars
+++ b/development.tfvars
@@ -1,2 +1 @@
 app = \"1.1.0\"
-db = \"dev\"
--- /dev/null
+++ b/shared-release.tfvars
@@ -0,0 +1,4 @@
+# Pins of staging and production: one file, so production deploys exactly what staging tested.
+# Artifact versions only; environment data lives in data.d/<env>.tfvars.
+
+app = \"1.0.0\"
--- /dev/null
+++ b/data.d/development.tfvars
@@ -0,0 +1,3 @@
+# Environment data of development: endpoints, buckets, settings. Never versions: those are pins.
+
+db = \"dev\"
--- /dev/null
+++ b/data.d/staging.tfvars
@@ -0,0 +1,3 @@
+# Environment data of staging: endpoints, buckets, settings. Never versions: those are pins.
+
+db = \"stg\"
--- /dev/null
+++ b/data.d/production.tfvars
@@ -0,0 +1,3 @@
+# Environment data of production: endpoints, buckets, settings. Never versions: those are pins.
+
+db = \"prd\"
--- a/staging.tfvars
+++ /dev/null
@@ -1,2 +0,0 @@
-app = \"1.0.0\"
-db = \"stg\"
--- a/production.tfvars
+++ /dev/null
@@ -1,2 +0,0 @@
-app = \"1.0.0\"
-db = \"prd\"
would rewrite development.tfvars
would create shared-release.tfvars
would create data.d/development.tfvars
would create data.d/staging.tfvars
would create data.d/production.tfvars
would remove staging.tfvars
would remove production.tfvars
";
    assert_eq!(run.stdout, expected);
}

/// Each bad input: exit 2, a message naming the place, and not a byte written.
#[test]
fn bad_input_is_refused_with_nothing_written() {
    let good = |db: &str| format!("app = \"1.0.0\"\ndb = \"{db}\"\n");
    let base = vec![
        ("development.tfvars", good("dev")),
        ("staging.tfvars", good("stg")),
        ("production.tfvars", good("prd")),
    ];
    let with = |path: &'static str, text: &str| {
        let mut files = base.clone();
        files.retain(|(p, _)| *p != path);
        files.push((path, text.to_string()));
        files
    };
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "existing target",
            with("data.d/staging.tfvars", "db = \"old\"\n"),
            vec![],
            "error: data.d/staging.tfvars already exists and would be overwritten; move it away or pass --force\n",
        ),
        (
            "unreadable file",
            with("staging.tfvars", "app = \"1.0.0\"\ndb = \n"),
            vec![],
            "staging.tfvars:2:6: ",
        ),
        (
            "defined in two inputs",
            with("prod-extra.tfvars", "db = \"other\"\n"),
            vec!["--from", "development=development.tfvars", "--from", "staging=staging.tfvars", "--from", "production=production.tfvars", "--from", "production=prod-extra.tfvars"],
            "prod-extra.tfvars:1:6: `db` is set for production twice, here and at production.tfvars:2:6; keep one definition",
        ),
        (
            "data not in parity",
            with("production.tfvars", "app = \"1.0.0\"\ndb = \"prd\"\nextra = 1\n"),
            vec![],
            "production.tfvars:3:9: staging does not set `extra`, which production sets here; environments sharing shared-release.tfvars must define the same data [parity]",
        ),
        (
            "a pin that is not a version",
            with("production.tfvars", "app = \"latest\"\ndb = \"prd\"\n"),
            vec![],
            "production.tfvars:1:7: pin `app` is not a valid version: `latest` is not a semantic version",
        ),
        (
            "forced pin that is not a version",
            base.clone(),
            vec!["--pin", "db"],
            "development.tfvars:2:6: pin `db` is not a valid version: `dev` is not a semantic version",
        ),
        ("unknown override", base.clone(), vec!["--data", "ap"], "`ap` (--pin/--data) is set in no input file (did you mean `app`?)"),
        ("missing environment", with("production.tfvars", "").into_iter().filter(|(p, _)| *p != "production.tfvars").collect(), vec![], "no input file for production"),
    ];
    for (label, files, args, expected) in cases {
        let repo = repo_of(&files);
        let before = repo.snapshot();
        let mut argv = vec!["init"];
        argv.extend(args);
        let run = repo.pins(&argv);
        assert_eq!(run.code, 2, "{label}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(expected), "{label}: {}", run.stderr);
        assert_eq!(repo.snapshot(), before, "{label}: nothing written");
    }
}

#[test]
fn force_overwrites_an_existing_target() {
    let repo = Repo::new(&[
        ("development.tfvars", "app = \"1.0.0\"\n"),
        ("staging.tfvars", "app = \"1.0.0\"\n"),
        ("production.tfvars", "app = \"1.0.0\"\n"),
        ("data.d/staging.tfvars", "db = \"old\"\n"),
    ]);
    let run = repo.pins(&["init", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "created shared-release.tfvars\ncreated data.d/development.tfvars\nrewrote data.d/staging.tfvars\ncreated data.d/production.tfvars\ncreated pins.hcl\nremoved staging.tfvars\nremoved production.tfvars\nnext: `pins check`, then `pins tf-args ENV` gives each environment's -var-file arguments\n"
    );
}

/// A file that cannot be written (its folder is a file) stops the migration before any file is
/// replaced or removed.
#[test]
fn a_failed_write_changes_nothing() {
    let repo = Repo::new(&[
        ("development.tfvars", "app = \"1.1.0\"\ndb = \"dev\"\n"),
        ("staging.tfvars", "app = \"1.0.0\"\ndb = \"stg\"\n"),
        ("production.tfvars", "app = \"1.0.0\"\ndb = \"prd\"\n"),
        ("data.d", "not a folder\n"),
    ]);
    let before = repo.snapshot();
    let run = repo.pins(&["init"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("error: creating the folder of data.d/development.tfvars"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn json_var_files_are_refused() {
    let repo = Repo::new(&[("prod.tfvars.json", "{}")]);
    let run = repo.pins(&["init", "--from", "production=prod.tfvars.json"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: --from production=prod.tfvars.json: pins init reads HCL .tfvars files; convert prod.tfvars.json to HCL first\n"
    );
}

#[test]
fn json_output_has_the_documented_shape() {
    let repo = Repo::new(&[
        ("development.tfvars", "app = \"1.1.0\"\n"),
        ("staging.tfvars", "app = \"1.0.0\"\n"),
        ("production.tfvars", "app = \"1.0.0\"\n"),
    ]);
    let run = repo.pins(&["init", "--dry-run", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["mode", "inputs", "files", "release_changes", "notes", "dry_run"]);
    assert_eq!(json["mode"], "migrate");
    assert_eq!(
        json["inputs"],
        serde_json::json!(["development.tfvars", "staging.tfvars", "production.tfvars"])
    );
    let removed = &json["files"].as_array().unwrap().last().unwrap();
    assert_eq!(removed["path"], "production.tfvars");
    assert_eq!(removed["new"], Value::Null);
    assert_eq!(removed["old"], "app = \"1.0.0\"\n");
    let refused = repo.pins(&["init", "--format", "markdown"]);
    assert_eq!(refused.code, 2);
    assert!(repo.path().join("staging.tfvars").exists());
}

//! The reports of `pins envs`, `pins tf-args` and `pins env`: environments and their files.

use serde::Serialize;

use super::{plain_table, Report, Style};
use crate::repo::{Environment, Repo};

/// One environment as `envs --format json` lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EnvironmentRow {
    pub name: String,
    pub branch: String,
    pub pin_file: String,
    pub data_files: Vec<String>,
    pub backend_file: Option<String>,
    pub var_files: Vec<String>,
    /// Whether other environments read the same pin file.
    #[serde(skip)]
    pub shared: bool,
}

/// `--format json` of `envs`: the environments in promotion order.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub(crate) struct EnvsReport(pub Vec<EnvironmentRow>);

impl EnvsReport {
    /// Every environment of `repo`.
    pub(crate) fn of(repo: &Repo) -> Self {
        EnvsReport(repo.environments().iter().map(|e| row(repo, e)).collect())
    }
}

fn row(repo: &Repo, e: &Environment) -> EnvironmentRow {
    EnvironmentRow {
        name: e.name.clone(),
        branch: e.branch.clone(),
        pin_file: e.pin_file.clone(),
        data_files: e.data_files.clone(),
        backend_file: e.backend_file.clone(),
        var_files: e.var_files().into_iter().map(str::to_string).collect(),
        shared: repo.sharing(&e.pin_file).len() > 1,
    }
}

impl Report for EnvsReport {
    fn text(&self, _: Style) -> String {
        let rows: Vec<Vec<String>> = self
            .0
            .iter()
            .map(|e| {
                let shared = if e.shared { " (shared)" } else { "" };
                let backend = e.backend_file.clone().unwrap_or_default();
                vec![
                    e.name.clone(),
                    e.branch.clone(),
                    format!("{}{shared}", e.pin_file),
                    e.data_files.join(", "),
                    backend,
                ]
            })
            .collect();
        plain_table(&["ENVIRONMENT", "BRANCH", "PIN FILE", "DATA FILES", "BACKEND"], &rows)
    }
}

/// `--format json` of `tf-args`; its text is the arguments on one shell-safe line.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TfArgsReport {
    pub environment: String,
    /// Where Terraform runs; `args` are written from there, `var_files` from the repository root.
    pub module_dir: String,
    pub var_files: Vec<String>,
    pub backend_file: Option<String>,
    pub args: Vec<String>,
}

impl Report for TfArgsReport {
    fn text(&self, _: Style) -> String {
        let quoted: Vec<String> = self.args.iter().map(|a| shell_quote(a)).collect();
        format!("{}\n", quoted.join(" "))
    }
}

/// Quotes an argument for a POSIX shell when it holds anything but plain path characters.
fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_=./@+,:".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// `--format json` of `env`: the environment a branch deploys.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BranchReport {
    pub branch: String,
    pub environment: String,
}

impl Report for BranchReport {
    fn text(&self, _: Style) -> String {
        format!("{}\n", self.environment)
    }
}

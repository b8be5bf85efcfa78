//! `pins tf-args ENV`: the `-var-file` (and `-backend-config`) arguments for Terraform.

use anyhow::Result;

use crate::output::{Ctx, OutputArgs};
use crate::repo::Repo;
use crate::report::environments::TfArgsReport;
use crate::Outcome;

/// Arguments of `pins tf-args`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment.
    env: String,
    /// Print the `-backend-config=…` argument for `terraform init` instead.
    #[arg(long)]
    backend: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Prints the arguments, with paths as seen from the module folder (where Terraform runs).
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let repo = Repo::open(&ctx.root)?;
    let env = repo.environment(&args.env)?;
    let var_files: Vec<String> = env.var_files().into_iter().map(str::to_string).collect();
    let list = match (args.backend, &env.backend_file) {
        (true, Some(b)) => vec![format!("-backend-config={}", repo.from_module_dir(b))],
        // `backend_file = false`: nothing, so `terraform init $(pins tf-args ENV --backend)` still works.
        (true, None) => Vec::new(),
        (false, _) => var_files
            .iter()
            .map(|f| format!("-var-file={}", repo.from_module_dir(f)))
            .collect(),
    };
    let report = TfArgsReport {
        environment: env.name.clone(),
        module_dir: match repo.module_dir() {
            "" => ".".into(),
            dir => dir.into(),
        },
        var_files,
        backend_file: env.backend_file.clone(),
        args: list,
    };
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::Clean)
}

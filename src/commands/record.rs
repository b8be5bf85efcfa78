//! `pins record ENV`: write a release record after ENV's deploy and tests passed.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::artifacts::inventory::tested_artifacts;
use crate::output::{Ctx, OutputArgs};
use crate::record::Record;
use crate::repo::Repo;
use crate::report::record::RecordReport;
use crate::resolve::{check_versions, resolve};
use crate::source::head_commit;
use crate::write::write_new;
use crate::Outcome;

/// Arguments of `pins record`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The environment that was deployed and tested.
    env: String,
    /// Where to write the record (default: .pins/records/ENV.json in the repository).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also record each artifact's content digest (SHA-256 of its bytes), for `verify --artifacts`:
    /// the store's SHA-256 checksum where the object has one, else the bytes downloaded and hashed.
    #[arg(long)]
    artifacts: bool,
    /// With --artifacts: download and hash every artifact, even where the store keeps a checksum.
    #[arg(long, requires = "artifacts")]
    download: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Writes the record.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    args.output.require::<RecordReport>()?;
    let repo = Repo::open(&ctx.root)?;
    let env = repo.environment(&args.env)?;
    let effective = resolve(&repo, env)?;
    check_versions(&effective, repo.policy())?;
    let (commit, dirty) = head_commit(repo.root());
    let mut record = Record::new(&env.name, &effective.pins, commit, dirty, std::time::SystemTime::now());
    if args.artifacts {
        record = record.with_artifacts(tested_artifacts(&repo, &effective, args.download)?);
    }
    let out = args
        .out
        .unwrap_or_else(|| repo.root().join(repo.records_dir()).join(format!("{}.json", env.name)));
    let mut text = serde_json::to_string_pretty(&record)?;
    text.push('\n');
    write_new(&out, text.as_bytes()).with_context(|| format!("writing the record {}", out.display()))?;
    ctx.emit(&args.output, &RecordReport::new(&record, out.display().to_string()))?;
    Ok(Outcome::Clean)
}

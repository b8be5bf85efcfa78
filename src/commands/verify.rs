//! `pins verify ENV`: the CI gate. Exit 1 when ENV's effective pins differ in any way from the
//! tested ones: a release record, or the tested environment at a git revision.

use anyhow::{anyhow, bail, Context, Result};

use crate::commands::diff::{Comparison, Format, Side, View};
use crate::commands::{print, Ctx};
use crate::diff::compare_pins;
use crate::record::Record;
use crate::repo::split_spec;
use crate::Outcome;

/// Arguments of `pins verify`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("tested_set").required(true).args(["tested", "tested_ref"])))]
pub struct Args {
    /// The environment about to be deployed, optionally `ENV@REV`.
    env: String,
    /// A release record written by `pins record`.
    #[arg(long, value_name = "FILE")]
    tested: Option<std::path::PathBuf>,
    /// A git revision holding the tested environment's files, e.g. origin/staging.
    #[arg(long, value_name = "REV")]
    tested_ref: Option<String>,
    /// The environment that was tested (default: the one ENV is promoted from).
    #[arg(long, value_name = "ENV")]
    tested_env: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Verifies the environment against the tested set.
pub fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let target = Side::load(ctx, &args.env)?;
    let tested_env = match &args.tested_env {
        Some(name) => target.repo.environment(name)?.name.clone(),
        None => target
            .repo
            .predecessor(&target.effective.environment)
            .map(|e| e.name.clone())
            .ok_or_else(|| {
                anyhow!(
                    "{} is first in the promotion order; say which environment was tested with --tested-env",
                    split_spec(&args.env).0
                )
            })?,
    };
    let mut tested = None;
    let comparison = match (&args.tested, &args.tested_ref) {
        (Some(file), _) => against_record(&target, file, &tested_env)?,
        (None, Some(rev)) => Comparison::new(
            tested.insert(Side::load(ctx, &format!("{tested_env}@{rev}"))?),
            &target,
            false,
            false,
        ),
        (None, None) => bail!("pass --tested FILE or --tested-ref REV"),
    };
    let mut text = comparison.render(args.format, false, ctx.style);
    if args.format == Format::Text {
        text.push_str(&verdict(&comparison));
    }
    print(&text)?;
    Ok(Outcome::findings_if(comparison.differs()))
}

fn against_record<'a>(target: &'a Side, file: &std::path::Path, tested_env: &str) -> Result<Comparison<'a>> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("reading the record {shown}"))?;
    let record = Record::parse(&shown, &text)?;
    if record.environment != tested_env {
        bail!("{shown} records environment `{}`, but {} must match what was tested in `{tested_env}`; pass --tested-env {} if that is intended", record.environment, target.effective.environment.name, record.environment);
    }
    let from = View {
        environment: record.environment.clone(),
        revision: record.commit.clone(),
        label: format!(
            "{} (record {})",
            record.environment,
            record
                .commit
                .as_deref()
                .map_or("without commit".to_string(), super::record::short)
        ),
        pin_file: None,
    };
    let pins = compare_pins(&record.to_pins(), &target.effective.pins, false);
    Ok(Comparison::of(from, target.view(), pins, None))
}

fn verdict(comparison: &Comparison) -> String {
    if comparison.differs() {
        format!(
            "FAIL: {} would deploy pins that were not tested in {}\n",
            comparison.to.label, comparison.from.label
        )
    } else {
        format!(
            "ok: {} deploys exactly the pins tested in {}\n",
            comparison.to.label, comparison.from.label
        )
    }
}

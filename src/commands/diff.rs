//! `pins diff FROM TO`: what promoting FROM into TO would change in TO, from the tree or from git.

use anyhow::Result;

use crate::diff::{compare_data, compare_pins, Side};
use crate::output::{Ctx, OutputArgs};
use crate::report::comparison::{ComparisonReport, View, Wording};
use crate::report::Format;
use crate::Outcome;

/// Arguments of `pins diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment promoted from, optionally `ENV@REV`.
    from: String,
    /// The environment promoted into, optionally `ENV@REV`: each row is its version now and the
    /// one it would get from FROM.
    to: String,
    /// Also list pins that are equal.
    #[arg(long)]
    all: bool,
    /// Also compare environment data (shown apart, never a finding).
    #[arg(long)]
    data: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Compares two environments the way `promote FROM TO` would change TO.
pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
    let from = Side::load(&ctx.root, &args.from)?;
    let to = Side::load(&ctx.root, &args.to)?;
    let pins = compare_pins(&to.effective.pins, &from.effective.pins, args.all);
    let data = args
        .data
        .then(|| compare_data(&to.effective.data, &from.effective.data));
    let patch = match args.output.format {
        Format::Patch => to.promotion_patch(&from)?,
        _ => String::new(),
    };
    let report =
        ComparisonReport::new(View::of(&from), View::of(&to), pins, data, Wording::Promotion).with_patch(patch);
    ctx.emit(&args.output, &report)?;
    Ok(Outcome::findings_if(report.differs()))
}

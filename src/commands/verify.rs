//! placeholder
use anyhow::Result;
use crate::commands::Ctx;
use crate::Outcome;
#[derive(Debug, clap::Args)]
pub struct Args {}
pub fn run(_ctx: &Ctx, _args: Args) -> Result<Outcome> { anyhow::bail!("not yet") }

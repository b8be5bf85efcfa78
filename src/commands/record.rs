//! placeholder
use crate::commands::Ctx;
use crate::Outcome;
use anyhow::Result;
#[derive(Debug, clap::Args)]
pub struct Args {}
pub fn run(_ctx: &Ctx, _args: Args) -> Result<Outcome> {
    anyhow::bail!("not yet")
}

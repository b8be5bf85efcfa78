//! One module per subcommand: its `Args` and its `run`, which parses nothing else, calls the
//! core and hands one report to [`crate::output::Ctx::emit`]. No command imports another.

pub(crate) mod artifacts;
pub(crate) mod bump;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod diff;
pub(crate) mod env;
pub(crate) mod envs;
pub(crate) mod hold;
pub(crate) mod init;
pub(crate) mod log;
pub(crate) mod man;
pub(crate) mod outdated;
pub(crate) mod promote;
pub(crate) mod record;
pub(crate) mod rollback;
pub(crate) mod show;
pub(crate) mod status;
pub(crate) mod tf_args;
pub(crate) mod unhold;
pub(crate) mod verify;

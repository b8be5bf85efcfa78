//! One module per subcommand: its `Args` and its `run`, which parses nothing else, calls the
//! core and hands one report to [`crate::output::Ctx::emit`]. No command imports another.

pub mod artifacts;
pub mod bump;
pub mod check;
pub mod completions;
pub mod diff;
pub mod env;
pub mod envs;
pub mod init;
pub mod log;
pub mod man;
pub mod promote;
pub mod record;
pub mod rollback;
pub mod show;
pub mod status;
pub mod tf_args;
pub mod verify;

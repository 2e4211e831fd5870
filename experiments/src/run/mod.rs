//! `wsbench run` and `wsbench merge`: experiment sweeps.
use crate::error::{CliError, CliResult};

/// Arguments of `wsbench run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {}

/// Arguments of `wsbench merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {}

/// Runs `wsbench run`.
pub fn main(_args: RunArgs) -> CliResult {
    Err(CliError::usage("wsbench run: not implemented yet"))
}

/// Runs `wsbench merge`.
pub fn merge_main(_args: MergeArgs) -> CliResult {
    Err(CliError::usage("wsbench merge: not implemented yet"))
}

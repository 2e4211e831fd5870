//! `wsbench topology`.
use crate::error::{CliError, CliResult};

/// Arguments of `wsbench topology`.
#[derive(Debug, clap::Args)]
pub struct TopologyArgs {}

/// Runs `wsbench topology`.
pub fn main(_args: TopologyArgs) -> CliResult {
    Err(CliError::usage("wsbench topology: not implemented yet"))
}

//! `wsbench workload generate|describe`.
use crate::error::{CliError, CliResult};

/// Arguments of `wsbench workload`.
#[derive(Debug, clap::Args)]
pub struct WorkloadArgs {}

/// Runs `wsbench workload`.
pub fn main(_args: WorkloadArgs) -> CliResult {
    Err(CliError::usage("wsbench workload: not implemented yet"))
}

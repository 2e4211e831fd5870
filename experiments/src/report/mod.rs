//! `wsbench report`: tables and SVG figures from a results folder.
use crate::error::{CliError, CliResult};

/// Arguments of `wsbench report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {}

/// Runs `wsbench report`.
pub fn main(_args: ReportArgs) -> CliResult {
    Err(CliError::usage("wsbench report: not implemented yet"))
}

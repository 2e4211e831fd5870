//! `wsbench factor [N ...]`.
use crate::error::{CliError, CliResult};

/// Arguments of `wsbench factor`.
#[derive(Debug, clap::Args)]
pub struct FactorArgs {}

/// Runs `wsbench factor`.
pub fn main(_args: FactorArgs) -> CliResult {
    Err(CliError::usage("wsbench factor: not implemented yet"))
}

//! `wsbench report DIR [DIR...] [--out DIR]`: the report crate's tables and figures for
//! results folders (see `wsbench_report`).

use crate::error::{CliError, CliResult};
use std::path::PathBuf;
use wsbench_report::ReportError;
use wsbench_schema::Layout;

/// Arguments of `wsbench report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Results folders written by `wsbench run` (give several to compare machines).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Folder to write report.md and the SVGs into [default: FIRST_DIR/report].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs `wsbench report`.
pub fn main(args: ReportArgs) -> CliResult {
    let dirs = wsbench_report::load_all(&args.dirs)?;
    let out = args
        .out
        .unwrap_or_else(|| Layout::new(&args.dirs[0]).report_dir());
    let md = wsbench_report::write_report(&dirs, &out)?;
    println!("wrote {}", md.display());
    Ok(())
}

/// A results folder the report cannot read is the user's to fix (exit 2).
impl From<ReportError> for CliError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Input(msg) => CliError::Usage(msg),
            ReportError::Failed(e) => CliError::Failed(e),
        }
    }
}

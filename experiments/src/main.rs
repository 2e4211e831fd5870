//! The `wsbench` binary: parse, dispatch, map errors to exit codes.
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = wsbench::Cli::parse();
    match wsbench::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wsbench: {e}");
            e.exit_code()
        }
    }
}

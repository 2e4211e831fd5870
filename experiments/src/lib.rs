//! The `wsbench` command-line tool, as a library so that tests can call it.
//!
//! One module per verb; `main.rs` only parses the command line and maps errors
//! to exit codes (see [`error`]).
#![deny(missing_docs)]

pub mod build_info;
pub mod calibrate_cmd;
pub mod error;
pub mod factor_cmd;
pub mod hdr;
pub mod report_cmd;
pub mod run;
pub mod simulate_cmd;
pub mod targets;
pub mod topology_cmd;
pub mod tune;
pub mod workload_cmd;

use clap::{Parser, Subcommand};

/// wsbench: work-stealing scheduling experiments.
#[derive(Debug, Parser)]
#[command(name = "wsbench", version = build_info::VERSION_LINE, about)]
pub struct Cli {
    /// The verb to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs of `wsbench`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate or describe a deterministic number set.
    Workload(workload_cmd::WorkloadArgs),
    /// Factorize numbers (arguments, or stdin one a line).
    Factor(factor_cmd::FactorArgs),
    /// Show the machine's topology and where a placement puts workers.
    Topology(topology_cmd::TopologyArgs),
    /// Run an experiment sweep (the embedded default without a config).
    Run(run::RunArgs),
    /// Merge shard result folders into one.
    Merge(run::MergeArgs),
    /// Write tables and SVG figures for a results folder.
    Report(report_cmd::ReportArgs),
    /// Find the best placement, worker count and schedule for a config or a command.
    Tune(Box<tune::TuneArgs>),
    /// Measure the scheduler's balance, overhead and wake-up targets beside rayon.
    Targets(targets::TargetsArgs),
    /// Measure what each scheduler operation costs here, for `simulate`.
    Calibrate(calibrate_cmd::CalibrateArgs),
    /// Simulate a config's cells past this machine (or validate against a measured folder).
    Simulate(simulate_cmd::SimulateArgs),
}

/// Runs one parsed command line.
pub fn dispatch(cli: Cli) -> error::CliResult {
    match cli.command {
        Command::Workload(a) => workload_cmd::main(a),
        Command::Factor(a) => factor_cmd::main(a),
        Command::Topology(a) => topology_cmd::main(a),
        Command::Run(a) => run::main(a),
        Command::Merge(a) => run::merge_main(a),
        Command::Report(a) => report_cmd::main(a),
        Command::Targets(a) => targets::main(a),
        Command::Tune(a) => tune::main(*a),
        Command::Calibrate(a) => calibrate_cmd::main(a),
        Command::Simulate(a) => simulate_cmd::main(a),
    }
}

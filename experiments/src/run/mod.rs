//! `wsbench run` and `wsbench merge`: experiment sweeps.
//!
//! One module per concern:
//! * [`config`] — the TOML file, checked into an [`config::Experiment`];
//! * [`workload`] — the workload kinds, one module each (keys, `--quick`, building);
//! * [`strategy`] — what a cell runs (the scheduler's schedules, rayon, serial, OpenMP, chili);
//! * [`policy`] — our pool's stealing policy (`victim_order`, `steal`);
//! * [`plan`] — cells, interleaved rounds, shards;
//! * [`execute`] — one run of one cell (`baseline_runs`: its OpenMP and chili arms;
//!   [`recursive_runs`]: recursive workloads on `join`, rayon and chili, and `halving`);
//!   [`timed`] — the timed region every strategy shares; [`outcome`] — what a run
//!   measured, and its imbalance metrics; [`threads`] — worker thread ids and the
//!   kernel's migration counts;
//! * [`record`] — per-worker latency histograms and the clock; [`trace`] — per-task
//!   traces (`trace = true`) and their Chrome trace event files;
//! * [`output`] — a run's percentile rows, `.hgrm` text and interval logs (every path, row
//!   type and unit of the results folder is [`wsbench_schema`]'s);
//! * [`meta`] — what `meta.json` says about the build and the machine;
//! * [`resume`] — what a folder already holds;
//! * `setup` — checks before any work (config, placements, output folder);
//! * [`sweep`] — the loop that ties them together, and `writer`, the one owner of the
//!   files a sweep writes;
//! * [`merge`] — joining shard folders;
//! * [`summary`] — the table printed at the end.

mod baseline_runs;
pub mod config;
pub mod execute;
pub mod host;
pub mod merge;
pub mod meta;
pub mod outcome;
pub mod output;
pub mod plan;
pub mod policy;
pub mod record;
pub mod recursive_runs;
pub mod resume;
pub(crate) mod setup;
pub mod strategy;
pub mod summary;
pub mod sweep;
pub mod threads;
pub mod timed;
pub mod trace;
pub mod workload;
mod writer;

use std::path::PathBuf;

use crate::error::CliResult;

/// Arguments of `wsbench run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Experiment file (TOML). Without it, the embedded default experiment runs
    /// (experiments/configs/default.toml).
    pub config: Option<PathBuf>,
    /// Output folder (default: wsbench-results/<name>/<UTC timestamp>/ in the current
    /// folder, printed at start). Must not hold results yet.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Finish an interrupted sweep in DIR. Alone, it takes the config, --quick, --workers
    /// and --repetitions from DIR's meta.json; a config file or option given must say the same.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// Shrink the experiment for a smoke test: at most 2 repetitions, no warmup, a tenth of the tasks.
    #[arg(long)]
    pub quick: bool,
    /// Replace the config's `workers` (e.g. `1,2,4,16` or `all`), to run a shipped config
    /// on a bigger or smaller machine; recorded in meta.json like every other setting.
    #[arg(long, value_name = "LIST", value_parser = config::parse_workers_arg)]
    pub workers: Option<::std::vec::Vec<usize>>,
    /// Replace the config's `repetitions` (counted runs per cell, at least 1), e.g. for
    /// tighter medians on a noisy machine; recorded in meta.json like every other setting.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub repetitions: Option<u32>,
    /// Run only every n-th cell starting at i (0 ≤ i < n), e.g. 0/4; join the folders with `wsbench merge`.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<String>,
    /// Print the experiment as it would run (defaults filled in), as a config file that
    /// `wsbench run` takes as it is, and exit.
    #[arg(long)]
    pub dry_run: bool,
    /// Trace every task of every run (as `trace = true` in the config): one Chrome trace
    /// event file per cell in traces/ (open it in ui.perfetto.dev); turns latency
    /// recording on.
    #[arg(long)]
    pub trace: bool,
    /// Testing aid: behave as if Ctrl-C came after this many runs (warmup included).
    #[arg(long, hide = true)]
    pub stop_after: Option<usize>,
    /// Testing aid: corrupt the checksum of the K-th run (0-based, warmup included), to
    /// check that a mismatch fails loudly and keeps the rows already written.
    #[arg(long, hide = true)]
    pub corrupt_run: Option<usize>,
}

/// Arguments of `wsbench merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard folders (one per shard of the same sweep).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The merged folder (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Runs `wsbench run`.
pub fn main(args: RunArgs) -> CliResult {
    sweep::run(args)
}

/// Runs `wsbench merge`.
pub fn merge_main(args: MergeArgs) -> CliResult {
    merge::merge(args)
}

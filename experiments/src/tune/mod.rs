//! `wsbench tune`: the best placement, worker count and schedule for a config's workloads
//! or for the user's own program, with the evidence.
//!
//! * [`space`] — the candidates: a pure function of the topology and the options;
//! * [`race`] — the racing (pure, generic over a [`race::Measurer`]), with [`stats`];
//! * [`bench`] — measuring a config's workloads through `run`'s executor;
//! * [`command`] — measuring the user's command (`--command`);
//! * [`state`] — `runs.jsonl`, appended per run, and the replay that resumes a folder;
//! * [`output`] — `tune.json`, `tune.md`, `race.svg`; [`syntax`] — the winner in every
//!   tool's words;
//! * `setup` — the options checked into a [`setup::Plan`] before anything runs.

pub mod bench;
pub mod command;
pub mod output;
pub mod race;
mod setup;
pub mod space;
pub mod state;
pub mod stats;
pub mod syntax;

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{CliError, CliResult};
use race::{End, Outcome};

/// Arguments of `wsbench tune`.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
pub struct TuneArgs {
    /// Experiment file (TOML) whose workloads are the objective (the sum of their
    /// makespans); without it and without --command, the embedded default experiment.
    pub config: Option<PathBuf>,
    /// Tune this command instead (run through `sh -c`); placeholders {workers}, {cpus},
    /// {omp_places}, {omp_proc_bind}, {schedule}.
    #[arg(long, value_name = "CMD", conflicts_with = "config")]
    pub command: Option<String>,
    /// Output folder (default: wsbench-results/tune/<UTC timestamp>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Finish an interrupted tune in DIR, with the options it was started with.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// Stop starting rounds after this long (e.g. 90s, 5m, 1h; counted in this process, so
    /// a resumed tune gets it again) or this many runs in all (300runs).
    #[arg(long, value_name = "DURATION|RUNS")]
    pub budget: Option<String>,
    /// Run every candidate --rounds times, dropping none (for validation).
    #[arg(long)]
    pub exhaustive: bool,
    /// The most rounds (--exhaustive runs exactly this many).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub rounds: usize,
    /// Rounds before the first candidate may be dropped.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub min_rounds: usize,
    /// Confidence level of the drops and of a tie, e.g. 0.95 or 95%.
    #[arg(long, default_value = "95%", value_name = "LEVEL")]
    pub confidence: String,
    /// The test that drops a candidate: friedman (F-race: ranks within rounds, Conover's
    /// post-hoc comparison with the best), t (paired t-test on log ratios, and slower in
    /// most rounds) or sign (exact, distribution-free, needs more rounds).
    #[arg(long, value_enum, default_value_t = race::Test::Friedman)]
    pub test: race::Test,
    /// Candidates within this of the winner count as a tie (e.g. 1%).
    #[arg(long, default_value = "1%", value_name = "PERCENT")]
    pub tie: String,
    /// Worker counts to try (e.g. 1,2 or all); default 1, 2, 4, … and all allowed CPUs.
    #[arg(long, value_name = "LIST", value_parser = crate::run::config::parse_workers_arg)]
    pub workers: Option<::std::vec::Vec<usize>>,
    /// Placements to try, separated by `;` (CPU lists contain commas), e.g. 'spread;cores;0-3'.
    #[arg(long, value_name = "P;P…")]
    pub placements: Option<String>,
    /// Strategies to try (config mode), separated by `;`, e.g. 'static;dynamic:16;omp:dynamic,4'.
    #[arg(long, value_name = "S;S…", conflicts_with = "command")]
    pub strategies: Option<String>,
    /// Also try OpenMP's loop schedules (omp:static, omp:dynamic,1, omp:guided…; config mode).
    #[arg(long, conflicts_with = "strategies")]
    pub omp: bool,
    /// Take the worker counts, placements and strategies from the config's `workers`,
    /// `placements` and `strategies` keys (a flag given still wins).
    #[arg(long, conflicts_with = "command")]
    pub config_space: bool,
    /// Do not vary the stealing policy (victim order, steal amount) of work-stealing and adaptive.
    #[arg(long)]
    pub no_policies: bool,
    /// OMP_SCHEDULE values to try (--command), separated by `;` as they contain commas:
    /// 'static;dynamic,16;guided'. Default: static.
    #[arg(long, value_name = "S;S…", requires = "command")]
    pub schedules: Option<String>,
    /// Objective of --command: the first capture group of this regex in its output
    /// (lower is better unless --maximize); default: wall time.
    #[arg(long, value_name = "REGEX", requires = "command")]
    pub metric: Option<String>,
    /// A larger --metric is better.
    #[arg(long, requires = "metric")]
    pub maximize: bool,
    /// Kill a --command run after this long (e.g. 30s); it fails its candidate.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10m",
        requires = "command"
    )]
    pub timeout: String,
    /// Shrink the config's workloads as `wsbench run --quick` does.
    #[arg(long)]
    pub quick: bool,
    /// Seed of the order within rounds.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the candidates and exit (with --root, for a sysfs snapshot).
    #[arg(long)]
    pub list: bool,
    /// With --list: read sysfs under DIR instead of this machine (as `wsbench topology --root`).
    #[arg(long, value_name = "DIR", requires = "list")]
    pub root: Option<PathBuf>,
    /// Testing aid: behave as if Ctrl-C came after this many runs.
    #[arg(long, hide = true)]
    #[serde(skip)]
    pub stop_after: Option<usize>,
}

/// A confidence level in words.
pub trait ConfidenceText {
    /// `0.95` → "95%".
    fn percent(&self) -> String;
}

impl ConfidenceText for f64 {
    fn percent(&self) -> String {
        format!("{}%", (self * 1000.0).round() / 10.0)
    }
}

/// Runs `wsbench tune`.
pub fn main(args: TuneArgs) -> CliResult {
    let plan = setup::plan(args)?;
    if plan.args.list {
        for (i, c) in plan.candidates.iter().enumerate() {
            let aliases = if c.aliases.is_empty() {
                String::new()
            } else {
                format!(" (same CPUs as {})", c.aliases.join(", "))
            };
            println!("{i}\t{c}{aliases}");
        }
        println!("{} candidates", plan.candidates.len());
        return Ok(());
    }
    // Everything that can be refused is checked (and the workloads built) before the folder.
    let mut live = setup::live(&plan)?;
    let (dir, _lock) = setup::folder(&plan)?;
    eprintln!("wsbench: tune folder: {}", dir.display());
    let recorded = setup::recorded(&dir, &plan)?;
    let names: Vec<String> = plan.candidates.iter().map(ToString::to_string).collect();
    crate::run::sweep::install_ctrlc();
    let progress = progress_bar(plan.candidates.len(), plan.opts.max_rounds);
    let (bar, bar2) = (progress.clone(), progress.clone());
    let mut replay = state::Replay {
        recorded: recorded
            .iter()
            .map(|l| ((l.candidate, l.round), l.clone()))
            .collect::<HashMap<_, _>>(),
        live: live.as_mut(),
        log: state::Log::open(&dir).map_err(CliError::Failed)?,
        names,
        after: Box::new(move |_| bar.inc(1)),
        round: Box::new(move |r, left| {
            bar2.set_message(format!("round {} · {left} candidates left", r + 1));
        }),
    };
    let outcome = race::race(plan.candidates.len(), &plan.opts, &mut replay);
    progress.finish_and_clear();
    finish(&plan, &dir, &outcome)
}

fn progress_bar(candidates: usize, rounds: usize) -> ProgressBar {
    let p = ProgressBar::with_draw_target(
        Some((candidates * rounds) as u64),
        ProgressDrawTarget::stderr(),
    );
    p.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos} runs (at most {len}) · {elapsed} elapsed · {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    p
}

/// Writes the outputs, prints the winner, and maps the end to an exit.
fn finish(plan: &setup::Plan, dir: &std::path::Path, o: &Outcome) -> CliResult {
    let values = setup::values(dir, plan.candidates.len(), o.rounds);
    output::write(dir, &plan.title, &plan.candidates, o, &plan.opts, &values)
        .map_err(CliError::Failed)?;
    println!("{}", output::end_text(o, &plan.opts));
    if let Some(b) = o.best {
        println!("winner: {}\n", plan.candidates[b]);
        print!("{}", syntax::all(&plan.candidates[b]));
    }
    println!(
        "results: {} ({} runs, {} rounds; exhaustive would run {})",
        dir.display(),
        o.runs,
        o.rounds,
        plan.candidates.len() * plan.opts.max_rounds
    );
    match &o.end {
        End::Aborted(why) if why == "interrupted" => Err(CliError::Interrupted(format!(
            "finish with `wsbench tune --resume {}`",
            crate::run::sweep::shell_word(&dir.display().to_string())
        ))),
        End::Aborted(why) => Err(CliError::Failed(anyhow::anyhow!("{why}"))),
        End::NoneLeft => Err(CliError::Failed(anyhow::anyhow!(
            "every candidate failed; see {}",
            dir.join(output::MD).display()
        ))),
        _ => Ok(()),
    }
}

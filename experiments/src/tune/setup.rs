//! Before anything runs: the options checked into a [`Plan`] (every error a usage error,
//! exit 2, before a folder is made), then the folder, its state, and the live measurer.

use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use topology::placement::Placement;
use topology::Topology;

use super::bench::{Bench, Work};
use super::command::{CommandRunner, Objective, PLACEHOLDERS};
use super::race::Options;
use super::space::{candidates, why_empty, Candidate, SpaceOptions};
use super::state::{self, Live, RunLine};
use super::TuneArgs;
use crate::error::{CliError, CliResult};
use crate::run::config::Experiment;
use crate::run::setup::{lock_folder, read_experiment, FolderLock};
use crate::run::strategy::Strategy;

/// The options file of a tune folder (what `--resume` restarts with).
pub const ARGS_FILE: &str = "tune-args.json";

/// A checked tune.
pub struct Plan {
    /// The options (from the folder's `tune-args.json` on `--resume`).
    pub args: TuneArgs,
    /// The machine.
    pub topology: Topology,
    /// The candidates.
    pub candidates: Vec<Candidate>,
    /// How the race runs.
    pub opts: Options,
    /// What is tuned, for titles.
    pub title: String,
    /// The time budget.
    pub time_budget: Option<Duration>,
    /// Config mode: the experiment and the folder its workload paths start from.
    pub experiment: Option<(Experiment, PathBuf)>,
}

fn usage(msg: impl std::fmt::Display) -> CliError {
    CliError::usage(msg)
}

/// `90s`, `5m`, `1h`, `2.5m` → a duration.
pub fn parse_duration(flag: &str, s: &str) -> CliResult<Duration> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let scale = match unit {
        "ms" => 0.001,
        "s" | "" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    match num.parse::<f64>() {
        Ok(v) if v > 0.0 && scale.is_finite() && (v * scale) < 1e9 => {
            Ok(Duration::from_secs_f64(v * scale))
        }
        _ => Err(usage(format!(
            "{flag} {s:?}: expected a duration such as 500ms, 90s, 5m or 1h"
        ))),
    }
}

/// `95%` or `0.95` → 0.95, within (0, 1).
fn parse_fraction(flag: &str, s: &str, max: f64) -> CliResult<f64> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(v) if v > 0.0 && v < max => Ok(v),
        _ => Err(usage(format!(
            "{flag} {s:?}: expected a fraction above 0 and below {max}, as 0.95 or 95%"
        ))),
    }
}

/// `--budget`: (runs, time).
fn parse_budget(s: &str) -> CliResult<(Option<usize>, Option<Duration>)> {
    if let Some(n) = s.trim().strip_suffix("runs") {
        return match n.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok((Some(n), None)),
            _ => Err(usage(format!(
                "--budget {s:?}: expected a number of runs ≥ 1 (300runs) or a duration (5m)"
            ))),
        };
    }
    parse_duration("--budget", s).map(|d| (None, Some(d)))
}

/// Checks every option into a plan (see the module documentation).
pub fn plan(mut args: TuneArgs) -> CliResult<Plan> {
    if let Some(dir) = args.resume.clone() {
        args = resumed_args(&dir, args.stop_after)?;
    }
    let confidence = parse_fraction("--confidence", &args.confidence, 1.0)?;
    let tie = parse_fraction("--tie", &args.tie, 1.0)?;
    let (max_runs, time_budget) = match &args.budget {
        Some(b) => parse_budget(b)?,
        None => (None, None),
    };
    if args.rounds == 0 || args.min_rounds == 0 {
        return Err(usage("--rounds and --min-rounds must be at least 1"));
    }
    if args.command.is_some() {
        parse_duration("--timeout", &args.timeout)?;
    }
    let topology = match &args.root {
        Some(root) => Topology::from_root(root)
            .map_err(|e| usage(format!("--root {}: {e}", root.display())))?,
        None => Topology::detect().map_err(|e| CliError::Failed(e.into()))?,
    };
    let experiment = match &args.command {
        Some(_) => None,
        None => Some(load_experiment(&args)?),
    };
    let space = space_options(&args, experiment.as_ref().map(|e| &e.0))?;
    let candidates = candidates(&topology, &space);
    if candidates.is_empty() {
        return Err(usage(why_empty(&topology, &space)));
    }
    let title = match (&args.command, &experiment) {
        (Some(c), _) => format!("`{c}`"),
        (None, Some((e, _))) => e.name.clone(),
        (None, None) => String::new(),
    };
    let opts = Options {
        confidence,
        min_rounds: args.min_rounds,
        max_rounds: args.rounds,
        max_runs,
        exhaustive: args.exhaustive,
        tie,
        seed: args.seed,
        test: args.test,
    };
    Ok(Plan {
        args,
        topology,
        candidates,
        opts,
        title,
        time_budget,
        experiment,
    })
}

/// The options a folder was started with (`--resume DIR`).
fn resumed_args(dir: &Path, stop_after: Option<usize>) -> CliResult<TuneArgs> {
    let path = dir.join(ARGS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        usage(format!(
            "--resume {}: cannot read {}: {e} (is it a `wsbench tune` folder?)",
            dir.display(),
            path.display()
        ))
    })?;
    let mut args: TuneArgs = serde_json::from_str(&text)
        .map_err(|e| usage(format!("--resume: {}: {e}", path.display())))?;
    args.resume = Some(dir.to_path_buf());
    args.out = None;
    args.stop_after = stop_after;
    Ok(args)
}

/// The config (or the embedded default), `--quick` applied.
fn load_experiment(args: &TuneArgs) -> CliResult<(Experiment, PathBuf)> {
    let (mut exp, base) = read_experiment(args.config.as_deref())?;
    if args.quick {
        exp.make_quick();
    }
    Ok((exp, base))
}

/// Splits a `;`-separated list.
fn items(s: &str) -> impl Iterator<Item = &str> {
    s.split(';').map(str::trim).filter(|t| !t.is_empty())
}

/// The dimensions as the flags (or `--config-space`'s config keys) restrict them.
fn space_options(args: &TuneArgs, exp: Option<&Experiment>) -> CliResult<SpaceOptions> {
    let placements = match &args.placements {
        Some(p) => Some(
            items(p)
                .map(|x| {
                    x.parse::<Placement>()
                        .map_err(|e| usage(format!("--placements: {e}")))
                })
                .collect::<CliResult<Vec<_>>>()?,
        ),
        None => None,
    };
    let mut strategies = match &args.strategies {
        Some(s) => Some(
            items(s)
                .map(|x| {
                    x.parse::<Strategy>()
                        .map_err(|e| usage(format!("--strategies: {e}")))
                })
                .collect::<CliResult<Vec<_>>>()?,
        ),
        None => None,
    };
    if args.omp {
        strategies = Some(with_omp()?);
    }
    let mut workers = args.workers.clone();
    let mut placements = placements;
    if let (true, Some(e)) = (args.config_space, exp) {
        workers = workers.or_else(|| Some(e.workers.clone()));
        placements = placements.or_else(|| Some(e.placements.clone()));
        strategies = strategies.or_else(|| Some(e.strategies.clone()));
    }
    let schedules = match (&args.command, &args.schedules) {
        (Some(_), Some(s)) => Some(checked_schedules(s)?),
        (Some(_), None) => Some(vec!["static".to_string()]),
        (None, _) => None,
    };
    if let Some(c) = &args.command {
        check_command(c)?;
    }
    let policies = !args.no_policies;
    Ok(SpaceOptions {
        workers,
        placements,
        strategies,
        schedules,
        policies,
    })
}

/// `--omp`: our schedules and OpenMP's.
fn with_omp() -> CliResult<Vec<Strategy>> {
    let mut s: Vec<Strategy> = scheduler::Schedule::ALL
        .iter()
        .map(|x| Strategy::Pool(*x))
        .collect();
    for name in [
        "omp:static",
        "omp:static,1",
        "omp:dynamic,1",
        "omp:dynamic,16",
        "omp:guided",
    ] {
        s.push(
            name.parse::<Strategy>()
                .map_err(|e| usage(format!("--omp: {e}")))?,
        );
    }
    Ok(s)
}

/// `--schedules`: each an `OMP_SCHEDULE` value libgomp takes.
fn checked_schedules(s: &str) -> CliResult<Vec<String>> {
    items(s)
        .map(|x| {
            x.parse::<wsbench_baselines::OmpSchedule>()
                .map(|_| x.to_string())
                .map_err(|e| usage(format!("--schedules: {e} (separate schedules with `;`)")))
        })
        .collect()
}

/// A command's placeholders are the known ones.
fn check_command(c: &str) -> CliResult<()> {
    if c.trim().is_empty() {
        return Err(usage("--command: empty command"));
    }
    let mut rest = c;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        let end = tail.find('}').map_or(tail.len(), |j| j + 1);
        let word = &tail[..end];
        let known = PLACEHOLDERS.split(", ").any(|p| p == word);
        if !known
            && word.len() > 2
            && word[1..word.len() - 1]
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_')
        {
            return Err(usage(format!(
                "--command: unknown placeholder {word}; allowed: {PLACEHOLDERS}"
            )));
        }
        rest = &tail[end.min(tail.len())..];
        if end == 0 {
            break;
        }
    }
    Ok(())
}

/// Makes (or, on `--resume`, opens) the folder and locks it; a new folder gets the
/// options file.
pub fn folder(plan: &Plan) -> CliResult<(PathBuf, FolderLock)> {
    if let Some(dir) = &plan.args.resume {
        let lock = lock_folder(dir)?;
        return Ok((dir.clone(), lock));
    }
    let dir = match &plan.args.out {
        Some(d) => d.clone(),
        None => PathBuf::from(wsbench_schema::paths::DEFAULT_OUT_DIR)
            .join("tune")
            .join(crate::run::meta::folder_timestamp()),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        usage(format!(
            "cannot create output folder {}: {e}",
            dir.display()
        ))
    })?;
    let lock = lock_folder(&dir)?;
    if dir.join(ARGS_FILE).exists() || dir.join(state::RUNS_FILE).exists() {
        return Err(usage(format!(
            "output folder {} already holds a tune; use `--resume {}` to finish it, or another --out",
            dir.display(),
            dir.display()
        )));
    }
    let text = serde_json::to_string_pretty(&plan.args).map_err(|e| CliError::Failed(e.into()))?;
    std::fs::write(dir.join(ARGS_FILE), text + "\n")
        .map_err(|e| usage(format!("cannot write to {}: {e}", dir.display())))?;
    Ok((dir, lock))
}

/// The folder's finished runs, checked against the candidate list.
pub fn recorded(dir: &Path, plan: &Plan) -> CliResult<Vec<RunLine>> {
    let lines = state::load(dir).map_err(|e| usage(format!("--resume: {e:#}")))?;
    for l in &lines {
        let want = plan.candidates.get(l.candidate).map(ToString::to_string);
        if want.as_deref() != Some(l.name.as_str()) {
            return Err(usage(format!(
                "--resume {}: run of {:?} does not match this machine's candidate {} ({}); \
                 resume on the machine the tune started on",
                dir.display(),
                l.name,
                l.candidate,
                want.unwrap_or_else(|| "none".into())
            )));
        }
    }
    Ok(lines)
}

/// Each candidate's raw values per round, from the state file.
pub fn values(dir: &Path, n: usize, rounds: usize) -> Vec<Vec<Option<f64>>> {
    let mut v = vec![vec![None; rounds]; n];
    for l in state::load(dir).unwrap_or_default() {
        if let Some(slot) = v.get_mut(l.candidate).and_then(|r| r.get_mut(l.round)) {
            *slot = l.value;
        }
    }
    v
}

/// The live measurer: the config's workloads, or the command.
pub fn live(plan: &Plan) -> CliResult<Box<dyn Live>> {
    let args = &plan.args;
    if let Some(cmd) = &args.command {
        let metric = match &args.metric {
            Some(m) => Some(Regex::new(m).map_err(|e| {
                let why = e.to_string();
                let last = why.lines().last().unwrap_or("").trim().to_string();
                usage(format!("--metric {m:?}: not a regular expression: {last}"))
            })?),
            None => None,
        };
        return Ok(Box::new(CommandRunner {
            template: cmd.clone(),
            candidates: plan.candidates.clone(),
            objective: Objective {
                metric,
                maximize: args.maximize,
            },
            timeout: parse_duration("--timeout", &args.timeout)?,
            deadline: plan.time_budget.map(|b| std::time::Instant::now() + b),
        }));
    }
    let (exp, base) = plan.experiment.as_ref().expect("config mode");
    let mut work = Vec::new();
    for spec in &exp.workloads {
        let built = spec
            .build(base)
            .map_err(|e| usage(format!("{}: {e}", exp.name)))?;
        work.push(Work {
            spec: spec.clone(),
            work: Arc::clone(&built),
            reference: None,
        });
    }
    let mut bench = Bench::new(
        plan.topology.clone(),
        work,
        plan.candidates.clone(),
        plan.time_budget,
        args.stop_after,
    );
    bench.references().map_err(CliError::Failed)?;
    Ok(Box::new(bench))
}

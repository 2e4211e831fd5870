//! The sweep: check everything, make the folder, run the plan, write as we go.
//!
//! Order of events, and why:
//! 1. Read and check the config, the shard, every placement at every worker count, and
//!    build every workload (numbers generated, files read). Bad input stops here: exit 2,
//!    and no folder has been made.
//! 2. Make the output folder and write `meta.json` (status `running`): an unwritable
//!    folder fails here, before any work.
//! 3. Run the plan's steps (interleaved rounds). After each counted run its rows are
//!    appended and flushed (`runs.csv` last), and the cell's `.hgrm` files rewritten.
//! 4. Ctrl-C (or a checksum mismatch, or an error) ends the loop after the current run;
//!    `latency_cells.csv` and `meta.json` are written in every case, then the summary.
//!
//! [`run`] is these steps: `prepare` (1), `Sweep::start` (2), `Sweep::steps` and
//! `Sweep::step` (3), `Sweep::finish` (4). Every file is written through one
//! `Writer` (the `writer` module).

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime};

use topology::Topology;
use workloads::workload::Workload;
use wsbench_schema::{Layout, Machine, PlacementMap, Row, RunRow, RunStatus};

use super::config::Experiment;
use super::execute::{Executor, RunOutcome};
use super::meta::{self, Meta};
use super::output::latency_rows;
use super::plan::{Cell, Plan, Shard, Step};
use super::policy::StealPolicy;
use super::record::{ClockCosts, TaskClock};
use super::resume::{SerialRef, State};
use super::setup::{
    check_placements, check_resume_shard, meta_topology, prepare_folder, read_input, FolderLock,
    Input,
};
use super::summary;
use super::trace;
use super::workload::{SyntheticSpec, WorkloadKind, WorkloadSpec};
use super::writer::{key_of, Rows, RunLatency, Writer};
use super::RunArgs;
use crate::error::{CliError, CliResult};

/// Set by the Ctrl-C handler (SIGINT, and SIGTERM/SIGHUP: a job scheduler's time limit or
/// preemption); the sweep stops after the current run.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub(crate) fn install_ctrlc() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // A second Ctrl-C exits at once (rows already written stay: each was flushed).
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nwsbench: interrupted: stopping after the current run (again to quit now)");
        });
    });
}

/// The serial run a run of `cell` in repetition `rep` is compared with: the same round's
/// serial run of its workload under its placement if that ran before it (rounds are
/// shuffled), else the most recent one (`latest`: this process's last, warmup included),
/// else the latest earlier counted round's.
fn serial_for(
    cell: &Cell,
    rep: usize,
    state: &State,
    latest: Option<SerialRef>,
) -> Option<SerialRef> {
    let key = |r: usize| (cell.workload.clone(), cell.placement.to_string(), r);
    state.serial.get(&key(rep)).copied().or(latest).or_else(|| {
        (0..rep)
            .rev()
            .find_map(|r| state.serial.get(&key(r)).copied())
    })
}

/// A serial run as a reference.
fn serial_ref(out: &RunOutcome) -> SerialRef {
    SerialRef {
        makespan_ns: out.makespan_ns,
        task_sum_ns: out.task_sum_ns.unwrap_or(out.makespan_ns),
        task_max_ns: out.task_max_ns.unwrap_or(0),
    }
}

/// A run's lower bound and the serial makespan it is compared with: from its serial
/// reference (Σ task time over the CPUs, or the longest task), or for a serial run from
/// its own task times; `None` before any serial run of its workload and placement.
fn lower_bound(cell: &Cell, out: &RunOutcome, serial: Option<SerialRef>) -> Option<(u64, u64)> {
    if cell.is_serial() {
        let own = serial_ref(out);
        return Some((own.task_sum_ns.max(own.task_max_ns), own.makespan_ns));
    }
    let s = serial?;
    let p = out.cpus.max(1) as u64;
    Some((s.task_sum_ns.div_ceil(p).max(s.task_max_ns), s.makespan_ns))
}

/// Where a run sits in the sweep: its step and its serial reference.
struct At<'a> {
    step: &'a Step<'a>,
    rep: usize,
    serial: Option<SerialRef>,
}

fn rows_for(at: &At, out: &RunOutcome, reference: u64, size: usize, spec: &WorkloadSpec) -> Rows {
    let (cell, rep) = (at.step.cell, at.rep);
    let key = key_of(cell);
    let bound = lower_bound(cell, out, at.serial);
    let (lower_bound_ns, serial_ns) = (bound.map(|b| b.0), bound.map(|b| b.1));
    let makespan = out.makespan_ns.max(1);
    let run = RunRow {
        workload: cell.workload.clone(),
        strategy: cell.strategy.to_string(),
        workers: cell.workers,
        placement: cell.placement.to_string(),
        repetition: rep,
        makespan_ns: out.makespan_ns,
        lower_bound_ns,
        serial_ns,
        speedup: serial_ns.map(|s| s as f64 / makespan as f64),
        lb_ratio: lower_bound_ns.map(|lb| makespan as f64 / lb.max(1) as f64),
        steals: out.steals,
        migrations: out.migrations,
        checksum_ok: Some(out.checksum == reference),
        failed_steals: out.failed_steals,
        parks: out.parks,
        busy_ns: out.busy_ns,
        idle_ns: out.idle_ns,
        tasks: Some(out.tasks),
        size: Some(size),
        pool_in_timing: Some(spec.pool_in_timing),
        latency: Some(spec.latency),
        checksum: format!("{:016x}", out.checksum),
        task_sum_ns: out.task_sum_ns,
        task_max_ns: out.task_max_ns,
        sweep: spec.sweep.clone(),
        cpus: Some(out.cpus),
        round_position: Some(at.step.position),
        percent_imbalance: out.percent_imbalance,
        cov: out.cov,
        clock_clamped: out.clamped,
        source: wsbench_schema::Source::Measured,
    };
    let latency = out
        .latency
        .as_ref()
        .map(|l| latency_rows(&key, &rep.to_string(), l))
        .unwrap_or_default();
    let workers = out
        .workers
        .iter()
        .enumerate()
        .map(|(i, w)| w.row(cell, rep, i))
        .collect();
    Rows {
        run,
        latency,
        workers,
    }
}

/// Prints the summary table of a folder's rows.
pub fn print_summary(exp: &Experiment, rows: &[RunRow], run_p99: &HashMap<(Cell, usize), u64>) {
    let p99 = |r: &RunRow| {
        let cell = super::resume::cell_of(r.cell())?;
        run_p99.get(&(cell, r.repetition)).copied()
    };
    let strategies: Vec<String> = exp
        .all_strategies()
        .iter()
        .map(ToString::to_string)
        .collect();
    let placements: Vec<String> = exp.placements.iter().map(ToString::to_string).collect();
    println!("{}", summary::table(rows, &strategies, &placements, p99));
}

/// Why the loop over the steps ended.
enum Stop {
    Complete,
    Interrupted,
    Failed(String),
}

/// Everything checked before any folder is made (step 1).
struct Prepared {
    exp: Experiment,
    shard: Shard,
    topology: Topology,
    /// The worker → CPU map of every placement, for `meta.json`.
    placement_map: PlacementMap,
    workloads: HashMap<String, Arc<dyn Workload>>,
    /// `meta.json` of the folder being resumed.
    previous: Option<Meta>,
    /// The config file as an absolute path (`None`: the embedded default).
    config_file: Option<String>,
}

/// `wsbench run`.
pub fn run(args: RunArgs) -> CliResult {
    let Some(prepared) = prepare(&args)? else {
        return Ok(());
    };
    let plan = Plan::new(&prepared.exp, prepared.shard);
    let mut sweep = Sweep::start(&args, prepared, &plan)?;
    let stop = sweep.steps(&args, &plan);
    sweep.finish(&plan, stop)
}

/// Step 1: reads and checks the input; `None` after `--dry-run` printed the experiment.
fn prepare(args: &RunArgs) -> CliResult<Option<Prepared>> {
    let input = read_input(args)?;
    let mut shard = match &args.shard {
        Some(s) => s.parse::<Shard>().map_err(CliError::Usage)?,
        None => Shard::WHOLE,
    };
    if args.dry_run {
        print_dry_run(&input);
        return Ok(None);
    }
    if let (Some(dir), Some(m)) = (&args.resume, &input.previous) {
        check_resume_shard(args, dir, m, &mut shard)?;
    }
    super::baseline_runs::warn_if_openmp_spins(&input.exp);
    let topology =
        Topology::detect().map_err(|e| CliError::Failed(anyhow!("detecting the topology: {e}")))?;
    let placement_map = check_placements(&input.exp, &topology, &input.source)?;
    // The spin rate the folder was started with, so that synthetic tasks are the same.
    if let Some(rate) = input
        .previous
        .as_ref()
        .and_then(|m| m.spin_iterations_per_ns)
    {
        SyntheticSpec::use_spin_rate(rate);
    }
    let mut workloads: HashMap<String, Arc<dyn Workload>> = HashMap::new();
    for w in &input.exp.workloads {
        let built = w
            .build(&input.base)
            .map_err(|e| CliError::usage(format!("{}: {e}", input.source)))?;
        workloads.insert(w.name.clone(), built);
    }
    Ok(Some(Prepared {
        exp: input.exp,
        shard,
        topology,
        placement_map,
        workloads,
        previous: input.previous,
        config_file: input.config_file,
    }))
}

/// `--dry-run`: the experiment as a config file that `wsbench run` takes as it is.
fn print_dry_run(input: &Input) {
    println!(
        "# {}: the experiment as it would run (defaults filled in, sweeps expanded); `wsbench run` takes this file as it is",
        input.source
    );
    print!("{}", input.exp.to_toml(&input.base));
}

/// A sweep under way: its folder, what it holds, and what runs the cells.
struct Sweep {
    exp: Experiment,
    meta: Meta,
    state: State,
    writer: Writer,
    exec: Executor,
    workloads: HashMap<String, Arc<dyn Workload>>,
    /// The last serial run of each (workload, placement) in this process, warmup included.
    latest_serial: HashMap<(String, String), SerialRef>,
    started: Instant,
    /// Held until the sweep ends: no other process writes the folder meanwhile.
    _lock: FolderLock,
}

impl Sweep {
    /// Step 2: the folder, `meta.json` saying "running", what the folder already holds,
    /// and the open row files.
    fn start(args: &RunArgs, p: Prepared, plan: &Plan) -> CliResult<Sweep> {
        let (dir, made, lock) = prepare_folder(args, &p.exp)?;
        eprintln!("wsbench: results folder: {}", dir.display());
        let cleanup = |e: String| {
            if made {
                let _ = std::fs::remove_dir_all(&dir);
            }
            CliError::Usage(e)
        };
        std::fs::create_dir_all(Layout::new(&dir).hgrm_dir())
            .map_err(|e| cleanup(format!("cannot write to {}: {e}", dir.display())))?;
        let clock_costs = ClockCosts::measure();
        let machine = meta::machine(
            p.placement_map,
            meta_topology(&p.topology),
            json!(clock_costs),
        );
        let mut meta = running_meta(p.previous, &p.exp, p.shard, machine);
        meta.config_file = meta.config_file.or(p.config_file);
        let synthetic = p
            .exp
            .workloads
            .iter()
            .any(|w| matches!(w.kind, WorkloadKind::Synthetic(_)));
        if synthetic && meta.spin_iterations_per_ns.is_none() {
            meta.spin_iterations_per_ns = Some(SyntheticSpec::spin_rate());
        }
        meta.write(&dir).map_err(|e| {
            cleanup(format!(
                "cannot write to output folder {}: {e:#}",
                dir.display()
            ))
        })?;
        // Before the row files open: loading may rewrite latency.csv and workers.csv.
        let state = State::load(&dir, plan).map_err(CliError::Failed)?;
        let writer = Writer::open(&dir).map_err(|e| cleanup(format!("{e:#}")))?;
        let policy = StealPolicy {
            victim_order: p.exp.victim_order,
            steal: p.exp.steal,
        };
        let exec = Executor::new(TaskClock::new(clock_costs.chosen), p.topology, policy);
        Ok(Sweep {
            exp: p.exp,
            meta,
            state,
            writer,
            exec,
            workloads: p.workloads,
            latest_serial: HashMap::new(),
            started: Instant::now(),
            _lock: lock,
        })
    }

    /// Step 3: every pending step of the plan, until the end, Ctrl-C or a failure.
    fn steps(&mut self, args: &RunArgs, plan: &Plan) -> Stop {
        install_ctrlc();
        INTERRUPTED.store(false, Ordering::SeqCst);
        let steps = plan.steps(|c, r| self.state.done.contains(&(c.clone(), r)));
        let progress =
            ProgressBar::with_draw_target(Some(steps.len() as u64), ProgressDrawTarget::stderr());
        progress.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} runs · {elapsed} elapsed · ETA {eta} · {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let mut stop = Stop::Complete;
        for (executed, step) in steps.iter().enumerate() {
            if INTERRUPTED.load(Ordering::SeqCst) || args.stop_after.is_some_and(|k| executed >= k)
            {
                stop = Stop::Interrupted;
                break;
            }
            progress.set_message(match step.repetition {
                Some(r) => format!(
                    "{} · repetition {}/{}",
                    step.cell,
                    r + 1,
                    self.exp.repetitions
                ),
                None => format!("{} · warmup", step.cell),
            });
            let corrupt = args.corrupt_run == Some(executed);
            let result = self.step(step, corrupt);
            progress.inc(1);
            if let Err(failure) = result {
                stop = Stop::Failed(failure);
                break;
            }
        }
        progress.finish_and_clear();
        stop
    }

    /// One run: execute it, check its checksum, and write a counted run's rows.
    fn step(&mut self, step: &Step, corrupt: bool) -> Result<(), String> {
        let cell = step.cell;
        let work = Arc::clone(&self.workloads[&cell.workload]);
        let spec = self.spec(&cell.workload)?;
        let run_wall_start = SystemTime::now();
        let mut out = self
            .exec
            .run(cell, &work, spec.pool_in_timing, spec.latency, spec.trace)
            .map_err(|e| format!("{e:#}"))?;
        if corrupt {
            out.checksum ^= 1;
        }
        let reference = *self
            .state
            .checksums
            .entry(cell.workload.clone())
            .or_insert(out.checksum);
        let mismatch = (out.checksum != reference).then(|| {
            format!(
                "checksum mismatch: {cell}, {}: {:016x}, serial gave {:016x} (a task was lost, repeated or computed wrongly)",
                step.repetition.map_or("warmup".to_string(), |r| format!("repetition {r}")),
                out.checksum,
                reference
            )
        });
        let latest = self
            .latest_serial
            .get(&(cell.workload.clone(), cell.placement.to_string()))
            .copied();
        if cell.is_serial() {
            self.latest_serial.insert(
                (cell.workload.clone(), cell.placement.to_string()),
                serial_ref(&out),
            );
        }
        if let Some(rep) = step.repetition {
            let at = At {
                step,
                rep,
                serial: serial_for(cell, rep, &self.state, latest),
            };
            let rows = rows_for(&at, &out, reference, work.size(), &spec);
            self.record(cell, rep, &out, &rows, run_wall_start)
                .map_err(|e| format!("{e:#}"))?;
        }
        mismatch.map_or(Ok(()), Err)
    }

    /// The spec of a workload of the plan.
    fn spec(&self, name: &str) -> Result<WorkloadSpec, String> {
        self.exp
            .workloads
            .iter()
            .find(|w| w.name == name)
            .cloned()
            .ok_or_else(|| format!("workload {name:?} is not in the experiment"))
    }

    /// Writes a counted run's files and notes it in the state (even if writing failed:
    /// the summary then shows what ran).
    fn record(
        &mut self,
        cell: &Cell,
        rep: usize,
        out: &RunOutcome,
        rows: &Rows,
        run_wall_start: SystemTime,
    ) -> anyhow::Result<()> {
        let written = (|| -> anyhow::Result<()> {
            if let Some(lat) = &out.latency {
                let merged = self.state.cell_latency.entry(cell.clone()).or_default();
                merged.add(lat);
                let run = RunLatency {
                    latency: lat,
                    started: run_wall_start,
                    makespan: Duration::from_nanos(out.makespan_ns),
                };
                self.writer.run_latency(cell, rep, &run, merged)?;
            }
            if out.trace.is_some() {
                let this = (rep, out.makespan_ns);
                let median = trace::median_if_complete(&self.state.rows, cell, this, &self.exp);
                self.writer.run_trace(cell, rep, out, median)?;
            }
            self.writer.rows(rows)
        })();
        self.state.note_p99(&rows.latency);
        self.state.add(rows.run.clone());
        written
    }

    /// Step 4: whole files, status, summary.
    fn finish(mut self, plan: &Plan, stop: Stop) -> CliResult {
        let dir = self.writer.dir().to_path_buf();
        let _ = self
            .writer
            .latency_cells(&plan.cells, &self.state.cell_latency);
        self.meta.runs_recorded = self.state.rows.len();
        self.meta.ended = Some(meta::utc_now());
        let result = match stop {
            Stop::Complete => Ok(()),
            Stop::Interrupted => Err(CliError::Interrupted(format!(
                "stopped after {} counted runs; finish with `{}`",
                self.state.rows.len(),
                resume_command(&dir)
            ))),
            Stop::Failed(e) => {
                self.meta.error = Some(e.clone());
                Err(CliError::Failed(anyhow!(
                    "{e}; rows written so far are in {}",
                    dir.display()
                )))
            }
        };
        let status = match &result {
            Ok(()) => RunStatus::Complete,
            Err(CliError::Interrupted(_)) => RunStatus::Interrupted,
            Err(_) => RunStatus::Failed,
        };
        self.meta.status = Some(status);
        // Best effort after a failure (the disk may still be full): its error is the one
        // to report.
        match (self.writer.meta(&self.meta), &result) {
            (Err(e), Ok(())) => return Err(CliError::Failed(e)),
            (Err(e), Err(_)) => eprintln!("wsbench: warning: {e:#}"),
            (Ok(()), _) => {}
        }
        print_summary(&self.exp, &self.state.rows, &self.state.run_p99);
        println!(
            "results: {} ({}, {} runs in {:.1} s)",
            dir.display(),
            status,
            self.state.rows.len(),
            self.started.elapsed().as_secs_f64()
        );
        result
    }
}

/// `meta.json` for a sweep that starts now: the resumed folder's, or a new one.
fn running_meta(previous: Option<Meta>, exp: &Experiment, shard: Shard, machine: Machine) -> Meta {
    let command_line: Vec<String> = std::env::args().collect();
    match previous {
        Some(mut m) => {
            m.status = Some(RunStatus::Running);
            m.command_lines.push(command_line);
            m.started.push(meta::utc_now());
            m.ended = None;
            m.error = None;
            m
        }
        None => Meta {
            status: Some(RunStatus::Running),
            config: exp.clone(),
            config_file: None,
            spin_iterations_per_ns: None,
            shard,
            merged_from: Vec::new(),
            command_lines: vec![command_line],
            wsbench_version: env!("CARGO_PKG_VERSION").into(),
            started: vec![meta::utc_now()],
            ended: None,
            runs_recorded: 0,
            error: None,
            machine,
        },
    }
}

/// The command that finishes the sweep in `dir`, as this process was called (its
/// `argv[0]`, so it works where this one did) and quoted for a POSIX shell.
fn resume_command(dir: &std::path::Path) -> String {
    let program = std::env::args().next().unwrap_or_else(|| "wsbench".into());
    let dir = dir.display().to_string();
    [program.as_str(), "run", "--resume", dir.as_str()]
        .map(shell_word)
        .join(" ")
}

/// `word` as one word of a POSIX shell command line.
///
/// ```text
/// out/x → out/x;  my dir → 'my dir';  it's → 'it'\''s'
/// ```
pub(crate) fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(
            super::shell_word("out/2026-11-30T06-00-00Z"),
            "out/2026-11-30T06-00-00Z"
        );
        assert_eq!(super::shell_word("my dir"), "'my dir'");
        assert_eq!(super::shell_word("it's"), r"'it'\''s'");
        assert_eq!(super::shell_word(""), "''");
    }
}

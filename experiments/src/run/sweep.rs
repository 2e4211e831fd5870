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
use wsbench_schema::{Layout, Machine, PlacementMap, Row, RunRow, RunStatus, WorkerRow};

use super::config::Experiment;
use super::execute::{Executor, RunOutcome};
use super::meta::{self, Meta};
use super::output::latency_rows;
use super::plan::{Cell, Plan, Shard, Step};
use super::policy::StealPolicy;
use super::record::{ClockCosts, TaskClock};
use super::resume::State;
use super::setup::{
    check_placements, config_diff, load_config, meta_topology, prepare_folder, FolderLock,
};
use super::summary;
use super::workload::WorkloadSpec;
use super::writer::{key_of, Rows, RunLatency, Writer};
use super::RunArgs;
use crate::error::{CliError, CliResult};

/// Set by the Ctrl-C handler (SIGINT, and SIGTERM/SIGHUP: a job scheduler's time limit or
/// preemption); the sweep stops after the current run.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn install_ctrlc() {
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

/// A run's lower bound and the serial makespan it is compared with: from the serial run
/// of the same round and placement (Σ task time over the CPUs, or the longest task), or
/// for a serial run from its own task times. These per-round values are what `runs.csv`
/// keeps; `wsbench report` builds the bound it reports from every serial round.
fn lower_bound(cell: &Cell, rep: usize, out: &RunOutcome, state: &State) -> (u64, u64) {
    let key = (cell.workload.clone(), cell.placement.to_string(), rep);
    match state.serial.get(&key) {
        Some(s) if !cell.is_serial() => {
            let p = out.cpus.max(1) as u64;
            (s.task_sum_ns.div_ceil(p).max(s.task_max_ns), s.makespan_ns)
        }
        _ => (
            out.task_sum_ns
                .unwrap_or(out.makespan_ns)
                .max(out.task_max_ns.unwrap_or(0)),
            out.makespan_ns,
        ),
    }
}

fn rows_for(
    cell: &Cell,
    rep: usize,
    out: &RunOutcome,
    state: &State,
    reference: u64,
    size: usize,
    spec: &WorkloadSpec,
) -> Rows {
    let key = key_of(cell);
    let (lower_bound_ns, serial_ns) = lower_bound(cell, rep, out, state);
    let makespan = out.makespan_ns.max(1);
    let run = RunRow {
        workload: cell.workload.clone(),
        strategy: cell.strategy.to_string(),
        workers: cell.workers,
        placement: cell.placement.to_string(),
        repetition: rep,
        makespan_ns: out.makespan_ns,
        lower_bound_ns: Some(lower_bound_ns),
        serial_ns: Some(serial_ns),
        speedup: Some(serial_ns as f64 / makespan as f64),
        lb_ratio: Some(makespan as f64 / lower_bound_ns.max(1) as f64),
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
        .map(|(i, w)| WorkerRow {
            workload: cell.workload.clone(),
            strategy: cell.strategy.to_string(),
            workers: cell.workers,
            placement: cell.placement.to_string(),
            repetition: rep,
            worker: i,
            cpu: w.cpu,
            busy_ns: w.busy_ns,
            idle_ns: w.idle_ns,
            tasks: w.tasks,
            steals: w.steals,
            parks: w.parks,
        })
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
    let strategies: Vec<String> = exp.strategies.iter().map(ToString::to_string).collect();
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
}

/// `wsbench run`.
pub fn run(args: RunArgs) -> CliResult {
    let Some(prepared) = prepare(&args)? else {
        return Ok(());
    };
    let plan = Plan::new(&prepared.exp, prepared.shard);
    let mut sweep = Sweep::start(&args, prepared, &plan)?;
    let stop = sweep.steps(&args, &plan);
    sweep.finish(&args, &plan, stop)
}

/// Step 1: reads and checks the input; `None` after `--dry-run` printed the experiment.
fn prepare(args: &RunArgs) -> CliResult<Option<Prepared>> {
    let (exp, base) = load_config(args)?;
    let source = args
        .config
        .as_ref()
        .map_or("<embedded default>".to_string(), |p| {
            p.display().to_string()
        });
    let mut shard = match &args.shard {
        Some(s) => s.parse::<Shard>().map_err(CliError::Usage)?,
        None => Shard::WHOLE,
    };
    if args.dry_run {
        println!(
            "# {source}: the experiment as it would run (defaults filled in, sweeps expanded)"
        );
        println!(
            "{}",
            toml::to_string_pretty(&exp).map_err(|e| CliError::Failed(e.into()))?
        );
        return Ok(None);
    }
    let topology =
        Topology::detect().map_err(|e| CliError::Failed(anyhow!("detecting the topology: {e}")))?;
    let placement_map = check_placements(&exp, &topology, &source)?;
    let mut workloads: HashMap<String, Arc<dyn Workload>> = HashMap::new();
    for w in &exp.workloads {
        let built = w
            .build(&base)
            .map_err(|e| CliError::usage(format!("{source}: {e}")))?;
        workloads.insert(w.name.clone(), built);
    }
    let previous = match &args.resume {
        Some(dir) => Some(check_resume(args, dir, &exp, &mut shard)?),
        None => None,
    };
    Ok(Some(Prepared {
        exp,
        shard,
        topology,
        placement_map,
        workloads,
        previous,
    }))
}

/// `--resume DIR`: the folder's `meta.json`, if its config and shard are this run's.
fn check_resume(
    args: &RunArgs,
    dir: &std::path::Path,
    exp: &Experiment,
    shard: &mut Shard,
) -> CliResult<Meta> {
    let m = Meta::read(dir).map_err(CliError::usage)?;
    let diff = config_diff(&m.config, exp);
    if !diff.is_empty() {
        return Err(CliError::usage(format!(
            "--resume {}: the config differs from the one this folder was started with (keys: {}); \
             resume with the same file and options (--quick too), or start a new folder",
            dir.display(),
            diff.join(", ")
        )));
    }
    if args.shard.is_some() && *shard != m.shard {
        return Err(CliError::usage(format!(
            "--resume {}: the folder is shard {}/{}, not {}/{}",
            dir.display(),
            m.shard.index,
            m.shard.count,
            shard.index,
            shard.count
        )));
    }
    *shard = m.shard;
    if m.status == Some(RunStatus::Complete) {
        println!("{}: already complete; nothing to do", dir.display());
    }
    Ok(m)
}

/// A sweep under way: its folder, what it holds, and what runs the cells.
struct Sweep {
    exp: Experiment,
    meta: Meta,
    state: State,
    writer: Writer,
    exec: Executor,
    workloads: HashMap<String, Arc<dyn Workload>>,
    started: Instant,
    /// Held until the sweep ends: no other process writes the folder meanwhile.
    _lock: FolderLock,
}

impl Sweep {
    /// Step 2: the folder, `meta.json` saying "running", what the folder already holds,
    /// and the open row files.
    fn start(args: &RunArgs, p: Prepared, plan: &Plan) -> CliResult<Sweep> {
        let (dir, made, lock) = prepare_folder(args, &p.exp)?;
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
        let meta = running_meta(p.previous, &p.exp, p.shard, machine);
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
            .run(cell, &work, spec.pool_in_timing, spec.latency)
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
        if let Some(rep) = step.repetition {
            let rows = rows_for(cell, rep, &out, &self.state, reference, work.len(), &spec);
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
            self.writer.rows(rows)
        })();
        self.state.note_p99(&rows.latency);
        self.state.add(rows.run.clone());
        written
    }

    /// Step 4: whole files, status, summary.
    fn finish(mut self, args: &RunArgs, plan: &Plan, stop: Stop) -> CliResult {
        let dir = self.writer.dir().to_path_buf();
        let _ = self
            .writer
            .latency_cells(&plan.cells, &self.state.cell_latency);
        self.meta.runs_recorded = self.state.rows.len();
        self.meta.ended = Some(meta::utc_now());
        let result = match stop {
            Stop::Complete => Ok(()),
            Stop::Interrupted => Err(CliError::Interrupted(format!(
                "stopped after {} counted runs; finish with `wsbench run {}--resume {}`",
                self.state.rows.len(),
                args.config
                    .as_ref()
                    .map_or(String::new(), |p| format!("{} ", p.display())),
                dir.display()
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

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

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime};

use topology::Topology;
use workloads::workload::Workload;

use super::build;
use super::config::{Experiment, WorkloadSpec};
use super::execute::{Executor, Outcome, StealPolicy};
use super::meta::{self, Meta};
use super::output::{append_hlog, latency_rows, percentile_distribution};
use super::plan::{Cell, Plan};
use super::record::{ClockCosts, Latency, TaskClock};
use super::resume::State;
use super::setup::{check_placements, config_diff, load_config, prepare_folder, topology_json};
use super::summary;
use super::RunArgs;
use crate::error::{CliError, CliResult};
use wsbench_schema::units::{ALL_REPETITIONS, HGRM_NS_PER_UNIT};
use wsbench_schema::{
    write_atomic, write_rows_atomic, Appender, LatencyRow, Layout, Row, RunRow, Shard, WorkerRow,
};

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

/// One counted run's rows.
struct Rows {
    run: RunRow,
    latency: Vec<LatencyRow>,
    workers: Vec<WorkerRow>,
}

fn rows_for(
    cell: &Cell,
    rep: usize,
    out: &Outcome,
    state: &State,
    reference: u64,
    size: usize,
    spec: &WorkloadSpec,
) -> Rows {
    let key = [
        cell.workload.clone(),
        cell.strategy.clone(),
        cell.workers.to_string(),
        cell.placement.clone(),
    ];
    let (lower_bound_ns, serial_ns) = match state.serial.get(&(cell.workload.clone(), rep)) {
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
    };
    let makespan = out.makespan_ns.max(1);
    let run = RunRow {
        workload: cell.workload.clone(),
        strategy: cell.strategy.clone(),
        workers: cell.workers,
        placement: cell.placement.clone(),
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
            strategy: cell.strategy.clone(),
            workers: cell.workers,
            placement: cell.placement.clone(),
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

fn write_hgrm(dir: &Path, cell: &Cell, lat: &Latency) -> anyhow::Result<()> {
    for (metric, h) in lat.by_metric() {
        let path = Layout::new(dir).hgrm(&cell.file_stem(), metric);
        write_atomic(
            &path,
            percentile_distribution(h, HGRM_NS_PER_UNIT).as_bytes(),
        )?;
    }
    Ok(())
}

/// Writes `latency_cells.csv` from every cell's merged histograms, in plan order.
pub fn write_latency_cells(
    dir: &Path,
    cells: &[Cell],
    by_cell: &HashMap<Cell, Latency>,
) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for cell in cells {
        if let Some(l) = by_cell.get(cell) {
            let key = [
                cell.workload.clone(),
                cell.strategy.clone(),
                cell.workers.to_string(),
                cell.placement.clone(),
            ];
            rows.extend(latency_rows(&key, ALL_REPETITIONS, l));
        }
    }
    Ok(write_rows_atomic(&Layout::new(dir).latency_cells(), &rows)?)
}

/// Prints the summary table of a folder's rows.
pub fn print_summary(exp: &Experiment, rows: &[RunRow], run_p99: &HashMap<(Cell, usize), u64>) {
    let p99 = |r: &RunRow| {
        let cell = super::resume::cell_of(r.cell());
        run_p99.get(&(cell, r.repetition)).copied()
    };
    println!(
        "{}",
        summary::table(rows, &exp.strategies, &exp.placements, p99)
    );
}

enum Stop {
    Complete,
    Interrupted,
    Failed(String),
}

/// `wsbench run`.
pub fn run(args: RunArgs) -> CliResult {
    // 1. Everything that can be wrong with the input.
    let (exp, base) = load_config(&args)?;
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
        return Ok(());
    }
    let topo =
        Topology::detect().map_err(|e| CliError::Failed(anyhow!("detecting the topology: {e}")))?;
    let placement_map = check_placements(&exp, &topo, &source)?;
    let mut workloads: HashMap<String, Arc<dyn Workload>> = HashMap::new();
    for w in &exp.workloads {
        let built =
            build::build(w, &base).map_err(|e| CliError::usage(format!("{source}: {e}")))?;
        workloads.insert(w.name.clone(), built);
    }
    let mut previous: Option<Meta> = None;
    if let Some(dir) = &args.resume {
        let m = Meta::read(dir).map_err(CliError::usage)?;
        let diff = config_diff(&m.config, &exp);
        if !diff.is_empty() {
            return Err(CliError::usage(format!(
                "--resume {}: the config differs from the one this folder was started with (keys: {}); \
                 resume with the same file and options (--quick too), or start a new folder",
                dir.display(),
                diff.join(", ")
            )));
        }
        if args.shard.is_some() && shard != m.shard {
            return Err(CliError::usage(format!(
                "--resume {}: the folder is shard {}/{}, not {}/{}",
                dir.display(),
                m.shard.index,
                m.shard.count,
                shard.index,
                shard.count
            )));
        }
        shard = m.shard;
        if m.status == "complete" {
            println!("{}: already complete; nothing to do", dir.display());
        }
        previous = Some(m);
    }
    let plan = Plan::new(&exp, shard);

    // 2. The folder, and meta.json saying "running".
    let (dir, made) = prepare_folder(&args, &exp)?;
    let cleanup = |e: String| {
        if made {
            let _ = std::fs::remove_dir_all(&dir);
        }
        CliError::Usage(e)
    };
    let files = Layout::new(&dir);
    std::fs::create_dir_all(files.hgrm_dir())
        .map_err(|e| cleanup(format!("cannot write to {}: {e}", dir.display())))?;
    let clock_costs = ClockCosts::measure();
    let command_line: Vec<String> = std::env::args().collect();
    let mut meta = match previous {
        Some(mut m) => {
            m.status = "running".into();
            m.command_lines.push(command_line);
            m.started.push(meta::utc_now());
            m.ended = None;
            m.error = None;
            m
        }
        None => Meta {
            status: "running".into(),
            config: exp.clone(),
            shard,
            merged_from: Vec::new(),
            command_lines: vec![command_line],
            wsbench_version: env!("CARGO_PKG_VERSION").into(),
            started: vec![meta::utc_now()],
            ended: None,
            runs_recorded: 0,
            error: None,
            machine: meta::machine(placement_map, topology_json(&topo), json!(clock_costs)),
        },
    };
    meta.write(&dir).map_err(|e| {
        cleanup(format!(
            "cannot write to output folder {}: {e:#}",
            dir.display()
        ))
    })?;
    // Before the appenders open: loading may rewrite latency.csv and workers.csv.
    let mut state = State::load(&dir, &plan).map_err(CliError::Failed)?;
    let open = || -> anyhow::Result<(Appender, Appender, Appender)> {
        Ok((
            Appender::open::<RunRow>(&files.runs())?,
            Appender::open::<LatencyRow>(&files.latency())?,
            Appender::open::<WorkerRow>(&files.workers())?,
        ))
    };
    let (mut runs_csv, mut latency_csv, mut workers_csv) =
        open().map_err(|e| cleanup(format!("{e:#}")))?;

    // 3. The runs.
    install_ctrlc();
    INTERRUPTED.store(false, Ordering::SeqCst);
    let steps = plan.steps(|c, r| state.done.contains(&(c.clone(), r)));
    let progress =
        ProgressBar::with_draw_target(Some(steps.len() as u64), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} runs · {elapsed} elapsed · ETA {eta} · {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let policy = StealPolicy {
        victim_order: exp.victim_order.clone(),
        steal: exp.steal.clone(),
    };
    let mut exec = Executor::new(TaskClock::new(clock_costs.chosen), topo, policy);
    let specs: HashMap<&str, &WorkloadSpec> =
        exp.workloads.iter().map(|w| (w.name.as_str(), w)).collect();
    let mut stop = Stop::Complete;
    let started = Instant::now();
    for (executed, step) in steps.iter().enumerate() {
        if INTERRUPTED.load(Ordering::SeqCst) || args.stop_after.is_some_and(|k| executed >= k) {
            stop = Stop::Interrupted;
            break;
        }
        let cell = step.cell;
        progress.set_message(match step.repetition {
            Some(r) => format!("{cell} · repetition {}/{}", r + 1, exp.repetitions),
            None => format!("{cell} · warmup"),
        });
        let work = &workloads[&cell.workload];
        let spec = specs[cell.workload.as_str()];
        let run_wall_start = SystemTime::now();
        let out = match exec.run(cell, work, spec.pool_in_timing, spec.latency) {
            Ok(mut o) => {
                if args.corrupt_run == Some(executed) {
                    o.checksum ^= 1;
                }
                o
            }
            Err(e) => {
                stop = Stop::Failed(format!("{e:#}"));
                break;
            }
        };
        progress.inc(1);
        let reference = *state
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
        let Some(rep) = step.repetition else {
            if let Some(m) = mismatch {
                stop = Stop::Failed(m);
                break;
            }
            continue;
        };
        let rows = rows_for(cell, rep, &out, &state, reference, work.len(), spec);
        let written = (|| -> anyhow::Result<()> {
            if let Some(lat) = &out.latency {
                let path = files.hlog(&cell.file_stem());
                append_hlog(
                    &path,
                    run_wall_start,
                    Duration::from_nanos(out.makespan_ns),
                    rep,
                    lat,
                )?;
                let merged = state.cell_latency.entry(cell.clone()).or_default();
                merged.add(lat);
                write_hgrm(&dir, cell, merged)?;
            }
            latency_csv.push(&rows.latency)?;
            latency_csv.flush()?;
            workers_csv.push(&rows.workers)?;
            workers_csv.flush()?;
            runs_csv.push(std::slice::from_ref(&rows.run))?;
            Ok(runs_csv.flush()?)
        })();
        state.note_p99(&rows.latency);
        state.add(rows.run);
        if let Err(e) = written {
            stop = Stop::Failed(format!("{e:#}"));
            break;
        }
        if let Some(m) = mismatch {
            stop = Stop::Failed(m);
            break;
        }
    }
    progress.finish_and_clear();

    // 4. Whole files, status, summary.
    let _ = write_latency_cells(&dir, &plan.cells, &state.cell_latency);
    meta.runs_recorded = state.rows.len();
    meta.ended = Some(meta::utc_now());
    let (status, result) = match stop {
        Stop::Complete => ("complete", Ok(())),
        Stop::Interrupted => (
            "interrupted",
            Err(CliError::Interrupted(format!(
                "stopped after {} counted runs; finish with `wsbench run {}--resume {}`",
                state.rows.len(),
                args.config
                    .as_ref()
                    .map_or(String::new(), |p| format!("{} ", p.display())),
                dir.display()
            ))),
        ),
        Stop::Failed(e) => {
            meta.error = Some(e.clone());
            (
                "failed",
                Err(CliError::Failed(anyhow!(
                    "{e}; rows written so far are in {}",
                    dir.display()
                ))),
            )
        }
    };
    meta.status = status.into();
    meta.write(&dir)?;
    print_summary(&exp, &state.rows, &state.run_p99);
    println!(
        "results: {} ({status}, {} runs in {:.1} s)",
        dir.display(),
        state.rows.len(),
        started.elapsed().as_secs_f64()
    );
    result
}

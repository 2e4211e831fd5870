//! `wsbench simulate --trace` (or `trace = true` on a workload): each parallel cell's
//! median repetition, simulated again with every task and steal recorded, written as
//! `traces/<cell>.trace.json` in the Chrome trace event format `wsbench run --trace`
//! writes (`run::trace::chrome`), so Perfetto and `wsbench report` read both alike.
//!
//! The same bounds as a measured trace: at most [`MAX_TASKS_PER_RUN`] tasks, the ones
//! that started first, with `traced_until_ns` saying where the cut is. The re-run uses
//! the repetition's own seed, and recording changes no decision, so the trace is of
//! exactly the run whose row is in `runs.csv`.

use std::path::Path;

use wsbench_schema::Layout;
use wsbench_simulator::{simulate_traced, Cell as SimCell, Strategy as SimStrategy, Trace};

use crate::run::plan::Cell;
use crate::run::record::Label;
use crate::run::trace::chrome::{add_run, CellInfo, RunInfo};
use crate::run::trace::{median_repetition, RunTrace, StealEvent, TaskEvent, MAX_TASKS_PER_RUN};

/// One cell's traced median repetition, ready to write.
#[derive(Debug)]
pub struct CellTrace {
    workload: String,
    strategy: String,
    workers: usize,
    placement: String,
    stem: String,
    median: usize,
    makespan_ns: u64,
    tasks: u64,
    steals: Option<u64>,
    worker_cpus: Vec<Option<usize>>,
    trace: RunTrace,
}

/// Simulates `cell`'s median repetition (by makespan among `makespans`, one per
/// repetition) again, traced. `sim` is the cell as simulated, with repetition 0's seed.
pub fn median_run(cell: &Cell, sim: &SimCell, makespans: &[f64]) -> Option<CellTrace> {
    let median = median_repetition(makespans.iter().map(|&m| m as u64).enumerate())?;
    let traced = SimCell {
        seed: sim.seed + median as u64,
        ..*sim
    };
    let (out, trace) = simulate_traced(&traced);
    // Steals are counted for our pool only, as in a measured run.
    let ours = matches!(sim.strategy, SimStrategy::Pool(_));
    let worker_cpus = sim.machine.worker_cpus();
    Some(CellTrace {
        workload: cell.workload.clone(),
        strategy: cell.strategy.to_string(),
        workers: cell.workers,
        placement: cell.placement.to_string(),
        stem: cell.file_stem(),
        median,
        makespan_ns: out.makespan_ns as u64,
        tasks: out.tasks(),
        steals: ours.then(|| out.steals()),
        trace: run_trace(trace, ours, &worker_cpus),
        worker_cpus,
    })
}

/// The simulated trace as a measured one: times in whole ns, tasks by start, cut after
/// the first [`MAX_TASKS_PER_RUN`] (exactly the tasks and steals before the cut).
fn run_trace(mut trace: Trace, steals_logged: bool, cpus: &[Option<usize>]) -> RunTrace {
    trace.tasks.sort_by(|a, b| {
        a.start_ns
            .total_cmp(&b.start_ns)
            .then(a.worker.cmp(&b.worker))
    });
    let cut = trace.tasks.get(MAX_TASKS_PER_RUN).map(|t| t.start_ns);
    let before = |t: f64| cut.map_or(true, |c| t < c);
    let tasks = trace
        .tasks
        .iter()
        .filter(|t| before(t.start_ns))
        .map(|t| TaskEvent {
            worker: t.worker,
            cpu: cpus.get(t.worker).copied().flatten(),
            start_ns: t.start_ns as u64,
            end_ns: t.end_ns as u64,
            label: Label {
                index: t.index as u64,
                node: None,
            },
        })
        .collect();
    let steals = trace
        .steals
        .iter()
        .filter(|s| before(s.at_ns))
        .map(|s| StealEvent {
            thief: s.thief,
            victim: s.victim,
            at_ns: s.at_ns as u64,
        })
        .collect();
    RunTrace {
        tasks,
        steals,
        steals_logged,
        traced_until_ns: cut.map(|c| c as u64),
    }
}

/// Writes each cell's trace file under `out`.
pub fn write(out: &Path, traces: &[CellTrace]) -> anyhow::Result<()> {
    let files = Layout::new(out);
    for t in traces {
        let cell = CellInfo {
            workload: &t.workload,
            strategy: &t.strategy,
            workers: t.workers,
            placement: &t.placement,
        };
        let run = RunInfo {
            repetition: t.median,
            makespan_ns: t.makespan_ns,
            tasks: t.tasks,
            steals: t.steals,
            worker_cpus: &t.worker_cpus,
        };
        add_run(&files.trace(&t.stem), &cell, &t.trace, &run, Some(t.median))?;
    }
    Ok(())
}

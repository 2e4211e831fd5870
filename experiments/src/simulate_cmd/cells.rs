//! From a config's cells to simulated rows: each task's cost from its workload's
//! cost model (`Workload::predicted_cost` × the calibrated ns per unit), which of
//! our strategies the simulator models, and one simulated run as a `runs.csv` row.

use std::collections::HashMap;

use workloads::factor::Method;
use workloads::workload::Workload;
use wsbench_schema::{LatencyRow, RunRow, Source, WorkerRow};
use wsbench_simulator::{simulate, Calibration, Cell as SimCell, Outcome, SimMachine};

use super::Machines;
use crate::error::{CliError, CliResult};
use crate::run::config::Experiment;
use crate::run::outcome::WorkerOutcome;
use crate::run::plan::{Cell, Plan};
use crate::run::policy::Steal;
use crate::run::strategy::Strategy;
use crate::run::workload::{WorkloadKind, WorkloadSpec};

/// The calibration's unit key of a workload (see `Calibration::ns_per_unit`).
pub fn unit_key(spec: &WorkloadSpec) -> &'static str {
    let method = match &spec.kind {
        WorkloadKind::Factorize(s) => s.method,
        WorkloadKind::File(s) => s.method,
        WorkloadKind::Factorial(_) => return "factorial",
        WorkloadKind::Synthetic(s) if s.sleep == Some(true) => return "sleep",
        WorkloadKind::Synthetic(_) => return "synthetic",
        // Not simulated (fork-join on our pool is not modelled): no unit.
        _ => return "recursive",
    };
    match method {
        Some(Method::Fast) => "factorize-fast",
        _ => "factorize-naive",
    }
}

/// Each task's cost in ns: its predicted cost × `ns_per_unit`.
pub fn task_costs(w: &dyn Workload, ns_per_unit: f64) -> Vec<f64> {
    (0..w.len())
        .map(|i| w.predicted_cost(i) as f64 * ns_per_unit)
        .collect()
}

/// The simulator's model of a strategy; `None` where there is none (OpenMP, chili, serial).
pub fn model_of(s: &Strategy) -> Option<wsbench_simulator::Strategy> {
    match s {
        Strategy::Pool(s) => Some(wsbench_simulator::Strategy::Pool(*s)),
        Strategy::Rayon => Some(wsbench_simulator::Strategy::Rayon { fine: false }),
        Strategy::RayonFine => Some(wsbench_simulator::Strategy::Rayon { fine: true }),
        _ => None,
    }
}

/// Every workload of the experiment built, with its tasks' costs in ns.
fn costs(
    exp: &Experiment,
    cal: &Calibration,
) -> CliResult<HashMap<String, (Vec<f64>, &'static str)>> {
    let mut out = HashMap::new();
    for spec in &exp.workloads {
        if spec.kind.kind_name().is_recursive() {
            continue;
        }
        let w = spec.build(".".as_ref()).map_err(CliError::Usage)?;
        let key = unit_key(spec);
        let per = *cal.ns_per_unit.get(key).ok_or_else(|| {
            CliError::usage(format!(
                "the calibration has no ns_per_unit for {key:?} (workload {:?}); recalibrate with `wsbench calibrate`",
                spec.name
            ))
        })?;
        let mut tasks = task_costs(w.as_ref(), per);
        if key == "sleep" {
            tasks.iter_mut().for_each(|t| *t += cal.sleep_overshoot_ns);
        }
        out.insert(spec.name.clone(), (tasks, key));
    }
    Ok(out)
}

/// The rows of a simulated folder: `runs.csv` and `workers.csv` (simulated runs record
/// no latency histograms; `latency.csv` and `latency_cells.csv` are written empty).
#[derive(Debug, Default)]
pub struct Rows {
    /// `runs.csv`.
    pub runs: Vec<RunRow>,
    /// `workers.csv`.
    pub workers: Vec<WorkerRow>,
    /// Always empty.
    pub latency: Vec<LatencyRow>,
    /// The traced cells' median repetitions (`--trace`, or `trace = true`).
    pub traces: Vec<super::traces::CellTrace>,
}

impl Rows {
    /// Adds one simulated run: its `runs.csv` row and a `workers.csv` row per worker.
    pub fn add(
        &mut self,
        cell: &Cell,
        rep: usize,
        out: &Outcome,
        serial: f64,
        sweep: Option<String>,
        machine: &SimMachine,
    ) {
        self.runs.push(row(cell, rep, out, serial, sweep));
        let makespan = out.makespan_ns;
        let cpus = machine.worker_cpus();
        self.workers
            .extend(out.workers.iter().enumerate().map(|(i, w)| {
                let simulated = WorkerOutcome {
                    cpu: cpus[i],
                    busy_ns: Some(w.busy_ns as u64),
                    idle_ns: Some((makespan - w.busy_ns).max(0.0) as u64),
                    finish_ns: Some(w.finish_ns as u64),
                    tasks: Some(w.tasks),
                    steals: Some(w.steals),
                    parks: Some(w.parks),
                    migrations: None,
                };
                simulated.row(cell, rep, i)
            }));
    }
}

/// Simulates every cell of `plan` (each repetition with seed + repetition); serial
/// rows are Σ task times. Strategies the simulator does not model are left out (said on
/// stderr).
pub fn simulate_plan(
    exp: &Experiment,
    plan: &Plan,
    machines: &Machines,
    cal: &Calibration,
    (seed, trace_all): (u64, bool),
) -> CliResult<Rows> {
    let costs = costs(exp, cal)?;
    let mut rows = Rows::default();
    for cell in &plan.cells {
        let Some((tasks, _)) = costs.get(&cell.workload) else {
            eprintln!(
                "wsbench: {cell}: recursive workloads are not modelled by the simulator; left out"
            );
            continue;
        };
        let spec = exp.workloads.iter().find(|w| w.name == cell.workload);
        let sweep = spec.and_then(|s| s.sweep.clone());
        let serial: f64 = tasks.iter().map(|c| c + cal.task_call_ns).sum();
        if cell.is_serial() {
            for rep in 0..exp.repetitions {
                rows.runs
                    .push(serial_row(cell, rep, tasks, cal, sweep.clone()));
            }
            continue;
        }
        let Some(model) = model_of(&cell.strategy) else {
            eprintln!("wsbench: {cell}: not modelled by the simulator; left out");
            continue;
        };
        let Some(machine) = machines.get(&cell.placement.to_string(), cell.workers) else {
            continue;
        };
        let sim = SimCell {
            task_ns: tasks,
            strategy: model,
            machine,
            cal,
            seed,
            steal_half: exp.steal == Steal::Half,
        };
        let mut makespans = Vec::with_capacity(exp.repetitions);
        for rep in 0..exp.repetitions {
            let out = simulate(&SimCell {
                seed: seed + rep as u64,
                ..sim
            });
            makespans.push(out.makespan_ns);
            rows.add(cell, rep, &out, serial, sweep.clone(), machine);
        }
        if trace_all || spec.is_some_and(|s| s.trace) {
            rows.traces
                .extend(super::traces::median_run(cell, &sim, &makespans));
        }
    }
    Ok(rows)
}

/// A serial run's row: every task in turn on one thread.
pub fn serial_row(
    cell: &Cell,
    rep: usize,
    tasks: &[f64],
    cal: &Calibration,
    sweep: Option<String>,
) -> RunRow {
    let sum: f64 = tasks.iter().map(|c| c + cal.task_call_ns).sum();
    let max = tasks
        .iter()
        .fold(0.0f64, |m, c| m.max(c + cal.task_call_ns));
    RunRow {
        workload: cell.workload.clone(),
        strategy: cell.strategy.to_string(),
        workers: 1,
        placement: cell.placement.to_string(),
        repetition: rep,
        makespan_ns: sum as u64,
        lower_bound_ns: Some(sum.max(max) as u64),
        serial_ns: Some(sum as u64),
        speedup: Some(1.0),
        lb_ratio: Some(1.0),
        tasks: Some(tasks.len() as u64),
        size: Some(tasks.len()),
        task_sum_ns: Some(sum as u64),
        task_max_ns: Some(max as u64),
        sweep,
        cpus: Some(1),
        // The model has no pool start-up: what it simulates is a warm pool.
        pool_in_timing: Some(false),
        source: Source::Simulated,
        ..RunRow::default()
    }
}

/// A simulated run's row.
pub fn row(cell: &Cell, rep: usize, out: &Outcome, serial: f64, sweep: Option<String>) -> RunRow {
    let p = out.workers.len();
    let makespan = out.makespan_ns.max(1.0);
    let lb = out.lower_bound_ns();
    let busy: f64 = out.workers.iter().map(|w| w.busy_ns).sum();
    let finish: Vec<f64> = out.workers.iter().map(|w| w.finish_ns).collect();
    let fmax = finish.iter().cloned().fold(0.0, f64::max);
    let fmean = finish.iter().sum::<f64>() / p as f64;
    RunRow {
        workload: cell.workload.clone(),
        strategy: cell.strategy.to_string(),
        workers: cell.workers,
        placement: cell.placement.to_string(),
        repetition: rep,
        makespan_ns: makespan as u64,
        lower_bound_ns: Some(lb as u64),
        serial_ns: Some(serial as u64),
        speedup: Some(serial / makespan),
        lb_ratio: Some(makespan / lb.max(1.0)),
        steals: Some(out.steals()),
        failed_steals: Some(out.workers.iter().map(|w| w.failed_steals).sum()),
        parks: Some(out.workers.iter().map(|w| w.parks).sum()),
        busy_ns: Some(busy as u64),
        idle_ns: Some((makespan * p as f64 - busy).max(0.0) as u64),
        tasks: Some(out.tasks()),
        size: Some(out.tasks() as usize),
        sweep,
        cpus: Some(p),
        percent_imbalance: (p > 1 && fmax > 0.0)
            .then(|| (fmax - fmean) / fmax * p as f64 / (p - 1) as f64 * 100.0),
        // The model has no pool start-up: what it simulates is a warm pool.
        pool_in_timing: Some(false),
        source: Source::Simulated,
        ..RunRow::default()
    }
}

//! `wsbench simulate --validate MEASURED_DIR`: the measured folder's cells, simulated.
//!
//! The experiment comes from the folder's `meta.json` (its config, its workers' CPUs
//! per placement, its topology), so the simulated machine is the measured one; the
//! operation costs come from the calibration (this machine's unless another is given);
//! the tasks' costs are the workloads' cost models scaled so that a serial run takes
//! the folder's median serial makespan ("costs scaled by that machine's serial time").
//! Each cell is simulated as many times as it was measured (seed + repetition) and its
//! median makespan compared with the measured median: `validation.csv` per cell,
//! `validation.md` with the median absolute error and the maximum.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;
use wsbench_schema::{read_rows, Layout, RunRow, WorkerRow};
use wsbench_simulator::machine::Place;
use wsbench_simulator::{simulate, Calibration, Cell as SimCell, SimMachine};

use super::cells::{model_of, serial_row, task_costs, Rows};
use crate::error::{CliError, CliResult};
use crate::run::meta::Meta;
use crate::run::plan::Cell;
use crate::run::policy::Steal;
use crate::run::strategy::Strategy;
use crate::run::workload::SyntheticSpec;
use scheduler::Schedule;
use wsbench_report::intervals::{median_interval, MEDIAN_CI_LEVEL};
use wsbench_report::stats;

/// One cell's comparison.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CellError {
    /// Workload.
    pub workload: String,
    /// Strategy.
    pub strategy: String,
    /// Workers.
    pub workers: usize,
    /// Placement.
    pub placement: String,
    /// Median measured makespan.
    pub measured_ns: u64,
    /// Median simulated makespan.
    pub simulated_ns: u64,
    /// (simulated − measured) / measured × 100.
    pub error_percent: f64,
    /// Why the cell is left out of the held-to summary ([`super::flags`]); empty if not.
    pub excluded: String,
    /// The cell's median measured Σ task time over the serial run's: the speed the
    /// machine ran the same tasks at during the cell (1: the serial run's). Empty where
    /// Σ task time was not recorded, and for sleep workloads (their task time is
    /// mostly the timer's overshoot, not the machine's speed).
    pub task_time_ratio: Option<f64>,
    /// The error once the model's tasks are given that speed: (simulated ×
    /// `task_time_ratio` − measured) / measured × 100. A diagnostic that takes a
    /// measured input (the cell's own Σ task time), not a prediction: what is left is
    /// the schedule's model, not the machine's speed.
    pub speed_error_percent: Option<f64>,
    /// Lower end of the measured median's order-statistic confidence interval
    /// ([`median_interval`] at [`MEDIAN_CI_LEVEL`], or min–max where the repetitions
    /// are too few to reach it).
    pub measured_low_ns: u64,
    /// Upper end of that interval.
    pub measured_high_ns: u64,
    /// The interval's real coverage (0–1): 0.9375 for min–max of 5 repetitions.
    pub interval_level: f64,
    /// How far the simulated median lies outside that interval, in percent of the
    /// measured median (signed as `error_percent`; 0 inside): the part of the error
    /// the measurement itself can tell from the machine's run-to-run noise.
    pub outside_interval_percent: f64,
}

/// The report's median ([`stats::median`]); 0 for none (every group here has a value).
pub(super) fn median(v: &[f64]) -> f64 {
    stats::median(v).unwrap_or(0.0)
}

/// Every measured CPU's place, from `meta.json`'s `machine.topology.cpus`.
fn places(topology: &Value) -> HashMap<usize, Place> {
    let cpus = topology
        .get("cpus")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let id = |c: &Value, k: &str| c.get(k).and_then(Value::as_u64).map(|x| x as usize);
    cpus.iter()
        .filter_map(|c| {
            let cpu = id(c, "id")?;
            Some((
                cpu,
                Place {
                    cpu,
                    core: id(c, "core").unwrap_or(cpu),
                    llc: id(c, "llc").unwrap_or(usize::MAX),
                    package: id(c, "package").unwrap_or(usize::MAX),
                },
            ))
        })
        .collect()
}

/// Measured makespans by cell key (workload, strategy, workers, placement).
type Groups = BTreeMap<Key, Vec<f64>>;

/// A cell's key: (workload, strategy, workers, placement).
type Key = (String, String, usize, String);

impl CellError {
    /// Cell `key`'s comparison of its measured repetitions `runs` with the median
    /// `simulated` (ns), why it is excluded if it is, and its measured task speed where
    /// that applies.
    fn new(
        key: Key,
        runs: &[f64],
        simulated: f64,
        excluded: Option<String>,
        speed: Option<f64>,
    ) -> CellError {
        let measured = median(runs);
        let error = |s: f64| (s - measured) / measured.max(1.0) * 100.0;
        let interval = median_interval(runs, MEDIAN_CI_LEVEL);
        let (low, high) = interval.map_or((measured, measured), |i| (i.low, i.high));
        // The gap to the nearer end, in percent of the measured median; 0 inside.
        let beyond = |edge: f64| (simulated - edge) / measured.max(1.0) * 100.0;
        let outside = if simulated > high {
            beyond(high)
        } else if simulated < low {
            beyond(low)
        } else {
            0.0
        };
        let (workload, strategy, workers, placement) = key;
        CellError {
            workload,
            strategy,
            workers,
            placement,
            measured_ns: measured as u64,
            simulated_ns: simulated as u64,
            error_percent: error(simulated),
            excluded: excluded.unwrap_or_default(),
            task_time_ratio: speed,
            speed_error_percent: speed.map(|r| error(simulated * r)),
            measured_low_ns: low as u64,
            measured_high_ns: high as u64,
            interval_level: interval.map_or(0.0, |i| i.coverage),
            outside_interval_percent: outside,
        }
    }
}

/// Runs the validation and writes its files and the simulated rows to `out`.
pub fn main(dir: &Path, cal: &Calibration, seed: u64, out: &Path) -> CliResult {
    let usage = |e: String| CliError::usage(format!("--validate {}: {e}", dir.display()));
    let meta = Meta::read(dir).map_err(|e| usage(e.to_string()))?;
    let measured: Vec<RunRow> =
        read_rows(&Layout::new(dir).runs()).map_err(|e| usage(e.to_string()))?;
    SyntheticSpec::use_spin_rate(meta.spin_iterations_per_ns.unwrap_or(1.0));
    let (groups, sums) = group(&measured);
    let inflation = inflations(&sums);
    let measured_workers: Vec<WorkerRow> =
        read_rows(&Layout::new(dir).workers()).unwrap_or_default();
    let costs = scaled_costs(&meta, &groups, cal).map_err(usage)?;
    let where_ = places(&meta.machine.topology);
    let sleeps = sleep_workloads(&meta);
    let mut errors = Vec::new();
    let mut rows = Rows::default();
    for ((workload, strategy, workers, placement), runs) in &groups {
        let (Some(tasks), Ok(s), Ok(pl)) = (
            costs.get(workload.as_str()),
            strategy.parse::<Strategy>(),
            placement.parse(),
        ) else {
            continue;
        };
        let cell = Cell {
            workload: workload.clone(),
            strategy: s,
            workers: *workers,
            placement: pl,
        };
        let cpus = meta
            .machine
            .placements
            .get(placement.as_str())
            .and_then(|m| m.get(workers));
        let machine = cpus.map(|cpus| machine_of(cpus, &where_));
        let steal_half = meta.config.steal == Steal::Half;
        let first_sim_worker = rows.workers.len();
        let Some(sims) = simulate_cell(
            &cell,
            tasks,
            machine.as_ref(),
            cal,
            runs.len(),
            seed,
            steal_half,
            &mut rows,
        ) else {
            continue;
        };
        let key = (
            workload.clone(),
            strategy.clone(),
            *workers,
            placement.clone(),
        );
        let sim_workers = &rows.workers[first_sim_worker..];
        let slow = fixed_slowest(&cell.strategy, sim_workers, &measured_workers, &key);
        let excluded = super::flags::exclusion(runs, inflation.get(&key).copied(), slow);
        let speed = inflation
            .get(&key)
            .copied()
            .filter(|_| !sleeps.contains(&workload.as_str()));
        errors.push(CellError::new(key, runs, median(&sims), excluded, speed));
    }
    let description = format!("the machine of {}", dir.display());
    let placements = meta.machine.placements.clone();
    super::write_folder(out, meta.config, &rows, cal, &description, placements)?;
    super::validation_md::write_errors(out, dir, &errors)
}

/// The names of the folder's sleep workloads (their task time is the timer's, not the
/// machine's speed).
fn sleep_workloads(meta: &Meta) -> Vec<&str> {
    let specs = meta.config.workloads.iter();
    specs
        .filter(|spec| super::cells::unit_key(spec) == "sleep")
        .map(|spec| spec.name.as_str())
        .collect()
}

/// Measured makespans and Σ task times (where recorded) by cell.
fn group(measured: &[RunRow]) -> (Groups, Groups) {
    let (mut groups, mut sums) = (Groups::new(), Groups::new());
    for r in measured {
        let key = (
            r.workload.clone(),
            r.strategy.clone(),
            r.workers,
            r.placement.clone(),
        );
        groups
            .entry(key.clone())
            .or_default()
            .push(r.makespan_ns as f64);
        // 0: not recorded (a workload without latency recording).
        if let Some(t) = r.task_sum_ns.filter(|t| *t > 0) {
            sums.entry(key).or_default().push(t as f64);
        }
    }
    (groups, sums)
}

/// For `static` and `static-cyclic`: [`super::flags::slowest_worker`] of cell `key`
/// (`simulated`: its simulated worker rows); `None` for other schedules.
fn fixed_slowest(
    strategy: &Strategy,
    simulated: &[WorkerRow],
    measured: &[WorkerRow],
    key: &Key,
) -> Option<f64> {
    if !matches!(
        strategy,
        Strategy::Pool(Schedule::Static | Schedule::StaticCyclic)
    ) {
        return None;
    }
    let sim_busy = worker_busy(simulated, key, Some(0));
    super::flags::slowest_worker(&sim_busy, &measured_busy(measured, key))
}

/// Per worker, busy ns of the rows of cell `key` (one repetition or all), by worker.
fn worker_busy(rows: &[WorkerRow], key: &Key, rep: Option<usize>) -> Vec<f64> {
    let mut busy = Vec::new();
    for r in rows.iter().filter(|r| {
        (&r.workload, &r.strategy, r.workers, &r.placement) == (&key.0, &key.1, key.2, &key.3)
            && rep.map_or(true, |x| x == r.repetition)
    }) {
        if busy.len() <= r.worker {
            busy.resize(r.worker + 1, 0.0);
        }
        busy[r.worker] = r.busy_ns.unwrap_or(0) as f64;
    }
    busy
}

/// Each measured repetition's per-worker busy ns of cell `key`.
fn measured_busy(rows: &[WorkerRow], key: &Key) -> Vec<Vec<f64>> {
    let reps: std::collections::BTreeSet<usize> = rows.iter().map(|r| r.repetition).collect();
    reps.into_iter()
        .map(|rep| worker_busy(rows, key, Some(rep)))
        .filter(|b| !b.is_empty())
        .collect()
}

/// Each parallel cell's median measured Σ task time over its workload's serial one.
fn inflations(sums: &Groups) -> HashMap<Key, f64> {
    let serial: HashMap<String, f64> = sums
        .iter()
        .filter(|(k, _)| k.1 == "serial")
        .map(|(k, v)| (k.0.clone(), median(v)))
        .collect();
    sums.iter()
        .filter(|(k, v)| k.1 != "serial" && !v.is_empty())
        .filter_map(|(k, v)| {
            let s = serial.get(&k.0).copied().filter(|s| *s > 0.0)?;
            Some((k.clone(), median(v) / s))
        })
        .collect()
}

/// Each workload's task costs, scaled so that a serial run takes the folder's median
/// serial makespan (workloads without serial runs are left out).
fn scaled_costs(
    meta: &Meta,
    groups: &Groups,
    cal: &Calibration,
) -> Result<HashMap<String, Vec<f64>>, String> {
    let mut costs = HashMap::new();
    for spec in &meta.config.workloads {
        let serial = groups
            .iter()
            .find(|(k, _)| k.0 == spec.name && k.1 == "serial");
        let Some((_, serial)) = serial else { continue };
        let serial = median(serial);
        let w = spec.build(".".as_ref())?;
        let units: f64 = (0..w.len()).map(|i| w.predicted_cost(i) as f64).sum();
        let n = w.len().max(1) as f64;
        let tasks = if super::cells::unit_key(spec) == "sleep" {
            // A sleep's cost is its duration plus the timer's overshoot, which is what
            // `wsbench calibrate` measures (`sleep_overshoot_ns`); the serial run's excess
            // over the durations, spread evenly, only where the calibration has none: a
            // lone thread's sleeps overshoot more (116 µs a task on the 2-vCPU VM) than
            // the calibrated 100 µs and than the pool's workers' (87-99 µs, from the
            // measured Σ task time); see simulator/README.md.
            let residual = ((serial - units) / n - cal.task_call_ns).max(0.0);
            let extra = if cal.sleep_overshoot_ns > 0.0 {
                cal.sleep_overshoot_ns
            } else {
                residual
            };
            task_costs(w.as_ref(), 1.0)
                .into_iter()
                .map(|t| t + extra)
                .collect()
        } else {
            let per = (serial - n * cal.task_call_ns).max(0.0) / units.max(1.0);
            task_costs(w.as_ref(), per)
        };
        costs.insert(spec.name.clone(), tasks);
    }
    Ok(costs)
}

/// The measured workers' places (an unpinned worker `w` sits on its own CPU `w`).
fn machine_of(cpus: &[Option<usize>], places: &HashMap<usize, Place>) -> SimMachine {
    let ps: Vec<Place> = cpus
        .iter()
        .enumerate()
        .map(|(w, c)| {
            let cpu = c.unwrap_or(w);
            places.get(&cpu).copied().unwrap_or(Place {
                cpu,
                core: cpu,
                llc: 0,
                package: 0,
            })
        })
        .collect();
    SimMachine::new(ps, format!("{} workers as measured", cpus.len()))
}

/// Simulates `reps` runs of one cell (serial: Σ task times), appending their rows;
/// their makespans, or `None` where the strategy or machine is not modelled.
#[allow(clippy::too_many_arguments)]
fn simulate_cell(
    cell: &Cell,
    tasks: &[f64],
    machine: Option<&SimMachine>,
    cal: &Calibration,
    reps: usize,
    seed: u64,
    steal_half: bool,
    rows: &mut Rows,
) -> Option<Vec<f64>> {
    let mut sims = Vec::new();
    if cell.is_serial() {
        for rep in 0..reps {
            let r = serial_row(cell, rep, tasks, cal, None);
            sims.push(r.makespan_ns as f64);
            rows.runs.push(r);
        }
        return Some(sims);
    }
    let (model, machine) = (model_of(&cell.strategy)?, machine?);
    let serial: f64 = tasks.iter().map(|c| c + cal.task_call_ns).sum();
    for rep in 0..reps {
        let o = simulate(&SimCell {
            task_ns: tasks,
            strategy: model,
            machine,
            cal,
            seed: seed + rep as u64,
            steal_half,
        });
        sims.push(o.makespan_ns);
        rows.add(cell, rep, &o, serial, None, machine);
    }
    Some(sims)
}

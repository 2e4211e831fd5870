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
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use wsbench_schema::{read_rows, Layout, RunRow};
use wsbench_simulator::machine::Place;
use wsbench_simulator::{simulate, Calibration, Cell as SimCell, SimMachine};

use super::cells::{model_of, serial_row, task_costs, Rows};
use crate::error::{CliError, CliResult};
use crate::run::meta::Meta;
use crate::run::plan::Cell;
use crate::run::policy::Steal;
use crate::run::strategy::Strategy;
use crate::run::workload::SyntheticSpec;

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
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
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
type Groups = BTreeMap<(String, String, usize, String), Vec<f64>>;

/// Runs the validation and writes its files and the simulated rows to `out`.
pub fn main(dir: &Path, cal: &Calibration, seed: u64, out: &Path) -> CliResult {
    let usage = |e: String| CliError::usage(format!("--validate {}: {e}", dir.display()));
    let meta = Meta::read(dir).map_err(|e| usage(e.to_string()))?;
    let measured: Vec<RunRow> =
        read_rows(&Layout::new(dir).runs()).map_err(|e| usage(e.to_string()))?;
    SyntheticSpec::use_spin_rate(meta.spin_iterations_per_ns.unwrap_or(1.0));
    let mut groups = Groups::new();
    for r in &measured {
        let key = (
            r.workload.clone(),
            r.strategy.clone(),
            r.workers,
            r.placement.clone(),
        );
        groups.entry(key).or_default().push(r.makespan_ns as f64);
    }
    let costs = scaled_costs(&meta, &mut groups, cal).map_err(usage)?;
    let where_ = places(&meta.machine.topology);
    let mut errors = Vec::new();
    let mut rows = Rows::default();
    for ((workload, strategy, workers, placement), runs) in &mut groups {
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
        let Some(mut sims) = simulate_cell(
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
        let (m, s) = (median(runs), median(&mut sims));
        errors.push(CellError {
            workload: workload.clone(),
            strategy: strategy.clone(),
            workers: *workers,
            placement: placement.clone(),
            measured_ns: m as u64,
            simulated_ns: s as u64,
            error_percent: (s - m) / m.max(1.0) * 100.0,
        });
    }
    let description = format!("the machine of {}", dir.display());
    let placements = meta.machine.placements.clone();
    super::write_folder(out, meta.config, &rows, cal, &description, placements)?;
    write_errors(out, dir, &errors)
}

/// Each workload's task costs, scaled so that a serial run takes the folder's median
/// serial makespan (workloads without serial runs are left out).
fn scaled_costs(
    meta: &Meta,
    groups: &mut Groups,
    cal: &Calibration,
) -> Result<HashMap<String, Vec<f64>>, String> {
    let mut costs = HashMap::new();
    for spec in &meta.config.workloads {
        let serial = groups
            .iter_mut()
            .find(|(k, _)| k.0 == spec.name && k.1 == "serial");
        let Some((_, serial)) = serial else { continue };
        let serial = median(serial);
        let w = spec.build(".".as_ref())?;
        let units: f64 = (0..w.len()).map(|i| w.predicted_cost(i) as f64).sum();
        let n = w.len().max(1) as f64;
        let tasks = if super::cells::unit_key(spec) == "sleep" {
            // A sleep's cost is its duration plus an overshoot per task: the serial
            // time's excess over the durations, spread evenly.
            let extra = ((serial - units) / n - cal.task_call_ns).max(0.0);
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

/// `validation.csv` and `validation.md`.
fn write_errors(out: &Path, dir: &Path, errors: &[CellError]) -> CliResult {
    let fail = |e: String| CliError::usage(format!("cannot write to {}: {e}", out.display()));
    let mut w =
        csv::Writer::from_path(out.join("validation.csv")).map_err(|e| fail(e.to_string()))?;
    for e in errors {
        w.serialize(e).map_err(|e| fail(e.to_string()))?;
    }
    w.flush().map_err(|e| fail(e.to_string()))?;
    let parallel: Vec<&CellError> = errors.iter().filter(|e| e.strategy != "serial").collect();
    let mut abs: Vec<f64> = parallel.iter().map(|e| e.error_percent.abs()).collect();
    let max = abs.iter().cloned().fold(0.0, f64::max);
    let med = if abs.is_empty() {
        0.0
    } else {
        median(&mut abs)
    };
    let mut md = format!(
        "# Simulated vs measured: {}\n\nMedian makespan per cell, simulated (`wsbench simulate --validate`) vs measured; \
error = (simulated − measured) / measured. Serial cells are the scale (their error is 0 by construction) and are left out of the summary.\n\n\
**{} parallel cells: median absolute error {:.1}%, maximum {:.1}%.**\n\n\
| workload | strategy | workers | placement | measured ms | simulated ms | error % |\n| --- | --- | ---: | --- | ---: | ---: | ---: |\n",
        dir.display(),
        parallel.len(),
        med,
        max
    );
    for e in errors {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:+.1} |",
            e.workload,
            e.strategy,
            e.workers,
            e.placement,
            e.measured_ns as f64 / 1e6,
            e.simulated_ns as f64 / 1e6,
            e.error_percent
        );
    }
    std::fs::write(out.join("validation.md"), &md).map_err(|e| fail(e.to_string()))?;
    println!(
        "validation: {} parallel cells, median |error| {med:.1}%, max {max:.1}% ({})",
        parallel.len(),
        out.join("validation.md").display()
    );
    Ok(())
}

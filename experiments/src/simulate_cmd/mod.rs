//! `wsbench simulate`: a config's cells through the simulator (`simulator/`), written
//! as the same results folder `wsbench run` writes (rows through `wsbench-schema`,
//! `source` = `simulated`), so that `wsbench report` reads it; and `--validate`, which
//! simulates the cells of a measured folder and writes the error per cell.
//!
//! * [`cells`] — task costs from the workloads' cost models, simulated machines, one
//!   cell's simulated runs as rows;
//! * [`traces`] — `--trace`: each cell's median repetition as a per-task trace file;
//! * [`validate`] — the measured folder's cells, simulated and compared.

pub mod cells;
pub mod flags;
pub mod traces;
pub mod validate;
mod validation_md;

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use serde_json::json;
use topology::Topology;
use wsbench_schema::{write_rows_atomic, Layout, Machine, PlacementMap, RunStatus, Shard};
use wsbench_simulator::{Calibration, SimMachine};

use crate::error::{CliError, CliResult};
use crate::run::config::Experiment;
use crate::run::meta::{self, Meta};
use crate::run::plan::Plan;
use crate::run::workload::SyntheticSpec;

/// Arguments of `wsbench simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Experiment file (TOML); without it, the embedded default experiment.
    #[arg(conflicts_with = "validate")]
    pub config: Option<PathBuf>,
    /// Replace the config's `workers` (e.g. `64,256,1024`).
    #[arg(long, value_name = "LIST", value_parser = crate::run::config::parse_workers_arg)]
    pub workers: Option<::std::vec::Vec<usize>>,
    /// Simulate the machine of this sysfs snapshot (a root as hwloc's `HWLOC_FSROOT`) instead of this one.
    #[arg(long, value_name = "SNAPSHOT", conflicts_with = "generate")]
    pub root: Option<PathBuf>,
    /// Simulate a generated machine: PACKAGES×CORES×THREADS (cores per package, threads
    /// per core; one last-level cache per package), e.g. `2x64x2`; workers go over
    /// cores first, placements are ignored.
    #[arg(long, value_name = "PxCxT")]
    pub generate: Option<String>,
    /// The operation costs (`wsbench calibrate --out FILE`). Without it, this machine is
    /// calibrated first (about half a minute) and the calibration is saved in the output
    /// folder as calibration.json.
    #[arg(long, value_name = "FILE")]
    pub calibration: Option<PathBuf>,
    /// Seed of the simulated victim choices (repetition r uses seed + r).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulate exactly the cells of this measured results folder (its config from its
    /// meta.json, task costs scaled by its serial medians) and write the error per cell.
    #[arg(long, value_name = "MEASURED_DIR")]
    pub validate: Option<PathBuf>,
    /// Write each parallel cell's median repetition as a per-task trace
    /// (`traces/<cell>.trace.json`, the Chrome trace event format `run --trace` writes),
    /// as `trace = true` on a workload does.
    #[arg(long, conflicts_with = "validate")]
    pub trace: bool,
    /// Output folder (must not hold results yet).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Runs `wsbench simulate`.
pub fn main(args: SimulateArgs) -> CliResult {
    check_out(&args.out)?;
    if let Some(dir) = &args.validate {
        let cal = calibration(&args)?;
        return validate::main(dir, &cal, args.seed, &args.out);
    }
    let exp = load(&args)?;
    let topo = match &args.root {
        Some(root) => Topology::from_root(root).map_err(|e| {
            CliError::usage(format!(
                "--root {}: not a readable sysfs snapshot: {e}",
                root.display()
            ))
        })?,
        None => Topology::detect()
            .map_err(|e| CliError::Failed(anyhow!("detecting the topology: {e}")))?,
    };
    let generated = args.generate.as_deref().map(parse_generated).transpose()?;
    let cal = calibration(&args)?;
    SyntheticSpec::use_spin_rate(1.0);
    let plan = Plan::new(&exp, Shard::WHOLE);
    let mut machines = Machines::default();
    for cell in plan.cells.iter().filter(|c| !c.is_serial()) {
        let machine = match generated {
            Some((pk, co, th)) => {
                let m = SimMachine::generated(pk, co, th, cell.workers);
                machines.note(&cell.placement.to_string(), cell.workers, &m.worker_cpus());
                m
            }
            None => {
                let cpus = crate::run::execute::resolve(&topo, &cell.placement, cell.workers)
                    .map_err(|e| {
                        CliError::usage(format!(
                            "placement {} at {} workers: {e}",
                            cell.placement, cell.workers
                        ))
                    })?;
                machines.note(&cell.placement.to_string(), cell.workers, &cpus);
                let cpus: Vec<usize> = cpus
                    .iter()
                    .enumerate()
                    .map(|(w, c)| c.unwrap_or(w))
                    .collect();
                SimMachine::from_topology(&topo, &cpus, cell.workers)
            }
        };
        machines.insert(cell, machine);
    }
    let rows = cells::simulate_plan(&exp, &plan, &machines, &cal, (args.seed, args.trace))?;
    let description = match generated {
        Some((pk, co, th)) => format!("generated {pk} packages × {co} cores × {th} threads"),
        None => format!(
            "{} CPUs of {}",
            topo.allowed_cpus().len(),
            topo.cpu_model().unwrap_or_default()
        ),
    };
    write_folder(
        &args.out,
        exp,
        &rows,
        &cal,
        &description,
        machines.placements,
    )?;
    println!(
        "results: {} (simulated, {} runs)",
        args.out.display(),
        rows.runs.len()
    );
    Ok(())
}

/// The simulated machine of each (placement, workers), and where the workers sit.
#[derive(Default)]
pub struct Machines {
    by_cell: std::collections::HashMap<(String, usize), SimMachine>,
    /// For `meta.json`.
    pub placements: PlacementMap,
}

impl Machines {
    /// The machine of a cell (placement and worker count).
    pub fn get(&self, placement: &str, workers: usize) -> Option<&SimMachine> {
        self.by_cell.get(&(placement.to_string(), workers))
    }

    fn insert(&mut self, cell: &crate::run::plan::Cell, m: SimMachine) {
        self.by_cell
            .insert((cell.placement.to_string(), cell.workers), m);
    }

    /// Adds a machine for a placement and worker count.
    pub fn add(&mut self, placement: &str, workers: usize, m: SimMachine) {
        self.by_cell.insert((placement.to_string(), workers), m);
    }

    fn note(&mut self, placement: &str, workers: usize, cpus: &[Option<usize>]) {
        self.placements
            .entry(placement.to_string())
            .or_default()
            .insert(workers, cpus.to_vec());
    }
}

/// `PxCxT` of `--generate`.
fn parse_generated(text: &str) -> CliResult<(usize, usize, usize)> {
    let parts: Vec<Option<usize>> = text
        .split(['x', '×'])
        .map(|s| s.trim().parse::<usize>().ok().filter(|&n| n >= 1))
        .collect();
    match parts.as_slice() {
        [Some(p), Some(c), Some(t)] => Ok((*p, *c, *t)),
        _ => Err(CliError::usage(format!(
            "--generate {text:?}: expected PACKAGES×CORES×THREADS as three whole numbers ≥ 1, e.g. 2x64x2"
        ))),
    }
}

/// The output folder must be new or empty (checked before any work).
fn check_out(out: &Path) -> CliResult {
    let busy = std::fs::read_dir(out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if busy {
        return Err(CliError::usage(format!(
            "--out {}: the folder is not empty; give a new one",
            out.display()
        )));
    }
    Ok(())
}

/// The experiment: the config file or the embedded default, `--workers` applied.
fn load(args: &SimulateArgs) -> CliResult<Experiment> {
    let (mut exp, _) = crate::run::setup::read_experiment(args.config.as_deref())?;
    if let Some(w) = &args.workers {
        exp.workers = w.clone();
    }
    Ok(exp)
}

/// The calibration file, or this machine measured now.
fn calibration(args: &SimulateArgs) -> CliResult<Calibration> {
    match &args.calibration {
        Some(path) => Calibration::read(path).map_err(CliError::Usage),
        None => {
            eprintln!(
                "wsbench: no --calibration: measuring this machine first (as `wsbench calibrate`)"
            );
            crate::calibrate_cmd::measure()
        }
    }
}

/// Writes the results folder: `runs.csv`, `meta.json` (complete), `calibration.json`.
pub fn write_folder(
    out: &Path,
    config: Experiment,
    rows: &cells::Rows,
    cal: &Calibration,
    description: &str,
    placements: PlacementMap,
) -> CliResult {
    let fail = |e: String| CliError::usage(format!("cannot write to {}: {e}", out.display()));
    let files = Layout::new(out);
    std::fs::create_dir_all(out).map_err(|e| fail(e.to_string()))?;
    let written = write_rows_atomic(&files.runs(), &rows.runs)
        .and_then(|()| write_rows_atomic(&files.workers(), &rows.workers))
        .and_then(|()| write_rows_atomic(&files.latency(), &rows.latency))
        .and_then(|()| write_rows_atomic(&files.latency_cells(), &rows.latency));
    written.map_err(|e| fail(e.to_string()))?;
    traces::write(out, &rows.traces).map_err(|e| fail(format!("{e:#}")))?;
    let cal_text = serde_json::to_string_pretty(cal).map_err(|e| fail(e.to_string()))?;
    std::fs::write(out.join("calibration.json"), cal_text + "\n")
        .map_err(|e| fail(e.to_string()))?;
    let machine = Machine {
        cpu_model: Some(format!("simulated: {description}")),
        clock: json!({ "simulated": true, "calibrated_on": cal.machine, "calibrated_at": cal.measured_at }),
        placements,
        // The simulator's own build (commit, dirty), so a simulated folder says what
        // produced it as a measured one does.
        build: Some(crate::build_info::build()),
        ..Machine::default()
    };
    let meta = Meta {
        status: Some(RunStatus::Complete),
        config,
        config_file: None,
        spin_iterations_per_ns: None,
        shard: Shard::WHOLE,
        merged_from: Vec::new(),
        command_lines: vec![std::env::args().collect()],
        wsbench_version: env!("CARGO_PKG_VERSION").into(),
        started: vec![meta::utc_now()],
        ended: Some(meta::utc_now()),
        runs_recorded: rows.runs.len(),
        error: None,
        machine,
    };
    meta.write(out).map_err(|e| fail(format!("{e:#}")))?;
    Ok(())
}

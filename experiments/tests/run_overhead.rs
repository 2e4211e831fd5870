//! What recording per-task latency costs, measured rather than asserted (performance is
//! never asserted in tests): `cargo test --release -p experiments --test run_overhead --
//! --ignored --nocapture` prints, for each one-worker cell of the default experiment's
//! shuffled workload, the median wall time and the median process CPU time of runs with
//! recording on and off, alternated in one process.
//!
//! CPU time is the steadier number on a shared machine: a one-worker run keeps one thread
//! busy (the others are parked), so the process's CPU time is that run's work, whatever
//! the other processes on the machine do to its wall time.

use std::sync::Arc;

use topology::Topology;
use wsbench::run::config::Experiment;
use wsbench::run::execute::{Executor, StealPolicy};
use wsbench::run::plan::Cell;
use wsbench::run::record::{ClockCosts, TaskClock};

fn process_cpu_ns() -> u64 {
    (wsbench::targets::probes::process_cpu_seconds() * 1e9) as u64
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

#[test]
#[ignore = "a measurement (about a minute), not a check: run with --ignored --nocapture"]
fn recording_overhead_on_the_uneven_workload() {
    let exp = Experiment::parse("default", wsbench::run::config::DEFAULT_TOML).unwrap();
    let spec = exp
        .workloads
        .iter()
        .find(|w| w.name == "mixed-shuffled")
        .unwrap();
    let work: Arc<dyn workloads::workload::Workload> =
        spec.build(std::path::Path::new(".")).unwrap();
    let costs = ClockCosts::measure();
    println!("clock costs: {costs:?}");
    let mut exec = Executor::new(
        TaskClock::new(costs.chosen),
        Topology::detect().unwrap(),
        StealPolicy::default(),
    );
    let reps = 15;
    println!("| strategy | wall on | wall off | wall ratio | CPU on | CPU off | CPU ratio |");
    println!("|---|--:|--:|--:|--:|--:|--:|");
    let (mut cpu_on_all, mut cpu_off_all) = (0u64, 0u64);
    for strategy in [
        "serial",
        "static",
        "dynamic:1",
        "work-stealing:1",
        "adaptive",
        "rayon",
    ] {
        let cell = Cell {
            workload: spec.name.clone(),
            strategy: strategy.parse().unwrap(),
            workers: 1,
            placement: "spread".parse().unwrap(),
        };
        let (mut wall, mut cpu) = ([vec![], vec![]], [vec![], vec![]]);
        exec.run(&cell, &work, false, true, false).unwrap(); // warm the pool
        for _ in 0..reps {
            for (k, latency) in [true, false].into_iter().enumerate() {
                let c0 = process_cpu_ns();
                let out = exec.run(&cell, &work, false, latency, false).unwrap();
                cpu[k].push(process_cpu_ns() - c0);
                wall[k].push(out.makespan_ns);
            }
        }
        let (w_on, w_off) = (median(&mut wall[0]), median(&mut wall[1]));
        let (c_on, c_off) = (median(&mut cpu[0]), median(&mut cpu[1]));
        cpu_on_all += c_on;
        cpu_off_all += c_off;
        println!(
            "| {strategy} | {:.1} ms | {:.1} ms | {:.4} | {:.1} ms | {:.1} ms | {:.4} |",
            w_on as f64 / 1e6,
            w_off as f64 / 1e6,
            w_on as f64 / w_off as f64,
            c_on as f64 / 1e6,
            c_off as f64 / 1e6,
            c_on as f64 / c_off as f64
        );
    }
    println!(
        "all cells: CPU on / off = {:.4}",
        cpu_on_all as f64 / cpu_off_all as f64
    );
}

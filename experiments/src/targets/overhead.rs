//! Overhead: the cost per task of each schedule on a million tiny tasks, as
//! (p × parallel wall time − serial time) / tasks and, robust to other load on
//! the machine, with the process's CPU time instead of p × wall time.
//!
//! Control rows separate the scheduler's cost from the machine's: p plain
//! threads with no pool (the floor), the same pool built just before the
//! section (a long-lived pool slower than it carries state from its past, such
//! as foreign blocks in glibc's per-thread malloc cache), and a one-worker pool
//! (bookkeeping without parallel effects).

use super::cases::{on_plain_threads, on_pool, on_rayon, serial, Case};
use super::probes::{capacity_line, process_cpu_seconds, runqueue_wait_ns, CapacityProbe};
use super::{median, Setup};
use anyhow::Context;
use scheduler::{Pool, Schedule};
use std::time::Duration;
use workloads::factor::Method;
use workloads::rng::SplitMix64;
use workloads::workload::{Factorize, Workload};

/// The pools of the control rows, built for this section.
struct ControlPools {
    /// One worker: p = 1 in the formula.
    one: Pool,
    /// Like the long-lived pool, built just before the section.
    fresh: Pool,
}

/// A case and the worker count its overhead formula multiplies wall time by.
struct Row<'a> {
    case: Case<'a>,
    workers: usize,
}

/// The overhead section: `tasks` naive factorizations of numbers below 1000,
/// every case `reps` times interleaved.
pub(super) fn run(setup: &Setup, reps: usize, tasks: usize) -> anyhow::Result<()> {
    let pools = ControlPools {
        one: Pool::builder()
            .workers(1)
            .build()
            .context("building the 1-worker pool")?,
        fresh: setup.new_pool()?,
    };
    let mut rng = SplitMix64::new(7);
    let numbers: Vec<u64> = (0..tasks).map(|_| 2 + rng.below(998)).collect();
    let w = Factorize::new(numbers, Method::Naive);
    let p = setup.p;
    println!(
        "\n## overhead: {tasks} tiny tasks (naive factorization of numbers below 1000), p = {p}"
    );
    println!("overhead per task = (p x parallel - serial) / tasks, medians over {reps} interleaved repetitions; target adaptive <= 2 ns");
    let rows = rows(setup, &pools, &w);
    let samples = measure(setup, &rows, reps, tasks, serial(&w).1)?;
    print_table(&rows, &samples, tasks);
    println!("{}", capacity_line(p, &samples.capacities));
    Ok(())
}

/// The rows, serial first (every other row's overhead is against it).
fn rows<'a>(setup: &'a Setup, pools: &'a ControlPools, w: &'a dyn Workload) -> Vec<Row<'a>> {
    let (pool, rp, p) = (&setup.pool, &setup.rayon, setup.p);
    let ws1 = Schedule::WorkStealing { grain: 1 };
    let row = |name, workers, run: Box<dyn Fn() -> (Duration, u64) + 'a>| Row {
        case: Case { name, run },
        workers,
    };
    vec![
        row("serial", p, Box::new(move || serial(w))),
        row(
            "adaptive",
            p,
            Box::new(move || on_pool(pool, w, Schedule::Adaptive)),
        ),
        row(
            "static",
            p,
            Box::new(move || on_pool(pool, w, Schedule::Static)),
        ),
        row(
            "work-stealing:1",
            p,
            Box::new(move || on_pool(pool, w, ws1)),
        ),
        row(
            "dynamic:1",
            p,
            Box::new(move || on_pool(pool, w, Schedule::Dynamic { chunk: 1 })),
        ),
        row("rayon par_iter", p, Box::new(move || on_rayon(rp, w, None))),
        row(
            "rayon with_max_len(1)",
            p,
            Box::new(move || on_rayon(rp, w, Some(1))),
        ),
        // Whatever this row shows over serial is not the scheduler's.
        row(
            "p std threads, static blocks, no pool",
            p,
            Box::new(move || on_plain_threads(p, w)),
        ),
        row(
            "adaptive, pool built for this section",
            p,
            Box::new(move || on_pool(&pools.fresh, w, Schedule::Adaptive)),
        ),
        row(
            "adaptive, 1-worker pool (p = 1 in the formula)",
            1,
            Box::new(move || on_pool(&pools.one, w, Schedule::Adaptive)),
        ),
        row(
            "work-stealing:1, 1-worker pool",
            1,
            Box::new(move || on_pool(&pools.one, w, ws1)),
        ),
    ]
}

/// Every row's samples, one entry per repetition.
struct Samples {
    /// Wall time, in seconds.
    times: Vec<Vec<f64>>,
    /// Overhead per task by p × wall time, in ns.
    per_task: Vec<Vec<f64>>,
    /// Overhead per task by process CPU time, in ns.
    per_task_cpu: Vec<Vec<f64>>,
    /// The process's threads' runqueue wait during the case, in ms.
    waits: Vec<Vec<f64>>,
    /// The machine's capacity before each repetition.
    capacities: Vec<f64>,
}

/// One run of one case: wall and CPU seconds, runqueue wait in ms.
#[derive(Clone, Copy, Default)]
struct Sample {
    wall: f64,
    cpu: f64,
    wait_ms: f64,
}

/// Runs every row `reps` times, each repetition starting at the next row.
fn measure(
    setup: &Setup,
    rows: &[Row],
    reps: usize,
    tasks: usize,
    expected: u64,
) -> anyhow::Result<Samples> {
    let n = rows.len();
    let mut s = Samples {
        times: vec![Vec::new(); n],
        per_task: vec![Vec::new(); n],
        per_task_cpu: vec![Vec::new(); n],
        waits: vec![Vec::new(); n],
        capacities: Vec::new(),
    };
    let probe = CapacityProbe::new(setup.p);
    for rep in 0..reps {
        s.capacities.push(probe.measure());
        let round = run_round(rows, rep, expected)?;
        let serial = round[0];
        for (c, (row, sample)) in rows.iter().zip(&round).enumerate() {
            s.times[c].push(sample.wall);
            s.waits[c].push(sample.wait_ms);
            let parallel = row.workers as f64 * sample.wall;
            s.per_task[c].push((parallel - serial.wall) / tasks as f64 * 1e9);
            s.per_task_cpu[c].push((sample.cpu - serial.cpu) / tasks as f64 * 1e9);
        }
    }
    Ok(s)
}

/// Every row once, starting at row `rep % rows`; samples in row order.
fn run_round(rows: &[Row], rep: usize, expected: u64) -> anyhow::Result<Vec<Sample>> {
    let mut round = vec![Sample::default(); rows.len()];
    for k in 0..rows.len() {
        let c = (k + rep) % rows.len();
        // Let every pool's threads park, so no spinning of an earlier case is
        // counted in this one's CPU time.
        std::thread::sleep(Duration::from_millis(3));
        let cpu = process_cpu_seconds();
        let wait = runqueue_wait_ns();
        let wall = rows[c].case.run_checked(expected)?;
        round[c] = Sample {
            wall: wall.as_secs_f64(),
            cpu: process_cpu_seconds() - cpu,
            wait_ms: runqueue_wait_ns().saturating_sub(wait) as f64 / 1e6,
        };
    }
    Ok(round)
}

/// The table: medians, and each row's slowest repetition with its runqueue wait.
fn print_table(rows: &[Row], s: &Samples, tasks: usize) {
    println!("second column: the same with the process's CPU time instead of p x wall time (robust to other load on the machine, blind to idle cores)");
    println!("last columns: the slowest repetition, and the time this process's threads waited for a CPU during it (runqueue wait, all threads): a slow run with little wait was the pool's own doing");
    println!("| case | median ms | median ns/task overhead (p x wall) | median ns/task overhead (process CPU time) | max ms | runqueue wait in it, ms |");
    println!("|---|---|---|---|---|---|");
    for (c, row) in rows.iter().enumerate() {
        let name = row.case.name;
        let slowest = (0..s.times[c].len())
            .max_by(|&a, &b| s.times[c][a].total_cmp(&s.times[c][b]))
            .unwrap_or(0);
        let (max_ms, max_wait) = (s.times[c][slowest] * 1e3, s.waits[c][slowest]);
        let ms = median(&s.times[c]) * 1e3;
        if c == 0 {
            println!(
                "| {name} | {ms:.2} | {:.1} ns/task serial | | {max_ms:.2} | {max_wait:.2} |",
                ms * 1e6 / tasks as f64
            );
        } else {
            println!(
                "| {name} | {ms:.2} | {:.2} | {:.2} | {max_ms:.2} | {max_wait:.2} |",
                median(&s.per_task[c]),
                median(&s.per_task_cpu[c])
            );
        }
    }
}

//! Balance: each schedule's time against the lower bound
//! LB = max(Σ serial task time / p, max serial task time), measured per
//! repetition from a serial pass with per-task timings.
//!
//! Two shapes, each shuffled and heavy-last: the mixed factorization set, and
//! the same shape with sleeping tasks, which shows the scheduling decisions
//! without CPU contention and so stays readable on a loaded machine.

use super::cases::{on_pool, on_rayon, serial_timed, Case};
use super::probes::{capacity_line, CapacityProbe};
use super::{median, Setup};
use scheduler::Schedule;
use std::time::Duration;
use workloads::factor::Method;
use workloads::numbers::{generate, NumberSpec, Order};
use workloads::rng::SplitMix64;
use workloads::workload::{Factorize, Workload};

/// A workload under the name of its task order.
type Set = (String, Box<dyn Workload>);

/// The mixed factorization set (the default numbers), shuffled and heavy-last.
pub(super) fn mixed_factorization(setup: &Setup, reps: usize) -> anyhow::Result<()> {
    let sets: Vec<Set> = [Order::Shuffled, Order::HeavyLast]
        .into_iter()
        .map(|order| {
            let numbers = generate(&NumberSpec {
                order,
                ..NumberSpec::default()
            });
            let w: Box<dyn Workload> = Box::new(Factorize::new(numbers, Method::Naive));
            (order.to_string(), w)
        })
        .collect();
    let title = "mixed set, 20,000 numbers, 2% heavy, naive factorization";
    run(setup, reps, title, &sets)
}

/// 4,000 tasks, 2% of them sleeping 2 ms, shuffled and heavy-last.
pub(super) fn sleeping(setup: &Setup, reps: usize) -> anyhow::Result<()> {
    let sets: Vec<Set> = ["shuffled", "heavy-last"]
        .into_iter()
        .map(|order| {
            let w: Box<dyn Workload> = Box::new(SleepTasks::new(4000, 0.02, order == "heavy-last"));
            (order.to_string(), w)
        })
        .collect();
    let title = "4,000 sleeping tasks, 2% sleep 2 ms, the rest 0 (CPU-load independent)";
    run(setup, reps, title, &sets)
}

/// Tasks that sleep: a fraction of them 2 ms, the rest return at once.
struct SleepTasks {
    sleep_us: Vec<u64>,
}

impl SleepTasks {
    /// `count` tasks, `heavy_fraction` of them sleeping, in a fixed shuffled
    /// order, or with every sleeping task last when `heavy_last`.
    fn new(count: usize, heavy_fraction: f64, heavy_last: bool) -> Self {
        let heavy = (count as f64 * heavy_fraction).round() as usize;
        let mut sleep_us: Vec<u64> = (0..count)
            .map(|i| if i < heavy { 2000 } else { 0 })
            .collect();
        SplitMix64::new(11).shuffle(&mut sleep_us);
        if heavy_last {
            sleep_us.sort_by_key(|&us| us > 0);
        }
        SleepTasks { sleep_us }
    }
}

impl Workload for SleepTasks {
    fn len(&self) -> usize {
        self.sleep_us.len()
    }

    fn run(&self, index: usize) -> u64 {
        let us = self.sleep_us[index];
        if us > 0 {
            std::thread::sleep(Duration::from_micros(us));
        }
        us
    }

    fn predicted_cost(&self, index: usize) -> u64 {
        self.sleep_us[index]
    }
}

/// The schedules compared, and rayon.
fn cases<'a>(setup: &'a Setup, w: &'a dyn Workload) -> Vec<Case<'a>> {
    let pool = &setup.pool;
    vec![
        Case::new("adaptive", move || on_pool(pool, w, Schedule::Adaptive)),
        Case::new("work-stealing:1", move || {
            on_pool(pool, w, Schedule::WorkStealing { grain: 1 })
        }),
        Case::new("static", move || on_pool(pool, w, Schedule::Static)),
        Case::new("dynamic:1", move || {
            on_pool(pool, w, Schedule::Dynamic { chunk: 1 })
        }),
        Case::new("rayon par_iter", move || on_rayon(&setup.rayon, w, None)),
    ]
}

/// One section: a table of every set's cases, then each set's capacity line.
fn run(setup: &Setup, reps: usize, title: &str, sets: &[Set]) -> anyhow::Result<()> {
    let p = setup.p;
    println!("\n## balance: {title}, p = {p}");
    println!("lower bound LB = max(sum of serial task times / p, max serial task time), per repetition; target <= 1.02 x LB");
    println!("| order | case | median ms | median x LB | min x LB | max x LB |");
    println!("|---|---|---|---|---|---|");
    let mut capacities = Vec::new();
    for (order, w) in sets {
        let cases = cases(setup, &**w);
        let measured = measure(setup, reps, &cases, &**w)?;
        print_rows(order, &cases, &measured);
        capacities.push((order, measured.capacities));
    }
    for (order, caps) in capacities {
        println!("{order}: {}", capacity_line(p, &caps));
    }
    Ok(())
}

/// One set's samples, one entry per repetition (per case where nested).
struct Measured {
    /// Wall time of each case, in seconds.
    times: Vec<Vec<f64>>,
    /// Each case's time over that repetition's lower bound.
    ratios: Vec<Vec<f64>>,
    /// The lower bound, in seconds.
    lower_bounds: Vec<f64>,
    /// The serial pass's sum of task times, in seconds.
    serial_totals: Vec<f64>,
    /// The lower of the capacity probes before and after the repetition.
    capacities: Vec<f64>,
}

/// Runs a serial pass and then every case, `reps` times; each repetition
/// starts at the next case, so no case always runs first after the serial pass.
fn measure(
    setup: &Setup,
    reps: usize,
    cases: &[Case],
    w: &dyn Workload,
) -> anyhow::Result<Measured> {
    let probe = CapacityProbe::new(setup.p);
    let mut m = Measured {
        times: vec![Vec::new(); cases.len()],
        ratios: vec![Vec::new(); cases.len()],
        lower_bounds: Vec::new(),
        serial_totals: Vec::new(),
        capacities: Vec::new(),
    };
    for rep in 0..reps {
        let before = probe.measure();
        let serial = serial_timed(w);
        let lb = (serial.total / setup.p as f64).max(serial.max);
        m.lower_bounds.push(lb);
        m.serial_totals.push(serial.total);
        for k in 0..cases.len() {
            let c = (k + rep) % cases.len();
            let secs = cases[c].run_checked(serial.checksum)?.as_secs_f64();
            m.times[c].push(secs);
            m.ratios[c].push(secs / lb);
        }
        m.capacities.push(before.min(probe.measure()));
    }
    Ok(m)
}

/// The serial row and one row per case.
fn print_rows(order: &str, cases: &[Case], m: &Measured) {
    println!(
        "| {order} | serial (sum of task times) | {:.1} | LB median {:.1} ms | | |",
        median(&m.serial_totals) * 1e3,
        median(&m.lower_bounds) * 1e3
    );
    for (c, case) in cases.iter().enumerate() {
        let (min, max) = m.ratios[c]
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
        println!(
            "| {order} | {} | {:.1} | {:.3} | {:.3} | {:.3} |",
            case.name,
            median(&m.times[c]) * 1e3,
            median(&m.ratios[c]),
            min,
            max
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_tasks_put_every_heavy_task_last_when_asked() {
        let shuffled = SleepTasks::new(100, 0.05, false);
        assert_eq!(shuffled.sleep_us.iter().filter(|&&us| us > 0).count(), 5);
        assert_ne!(&shuffled.sleep_us[95..], &[2000; 5]);
        let last = SleepTasks::new(100, 0.05, true);
        assert_eq!(&last.sleep_us[95..], &[2000; 5]);
        assert!(last.sleep_us[..95].iter().all(|&us| us == 0));
    }
}

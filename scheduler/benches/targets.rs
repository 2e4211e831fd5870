//! The three performance targets as one table: balance, overhead and
//! wake-up, each case run at least 7 times *interleaved* (so drift and
//! background load hit every case alike), reported as medians and as ratios
//! within the run. Every parallel run is checked against the serial checksum.
//!
//! `cargo bench -p scheduler --bench targets` (add `-- --quick` for a smoke run,
//! `-- --reps N`, `-- --only balance,overhead` (any of balance, balance-sleep,
//! overhead, wakeup), `-- --unpinned`, `-- --workers N` (default: every allowed
//! CPU)).

use crossbeam_utils::CachePadded;
use rayon::prelude::*;
use scheduler::{Pool, Schedule};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use workloads::checksum::task_digest;
use workloads::factor::Method;
use workloads::numbers::{generate, NumberSpec, Order};
use workloads::rng::SplitMix64;
use workloads::workload::{Factorize, Workload};

struct Args {
    unpinned: bool,
    reps: usize,
    quick: bool,
    only: Option<String>,
    workers: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        unpinned: false,
        reps: 7,
        quick: false,
        only: None,
        workers: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--unpinned" => args.unpinned = true,
            "--quick" => {
                args.quick = true;
                args.reps = 3;
            }
            "--reps" => args.reps = it.next().and_then(|v| v.parse().ok()).expect("--reps N"),
            "--only" => args.only = it.next(),
            "--workers" => {
                args.workers = it.next().and_then(|v| v.parse().ok()).filter(|&n| n >= 1);
                assert!(args.workers.is_some(), "--workers N (N >= 1)");
            }
            _ => {} // cargo passes --bench; ignore the rest
        }
    }
    args
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Per-worker partial checksums, summed at the end (no shared counter per task).
struct Partials(Vec<CachePadded<AtomicU64>>);
impl Partials {
    fn new(p: usize) -> Self {
        Partials(
            (0..p)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        )
    }
    fn add(&self, worker: usize, v: u64) {
        let c = &self.0[worker];
        c.store(c.load(Ordering::Relaxed).wrapping_add(v), Ordering::Relaxed);
    }
    fn sum(&self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |s, c| s.wrapping_add(c.load(Ordering::Relaxed)))
    }
}

fn run_pool(pool: &Pool, w: &dyn Workload, schedule: Schedule) -> (Duration, u64) {
    let partials = Partials::new(pool.num_workers());
    let t = Instant::now();
    pool.for_each_index(0..w.len(), schedule, |ctx, i| {
        partials.add(ctx.worker_index(), task_digest(i, w.run(i)))
    });
    (t.elapsed(), partials.sum())
}

fn run_rayon(rp: &rayon::ThreadPool, w: &dyn Workload, max_len: Option<usize>) -> (Duration, u64) {
    let t = Instant::now();
    let sum = rp.install(|| {
        let it = (0..w.len()).into_par_iter();
        let f = |i: usize| task_digest(i, w.run(i));
        match max_len {
            None => it.map(f).reduce(|| 0, u64::wrapping_add),
            Some(m) => it.with_max_len(m).map(f).reduce(|| 0, u64::wrapping_add),
        }
    });
    (t.elapsed(), sum)
}

/// `threads` scoped std threads, each folding one contiguous block: no
/// scheduler at all (thread creation included).
fn run_plain_threads(threads: usize, w: &dyn Workload) -> (Duration, u64) {
    let n = w.len();
    let t = Instant::now();
    let sum = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                s.spawn(move || {
                    (k * n / threads..(k + 1) * n / threads)
                        .fold(0u64, |s, i| s.wrapping_add(task_digest(i, w.run(i))))
                })
            })
            .collect();
        handles
            .into_iter()
            .fold(0u64, |s, h| s.wrapping_add(h.join().unwrap()))
    });
    (t.elapsed(), sum)
}

/// Serial run with per-task timings: total, max, and checksum.
fn serial_timed(w: &dyn Workload) -> (f64, f64, u64) {
    let (mut total, mut max, mut sum) = (0.0f64, 0.0f64, 0u64);
    for i in 0..w.len() {
        let t = Instant::now();
        let r = w.run(i);
        let dt = t.elapsed().as_secs_f64();
        total += dt;
        max = max.max(dt);
        sum = sum.wrapping_add(task_digest(i, r));
    }
    (total, max, sum)
}

fn serial_plain(w: &dyn Workload) -> (Duration, u64) {
    let t = Instant::now();
    let sum = (0..w.len()).fold(0u64, |s, i| s.wrapping_add(task_digest(i, w.run(i))));
    (t.elapsed(), sum)
}

/// Tasks that sleep: `heavy` of them 2 ms, the rest return at once.
struct SleepTasks {
    sleep_us: Vec<u64>,
}

impl SleepTasks {
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

/// CPU time used by this process so far (all threads), in seconds.
fn process_cpu_seconds() -> f64 {
    // SAFETY: clock_gettime only writes the timespec we pass; zeroed is valid.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        assert_eq!(
            libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts),
            0
        );
        ts
    };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Time this process's threads spent runnable but waiting for a CPU, summed over
/// all of them, in ns (the second field of `/proc/self/task/*/schedstat`). If a
/// case ran slowly while this stayed near zero, its threads were running, not
/// crowded out by other threads or by the machine. 0 where schedstat is missing.
fn runqueue_wait_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

/// How many CPUs' worth of work the machine gives us right now: p plain threads
/// each spin a fixed loop (about 4 ms), against one thread spinning it alone;
/// p when all p CPUs are ours, about 1 when the VM has lost all but one. A
/// phase whose repetitions ran below p measured the machine, not the schedules.
fn machine_capacity(p: usize, iters: u64) -> f64 {
    // Let the pools' idle workers park first: spinning ones would compete.
    std::thread::sleep(Duration::from_millis(5));
    // Both sides start and join threads, so that cost cancels out.
    let timed = |threads: usize| {
        let t = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| std::hint::black_box(spin(iters)));
            }
        });
        t.elapsed().as_secs_f64()
    };
    let one = timed(1);
    let all = timed(p);
    (p as f64 * one / all).min(p as f64)
}

/// The capacity probe's fixed loop: `iters` dependent multiply-adds.
fn spin(iters: u64) -> u64 {
    let mut x = 0u64;
    for i in 0..iters {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
    }
    x
}

/// Spin iterations that take about 4 ms on this thread.
fn capacity_iters() -> u64 {
    let probe = 1_000_000u64;
    let t = Instant::now();
    std::hint::black_box(spin(probe));
    let per = t.elapsed().as_secs_f64() / probe as f64;
    ((4e-3 / per) as u64).max(10_000)
}

/// One line under a phase: the lowest and median capacity over its repetitions
/// (each the lower of a probe before and after its cases), flagged when low.
fn print_capacity(p: usize, caps: &mut [f64]) {
    let min = caps.iter().copied().fold(f64::MAX, f64::min);
    let med = median(caps);
    let flag = if min < p as f64 - 0.5 {
        " -- LOW: some repetitions ran with less than p CPUs; read this phase as the machine's"
    } else {
        ""
    };
    println!("machine capacity (CPUs' worth, of p = {p}) per repetition: min {min:.2}, median {med:.2}{flag}");
}

type Case<'a> = (&'a str, Box<dyn Fn() -> (Duration, u64) + 'a>);

fn balance(
    pool: &Pool,
    rp: &rayon::ThreadPool,
    reps: usize,
    title: &str,
    sets: &[(String, Box<dyn Workload>)],
) {
    let p = pool.num_workers() as f64;
    println!("\n## balance: {title}, p = {p}");
    println!("lower bound LB = max(sum of serial task times / p, max serial task time), per repetition; target <= 1.02 x LB");
    println!("| order | case | median ms | median x LB | min x LB | max x LB |");
    println!("|---|---|---|---|---|---|");
    let mut capacities: Vec<(String, Vec<f64>)> = Vec::new();
    for (order, w) in sets {
        let w: &dyn Workload = &**w;
        let cases: Vec<Case> = vec![
            (
                "adaptive",
                Box::new(|| run_pool(pool, w, Schedule::Adaptive)),
            ),
            (
                "work-stealing:1",
                Box::new(|| run_pool(pool, w, Schedule::WorkStealing { grain: 1 })),
            ),
            ("static", Box::new(|| run_pool(pool, w, Schedule::Static))),
            (
                "dynamic:1",
                Box::new(|| run_pool(pool, w, Schedule::Dynamic { chunk: 1 })),
            ),
            ("rayon par_iter", Box::new(|| run_rayon(rp, w, None))),
        ];
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
        let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
        let mut lbs = Vec::new();
        let mut serials = Vec::new();
        let mut caps = Vec::new();
        let iters = capacity_iters();
        for rep in 0..reps {
            let cap_before = machine_capacity(p as usize, iters);
            let (total, max, expected) = serial_timed(w);
            let lb = (total / p).max(max);
            lbs.push(lb);
            serials.push(total);
            // Rotate the start so no case always runs first after the serial pass.
            for k in 0..cases.len() {
                let c = (k + rep) % cases.len();
                let (d, sum) = (cases[c].1)();
                assert_eq!(sum, expected, "{} checksum mismatch", cases[c].0);
                times[c].push(d.as_secs_f64());
                ratios[c].push(d.as_secs_f64() / lb);
            }
            caps.push(cap_before.min(machine_capacity(p as usize, iters)));
        }
        capacities.push((order.clone(), caps));
        println!(
            "| {order} | serial (sum of task times) | {:.1} | LB median {:.1} ms | | |",
            median(&mut serials) * 1e3,
            median(&mut lbs) * 1e3
        );
        for (c, (name, _)) in cases.iter().enumerate() {
            let (mn, mx) = ratios[c]
                .iter()
                .fold((f64::MAX, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
            println!(
                "| {order} | {name} | {:.1} | {:.3} | {:.3} | {:.3} |",
                median(&mut times[c]) * 1e3,
                median(&mut ratios[c]),
                mn,
                mx
            );
        }
    }
    for (order, caps) in &mut capacities {
        print!("{order}: ");
        print_capacity(p as usize, caps);
    }
}

fn overhead(
    pool: &Pool,
    fresh: &Pool,
    one: &Pool,
    rp: &rayon::ThreadPool,
    reps: usize,
    tasks: usize,
) {
    let p = pool.num_workers() as f64;
    let mut rng = SplitMix64::new(7);
    let numbers: Vec<u64> = (0..tasks).map(|_| 2 + rng.below(998)).collect();
    let w = Factorize::new(numbers, Method::Naive);
    println!(
        "\n## overhead: {tasks} tiny tasks (naive factorization of numbers below 1000), p = {p}"
    );
    println!("overhead per task = (p x parallel - serial) / tasks, medians over {reps} interleaved repetitions; target adaptive <= 2 ns");
    let cases: Vec<Case> = vec![
        ("serial", Box::new(|| serial_plain(&w))),
        (
            "adaptive",
            Box::new(|| run_pool(pool, &w, Schedule::Adaptive)),
        ),
        ("static", Box::new(|| run_pool(pool, &w, Schedule::Static))),
        (
            "work-stealing:1",
            Box::new(|| run_pool(pool, &w, Schedule::WorkStealing { grain: 1 })),
        ),
        (
            "dynamic:1",
            Box::new(|| run_pool(pool, &w, Schedule::Dynamic { chunk: 1 })),
        ),
        ("rayon par_iter", Box::new(|| run_rayon(rp, &w, None))),
        (
            "rayon with_max_len(1)",
            Box::new(|| run_rayon(rp, &w, Some(1))),
        ),
        // The machine's floor: p plain threads, contiguous halves, no pool at
        // all. Whatever this row shows over serial is not the scheduler's.
        (
            "p std threads, static blocks, no pool",
            Box::new(|| run_plain_threads(pool.num_workers(), &w)),
        ),
        // The same pool built just before this section: if it is faster than the
        // long-lived one, the long-lived pool carries state from its past (the
        // malloc-cache effect this bench found; see results/scheduler-targets).
        (
            "adaptive, pool built for this section",
            Box::new(|| run_pool(fresh, &w, Schedule::Adaptive)),
        ),
        // Pure bookkeeping cost, without parallel effects: a one-worker pool.
        (
            "adaptive, 1-worker pool (p = 1 in the formula)",
            Box::new(|| run_pool(one, &w, Schedule::Adaptive)),
        ),
        (
            "work-stealing:1, 1-worker pool",
            Box::new(|| run_pool(one, &w, Schedule::WorkStealing { grain: 1 })),
        ),
    ];
    let expected = serial_plain(&w).1;
    let workers_of = |name: &str| if name.contains("1-worker") { 1.0 } else { p };
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut per_task: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut per_task_cpu: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut waits: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let iters = capacity_iters();
    let mut caps = Vec::new();
    for rep in 0..reps {
        caps.push(machine_capacity(p as usize, iters));
        let mut rep_times = vec![0.0; cases.len()];
        let mut rep_cpu = vec![0.0; cases.len()];
        for k in 0..cases.len() {
            let c = (k + rep) % cases.len();
            // Let every pool's threads park, so no spinning of an earlier case
            // is counted in this one's CPU time.
            std::thread::sleep(Duration::from_millis(3));
            let cpu = process_cpu_seconds();
            let wait = runqueue_wait_ns();
            let (d, sum) = (cases[c].1)();
            rep_cpu[c] = process_cpu_seconds() - cpu;
            waits[c].push((runqueue_wait_ns().saturating_sub(wait)) as f64 / 1e6);
            assert_eq!(sum, expected, "{} checksum mismatch", cases[c].0);
            rep_times[c] = d.as_secs_f64();
        }
        for c in 0..cases.len() {
            times[c].push(rep_times[c]);
            per_task[c]
                .push((workers_of(cases[c].0) * rep_times[c] - rep_times[0]) / tasks as f64 * 1e9);
            per_task_cpu[c].push((rep_cpu[c] - rep_cpu[0]) / tasks as f64 * 1e9);
        }
    }
    println!("second column: the same with the process's CPU time instead of p x wall time (robust to other load on the machine, blind to idle cores)");
    println!("last columns: the slowest repetition, and the time this process's threads waited for a CPU during it (runqueue wait, all threads): a slow run with little wait was the pool's own doing");
    println!("| case | median ms | median ns/task overhead (p x wall) | median ns/task overhead (process CPU time) | max ms | runqueue wait in it, ms |");
    println!("|---|---|---|---|---|---|");
    for (c, (name, _)) in cases.iter().enumerate() {
        let slowest = (0..times[c].len())
            .max_by(|&a, &b| times[c][a].total_cmp(&times[c][b]))
            .unwrap_or(0);
        let (max_ms, max_wait) = (times[c][slowest] * 1e3, waits[c][slowest]);
        let ms = median(&mut times[c]) * 1e3;
        if c == 0 {
            println!(
                "| {name} | {ms:.2} | {:.1} ns/task serial | | {max_ms:.2} | {max_wait:.2} |",
                ms * 1e6 / tasks as f64
            );
        } else {
            println!(
                "| {name} | {ms:.2} | {:.2} | {:.2} | {max_ms:.2} | {max_wait:.2} |",
                median(&mut per_task[c]),
                median(&mut per_task_cpu[c])
            );
        }
    }
    print_capacity(p as usize, &mut caps);
}

fn wakeup(pool: &Pool, rp: &rayon::ThreadPool, samples: usize) {
    let p = pool.num_workers();
    println!("\n## wake-up: a batch of p = {p} tiny tasks to a parked pool (5 ms idle before each), {samples} samples each, interleaved");
    let tiny = |i: usize| {
        std::hint::black_box(i.wrapping_mul(31));
    };
    let mut ours = Vec::new();
    let mut ours_static = Vec::new();
    let mut theirs = Vec::new();
    let mut floor = Vec::new();
    let mut floor_one = Vec::new();
    // The machine's floor: p plain threads blocked in a channel receive, woken by
    // a send, each answering on a shared channel (two futex wake-ups per thread,
    // no scheduler). No pool can wake a parked thread faster than this.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let go: Vec<std::sync::mpsc::Sender<()>> = (0..p)
        .map(|i| {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let done = done_tx.clone();
            std::thread::spawn(move || {
                while rx.recv().is_ok() {
                    tiny(i);
                    let _ = done.send(());
                }
            });
            tx
        })
        .collect();
    for _ in 0..samples {
        std::thread::sleep(Duration::from_millis(5));
        let t = Instant::now();
        for tx in &go {
            tx.send(()).expect("floor thread");
        }
        for _ in 0..p {
            done_rx.recv().expect("floor thread");
        }
        floor.push(t.elapsed().as_secs_f64() * 1e6);
        std::thread::sleep(Duration::from_millis(5));
        let t = Instant::now();
        go[0].send(()).expect("floor thread");
        done_rx.recv().expect("floor thread");
        floor_one.push(t.elapsed().as_secs_f64() * 1e6);
        std::thread::sleep(Duration::from_millis(5));
        let t = Instant::now();
        pool.for_each_index(0..p, Schedule::Static, |_, i| tiny(i));
        ours_static.push(t.elapsed().as_secs_f64() * 1e6);
        std::thread::sleep(Duration::from_millis(5));
        let t = Instant::now();
        pool.for_each_index(0..p, Schedule::Adaptive, |_, i| tiny(i));
        ours.push(t.elapsed().as_secs_f64() * 1e6);
        std::thread::sleep(Duration::from_millis(5));
        let t = Instant::now();
        rp.install(|| (0..p).into_par_iter().for_each(tiny));
        theirs.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let pct = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    println!("| case | median us | p90 us | min us |");
    println!("|---|---|---|---|");
    for (name, v) in [
        ("adaptive", &mut ours),
        ("static", &mut ours_static),
        ("rayon install+par_iter", &mut theirs),
        (
            "floor: p blocked std threads, channel wake + reply",
            &mut floor,
        ),
        (
            "floor: 1 blocked std thread, channel wake + reply",
            &mut floor_one,
        ),
    ] {
        let (m, p90, mn) = (median(v), pct(v, 0.9), pct(v, 0.0));
        println!("| {name} | {m:.1} | {p90:.1} | {mn:.1} |");
    }
    let (a, r) = (median(&mut ours), median(&mut theirs));
    println!("adaptive / rayon median ratio: {:.2}", a / r);
}

fn main() {
    let args = parse_args();
    let p = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    // Both pools pinned the same way, one worker per allowed CPU, as `wsbench run`
    // pins them (`--unpinned` leaves placement to the OS). Unpinned, the overhead
    // case varied far more between consecutive runs here (adaptive +14 and -2
    // ns/task, rayon +3 and -2), so the OS's thread placement, not the schedule,
    // dominated the figure.
    let cpus: Vec<usize> = topology::affinity::allowed_cpus()
        .unwrap_or_default()
        .into_iter()
        .take(p)
        .collect();
    let pinned = !args.unpinned && cpus.len() == p;
    // Our pools: p workers, pinned like rayon's when `pinned`.
    let our_pool = || {
        let builder = Pool::builder().workers(p);
        let builder = if pinned {
            builder.pin_to(cpus.iter().map(|&c| Some(c)).collect())
        } else {
            builder
        };
        builder.build().expect("pool")
    };
    let mut rayon_builder = rayon::ThreadPoolBuilder::new().num_threads(p);
    if pinned {
        let cpus = cpus.clone();
        rayon_builder = rayon_builder.start_handler(move |i| {
            topology::affinity::pin_current(cpus[i]);
        });
    }
    let pool = our_pool();
    let rp = rayon_builder.build().expect("rayon pool");
    println!(
        "# wsbench scheduler targets (p = {p}, {} repetitions{}, workers {})",
        args.reps,
        if args.quick { ", quick" } else { "" },
        if pinned {
            format!("pinned to CPUs {cpus:?}")
        } else {
            "not pinned".to_string()
        }
    );
    let want = |name: &str| {
        args.only
            .as_deref()
            .map_or(true, |o| o.split(',').any(|x| x == name))
    };
    if want("balance") {
        let factor_sets: Vec<(String, Box<dyn Workload>)> = [Order::Shuffled, Order::HeavyLast]
            .into_iter()
            .map(|order| {
                let numbers = generate(&NumberSpec {
                    order,
                    ..NumberSpec::default()
                });
                (
                    order.to_string(),
                    Box::new(Factorize::new(numbers, Method::Naive)) as Box<dyn Workload>,
                )
            })
            .collect();
        balance(
            &pool,
            &rp,
            args.reps,
            "mixed set, 20,000 numbers, 2% heavy, naive factorization",
            &factor_sets,
        );
    }
    if want("balance-sleep") || want("balance") {
        // The same shape with sleeping tasks: scheduling decisions without CPU
        // contention, so it stays readable on a loaded machine.
        let sleep_sets: Vec<(String, Box<dyn Workload>)> = ["shuffled", "heavy-last"]
            .into_iter()
            .map(|order| {
                (
                    order.to_string(),
                    Box::new(SleepTasks::new(4000, 0.02, order == "heavy-last"))
                        as Box<dyn Workload>,
                )
            })
            .collect();
        balance(
            &pool,
            &rp,
            args.reps,
            "4,000 sleeping tasks, 2% sleep 2 ms, the rest 0 (CPU-load independent)",
            &sleep_sets,
        );
    }
    if want("overhead") {
        let one = Pool::builder().workers(1).build().expect("pool");
        let fresh = our_pool();
        overhead(
            &pool,
            &fresh,
            &one,
            &rp,
            args.reps.max(7),
            if args.quick { 200_000 } else { 1_000_000 },
        );
    }
    if want("wakeup") {
        wakeup(&pool, &rp, if args.quick { 50 } else { 200 });
    }
}

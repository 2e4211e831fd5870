//! What a loop schedule costs per index: `for_each_index` over 1,000,000
//! cheap indices, each schedule in turn, interleaved, medians of 11
//! repetitions (`--reps`), ns per index, every run checked against serial.
//!
//! `cargo run --release -p scheduler --example loop_cost -- [--workers 1,2] [--len N] [--work K] [--pin]`
//!
//! The body is `K` rounds of xorshift (16 by default, about 17 ns here), or with
//! `--work 0` the baselines config's tiny task: a number below 2^10 factorized
//! by trial division through `dyn Workload`, as `wsbench run` calls it. `--pin`
//! pins worker `w` to CPU `w`. The sums are one padded accumulator per worker,
//! so that the figure is the loop's cost, not a shared cache line's.

use crossbeam_utils::CachePadded;
use scheduler::{Dls, Pool, Schedule};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use workloads::factor::Method;
use workloads::workload::{Factorize, Workload};

fn body(i: usize, work: u32) -> u64 {
    let mut x = i as u64 ^ 0x9e37_79b9_7f4a_7c15;
    for _ in 0..work {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .map_or(default.to_string(), |k| args[k + 1].clone())
}

/// `--work 0`: the runner's tiny-task cell instead: `len` 10-bit numbers, to be
/// factorized by trial division through `dyn Workload`, as `wsbench run` calls them.
fn numbers(len: usize) -> Vec<u64> {
    let mut rng = 2012u64;
    (0..len)
        .map(|_| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            2 + (rng >> 54)
        })
        .collect()
}

/// Each schedule's median ns per index, and `adaptive` (schedule 1) over it per round.
fn print_medians(p: usize, names: &[&str], times: &[Vec<f64>]) {
    let adaptive = &times[1];
    for (k, name) in names.iter().enumerate() {
        // Per round, so that a slow stretch of the machine cancels out.
        let ratio = median(adaptive.iter().zip(&times[k]).map(|(a, t)| a / t).collect());
        println!(
            "p={p} {name:<16} {:.2} ns/index; adaptive ÷ this, median per round {ratio:.3}",
            median(times[k].clone())
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workers: Vec<usize> = arg(&args, "--workers", "1,2")
        .split(',')
        .map(|w| w.parse().expect("a worker count"))
        .collect();
    let len: usize = arg(&args, "--len", "1000000").parse().expect("a length");
    let work: u32 = arg(&args, "--work", "16").parse().expect("a work count");
    let reps: usize = arg(&args, "--reps", "11")
        .parse()
        .expect("a repetition count");
    let factorize: Arc<dyn Workload> = Arc::new(Factorize::new(numbers(len), Method::Naive));
    let task = |i: usize| {
        if work == 0 {
            factorize.run(i)
        } else {
            body(i, work)
        }
    };
    let schedules = [
        ("static", Schedule::Static),
        ("adaptive", Schedule::Adaptive),
        ("dynamic,64", Schedule::Dynamic { chunk: 64 }),
        (
            "fac2",
            Schedule::Dls {
                technique: Dls::Fac2,
                chunk: 1,
            },
        ),
        ("work-stealing,1", Schedule::WorkStealing { grain: 1 }),
        (
            "mfsc",
            Schedule::Dls {
                technique: Dls::Mfsc,
                chunk: 1,
            },
        ),
        (
            "af",
            Schedule::Dls {
                technique: Dls::Af,
                chunk: 1,
            },
        ),
    ];
    let serial: u64 = (0..len).map(&task).fold(0, u64::wrapping_add);
    for p in workers {
        let mut builder = Pool::builder().workers(p);
        if args.iter().any(|a| a == "--pin") {
            builder = builder.pin_to((0..p).map(Some).collect());
        }
        let pool = builder.build().expect("a pool");
        let mut times = vec![Vec::new(); schedules.len()];
        for _rep in 0..reps {
            for (k, (_, schedule)) in schedules.iter().enumerate() {
                // One padded sum per worker: the loop's cost, not a shared line's.
                let sums: Vec<CachePadded<AtomicU64>> =
                    (0..p).map(|_| Default::default()).collect();
                let t = Instant::now();
                pool.for_each_index(0..len, *schedule, |ctx, i| {
                    let sum = &sums[ctx.worker_index()];
                    let v = sum.load(Ordering::Relaxed).wrapping_add(black_box(task(i)));
                    sum.store(v, Ordering::Relaxed);
                });
                times[k].push(t.elapsed().as_nanos() as f64 / len as f64);
                let total = sums
                    .iter()
                    .fold(0u64, |a, s| a.wrapping_add(s.load(Ordering::Relaxed)));
                assert_eq!(total, serial);
            }
        }
        let names: Vec<&str> = schedules.iter().map(|(name, _)| *name).collect();
        print_medians(p, &names, &times);
    }
}

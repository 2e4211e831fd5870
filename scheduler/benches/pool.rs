//! Criterion view of the same three cases as `wsbench targets` (which prints
//! the ratio tables): balance on the heavy-last mixed set, per-task overhead on tiny
//! tasks, and wake-up of a parked pool — each with rayon beside it.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
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

fn pools() -> (Pool, rayon::ThreadPool) {
    let p = std::thread::available_parallelism().map_or(2, |n| n.get());
    (
        Pool::builder().workers(p).build().unwrap(),
        rayon::ThreadPoolBuilder::new()
            .num_threads(p)
            .build()
            .unwrap(),
    )
}

fn ours(pool: &Pool, w: &Factorize, schedule: Schedule) -> u64 {
    // Per-worker partial sums on their own cache lines: no shared counter per task.
    let partials: Vec<CachePadded<AtomicU64>> = (0..pool.num_workers())
        .map(|_| CachePadded::new(AtomicU64::new(0)))
        .collect();
    pool.for_each_index(0..w.len(), schedule, |ctx, i| {
        let slot = &partials[ctx.worker_index()];
        slot.store(
            slot.load(Ordering::Relaxed)
                .wrapping_add(task_digest(i, w.run(i))),
            Ordering::Relaxed,
        );
    });
    partials
        .iter()
        .fold(0u64, |s, c| s.wrapping_add(c.load(Ordering::Relaxed)))
}

fn rayon_sum(rp: &rayon::ThreadPool, w: &Factorize, max_len: Option<usize>) -> u64 {
    rp.install(|| {
        let it = (0..w.len())
            .into_par_iter()
            .with_max_len(max_len.unwrap_or(usize::MAX));
        it.map(|i| task_digest(i, w.run(i)))
            .reduce(|| 0, u64::wrapping_add)
    })
}

fn balance(c: &mut Criterion) {
    let (pool, rp) = pools();
    let w = Factorize::new(
        generate(&NumberSpec {
            order: Order::HeavyLast,
            ..NumberSpec::default()
        }),
        Method::Naive,
    );
    let mut g = c.benchmark_group("balance-heavy-last");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for (name, s) in [
        ("adaptive", Schedule::Adaptive),
        ("work-stealing:1", Schedule::WorkStealing { grain: 1 }),
        ("static", Schedule::Static),
    ] {
        g.bench_function(BenchmarkId::new("scheduler", name), |b| {
            b.iter(|| ours(&pool, &w, s))
        });
    }
    g.bench_function("rayon/par_iter", |b| b.iter(|| rayon_sum(&rp, &w, None)));
    g.finish();
}

fn overhead(c: &mut Criterion) {
    let (pool, rp) = pools();
    let mut rng = SplitMix64::new(7);
    let w = Factorize::new(
        (0..1_000_000).map(|_| 2 + rng.below(998)).collect(),
        Method::Naive,
    );
    let mut g = c.benchmark_group("overhead-1M-tiny");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("serial", |b| {
        b.iter(|| (0..w.len()).fold(0u64, |s, i| s.wrapping_add(task_digest(i, w.run(i)))))
    });
    g.bench_function("scheduler/adaptive", |b| {
        b.iter(|| ours(&pool, &w, Schedule::Adaptive))
    });
    g.bench_function("rayon/par_iter", |b| b.iter(|| rayon_sum(&rp, &w, None)));
    g.bench_function("rayon/with_max_len-1", |b| {
        b.iter(|| rayon_sum(&rp, &w, Some(1)))
    });
    g.finish();
}

fn wakeup(c: &mut Criterion) {
    let (pool, rp) = pools();
    let p = pool.num_workers();
    let mut g = c.benchmark_group("wakeup-parked");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    // Each iteration first lets the pool park (not timed), then times one batch.
    g.bench_function("scheduler/adaptive", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                std::thread::sleep(Duration::from_millis(5));
                let t = Instant::now();
                pool.for_each_index(0..p, Schedule::Adaptive, |_, i| {
                    std::hint::black_box(i);
                });
                total += t.elapsed();
            }
            total
        })
    });
    g.bench_function("rayon/par_iter", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                std::thread::sleep(Duration::from_millis(5));
                let t = Instant::now();
                rp.install(|| {
                    (0..p).into_par_iter().for_each(|i| {
                        std::hint::black_box(i);
                    })
                });
                total += t.elapsed();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, balance, overhead, wakeup);
criterion_main!(benches);

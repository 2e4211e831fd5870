//! Every task runs exactly once: seeded random runs of nested spawns, joins and
//! for_each_index with every schedule and pool setting, 1–8 workers.

mod common;
mod stress_support;

use scheduler::{DequeOrder, Pool, StealAmount, VictimOrder};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use stress_support::{all_schedules, check_once, counters, spin_for, stress_iters, Rng};

fn random_pool(rng: &mut Rng) -> Pool {
    let workers = 1 + rng.below(8) as usize;
    let victim_order = match rng.below(3) {
        0 => VictimOrder::Random,
        1 => VictimOrder::RoundRobin,
        // Reverse index order, as a topology list might give.
        _ => VictimOrder::Topology(
            (0..workers)
                .map(|w| (0..workers).rev().filter(|&v| v != w).collect())
                .collect(),
        ),
    };
    Pool::builder()
        .workers(workers)
        .deque_order(if rng.below(2) == 0 {
            DequeOrder::Lifo
        } else {
            DequeOrder::Fifo
        })
        .steal_amount(if rng.below(2) == 0 {
            StealAmount::One
        } else {
            StealAmount::Half
        })
        .victim_order(victim_order)
        .build()
        .unwrap()
}

#[test]
fn for_each_index_runs_every_index_once() {
    let mut rng = stress_support::seeded(1);
    let mut runs = 0;
    for _ in 0..24 {
        let pool = random_pool(&mut rng);
        for _ in 0..20 {
            for schedule in all_schedules(&mut rng) {
                let len = match rng.below(4) {
                    0 => rng.below(3) as usize, // empty and tiny
                    1 => rng.below(20) as usize,
                    _ => rng.below(3000) as usize,
                };
                let start = rng.below(1000) as usize;
                let counts: Vec<AtomicU32> = (0..len).map(|_| AtomicU32::new(0)).collect();
                pool.for_each_index(start..start + len, schedule, |ctx, i| {
                    assert!(ctx.worker_index() < pool.num_workers());
                    counts[i - start].fetch_add(1, Ordering::Relaxed);
                });
                check_once(
                    &counts,
                    &format!("{schedule} on {} workers, len {len}", pool.num_workers()),
                );
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 24 * 20 * scheduler::Schedule::ALL.len());
}

/// A random tree of nested calls; every leaf index is counted.
fn nested(pool: &Pool, rng_seed: u64, depth: u32, counts: &[AtomicU32], next_leaf: &AtomicUsize) {
    let mut rng = Rng(rng_seed);
    let leaf = || {
        let i = next_leaf.fetch_add(1, Ordering::Relaxed);
        counts[i].fetch_add(1, Ordering::Relaxed);
    };
    if depth == 0 {
        leaf();
        return;
    }
    match rng.below(3) {
        0 => {
            pool.join(
                || {
                    nested(
                        pool,
                        rng_seed.wrapping_mul(31).wrapping_add(1),
                        depth - 1,
                        counts,
                        next_leaf,
                    )
                },
                || {
                    nested(
                        pool,
                        rng_seed.wrapping_mul(37).wrapping_add(2),
                        depth - 1,
                        counts,
                        next_leaf,
                    )
                },
            );
        }
        1 => pool.scope(|s| {
            for k in 0..1 + rng.below(3) {
                s.spawn(move |s2| {
                    nested(
                        pool,
                        rng_seed.wrapping_mul(41).wrapping_add(k),
                        depth - 1,
                        counts,
                        next_leaf,
                    );
                    s2.spawn(move |_| leaf());
                });
            }
        }),
        _ => {
            let schedules = all_schedules(&mut rng);
            let schedule = schedules[rng.index(schedules.len())];
            let n = rng.below(4) as usize;
            pool.for_each_index(0..n, schedule, |_, i| {
                nested(
                    pool,
                    rng_seed.wrapping_mul(43).wrapping_add(i as u64),
                    depth - 1,
                    counts,
                    next_leaf,
                )
            });
        }
    }
}

/// Number of leaves `nested` produces (run serially with a one-worker-free count).
#[test]
fn nested_spawns_joins_and_loops_run_each_leaf_once() {
    let mut rng = stress_support::seeded(2);
    for round in 0..60 {
        let pool = random_pool(&mut rng);
        for k in 0..10 {
            let seed = rng.next();
            // Leaves are numbered as they run; count them with a generous buffer,
            // then check that exactly `ran` slots were hit, each once.
            let counts: Vec<AtomicU32> = (0..20_000).map(|_| AtomicU32::new(0)).collect();
            let next_leaf = AtomicUsize::new(0);
            nested(&pool, seed, 4, &counts, &next_leaf);
            let ran = next_leaf.load(Ordering::Relaxed);
            assert!(ran < counts.len());
            check_once(&counts[..ran], &format!("round {round}.{k}"));
            // The same tree run on a one-worker pool gives the same leaf count.
            let single = Pool::builder().workers(1).build().unwrap();
            let next_single = AtomicUsize::new(0);
            let counts_single: Vec<AtomicU32> = (0..20_000).map(|_| AtomicU32::new(0)).collect();
            nested(&single, seed, 4, &counts_single, &next_single);
            assert_eq!(
                next_single.load(Ordering::Relaxed),
                ran,
                "round {round}.{k}: leaf count differs"
            );
        }
    }
}

#[test]
fn concurrent_outside_callers_share_the_pool() {
    let pool = Pool::builder().workers(3).build().unwrap();
    let total = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (pool, total) = (&pool, &total);
            s.spawn(move || {
                let mut rng = stress_support::seeded(100 + t);
                for _ in 0..200 {
                    let schedules = all_schedules(&mut rng);
                    let schedule = schedules[rng.index(schedules.len())];
                    let n = rng.below(500) as usize;
                    let counts: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
                    pool.for_each_index(0..n, schedule, |_, i| {
                        counts[i].fetch_add(1, Ordering::Relaxed);
                    });
                    check_once(&counts, &format!("{schedule}"));
                    total.fetch_add(n, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(
        pool.stats().total().tasks as usize,
        total.load(Ordering::Relaxed)
    );
}

/// Fast tasks over long ranges, so that Adaptive batches grow to hundreds of
/// offsets, with a few slow indices (scattered, or a slow tail at the end of a
/// worker's range) so that waiting thieves ask running batches to give back.
#[test]
fn long_ranges_of_fast_tasks_with_slow_spots_run_every_index_once() {
    let iters = stress_iters();
    common::within(
        stress_support::hang_limit(),
        "long ranges of fast tasks",
        move || {
            let mut rng = stress_support::seeded(3);
            for round in 0..4 * iters {
                let pool = random_pool(&mut rng);
                let mut total = 0;
                for schedule in all_schedules(&mut rng) {
                    let len = 100_000 + rng.index(900_000);
                    let start = rng.index(1 << 20);
                    let mut slow = vec![false; len];
                    for _ in 0..rng.below(6) {
                        slow[rng.index(len)] = true;
                    }
                    if rng.below(2) == 0 {
                        // The last few offsets of some worker's initial range.
                        let parts = pool.num_workers();
                        let end = len * (1 + rng.index(parts)) / parts;
                        slow[end.saturating_sub(6)..end].fill(true);
                    }
                    let counts = counters(len);
                    pool.for_each_index(start..start + len, schedule, |_, i| {
                        let offset = i - start;
                        counts[offset].fetch_add(1, Ordering::Relaxed);
                        if slow[offset] {
                            spin_for(300);
                        }
                    });
                    check_once(
                        &counts,
                        &format!(
                            "round {round}: {schedule} on {} workers, {start}..+{len}",
                            pool.num_workers()
                        ),
                    );
                    total += len;
                }
                assert_eq!(pool.stats().total().tasks as usize, total, "round {round}");
            }
        },
    );
}

/// What node `id` of a deep tree does, from a hash of (seed, id): mostly a
/// join (as recursive workloads do), sometimes a scope or a two-index loop.
fn node_kind(seed: u64, id: usize) -> u64 {
    let mut x = seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x ^ (x >> 32)) % 16
}

/// A complete binary tree of `depth` levels whose node `id` has children
/// `2 id + 1` and `2 id + 2`, forked by `join`, `scope` or `for_each_index`;
/// each leaf counts itself and spins a little at some leaves, so that private
/// join frames are asked for and shared while others are still registered.
fn deep(
    pool: &Pool,
    seed: u64,
    schedule: scheduler::Schedule,
    id: usize,
    depth: u32,
    counts: &[AtomicU32],
) {
    if depth == 0 {
        counts[id].fetch_add(1, Ordering::Relaxed);
        if node_kind(seed, id) == 0 {
            spin_for(20);
        }
        return;
    }
    let child = |k: usize| deep(pool, seed, schedule, 2 * id + 1 + k, depth - 1, counts);
    match node_kind(seed, id) {
        0 => pool.scope(|s| {
            s.spawn(|_| child(0));
            s.spawn(|_| child(1));
        }),
        1 => pool.for_each_index(0..2, schedule, |_, k| child(k)),
        _ => {
            pool.join(|| child(0), || child(1));
        }
    }
}

/// Deep nested joins (2^14 leaves, a join at almost every node) mixed with
/// scopes and loops of every schedule, on every pool setting: each leaf once.
#[test]
fn deep_joins_mixed_with_scopes_and_loops_run_each_leaf_once() {
    const DEPTH: u32 = 14;
    let iters = stress_iters();
    common::within(stress_support::hang_limit(), "deep joins", move || {
        let mut rng = stress_support::seeded(4);
        for round in 0..6 * iters {
            let pool = random_pool(&mut rng);
            for schedule in all_schedules(&mut rng) {
                let seed = rng.next();
                let leaves = 1usize << DEPTH;
                let counts = counters(2 * leaves - 1);
                deep(&pool, seed, schedule, 0, DEPTH, &counts);
                check_once(
                    &counts[leaves - 1..],
                    &format!(
                        "round {round}: {schedule} on {} workers",
                        pool.num_workers()
                    ),
                );
            }
        }
    });
}

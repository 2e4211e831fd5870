//! `Schedule::Adaptive` in the states where its thieves wait for a give-back:
//! batches grown to many offsets (fast tasks, long ranges) that a task leaves
//! by panicking, or in which a task waits for a nested loop or a join that
//! needs the waiting thief. Each case used to hang; each runs under
//! [`common::within`] so that a regression fails instead of stalling.

mod common;

use common::{quiet_boom_panics, within, HANG_LIMIT};
use scheduler::{Pool, Schedule};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

/// Runs an Adaptive loop of `len` instant tasks on `pool` whose task panics at
/// `panic_at`, and checks that the panic reaches the caller and no index ran
/// twice. Returns how many indices ran.
fn adaptive_loop_panicking_at(pool: &Pool, len: usize, panic_at: usize) -> usize {
    let runs: Vec<AtomicU8> = (0..len).map(|_| AtomicU8::new(0)).collect();
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.for_each_index(0..len, Schedule::Adaptive, |_, i| {
            runs[i].fetch_add(1, Ordering::Relaxed);
            if i == panic_at {
                panic!("boom at {i}");
            }
        })
    }));
    let payload = result.expect_err("the task's panic must reach the caller");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some(format!("boom at {panic_at}").as_str())
    );
    let mut ran = 0;
    for (i, count) in runs.iter().enumerate() {
        let count = count.load(Ordering::Relaxed);
        assert!(count <= 1, "index {i} ran {count} times");
        ran += usize::from(count);
    }
    assert_eq!(runs[panic_at].load(Ordering::Relaxed), 1);
    ran
}

/// The pool still runs a loop of every kind on every worker.
fn assert_pool_works(pool: &Pool) {
    for schedule in [Schedule::Adaptive, Schedule::Static] {
        let count = AtomicUsize::new(0);
        pool.for_each_index(0..10_000, schedule, |_, _| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(count.into_inner(), 10_000, "{schedule}");
    }
    let workers = pool.num_workers();
    let per_worker: Vec<AtomicUsize> = (0..workers).map(|_| AtomicUsize::new(0)).collect();
    pool.for_each_index(0..workers, Schedule::Static, |ctx, _| {
        per_worker[ctx.worker_index()].fetch_add(1, Ordering::Relaxed);
    });
    assert!(per_worker.iter().all(|c| c.load(Ordering::Relaxed) == 1));
}

#[test]
fn a_panic_inside_a_grown_batch_reaches_the_caller() {
    quiet_boom_panics();
    // Whether the panicking worker's batch has grown when it panics depends on
    // timing (a preempted batch shrinks it), so try a few times.
    within(HANG_LIMIT, "adaptive panic at 50_000 on 2 workers", || {
        let pool = Pool::builder().workers(2).build().unwrap();
        for round in 0..10 {
            adaptive_loop_panicking_at(&pool, 200_000, 50_000 + round);
        }
        assert_pool_works(&pool);
    });
}

#[test]
fn panics_at_any_index_on_one_to_four_workers_reach_the_caller() {
    quiet_boom_panics();
    within(HANG_LIMIT, "adaptive panics at several indices", || {
        for workers in 1..=4 {
            let pool = Arc::new(Pool::builder().workers(workers).build().unwrap());
            for panic_at in [0, 1, 4_095, 50_000, 99_998, 99_999] {
                adaptive_loop_panicking_at(&pool, 100_000, panic_at);
                // The same from inside the pool: the caller is a worker.
                let inner = pool.clone();
                let result = catch_unwind(AssertUnwindSafe(|| {
                    pool.join(
                        || adaptive_loop_panicking_at(&inner, 100_000, panic_at),
                        || (),
                    )
                }));
                assert!(result.is_ok(), "{workers} workers, panic at {panic_at}");
            }
            assert_pool_works(&pool);
        }
    });
}

#[test]
fn every_index_but_the_panicking_participants_runs() {
    // Only the panicking participant's unstarted indices may be skipped: with
    // one worker, that is everything after the panic.
    quiet_boom_panics();
    within(HANG_LIMIT, "adaptive panic on one worker", || {
        let pool = Pool::builder().workers(1).build().unwrap();
        assert_eq!(adaptive_loop_panicking_at(&pool, 10_000, 6_000), 6_001);
    });
}

/// Adaptive over `0..20_000` on `workers` workers, with a nested loop of
/// `inner` over `0..2` at index 5_000 (and, from the fifth round on, at 15_000
/// too: in another participant's range); checks every index of both ran once.
/// Whether the nesting task's batch has grown depends on timing (a preempted
/// batch shrinks it), so this runs a few rounds.
fn adaptive_with_nested(workers: usize, inner: Schedule) {
    let pool = Pool::builder().workers(workers).build().unwrap();
    for round in 0..10 {
        let outer_runs: Vec<AtomicU8> = (0..20_000).map(|_| AtomicU8::new(0)).collect();
        let inner_runs: Vec<AtomicU8> = (0..4).map(|_| AtomicU8::new(0)).collect();
        pool.for_each_index(0..20_000, Schedule::Adaptive, |_, i| {
            outer_runs[i].fetch_add(1, Ordering::Relaxed);
            if i == 5_000 || (i == 15_000 && round >= 5) {
                let base = if i == 5_000 { 0 } else { 2 };
                pool.for_each_index(base..base + 2, inner, |_, j| {
                    inner_runs[j].fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        let inner_len = if round >= 5 { 4 } else { 2 };
        for (what, runs) in [
            ("outer", &outer_runs[..]),
            ("inner", &inner_runs[..inner_len]),
        ] {
            for (i, count) in runs.iter().enumerate() {
                let count = count.load(Ordering::Relaxed);
                assert_eq!(count, 1, "{inner}: {what} index {i} ran {count} times");
            }
        }
    }
}

#[test]
fn nested_static_loop_inside_a_batch_returns() {
    within(HANG_LIMIT, "static nested in adaptive", || {
        adaptive_with_nested(2, Schedule::Static);
    });
}

#[test]
fn nested_static_cyclic_loop_inside_a_batch_returns() {
    within(HANG_LIMIT, "static-cyclic nested in adaptive", || {
        adaptive_with_nested(2, Schedule::StaticCyclic);
    });
}

#[test]
fn nested_work_stealing_loop_inside_a_batch_returns() {
    within(HANG_LIMIT, "work-stealing nested in adaptive", || {
        adaptive_with_nested(2, Schedule::WorkStealing { grain: 1 });
    });
}

#[test]
fn nested_loops_of_every_schedule_on_three_and_four_workers_return() {
    within(HANG_LIMIT, "every schedule nested in adaptive", || {
        for workers in [3, 4] {
            for inner in [
                Schedule::Static,
                Schedule::StaticCyclic,
                Schedule::Dynamic { chunk: 1 },
                Schedule::Guided { min_chunk: 1 },
                Schedule::WorkStealing { grain: 1 },
                Schedule::Adaptive,
            ] {
                adaptive_with_nested(workers, inner);
            }
        }
    });
}

/// One outside caller's share of the concurrent test: an Adaptive loop whose
/// tasks now and then join an inner Adaptive loop with a small task.
fn adaptive_with_joins(pool: &Pool, outer: usize, leaves: &AtomicUsize) {
    pool.for_each_index(0..outer, Schedule::Adaptive, |_, i| {
        if i % 1_000 == 0 {
            pool.join(
                || {
                    pool.for_each_index(0..2_000, Schedule::Adaptive, |_, _| {
                        leaves.fetch_add(1, Ordering::Relaxed);
                    })
                },
                || leaves.fetch_add(1, Ordering::Relaxed),
            );
        }
        leaves.fetch_add(1, Ordering::Relaxed);
    });
}

#[test]
fn concurrent_adaptive_loops_with_nested_joins_return() {
    within(
        HANG_LIMIT,
        "two callers, adaptive in adaptive with joins",
        || {
            for workers in [2, 3] {
                let pool = Arc::new(Pool::builder().workers(workers).build().unwrap());
                for _ in 0..5 {
                    let callers: Vec<_> = (0..2)
                        .map(|_| {
                            let pool = pool.clone();
                            std::thread::spawn(move || {
                                let leaves = AtomicUsize::new(0);
                                adaptive_with_joins(&pool, 20_000, &leaves);
                                leaves.into_inner()
                            })
                        })
                        .collect();
                    for caller in callers {
                        let leaves = caller.join().expect("caller panicked");
                        assert_eq!(leaves, 20_000 + 20 * (2_000 + 1));
                    }
                }
            }
        },
    );
}

/// A worker that owns a long Adaptive share runs a nested call's participant
/// addressed to it between batches, not after its whole share: the nested
/// block for worker 0 runs while the Adaptive loop is far from done.
#[test]
fn an_adaptive_owner_runs_a_nested_participant_between_batches() {
    const LEN: usize = 2_000;
    let progress_when_nested_ran = within(HANG_LIMIT, "nested between batches", || {
        let pool = Pool::builder().workers(2).build().unwrap();
        let done = AtomicUsize::new(0);
        let seen = AtomicUsize::new(usize::MAX);
        pool.for_each_index(0..2, Schedule::Static, |_, outer| {
            if outer == 0 {
                pool.for_each_index(0..LEN, Schedule::Adaptive, |_, _| {
                    std::thread::sleep(std::time::Duration::from_micros(100));
                    done.fetch_add(1, Ordering::Relaxed);
                });
            } else {
                while done.load(Ordering::Relaxed) < 20 {
                    std::thread::yield_now();
                }
                pool.for_each_index(0..2, Schedule::Static, |ctx, _| {
                    if ctx.worker_index() == 0 {
                        seen.store(done.load(Ordering::Relaxed), Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(done.load(Ordering::Relaxed), LEN);
        seen.load(Ordering::Relaxed)
    });
    assert!(
        progress_when_nested_ran < LEN,
        "worker 0 ran the nested block only after its whole Adaptive share ({progress_when_nested_ran} of {LEN} done)"
    );
}

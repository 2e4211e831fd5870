//! Small end-to-end tests of the pool's unsafe paths (jobs on stacks, boxed
//! scope jobs, latches freed by their waiters, range stealing), sized so they
//! also run under Miri:
//! `MIRIFLAGS="-Zmiri-preemption-rate=0 -Zmiri-tree-borrows -Zmiri-ignore-leaks" cargo +nightly miri test -p scheduler --lib -- small`
//! (tree borrows and ignore-leaks for crossbeam-epoch: under stacked borrows its
//! intrusive list is reported, and its global collector is never freed).

use crate::{Pool, Schedule, StealAmount};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

const SCHEDULES: [Schedule; 6] = [
    Schedule::Static,
    Schedule::StaticCyclic,
    Schedule::Dynamic { chunk: 2 },
    Schedule::Guided { min_chunk: 1 },
    Schedule::WorkStealing { grain: 2 },
    Schedule::Adaptive,
];

#[test]
fn small_every_schedule_runs_each_index_once() {
    for amount in [StealAmount::One, StealAmount::Half] {
        let pool = Pool::builder()
            .workers(2)
            .steal_amount(amount)
            .build()
            .unwrap();
        for schedule in SCHEDULES {
            for len in [0, 1, 7, 40] {
                let counts: Vec<AtomicU32> = (0..len).map(|_| AtomicU32::new(0)).collect();
                pool.for_each_index(3..3 + len, schedule, |_, i| {
                    counts[i - 3].fetch_add(1, Ordering::Relaxed);
                });
                assert!(
                    counts.iter().all(|c| c.load(Ordering::Relaxed) == 1),
                    "{schedule} len {len}"
                );
            }
        }
    }
}

#[test]
fn small_nested_join_scope_and_loops() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let total = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..3 {
            s.spawn(|s| {
                let (a, b) = pool.join(|| 1, || 2);
                total.fetch_add(a + b, Ordering::Relaxed);
                s.spawn(|_| {
                    pool.for_each_index(0..5, Schedule::Adaptive, |_, _| {
                        total.fetch_add(1, Ordering::Relaxed);
                    });
                });
            });
        }
    });
    pool.for_each_index(0..4, Schedule::WorkStealing { grain: 1 }, |_, _| {
        pool.join(
            || total.fetch_add(1, Ordering::Relaxed),
            || total.fetch_add(1, Ordering::Relaxed),
        );
    });
    assert_eq!(total.into_inner(), 3 * 3 + 3 * 5 + 4 * 2);
}

#[test]
fn small_borrowed_results_come_back() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let mut parts = vec![0usize; 6];
    pool.scope(|s| {
        for (i, part) in parts.iter_mut().enumerate() {
            s.spawn(move |_| *part = i * i);
        }
    });
    assert_eq!(parts, [0, 1, 4, 9, 16, 25]);
    let text = String::from("borrowed");
    let (a, b) = pool.join(|| text.len(), || text.to_uppercase());
    assert_eq!((a, b.as_str()), (8, "BORROWED"));
}

#[test]
fn small_panics_propagate_and_pool_survives() {
    let pool = Pool::builder().workers(2).build().unwrap();
    for schedule in SCHEDULES {
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.for_each_index(0..6, schedule, |_, i| assert!(i != 4, "task 4 fails"));
        }));
        assert!(r.is_err(), "{schedule}");
    }
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.join(|| (), || panic!("task b fails"))
    }));
    assert!(r.is_err());
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| s.spawn(|_| panic!("task spawned fails")))
    }));
    assert!(r.is_err());
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
}

#[test]
fn small_calls_across_pools_come_back() {
    // A worker of one pool calling the other waits by running its own pool's
    // jobs; the latch that wakes it holds its pool's shared state alive.
    let a = Pool::builder().workers(1).build().unwrap();
    let b = Pool::builder().workers(1).build().unwrap();
    let (x, y) = a.join(|| b.join(|| a.join(|| 1, || 2), || 3), || 4);
    assert_eq!((x, y), (((1, 2), 3), 4));
    let total = AtomicUsize::new(0);
    a.for_each_index(0..2, Schedule::Static, |_, _| {
        b.for_each_index(0..2, Schedule::Adaptive, |_, _| {
            a.for_each_index(0..2, Schedule::WorkStealing { grain: 1 }, |_, _| {
                total.fetch_add(1, Ordering::Relaxed);
            });
        });
    });
    assert_eq!(total.into_inner(), 8);
}

#[test]
fn small_nested_static_inside_adaptive_and_extreme_grains() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let counts: Vec<AtomicU32> = (0..12).map(|_| AtomicU32::new(0)).collect();
    pool.for_each_index(0..12, Schedule::Adaptive, |_, i| {
        counts[i].fetch_add(1, Ordering::Relaxed);
        if i == 5 {
            pool.for_each_index(0..2, Schedule::Static, |_, _| {});
        }
    });
    assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1));
    for grain in [usize::MAX, (1 << 63) + 1] {
        let counts: Vec<AtomicU32> = (0..5).map(|_| AtomicU32::new(0)).collect();
        pool.for_each_index(0..5, Schedule::WorkStealing { grain }, |_, i| {
            counts[i].fetch_add(1, Ordering::Relaxed);
        });
        assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1));
    }
}

#[test]
fn small_a_waiting_join_frame_is_shared_when_a_thief_asks() {
    // `b` runs first and waits until `a` has started, joining while it waits:
    // that only ends if `a`'s private frame is shared at one of those joins and
    // the other worker, which asked for work, takes it.
    let pool = Pool::builder().workers(2).build().unwrap();
    let a_started = std::sync::atomic::AtomicBool::new(false);
    let (ran_a_on, ran_b_on) = pool.join(
        || {
            a_started.store(true, Ordering::Release);
            crate::worker::WorkerThread::current() as usize
        },
        || {
            while !a_started.load(Ordering::Acquire) {
                pool.join(|| (), || ());
                std::hint::spin_loop();
            }
            crate::worker::WorkerThread::current() as usize
        },
    );
    assert_ne!(ran_a_on, ran_b_on, "a ran on another worker");
    assert!(pool.stats().total().frames_shared >= 1);
}

/// A frame's JobRef for the `Frames` tests: compared, never executed.
fn job(k: usize) -> crate::job::JobRef {
    unsafe fn nothing(_: *const (), _: usize) {}
    // SAFETY: never executed (the tests only compare it).
    unsafe { crate::job::JobRef::new(std::ptr::null(), k, nothing) }
}

#[test]
fn small_join_frames_keep_their_positions_when_the_oldest_is_shared() {
    use crate::join::Frames;
    let frames = Frames::new();
    let p0 = frames.push(job(0));
    let p1 = frames.push(job(1));
    assert_eq!(frames.take_oldest(), Some(job(0)));
    let p2 = frames.push(job(2));
    assert!(frames.pop_if_private(p2, job(2)));
    assert_eq!(frames.take_oldest(), Some(job(1)));
    assert!(!frames.pop_if_private(p1, job(1)), "shared, not private");
    assert!(!frames.pop_if_private(p0, job(0)), "shared, not private");
    assert_eq!(frames.take_oldest(), None);
}

#[test]
fn join_tasks_are_counted_by_the_time_the_call_returns() {
    // Joins are counted into `tasks` in bulk (at latch decrements and when a
    // worker goes idle): a snapshot right after the call must still see every
    // join, as two tasks, including those run by thieves.
    fn fib(pool: &Pool, n: u32) -> u64 {
        if n < 2 {
            return n as u64;
        }
        let (a, b) = pool.join(|| fib(pool, n - 1), || fib(pool, n - 2));
        a + b
    }
    let fib_serial = |n: u32| -> u64 {
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..n {
            (a, b) = (b, a + b);
        }
        a
    };
    // fib(n) makes fib(n + 1) - 1 joins.
    let joins = |n: u32| fib_serial(n + 1) - 1;
    for workers in [1, 2, 3] {
        let pool = Pool::builder().workers(workers).build().unwrap();
        for n in [1, 10, 22] {
            pool.reset_stats();
            assert_eq!(fib(&pool, n), fib_serial(n));
            let tasks = pool.stats().total().tasks;
            assert_eq!(tasks, 2 * joins(n), "{workers} workers, fib({n})");
        }
    }
}

#[test]
fn small_join_frames_stop_registering_when_the_ring_is_full() {
    use crate::join::{Frames, FRAME_CAPACITY, REGISTER_PERIOD};
    let frames = Frames::new();
    let positions: Vec<u64> = (0..FRAME_CAPACITY).map(|k| frames.push(job(k))).collect();
    assert!(frames.is_full());
    // Not even a period join registers on a full ring.
    let registers =
        (0..2 * REGISTER_PERIOD).filter(|_| frames.should_register(frames.count_join()));
    assert_eq!(registers.count(), 0);
    assert!(frames.pop_if_private(positions[FRAME_CAPACITY - 1], job(FRAME_CAPACITY - 1)));
    assert!(!frames.is_full());
    let registers =
        (0..2 * REGISTER_PERIOD).filter(|_| frames.should_register(frames.count_join()));
    assert_eq!(registers.count(), 2, "one in every period");
    for k in 0..FRAME_CAPACITY - 1 {
        assert_eq!(frames.take_oldest(), Some(job(k)));
    }
    assert_eq!(frames.take_oldest(), None);
    // The ring wraps: positions keep counting.
    let p = frames.push(job(99));
    assert_eq!(p, FRAME_CAPACITY as u64 - 1);
    assert!(frames.pop_if_private(p, job(99)));
}

#[test]
fn small_join_chains_deeper_than_the_frame_ring_run_every_half_once() {
    // A chain of joins nested in `b`, so that every registered frame stays
    // pending: it fills the (test-sized) ring many times over. Now and then
    // the chain asks its own worker to share, as a thief would, so that asked
    // joins meet a full ring too.
    fn chain(pool: &Pool, depth: u64, ran: &AtomicU32) -> u64 {
        ran.fetch_add(1, Ordering::Relaxed);
        if depth == 0 {
            return 0;
        }
        if depth % 200 == 0 {
            // SAFETY: called from inside the pool, so CURRENT is this worker.
            unsafe { &*crate::worker::WorkerThread::current() }
                .share_request()
                .ask();
        }
        let (a, b) = pool.join(|| depth, || chain(pool, depth - 1, ran));
        a + b
    }
    let depth = 64 * 2 * crate::join::FRAME_CAPACITY as u64;
    for workers in [1, 2] {
        let pool = Pool::builder().workers(workers).build().unwrap();
        let ran = AtomicU32::new(0);
        let sum = pool.scope(|_| chain(&pool, depth, &ran));
        assert_eq!(sum, depth * (depth + 1) / 2, "{workers} workers");
        assert_eq!(ran.load(Ordering::Relaxed) as u64, depth + 1);
    }
}

#[test]
fn small_join_runs_both_halves_when_one_panics_registered_or_not() {
    // Nested `depth` joins deep in `b` (whose frames stay pending while it
    // runs), so that the innermost join is registered (few frames below it) or
    // not (KEEP_FRAMES and more, unless it is a REGISTER_PERIOD-th join), on 1
    // and 2 workers.
    fn nest(pool: &Pool, depth: usize, inner: &(dyn Fn() + Sync)) {
        if depth == 0 {
            inner();
        } else {
            pool.join(|| (), || nest(pool, depth - 1, inner));
        }
    }
    for workers in [1, 2] {
        let pool = Pool::builder().workers(workers).build().unwrap();
        for depth in [0, 1, crate::join::KEEP_FRAMES + 2] {
            for (a_panics, b_panics) in [(true, false), (false, true), (true, true)] {
                let ran = AtomicU32::new(0);
                let result = catch_unwind(AssertUnwindSafe(|| {
                    nest(&pool, depth, &|| {
                        pool.join(
                            || {
                                ran.fetch_add(1, Ordering::Relaxed);
                                if a_panics {
                                    panic!("boom a");
                                }
                            },
                            || {
                                ran.fetch_add(10, Ordering::Relaxed);
                                if b_panics {
                                    panic!("boom b");
                                }
                            },
                        );
                    })
                }));
                let what = format!("{workers} workers, depth {depth}, a {a_panics}, b {b_panics}");
                assert_eq!(ran.load(Ordering::Relaxed), 11, "{what}: both ran");
                let payload = result.expect_err(&what);
                // `b` runs first: its panic is the one re-raised if both panic.
                let expected = if b_panics { "boom b" } else { "boom a" };
                assert_eq!(payload.downcast_ref::<&str>(), Some(&expected), "{what}");
            }
        }
    }
}

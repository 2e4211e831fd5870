//! A panicking task is re-raised in the caller after the call's other tasks
//! finished, never kills a worker, and leaves the pool usable.

mod common;
mod stress_support;

use scheduler::{Pool, Schedule};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use stress_support::{all_schedules, check_at_most_once, check_once, counters, stress_iters};

/// Every schedule ([`Schedule::ALL`]) with a parameter of 2 where it takes one.
fn schedules() -> impl Iterator<Item = Schedule> {
    Schedule::ALL.into_iter().map(|s| s.with_param(2))
}

#[test]
fn for_each_index_panics_reach_the_caller_with_every_schedule() {
    common::quiet_boom_panics();
    for workers in [1, 2, 3] {
        let pool = Pool::builder().workers(workers).build().unwrap();
        for schedule in schedules() {
            for inside_pool in [false, true] {
                let running = AtomicUsize::new(0);
                let finished_before_return = AtomicUsize::new(0);
                let run = || {
                    pool.for_each_index(0..200, schedule, |_, i| {
                        running.fetch_add(1, Ordering::SeqCst);
                        if i == 77 {
                            panic!("boom: task 77 failed");
                        }
                        std::thread::sleep(std::time::Duration::from_micros(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                        finished_before_return.fetch_add(1, Ordering::SeqCst);
                    })
                };
                let result = if inside_pool {
                    // Called from a worker: through join.
                    catch_unwind(AssertUnwindSafe(|| pool.join(run, || ()).0))
                } else {
                    catch_unwind(AssertUnwindSafe(run))
                };
                let payload = result.expect_err("the panic must reach the caller");
                assert_eq!(
                    payload.downcast_ref::<&str>(),
                    Some(&"boom: task 77 failed"),
                    "{schedule}"
                );
                // Every other task of the call had finished: only the panicking
                // one is still counted as running.
                assert_eq!(
                    running.load(Ordering::SeqCst),
                    1,
                    "{schedule}: a task was still running"
                );
                // The pool still works, on every worker.
                let count = AtomicUsize::new(0);
                pool.for_each_index(0..1000, schedule, |_, _| {
                    count.fetch_add(1, Ordering::Relaxed);
                });
                assert_eq!(count.into_inner(), 1000, "{schedule} after a panic");
            }
        }
        let per_worker: Vec<AtomicUsize> = (0..workers).map(|_| AtomicUsize::new(0)).collect();
        pool.for_each_index(0..workers, Schedule::Static, |ctx, _| {
            per_worker[ctx.worker_index()].fetch_add(1, Ordering::Relaxed);
        });
        assert!(
            per_worker.iter().all(|c| c.load(Ordering::Relaxed) == 1),
            "a worker died"
        );
    }
}

#[test]
fn join_and_scope_panics_reach_the_caller() {
    common::quiet_boom_panics();
    let pool = Pool::builder().workers(2).build().unwrap();
    let other_done = AtomicUsize::new(0);
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.join(
            || panic!("boom: task a failed"),
            || {
                std::thread::sleep(std::time::Duration::from_millis(5));
                other_done.fetch_add(1, Ordering::SeqCst);
            },
        )
    }));
    assert!(r.is_err());
    assert_eq!(
        other_done.load(Ordering::SeqCst),
        1,
        "join returned before b finished"
    );

    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.join(|| 1, || -> u32 { panic!("boom: task b failed") })
    }));
    assert_eq!(
        r.unwrap_err().downcast_ref::<&str>(),
        Some(&"boom: task b failed")
    );

    let finished = AtomicUsize::new(0);
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            for k in 0..10 {
                let finished = &finished;
                s.spawn(move |_| {
                    if k == 3 {
                        panic!("boom: task 3 failed");
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
    }));
    assert_eq!(
        r.unwrap_err().downcast_ref::<&str>(),
        Some(&"boom: task 3 failed")
    );
    assert_eq!(
        finished.load(Ordering::SeqCst),
        9,
        "scope returned before its other tasks finished"
    );

    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|_| -> () { panic!("boom: task body failed") })
    }));
    assert!(r.is_err());
    assert_eq!(pool.join(|| 2, || 3), (2, 3));
}

/// One call whose tasks panic at the offsets marked in `panics`: the panic
/// reaches the caller (from outside the pool or from inside a worker), no
/// offset runs twice, every task that started and did not panic finished
/// before the call returned, and a clean call right after runs every offset
/// exactly once.
fn panicking_call(pool: &Pool, schedule: Schedule, start: usize, panics: &[bool], inside: bool) {
    let len = panics.len();
    let what = format!(
        "{schedule} on {} workers, {start}..+{len}, inside the pool: {inside}",
        pool.num_workers()
    );
    let started = counters(len);
    let finished = counters(len);
    let run = || {
        pool.for_each_index(start..start + len, schedule, |_, i| {
            let offset = i - start;
            started[offset].fetch_add(1, Ordering::Relaxed);
            if panics[offset] {
                panic!("boom at offset {offset}");
            }
            finished[offset].fetch_add(1, Ordering::Relaxed);
        })
    };
    let result = if inside {
        catch_unwind(AssertUnwindSafe(|| pool.join(run, || ()).0))
    } else {
        catch_unwind(AssertUnwindSafe(run))
    };
    let payload = result.expect_err(&format!("{what}: the panic must reach the caller"));
    let message = payload
        .downcast_ref::<String>()
        .unwrap_or_else(|| panic!("{what}: the payload is not the task's"));
    let offset: usize = message
        .strip_prefix("boom at offset ")
        .and_then(|o| o.parse().ok())
        .unwrap_or_else(|| panic!("{what}: unexpected payload {message:?}"));
    assert!(panics[offset], "{what}: offset {offset} did not panic");
    check_at_most_once(&started, &what);
    for offset in (0..len).filter(|&o| !panics[o]) {
        assert_eq!(
            started[offset].load(Ordering::Relaxed),
            finished[offset].load(Ordering::Relaxed),
            "{what}: offset {offset} still running when the call returned"
        );
    }
    let counts = counters(len);
    pool.for_each_index(start..start + len, schedule, |_, i| {
        counts[i - start].fetch_add(1, Ordering::Relaxed);
    });
    check_once(&counts, &format!("{what}: the clean call after the panic"));
}

/// Panics at seeded random offsets under every schedule, with fast tasks over
/// long ranges too (Adaptive batches of many offsets), on 1–4 workers.
#[test]
fn panics_at_random_indices_under_every_schedule() {
    common::quiet_boom_panics();
    let iters = stress_iters();
    for workers in 1..=4 {
        common::within(
            stress_support::hang_limit(),
            &format!("random panics on {workers} workers"),
            move || {
                let pool = stress_support::pool(workers);
                let mut rng = stress_support::seeded(40 + workers as u64);
                for _ in 0..2 * iters {
                    for len in [1, 200, 5_000, 200_000] {
                        for schedule in all_schedules(&mut rng) {
                            let mut panics = vec![false; len];
                            for _ in 0..1 + rng.below(3) {
                                panics[rng.index(len)] = true;
                            }
                            match rng.below(4) {
                                0 => panics[0] = true,
                                1 => panics[len - 1] = true,
                                _ => {}
                            }
                            let start = rng.index(1 << 30);
                            let inside = rng.below(2) == 0;
                            panicking_call(&pool, schedule, start, &panics, inside);
                        }
                    }
                }
                // Every worker is still alive.
                let per_worker = counters(workers);
                pool.for_each_index(0..workers, Schedule::Static, |ctx, _| {
                    per_worker[ctx.worker_index()].fetch_add(1, Ordering::Relaxed);
                });
                check_once(&per_worker, "one Static index per worker");
            },
        );
    }
}

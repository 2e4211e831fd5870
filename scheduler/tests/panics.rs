//! A panicking task is re-raised in the caller after the call's other tasks
//! finished, never kills a worker, and leaves the pool usable.

use scheduler::{Pool, Schedule};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

const SCHEDULES: [Schedule; 6] = [
    Schedule::Static,
    Schedule::StaticCyclic,
    Schedule::Dynamic { chunk: 3 },
    Schedule::Guided { min_chunk: 2 },
    Schedule::WorkStealing { grain: 2 },
    Schedule::Adaptive,
];

fn quiet_panics() {
    // The panics below are expected; keep the test output readable.
    std::panic::set_hook(Box::new(|info| {
        let msg = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
        if !msg.starts_with("task ") {
            eprintln!("{info}");
        }
    }));
}

#[test]
fn for_each_index_panics_reach_the_caller_with_every_schedule() {
    quiet_panics();
    for workers in [1, 2, 3] {
        let pool = Pool::builder().workers(workers).build().unwrap();
        for schedule in SCHEDULES {
            for inside_pool in [false, true] {
                let running = AtomicUsize::new(0);
                let finished_before_return = AtomicUsize::new(0);
                let run = || {
                    pool.for_each_index(0..200, schedule, |_, i| {
                        running.fetch_add(1, Ordering::SeqCst);
                        if i == 77 {
                            panic!("task 77 failed");
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
                    Some(&"task 77 failed"),
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
    quiet_panics();
    let pool = Pool::builder().workers(2).build().unwrap();
    let other_done = AtomicUsize::new(0);
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.join(
            || panic!("task a failed"),
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
        pool.join(|| 1, || -> u32 { panic!("task b failed") })
    }));
    assert_eq!(
        r.unwrap_err().downcast_ref::<&str>(),
        Some(&"task b failed")
    );

    let finished = AtomicUsize::new(0);
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            for k in 0..10 {
                let finished = &finished;
                s.spawn(move |_| {
                    if k == 3 {
                        panic!("task 3 failed");
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
    }));
    assert_eq!(
        r.unwrap_err().downcast_ref::<&str>(),
        Some(&"task 3 failed")
    );
    assert_eq!(
        finished.load(Ordering::SeqCst),
        9,
        "scope returned before its other tasks finished"
    );

    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|_| -> () { panic!("task body failed") })
    }));
    assert!(r.is_err());
    assert_eq!(pool.join(|| 2, || 3), (2, 3));
}

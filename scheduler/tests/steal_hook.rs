//! `PoolBuilder::on_steal`: the hook fires once per successful steal, on the thief's
//! thread, with the thief's and the victim's worker indices; the pool's
//! `steal_successes` counter counts the same steals.

use scheduler::{Pool, Schedule};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Worker 1's first task waits until worker 0 has run `release` tasks (at most 10 s, so
/// a broken pool fails the test instead of hanging it): worker 0 must steal from
/// worker 1's share to get there.
fn forced_steals(schedule: Schedule) {
    let calls: Arc<Mutex<Vec<(usize, usize, String)>>> = Arc::default();
    let log = calls.clone();
    let pool = Pool::builder()
        .workers(2)
        .on_steal(move |thief, victim| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            log.lock().unwrap().push((thief, victim, name));
        })
        .build()
        .unwrap();
    let done = AtomicUsize::new(0);
    let waited = AtomicUsize::new(0);
    let n = 100;
    pool.reset_stats();
    pool.for_each_index(0..n, schedule, |ctx, _| {
        if ctx.worker_index() == 1 && waited.fetch_add(1, Ordering::Relaxed) == 0 {
            let until = Instant::now() + Duration::from_secs(10);
            while done.load(Ordering::Relaxed) < n / 2 + 5 && Instant::now() < until {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
        done.fetch_add(1, Ordering::Relaxed);
    });
    let successes = pool.stats().total().steal_successes;
    let calls = calls.lock().unwrap();
    assert!(
        !calls.is_empty(),
        "{schedule:?}: no steal while worker 1 was held"
    );
    assert_eq!(
        calls.len() as u64,
        successes,
        "{schedule:?}: hook calls vs counter"
    );
    for (thief, victim, name) in calls.iter() {
        assert!(thief != victim && *thief < 2 && *victim < 2, "{calls:?}");
        assert_eq!(
            name,
            &format!("wsbench-worker-{thief}"),
            "not on the thief's thread"
        );
    }
}

#[test]
fn the_hook_fires_once_per_deque_steal() {
    forced_steals(Schedule::WorkStealing { grain: 1 });
}

#[test]
fn the_hook_fires_once_per_range_steal() {
    forced_steals(Schedule::Adaptive);
}

#[test]
fn a_pool_without_a_hook_still_steals() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let sum = AtomicUsize::new(0);
    pool.for_each_index(0..1000, Schedule::Adaptive, |_, i| {
        sum.fetch_add(i, Ordering::Relaxed);
    });
    assert_eq!(sum.into_inner(), 999 * 1000 / 2);
}

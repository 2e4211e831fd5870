//! Per-worker busy time as `Pool::stats` reports it right after a call returns: every
//! schedule's busy time holds the tasks' service time (busy is time inside the pool's
//! jobs, so it can only be larger). A ratio bound, not a timing assertion: the tasks'
//! own clock readings are what the busy time is compared with.

use scheduler::{Pool, Schedule};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Spins for about `d` (the service time is measured, not assumed).
fn spin(d: Duration) {
    let t = Instant::now();
    while t.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[test]
fn busy_time_holds_the_service_time_once_the_call_returns() {
    let pool = Pool::builder().workers(2).build().unwrap();
    for schedule in [
        "work-stealing:1",
        "work-stealing:8",
        "static",
        "static-cyclic",
        "dynamic:1",
        "guided",
        "adaptive",
    ] {
        let schedule: Schedule = schedule.parse().unwrap();
        let service = AtomicU64::new(0);
        pool.reset_stats();
        pool.for_each_index(0..400, schedule, |_, _| {
            let t = Instant::now();
            spin(Duration::from_micros(20));
            service.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        });
        // Read at once: no worker has had time to go idle and close its period.
        let busy = pool.stats().total().busy_ns;
        let service = service.into_inner();
        println!(
            "{schedule}: busy / Σ service = {:.3}",
            busy as f64 / service as f64
        );
        assert!(
            busy as f64 >= 0.9 * service as f64,
            "{schedule}: busy {busy} ns < 0.9 × Σ service {service} ns"
        );
    }
}

/// The deterministic case: a worker that calls a loop on its own pool runs every chunk
/// itself and reads the stats before it could ever go idle, so only the chunks' own
/// flush can have put their busy time in the counters.
#[test]
fn a_worker_that_never_goes_idle_still_reports_its_busy_time() {
    let pool = Pool::builder().workers(1).build().unwrap();
    let (busy, service) = pool.scope(|_| {
        let service = AtomicU64::new(0);
        let before = pool.stats().total().busy_ns;
        pool.for_each_index(0..200, "work-stealing:1".parse().unwrap(), |_, _| {
            let t = Instant::now();
            spin(Duration::from_micros(20));
            service.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        });
        let busy = pool.stats().total().busy_ns - before;
        (busy, service.into_inner())
    });
    println!("busy / Σ service = {:.3}", busy as f64 / service as f64);
    assert!(
        busy as f64 >= 0.9 * service as f64,
        "busy {busy} ns < 0.9 × Σ service {service} ns"
    );
}

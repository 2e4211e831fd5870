//! Dropping the pool joins every worker thread. One test in this binary, so no
//! other test's threads come and go while threads are counted.

use scheduler::{Pool, Schedule};
use std::sync::atomic::{AtomicUsize, Ordering};

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn worker_names() -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for entry in dir.flatten() {
            if let Ok(name) = std::fs::read_to_string(entry.path().join("comm")) {
                if name.starts_with("wsbench-worker") {
                    names.push(name.trim().to_string());
                }
            }
        }
    }
    names.sort();
    names
}

#[test]
fn drop_joins_every_worker_thread() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("skipped: no /proc/self/task on this OS");
        return;
    }
    let before = thread_count();
    for round in 0..20 {
        let workers = 1 + round % 6;
        let pool = Pool::builder().workers(workers).build().unwrap();
        assert_eq!(thread_count(), before + workers);
        // The kernel keeps 15 bytes of a thread name: "wsbench-worker-" (the
        // full name is checked through std in the pool's unit tests).
        assert_eq!(worker_names().len(), workers);
        let done = AtomicUsize::new(0);
        // Busy up to the moment of dropping, and some rounds parked.
        pool.for_each_index(0..100, Schedule::WorkStealing { grain: 1 }, |_, _| {
            done.fetch_add(1, Ordering::Relaxed);
        });
        if round % 2 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        drop(pool);
        assert_eq!(done.load(Ordering::Relaxed), 100);
        // `join` returns once a thread's function has returned, but the kernel
        // may list the exiting task in /proc a moment longer (the join futex is
        // released before the task is reaped). A joined thread leaves within
        // milliseconds; a leaked one never does.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while thread_count() != before && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(
            thread_count(),
            before,
            "round {round}: a worker thread outlived the pool"
        );
    }
}

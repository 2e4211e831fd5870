//! Worker threads as the kernel sees them: each worker's thread id, and how often the
//! kernel moved the thread to another CPU.
//!
//! The count is the kernel's own `se.nr_migrations` from `/proc/self/task/<tid>/sched`,
//! read before and after a run (outside its timed region); the difference is the run's
//! migrations of that worker. It counts every CPU change, whether or not a task was
//! running, pinned or not. The file exists where the kernel has scheduler debugging
//! (`CONFIG_SCHED_DEBUG`, on by default in the major distributions' kernels); where it
//! does not, the count is `None` ("not measured").

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// The thread id of each worker of one pool, filled in by each worker as it starts.
#[derive(Debug)]
pub struct Tids {
    ids: Vec<AtomicI32>,
}

impl Tids {
    /// Room for `workers` thread ids, none known yet.
    pub fn new(workers: usize) -> Tids {
        Tids {
            ids: (0..workers).map(|_| AtomicI32::new(0)).collect(),
        }
    }

    /// Called on worker `index`'s own thread: notes its thread id.
    pub fn note_current(&self, index: usize) {
        // SAFETY: gettid takes no arguments and cannot fail.
        let tid = unsafe { libc::gettid() };
        if let Some(slot) = self.ids.get(index) {
            slot.store(tid, Ordering::Release);
        }
    }

    /// Waits (at most a second) until every worker has noted its id: a pool whose
    /// builder returns before its threads have started (rayon's) is then complete.
    pub fn wait_all(&self) {
        let until = Instant::now() + Duration::from_secs(1);
        while self.ids.iter().any(|t| t.load(Ordering::Acquire) == 0) && Instant::now() < until {
            std::thread::sleep(Duration::from_micros(100));
        }
    }

    /// Each worker's migration count so far (`None` where unknown).
    pub fn migrations(&self) -> Vec<Option<u64>> {
        self.ids
            .iter()
            .map(|t| match t.load(Ordering::Acquire) {
                0 => None,
                tid => nr_migrations(tid),
            })
            .collect()
    }
}

/// `se.nr_migrations` of thread `tid` of this process, if the kernel shows it.
pub fn nr_migrations(tid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/sched")).ok()?;
    parse_nr_migrations(&text)
}

/// The `se.nr_migrations` value of a `/proc/.../sched` text.
///
/// ```
/// use wsbench::run::threads::parse_nr_migrations;
/// let text = "x (1, #threads: 1)\n---\nse.exec_start   :  10.5\nse.nr_migrations   :   7\n";
/// assert_eq!(parse_nr_migrations(text), Some(7));
/// assert_eq!(parse_nr_migrations("se.exec_start : 1\n"), None);
/// ```
pub fn parse_nr_migrations(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("se.nr_migrations"))
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
}

/// Per worker, `after − before` where both were read.
pub fn differences(before: &[Option<u64>], after: &[Option<u64>]) -> Vec<Option<u64>> {
    before
        .iter()
        .zip(after)
        .map(|(b, a)| Some(a.as_ref()?.saturating_sub(*b.as_ref()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_reads_its_own_count() {
        let tids = Tids::new(1);
        std::thread::scope(|s| {
            s.spawn(|| {
                tids.note_current(0);
                let before = tids.migrations();
                if before[0].is_none() {
                    eprintln!("no /proc/self/task/<tid>/sched here: not measured");
                    return;
                }
                // Ask the kernel to move us between two allowed CPUs, if there are two.
                let allowed = topology::affinity::allowed_cpus().unwrap_or_default();
                for &cpu in allowed.iter().take(2).cycle().take(6) {
                    topology::affinity::pin_current(cpu);
                    std::thread::yield_now();
                }
                let after = tids.migrations();
                let moved = differences(&before, &after)[0].unwrap();
                if allowed.len() >= 2 {
                    assert!(moved >= 1, "pinned to alternating CPUs, yet no migration");
                }
            });
        });
    }
}

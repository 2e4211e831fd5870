//! Per-worker counters.
//!
//! Each worker owns one `WorkerCounters` on its own cache line and is its only
//! writer: an update is a relaxed load plus a relaxed store (no read-modify-write,
//! so no lock prefix and no line ping-pong). [`crate::Pool::stats`] reads them with
//! relaxed loads; [`crate::Pool::reset_stats`] does not write them at all but
//! remembers a baseline to subtract, so a reset can never race with a worker.
//! Hot loops count in locals and add once per chunk of work.

use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// A snapshot of one worker's counters (see [`crate::Pool::stats`]).
        ///
        /// ```
        /// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
        /// pool.for_each_index(0..100, scheduler::Schedule::Adaptive, |_, _| {});
        /// let total = pool.stats().total();
        /// assert_eq!(total.tasks, 100);
        /// ```
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct WorkerStats {
            $($(#[$doc])* pub $name: u64,)*
        }

        /// The live counters of one worker; written only by that worker.
        #[derive(Default)]
        pub(crate) struct WorkerCounters {
            $(pub(crate) $name: AtomicU64,)*
        }

        impl WorkerCounters {
            pub(crate) fn snapshot(&self) -> WorkerStats {
                WorkerStats { $($name: self.$name.load(Ordering::Relaxed),)* }
            }
        }

        impl WorkerStats {
            fn add(&mut self, other: &WorkerStats) {
                $(self.$name = self.$name.wrapping_add(other.$name);)*
            }
            pub(crate) fn since(&self, baseline: &WorkerStats) -> WorkerStats {
                WorkerStats { $($name: self.$name.wrapping_sub(baseline.$name),)* }
            }
        }
    };
}

counters! {
    /// Tasks run: loop indices for `for_each_index`, closures for `scope`/`join`.
    tasks,
    /// Jobs popped from the worker's own deque.
    local_pops,
    /// Jobs taken from the shared injector (work submitted from outside).
    injector_pops,
    /// Victims probed (a deque or an `Adaptive` range).
    steal_attempts,
    /// Probes that got work.
    steal_successes,
    /// Probes that lost a race and had to retry (`Steal::Retry`, failed CAS).
    steal_retries,
    /// Jobs or loop indices moved to this worker by its successful steals.
    tasks_stolen,
    /// Times the worker blocked in the sleep protocol.
    parks,
    /// Times it was woken from there.
    wakeups,
    /// Nanoseconds spent running jobs: time inside scheduler-dispatched work,
    /// which holds the tasks' service time plus the pool's own work between them
    /// (closed at idle transitions and flushed at the end of every loop job, a
    /// participant or a work-stealing chunk, before the call's latch is counted
    /// down; so after a `for_each_index` returns, the call's busy time is all
    /// here. What a worker does after its last job, looking for more before it
    /// goes idle, is added when it goes idle).
    busy_ns,
    /// Nanoseconds spent idle: searching for work, spinning or parked (a period
    /// still running is not included).
    idle_ns,
}

/// Adds `n` to a counter. Only the owning worker may call this.
#[inline]
pub(crate) fn bump(counter: &AtomicU64, n: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

/// A snapshot of every worker's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// One entry per worker, by worker index.
    pub workers: Vec<WorkerStats>,
}

impl PoolStats {
    /// The sum over all workers.
    ///
    /// ```
    /// let stats = scheduler::PoolStats { workers: vec![Default::default(); 3] };
    /// assert_eq!(stats.total().tasks, 0);
    /// ```
    pub fn total(&self) -> WorkerStats {
        let mut sum = WorkerStats::default();
        for w in &self.workers {
            sum.add(w);
        }
        sum
    }
}

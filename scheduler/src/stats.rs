//! Per-worker counters.
//!
//! Each worker owns one `WorkerCounters` on its own cache line and is its only
//! writer: an update is a relaxed load plus a relaxed store (no read-modify-write,
//! so no lock prefix and no line ping-pong). [`crate::Pool::stats`] reads them with
//! relaxed loads; [`crate::Pool::reset_stats`] does not write them at all but
//! remembers a baseline to subtract, so a reset can never race with a worker.
//! Hot loops count in locals and add once per chunk of work.
//!
//! Busy time is closed only when a worker goes idle (and at the end of each loop
//! participant): a worker that runs work-stealing chunks back to back stays in one
//! busy period for the whole call, and may still be in it when the caller reads the
//! stats. So each worker also publishes the start of its open busy period, and a
//! snapshot counts that period up to the moment it is read. The closed total and
//! the open start change together under a per-worker sequence lock (written only
//! at busy/idle transitions, never per task), so a reader never counts a period
//! twice or not at all. (Closing the period at every chunk's end instead would
//! read the clock once per task under `work-stealing:1`.)

use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::time::Instant;

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
            /// Start of the busy period still open, in ns after the pool's epoch,
            /// plus 1; 0 while the worker is idle.
            busy_open: AtomicU64,
            /// Sequence lock over `busy_ns` and `busy_open`: odd while the worker
            /// updates them.
            busy_seq: AtomicU64,
        }

        impl WorkerCounters {
            /// Every counter, with a busy period still open counted up to now
            /// (`epoch` is the pool's, the origin of `busy_open`).
            pub(crate) fn snapshot(&self, epoch: Instant) -> WorkerStats {
                loop {
                    let s1 = self.busy_seq.load(Ordering::Acquire);
                    let mut st = WorkerStats { $($name: self.$name.load(Ordering::Relaxed),)* };
                    let open = self.busy_open.load(Ordering::Relaxed);
                    fence(Ordering::Acquire);
                    if s1 & 1 == 0 && self.busy_seq.load(Ordering::Relaxed) == s1 {
                        if open != 0 {
                            let now = ns_since(epoch, Instant::now());
                            st.busy_ns = st.busy_ns.wrapping_add(now.saturating_sub(open - 1));
                        }
                        return st;
                    }
                    std::hint::spin_loop();
                }
            }

            /// Adds `add` ns to the closed busy time and sets the open period's
            /// start (`None`: idle), as one step for readers. Only the owning
            /// worker may call this.
            pub(crate) fn set_busy(&self, add: u64, open_since_ns: Option<u64>) {
                let s = self.busy_seq.load(Ordering::Relaxed);
                self.busy_seq.store(s.wrapping_add(1), Ordering::Relaxed);
                fence(Ordering::Release);
                bump(&self.busy_ns, add);
                self.busy_open
                    .store(open_since_ns.map_or(0, |t| t.saturating_add(1)), Ordering::Relaxed);
                self.busy_seq.store(s.wrapping_add(2), Ordering::Release);
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
    /// Private join frames this worker moved to its deque because a thief
    /// asked (see `join/README.md`).
    frames_shared,
    /// Times the worker blocked in the sleep protocol.
    parks,
    /// Times it was woken from there.
    wakeups,
    /// Nanoseconds spent running jobs: time inside scheduler-dispatched work,
    /// which holds the tasks' service time plus the pool's own work between them.
    /// A busy period still open when the snapshot is taken counts up to that
    /// moment (see the module documentation), so right after a call returns its
    /// whole busy time is here, plus the few microseconds a worker may still spend
    /// looking for more work before it goes idle.
    busy_ns,
    /// Nanoseconds spent idle: searching for work, spinning or parked (a period
    /// still running is not included).
    idle_ns,
}

/// Nanoseconds from `epoch` to `t` (0 if `t` is earlier).
#[inline]
pub(crate) fn ns_since(epoch: Instant, t: Instant) -> u64 {
    t.saturating_duration_since(epoch).as_nanos() as u64
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

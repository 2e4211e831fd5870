//! The pool: worker threads, shared state and shutdown (the builder and the
//! workers' start-up are in `builder.rs`).
//!
//! # Design
//!
//! `n` worker threads live as long as the [`Pool`]. Each owns a
//! [`crossbeam_deque::Worker`] (LIFO by default, FIFO selectable) and can steal
//! from every other worker's [`Stealer`]. Work enters the pool three ways:
//!
//! * the shared [`Injector`]: jobs submitted from a thread outside the pool
//!   (`scope`/`join` called from outside run their body as one injected job);
//! * per-worker *inboxes*: jobs only that worker may run. `for_each_index` posts
//!   one *participant* per worker there, which is what lets `Static` really give
//!   block `w` to worker `w`, and gives every schedule the same set of workers
//!   (participants not needed any more are cancelled, see `schedule.rs`);
//! * the worker deques: `join`, `Scope::spawn` and the chunk tasks of
//!   `Schedule::WorkStealing` push there and are stolen from there.
//!
//! Idle workers spin, yield, then sleep through the protocol in `sleep/` (with a
//! README giving the ordering argument, checked with loom); whoever publishes
//! work wakes as many sleepers as it published jobs for. Every API blocks its
//! caller until all the jobs it started are done (a latch per call, `latch.rs`),
//! which is what makes borrowing the caller's stack sound. A caller that is
//! itself a worker of this pool does not block: it runs other jobs while it
//! waits ([`crate::worker::WorkerThread::wait_until`]). Nor does a worker of
//! another pool: it hands the call to this pool and runs its own pool's jobs
//! while it waits, so calls that go from pool to pool and back find every
//! worker on the way working ([`crate::worker::Caller`]).
//!
//! # Start-up order
//!
//! 1. `build` spawns the workers. Each clears foreign blocks from its malloc
//!    cache (`malloc_cache.rs`), pins itself, makes its own deque (so the deque's
//!    memory is its own), runs the start hook and reports its `Stealer`.
//! 2. With every stealer in hand, `build` makes the [`Shared`] state and sends it
//!    to each worker, which only then enters its loop. If a spawn fails, the
//!    workers already started see their channel close and exit, and are joined.
//!
//! # Shutdown order
//!
//! 1. `Pool::drop` can only run when no call is in progress (every call borrows
//!    the pool and blocks until its jobs finished), so the only jobs still queued
//!    are participants their call cancelled, each holding a count of the call's
//!    tickets.
//! 2. It sets `Shared::shutdown`, then `Sleep::wake_all` bumps the jobs counter
//!    (cancelling every pending sleep) and wakes each blocked worker.
//! 3. Each worker, finding no work and then the flag set, searches its queues
//!    once more and runs what it finds (a cancelled participant just drops its
//!    count), since a call may have posted one after that last search and
//!    before the flag was set; then it leaves its loop.
//! 4. `drop` joins every thread; the shared state is freed with the last `Arc`.

use crate::builder::{DequeOrder, PoolBuilder, StealAmount};
use crate::job::{JobRef, StackJob};
use crate::join::ShareRequest;
use crate::sleep::Sleep;
use crate::stats::{PoolStats, WorkerCounters, WorkerStats};
use crate::worker::{Caller, Victims, WorkerThread};
use crossbeam_deque::{Injector, Stealer};
use crossbeam_utils::CachePadded;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// State shared by all workers and the pool handle.
pub(crate) struct Shared {
    /// Work submitted from outside the pool. Pushed by outside callers, popped by
    /// any worker.
    pub(crate) injector: Injector<JobRef>,
    /// One inbox per worker: pushed by any caller, popped only by its worker.
    pub(crate) inboxes: Box<[Injector<JobRef>]>,
    /// Thief ends of every worker's deque (index = worker).
    pub(crate) stealers: Box<[Stealer<JobRef>]>,
    /// Victim order (read-only after build).
    pub(crate) victims: Victims,
    /// Steal one or half (read-only after build).
    pub(crate) steal_amount: StealAmount,
    /// Own-deque order (read-only after build).
    pub(crate) deque_order: DequeOrder,
    /// Sleep protocol state (see `sleep/README.md`).
    pub(crate) sleep: Sleep,
    /// One per worker: set by idle workers to ask it to share a private join
    /// frame (see `join/README.md`).
    pub(crate) share_requests: Box<[CachePadded<ShareRequest>]>,
    /// Per-worker counters, each written only by its worker.
    pub(crate) counters: Box<[CachePadded<WorkerCounters>]>,
    /// Set once by `Pool::drop`; read by idle workers.
    pub(crate) shutdown: AtomicBool,
    /// When the pool was built: the origin of `stats_reset_ns`.
    pub(crate) epoch: Instant,
    /// Nanoseconds after `epoch` of the last `reset_stats`. Written by
    /// `reset_stats`, read by workers only at idle → busy transitions, so that an
    /// idle period that began before a reset is counted from the reset on (a
    /// warm pool parked between experiment runs would otherwise report the
    /// whole pause as the next run's idle time).
    pub(crate) stats_reset_ns: AtomicU64,
    /// `PoolBuilder::on_steal`'s hook, if any (read-only after build).
    pub(crate) on_steal: Option<crate::builder::StealHook>,
}

impl Shared {
    /// A steal succeeded: calls the steal hook, if there is one (one predictable
    /// branch without).
    #[inline]
    pub(crate) fn stole(&self, thief: usize, victim: usize) {
        if let Some(hook) = &self.on_steal {
            hook(thief, victim);
        }
    }

    /// The instant of the last `reset_stats` (the build time before any).
    pub(crate) fn stats_since(&self) -> Instant {
        self.epoch + Duration::from_nanos(self.stats_reset_ns.load(Ordering::Relaxed))
    }
}

/// A work-stealing pool with long-lived worker threads.
///
/// ```
/// use scheduler::{Pool, Schedule};
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// let pool = Pool::builder().workers(2).build().unwrap();
/// let sum = AtomicU64::new(0);
/// pool.for_each_index(0..1000, Schedule::Adaptive, |_ctx, i| {
///     sum.fetch_add(i as u64, Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 999 * 1000 / 2);
/// let (a, b) = pool.join(|| 1 + 1, || 2 + 2);
/// assert_eq!((a, b), (2, 4));
/// ```
pub struct Pool {
    /// Shared with every worker thread.
    pub(crate) shared: Arc<Shared>,
    /// Joined by `drop`.
    threads: Vec<JoinHandle<()>>,
    /// Where each worker pinned itself (filled in by `build`).
    worker_cpus: Vec<Option<usize>>,
    /// Counter values at the last `reset_stats` (subtracted by `stats`).
    baseline: Mutex<Vec<WorkerStats>>,
}

/// Reads a pool's per-worker counters, also after the pool is dropped (see
/// [`Pool::stats_reader`]). Counts run from the pool's start: a
/// [`Pool::reset_stats`] baseline is not applied.
#[derive(Clone)]
pub struct StatsReader {
    shared: Arc<Shared>,
}

impl StatsReader {
    /// A snapshot of every worker's counters since the pool was built.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            workers: self
                .shared
                .counters
                .iter()
                .map(|c| c.snapshot(self.shared.epoch))
                .collect(),
        }
    }
}

impl fmt::Debug for StatsReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatsReader").finish_non_exhaustive()
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.num_workers())
            .field("worker_cpus", &self.worker_cpus)
            .finish()
    }
}

impl Pool {
    /// The pool of started workers (see `builder.rs`): from here on, dropping
    /// it shuts them down and joins them.
    pub(crate) fn from_started(
        shared: Arc<Shared>,
        threads: Vec<JoinHandle<()>>,
        worker_cpus: Vec<Option<usize>>,
    ) -> Pool {
        let n = threads.len();
        Pool {
            shared,
            threads,
            worker_cpus,
            baseline: Mutex::new(vec![WorkerStats::default(); n]),
        }
    }

    /// A builder with the defaults (see [`PoolBuilder`]).
    pub fn builder() -> PoolBuilder {
        PoolBuilder::default()
    }

    /// Number of worker threads.
    pub fn num_workers(&self) -> usize {
        self.shared.stealers.len()
    }

    /// The OS CPU each worker was pinned to; `None` where not requested or where
    /// the OS refused.
    ///
    /// ```
    /// let pool = scheduler::Pool::builder().pin_to(vec![None, Some(0)]).build().unwrap();
    /// assert_eq!(pool.worker_cpus().len(), 2);
    /// assert_eq!(pool.worker_cpus()[0], None);
    /// ```
    pub fn worker_cpus(&self) -> &[Option<usize>] {
        &self.worker_cpus
    }

    /// A snapshot of the per-worker counters since the last [`Pool::reset_stats`].
    pub fn stats(&self) -> PoolStats {
        let baseline = self.baseline.lock().unwrap_or_else(|e| e.into_inner());
        PoolStats {
            workers: self
                .shared
                .counters
                .iter()
                .zip(baseline.iter())
                .map(|(c, b)| c.snapshot(self.shared.epoch).since(b))
                .collect(),
        }
    }

    /// A reader of this pool's counters that outlives the pool: a caller that times
    /// the pool's whole life (built, used, dropped with its workers joined) takes one
    /// before the drop and reads the counters after its clock has stopped.
    ///
    /// ```
    /// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
    /// pool.for_each_index(0..10, scheduler::Schedule::Static, |_, _| {});
    /// let reader = pool.stats_reader();
    /// drop(pool);
    /// assert_eq!(reader.stats().total().tasks, 10);
    /// ```
    pub fn stats_reader(&self) -> StatsReader {
        StatsReader {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Starts the counters from zero (by remembering the current values; the
    /// workers' counters themselves are never written from outside).
    ///
    /// ```
    /// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
    /// pool.for_each_index(0..10, scheduler::Schedule::Static, |_, _| {});
    /// pool.reset_stats();
    /// assert_eq!(pool.stats().total().tasks, 0);
    /// ```
    pub fn reset_stats(&self) {
        let mut baseline = self.baseline.lock().unwrap_or_else(|e| e.into_inner());
        let since_epoch = self.shared.epoch.elapsed().as_nanos() as u64;
        // Relaxed is enough: work submitted after this call is published with
        // release/acquire, so a worker that picks it up sees this store.
        self.shared
            .stats_reset_ns
            .store(since_epoch, Ordering::Relaxed);
        for (b, c) in baseline.iter_mut().zip(self.shared.counters.iter()) {
            *b = c.snapshot(self.shared.epoch);
        }
    }

    /// Who the current thread is to this pool.
    #[inline]
    pub(crate) fn caller(&self) -> Caller<'_> {
        let wt = WorkerThread::current();
        if wt.is_null() {
            return Caller::Outside;
        }
        // SAFETY: a non-null CURRENT points to the WorkerThread on this thread's
        // stack, which lives until main_loop returns (and resets it to null),
        // so for as long as anything on this thread can hold the borrow.
        let wt = unsafe { &*wt };
        if Arc::ptr_eq(&wt.shared, &self.shared) {
            Caller::Own(wt)
        } else {
            Caller::Foreign(wt)
        }
    }

    /// Runs `op` on a worker of this pool: directly if the current thread is
    /// one, else as an injected job while this thread waits (a worker of
    /// another pool runs its own pool's jobs meanwhile, so calls that go from
    /// pool to pool and back cannot deadlock).
    #[inline]
    pub(crate) fn in_worker<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        match self.caller() {
            Caller::Own(wt) => op(wt),
            caller => self.in_worker_injected(caller, op),
        }
    }

    /// [`Pool::in_worker`] from a thread that is not one of this pool's workers:
    /// out of line, so that the own-worker path (every nested `join`) keeps a
    /// small stack frame.
    #[inline(never)]
    fn in_worker_injected<OP, R>(&self, caller: Caller<'_>, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        let job = StackJob::new(
            || {
                // SAFETY: injected jobs only run on this pool's workers, whose
                // CURRENT is set for the duration of the job.
                let wt = unsafe { &*WorkerThread::current() };
                op(wt)
            },
            caller.waiter(),
        );
        // SAFETY: `job` stays on this stack until its latch is set (wait below).
        let job_ref = unsafe { job.as_job_ref() };
        self.shared.injector.push(job_ref);
        self.shared.sleep.notify_jobs(1);
        caller.wait(&job.latch);
        job.into_result().into_return_value()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        self.shared.sleep.wake_all();
        for handle in self.threads.drain(..) {
            if handle.join().is_err() {
                eprintln!(
                    "wsbench: a pool worker thread panicked outside any task (a scheduler bug)"
                );
            }
        }
        // Each worker drained its queues on the way out (see "Shutdown order").
        debug_assert!(
            self.shared.injector.is_empty() && self.shared.inboxes.iter().all(|i| i.is_empty()),
            "a job outlived the pool's workers"
        );
    }
}

/// `Pool` can be shared between threads (e.g. several callers, or an `Arc`).
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Pool>();
    assert_send_sync::<PoolBuilder>();
};

#[cfg(not(loom))]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{BuildError, VictimOrder};
    use crate::worker::complete_victim_lists;

    #[test]
    fn bad_settings_are_refused_with_a_clear_error() {
        assert!(matches!(
            Pool::builder().workers(0).build(),
            Err(BuildError::NoWorkers)
        ));
        let err = Pool::builder()
            .workers(2)
            .pin_to(vec![Some(0)])
            .build()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("pin_to lists 1 CPUs but the pool has 2 workers"),
            "{err}"
        );
        let lists = |l: Vec<Vec<usize>>| {
            Pool::builder()
                .workers(3)
                .victim_order(VictimOrder::Topology(l))
                .build()
        };
        let err = lists(vec![vec![1, 2], vec![0, 2]]).unwrap_err().to_string();
        assert!(err.contains("2 victim lists for 3 workers"), "{err}");
        let err = lists(vec![vec![1, 2], vec![1], vec![0]])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("worker 1") && err.contains("own victim"),
            "{err}"
        );
        let err = lists(vec![vec![5], vec![], vec![]])
            .unwrap_err()
            .to_string();
        assert!(err.contains("victim 5 is not a worker"), "{err}");
        let err = Pool::builder()
            .workers(1)
            .on_worker_start(|_| panic!("hook"))
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::StartHookPanicked(0)));
    }

    #[test]
    fn victim_lists_are_completed() {
        let lists = complete_victim_lists(vec![vec![2], vec![], vec![1, 0]], 3).unwrap();
        assert_eq!(lists, vec![vec![2, 1], vec![0, 2], vec![1, 0]]);
    }

    #[test]
    fn workers_start_named_pinned_and_hooked() {
        use std::sync::atomic::AtomicUsize;
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        // The test thread is never pinned, so this lists the CPUs it may use.
        let cpu = core_affinity::get_core_ids()
            .and_then(|ids| ids.first().map(|id| id.id))
            .unwrap_or(0);
        let pool = Pool::builder()
            .pin_to(vec![Some(cpu), None])
            .on_worker_start(move |i| {
                assert_eq!(
                    std::thread::current().name(),
                    Some(format!("wsbench-worker-{i}").as_str())
                );
                s.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        assert_eq!(pool.num_workers(), 2);
        assert_eq!(started.load(Ordering::SeqCst), 2);
        assert_eq!(pool.worker_cpus()[1], None);
        #[cfg(target_os = "linux")]
        {
            assert_eq!(pool.worker_cpus()[0], Some(cpu));
            let seen = std::sync::Mutex::new(None);
            pool.for_each_index(0..2, crate::Schedule::Static, |ctx, _| {
                if ctx.worker_index() == 0 {
                    // SAFETY: sched_getcpu takes no arguments and only reads thread state.
                    *seen.lock().unwrap() = usize::try_from(unsafe { libc::sched_getcpu() }).ok();
                }
            });
            assert_eq!(*seen.lock().unwrap(), Some(cpu));
        }
    }

    #[test]
    fn stats_count_and_reset() {
        let pool = Pool::builder().workers(2).build().unwrap();
        pool.for_each_index(
            0..1000,
            crate::Schedule::WorkStealing { grain: 10 },
            |_, _| {},
        );
        let s = pool.stats();
        assert_eq!(s.total().tasks, 1000);
        assert_eq!(s.workers.len(), 2);
        assert!(s.total().local_pops + s.total().tasks_stolen >= 100);
        pool.reset_stats();
        assert_eq!(pool.stats().total().tasks, 0);
        pool.for_each_index(0..10, crate::Schedule::Static, |_, _| {});
        assert_eq!(pool.stats().total().tasks, 10);
    }
}

//! The pool: builder, worker threads, shared state and shutdown.
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

use crate::job::{JobRef, StackJob};
use crate::sleep::{Sleep, MAX_WORKERS};
use crate::stats::{PoolStats, WorkerCounters, WorkerStats};
use crate::worker::{complete_victim_lists, Caller, Victims, WorkerThread};
use crossbeam_deque::{Injector, Stealer, Worker};
use crossbeam_utils::CachePadded;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Which end of its own deque a worker pops from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DequeOrder {
    /// Newest first (depth-first, cache-friendly; thieves take the oldest).
    #[default]
    Lifo,
    /// Oldest first, from the same end thieves use.
    Fifo,
}

/// The order in which an idle worker tries other workers as victims.
///
/// ```
/// use scheduler::{Pool, VictimOrder};
/// // Worker 0 tries 1 first then 2; worker 2's list omits 0, which is appended.
/// let order = VictimOrder::Topology(vec![vec![1, 2], vec![0, 2], vec![1]]);
/// let pool = Pool::builder().workers(3).victim_order(order).build().unwrap();
/// assert_eq!(pool.join(|| 1, || 2), (1, 2));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum VictimOrder {
    /// Start at a random other worker (per-worker xorshift PRNG), then cycle.
    #[default]
    Random,
    /// Cycle through the other workers, starting one further each round.
    RoundRobin,
    /// Explicit lists, one per worker: the other worker indices, nearest first
    /// (as `topology::Topology::victim_order` computes). Workers missing from a
    /// list are appended in index order so no work is ever unreachable.
    Topology(Vec<Vec<usize>>),
}

/// How much a thief takes from a deque.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StealAmount {
    /// One job.
    #[default]
    One,
    /// About half of the victim's jobs (`steal_batch_and_pop`).
    Half,
}

/// Why [`PoolBuilder::build`] failed.
///
/// ```
/// let err = scheduler::Pool::builder().workers(2).pin_to(vec![Some(0)]).build().unwrap_err();
/// assert!(err.to_string().contains("one entry (Some(cpu) or None) per worker"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `workers(0)` or an empty `pin_to` list.
    #[error("a pool needs at least one worker (got 0)")]
    NoWorkers,
    /// More workers than the sleep state can count.
    #[error("too many workers: {0} (at most {max})", max = MAX_WORKERS)]
    TooManyWorkers(usize),
    /// `pin_to` has a different length than `workers`.
    #[error("pin_to lists {pins} CPUs but the pool has {workers} workers; give one entry (Some(cpu) or None) per worker")]
    PinListLength {
        /// Number of workers requested.
        workers: usize,
        /// Length of the pin list.
        pins: usize,
    },
    /// A topology victim list is malformed.
    #[error("victim list of worker {worker}: {problem}")]
    VictimList {
        /// The worker whose list is wrong.
        worker: usize,
        /// What is wrong.
        problem: String,
    },
    /// The OS refused to start a thread.
    #[error("could not start worker thread {worker}: {source}")]
    Spawn {
        /// The worker that could not start.
        worker: usize,
        /// The OS error.
        source: std::io::Error,
    },
    /// The `on_worker_start` hook panicked.
    #[error("on_worker_start panicked in worker {0}")]
    StartHookPanicked(usize),
}

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
}

impl Shared {
    /// The instant of the last `reset_stats` (the build time before any).
    pub(crate) fn stats_since(&self) -> Instant {
        self.epoch + Duration::from_nanos(self.stats_reset_ns.load(Ordering::Relaxed))
    }
}

type StartHook = Arc<dyn Fn(usize) + Send + Sync + 'static>;

/// Configures and starts a [`Pool`].
///
/// ```
/// use scheduler::{DequeOrder, Pool, StealAmount, VictimOrder};
/// let pool = Pool::builder()
///     .workers(2)
///     .deque_order(DequeOrder::Fifo)
///     .victim_order(VictimOrder::RoundRobin)
///     .steal_amount(StealAmount::Half)
///     .build()
///     .unwrap();
/// assert_eq!(pool.num_workers(), 2);
/// ```
#[derive(Default)]
#[must_use]
pub struct PoolBuilder {
    workers: Option<usize>,
    deque_order: DequeOrder,
    victim_order: VictimOrder,
    steal_amount: StealAmount,
    pin_to: Option<Vec<Option<usize>>>,
    on_worker_start: Option<StartHook>,
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("workers", &self.workers)
            .field("deque_order", &self.deque_order)
            .field("victim_order", &self.victim_order)
            .field("steal_amount", &self.steal_amount)
            .field("pin_to", &self.pin_to)
            .field("on_worker_start", &self.on_worker_start.is_some())
            .finish()
    }
}

impl PoolBuilder {
    /// Number of worker threads. Default: the length of `pin_to` if given, else
    /// `std::thread::available_parallelism()`.
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = Some(n);
        self
    }

    /// LIFO (default) or FIFO own-deque order.
    pub fn deque_order(mut self, order: DequeOrder) -> Self {
        self.deque_order = order;
        self
    }

    /// Victim order for stealing (default random).
    pub fn victim_order(mut self, order: VictimOrder) -> Self {
        self.victim_order = order;
        self
    }

    /// Steal one job (default) or half a deque.
    pub fn steal_amount(mut self, amount: StealAmount) -> Self {
        self.steal_amount = amount;
        self
    }

    /// OS CPU id to pin each worker to (`None`: leave that worker unpinned).
    /// Pinning happens on the worker thread at start, before `on_worker_start`.
    pub fn pin_to(mut self, cpus: Vec<Option<usize>>) -> Self {
        self.pin_to = Some(cpus);
        self
    }

    /// Called on each worker thread at start (after pinning) with its index.
    pub fn on_worker_start(mut self, hook: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.on_worker_start = Some(Arc::new(hook));
        self
    }

    /// Starts the workers and waits until each has started (and pinned itself).
    pub fn build(self) -> Result<Pool, BuildError> {
        let n = match (self.workers, &self.pin_to) {
            (Some(n), _) => n,
            (None, Some(pins)) => pins.len(),
            (None, None) => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if n == 0 {
            return Err(BuildError::NoWorkers);
        }
        if n > MAX_WORKERS {
            return Err(BuildError::TooManyWorkers(n));
        }
        if let Some(pins) = &self.pin_to {
            if pins.len() != n {
                return Err(BuildError::PinListLength {
                    workers: n,
                    pins: pins.len(),
                });
            }
        }
        let victims = match self.victim_order {
            VictimOrder::Random => Victims::Random,
            VictimOrder::RoundRobin => Victims::RoundRobin,
            VictimOrder::Topology(lists) => Victims::Lists(complete_victim_lists(lists, n)?),
        };
        // Start-up, in two steps. Each worker thread first makes its own deque,
        // so the deque's memory comes from that thread's allocator arena and is
        // freed there when the deque grows (see `malloc_cache.rs` for why the
        // freeing thread matters), and reports its `Stealer`. Then the builder,
        // holding every stealer, makes the shared state and hands it to each
        // worker, which only then enters its loop.
        type Started = (usize, Option<usize>, bool, Stealer<JobRef>);
        let (started_tx, started_rx) = mpsc::channel::<Started>();
        let mut threads = Vec::with_capacity(n);
        let mut hand_over = Vec::with_capacity(n);
        for index in 0..n {
            let pin = self.pin_to.as_ref().and_then(|p| p[index]);
            let hook = self.on_worker_start.clone();
            let started = started_tx.clone();
            let deque_order = self.deque_order;
            let (shared_tx, shared_rx) = mpsc::channel::<Arc<Shared>>();
            let spawned = std::thread::Builder::new()
                .name(format!("wsbench-worker-{index}"))
                .spawn(move || {
                    crate::malloc_cache::keep_foreign_cached_blocks();
                    let cpu = pin.filter(|&cpu| crate::pin::pin_current_thread(cpu));
                    let deque = match deque_order {
                        DequeOrder::Lifo => Worker::new_lifo(),
                        DequeOrder::Fifo => Worker::new_fifo(),
                    };
                    let hook_ok = hook.map_or(true, |h| {
                        std::panic::catch_unwind(AssertUnwindSafe(|| h(index))).is_ok()
                    });
                    let _ = started.send((index, cpu, hook_ok, deque.stealer()));
                    // No shared state: the build failed before it was made.
                    let Ok(shared) = shared_rx.recv() else { return };
                    // Tasks' panics are caught where they run; one escaping to
                    // here is a scheduler bug. Abort rather than leave callers
                    // waiting forever for a worker that is gone.
                    let run = AssertUnwindSafe(|| WorkerThread::new(index, deque, shared).main_loop());
                    if std::panic::catch_unwind(run).is_err() {
                        eprintln!("wsbench: scheduler bug: worker {index} panicked outside any task; aborting");
                        std::process::abort();
                    }
                });
            match spawned {
                Ok(handle) => {
                    threads.push(handle);
                    hand_over.push(shared_tx);
                }
                Err(source) => {
                    // The threads started so far see their channel close and exit.
                    drop(hand_over);
                    for handle in threads {
                        let _ = handle.join();
                    }
                    return Err(BuildError::Spawn {
                        worker: index,
                        source,
                    });
                }
            }
        }
        drop(started_tx);
        let mut worker_cpus = vec![None; n];
        let mut stealers: Vec<Option<Stealer<JobRef>>> = (0..n).map(|_| None).collect();
        let mut failed_hook = None;
        for _ in 0..n {
            let (index, cpu, hook_ok, stealer) = started_rx
                .recv()
                .expect("a worker thread died while starting");
            worker_cpus[index] = cpu;
            stealers[index] = Some(stealer);
            if !hook_ok {
                failed_hook = failed_hook.or(Some(index));
            }
        }
        let shared = Arc::new(Shared {
            injector: Injector::new(),
            inboxes: (0..n).map(|_| Injector::new()).collect(),
            stealers: stealers
                .into_iter()
                .map(|s| s.expect("every worker reported its stealer"))
                .collect(),
            victims,
            steal_amount: self.steal_amount,
            deque_order: self.deque_order,
            sleep: Sleep::new(n),
            counters: (0..n)
                .map(|_| CachePadded::new(WorkerCounters::default()))
                .collect(),
            shutdown: AtomicBool::new(false),
            epoch: Instant::now(),
            stats_reset_ns: AtomicU64::new(0),
        });
        for shared_tx in hand_over {
            shared_tx
                .send(shared.clone())
                .expect("a worker thread died while starting");
        }
        // From here on, dropping `pool` shuts the workers down and joins them.
        let pool = Pool {
            shared,
            threads,
            worker_cpus,
            baseline: Mutex::new(vec![WorkerStats::default(); n]),
        };
        match failed_hook {
            Some(worker) => Err(BuildError::StartHookPanicked(worker)),
            None => Ok(pool),
        }
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

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.num_workers())
            .field("worker_cpus", &self.worker_cpus)
            .finish()
    }
}

impl Pool {
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
                .map(|(c, b)| c.snapshot().since(b))
                .collect(),
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
            *b = c.snapshot();
        }
    }

    /// Who the current thread is to this pool.
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
    pub(crate) fn in_worker<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        let caller = self.caller();
        if let Caller::Own(wt) = caller {
            return op(wt);
        }
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

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

/// `Pool` can be shared between threads (e.g. several callers, or an `Arc`).
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Pool>();
    assert_send_sync::<PoolBuilder>();
};

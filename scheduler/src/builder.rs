//! [`PoolBuilder`]: the pool's settings, and how its workers start.
//!
//! Start-up happens in two steps (the order is in `pool.rs`, "Start-up
//! order"): each worker thread sets itself up and reports its deque's
//! `Stealer`; then the builder, holding every stealer, makes the shared state
//! and hands it to each worker, which only then enters its loop.

use crate::job::JobRef;
use crate::join::ShareRequest;
use crate::pool::{Pool, Shared};
use crate::sleep::{Sleep, MAX_WORKERS};
use crate::stats::WorkerCounters;
use crate::worker::{complete_victim_lists, Victims, WorkerThread};
use crossbeam_deque::{Injector, Stealer, Worker};
use crossbeam_utils::CachePadded;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Instant;

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

type StartHook = Arc<dyn Fn(usize) + Send + Sync + 'static>;
/// The steal hook: `(thief, victim)` worker indices.
pub(crate) type StealHook = Box<dyn Fn(usize, usize) + Send + Sync + 'static>;

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
    on_steal: Option<StealHook>,
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
            .field("on_steal", &self.on_steal.is_some())
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

    /// Called on the thief's thread with `(thief, victim)` worker indices each
    /// time a steal succeeds: a job from another worker's deque, or a range
    /// from another participant's slot of an `Adaptive` loop (once per
    /// `steal_successes` count). For tracing: keep it short and lock-free; a
    /// pool without it pays one predictable branch per steal.
    pub fn on_steal(mut self, hook: impl Fn(usize, usize) + Send + Sync + 'static) -> Self {
        self.on_steal = Some(Box::new(hook));
        self
    }

    /// Starts the workers and waits until each has started (and pinned itself).
    ///
    /// Start-up happens in two steps. Each worker thread first makes its own
    /// deque, so the deque's memory comes from that thread's allocator arena
    /// and is freed there when the deque grows (see `malloc_cache.rs` for why
    /// the freeing thread matters), and reports its `Stealer`. Then the
    /// builder, holding every stealer, makes the shared state and hands it to
    /// each worker, which only then enters its loop.
    pub fn build(mut self) -> Result<Pool, BuildError> {
        let n = self.worker_count()?;
        let victims = match std::mem::take(&mut self.victim_order) {
            VictimOrder::Random => Victims::Random,
            VictimOrder::RoundRobin => Victims::RoundRobin,
            VictimOrder::Topology(lists) => Victims::Lists(complete_victim_lists(lists, n)?),
        };
        let (started_tx, started_rx) = mpsc::channel::<Started>();
        let (threads, hand_over) = self.spawn_workers(n, started_tx)?;
        let started = collect_started(&started_rx, n);
        let shared = Arc::new(Shared {
            injector: Injector::new(),
            inboxes: (0..n).map(|_| Injector::new()).collect(),
            stealers: started.stealers.into(),
            victims,
            steal_amount: self.steal_amount,
            deque_order: self.deque_order,
            sleep: Sleep::new(n),
            share_requests: (0..n)
                .map(|_| CachePadded::new(ShareRequest::new()))
                .collect(),
            counters: (0..n)
                .map(|_| CachePadded::new(WorkerCounters::default()))
                .collect(),
            shutdown: AtomicBool::new(false),
            epoch: Instant::now(),
            stats_reset_ns: AtomicU64::new(0),
            on_steal: self.on_steal.take(),
        });
        for shared_tx in hand_over {
            shared_tx
                .send(shared.clone())
                .expect("a worker thread died while starting");
        }
        // From here on, dropping `pool` shuts the workers down and joins them.
        let pool = Pool::from_started(shared, threads, started.cpus);
        match started.failed_hook {
            Some(worker) => Err(BuildError::StartHookPanicked(worker)),
            None => Ok(pool),
        }
    }

    /// The number of workers to start, checked against the pin list and the
    /// sleep state's limit.
    fn worker_count(&self) -> Result<usize, BuildError> {
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
        match &self.pin_to {
            Some(pins) if pins.len() != n => Err(BuildError::PinListLength {
                workers: n,
                pins: pins.len(),
            }),
            _ => Ok(n),
        }
    }

    /// Spawns the `n` worker threads; each reports on `started`, then waits for
    /// the shared state on its own channel (returned in index order). If a
    /// spawn fails, the threads started so far see their channel close and
    /// exit, and are joined.
    fn spawn_workers(
        &self,
        n: usize,
        started: mpsc::Sender<Started>,
    ) -> Result<Spawned, BuildError> {
        let mut threads = Vec::with_capacity(n);
        let mut hand_over = Vec::with_capacity(n);
        for index in 0..n {
            let start = WorkerStart {
                index,
                pin: self.pin_to.as_ref().and_then(|p| p[index]),
                hook: self.on_worker_start.clone(),
                deque_order: self.deque_order,
                started: started.clone(),
            };
            let (shared_tx, shared_rx) = mpsc::channel::<Arc<Shared>>();
            let spawned = std::thread::Builder::new()
                .name(format!("wsbench-worker-{index}"))
                .spawn(move || start.run(shared_rx));
            match spawned {
                Ok(handle) => {
                    threads.push(handle);
                    hand_over.push(shared_tx);
                }
                Err(source) => {
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
        Ok((threads, hand_over))
    }
}

/// The spawned threads and, per worker, the channel that hands it the shared state.
type Spawned = (Vec<JoinHandle<()>>, Vec<mpsc::Sender<Arc<Shared>>>);

/// What a starting worker reports: its index, where it pinned itself, whether
/// its start hook returned, and the thief end of its new deque.
type Started = (usize, Option<usize>, bool, Stealer<JobRef>);

/// Everything a worker thread needs before the shared state exists.
struct WorkerStart {
    index: usize,
    pin: Option<usize>,
    hook: Option<StartHook>,
    deque_order: DequeOrder,
    started: mpsc::Sender<Started>,
}

impl WorkerStart {
    /// The worker thread's body: set up, report, wait for the shared state,
    /// then run the main loop until shutdown.
    fn run(self, shared_rx: mpsc::Receiver<Arc<Shared>>) {
        let index = self.index;
        crate::malloc_cache::keep_foreign_cached_blocks();
        let cpu = self.pin.filter(|&cpu| crate::pin::pin_current_thread(cpu));
        let deque = match self.deque_order {
            DequeOrder::Lifo => Worker::new_lifo(),
            DequeOrder::Fifo => Worker::new_fifo(),
        };
        let hook_ok = self.hook.map_or(true, |h| {
            std::panic::catch_unwind(AssertUnwindSafe(|| h(index))).is_ok()
        });
        let _ = self.started.send((index, cpu, hook_ok, deque.stealer()));
        // No shared state: the build failed before it was made.
        let Ok(shared) = shared_rx.recv() else { return };
        // Tasks' panics are caught where they run; one escaping to here is a
        // scheduler bug. Abort rather than leave callers waiting forever for a
        // worker that is gone.
        let run = AssertUnwindSafe(|| WorkerThread::new(index, deque, shared).main_loop());
        if std::panic::catch_unwind(run).is_err() {
            eprintln!("wsbench: scheduler bug: worker {index} panicked outside any task; aborting");
            std::process::abort();
        }
    }
}

/// The workers' start-up reports, in index order.
struct StartedWorkers {
    cpus: Vec<Option<usize>>,
    stealers: Vec<Stealer<JobRef>>,
    failed_hook: Option<usize>,
}

/// Waits for all `n` workers' reports.
fn collect_started(started: &mpsc::Receiver<Started>, n: usize) -> StartedWorkers {
    let mut cpus = vec![None; n];
    let mut stealers: Vec<Option<Stealer<JobRef>>> = (0..n).map(|_| None).collect();
    let mut failed_hook = None;
    for _ in 0..n {
        let (index, cpu, hook_ok, stealer) =
            started.recv().expect("a worker thread died while starting");
        cpus[index] = cpu;
        stealers[index] = Some(stealer);
        if !hook_ok {
            failed_hook = failed_hook.or(Some(index));
        }
    }
    StartedWorkers {
        cpus,
        stealers: stealers
            .into_iter()
            .map(|s| s.expect("every worker reported its stealer"))
            .collect(),
        failed_hook,
    }
}

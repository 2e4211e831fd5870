//! One worker thread: its deque, where it looks for work, and how it idles.
//!
//! A worker looks for work in this order: its own deque (LIFO or FIFO), its
//! inbox (jobs addressed to it alone: the per-worker participants of
//! `for_each_index`), the shared injector (work from outside the pool), then the
//! other workers' deques in the pool's victim order. Finding nothing, it spins
//! briefly, then yields, then goes through the sleep protocol (`sleep/`).
//!
//! The same search-and-idle loop serves two purposes: the thread's main loop
//! (until shutdown) and [`WorkerThread::wait_until`], with which a worker that
//! waits for its own jobs (join, scope, a nested loop) keeps running others.

use crate::builder::{BuildError, StealAmount};
use crate::job::JobRef;
use crate::join::{Frames, ShareRequest};
use crate::latch::{CountLatch, Waiter};
use crate::pool::Shared;
use crate::stats::{bump, ns_since, WorkerCounters};
use crossbeam_deque::{Steal, Worker};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Rounds of busy-spinning (each `2^round` spin hints, capped at 64; about
/// 10 µs in all, with a search between rounds) before yielding. A thief that
/// is in `yield_now` when a frame is shared sees it a syscall late, which is
/// most of a small fork-join tree (how 2 rounds compared with 8:
/// `docs/HISTORY.md`, session 7).
const SPIN_ROUNDS: u32 = 8;
/// Rounds of `yield_now` after spinning, before getting sleepy.
const YIELD_ROUNDS: u32 = 32;

thread_local! {
    /// The worker running on this thread, or null outside any pool.
    static CURRENT: Cell<*const WorkerThread> = const { Cell::new(std::ptr::null()) };
}

/// Who calls into a pool, which decides how the call waits for its jobs.
#[derive(Clone, Copy)]
pub(crate) enum Caller<'a> {
    /// A worker of the called pool: it takes part in the call itself.
    Own(&'a WorkerThread),
    /// A worker of another pool: it keeps running its own pool's jobs while it
    /// waits, so that a call back into its pool from the jobs it waits for
    /// finds it working, not parked.
    Foreign(&'a WorkerThread),
    /// A thread outside every pool: it parks while it waits.
    Outside,
}

impl Caller<'_> {
    /// The waiter of a latch this caller will wait on.
    pub(crate) fn waiter(self) -> Waiter {
        match self {
            Caller::Own(wt) => Waiter::Worker {
                index: wt.index,
                sleep: &wt.shared.sleep,
            },
            Caller::Foreign(wt) => Waiter::ForeignWorker {
                index: wt.index,
                shared: wt.shared.clone(),
            },
            Caller::Outside => Waiter::Thread(std::thread::current()),
        }
    }

    /// Waits until `latch` (made with [`Caller::waiter`]) is set.
    pub(crate) fn wait(self, latch: &CountLatch) {
        match self {
            Caller::Own(wt) | Caller::Foreign(wt) => wt.wait_until(latch),
            Caller::Outside => latch.wait_outside(),
        }
    }
}

/// The state a worker thread owns. Lives on the worker's stack for the thread's
/// whole life; every field except `shared` is touched only by this thread.
pub(crate) struct WorkerThread {
    /// This worker's index, `0..num_workers`.
    pub(crate) index: usize,
    /// The owner end of its deque (thieves hold the `Stealer` in `shared`).
    pub(crate) deque: Worker<JobRef>,
    /// State shared by the whole pool.
    pub(crate) shared: Arc<Shared>,
    /// xorshift64* state for random victim order.
    rng: Cell<u64>,
    /// Next starting offset for round-robin victim order.
    next_victim: Cell<usize>,
    /// Start of the current busy period (None while idle).
    busy_since: Cell<Option<Instant>>,
    /// Start of the current idle period (None while busy).
    idle_since: Cell<Option<Instant>>,
    /// Its private join frames (see `join/`).
    pub(crate) frames: Frames,
    /// Its own share-request flag, `&shared.share_requests[index]`, kept as a
    /// pointer because every join reads it.
    share_request: *const ShareRequest,
    /// Its counters, `&shared.counters[index]`, likewise.
    counters: *const WorkerCounters,
}

impl WorkerThread {
    pub(crate) fn new(index: usize, deque: Worker<JobRef>, shared: Arc<Shared>) -> Self {
        let share_request: *const ShareRequest = &*shared.share_requests[index];
        let counters: *const WorkerCounters = &*shared.counters[index];
        WorkerThread {
            index,
            deque,
            shared,
            rng: Cell::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03),
            ),
            next_victim: Cell::new(0),
            busy_since: Cell::new(None),
            idle_since: Cell::new(Some(Instant::now())),
            frames: Frames::new(),
            share_request,
            counters,
        }
    }

    /// The worker running on the current thread, if any (of any pool).
    #[inline]
    pub(crate) fn current() -> *const WorkerThread {
        CURRENT.with(|c| c.get())
    }

    /// This worker's counters.
    #[inline]
    pub(crate) fn counters(&self) -> &WorkerCounters {
        // SAFETY: points into `self.shared`, which this struct keeps alive.
        unsafe { &*self.counters }
    }

    /// This worker's share-request flag (see `join/`).
    #[inline]
    pub(crate) fn share_request(&self) -> &ShareRequest {
        // SAFETY: points into `self.shared`, which this struct keeps alive.
        unsafe { &*self.share_request }
    }

    /// Found nothing to steal: ask every other worker to share a private join
    /// frame at its next join (a hint; see `join/README.md`).
    fn ask_for_frames(&self) {
        // Every other worker, not `victims()`: that would advance round-robin order.
        let requests = self.shared.share_requests.iter().enumerate();
        for (_, request) in requests.filter(|(w, _)| *w != self.index) {
            request.ask();
        }
    }

    /// The thread's body: registers itself, runs jobs until shutdown.
    pub(crate) fn main_loop(&self) {
        CURRENT.with(|c| c.set(self));
        let mut rounds = 0;
        loop {
            if let Some(job) = self.find_work() {
                // SAFETY: `find_work` took `job` out of a queue.
                unsafe { self.run_taken(job, &mut rounds) };
                continue;
            }
            self.went_idle();
            if self.shared.shutdown.load(Ordering::Acquire) {
                self.drain();
                break;
            }
            self.idle_step(&mut rounds, &|| {
                self.shared.shutdown.load(Ordering::Acquire)
            });
        }
        self.went_busy();
        CURRENT.with(|c| c.set(std::ptr::null()));
    }

    /// Runs every job still queued where this worker looks, after it saw the
    /// shutdown flag. No call is in progress by then, so the only jobs left are
    /// participants that their call cancelled (running one frees its share of
    /// the tickets). One may have been posted after this worker's last search
    /// found nothing and before it read the flag; the flag's acquire load makes
    /// everything queued before `Pool::drop` set it visible here.
    fn drain(&self) {
        let mut rounds = 0;
        while let Some(job) = self.find_work() {
            // SAFETY: `find_work` took `job` out of a queue.
            unsafe { self.run_taken(job, &mut rounds) };
        }
    }

    /// Runs other jobs until `latch` is set.
    pub(crate) fn wait_until(&self, latch: &CountLatch) {
        let mut rounds = 0;
        while !latch.probe() {
            if let Some(job) = self.find_work() {
                // SAFETY: `find_work` took `job` out of a queue.
                unsafe { self.run_taken(job, &mut rounds) };
                continue;
            }
            self.went_idle();
            self.idle_step(&mut rounds, &|| latch.probe());
        }
        self.went_busy();
    }

    /// Runs a job this worker found, ending its idle period and its idle rounds.
    ///
    /// # Safety
    /// `job` must have just been taken out of a queue: every JobRef in the queues
    /// is executed exactly once, by whoever took it out.
    #[inline]
    unsafe fn run_taken(&self, job: JobRef, rounds: &mut u32) {
        self.went_busy();
        *rounds = 0;
        // SAFETY: the caller took `job` out of a queue, so no one else runs it.
        unsafe { job.execute() };
    }

    /// One step of idling: spin, yield, or (after announcing sleepiness and
    /// looking once more) sleep. `stop` is the condition the caller waits for; it
    /// is re-checked after getting sleepy, as the protocol requires.
    fn idle_step(&self, rounds: &mut u32, stop: &dyn Fn() -> bool) {
        if *rounds < SPIN_ROUNDS {
            for _ in 0..(1u32 << (*rounds).min(6)) {
                std::hint::spin_loop();
            }
            *rounds += 1;
            return;
        }
        if *rounds < SPIN_ROUNDS + YIELD_ROUNDS {
            std::thread::yield_now();
            *rounds += 1;
            return;
        }
        let sleep = &self.shared.sleep;
        let token = sleep.get_sleepy();
        if stop() {
            sleep.cancel_sleepy(token);
            return;
        }
        if let Some(job) = self.find_work() {
            sleep.cancel_sleepy(token);
            // SAFETY: `find_work` took `job` out of a queue.
            unsafe { self.run_taken(job, rounds) };
            return;
        }
        bump(&self.counters().parks, 1);
        if sleep.sleep(self.index, token) {
            bump(&self.counters().wakeups, 1);
        }
        *rounds = 0;
    }

    /// Pushes a job onto this worker's deque and wakes a sleeper to steal it.
    pub(crate) fn push(&self, job: JobRef) {
        self.deque.push(job);
        self.shared.sleep.notify_jobs(1);
    }

    /// Runs the jobs addressed to this worker alone (its inbox), if any.
    /// Between batches of a long participant, this is what lets a nested call
    /// that posted a participant here go on without waiting for our whole share.
    /// Returns whether it ran any.
    pub(crate) fn run_inbox(&self) -> bool {
        let mut ran = false;
        while let Some(job) = retry_steal(|| self.shared.inboxes[self.index].steal()) {
            bump(&self.counters().injector_pops, 1);
            // SAFETY: taken out of our inbox just now, so no one else runs it.
            unsafe { job.execute() };
            ran = true;
        }
        ran
    }

    /// Looks for a job: own deque, inbox, injector, then other workers.
    pub(crate) fn find_work(&self) -> Option<JobRef> {
        if let Some(job) = self.deque.pop() {
            bump(&self.counters().local_pops, 1);
            return Some(job);
        }
        let shared = &*self.shared;
        if let Some(job) = retry_steal(|| shared.inboxes[self.index].steal()) {
            bump(&self.counters().injector_pops, 1);
            return Some(job);
        }
        let from_injector = match shared.steal_amount {
            StealAmount::One => retry_steal(|| shared.injector.steal()),
            StealAmount::Half => retry_steal(|| shared.injector.steal_batch_and_pop(&self.deque)),
        };
        if let Some(job) = from_injector {
            bump(&self.counters().injector_pops, 1);
            return Some(job);
        }
        self.steal_from_others()
    }

    fn steal_from_others(&self) -> Option<JobRef> {
        let shared = &*self.shared;
        if shared.stealers.len() < 2 {
            return None;
        }
        let counters = self.counters();
        loop {
            let mut retry = false;
            let (mut attempts, mut retries) = (0, 0);
            let mut found = None;
            for victim in self.victims() {
                attempts += 1;
                let before = self.deque.len();
                let stolen = match shared.steal_amount {
                    StealAmount::One => shared.stealers[victim].steal(),
                    StealAmount::Half => shared.stealers[victim].steal_batch_and_pop(&self.deque),
                };
                match stolen {
                    Steal::Success(job) => {
                        let moved = self.deque.len().saturating_sub(before) as u64 + 1;
                        bump(&counters.steal_successes, 1);
                        bump(&counters.tasks_stolen, moved);
                        shared.stole(self.index, victim);
                        found = Some(job);
                        break;
                    }
                    Steal::Retry => {
                        retries += 1;
                        retry = true;
                    }
                    Steal::Empty => {}
                }
            }
            bump(&counters.steal_attempts, attempts);
            bump(&counters.steal_retries, retries);
            if found.is_some() {
                return found;
            }
            if !retry {
                self.ask_for_frames();
                return None;
            }
        }
    }

    /// The other workers, in the order this worker should try them.
    pub(crate) fn victims(&self) -> impl Iterator<Item = usize> + '_ {
        let n = self.shared.stealers.len();
        let me = self.index;
        let others = n.saturating_sub(1);
        let (start, list) = match &self.shared.victims {
            Victims::Random => (
                if others > 0 {
                    (self.next_random() % others as u64) as usize
                } else {
                    0
                },
                None,
            ),
            Victims::RoundRobin => {
                let start = self.next_victim.get();
                self.next_victim
                    .set(if others > 0 { (start + 1) % others } else { 0 });
                (start, None)
            }
            Victims::Lists(lists) => (0, Some(&lists[me][..])),
        };
        (0..others).map(move |k| match list {
            Some(list) => list[k],
            None => (me + 1 + (start + k) % others) % n,
        })
    }

    fn next_random(&self) -> u64 {
        // xorshift64* (Vigna 2016): plenty for picking victims.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Idle → busy transition (no-op if already busy); publishes the open busy
    /// period's start for readers (see `stats.rs`).
    #[inline]
    pub(crate) fn went_busy(&self) {
        if let Some(since) = self.idle_since.take() {
            // Idle time before the last `reset_stats` belongs to no measured call.
            let since = since.max(self.shared.stats_since());
            let now = add_elapsed(&self.counters().idle_ns, since);
            self.busy_since.set(Some(now));
            self.counters()
                .set_busy(0, Some(ns_since(self.shared.epoch, now)));
        }
    }

    /// Busy → idle transition (no-op if already idle).
    #[inline]
    pub(crate) fn went_idle(&self) {
        self.count_joins();
        if let Some(since) = self.busy_since.take() {
            let now = Instant::now();
            self.counters()
                .set_busy(now.saturating_duration_since(since).as_nanos() as u64, None);
            self.idle_since.set(Some(now));
        }
    }

    /// Adds the joins run since the last call to the `tasks` counter (two tasks
    /// a join). Called where a snapshot could otherwise miss them: before any
    /// latch is set (a caller may read the stats as soon as its call returns)
    /// and when the worker goes idle. A snapshot taken while a worker is deep
    /// in a recursion therefore lags by the joins it ran since.
    pub(crate) fn count_joins(&self) {
        let joins = self.frames.take_uncounted();
        if joins > 0 {
            bump(&self.counters().tasks, 2 * joins);
        }
    }

    /// Closes the busy time so far into the counters without ending the busy
    /// period (a loop participant calls this before its latch decrement). A
    /// snapshot counts an open period anyway (see `stats.rs`); this keeps the
    /// closed total current at no cost per task.
    pub(crate) fn flush_busy(&self) {
        if let Some(since) = self.busy_since.get() {
            let now = Instant::now();
            self.counters().set_busy(
                now.saturating_duration_since(since).as_nanos() as u64,
                Some(ns_since(self.shared.epoch, now)),
            );
            self.busy_since.set(Some(now));
        }
    }
}

/// Victim order as the workers use it (topology lists validated and completed).
pub(crate) enum Victims {
    Random,
    RoundRobin,
    Lists(Vec<Vec<usize>>),
}

/// Checks topology victim lists and appends missing workers.
pub(crate) fn complete_victim_lists(
    mut lists: Vec<Vec<usize>>,
    n: usize,
) -> Result<Vec<Vec<usize>>, BuildError> {
    if lists.len() != n {
        return Err(BuildError::VictimList {
            worker: lists.len().min(n),
            problem: format!(
                "got {} victim lists for {} workers; give one list per worker",
                lists.len(),
                n
            ),
        });
    }
    for (worker, list) in lists.iter_mut().enumerate() {
        let mut seen = vec![false; n];
        for &v in list.iter() {
            let problem = if v >= n {
                format!("victim {v} is not a worker (allowed: 0..{n})")
            } else if v == worker {
                "a worker cannot be its own victim".to_string()
            } else if seen[v] {
                format!("victim {v} is listed twice")
            } else {
                seen[v] = true;
                continue;
            };
            return Err(BuildError::VictimList { worker, problem });
        }
        list.extend((0..n).filter(|&v| v != worker && !seen[v]));
    }
    Ok(lists)
}

/// Retries a steal until it is `Success` or `Empty`.
fn retry_steal(mut steal: impl FnMut() -> Steal<JobRef>) -> Option<JobRef> {
    loop {
        match steal() {
            Steal::Success(job) => return Some(job),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

/// Adds the nanoseconds since `since` to `counter`; returns the instant it read,
/// so the next period starts exactly where this one ended.
#[inline]
fn add_elapsed(counter: &AtomicU64, since: Instant) -> Instant {
    let now = Instant::now();
    bump(counter, now.duration_since(since).as_nanos() as u64);
    now
}

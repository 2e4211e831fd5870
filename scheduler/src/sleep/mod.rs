//! How idle workers go to sleep and how new work wakes them.
//!
//! The protocol, its invariants and the memory-ordering argument are in
//! `sleep/README.md` next to this file; the short version: a worker that found no
//! work *announces* that it is sleepy (one RMW on [`Sleep::state`]), looks for work
//! once more, and only then blocks, and only if no job was announced in between.
//! Whoever makes work available (a deque push, an inbox push, a latch set,
//! shutdown) first publishes it, then calls one of the `notify_*` methods, which
//! costs a fence and one load while nobody is sleepy or asleep.
//!
//! Everything here goes through [`crate::sync`], so the loom tests at the bottom
//! check this exact code against a mock queue.

use crate::sync::{fence, AtomicU64, Condvar, Mutex, MutexGuard, Ordering};
use crossbeam_utils::CachePadded;

/// `state` bits 0..16: workers that announced they are sleepy but have not blocked.
const SLEEPY_ONE: u64 = 1;
/// `state` bits 16..32: workers blocked on their condition variable.
const SLEEPING_SHIFT: u32 = 16;
const SLEEPING_ONE: u64 = 1 << SLEEPING_SHIFT;
/// `state` bits 32..64: the jobs event counter (wraps). Bumped whenever work
/// appears while someone is sleepy or asleep, which cancels every pending sleep.
const JOBS_SHIFT: u32 = 32;
const JOBS_ONE: u64 = 1 << JOBS_SHIFT;
const COUNT_MASK: u64 = 0xffff;

/// The largest number of workers the packed state can count.
pub(crate) const MAX_WORKERS: usize = COUNT_MASK as usize;

fn sleepy_of(state: u64) -> u64 {
    state & COUNT_MASK
}
fn sleeping_of(state: u64) -> u64 {
    (state >> SLEEPING_SHIFT) & COUNT_MASK
}
fn jobs_of(state: u64) -> u64 {
    state >> JOBS_SHIFT
}

/// One worker's place to block. Touched by its owner (to block) and by wakers
/// (to unblock it), always under `is_blocked`'s lock.
struct WorkerSleep {
    /// True while the owner is (about to be) blocked on `condvar`; only a waker
    /// sets it back to false, and that waker has already decremented the
    /// sleeping count for it.
    is_blocked: Mutex<bool>,
    condvar: Condvar,
}

/// The pool's sleep state: shared counters plus one [`WorkerSleep`] per worker.
pub(crate) struct Sleep {
    /// Packed (jobs event counter, sleeping, sleepy); see the constants above.
    /// Read by every notifier, RMW'd only on the sleepy/sleep/wake paths.
    state: CachePadded<AtomicU64>,
    workers: Box<[CachePadded<WorkerSleep>]>,
}

/// Proof that the holder announced itself sleepy: the jobs event counter seen then.
#[must_use]
pub(crate) struct SleepyToken {
    jobs: u64,
}

fn lock(m: &Mutex<bool>) -> MutexGuard<'_, bool> {
    // Nothing panics while holding these locks; recover anyway rather than abort.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sleep {
    /// Sleep state for `workers` workers (at most [`MAX_WORKERS`]).
    pub(crate) fn new(workers: usize) -> Self {
        assert!(workers <= MAX_WORKERS);
        Sleep {
            state: CachePadded::new(AtomicU64::new(0)),
            workers: (0..workers)
                .map(|_| {
                    CachePadded::new(WorkerSleep {
                        is_blocked: Mutex::new(false),
                        condvar: Condvar::new(),
                    })
                })
                .collect(),
        }
    }

    /// Step 1 of going to sleep: announce it. The caller must then look for work
    /// (and check any condition it waits for) once more, and either call
    /// [`Sleep::cancel_sleepy`] (found something) or [`Sleep::sleep`].
    pub(crate) fn get_sleepy(&self) -> SleepyToken {
        let old = self.state.fetch_add(SLEEPY_ONE, Ordering::SeqCst);
        // Pairs with the fence in `announce`: either our next search sees the
        // notifier's work, or the notifier sees our sleepy count (README, "Why no
        // wake-up is lost").
        fence(Ordering::SeqCst);
        SleepyToken { jobs: jobs_of(old) }
    }

    /// Found work after [`Sleep::get_sleepy`]: take the announcement back.
    pub(crate) fn cancel_sleepy(&self, token: SleepyToken) {
        let _ = token;
        self.state.fetch_sub(SLEEPY_ONE, Ordering::SeqCst);
    }

    /// Step 2: block until woken, unless a job was announced since `token` was
    /// taken. Returns true if the worker actually blocked (and was woken).
    pub(crate) fn sleep(&self, worker: usize, token: SleepyToken) -> bool {
        let ws = &self.workers[worker];
        let mut blocked = lock(&ws.is_blocked);
        let mut cur = self.state.load(Ordering::SeqCst);
        loop {
            if jobs_of(cur) != token.jobs {
                // Work appeared after we looked: do not sleep.
                self.state.fetch_sub(SLEEPY_ONE, Ordering::SeqCst);
                return false;
            }
            let new = cur - SLEEPY_ONE + SLEEPING_ONE;
            match self
                .state
                .compare_exchange(cur, new, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        // Still under the lock: a waker that saw us in the sleeping count will
        // take this lock next and find `is_blocked` set.
        *blocked = true;
        while *blocked {
            blocked = ws.condvar.wait(blocked).unwrap_or_else(|e| e.into_inner());
        }
        true
    }

    /// Called after publishing work. Returns the state after bumping the jobs
    /// counter, or `None` when nobody is sleepy or asleep (the common, cheap case).
    fn announce(&self) -> Option<u64> {
        // Pairs with the fence in `get_sleepy`.
        fence(Ordering::SeqCst);
        let state = self.state.load(Ordering::Relaxed);
        if sleepy_of(state) == 0 && sleeping_of(state) == 0 {
            return None;
        }
        Some(
            self.state
                .fetch_add(JOBS_ONE, Ordering::SeqCst)
                .wrapping_add(JOBS_ONE),
        )
    }

    /// `count` new jobs were pushed where any worker can take them (a deque or
    /// the injector): wake at most `count` sleeping workers.
    pub(crate) fn notify_jobs(&self, count: usize) {
        if let Some(state) = self.announce() {
            let wanted = (count as u64).min(sleeping_of(state));
            if wanted > 0 {
                self.wake_any(wanted);
            }
        }
    }

    /// Work for worker `worker` alone (its inbox, or a latch it waits on) was
    /// published: make sure that worker is not asleep.
    pub(crate) fn notify_worker(&self, worker: usize) {
        if let Some(state) = self.announce() {
            if sleeping_of(state) > 0 {
                self.wake_specific(worker);
            }
        }
    }

    /// Like [`Sleep::notify_worker`] for several workers, with one announcement.
    pub(crate) fn notify_workers(&self, workers: impl Iterator<Item = usize>) {
        if let Some(state) = self.announce() {
            if sleeping_of(state) > 0 {
                for w in workers {
                    self.wake_specific(w);
                }
            }
        }
    }

    /// Whether some worker is blocked right now (a relaxed snapshot: a hint
    /// for whoever decides whether to share more work).
    pub(crate) fn has_sleepers(&self) -> bool {
        sleeping_of(self.state.load(Ordering::Relaxed)) > 0
    }

    /// Shutdown: cancel every pending sleep and wake every sleeper. The caller
    /// has set its shutdown flag before.
    pub(crate) fn wake_all(&self) {
        self.state.fetch_add(JOBS_ONE, Ordering::SeqCst);
        for w in 0..self.workers.len() {
            self.wake_specific(w);
        }
    }

    fn wake_any(&self, mut wanted: u64) {
        for w in 0..self.workers.len() {
            if wanted == 0 {
                break;
            }
            if self.wake_specific(w) {
                wanted -= 1;
            }
        }
    }

    /// Wakes `worker` if it is blocked; returns whether it was.
    fn wake_specific(&self, worker: usize) -> bool {
        let ws = &self.workers[worker];
        let mut blocked = lock(&ws.is_blocked);
        if !*blocked {
            return false;
        }
        *blocked = false;
        self.state.fetch_sub(SLEEPING_ONE, Ordering::SeqCst);
        // Notify after unlocking, so the woken worker does not block again on
        // the mutex we still hold. Safe: it re-checks `is_blocked` (now false)
        // under the lock, and `condvar` outlives both threads.
        drop(blocked);
        ws.condvar.notify_one();
        true
    }
}

#[cfg(all(test, loom))]
mod tests {
    //! loom models of the protocol. The queues are mocked: `pushed` is written
    //! with a plain release store by the single producer, like crossbeam-deque's
    //! `push` writes its bottom index, and consumers claim with a CAS on `taken`.
    //! A lost wake-up shows as a deadlock, which loom reports.
    use super::*;
    use loom::sync::atomic::{AtomicBool, AtomicUsize};
    use loom::sync::Arc;
    use loom::thread;

    struct MockQueue {
        pushed: AtomicUsize,
        taken: AtomicUsize,
    }

    impl MockQueue {
        fn new() -> Self {
            MockQueue {
                pushed: AtomicUsize::new(0),
                taken: AtomicUsize::new(0),
            }
        }
        /// Single producer.
        fn push(&self) {
            let n = self.pushed.load(Ordering::Relaxed);
            self.pushed.store(n + 1, Ordering::Release);
        }
        fn try_take(&self) -> bool {
            loop {
                let t = self.taken.load(Ordering::Relaxed);
                if t >= self.pushed.load(Ordering::Acquire) {
                    return false;
                }
                if self
                    .taken
                    .compare_exchange(t, t + 1, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return true;
                }
            }
        }
    }

    /// The worker's idle path, as `worker.rs` runs it (minus spinning): look,
    /// get sleepy, look again, sleep. Returns when `stop()` holds.
    fn worker_loop(sleep: &Sleep, index: usize, queue: &MockQueue, stop: &dyn Fn() -> bool) {
        loop {
            if stop() {
                return;
            }
            if queue.try_take() {
                continue;
            }
            let token = sleep.get_sleepy();
            if stop() || queue.try_take() {
                sleep.cancel_sleepy(token);
                continue;
            }
            sleep.sleep(index, token);
        }
    }

    fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(f);
    }

    #[test]
    fn loom_job_pushed_to_sleeping_worker_is_taken() {
        model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let queue = Arc::new(MockQueue::new());
            let (s, q) = (sleep.clone(), queue.clone());
            let worker = thread::spawn(move || {
                let stop = || q.taken.load(Ordering::Acquire) == 1;
                worker_loop(&s, 0, &q, &stop);
            });
            queue.push();
            sleep.notify_jobs(1);
            worker.join().unwrap();
        });
    }

    #[test]
    fn loom_two_workers_two_jobs() {
        model(|| {
            let sleep = Arc::new(Sleep::new(2));
            let queue = Arc::new(MockQueue::new());
            let workers: Vec<_> = (0..2)
                .map(|i| {
                    let (s, q) = (sleep.clone(), queue.clone());
                    thread::spawn(move || {
                        let stop = || q.taken.load(Ordering::Acquire) == 2;
                        worker_loop(&s, i, &q, &stop);
                        // Whoever sees the last job taken shuts the other down,
                        // the way `Pool::drop` does (the other may be asleep).
                        s.wake_all();
                    })
                })
                .collect();
            queue.push();
            sleep.notify_jobs(1);
            queue.push();
            sleep.notify_jobs(1);
            for w in workers {
                w.join().unwrap();
            }
        });
    }

    #[test]
    fn loom_latch_set_wakes_its_waiter() {
        // A worker waits for a flag (a latch) that another thread sets and then
        // notifies that specific worker, as `CountLatch` does.
        model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let queue = Arc::new(MockQueue::new());
            let latch = Arc::new(AtomicBool::new(false));
            let (s, q, l) = (sleep.clone(), queue.clone(), latch.clone());
            let worker = thread::spawn(move || {
                let stop = || l.load(Ordering::Acquire);
                worker_loop(&s, 0, &q, &stop);
            });
            latch.store(true, Ordering::Release);
            sleep.notify_worker(0);
            worker.join().unwrap();
        });
    }

    #[test]
    fn loom_shutdown_wakes_everyone() {
        model(|| {
            let sleep = Arc::new(Sleep::new(2));
            let queue = Arc::new(MockQueue::new());
            let shutdown = Arc::new(AtomicBool::new(false));
            let workers: Vec<_> = (0..2)
                .map(|i| {
                    let (s, q, d) = (sleep.clone(), queue.clone(), shutdown.clone());
                    thread::spawn(move || {
                        let stop = || d.load(Ordering::Acquire);
                        worker_loop(&s, i, &q, &stop);
                    })
                })
                .collect();
            shutdown.store(true, Ordering::Release);
            sleep.wake_all();
            for w in workers {
                w.join().unwrap();
            }
        });
    }
}

//! Count-down latches: how a caller learns that the jobs it started are done.
//!
//! A [`CountLatch`] starts at some count; each finished job decrements it; the
//! decrement that reaches zero sets `done` and wakes the one waiter. The waiter is
//! either a pool worker (which keeps running other jobs while it waits, and may
//! sleep in its pool's sleep protocol, so it is woken with
//! [`Sleep::notify_worker`]) or a thread outside the pool (parked with
//! `std::thread::park`).
//!
//! The latch usually lives on the waiter's stack: once `done` is set the waiter
//! may return and free it, so the final decrement copies everything it needs
//! *before* setting `done`, and works through a raw pointer (a `&self` argument
//! would claim the memory stays valid for the whole call).
//!
//! The same goes for the waiter's *pool*: a worker that waits for a job it
//! handed to another pool is woken by that pool's thread, after which the
//! waiter may return and its own pool may be dropped. So that waiter is
//! described by an `Arc` of its pool's shared state
//! ([`Waiter::ForeignWorker`]), cloned before `done` is set.

use crate::pool::Shared;
use crate::sleep::Sleep;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::Thread;

/// Who waits on a latch.
pub(crate) enum Waiter {
    /// Worker `index` of the pool whose sleep state is `sleep`, waiting for jobs
    /// that only that same pool's workers finish.
    Worker {
        /// The waiting worker.
        index: usize,
        /// Points into the pool's shared state, which outlives every job (each
        /// worker thread holds an `Arc` of it and jobs only run on workers).
        sleep: *const Sleep,
    },
    /// Worker `index` of the pool whose state is `shared`, waiting for jobs that
    /// another pool's workers finish: the final decrement runs on a thread that
    /// keeps no count of `shared`, hence the `Arc`.
    ForeignWorker {
        /// The waiting worker.
        index: usize,
        /// The waiting worker's pool.
        shared: Arc<Shared>,
    },
    /// A thread outside the pool, parked.
    Thread(Thread),
}

/// A latch that is set when its count reaches zero.
pub(crate) struct CountLatch {
    /// Outstanding jobs. Touched by every job of the call (decrement) and by
    /// whoever adds jobs (increment, always while holding one count itself).
    count: AtomicUsize,
    /// Set once, by the final decrement; read by the waiter.
    done: AtomicBool,
    waiter: Waiter,
}

// SAFETY: the only non-thread-safe field is `Waiter::Worker::sleep`, a pointer
// to a `Sleep` (itself Sync) that outlives the latch's use (see `Waiter`).
unsafe impl Send for CountLatch {}
// SAFETY: as above; all shared mutation goes through atomics.
unsafe impl Sync for CountLatch {}

impl CountLatch {
    /// A latch waiting for `count` decrements.
    pub(crate) fn new(count: usize, waiter: Waiter) -> Self {
        CountLatch {
            count: AtomicUsize::new(count),
            done: AtomicBool::new(false),
            waiter,
        }
    }

    /// Adds `n` outstanding jobs. The caller must hold an outstanding count
    /// itself, so the latch cannot have been set yet.
    pub(crate) fn increment(&self, n: usize) {
        self.count.fetch_add(n, Ordering::Relaxed);
    }

    /// Whether the count has reached zero (acquires everything the jobs wrote).
    pub(crate) fn probe(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// One job finished.
    ///
    /// # Safety
    /// `this` must point to a live latch; it may be freed by the waiter as soon as
    /// this sets `done`, so nothing is touched after that.
    pub(crate) unsafe fn decrement(this: *const Self) {
        // SAFETY: the caller guarantees `this` is live, and it stays live until we
        // store `done` below (the waiter does not return before that).
        let latch = unsafe { &*this };
        count_current_joins();
        if latch.count.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        match &latch.waiter {
            Waiter::Worker { index, sleep } => {
                let (index, sleep) = (*index, *sleep);
                latch.done.store(true, Ordering::Release);
                // SAFETY: `sleep` outlives every job (see `Waiter::Worker`).
                unsafe { (*sleep).notify_worker(index) };
            }
            Waiter::ForeignWorker { index, shared } => {
                // Our own count: the waiter may drop its pool once `done` is set.
                let (index, shared) = (*index, shared.clone());
                latch.done.store(true, Ordering::Release);
                shared.sleep.notify_worker(index);
            }
            Waiter::Thread(thread) => {
                let thread = thread.clone();
                latch.done.store(true, Ordering::Release);
                thread.unpark();
            }
        }
    }

    /// Blocks a thread outside the pool until the latch is set. It parks right
    /// away: yielding first looked cheap but, on a loaded machine, hands the
    /// core to other processes for whole time slices, while a woken sleeper
    /// gets the CPU back promptly.
    pub(crate) fn wait_outside(&self) {
        while !self.probe() {
            std::thread::park();
        }
    }
}

/// Brings the current worker's `tasks` counter up to date with the joins it ran
/// (they are counted in bulk, `WorkerThread::count_joins`) before a latch is
/// decremented: whoever waits on it may read the stats as soon as it is set.
#[inline]
fn count_current_joins() {
    let wt = crate::worker::WorkerThread::current();
    if !wt.is_null() {
        // SAFETY: a non-null CURRENT is this thread's live WorkerThread.
        unsafe { (*wt).count_joins() };
    }
}

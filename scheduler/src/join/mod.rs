//! [`Pool::join`]: fork-join with private frames, shared only when a thief asks.
//!
//! A join used to push its second closure on the worker's deque, where every
//! push and pop pays crossbeam-deque's fences and a sleep notification: about
//! 55 ns a join, against 3–5 ns for chili's heartbeat join. Most of those
//! frames are never stolen. So a join now keeps its frame *private* (a plain
//! `VecDeque` that only its worker touches) and shares work only on demand:
//!
//! * an idle worker that finds nothing to steal *asks* the others to share
//!   (a per-worker flag, [`ShareRequest`]);
//! * a busy worker looks at its own flag at every join; when it is set, it
//!   moves its registered private frames to its deque, oldest first (thieves
//!   take the oldest, the biggest piece of pending work, as in Cilk's
//!   steal-from-the-top), and notifies the sleep protocol like any other push;
//! * a join whose frame was not moved runs it inline, with no atomic
//!   operation at all; one whose frame was moved takes it back from the deque or
//!   waits for the thief, as before.
//!
//! To keep the common join cheaper still, only frames near the bottom of the
//! private queue (fewer than [`KEEP_FRAMES`] below) and every
//! [`REGISTER_PERIOD`]-th join are registered; the rest run `a` then `b` with
//! nothing recorded, since a thief is always given the oldest frame and deep
//! frames would not be chosen. This is chili's rule (Acar, Charguéraud, Rainey,
//! "Heartbeat scheduling", PLDI 2018; chili's `join_with_heartbeat_every`); the
//! difference is who triggers the sharing. Chili promotes at a timer's
//! heartbeat and an idle thread blocks after one look, so a pool can run at
//! serial speed while one thread holds all the work; here the trigger is a
//! thief's request (the receiver-initiated scheme of Acar, Charguéraud, Rainey,
//! "Scheduling parallel programs by work stealing with private deques", PPoPP
//! 2013), and idle workers keep asking through the same spin/yield/sleep path
//! as for any other work. The protocol and why it neither loses nor duplicates
//! a job are in `README.md` beside this file; loom models at the bottom check it
//! with the real [`Sleep`](crate::sleep::Sleep) and [`ShareRequest`].

use crate::job::{JobRef, JobResult, StackJob};
use crate::latch::Waiter;
use crate::pool::Pool;
use crate::sync::{AtomicBool, Ordering};
use crate::worker::WorkerThread;
use std::cell::{Cell, UnsafeCell};
use std::collections::VecDeque;

/// Frames registered whatever the period: the bottom of the private queue,
/// which is where a thief's share comes from.
pub(crate) const KEEP_FRAMES: usize = 3;
/// Every this-many-th join is registered even above [`KEEP_FRAMES`], so that
/// some mid-depth work stays shareable while the bottom frames are taken.
pub(crate) const REGISTER_PERIOD: u32 = 64;

impl Pool {
    /// Runs `a` and `b`, potentially in parallel, and returns both results.
    ///
    /// If either panics, the panic is re-raised here after both have finished
    /// (`a`'s if both did).
    ///
    /// ```
    /// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
    /// fn fib(pool: &scheduler::Pool, n: u64) -> u64 {
    ///     if n < 2 { return n; }
    ///     let (a, b) = pool.join(|| fib(pool, n - 1), || fib(pool, n - 2));
    ///     a + b
    /// }
    /// assert_eq!(fib(&pool, 15), 610);
    /// ```
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.in_worker(|wt| join_in_worker(wt, a, b))
    }
}

/// A worker's flag that other workers set to ask it for work.
///
/// Only a hint: a request may be seen late or served by a frame someone else
/// takes; the thief keeps looking (and asking) until it finds work, sleeps, or
/// what it waits for is done. Relaxed throughout: the job itself is published
/// by the deque push, and a sleeping thief is woken by that push's notification
/// (README, "No lost wake-up").
pub(crate) struct ShareRequest {
    asked: AtomicBool,
}

impl ShareRequest {
    pub(crate) fn new() -> Self {
        ShareRequest {
            asked: AtomicBool::new(false),
        }
    }

    /// A thief asks. Loads first so that many thieves asking a busy worker do
    /// not keep writing its cache line.
    #[inline]
    pub(crate) fn ask(&self) {
        if !self.asked.load(Ordering::Relaxed) {
            self.asked.store(true, Ordering::Relaxed);
        }
    }

    /// The owner, at a join: has anyone asked?
    #[inline]
    pub(crate) fn is_asked(&self) -> bool {
        self.asked.load(Ordering::Relaxed)
    }

    /// The owner, about to share: the request is being served.
    #[inline]
    pub(crate) fn clear(&self) {
        self.asked.store(false, Ordering::Relaxed);
    }
}

/// A worker's private join frames: the `b` halves of its joins in progress that
/// it registered, oldest first. Touched only by the owning worker.
pub(crate) struct Frames {
    queue: UnsafeCell<VecDeque<JobRef>>,
    /// Frames ever moved out from the front (shared): a frame's position counted
    /// from the first frame ever registered is `shared + index`.
    shared: Cell<u64>,
    /// Joins seen, for [`REGISTER_PERIOD`].
    joins: Cell<u32>,
}

impl Frames {
    pub(crate) fn new() -> Self {
        Frames {
            queue: UnsafeCell::new(VecDeque::with_capacity(64)),
            shared: Cell::new(0),
            joins: Cell::new(0),
        }
    }

    fn len(&self) -> usize {
        // SAFETY: only the owning thread touches the queue, and no reference
        // into it outlives any of these short methods.
        unsafe { (*self.queue.get()).len() }
    }

    /// Whether this join should register its frame (see the module docs).
    #[inline]
    fn should_register(&self) -> bool {
        let joins = self.joins.get().wrapping_add(1);
        self.joins.set(joins);
        self.len() < KEEP_FRAMES || joins % REGISTER_PERIOD == 0
    }

    /// Registers `job`; returns its position for [`Frames::pop_if_private`].
    pub(crate) fn push(&self, job: JobRef) -> u64 {
        let position = self.shared.get() + self.len() as u64;
        // SAFETY: as in `len`.
        unsafe { (*self.queue.get()).push_back(job) };
        position
    }

    /// Takes back the frame at `position` if it is still private. Every frame
    /// registered after it was taken back by its own join before this join's
    /// `a` returned, so if it is still here it is the newest.
    pub(crate) fn pop_if_private(&self, position: u64, job: JobRef) -> bool {
        if position < self.shared.get() {
            return false;
        }
        // SAFETY: as in `len`.
        let popped = unsafe { (*self.queue.get()).pop_back() };
        debug_assert_eq!(popped, Some(job), "private join frames out of order");
        true
    }

    /// Moves the oldest frame out, to be shared.
    pub(crate) fn take_oldest(&self) -> Option<JobRef> {
        // SAFETY: as in `len`.
        let job = unsafe { (*self.queue.get()).pop_front() }?;
        self.shared.set(self.shared.get() + 1);
        Some(job)
    }
}

/// `join` on worker `wt`: unregistered (run `b`, then `a`) unless the frame is
/// to be kept shareable or a thief is asking right now.
///
/// `b` runs first and `a` is the half that waits (and may be shared), as in
/// chili: a tree laid out in allocation order (node, left subtree, right
/// subtree) is summed about twice as fast right-first on the machines we
/// measured, so running `a` first would hand chili the faster traversal in
/// every comparison (the `join_cost` example shows both serial orders).
#[inline(always)]
pub(crate) fn join_in_worker<A, B, RA, RB>(wt: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let asked = wt.share_request().is_asked();
    if !asked && !wt.frames.should_register() {
        crate::stats::bump(&wt.counters().tasks, 2);
        // Only `b` needs catching: `a` runs last, so if it panics both have
        // finished, and its panic is the one to re-raise.
        let result_b = JobResult::call(b);
        let ra = a();
        return (ra, result_b.into_return_value());
    }
    join_registered(wt, a, b, asked)
}

/// `join` with `a` registered as a private frame, shared if a thief asks while
/// `b` runs. Kept out of line so that the unregistered path's stack frame stays
/// small (no `StackJob` in it).
#[inline(never)]
fn join_registered<A, B, RA, RB>(wt: &WorkerThread, a: A, b: B, asked: bool) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let job_a = StackJob::new(
        a,
        Waiter::Worker {
            index: wt.index,
            sleep: &wt.shared.sleep,
        },
    );
    // SAFETY: `job_a` stays on this frame until it is taken back (privately or
    // from the deque) or its latch is set: both paths below end that way, and
    // `b`'s panic is caught, so nothing unwinds past this frame before then.
    let a_ref = unsafe { job_a.as_job_ref() };
    let position = wt.frames.push(a_ref);
    if asked {
        share_frames(wt);
    }
    let result_b = JobResult::call(b);
    crate::stats::bump(&wt.counters().tasks, 2);
    let taken_back =
        wt.frames.pop_if_private(position, a_ref) || take_back_or_wait(wt, &job_a, a_ref);
    let result_a = if taken_back {
        job_a.run_inline()
    } else {
        job_a.into_result()
    };
    (result_a.into_return_value(), result_b.into_return_value())
}

/// Serves a thief's request: every registered frame goes to the deque, oldest
/// first (thieves steal from that end), so a thief that finishes a small one
/// finds the next without waiting for this worker's next join, which may be a
/// long leaf away. Frames nobody takes are popped back by their own joins
/// (`take_back_or_wait`). While other workers still sleep (each shared frame
/// wakes one), the request stays up, so the next join shares again.
#[cold]
pub(crate) fn share_frames(wt: &WorkerThread) {
    let request = wt.share_request();
    request.clear();
    let mut shared = 0;
    while let Some(job) = wt.frames.take_oldest() {
        wt.deque.push(job);
        shared += 1;
    }
    if shared > 0 {
        crate::stats::bump(&wt.counters().frames_shared, shared as u64);
        wt.shared.sleep.notify_jobs(shared);
        if wt.shared.sleep.has_sleepers() {
            request.ask();
        }
    }
}

/// The frame of `job` was shared: pop it back from the deque if no thief took
/// it (running whatever newer jobs sit above it) and return true, else run
/// other jobs until the thief sets its latch and return false. Takes the job by
/// reference: a thief may be running it in place, so it must not move before
/// its latch is set.
fn take_back_or_wait<F, R>(wt: &WorkerThread, job: &StackJob<F, R>, job_ref: JobRef) -> bool
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    loop {
        if job.latch.probe() {
            return false;
        }
        match wt.deque.pop() {
            Some(popped) if popped == job_ref => {
                crate::stats::bump(&wt.counters().local_pops, 1);
                return true;
            }
            Some(other) => {
                crate::stats::bump(&wt.counters().local_pops, 1);
                // SAFETY: popped from our deque, so we are its only executor.
                unsafe { other.execute() };
            }
            None => {
                wt.wait_until(&job.latch);
                return false;
            }
        }
    }
}

#[cfg(all(test, loom))]
mod tests;

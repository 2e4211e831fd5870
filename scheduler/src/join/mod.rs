//! [`Pool::join`]: fork-join with private frames, shared only when a thief asks.
//!
//! A join used to push its second closure on the worker's deque, where every
//! push and pop pays crossbeam-deque's fences and a sleep notification: about
//! 55 ns a join, against 3–5 ns for chili's heartbeat join. Most of those
//! frames are never stolen. So a join now keeps its frame *private* (a plain
//! ring that only its worker touches) and shares work only on demand:
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
use crate::worker::{Caller, WorkerThread};
use std::cell::{Cell, UnsafeCell};
use std::mem::ManuallyDrop;

/// Frames registered whatever the period: the bottom of the private queue,
/// which is where a thief's share comes from.
pub(crate) const KEEP_FRAMES: usize = 3;
/// Every this-many-th join is registered even above [`KEEP_FRAMES`], so that
/// some mid-depth work stays shareable while the bottom frames are taken.
pub(crate) const REGISTER_PERIOD: u64 = 64;

impl Pool {
    /// Runs `a` and `b`, potentially in parallel, and returns both results.
    ///
    /// If either panics, the panic is re-raised here after both have finished
    /// (`b`'s, which runs first, if both did).
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
        if let Caller::Own(wt) = self.caller() {
            return join_in_worker(wt, a, b);
        }
        self.join_injected(a, b)
    }

    /// [`Pool::join`] from outside this pool's workers. Out of line and cold, so
    /// that the nested joins' path keeps `a` and `b` in registers.
    #[cold]
    #[inline(never)]
    fn join_injected<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
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

/// Most frames a worker keeps registered at once. A join that finds the ring
/// full is simply not registered (registration is only a hint for sharing);
/// an asked join on a full ring shares first. Reaching it needs a recursion
/// thousands of joins deep, since only every [`REGISTER_PERIOD`]-th join above
/// the bottom [`KEEP_FRAMES`] is registered.
///
/// Small under `cfg(test)`, so that the unit tests reach a full ring.
pub(crate) const FRAME_CAPACITY: usize = if cfg!(test) { 4 } else { 256 };

/// A worker's private join frames: the `a` halves of its joins in progress that
/// it registered, oldest first, in a fixed ring (no allocation, no growth
/// check). Touched only by the owning worker.
pub(crate) struct Frames {
    ring: UnsafeCell<[Option<JobRef>; FRAME_CAPACITY]>,
    /// Frames ever moved out from the front (shared): the oldest registered
    /// frame's position. Positions count from the first frame ever registered.
    head: Cell<u64>,
    /// One past the newest registered frame's position.
    tail: Cell<u64>,
    /// Joins seen: for [`REGISTER_PERIOD`], and counted into the worker's
    /// `tasks` in bulk ([`Frames::take_uncounted`]) only when a latch is set
    /// or the worker goes idle: a counter update per join, even only per
    /// registered join, was a measurable share of a tree-sum join
    /// (`docs/HISTORY.md`, session 7).
    joins: Cell<u64>,
    /// `joins` already added to the worker's `tasks`.
    counted: Cell<u64>,
}

impl Frames {
    pub(crate) fn new() -> Self {
        Frames {
            ring: UnsafeCell::new([None; FRAME_CAPACITY]),
            head: Cell::new(0),
            tail: Cell::new(0),
            joins: Cell::new(0),
            counted: Cell::new(0),
        }
    }

    #[inline(always)]
    fn len(&self) -> usize {
        (self.tail.get() - self.head.get()) as usize
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len() == FRAME_CAPACITY
    }

    /// The ring slot of `position`.
    #[inline(always)]
    fn slot(&self, position: u64) -> *mut Option<JobRef> {
        let index = (position % FRAME_CAPACITY as u64) as usize;
        // SAFETY: `index` is in bounds; only the owning thread touches the ring,
        // and no reference into it outlives these short methods.
        unsafe { (*self.ring.get()).as_mut_ptr().add(index) }
    }

    /// Counts a join; returns how many this worker has seen.
    #[inline(always)]
    pub(crate) fn count_join(&self) -> u64 {
        let joins = self.joins.get() + 1;
        self.joins.set(joins);
        joins
    }

    /// Whether the `joins`-th join should register its frame (module docs).
    #[inline(always)]
    pub(crate) fn should_register(&self, joins: u64) -> bool {
        let len = self.len();
        len < KEEP_FRAMES || (joins % REGISTER_PERIOD == 0 && len < FRAME_CAPACITY)
    }

    /// Joins not yet added to the worker's `tasks`; marks them added. Stores
    /// only when there are some: it runs at every latch decrement (once per
    /// task under `work-stealing:1`).
    pub(crate) fn take_uncounted(&self) -> u64 {
        let (joins, counted) = (self.joins.get(), self.counted.get());
        if joins != counted {
            self.counted.set(joins);
        }
        joins - counted
    }

    /// Registers `job` (the ring must not be full); returns its position for
    /// [`Frames::pop_if_private`].
    #[inline(always)]
    pub(crate) fn push(&self, job: JobRef) -> u64 {
        debug_assert!(!self.is_full(), "private join frames overflow");
        let position = self.tail.get();
        // SAFETY: see `slot`; the slot is free because the ring is not full.
        unsafe { *self.slot(position) = Some(job) };
        self.tail.set(position + 1);
        position
    }

    /// Takes back the frame at `position` if it is still private. Every frame
    /// registered after it was taken back by its own join before this join's
    /// `a` returned, so if it is still here it is the newest.
    #[inline(always)]
    pub(crate) fn pop_if_private(&self, position: u64, job: JobRef) -> bool {
        if position < self.head.get() {
            return false;
        }
        debug_assert_eq!(
            position + 1,
            self.tail.get(),
            "private join frames out of order"
        );
        // SAFETY: see `slot`.
        debug_assert_eq!(unsafe { *self.slot(position) }, Some(job));
        self.tail.set(position);
        true
    }

    /// Moves the oldest frame out, to be shared.
    pub(crate) fn take_oldest(&self) -> Option<JobRef> {
        let head = self.head.get();
        if head == self.tail.get() {
            return None;
        }
        self.head.set(head + 1);
        // SAFETY: see `slot`; `head < tail`, so the slot holds a frame.
        unsafe { (*self.slot(head)).take() }
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
    let joins = wt.frames.count_join();
    let asked = wt.share_request().is_asked();
    if !asked && !wt.frames.should_register(joins) {
        let a = RunOnUnwind(ManuallyDrop::new(a));
        let rb = b();
        let ra = a.disarm()();
        return (ra, rb);
    }
    join_registered(wt, a, b, asked)
}

/// Holds a join's `a` while `b` runs: dropped by `b`'s unwinding, it runs `a`
/// (catching and dropping its panic, since `b`'s is already on its way).
struct RunOnUnwind<A: FnOnce() -> RA, RA>(ManuallyDrop<A>);

impl<A: FnOnce() -> RA, RA> RunOnUnwind<A, RA> {
    /// `b` returned: hands `a` back to be run normally.
    #[inline(always)]
    fn disarm(self) -> A {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so `a` is taken exactly once.
        unsafe { ManuallyDrop::take(&mut this.0) }
    }
}

impl<A: FnOnce() -> RA, RA> Drop for RunOnUnwind<A, RA> {
    #[cold]
    #[inline(never)]
    fn drop(&mut self) {
        // SAFETY: dropped at most once and never after `disarm`, which forgets it.
        let a = unsafe { ManuallyDrop::take(&mut self.0) };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(a));
    }
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
    if wt.frames.is_full() {
        // Only an asked join gets here with a full ring (`should_register`).
        share_frames(wt);
    }
    let position = wt.frames.push(a_ref);
    if asked {
        share_frames(wt);
    }
    let result_b = JobResult::call(b);
    let taken_back =
        wt.frames.pop_if_private(position, a_ref) || take_back_or_wait(wt, &job_a, a_ref);
    if taken_back && result_b.is_ok() {
        // The frame is ours alone again: `a`'s panic, if any, may unwind.
        // SAFETY: taken back unexecuted, so no other thread can reach it.
        let ra = unsafe { job_a.run_inline_uncaught() };
        return (ra, result_b.into_return_value());
    }
    let result_a = if taken_back {
        // SAFETY: as above.
        unsafe { job_a.run_inline() }
    } else {
        job_a.into_result()
    };
    // `b` ran first, so its panic is the one re-raised if both panicked.
    let rb = result_b.into_return_value();
    (result_a.into_return_value(), rb)
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

//! loom models of the join-sharing protocol (`README.md` beside this file),
//! with the real [`Sleep`] and [`ShareRequest`]. The deque is mocked by one
//! slot: publishing it is the owner's push (a release store, like
//! crossbeam-deque's bottom index), and the owner's pop-back and a thief's steal
//! race for it with a CAS, as they do for the last element of a crossbeam deque.
//! A lost wake-up shows as a deadlock; a lost or duplicated job fails the
//! `executed` assertion.

use super::ShareRequest;
use crate::sleep::Sleep;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

const EMPTY: usize = 0;
const PUBLISHED: usize = 1;
const TAKEN: usize = 2;

/// The shared state of one join between an owner (worker 0) and a thief (1).
struct Model {
    sleep: Sleep,
    request: ShareRequest,
    slot: AtomicUsize,
    /// `a`'s latch: set by the thief after running it.
    latch: AtomicBool,
    /// Times `a` ran, by anyone.
    executed: AtomicUsize,
    /// The owner's join returned (the thief may stop, as at shutdown).
    finished: AtomicBool,
}

impl Model {
    fn new() -> Self {
        Model {
            sleep: Sleep::new(2),
            request: ShareRequest::new(),
            slot: AtomicUsize::new(EMPTY),
            latch: AtomicBool::new(false),
            executed: AtomicUsize::new(0),
            finished: AtomicBool::new(false),
        }
    }

    fn take(&self) -> bool {
        self.slot
            .compare_exchange(PUBLISHED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// `share_frames`, with the slot as the deque.
    fn share(&self) {
        self.request.clear();
        self.slot.store(PUBLISHED, Ordering::Release);
        self.sleep.notify_jobs(1);
        if self.sleep.has_sleepers() {
            self.request.ask();
        }
    }

    /// The owner's join: `a` registered, a request checked at `joins` join
    /// points while `b` runs, then `a` taken back (privately or from the slot)
    /// or waited for.
    fn owner(&self, joins: usize) {
        let mut shared = false;
        for _ in 0..joins {
            if !shared && self.request.is_asked() {
                self.share();
                shared = true;
            }
        }
        if !shared || self.take() {
            self.executed.fetch_add(1, Ordering::Relaxed);
        } else {
            // `wait_until`: the idle path with the latch as the condition.
            while !self.latch.load(Ordering::Acquire) {
                let token = self.sleep.get_sleepy();
                if self.latch.load(Ordering::Acquire) {
                    self.sleep.cancel_sleepy(token);
                    break;
                }
                self.sleep.sleep(0, token);
            }
        }
        self.finished.store(true, Ordering::Release);
        self.sleep.wake_all();
    }

    /// An idle worker: steal, else ask, get sleepy, look again, sleep.
    fn thief(&self) {
        loop {
            if self.finished.load(Ordering::Acquire) {
                return;
            }
            if self.take() {
                self.run_stolen();
                continue;
            }
            self.request.ask();
            let token = self.sleep.get_sleepy();
            if self.finished.load(Ordering::Acquire) {
                self.sleep.cancel_sleepy(token);
                return;
            }
            if self.take() {
                self.sleep.cancel_sleepy(token);
                self.run_stolen();
                continue;
            }
            self.sleep.sleep(1, token);
        }
    }

    /// `StackJob::execute` then `CountLatch::decrement` for the owner.
    fn run_stolen(&self) {
        self.executed.fetch_add(1, Ordering::Relaxed);
        self.latch.store(true, Ordering::Release);
        self.sleep.notify_worker(0);
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

fn run(joins: usize) {
    model(move || {
        let m = Arc::new(Model::new());
        let t = m.clone();
        let thief = thread::spawn(move || t.thief());
        m.owner(joins);
        thief.join().unwrap();
        assert_eq!(m.executed.load(Ordering::Relaxed), 1, "a ran once");
    });
}

#[test]
fn loom_shared_frame_runs_exactly_once() {
    run(1);
}

#[test]
fn loom_request_seen_at_a_later_join() {
    run(2);
}

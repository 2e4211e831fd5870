//! loom models of the range protocol: participants on loom threads run
//! [`participate_with`] (the pool's code, its atomics through `crate::sync`)
//! with fixed batches over a few offsets. Each model checks that every offset
//! ran exactly once, or, when a task panics, at most once with exactly the
//! offsets left in the panicking participant's slot skipped; and that every
//! participant leaves: a participant waiting forever shows up as loom's
//! "exceeded maximum number of branches" (its waits yield, see `TestHost`).

use super::*;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn model(preemption_bound: usize, f: impl Fn() + Sync + Send + 'static) {
    quiet_boom_panics();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemption_bound);
    builder.check(f);
}

/// The panics the models provoke (payload "boom…") print nothing.
fn quiet_boom_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.starts_with("boom"))
                != Some(true)
            {
                default(info);
            }
        }));
    });
}

/// One call's shared state: the slots and how often each offset ran.
struct Call {
    ranges: Ranges,
    runs: Vec<AtomicUsize>,
}

impl Call {
    fn new(slots: &[(u32, u32)]) -> Arc<Self> {
        let len = slots.iter().map(|&(_, e)| e).max().unwrap_or(0);
        Arc::new(Call {
            ranges: Ranges::from_ranges(slots.iter().copied()),
            runs: (0..len).map(|_| AtomicUsize::new(0)).collect(),
        })
    }

    /// Participant `w` of `parts`, with batches of `batch`, running `task(w, i)`
    /// for each offset `i` it claims.
    fn participate(
        &self,
        w: usize,
        batch: u32,
        other_work: &dyn Fn(usize) -> bool,
        task: impl Fn(usize, usize),
    ) {
        let mut host = TestHost {
            me: w,
            parts: self.ranges.slots.len(),
            batch,
            other_work,
        };
        participate_with(&self.ranges, w, &mut host, |i| {
            self.runs[i].fetch_add(1, Ordering::Relaxed);
            task(w, i);
        });
    }

    fn runs(&self) -> Vec<usize> {
        self.runs
            .iter()
            .map(|r| r.load(Ordering::Relaxed))
            .collect()
    }

    /// After everyone left: every offset ran once, every slot is empty.
    fn check_all_ran_once(&self) {
        assert!(self.runs().iter().all(|&r| r == 1), "{:?}", self.runs());
        for w in 0..self.ranges.slots.len() {
            let (s, e) = slot_value(&self.ranges, w);
            assert!(s >= e, "slot {w} left holding {s}..{e}");
        }
    }
}

/// Runs participants `1..slots.len()` on loom threads and participant 0 here,
/// each with batches of `batch`, then waits for all of them.
fn run_call(slots: &[(u32, u32)], batch: u32) -> Arc<Call> {
    let call = Call::new(slots);
    let threads: Vec<_> = (1..slots.len())
        .map(|w| {
            let call = call.clone();
            thread::spawn(move || call.participate(w, batch, &no_other_work, |_, _| ()))
        })
        .collect();
    call.participate(0, batch, &no_other_work, |_, _| ());
    for t in threads {
        t.join().unwrap();
    }
    call
}

#[test]
fn loom_owner_batches_and_a_thief_split_each_offset_once() {
    // The owner's first batch is [0, 2) (in_batch), the thief starts empty: it
    // splits the owner's slot, or finds it empty and asks for a give-back.
    model(3, || run_call(&[(0, 4), (4, 4)], 2).check_all_ran_once());
}

#[test]
fn loom_two_owners_with_batches_each_offset_once() {
    // Both run batches of two, and either may become the other's thief.
    model(3, || run_call(&[(0, 4), (4, 8)], 2).check_all_ran_once());
}

#[test]
fn loom_three_participants_split_each_offset_once() {
    // Batches of one, so that nobody waits: with two thieves waiting at once,
    // loom lets each yield hand the turn to the other thief and starves the
    // owner they wait for, which it reports as exceeding its branch limit. The
    // waits are modelled with two participants.
    model(2, || {
        run_call(&[(0, 2), (2, 4), (4, 4)], 1).check_all_ran_once()
    });
}

#[test]
fn loom_a_panicking_owner_leaves_through_its_batch_guard() {
    // The owner's first task panics, inside a batch of two when it claimed one.
    // The thief must not wait for a give-back from the departed owner; offsets
    // run at most once, and those skipped are exactly what the owner's slot
    // holds at the end (what its guard gave back after the thief had left).
    model(3, || {
        let call = Call::new(&[(0, 4), (4, 4)]);
        let thief = {
            let call = call.clone();
            thread::spawn(move || call.participate(1, 2, &no_other_work, |_, _| ()))
        };
        let owner = catch_unwind(AssertUnwindSafe(|| {
            call.participate(0, 2, &no_other_work, |_, _| panic!("boom"))
        }));
        thief.join().unwrap();
        let runs = call.runs();
        let (s, e) = slot_value(&call.ranges, 0);
        for (i, &r) in runs.iter().enumerate() {
            let left_in_slot = (s..e).contains(&(i as u32));
            assert_eq!(r, usize::from(!left_in_slot), "offset {i}: {runs:?}");
        }
        let (s1, e1) = slot_value(&call.ranges, 1);
        assert!(s1 >= e1, "the thief left holding {s1}..{e1}");
        // The owner ran a task unless the thief took all four offsets.
        assert!(owner.is_err() || (s >= e && runs.iter().all(|&r| r == 1)));
    });
}

/// A job one participant's task posts for another and then waits for, like a
/// nested `Static` loop posting a participant to another worker's inbox.
struct Posted {
    /// The participant the job is addressed to, plus one (0: none posted).
    to: AtomicUsize,
    /// The job ran.
    done: loom::sync::atomic::AtomicBool,
}

impl Posted {
    /// Runs the job if it is addressed to `me` (the mock of `find_work`).
    fn run_if_mine(&self, me: usize) -> bool {
        let mine = self
            .to
            .compare_exchange(me + 1, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok();
        if mine {
            self.done.store(true, Ordering::Release);
        }
        mine
    }

    /// Runs other work until the job is done, as `wait_until` does.
    fn wait_done(&self, me: usize) {
        while !self.done.load(Ordering::Acquire) {
            if !self.run_if_mine(me) {
                yield_now();
            }
        }
    }
}

#[test]
fn loom_a_waiting_thief_runs_the_job_an_owner_waits_for() {
    // The task at offset 0 posts a job for the other participant and waits for
    // it; the other participant may be a thief waiting for this very batch's
    // give-back, so it must run the job while it waits.
    model(3, || {
        let call = Call::new(&[(0, 4), (4, 4)]);
        let posted = Arc::new(Posted {
            to: AtomicUsize::new(0),
            done: loom::sync::atomic::AtomicBool::new(false),
        });
        let participant = |call: Arc<Call>, posted: Arc<Posted>, w: usize| {
            let other_work = |me: usize| posted.run_if_mine(me);
            call.participate(w, 2, &other_work, |me, i| {
                if i == 0 {
                    posted.to.store(2 - me, Ordering::Release);
                    posted.wait_done(me);
                }
            });
            // Left the call: the worker's main loop still runs its inbox.
            posted.wait_done(w);
        };
        let thief = {
            let (call, posted) = (call.clone(), posted.clone());
            thread::spawn(move || participant(call, posted, 1))
        };
        participant(call.clone(), posted, 0);
        thief.join().unwrap();
        call.check_all_ran_once();
    });
}

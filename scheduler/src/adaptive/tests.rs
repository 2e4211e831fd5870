//! Tests of the range protocol on its own: the slot operations in sequence
//! (plain builds), and loom models of participants on threads (`--cfg loom`).

use super::*;

/// A host with fixed batches and a given list of victims, whose waits run
/// `other_work` (a stand-in for the worker's queues) or else yield.
struct TestHost<'a> {
    me: usize,
    parts: usize,
    batch: u32,
    /// Runs one job addressed to participant `me`, if there is one; says whether it did.
    other_work: &'a dyn Fn(usize) -> bool,
}

impl Host for TestHost<'_> {
    fn victims(&self) -> impl Iterator<Item = usize> + '_ {
        (1..self.parts).map(move |k| (self.me + k) % self.parts)
    }
    fn batch_size(&self) -> u32 {
        self.batch
    }
    fn batch_ended(&mut self, _gave_back: bool) {}
    fn stole(&mut self, _victim: usize) {}
    fn wait(&mut self, _waits: u32) {
        if !(self.other_work)(self.me) {
            yield_now();
        }
    }
}

#[cfg(not(loom))]
fn yield_now() {
    std::thread::yield_now();
}
#[cfg(loom)]
fn yield_now() {
    loom::thread::yield_now();
}

fn no_other_work(_: usize) -> bool {
    false
}

fn slot_value(ranges: &Ranges, w: usize) -> (u32, u32) {
    unpack(ranges.slots[w].range.load(Ordering::Relaxed))
}

#[cfg(not(loom))]
mod sequential {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    #[test]
    fn a_slot_value_recurs_and_still_means_the_same_offsets() {
        // The sequence of the README's ABA argument: give-back grows a slot, so
        // (14, 20) is seen twice, both times as the unclaimed set [14, 20).
        let ranges = Ranges::from_ranges([(10, 20)].into_iter());
        assert_eq!(ranges.take_front(0, 4), Some((10, 14)));
        assert_eq!(slot_value(&ranges, 0), (14, 20));
        ranges.give_back(0, 11, 14);
        assert_eq!(slot_value(&ranges, 0), (11, 20));
        assert_eq!(ranges.take_front(0, 1), Some((11, 12)));
        assert_eq!(ranges.take_front(0, 2), Some((12, 14)));
        assert_eq!(slot_value(&ranges, 0), (14, 20));
        // A thief that read (14, 20) before all this and CASes now takes the
        // back half of exactly the offsets that are unclaimed.
        let mut retries = 0;
        assert_eq!(ranges.steal_back_half(0, &mut retries), Some((17, 20)));
        assert_eq!(retries, 0);
    }

    #[test]
    fn a_lone_participant_runs_everything_in_order() {
        let ranges = Ranges::new(100, 1);
        let mut host = TestHost {
            me: 0,
            parts: 1,
            batch: 7,
            other_work: &no_other_work,
        };
        let mut ran = Vec::new();
        let tally = participate_with(&ranges, 0, &mut host, |i| ran.push(i));
        assert_eq!(ran, (0..100).collect::<Vec<_>>());
        assert_eq!(tally.tasks, 100);
    }

    #[test]
    fn a_panicking_task_gives_back_the_rest_of_its_batch() {
        let ranges = Ranges::from_ranges([(0, 20), (20, 20)].into_iter());
        let mut host = TestHost {
            me: 0,
            parts: 2,
            batch: 8,
            other_work: &no_other_work,
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            participate_with(&ranges, 0, &mut host, |i| {
                if i == 3 {
                    panic!("boom: task 3");
                }
            })
        }));
        assert!(result.is_err());
        // The batch was [0, 8): 0..=3 started, [4, 20) is unclaimed again and
        // nobody waits for a give-back.
        assert_eq!(slot_value(&ranges, 0), (4, 20));
        assert!(!ranges.slots[0].in_batch.load(Ordering::Relaxed));
        // The other participant runs the rest and leaves.
        let mut thief = TestHost {
            me: 1,
            parts: 2,
            batch: 8,
            other_work: &no_other_work,
        };
        let mut ran = Vec::new();
        participate_with(&ranges, 1, &mut thief, |i| ran.push(i));
        ran.sort_unstable();
        assert_eq!(ran, (4..20).collect::<Vec<_>>());
    }
}

#[cfg(loom)]
mod models;

//! `Schedule::Adaptive`: lazy range splitting.
//!
//! The protocol, why every offset is claimed exactly once, and why every
//! participant leaves are in `adaptive/README.md`; the short version:
//! participant `w` owns a slot holding the offsets `[start, end)` it has not
//! handed out yet, packed into one atomic word. The owner claims *batches*
//! from the front, a thief the back half, each with a CAS on the whole word. A
//! thief that finds every slot empty while an owner runs a batch of two or more
//! offsets asks it (the `request` flag, read once per index) to give back the
//! unstarted rest; while it waits it runs other jobs, so a task that waits for
//! the thief (a nested loop addressed to it, a stolen `join` half) completes.
//! A [`Batch`] gives back what it did not start and clears `in_batch` when it
//! is dropped, also when a task's panic unwinds through it.
//!
//! The protocol runs on a [`Host`]: the pool's worker ([`participate`]) or a
//! test thread. Every atomic goes through [`crate::sync`], so the loom models
//! in `adaptive/tests/models.rs` check this exact code.

use crate::stats::bump;
use crate::sync::{AtomicBool, AtomicU64, Ordering};
use crate::worker::WorkerThread;
use crossbeam_utils::CachePadded;
use std::time::{Duration, Instant};

/// A batch faster than this doubles the next batch.
const GROW_BELOW: Duration = Duration::from_micros(16);
/// A batch slower than this shrinks the next one in proportion, to what would
/// have taken `GROW_BELOW` (so after a heavy task the batch is 1 at once).
const SHRINK_ABOVE: Duration = Duration::from_micros(64);
/// A thief waiting for a give-back with no other work to run yields this many
/// times, then sleeps.
const WAIT_YIELDS: u32 = 16;
/// How long a waiting thief sleeps between looks once it stopped yielding.
const WAIT_SLEEP: Duration = Duration::from_micros(20);
/// Upper bound on the batch size.
const MAX_BATCH: u32 = 4096;

/// The batch-sizing rule's constants, for models of the protocol (the simulator).
pub mod params {
    use std::time::Duration;
    /// A batch faster than this doubles the next batch.
    pub const GROW_BELOW: Duration = super::GROW_BELOW;
    /// A batch slower than this shrinks the next one to what would have taken `GROW_BELOW`.
    pub const SHRINK_ABOVE: Duration = super::SHRINK_ABOVE;
    /// Upper bound on the batch size.
    pub const MAX_BATCH: u32 = super::MAX_BATCH;
    /// A waiting thief yields this many times, then sleeps.
    pub const WAIT_YIELDS: u32 = super::WAIT_YIELDS;
    /// How long a waiting thief sleeps between looks once it stopped yielding.
    pub const WAIT_SLEEP: Duration = super::WAIT_SLEEP;
}

/// The most offsets one call can hold (longer loops are run in windows).
pub(crate) const MAX_LEN: usize = u32::MAX as usize;

fn pack(start: u32, end: u32) -> u64 {
    (u64::from(start) << 32) | u64::from(end)
}

fn unpack(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}

/// One participant's slot. The range word is CAS'd by its owner (take,
/// give-back) and by thieves (split); `in_batch` is written by the owner only,
/// `request` by thieves (set) and the owner (clear). All on one cache line,
/// which thieves touch anyway when they probe the range.
struct Slot {
    /// Packed `(start, end)` of offsets not handed out yet.
    range: AtomicU64,
    /// The owner is running a claimed batch of at least two offsets.
    in_batch: AtomicBool,
    /// A thief found nothing to steal and asks the owner to give back the
    /// unstarted rest of its batch.
    request: AtomicBool,
}

/// One range slot per participant, each on its own cache line.
pub(crate) struct Ranges {
    slots: Box<[CachePadded<Slot>]>,
}

impl Ranges {
    /// Splits `0..len` into `parts` contiguous, near-equal ranges.
    pub(crate) fn new(len: usize, parts: usize) -> Self {
        assert!(len <= MAX_LEN);
        let (len, parts) = (len as u64, parts as u64);
        Self::from_ranges((0..parts).map(|w| {
            let (s, e) = (len * w / parts, len * (w + 1) / parts);
            (s as u32, e as u32)
        }))
    }

    /// One slot per range, in order (the ranges must not overlap).
    fn from_ranges(ranges: impl Iterator<Item = (u32, u32)>) -> Self {
        Ranges {
            slots: ranges
                .map(|(s, e)| {
                    CachePadded::new(Slot {
                        range: AtomicU64::new(pack(s, e)),
                        in_batch: AtomicBool::new(false),
                        request: AtomicBool::new(false),
                    })
                })
                .collect(),
        }
    }

    /// Owner take: up to `k` offsets from the front of slot `w`.
    fn take_front(&self, w: usize, k: u32) -> Option<(u32, u32)> {
        let slot = &self.slots[w].range;
        let mut cur = slot.load(Ordering::Acquire);
        loop {
            let (s, e) = unpack(cur);
            if s >= e {
                return None;
            }
            // At most half of what is left, so thieves always find the other
            // half without waiting for the owner (the give-back covers the rest).
            let taken_end = s + k.min((e - s) / 2).max(1);
            match slot.compare_exchange_weak(
                cur,
                pack(taken_end, e),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some((s, taken_end)),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Owner give-back: the unstarted rest `[from, batch_end)` of its batch goes
    /// back to the front of slot `w`. The slot's start is still `batch_end`
    /// (only the owner moves starts; thieves only lower ends, never below the
    /// start), so the result is the contiguous range `[from, end)`.
    fn give_back(&self, w: usize, from: u32, batch_end: u32) {
        let slot = &self.slots[w].range;
        let mut cur = slot.load(Ordering::Acquire);
        loop {
            let (s, e) = unpack(cur);
            debug_assert_eq!(s, batch_end);
            match slot.compare_exchange_weak(
                cur,
                pack(from, e.max(s)),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Thief split: the back half of slot `victim`. Counts failed CASes in `retries`.
    fn steal_back_half(&self, victim: usize, retries: &mut u64) -> Option<(u32, u32)> {
        let slot = &self.slots[victim].range;
        let mut cur = slot.load(Ordering::Acquire);
        loop {
            let (s, e) = unpack(cur);
            if s >= e {
                return None;
            }
            let mid = s + (e - s) / 2;
            match slot.compare_exchange_weak(cur, pack(s, mid), Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some((mid, e)),
                Err(actual) => {
                    *retries += 1;
                    cur = actual;
                }
            }
        }
    }

    /// Puts a stolen range into the thief's own (empty) slot.
    fn install(&self, w: usize, range: (u32, u32)) {
        debug_assert!({
            let (s, e) = unpack(self.slots[w].range.load(Ordering::Relaxed));
            s >= e
        });
        self.slots[w]
            .range
            .store(pack(range.0, range.1), Ordering::Release);
    }

    /// Asks every owner among `victims` that runs a batch to give back its
    /// rest. Returns whether any does (then a give-back may still come).
    fn ask_for_give_back(&self, victims: impl Iterator<Item = usize>) -> bool {
        let mut busy = false;
        for victim in victims {
            let slot = &self.slots[victim];
            if slot.in_batch.load(Ordering::Relaxed) {
                busy = true;
                // Write only if unset, so that waiting thieves do not keep
                // taking the owner's cache line from it.
                if !slot.request.load(Ordering::Relaxed) {
                    slot.request.store(true, Ordering::Relaxed);
                }
            }
        }
        busy
    }
}

/// The offsets `[next, end)` an owner claimed and has not started yet: a batch
/// from the front of its slot, or the first offset of a range it stole (the
/// rest of which it installed in its slot). Dropping it, on the normal path or
/// while a task's panic unwinds through [`Batch::run`], gives the unstarted
/// rest back to the slot and clears `in_batch`, so no thief waits for an
/// owner that has left.
struct Batch<'a> {
    ranges: &'a Ranges,
    /// The owner.
    w: usize,
    /// The next offset to run.
    next: u32,
    /// One past the batch's last offset (the slot's start while the batch runs).
    end: u32,
}

impl<'a> Batch<'a> {
    /// Claims up to `k` offsets from the front of slot `w`.
    fn claim(ranges: &'a Ranges, w: usize, k: u32) -> Option<Self> {
        let (next, end) = ranges.take_front(w, k)?;
        if end - next > 1 {
            ranges.slots[w].in_batch.store(true, Ordering::Relaxed);
        }
        Some(Batch {
            ranges,
            w,
            next,
            end,
        })
    }

    /// Runs the batch until its end, or until a thief asks for the rest.
    /// Returns how many offsets ran and whether the rest was given back.
    fn run(mut self, run: &mut impl FnMut(usize)) -> (u32, bool) {
        let slot = &self.ranges.slots[self.w];
        let first = self.next;
        while self.next < self.end {
            let offset = self.next;
            self.next += 1;
            run(offset as usize);
            // One relaxed load of our own line per index: the only cost of
            // lazy splitting while nobody asks.
            if slot.request.load(Ordering::Relaxed) {
                slot.request.store(false, Ordering::Relaxed);
                break;
            }
        }
        (self.next - first, self.next < self.end)
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.next < self.end {
            self.ranges.give_back(self.w, self.next, self.end);
        }
        // Whether a thief sees the rest before it sees the flag clear does not
        // matter: on the normal path the owner goes on to claim from its slot,
        // and after a panic the rest is what others may run (README, Panics).
        self.ranges.slots[self.w]
            .in_batch
            .store(false, Ordering::Relaxed);
    }
}

/// What the protocol needs from the thread that runs a participant: victims,
/// batch sizes, and what to do while waiting for a give-back.
pub(crate) trait Host {
    /// The other participants, in the order to try them.
    fn victims(&self) -> impl Iterator<Item = usize> + '_;
    /// How many offsets the owner's next batch may claim (at least 1).
    fn batch_size(&self) -> u32;
    /// A batch ended: all of it ran, or the owner gave back the rest.
    fn batch_ended(&mut self, gave_back: bool);
    /// The participant took a range from `victim`'s slot (and installed its
    /// rest in its own).
    fn stole(&mut self, victim: usize);
    /// Every slot was empty and some owner runs a batch (the `waits`-th time in
    /// a row): run some other job, or back off. Must return, so that the
    /// participant looks at the slots again.
    fn wait(&mut self, waits: u32);
}

/// What one participant did, for the worker's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Offsets this participant ran.
    pub(crate) tasks: u64,
    /// Slots probed for a steal.
    pub(crate) steal_attempts: u64,
    /// Probes that took a range.
    pub(crate) steal_successes: u64,
    /// Failed CASes while splitting.
    pub(crate) steal_retries: u64,
    /// Offsets in the ranges taken.
    pub(crate) tasks_stolen: u64,
}

/// Participant `w`'s loop: run batches from its own slot; when it is empty,
/// steal the back half of another slot; leave when every slot is empty and no
/// owner runs a batch it could give back. `run(offset)` runs one index.
pub(crate) fn participate_with<H: Host>(
    ranges: &Ranges,
    w: usize,
    host: &mut H,
    mut run: impl FnMut(usize),
) -> Tally {
    let mut tally = Tally::default();
    loop {
        let batch = match Batch::claim(ranges, w, host.batch_size()) {
            Some(batch) => batch,
            None => match steal_or_wait(ranges, w, host, &mut tally) {
                Some((first, victim)) => {
                    host.stole(victim);
                    first
                }
                None => return tally,
            },
        };
        let (ran, gave_back) = batch.run(&mut run);
        tally.tasks += u64::from(ran);
        host.batch_ended(gave_back);
    }
}

/// Own slot empty: steals the back half of another slot, installs all of it
/// but its first offset in our slot and returns that offset as a batch of one
/// (so every steal runs an offset before its range can be stolen on); or,
/// finding every slot empty, waits while an owner runs a batch, asking it for
/// the rest. `None` once every slot was empty and no owner ran a batch; else the
/// batch and the victim.
fn steal_or_wait<'a, H: Host>(
    ranges: &'a Ranges,
    w: usize,
    host: &mut H,
    tally: &mut Tally,
) -> Option<(Batch<'a>, usize)> {
    let mut waits = 0u32;
    loop {
        for victim in host.victims() {
            tally.steal_attempts += 1;
            if let Some((s, e)) = ranges.steal_back_half(victim, &mut tally.steal_retries) {
                tally.steal_successes += 1;
                tally.tasks_stolen += u64::from(e - s);
                if e - s > 1 {
                    ranges.install(w, (s + 1, e));
                }
                let first = Batch {
                    ranges,
                    w,
                    next: s,
                    end: s + 1,
                };
                return Some((first, victim));
            }
        }
        if !ranges.ask_for_give_back(host.victims()) {
            return None;
        }
        waits = waits.saturating_add(1);
        host.wait(waits);
    }
}

/// The pool's host: a worker thread, batches sized by time, and waits that
/// run the worker's other jobs.
struct WorkerHost<'a> {
    wt: &'a WorkerThread,
    /// Size of the next batch: doubles while batches are fast, shrinks when slow.
    batch: u32,
    /// When the last batch ended (or the last steal was installed).
    last: Instant,
}

impl Host for WorkerHost<'_> {
    fn victims(&self) -> impl Iterator<Item = usize> + '_ {
        self.wt.victims()
    }

    fn batch_size(&self) -> u32 {
        self.batch
    }

    fn batch_ended(&mut self, gave_back: bool) {
        let now = Instant::now();
        let took = now.duration_since(self.last);
        self.last = now;
        if gave_back {
            // A thief found nothing else: start small again.
            self.batch = 1;
        } else if took < GROW_BELOW {
            self.batch = (self.batch * 2).min(MAX_BATCH);
        } else if took > SHRINK_ABOVE {
            let scaled = u128::from(self.batch) * GROW_BELOW.as_nanos() / took.as_nanos();
            self.batch = (scaled as u32).max(1);
        }
        // A call addressed to this worker alone (a nested `Static` block, say)
        // waits for it: run it between batches, not after our whole share. One
        // look at our inbox per batch; its time is not the next batch's.
        if !self.wt.shared.inboxes[self.wt.index].is_empty() && self.wt.run_inbox() {
            self.last = Instant::now();
        }
    }

    fn stole(&mut self, victim: usize) {
        self.batch = 1;
        self.wt.shared.stole(self.wt.index, victim);
        self.last = Instant::now();
    }

    fn wait(&mut self, waits: u32) {
        // The owner answers at its next index boundary, unless its task waits
        // for us (a nested loop addressed to us, a `join` half in our reach):
        // so run what there is, as `WorkerThread::wait_until` does.
        if let Some(job) = self.wt.find_work() {
            // SAFETY: `find_work` took `job` out of a queue, so no one else runs it.
            unsafe { job.execute() };
            return;
        }
        // Nothing else to do, and the owner may be descheduled (a loaded
        // machine): do not burn the core waiting.
        self.wt.went_idle();
        if waits <= WAIT_YIELDS {
            std::thread::yield_now();
        } else {
            std::thread::sleep(WAIT_SLEEP);
        }
        self.wt.went_busy();
    }
}

/// Participant `w` of an Adaptive call on worker `wt`; `run(offset)` runs one
/// index. Returns the number run.
pub(crate) fn participate(
    ranges: &Ranges,
    wt: &WorkerThread,
    w: usize,
    run: impl FnMut(usize),
) -> u64 {
    let mut host = WorkerHost {
        wt,
        batch: 1,
        last: Instant::now(),
    };
    let tally = participate_with(ranges, w, &mut host, run);
    let c = wt.counters();
    bump(&c.steal_attempts, tally.steal_attempts);
    bump(&c.steal_successes, tally.steal_successes);
    bump(&c.steal_retries, tally.steal_retries);
    bump(&c.tasks_stolen, tally.tasks_stolen);
    tally.tasks
}

#[cfg(test)]
mod tests;

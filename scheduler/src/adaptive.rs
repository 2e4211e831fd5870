//! `Schedule::Adaptive`: lazy range splitting.
//!
//! Each participant `w` owns a slot holding the half-open range `[start, end)` of
//! loop offsets it has not handed out yet, packed into one `AtomicU64`
//! (`start << 32 | end`). The owner takes from the front, a thief takes the back
//! half; both with a compare-and-swap on the whole word, so every offset leaves a
//! slot exactly once, to exactly one taker:
//!
//! * **owner take**: `(s, e) → (s + k, e)`, claims `[s, s + k)`;
//! * **thief split**: `(s, e) → (s, m)` with `m = s + (e - s) / 2`, claims `[m, e)`
//!   (for a single remaining offset `m = s`: the thief takes it);
//! * **install**: a participant whose slot is empty stores the range it just
//!   stole into its own slot (plain store: nobody else writes an empty slot,
//!   because thieves skip empty slots and only their successful CAS writes).
//!
//! Offsets are never put back, and every write but `install` is a successful CAS
//! against the value just read, so a slot only ever shrinks between installs;
//! an install only happens on an empty slot and brings offsets nobody else holds.
//! Hence no ABA: a non-empty value `(s, e)` can only reappear if the offsets
//! `[s, e)` were unclaimed again, which never happens.
//!
//! **Termination.** A participant leaves when its slot is empty and a pass over
//! all other slots found them empty. Offsets a thief holds between its CAS and
//! its install belong to a participant that has not left and will run them; and
//! a slot only gains offsets by its own participant's install. So when the last
//! participant leaves, every offset has been run. (The caller's latch counts
//! participants, so it returns only after all have left.)
//!
//! **Cost.** Taking one offset at a time would cost a locked CAS (~5–10 ns) per
//! index. The owner instead takes a *batch* of `k` offsets per CAS, and sizes `k`
//! by time: `k` doubles while a batch takes under [`GROW_BELOW`] and halves above
//! [`SHRINK_ABOVE`], starting at 1 and again after every steal. So for tiny tasks
//! the CAS and the clock read are shared by hundreds of indices, while for heavy
//! tasks `k` stays 1: what a thief cannot take is at most the owner's current
//! batch, a few microseconds of work (or one task). There is no allocation per
//! index or per steal; the slots are allocated once per call.

use crate::stats::bump;
use crate::worker::WorkerThread;
use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A batch faster than this doubles the next batch.
const GROW_BELOW: Duration = Duration::from_micros(2);
/// A batch slower than this halves the next batch.
const SHRINK_ABOVE: Duration = Duration::from_micros(8);
/// Upper bound on the batch size.
const MAX_BATCH: u32 = 4096;

/// The most offsets one call can hold (longer loops are run in windows).
pub(crate) const MAX_LEN: usize = u32::MAX as usize;

fn pack(start: u32, end: u32) -> u64 {
    (u64::from(start) << 32) | u64::from(end)
}

fn unpack(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}

/// One range slot per participant, each on its own cache line.
pub(crate) struct Ranges {
    slots: Box<[CachePadded<AtomicU64>]>,
}

impl Ranges {
    /// Splits `0..len` into `parts` contiguous, near-equal ranges.
    pub(crate) fn new(len: usize, parts: usize) -> Self {
        assert!(len <= MAX_LEN);
        let (len, parts) = (len as u64, parts as u64);
        Ranges {
            slots: (0..parts)
                .map(|w| {
                    let (s, e) = (len * w / parts, len * (w + 1) / parts);
                    CachePadded::new(AtomicU64::new(pack(s as u32, e as u32)))
                })
                .collect(),
        }
    }

    /// Owner take: up to `k` offsets from the front of slot `w`.
    fn take_front(&self, w: usize, k: u32) -> Option<(u32, u32)> {
        let slot = &self.slots[w];
        let mut cur = slot.load(Ordering::Acquire);
        loop {
            let (s, e) = unpack(cur);
            if s >= e {
                return None;
            }
            let taken_end = s + k.min(e - s);
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

    /// Thief split: the back half of slot `victim`. Counts failed CASes in `retries`.
    fn steal_back_half(&self, victim: usize, retries: &mut u64) -> Option<(u32, u32)> {
        let slot = &self.slots[victim];
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
            let (s, e) = unpack(self.slots[w].load(Ordering::Relaxed));
            s >= e
        });
        self.slots[w].store(pack(range.0, range.1), Ordering::Release);
    }
}

/// Participant `w`'s loop: run its own range, then steal halves until every
/// slot is empty. `run(offset)` runs one index. Returns the number run.
pub(crate) fn participate(
    ranges: &Ranges,
    wt: &WorkerThread,
    w: usize,
    mut run: impl FnMut(usize),
) -> u64 {
    let mut tasks = 0u64;
    let mut batch = 1u32;
    let mut last = Instant::now();
    let (mut attempts, mut successes, mut retries, mut stolen) = (0u64, 0u64, 0u64, 0u64);
    loop {
        if let Some((s, e)) = ranges.take_front(w, batch) {
            for offset in s..e {
                run(offset as usize);
            }
            tasks += u64::from(e - s);
            let now = Instant::now();
            let took = now.duration_since(last);
            last = now;
            if took < GROW_BELOW {
                batch = (batch * 2).min(MAX_BATCH);
            } else if took > SHRINK_ABOVE {
                batch = (batch / 2).max(1);
            }
            continue;
        }
        // Own slot empty: steal the back half of someone else's.
        let mut got = None;
        for victim in wt.victims() {
            attempts += 1;
            if let Some(range) = ranges.steal_back_half(victim, &mut retries) {
                got = Some(range);
                break;
            }
        }
        match got {
            Some(range) => {
                successes += 1;
                stolen += u64::from(range.1 - range.0);
                ranges.install(w, range);
                batch = 1;
                last = Instant::now();
            }
            None => break,
        }
    }
    let c = wt.counters();
    bump(&c.steal_attempts, attempts);
    bump(&c.steal_successes, successes);
    bump(&c.steal_retries, retries);
    bump(&c.tasks_stolen, stolen);
    tasks
}

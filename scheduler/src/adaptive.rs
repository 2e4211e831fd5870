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
//! **Termination.** A participant leaves when its slot is empty, a pass over
//! all other slots found them empty, and no other participant is running a
//! batch it could give back (below). Offsets a thief holds between its CAS and
//! its install belong to a participant that has not left and will run them; and
//! a slot only gains offsets by its own participant's install or give-back. So
//! when the last participant leaves, every offset has been run. (The caller's
//! latch counts participants, so it returns only after all have left.)
//!
//! **Cost.** Taking one offset at a time would cost a locked CAS (~5–10 ns) per
//! index. The owner instead takes a *batch* of `k` offsets per CAS, at most half
//! of what its slot holds, and sizes `k` by time: `k` doubles while a batch
//! takes under [`GROW_BELOW`] and shrinks in proportion above [`SHRINK_ABOVE`],
//! starting at 1 and again after every steal. So for tiny tasks the CAS and the
//! clock read are shared by hundreds of indices, while for heavy tasks `k` stays 1.
//!
//! **Give-back (lazy splitting of the batch).** A batch was claimed before its
//! cost was known: light tasks grow `k`, and the next batch may hold heavy ones.
//! So the owner, after each index, loads its slot's `request` flag (one relaxed
//! load of its own cache line, the only per-index cost). A thief that finds
//! every slot empty while some owner is `in_batch` sets that owner's flag and
//! looks again; the owner then puts the unstarted rest `[i + 1, batch_end)` back
//! at the front of its slot with a CAS (contiguous, because only the owner moves
//! a slot's start and thieves only lower its end), where the thief can split it.
//! What a thief can never take is the one index an owner is running.
//! There is no allocation per index or per steal; the slots are allocated once
//! per call.

use crate::stats::bump;
use crate::worker::WorkerThread;
use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A batch faster than this doubles the next batch.
const GROW_BELOW: Duration = Duration::from_micros(16);
/// A batch slower than this shrinks the next one in proportion, to what would
/// have taken `GROW_BELOW` (so after a heavy task the batch is 1 at once).
const SHRINK_ABOVE: Duration = Duration::from_micros(64);
/// A thief waiting for a give-back yields this many times, then sleeps.
const WAIT_YIELDS: u32 = 16;
/// How long a waiting thief sleeps between looks once it stopped yielding.
const WAIT_SLEEP: Duration = Duration::from_micros(20);
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
        Ranges {
            slots: (0..parts)
                .map(|w| {
                    let (s, e) = (len * w / parts, len * (w + 1) / parts);
                    CachePadded::new(Slot {
                        range: AtomicU64::new(pack(s as u32, e as u32)),
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
}

/// Participant `w`'s loop: run its own range, then steal halves until every
/// slot is empty and nobody runs a batch it could give back. `run(offset)` runs
/// one index. Returns the number run.
pub(crate) fn participate(
    ranges: &Ranges,
    wt: &WorkerThread,
    w: usize,
    mut run: impl FnMut(usize),
) -> u64 {
    let mine = &ranges.slots[w];
    let mut tasks = 0u64;
    let mut batch = 1u32;
    let mut last = Instant::now();
    let (mut attempts, mut successes, mut retries, mut stolen) = (0u64, 0u64, 0u64, 0u64);
    'work: loop {
        if let Some((s, e)) = ranges.take_front(w, batch) {
            let mut end = e;
            if e - s > 1 {
                mine.in_batch.store(true, Ordering::Relaxed);
            }
            for offset in s..e {
                run(offset as usize);
                // One relaxed load of our own line per index: the only cost of
                // lazy splitting while nobody asks.
                if mine.request.load(Ordering::Relaxed) {
                    mine.request.store(false, Ordering::Relaxed);
                    if offset + 1 < e {
                        ranges.give_back(w, offset + 1, e);
                        end = offset + 1;
                        batch = 1;
                        break;
                    }
                }
            }
            mine.in_batch.store(false, Ordering::Relaxed);
            tasks += u64::from(end - s);
            let now = Instant::now();
            let took = now.duration_since(last);
            last = now;
            if end < e {
                // Gave back: start small again.
            } else if took < GROW_BELOW {
                batch = (batch * 2).min(MAX_BATCH);
            } else if took > SHRINK_ABOVE {
                let scaled = u128::from(batch) * GROW_BELOW.as_nanos() / took.as_nanos();
                batch = (scaled as u32).max(1);
            }
            continue;
        }
        // Own slot empty: steal the back half of someone else's; if every slot
        // is empty but someone runs a batch, ask for its rest and look again.
        let mut waits = 0u32;
        loop {
            for victim in wt.victims() {
                attempts += 1;
                if let Some(range) = ranges.steal_back_half(victim, &mut retries) {
                    successes += 1;
                    stolen += u64::from(range.1 - range.0);
                    ranges.install(w, range);
                    batch = 1;
                    last = Instant::now();
                    continue 'work;
                }
            }
            let mut busy = false;
            for victim in wt.victims() {
                let slot = &ranges.slots[victim];
                if slot.in_batch.load(Ordering::Relaxed) {
                    busy = true;
                    if !slot.request.load(Ordering::Relaxed) {
                        slot.request.store(true, Ordering::Relaxed);
                    }
                }
            }
            if !busy {
                break 'work;
            }
            // The owner answers at its next index boundary, unless it is
            // descheduled (a loaded machine): then do not burn the core waiting.
            waits += 1;
            if waits <= WAIT_YIELDS {
                std::thread::yield_now();
            } else {
                std::thread::sleep(WAIT_SLEEP);
            }
        }
    }
    let c = wt.counters();
    bump(&c.steal_attempts, attempts);
    bump(&c.steal_successes, successes);
    bump(&c.steal_retries, retries);
    bump(&c.tasks_stolen, stolen);
    tasks
}

//! `for_each_index` and its schedules.
//!
//! Every schedule runs on the same workers the same way: the call posts one
//! *participant* job to each worker's inbox (the calling worker, if any, runs its
//! own participant inline) and waits on a latch counting them. Participant `w`
//! then runs the schedule's rule for worker `w`, as each [`Schedule`] variant
//! says (the table of all of them is in `scheduler/README.md`, "Schedules").
//!
//! Because participants are addressed to workers, static schedules really pin
//! index blocks to workers, and the experiments can see their imbalance.
//!
//! For `Adaptive`, `Dynamic`, `Guided` and the `Dls` techniques any subset of participants can do all
//! the work, so the first participant to leave (no work left to hand out)
//! cancels those that have not started ([`Tickets`]): the call then returns
//! without waiting for a worker that is asleep or busy elsewhere.

use crate::adaptive::{self, Ranges};
use crate::builder::DequeOrder;
use crate::dls::{Dls, DlsLoop};
use crate::job::{JobRef, Panic};
use crate::latch::CountLatch;
use crate::pool::Pool;
use crate::stats::bump;
use crate::worker::{Caller, WorkerThread};
use crossbeam_utils::CachePadded;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

mod parse;
pub use parse::{ParseScheduleError, SCHEDULE_SYNTAX};

/// How `for_each_index` distributes indices over the workers.
///
/// Parameters of 0 are treated as 1 (a `Dls` technique's 0 is its default).
/// Parsing and display use the names the experiment configs and CSV files
/// use. Parsing also takes `OMP_SCHEDULE`'s spellings of the same schedules,
/// with a comma before the parameter: `static,1` is `static-cyclic`,
/// `dynamic,K` is `dynamic:K`, `guided,K` is `guided:K` (`dynamic` and
/// `guided` without one take OpenMP's default of 1, as ours do), and
/// LB4OMP's `fac2,K` and the like are `fac2:K`. Display always writes our
/// names, so `static,1` comes back as `static-cyclic`:
///
/// ```
/// use scheduler::Schedule;
/// let s: Schedule = "dynamic:16".parse().unwrap();
/// assert_eq!(s, Schedule::Dynamic { chunk: 16 });
/// assert_eq!(s.to_string(), "dynamic:16");
/// assert_eq!("guided".parse::<Schedule>().unwrap(), Schedule::Guided { min_chunk: 1 });
/// assert_eq!("dynamic,16".parse::<Schedule>().unwrap(), s);
/// assert_eq!("static,1".parse::<Schedule>().unwrap().to_string(), "static-cyclic");
/// assert_eq!("awf-b".parse::<Schedule>().unwrap().to_string(), "awf-b");
/// assert!("fastest".parse::<Schedule>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Schedule {
    /// Contiguous blocks of `ceil(n/p)` indices, block `w` on worker `w`
    /// (OpenMP `schedule(static)`, the seed posts' split).
    Static,
    /// Index `i` on worker `i mod p` (OpenMP `schedule(static, 1)`).
    StaticCyclic,
    /// Self-scheduling: workers take `chunk` indices at a time from a shared
    /// counter (OpenMP `schedule(dynamic, chunk)`, Python `Pool.map(chunksize)`).
    Dynamic {
        /// Indices per grab.
        chunk: usize,
    },
    /// Like `Dynamic` with shrinking chunks: `ceil(remaining / p)`, at least
    /// `min_chunk` (OpenMP `schedule(guided, min_chunk)`).
    Guided {
        /// Smallest chunk.
        min_chunk: usize,
    },
    /// Chunks of `grain` indices as tasks in the worker deques, distributed
    /// block-wise at the start, then stolen (one or half, per the pool setting).
    WorkStealing {
        /// Indices per task.
        grain: usize,
    },
    /// Range stealing with lazy splitting: each worker owns a range and takes
    /// from its front; a thief takes the back half of a victim's remaining range.
    /// No per-index allocation or queue operation. On a one-worker pool it
    /// runs as [`Schedule::Static`] (see [`Schedule::for_workers`]).
    #[default]
    Adaptive,
    /// One of LB4OMP's dynamic loop scheduling techniques: self-scheduling from
    /// a shared counter, with the technique's rule for the next chunk's size
    /// (the modules of `src/dls/` give each rule and its paper).
    Dls {
        /// The technique.
        technique: Dls,
        /// LB4OMP's chunk argument: the smallest chunk (TSS: the last chunk;
        /// RND: the largest); 0 when not given, which means 1 (RND: `ceil(n / 2p)`).
        chunk: usize,
    },
}

impl Schedule {
    /// One schedule of each kind, with default parameters; the stress tests
    /// iterate over it (with [`Schedule::with_param`]), so a new schedule
    /// listed here is tested with all the others.
    pub const ALL: [Schedule; 6 + Dls::ALL.len()] = all_schedules();

    /// This schedule with its parameter (chunk, minimum chunk, grain or DLS
    /// chunk argument) set to `param`; schedules without one are returned as
    /// they are.
    pub fn with_param(self, param: usize) -> Schedule {
        match self {
            Schedule::Dynamic { .. } => Schedule::Dynamic { chunk: param },
            Schedule::Guided { .. } => Schedule::Guided { min_chunk: param },
            Schedule::WorkStealing { .. } => Schedule::WorkStealing { grain: param },
            Schedule::Dls { technique, .. } => Schedule::Dls {
                technique,
                chunk: param,
            },
            other => other,
        }
    }

    /// The schedule a call on a pool of `workers` workers really runs:
    /// `Adaptive` alone (one worker) has nobody to split its range with, so
    /// its batches, clock reads and per-index request checks would only cost
    /// (measured in `docs/HISTORY.md`, session 8), and it runs as `Static`'s
    /// one block. Every other schedule, and `Adaptive` on two or more workers,
    /// is itself.
    ///
    /// ```
    /// use scheduler::Schedule;
    /// assert_eq!(Schedule::Adaptive.for_workers(1), Schedule::Static);
    /// assert_eq!(Schedule::Adaptive.for_workers(2), Schedule::Adaptive);
    /// let dynamic = Schedule::Dynamic { chunk: 4 };
    /// assert_eq!(dynamic.for_workers(1), dynamic);
    /// ```
    pub fn for_workers(self, workers: usize) -> Schedule {
        match self {
            Schedule::Adaptive if workers <= 1 => Schedule::Static,
            other => other,
        }
    }
}

/// [`Schedule::ALL`]: ours, then every [`Dls`] technique.
const fn all_schedules() -> [Schedule; 6 + Dls::ALL.len()] {
    let mut all = [Schedule::Static; 6 + Dls::ALL.len()];
    all[1] = Schedule::StaticCyclic;
    all[2] = Schedule::Dynamic { chunk: 1 };
    all[3] = Schedule::Guided { min_chunk: 1 };
    all[4] = Schedule::WorkStealing { grain: 1 };
    all[5] = Schedule::Adaptive;
    let mut i = 0;
    while i < Dls::ALL.len() {
        all[6 + i] = Schedule::Dls {
            technique: Dls::ALL[i],
            chunk: 0,
        };
        i += 1;
    }
    all
}

/// What a `for_each_index` task knows about where it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskCtx {
    worker: usize,
}

impl TaskCtx {
    /// Index (`0..num_workers`) of the worker running this task; use it to keep
    /// per-worker records without sharing.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
    /// let per_worker: Vec<AtomicUsize> = (0..2).map(|_| AtomicUsize::new(0)).collect();
    /// pool.for_each_index(0..100, scheduler::Schedule::Static, |ctx, _| {
    ///     per_worker[ctx.worker_index()].fetch_add(1, Ordering::Relaxed);
    /// });
    /// assert_eq!(per_worker[0].load(Ordering::Relaxed), 50);
    /// ```
    pub fn worker_index(&self) -> usize {
        self.worker
    }
}

/// The state of one `for_each_index` call; lives on the caller's stack.
struct LoopCall<'f, F> {
    /// The task body, shared by every worker.
    body: &'f F,
    /// First index of the range.
    start: usize,
    /// Number of indices.
    len: usize,
    /// Number of participants (= pool workers).
    parts: usize,
    schedule: Schedule,
    /// Dynamic / Guided: next unclaimed offset (fetch_add / CAS by participants).
    next: CachePadded<AtomicUsize>,
    /// Adaptive: one range slot per participant.
    ranges: Option<Ranges>,
    /// Dls: the technique's counters and measurements.
    dls: Option<DlsLoop>,
    /// Outstanding participants and work-stealing chunks.
    latch: CountLatch,
    /// First panic of a task of this call.
    panic: Mutex<Option<Panic>>,
}

impl<F: Fn(&TaskCtx, usize) + Sync> LoopCall<'_, F> {
    /// Runs participant `w` on worker `wt`; returns the number of tasks run.
    fn participate(&self, wt: &WorkerThread, w: usize) -> u64 {
        let ctx = TaskCtx { worker: wt.index };
        let (start, len, p) = (self.start, self.len, self.parts);
        let run = |i: usize| (self.body)(&ctx, start + i);
        match self.schedule {
            Schedule::Static => {
                let (lo, hi) = block_bounds(w, len.div_ceil(p), len);
                (lo..hi).for_each(run);
                (hi - lo) as u64
            }
            Schedule::StaticCyclic => {
                let mut n = 0;
                for i in (w..len).step_by(p) {
                    run(i);
                    n += 1;
                }
                n
            }
            Schedule::Dynamic { chunk } => self.run_dynamic(chunk, run),
            Schedule::Guided { min_chunk } => self.run_guided(min_chunk, run),
            Schedule::WorkStealing { grain } => {
                self.push_chunks(wt, w, grain);
                0
            }
            Schedule::Adaptive => {
                let ranges = self.ranges.as_ref().expect("adaptive call without ranges");
                adaptive::participate(ranges, wt, w, run)
            }
            Schedule::Dls { .. } => {
                let dls = self.dls.as_ref().expect("DLS call without its state");
                dls.participate(w, run)
            }
        }
    }

    /// `Dynamic`: chunks of `chunk` offsets from the shared counter until it
    /// passes the end.
    fn run_dynamic(&self, chunk: usize, run: impl Fn(usize)) -> u64 {
        let (len, p) = (self.len, self.parts);
        let chunk = chunk.clamp(1, len);
        // The counter ends at most one chunk per participant past the last
        // chunk handed out. Where that could wrap (ranges near `usize::MAX`
        // long), grab with a compare-and-swap that stops at `len` instead.
        let may_wrap = (p + 1)
            .checked_mul(chunk)
            .and_then(|past| past.checked_add(len))
            .is_none();
        let mut n = 0;
        loop {
            let lo = if may_wrap {
                let grab = |lo: usize| (lo < len).then(|| lo + chunk.min(len - lo));
                let grabbed = self
                    .next
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, grab);
                grabbed.unwrap_or(len)
            } else {
                self.next.fetch_add(chunk, Ordering::Relaxed)
            };
            if lo >= len {
                return n;
            }
            let hi = lo.saturating_add(chunk).min(len);
            (lo..hi).for_each(&run);
            n += (hi - lo) as u64;
        }
    }

    /// `Guided`: chunks of `max(min_chunk, ceil(remaining / p))` offsets from
    /// the shared counter until it reaches the end.
    fn run_guided(&self, min_chunk: usize, run: impl Fn(usize)) -> u64 {
        let (len, p) = (self.len, self.parts);
        let min_chunk = min_chunk.max(1);
        let mut n = 0;
        let mut lo = self.next.load(Ordering::Relaxed);
        loop {
            if lo >= len {
                return n;
            }
            let size = (len - lo).div_ceil(p).max(min_chunk).min(len - lo);
            match self.next.compare_exchange_weak(
                lo,
                lo + size,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    (lo..lo + size).for_each(&run);
                    n += size as u64;
                    lo = self.next.load(Ordering::Relaxed);
                }
                Err(actual) => lo = actual,
            }
        }
    }

    /// `WorkStealing`: pushes the `grain`-sized chunk jobs of block `w` onto
    /// this worker's deque (they run from there, here or stolen) and counts
    /// them in the call's latch.
    fn push_chunks(&self, wt: &WorkerThread, w: usize, grain: usize) {
        let (len, p) = (self.len, self.parts);
        let grain = clamp_grain(grain, len);
        let chunks = len.div_ceil(grain);
        let (lo, hi) = block_bounds(w, chunks.div_ceil(p).saturating_mul(grain), len);
        let count = (hi - lo).div_ceil(grain);
        if count == 0 {
            return;
        }
        // Counted before pushing: this participant still holds its own count,
        // so the latch cannot reach zero in between.
        self.latch.increment(count);
        let starts = (lo..hi).step_by(grain);
        let data = self as *const Self as *const ();
        // SAFETY: a chunk runs at most once (deques hand each job out once)
        // while the call waits on the latch, which counts it; the body is Sync.
        let chunk = |c: usize| unsafe { JobRef::new(data, c, run_chunk::<F>) };
        // Push so that the owner's own pops go in ascending order.
        match wt.shared.deque_order {
            DequeOrder::Lifo => starts.rev().for_each(|c| wt.deque.push(chunk(c))),
            DequeOrder::Fifo => starts.for_each(|c| wt.deque.push(chunk(c))),
        }
        wt.shared.sleep.notify_jobs(count.min(p - 1));
    }

    fn store_panic(&self, p: Panic) {
        self.panic
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(p);
    }
}

/// Offsets `lo..hi` of block `w` when `0..len` is cut into blocks of `block`
/// offsets: empty for blocks past the end, and no wrap-around for any sizes.
fn block_bounds(w: usize, block: usize, len: usize) -> (usize, usize) {
    let lo = w.saturating_mul(block).min(len);
    let hi = lo.saturating_add(block).min(len);
    (lo, hi)
}

/// The `WorkStealing` grain as the call uses it: at least 1, at most the
/// range's length `len` (a bigger grain means one chunk all the same).
fn clamp_grain(grain: usize, len: usize) -> usize {
    grain.clamp(1, len.max(1))
}

/// A participant's ticket states (see [`Tickets`]).
const PENDING: u8 = 0;
const RUNNING: u8 = 1;
const CANCELLED: u8 = 2;

/// The participants' tickets of one call, on the heap so that a participant
/// job can outlive the call: once the work of an `Adaptive`, `Dynamic` or
/// `Guided` call is all handed out, the first participant to leave cancels the
/// ones that have not started (their workers may be busy or still waking up),
/// so the caller need not wait for them. A participant runs only if it moves
/// its ticket from PENDING to RUNNING; a cancelled one just drops its ticket
/// when its worker gets to it. Each queued participant job owns one `Arc` count.
///
/// Where this memory is freed matters to the *tasks*: glibc's allocator keeps
/// a per-thread cache (tcache) of freed blocks and hands them out again to that
/// thread whatever thread allocated them. When workers freed the tickets of
/// calls made from the main thread, each kept blocks of the main thread's heap
/// in its cache; their next small allocations (a task's `Vec`, say) then landed
/// in one cache line with another thread's, and allocation-heavy tiny tasks
/// were slower on those workers for the rest of the pool's life (how it was
/// found and measured: `docs/HISTORY.md`). Hence two rules: a participant drops
/// its count *before* its latch decrement, so the caller, which drops its count
/// only after the latch, frees the tickets on its own thread whenever every
/// participant ran; and both allocations are whole, aligned cache lines
/// (`align(128)`, [`CachePadded`] states), so a block a cancelled participant
/// does free cannot share a line with anyone's data when it is reused.
#[repr(align(128))]
struct Tickets {
    /// The `LoopCall` on the caller's stack; dereferenced only by a participant
    /// that won its ticket, which the call's latch waits for.
    call: *const (),
    /// One state per participant: PENDING → RUNNING (by the participant) or
    /// PENDING → CANCELLED (by a participant that left).
    states: Box<[CachePadded<AtomicU8>]>,
}

// SAFETY: `call` is only dereferenced under the ticket protocol above (the call
// is Sync: its body is Sync and the rest is atomics/Mutex); `states` are atomics.
unsafe impl Send for Tickets {}
// SAFETY: as above.
unsafe impl Sync for Tickets {}

/// Job entry point of participant `w`; `data` is an `Arc<Tickets>` count.
unsafe fn run_participant<F: Fn(&TaskCtx, usize) + Sync>(data: *const (), w: usize) {
    // SAFETY: `data` came from `Arc::into_raw` for this job, consumed once here.
    let tickets = unsafe { Arc::from_raw(data as *const Tickets) };
    if tickets.states[w]
        .compare_exchange(PENDING, RUNNING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return; // Cancelled: the call did not wait for us and may be gone.
    }
    let call = tickets.call as *const LoopCall<'_, F>;
    // SAFETY: participants only run on this pool's workers, whose CURRENT is set.
    let wt = unsafe { &*WorkerThread::current() };
    // SAFETY: we won our ticket, so the call's latch counts us and the call is
    // live until our decrement below.
    let call_ref = unsafe { &*call };
    let result = panic::catch_unwind(AssertUnwindSafe(|| call_ref.participate(wt, w)));
    let left_normally = match result {
        Ok(tasks) => {
            bump(&wt.counters().tasks, tasks);
            true
        }
        Err(p) => {
            call_ref.store_panic(p);
            false
        }
    };
    let optional = matches!(
        call_ref.schedule,
        Schedule::Adaptive
            | Schedule::Dynamic { .. }
            | Schedule::Guided { .. }
            | Schedule::Dls { .. }
    );
    if left_normally && optional {
        // We left because no work is left to hand out (see `adaptive.rs`,
        // "Termination"; for Dynamic/Guided/Dls the counter passed the end): an
        // unstarted participant would find nothing. Cancel them and count them
        // done. Our own count is still held, so the latch cannot be set here.
        for (v, state) in tickets.states.iter().enumerate() {
            if v != w
                && state
                    .compare_exchange(PENDING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                // SAFETY: the call is live (we hold our count).
                unsafe { CountLatch::decrement(std::ptr::addr_of!((*call).latch)) };
            }
        }
    }
    wt.flush_busy();
    // Our count goes before the latch, so the caller frees the tickets (see `Tickets`).
    drop(tickets);
    // SAFETY: as above (the call lives on the caller's stack, not in the
    // tickets); nothing touches `call` after this.
    unsafe { CountLatch::decrement(std::ptr::addr_of!((*call).latch)) };
}

/// Job entry point of a `WorkStealing` chunk starting at offset `lo`.
unsafe fn run_chunk<F: Fn(&TaskCtx, usize) + Sync>(data: *const (), lo: usize) {
    let call = data as *const LoopCall<'_, F>;
    // SAFETY: chunks only run on this pool's workers; the call is live until its
    // latch, which counts this chunk, is decremented below.
    let (wt, call_ref) = unsafe { (&*WorkerThread::current(), &*call) };
    let grain = match call_ref.schedule {
        Schedule::WorkStealing { grain } => clamp_grain(grain, call_ref.len),
        _ => unreachable!("chunk job of a non-work-stealing call"),
    };
    let hi = lo.saturating_add(grain).min(call_ref.len);
    let ctx = TaskCtx { worker: wt.index };
    let (body, start) = (call_ref.body, call_ref.start);
    match panic::catch_unwind(AssertUnwindSafe(|| {
        (lo..hi).for_each(|i| body(&ctx, start + i))
    })) {
        Ok(()) => bump(&wt.counters().tasks, (hi - lo) as u64),
        Err(p) => call_ref.store_panic(p),
    }
    // SAFETY: as above; nothing touches `call` after this.
    unsafe { CountLatch::decrement(std::ptr::addr_of!((*call).latch)) };
}

impl Pool {
    /// Runs `body(ctx, i)` for every `i` in `range`, distributed by `schedule`,
    /// and returns when all have run. `ctx.worker_index()` says which worker runs
    /// the task.
    ///
    /// If tasks panic, the first panic is re-raised here after every other task
    /// of the call has finished (indices not yet started when a worker's part
    /// panicked may be skipped). The pool stays usable.
    ///
    /// ```
    /// use scheduler::{Pool, Schedule};
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = Pool::builder().workers(2).build().unwrap();
    /// for schedule in ["static", "static-cyclic", "dynamic:4", "guided", "work-stealing:8", "adaptive"] {
    ///     let count = AtomicUsize::new(0);
    ///     pool.for_each_index(10..110, schedule.parse().unwrap(), |_, i| {
    ///         assert!((10..110).contains(&i));
    ///         count.fetch_add(1, Ordering::Relaxed);
    ///     });
    ///     assert_eq!(count.into_inner(), 100);
    /// }
    /// ```
    pub fn for_each_index<F>(&self, range: Range<usize>, schedule: Schedule, body: F)
    where
        F: Fn(&TaskCtx, usize) + Sync,
    {
        if range.is_empty() {
            return;
        }
        let schedule = schedule.for_workers(self.num_workers());
        if schedule == Schedule::Adaptive && range.len() > adaptive::MAX_LEN {
            // Range slots hold 32-bit offsets: run very long loops in windows.
            let mut lo = range.start;
            while lo < range.end {
                let hi = lo + (range.end - lo).min(adaptive::MAX_LEN);
                self.run_loop(lo..hi, schedule, &body);
                lo = hi;
            }
            return;
        }
        self.run_loop(range, schedule, &body);
    }

    /// One `for_each_index` call over at most [`adaptive::MAX_LEN`] indices
    /// (for `Adaptive`).
    fn run_loop<F>(&self, range: Range<usize>, schedule: Schedule, body: &F)
    where
        F: Fn(&TaskCtx, usize) + Sync,
    {
        let parts = self.num_workers();
        let caller = self.caller();
        let call = LoopCall {
            body,
            start: range.start,
            len: range.len(),
            parts,
            schedule,
            next: CachePadded::new(AtomicUsize::new(0)),
            ranges: (schedule == Schedule::Adaptive).then(|| Ranges::new(range.len(), parts)),
            dls: match schedule {
                Schedule::Dls { technique, chunk } => {
                    Some(DlsLoop::new(technique, chunk, range.len(), parts))
                }
                _ => None,
            },
            latch: CountLatch::new(parts, caller.waiter()),
            panic: Mutex::new(None),
        };
        let tickets = Arc::new(Tickets {
            call: &call as *const LoopCall<'_, F> as *const (),
            states: (0..parts)
                .map(|_| CachePadded::new(AtomicU8::new(PENDING)))
                .collect(),
        });
        // A worker of this pool runs its own participant here; every other
        // caller (outside thread or worker of another pool) posts all of them.
        let me = match caller {
            Caller::Own(wt) => Some(wt.index),
            Caller::Foreign(_) | Caller::Outside => None,
        };
        let others = (0..parts).filter(|&w| Some(w) != me);
        for w in others.clone() {
            let data = Arc::into_raw(tickets.clone()) as *const ();
            // SAFETY: participant `w` runs once (only worker `w` pops its inbox,
            // once); it owns one ticket count; it touches the call only if it
            // wins its ticket, and then this frame waits for it on the latch.
            self.shared.inboxes[w].push(unsafe { JobRef::new(data, w, run_participant::<F>) });
        }
        self.shared.sleep.notify_workers(others);
        if let Caller::Own(wt) = caller {
            let data = Arc::into_raw(tickets.clone()) as *const ();
            // SAFETY: as above, for our own participant, run right here.
            unsafe { run_participant::<F>(data, wt.index) };
        }
        caller.wait(&call.latch);
        drop(tickets);
        if let Some(p) = call.panic.into_inner().unwrap_or_else(|e| e.into_inner()) {
            panic::resume_unwind(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_names_round_trip() {
        let all = [
            Schedule::Static,
            Schedule::StaticCyclic,
            Schedule::Dynamic { chunk: 1 },
            Schedule::Dynamic { chunk: 16 },
            Schedule::Guided { min_chunk: 1 },
            Schedule::Guided { min_chunk: 4 },
            Schedule::WorkStealing { grain: 1 },
            Schedule::WorkStealing { grain: 8 },
            Schedule::Adaptive,
        ];
        for s in all.into_iter().chain(Schedule::ALL) {
            assert_eq!(s.to_string().parse::<Schedule>(), Ok(s), "{s}");
            let with = s.with_param(7);
            assert_eq!(with.to_string().parse::<Schedule>(), Ok(with), "{with}");
        }
        for technique in Dls::ALL {
            let name = technique.name();
            let s = Schedule::Dls {
                technique,
                chunk: 0,
            };
            assert!(
                Schedule::ALL.contains(&s),
                "{name} missing from Schedule::ALL"
            );
            assert_eq!(name.parse::<Schedule>(), Ok(s));
            assert_eq!(s.to_string(), name);
            let k = Schedule::Dls {
                technique,
                chunk: 4,
            };
            assert_eq!(format!("{name}:4").parse::<Schedule>(), Ok(k));
            assert_eq!(
                format!("{name},4").parse::<Schedule>(),
                Ok(k),
                "LB4OMP's spelling"
            );
            assert_eq!(k.to_string(), format!("{name}:4"));
        }
        let expect = [
            ("static", Schedule::Static),
            ("static-cyclic", Schedule::StaticCyclic),
            ("dynamic", Schedule::Dynamic { chunk: 1 }),
            ("dynamic:16", Schedule::Dynamic { chunk: 16 }),
            ("guided", Schedule::Guided { min_chunk: 1 }),
            ("guided:4", Schedule::Guided { min_chunk: 4 }),
            ("work-stealing", Schedule::WorkStealing { grain: 1 }),
            ("work-stealing:8", Schedule::WorkStealing { grain: 8 }),
            ("adaptive", Schedule::Adaptive),
        ];
        for (text, s) in expect {
            assert_eq!(text.parse::<Schedule>(), Ok(s), "{text}");
        }
        assert_eq!(Schedule::default(), Schedule::Adaptive);
        assert_eq!(Schedule::Dynamic { chunk: 1 }.to_string(), "dynamic:1");
        assert_eq!(
            Schedule::WorkStealing { grain: 1 }.to_string(),
            "work-stealing:1"
        );
    }

    #[test]
    fn omp_schedule_spellings_are_our_schedules() {
        // OpenMP's `dynamic` and `guided` default to a chunk of 1, as ours do.
        let same = [
            ("static", "static"),
            ("static,1", "static-cyclic"),
            ("dynamic", "dynamic:1"),
            ("dynamic,1", "dynamic:1"),
            ("dynamic,16", "dynamic:16"),
            (" dynamic, 16 ", "dynamic:16"),
            ("guided", "guided:1"),
            ("guided,4", "guided:4"),
            ("fac2,2", "fac2:2"),
        ];
        for (omp, ours) in same {
            let a = omp.parse::<Schedule>();
            assert_eq!(a, ours.parse::<Schedule>(), "{omp} vs {ours}");
            assert!(a.is_ok(), "{omp}: {a:?}");
        }
        // Display writes our names, never the comma form.
        assert_eq!(
            "static,1".parse::<Schedule>().unwrap().to_string(),
            "static-cyclic"
        );
        assert_eq!(
            "dynamic,8".parse::<Schedule>().unwrap().to_string(),
            "dynamic:8"
        );
        assert_eq!(
            "guided,1".parse::<Schedule>().unwrap().to_string(),
            "guided"
        );
        let err = "static,4".parse::<Schedule>().unwrap_err().to_string();
        assert!(
            err.contains("block-cyclic") && err.contains("static-cyclic"),
            "{err}"
        );
    }

    #[test]
    fn bad_schedule_names_say_what_is_allowed() {
        for bad in [
            "",
            "fastest",
            "dynamic:0",
            "dynamic:x",
            "static:4",
            "guided:-1",
            "adaptive:2",
            "Dynamic",
            "static,4",
            "static,0",
            "dynamic,0",
            "work-stealing,2",
            "adaptive,1",
            "tss:0",
            "fac2:x",
            "awf_b",
            "af,",
        ] {
            let err = bad.parse::<Schedule>().unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
            assert!(err.contains(SCHEDULE_SYNTAX), "{err}");
        }
        let err = "dynamic:0".parse::<Schedule>().unwrap_err().to_string();
        assert!(err.contains("at least 1"), "{err}");
    }

    #[cfg(not(loom))]
    #[test]
    fn static_gives_block_w_to_worker_w_and_cyclic_deals_round_robin() {
        let pool = Pool::builder().workers(3).build().unwrap();
        let owner: Vec<AtomicUsize> = (0..10).map(|_| AtomicUsize::new(usize::MAX)).collect();
        pool.for_each_index(0..10, Schedule::Static, |ctx, i| {
            owner[i].store(ctx.worker_index(), Ordering::Relaxed)
        });
        let got: Vec<usize> = owner.iter().map(|o| o.load(Ordering::Relaxed)).collect();
        assert_eq!(got, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
        pool.for_each_index(0..10, Schedule::StaticCyclic, |ctx, i| {
            owner[i].store(ctx.worker_index(), Ordering::Relaxed)
        });
        let got: Vec<usize> = owner.iter().map(|o| o.load(Ordering::Relaxed)).collect();
        assert_eq!(got, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    }

    #[cfg(not(loom))]
    #[test]
    fn adaptive_steals_from_a_slow_worker() {
        // Worker 1's half is slow; worker 0 must take part of it.
        let pool = Pool::builder().workers(2).build().unwrap();
        let ran_by_0_in_second_half = AtomicUsize::new(0);
        pool.for_each_index(0..200, Schedule::Adaptive, |ctx, i| {
            if i >= 100 {
                std::thread::sleep(std::time::Duration::from_micros(200));
                if ctx.worker_index() == 0 {
                    ran_by_0_in_second_half.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        assert!(ran_by_0_in_second_half.load(Ordering::Relaxed) > 10);
        let s = pool.stats();
        assert!(
            s.workers[0].steal_successes > 0 && s.workers[0].tasks_stolen > 10,
            "{s:?}"
        );
        assert_eq!(s.total().tasks, 200);
    }

    #[cfg(not(loom))]
    #[test]
    fn adaptive_thief_gets_heavy_tasks_behind_a_grown_batch() {
        // Worker 1's range is instant until its last 8 indices, which are slow:
        // its batch has grown large by then, and worker 0 must still get some of
        // the slow ones (give-back), not wait for worker 1 to run them all.
        let pool = Pool::builder().workers(2).build().unwrap();
        let slow_on_0 = AtomicUsize::new(0);
        pool.for_each_index(0..20_000, Schedule::Adaptive, |ctx, i| {
            if i >= 20_000 - 8 {
                std::thread::sleep(std::time::Duration::from_millis(5));
                if ctx.worker_index() == 0 {
                    slow_on_0.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        assert!(
            slow_on_0.load(Ordering::Relaxed) >= 1,
            "worker 0 ran none of the slow tail"
        );
    }

    #[cfg(not(loom))]
    #[test]
    fn nested_loops_do_not_wait_for_a_busy_worker() {
        // Worker 1 sleeps in a long task while worker 0 runs a nested loop:
        // with Adaptive, Dynamic, Guided and Dls the unstarted participant of worker 1
        // is cancelled once the work is handed out, so the nested loop returns
        // while worker 1 is still busy.
        use std::sync::atomic::AtomicBool;
        let pool = Pool::builder().workers(2).build().unwrap();
        for schedule in [
            Schedule::Adaptive,
            Schedule::Dynamic { chunk: 4 },
            Schedule::Guided { min_chunk: 1 },
            Schedule::Dls {
                technique: Dls::Fac2,
                chunk: 0,
            },
            Schedule::Dls {
                technique: Dls::Af,
                chunk: 0,
            },
        ] {
            let busy_done = AtomicBool::new(false);
            let returned_early = AtomicBool::new(false);
            let count = AtomicUsize::new(0);
            pool.for_each_index(0..2, Schedule::Static, |_, i| {
                if i == 1 {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    busy_done.store(true, Ordering::SeqCst);
                } else {
                    pool.for_each_index(0..1000, schedule, |_, _| {
                        count.fetch_add(1, Ordering::Relaxed);
                    });
                    returned_early.store(!busy_done.load(Ordering::SeqCst), Ordering::SeqCst);
                }
            });
            assert_eq!(count.load(Ordering::Relaxed), 1000);
            assert!(
                returned_early.load(Ordering::SeqCst),
                "{schedule}: nested loop waited for the busy worker"
            );
        }
    }

    #[cfg(not(loom))]
    #[test]
    fn adaptive_counts_steals() {
        let pool = Pool::builder().workers(2).build().unwrap();
        pool.for_each_index(0..200, Schedule::Adaptive, |_, i| {
            if i >= 100 {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        });
        let s = pool.stats();
        assert!(
            s.workers[0].steal_successes > 0 && s.workers[0].tasks_stolen > 10,
            "{s:?}"
        );
        assert_eq!(s.total().tasks, 200);
    }
}

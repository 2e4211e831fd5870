//! `adaptive`: the range-splitting protocol of `scheduler/src/adaptive.rs`,
//! step for step, on simulated time.
//!
//! Worker `w` owns slot `w`, first `[n·w/p, n·(w+1)/p)`. The owner claims a
//! batch from the front (at most half of what is left; the batch size doubles
//! while batches take under `GROW_BELOW`, shrinks in proportion above
//! `SHRINK_ABOVE`, restarts at 1 after a give-back or a steal: the scheduler's
//! own constants, [`scheduler::adaptive_params`]); a worker with an empty slot
//! probes the others (random start) and takes the back half of the first
//! non-empty one, runs its first offset and installs the rest in its own slot;
//! finding every slot empty, it asks every owner running a batch of two or more
//! to give back the unstarted rest: the owner sees the request at its next
//! index boundary, so its batch is cut after the task in progress when the
//! request lands; the thief yields (then sleeps `WAIT_SLEEP`) and looks again.
//! It leaves when every slot is empty and no owner runs a batch.
//! On one worker the pool runs `Static` instead (`Schedule::for_workers`), and
//! so does the simulator (`model_of`).

use scheduler::adaptive_params::{GROW_BELOW, MAX_BATCH, SHRINK_ABOVE, WAIT_SLEEP, WAIT_YIELDS};

use crate::engine::{Line, Model, Next, Sim};

/// A batch a worker runs: `lo..end`, started at `t0`; `cut` when a thief's
/// request shortened it.
#[derive(Debug, Clone, Copy)]
struct Batch {
    lo: usize,
    end: usize,
    t0: f64,
    cut: bool,
}

#[derive(Debug, Clone)]
struct Owner {
    /// Offsets not handed out: `[start, end)`.
    start: usize,
    end: usize,
    line: Line,
    batch_size: u32,
    last: f64,
    batch: Option<Batch>,
    waits: u32,
}

/// The model of an `adaptive` call.
pub struct Adaptive {
    slots: Vec<Owner>,
}

impl Adaptive {
    /// The slots of a call over `len` offsets on `workers` participants.
    pub fn new(len: usize, workers: usize) -> Adaptive {
        let (n, p) = (len as u64, workers as u64);
        let slots = (0..p)
            .map(|w| Owner {
                start: (n * w / p) as usize,
                end: (n * (w + 1) / p) as usize,
                line: Line::default(),
                batch_size: 1,
                last: f64::NAN,
                batch: None,
                waits: 0,
            })
            .collect();
        Adaptive { slots }
    }

    /// The end of worker `w`'s batch: tallies it and resizes the next one.
    fn end_batch(&mut self, sim: &mut Sim, w: usize, b: Batch) -> f64 {
        let end = sim.ran(w, b.lo, b.end, b.t0);
        let o = &mut self.slots[w];
        if b.cut {
            // Give-back: the slot's start is still the batch's old end (only the
            // owner moves starts, thieves only lower ends, never below the start),
            // so the unstarted rest and the slot make one range again.
            o.end = o.end.max(o.start);
            o.start = b.end;
        }
        let took = end - o.last;
        o.last = end;
        if b.cut {
            o.batch_size = 1;
        } else if took < GROW_BELOW.as_nanos() as f64 {
            o.batch_size = (o.batch_size * 2).min(MAX_BATCH);
        } else if took > SHRINK_ABOVE.as_nanos() as f64 {
            let scaled = f64::from(o.batch_size) * GROW_BELOW.as_nanos() as f64 / took;
            o.batch_size = (scaled as u32).max(1);
        }
        end
    }

    /// Owner take: up to the batch size from the front, at most half of what is left.
    fn claim(&mut self, sim: &mut Sim, w: usize, now: f64) -> Option<Batch> {
        let o = &mut self.slots[w];
        if o.start >= o.end {
            return None;
        }
        let t = sim.rmw(&mut o.line, w, now);
        let left = o.end - o.start;
        let k = (o.batch_size as usize).min(left / 2).max(1);
        let b = Batch {
            lo: o.start,
            end: o.start + k,
            t0: t,
            cut: false,
        };
        o.start += k;
        Some(b)
    }

    /// A thief's round: the back half of the first non-empty slot, or `Err(t)`.
    fn steal(&mut self, sim: &mut Sim, w: usize, now: f64) -> Result<Batch, f64> {
        let p = sim.workers();
        let first = sim.random_start(w);
        let mut t = now;
        for k in 0..p {
            let v = (first + k) % p;
            if v == w {
                continue;
            }
            let (s, e) = (self.slots[v].start, self.slots[v].end);
            if s >= e {
                t = sim.read(&self.slots[v].line, w, t);
                sim.tally[w].failed_steals += 1;
                continue;
            }
            t = sim.rmw(&mut self.slots[v].line, w, t);
            let mid = s + (e - s) / 2;
            self.slots[v].end = mid;
            sim.stole(w, v, t);
            let o = &mut self.slots[w];
            if e - mid > 1 {
                o.start = mid + 1;
                o.end = e;
                t = sim.rmw(&mut o.line, w, t);
            }
            o.batch_size = 1;
            o.last = t;
            return Ok(Batch {
                lo: mid,
                end: mid + 1,
                t0: t,
                cut: false,
            });
        }
        Err(t)
    }

    /// Every slot empty: asks the owners running batches to give back; whether any does.
    fn ask(&mut self, sim: &mut Sim, w: usize, now: f64) -> bool {
        let mut busy = false;
        for v in 0..sim.workers() {
            let Some(b) = self.slots[v].batch.filter(|b| v != w && b.end - b.lo > 1) else {
                continue;
            };
            busy = true;
            let lands = now + sim.cal.transfer(sim.machine.distance(w, v));
            let k = sim.in_progress(b.lo, b.end, b.t0, lands);
            if k + 1 < b.end && !b.cut {
                let cut = Batch {
                    end: k + 1,
                    cut: true,
                    ..b
                };
                self.slots[v].batch = Some(cut);
                sim.reschedule(v, b.t0 + sim.span(b.lo, k + 1));
            }
        }
        busy
    }
}

impl Model for Adaptive {
    fn step(&mut self, sim: &mut Sim, w: usize, now: f64) -> Next {
        let mut t = now;
        if self.slots[w].last.is_nan() {
            self.slots[w].last = now;
        }
        if let Some(b) = self.slots[w].batch.take() {
            t = self.end_batch(sim, w, b);
        }
        let batch = match self.claim(sim, w, t) {
            Some(b) => b,
            None => match self.steal(sim, w, t) {
                Ok(b) => b,
                Err(t2) => {
                    if !self.ask(sim, w, t2) {
                        return Next::Done(t2);
                    }
                    let o = &mut self.slots[w];
                    o.waits += 1;
                    sim.tally[w].parks += 1;
                    let wait = if o.waits <= WAIT_YIELDS {
                        sim.cal.yield_ns
                    } else {
                        WAIT_SLEEP.as_nanos() as f64 + sim.cal.wake_ns
                    };
                    return Next::At(t2 + wait);
                }
            },
        };
        self.slots[w].waits = 0;
        self.slots[w].batch = Some(batch);
        Next::At(batch.t0 + sim.span(batch.lo, batch.end))
    }
}

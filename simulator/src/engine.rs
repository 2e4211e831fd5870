//! The event loop, the shared state every schedule's model uses (task times,
//! cache lines, per-worker tallies), and what a simulated run reports.
//!
//! Each worker is a state machine driven by events: an event `(time, seq,
//! worker)` says "worker `w` decides what to do next at `time`"; the model
//! answers with the time of its next decision or that the worker left. Events
//! are kept in a [`BinaryHeap`] ordered by `(time, seq)`, `seq` a counter, so
//! that ties are broken in insertion order and a run is a pure function of its
//! inputs and seed. A model may move a worker's next decision (a thief asking
//! an owner to give back the rest of its batch): each worker carries a
//! generation, and an event of an older generation is dropped.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use workloads::rng::SplitMix64;

use crate::calibration::Calibration;
use crate::machine::SimMachine;
use crate::trace::{Trace, TracedSteal, TracedTask};

/// What a worker does after a decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Decide again at this time.
    At(f64),
    /// The worker left the call at this time.
    Done(f64),
}

/// A schedule's model: how workers take work.
pub trait Model {
    /// Worker `w` decides at `now`.
    fn step(&mut self, sim: &mut Sim, w: usize, now: f64) -> Next;
}

/// One worker's tally.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WorkerTally {
    /// Σ service time of the tasks it ran (ns).
    pub busy_ns: f64,
    /// Tasks it ran.
    pub tasks: u64,
    /// Successful steals.
    pub steals: u64,
    /// Steal attempts that found nothing.
    pub failed_steals: u64,
    /// Times it waited (yielded or slept) for work.
    pub parks: u64,
    /// When its last task ended (ns from the call's start; 0 if it ran none).
    pub finish_ns: f64,
    /// When it left the call.
    pub left_ns: f64,
}

/// A cache line the model charges for: atomic operations on it are serialized
/// (a contender waits until the line is free) and cost a transfer from the last
/// owner at their distance.
#[derive(Debug, Clone, Copy, Default)]
pub struct Line {
    free_at: f64,
    owner: Option<usize>,
}

/// The state every model shares.
pub struct Sim<'a> {
    /// Operation costs.
    pub cal: &'a Calibration,
    /// Where workers sit.
    pub machine: &'a SimMachine,
    /// `prefix[i]` = Σ service time of tasks `0..i` (ns, the per-index call included).
    prefix: Vec<f64>,
    /// Per-worker tallies.
    pub tally: Vec<WorkerTally>,
    /// The seeded random stream (victim choice, DLS `rnd` is the scheduler's own).
    pub rng: SplitMix64,
    queue: BinaryHeap<Reverse<(u64, u64, usize, u64)>>,
    seq: u64,
    generation: Vec<u64>,
    /// Events handled.
    pub events: u64,
    /// Every task and steal, when the run is traced ([`Sim::record_trace`]).
    trace: Option<Trace>,
}

impl<'a> Sim<'a> {
    /// A run over tasks of the given costs (ns each, without the per-index call,
    /// which costs `call_ns`: the strategy's loop around the body).
    pub fn new(
        task_ns: &[f64],
        call_ns: f64,
        cal: &'a Calibration,
        machine: &'a SimMachine,
        seed: u64,
    ) -> Sim<'a> {
        let mut prefix = Vec::with_capacity(task_ns.len() + 1);
        let mut sum = 0.0;
        prefix.push(0.0);
        for &c in task_ns {
            sum += c + call_ns;
            prefix.push(sum);
        }
        let p = machine.workers();
        Sim {
            cal,
            machine,
            prefix,
            tally: vec![WorkerTally::default(); p],
            rng: SplitMix64::new(seed),
            queue: BinaryHeap::new(),
            seq: 0,
            generation: vec![0; p],
            events: 0,
            trace: None,
        }
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.prefix.len() - 1
    }

    /// Whether there are no tasks.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of workers.
    pub fn workers(&self) -> usize {
        self.machine.workers()
    }

    /// Service time of tasks `lo..hi`.
    pub fn span(&self, lo: usize, hi: usize) -> f64 {
        self.prefix[hi] - self.prefix[lo]
    }

    /// Service time of task `i`.
    pub fn task(&self, i: usize) -> f64 {
        self.span(i, i + 1)
    }

    /// The first index `k` in `lo..hi` still running (or not started) at `t`, for a
    /// batch `lo..hi` started at `t0`: the task in progress at `t`.
    pub fn in_progress(&self, lo: usize, hi: usize, t0: f64, t: f64) -> usize {
        let base = self.prefix[lo];
        let k = self.prefix[lo + 1..=hi].partition_point(|&end| t0 + (end - base) <= t);
        (lo + k).min(hi.saturating_sub(1))
    }

    /// Worker `w` ran tasks `lo..hi` starting at `t0`: tallies them; returns the end.
    pub fn ran(&mut self, w: usize, lo: usize, hi: usize, t0: f64) -> f64 {
        if let Some(trace) = &mut self.trace {
            for i in lo..hi {
                let start = t0 + (self.prefix[i] - self.prefix[lo]);
                let end = start + (self.prefix[i + 1] - self.prefix[i]);
                trace.tasks.push(TracedTask {
                    worker: w,
                    index: i,
                    start_ns: start,
                    end_ns: end,
                });
            }
        }
        let took = self.span(lo, hi);
        let t = &mut self.tally[w];
        t.busy_ns += took;
        t.tasks += (hi - lo) as u64;
        if hi > lo {
            t.finish_ns = t0 + took;
        }
        t0 + took
    }

    /// Worker `thief` took work from `victim`'s queue or range, done at `at`.
    pub fn stole(&mut self, thief: usize, victim: usize, at: f64) {
        self.tally[thief].steals += 1;
        if let Some(trace) = &mut self.trace {
            trace.steals.push(TracedSteal {
                thief,
                victim,
                at_ns: at,
            });
        }
    }

    /// Records every task and steal from now on ([`Sim::take_trace`] hands them over).
    pub fn record_trace(&mut self) {
        self.trace = Some(Trace::default());
    }

    /// The trace recorded since [`Sim::record_trace`] (empty if it was not called).
    pub fn take_trace(&mut self) -> Trace {
        self.trace.take().unwrap_or_default()
    }

    /// Worker `w` ran these scattered tasks back to back from `t0` (static-cyclic).
    pub fn ran_each(&mut self, w: usize, tasks: impl Iterator<Item = usize>, t0: f64) -> f64 {
        let mut end = t0;
        for i in tasks {
            end = self.ran(w, i, i + 1, end);
        }
        end
    }

    /// An atomic read-modify-write by worker `w` at `t` on `line`; returns when it is done.
    pub fn rmw(&self, line: &mut Line, w: usize, t: f64) -> f64 {
        let start = t.max(line.free_at);
        let transfer = match line.owner {
            Some(o) if o != w => self.cal.transfer(self.machine.distance(o, w)),
            _ => 0.0,
        };
        line.free_at = start + transfer + self.cal.atomic_local_ns;
        line.owner = Some(w);
        line.free_at
    }

    /// A plain read by worker `w` at `t` of `line` (a probe): a transfer if another
    /// worker wrote it last, without taking it.
    pub fn read(&self, line: &Line, w: usize, t: f64) -> f64 {
        match line.owner {
            Some(o) if o != w => t + self.cal.transfer(self.machine.distance(o, w)),
            _ => t,
        }
    }

    /// Schedules worker `w`'s next decision at `t`.
    pub fn at(&mut self, w: usize, t: f64) {
        self.seq += 1;
        self.queue
            .push(Reverse((time_key(t), self.seq, w, self.generation[w])));
    }

    /// Moves worker `w`'s pending decision to `t` (its older event is dropped).
    pub fn reschedule(&mut self, w: usize, t: f64) {
        self.generation[w] += 1;
        self.at(w, t);
    }

    /// A random worker other than `w` to start a victim round at.
    pub fn random_start(&mut self, w: usize) -> usize {
        let others = self.workers() - 1;
        if others == 0 {
            return w;
        }
        let k = self.rng.below(others as u64) as usize;
        (w + 1 + k) % self.workers()
    }

    /// Runs the events until every worker left; returns when the last one did.
    pub fn run(&mut self, model: &mut dyn Model) -> f64 {
        let mut last: f64 = 0.0;
        while let Some(Reverse((key, _, w, generation))) = self.queue.pop() {
            if generation != self.generation[w] {
                continue;
            }
            self.events += 1;
            match model.step(self, w, time_of(key)) {
                Next::At(t) => self.at(w, t),
                Next::Done(t) => {
                    self.tally[w].left_ns = t;
                    last = last.max(t);
                }
            }
        }
        last
    }
}

/// Event times as ordered integers: f64 bits of a non-negative time order as the times do.
fn time_key(t: f64) -> u64 {
    debug_assert!(t >= 0.0 && t.is_finite(), "event time {t}");
    t.max(0.0).to_bits()
}

fn time_of(key: u64) -> f64 {
    f64::from_bits(key)
}

/// When worker `w` starts its part of a call made from outside the pool: the
/// caller posts one participant job per worker in turn, and each worker, parked
/// between calls, wakes up.
pub fn start_time(cal: &Calibration, w: usize) -> f64 {
    (w + 1) as f64 * cal.post_ns + cal.wake_ns
}

/// Failed steal rounds a worker spins through (yielding) before it sleeps.
pub const ROUNDS_UNTIL_SLEEP: u32 = 32;

/// How long worker `w` waits after its `rounds`-th failed steal round in a row: a
/// yield, then, once it would have gone to sleep, a wake-up latency (a sleeping
/// worker is woken when work appears; the model looks again that much later).
/// Counts a park when it starts sleeping.
pub fn idle_wait(sim: &mut Sim, w: usize, rounds: u32) -> f64 {
    if rounds < ROUNDS_UNTIL_SLEEP {
        sim.cal.yield_ns
    } else {
        if rounds == ROUNDS_UNTIL_SLEEP {
            sim.tally[w].parks += 1;
        }
        sim.cal.wake_ns.max(sim.cal.yield_ns)
    }
}

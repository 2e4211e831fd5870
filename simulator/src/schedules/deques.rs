//! `work-stealing:G`: chunks of `G` indices as jobs in the workers' deques,
//! pushed block-wise by each participant at its start, popped by their owner in
//! ascending order and stolen by idle workers from the other end (the oldest
//! job: the block's last chunks), one job or half the deque per steal.

use std::collections::VecDeque;

use crate::engine::{Line, Model, Next, Sim};

/// The model of the deques of a `work-stealing` call.
pub struct Deques {
    grain: usize,
    steal_half: bool,
    deques: Vec<VecDeque<usize>>,
    lines: Vec<Line>,
    started: Vec<bool>,
    running: Vec<Option<(usize, f64)>>,
    /// Chunks not yet popped or stolen.
    queued: usize,
    /// Failed steal rounds in a row, per worker.
    idle: Vec<u32>,
}

impl Deques {
    /// The call's deques (empty until each participant pushes its block).
    pub fn new(grain: usize, steal_half: bool, len: usize, workers: usize) -> Deques {
        let grain = grain.clamp(1, len.max(1));
        Deques {
            grain,
            steal_half,
            deques: vec![VecDeque::new(); workers],
            lines: vec![Line::default(); workers],
            started: vec![false; workers],
            running: vec![None; workers],
            queued: len.div_ceil(grain),
            idle: vec![0; workers],
        }
    }

    /// Participant `w` pushes its block's chunks; returns when it is done.
    fn push_block(&mut self, sim: &mut Sim, w: usize, now: f64) -> f64 {
        let (n, p, g) = (sim.len(), sim.workers(), self.grain);
        let block = n.div_ceil(g).div_ceil(p) * g;
        let lo = (w * block).min(n);
        let hi = (lo + block).min(n);
        let starts: Vec<usize> = (lo..hi).step_by(g).collect();
        let t = now + starts.len() as f64 * sim.cal.deque_push_ns;
        self.deques[w].extend(starts);
        t
    }

    /// Worker `w` steals from its victims in turn (random start); the first
    /// stolen chunk, or `None` with the time the round took.
    fn steal(&mut self, sim: &mut Sim, w: usize, now: f64) -> Result<(usize, f64), f64> {
        let p = sim.workers();
        let start = sim.random_start(w);
        let mut t = now;
        for k in 0..p {
            let v = (start + k) % p;
            if v == w {
                continue;
            }
            if self.deques[v].is_empty() {
                t = sim.read(&self.lines[v], w, t) + sim.cal.steal_empty_ns;
                sim.tally[w].failed_steals += 1;
                continue;
            }
            t = sim.rmw(&mut self.lines[v], w, t) + sim.cal.steal_ns;
            let take = if self.steal_half {
                self.deques[v].len().div_ceil(2).min(33)
            } else {
                1
            };
            let at = self.deques[v].len() - take;
            let mut got: VecDeque<usize> = self.deques[v].split_off(at);
            let first = got.pop_back().expect("took at least one chunk");
            t += got.len() as f64 * sim.cal.deque_push_ns + sim.cal.job_ns;
            self.deques[w].extend(got);
            self.queued -= 1;
            sim.stole(w, v, t);
            return Ok((first, t));
        }
        Err(t)
    }
}

impl Model for Deques {
    fn step(&mut self, sim: &mut Sim, w: usize, now: f64) -> Next {
        let mut t = now;
        if !self.started[w] {
            self.started[w] = true;
            t = self.push_block(sim, w, t);
        }
        if let Some((lo, t0)) = self.running[w].take() {
            let hi = (lo + self.grain).min(sim.len());
            t = sim.ran(w, lo, hi, t0);
        }
        let chunk = match self.deques[w].pop_front() {
            Some(c) => {
                self.queued -= 1;
                Ok((c, t + sim.cal.deque_pop_ns + sim.cal.job_ns))
            }
            None => self.steal(sim, w, t),
        };
        match chunk {
            Ok((lo, t0)) => {
                self.idle[w] = 0;
                self.running[w] = Some((lo, t0));
                Next::At(t0 + sim.span(lo, (lo + self.grain).min(sim.len())))
            }
            Err(t) if self.queued == 0 => Next::Done(t),
            Err(t) => {
                self.idle[w] += 1;
                Next::At(t + crate::engine::idle_wait(sim, w, self.idle[w]))
            }
        }
    }
}

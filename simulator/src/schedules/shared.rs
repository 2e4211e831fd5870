//! Self-scheduling from a shared counter: `dynamic:K` (one fetch-add per chunk),
//! `guided:K` (a load and a CAS, charged as one read-modify-write), and LB4OMP's techniques (`scheduler`'s own
//! [`DlsChunks`]: the same state and chunk formulas as a real call, a request
//! counter fetch-add where the technique counts requests, and the CAS that
//! claims the chunk). Every operation on a counter goes through its cache
//! [`Line`], so contenders queue and pay transfers.

use scheduler::DlsChunks;

use crate::engine::{Line, Model, Next, Sim};

/// A chunk a worker is running: `lo..hi`, started at `t0`.
type Running = Option<(usize, usize, f64)>;

/// How the next chunk is sized.
pub enum Rule {
    /// `dynamic:K`.
    Dynamic(usize),
    /// `guided:K`.
    Guided(usize),
    /// A DLS technique.
    Dls(Box<DlsChunks>),
}

/// The model of a counter-based schedule.
pub struct Shared {
    rule: Rule,
    next: usize,
    counter: Line,
    steps: Line,
    running: Vec<Running>,
}

impl Shared {
    /// A call over the tasks of `sim` with this rule.
    pub fn new(rule: Rule, workers: usize) -> Shared {
        Shared {
            rule,
            next: 0,
            counter: Line::default(),
            steps: Line::default(),
            running: vec![None; workers],
        }
    }

    /// Worker `w`'s next chunk at `now`: `(lo, hi, when claimed)`, or `None`
    /// (with the time it knew) once all are handed out.
    fn claim(&mut self, sim: &mut Sim, w: usize, now: f64) -> Result<(usize, usize, f64), f64> {
        let (n, p) = (sim.len(), sim.workers());
        match &mut self.rule {
            Rule::Dynamic(k) => {
                let t = sim.rmw(&mut self.counter, w, now);
                let lo = self.next;
                if lo >= n {
                    return Err(t);
                }
                self.next = (lo + (*k).max(1)).min(n);
                Ok((lo, self.next, t))
            }
            Rule::Guided(min) => {
                let t = sim.rmw(&mut self.counter, w, now);
                let lo = self.next;
                if lo >= n {
                    return Err(t);
                }
                let left = n - lo;
                self.next = lo + left.div_ceil(p).max((*min).max(1)).min(left);
                Ok((lo, self.next, t))
            }
            Rule::Dls(chunks) => {
                let mut t = now;
                if chunks.counts_steps() {
                    t = sim.rmw(&mut self.steps, w, t);
                }
                let t = sim.rmw(&mut self.counter, w, t);
                chunks.next(w).map(|(lo, hi)| (lo, hi, t)).ok_or(t)
            }
        }
    }
}

impl Model for Shared {
    fn step(&mut self, sim: &mut Sim, w: usize, now: f64) -> Next {
        if let Some((lo, hi, t0)) = self.running[w].take() {
            let end = sim.ran(w, lo, hi, t0);
            if let Rule::Dls(chunks) = &mut self.rule {
                chunks.ran(w, hi - lo, (end - t0) * 1e-9);
            }
        }
        match self.claim(sim, w, now) {
            Ok((lo, hi, t)) => {
                self.running[w] = Some((lo, hi, t));
                Next::At(t + sim.span(lo, hi))
            }
            Err(t) => Next::Done(t),
        }
    }
}

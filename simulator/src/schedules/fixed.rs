//! `static` and `static-cyclic`: every worker's indices are fixed by the call,
//! exactly as `scheduler::Schedule` hands them out; no shared operation.

use crate::engine::{Model, Next, Sim};

/// `static`: block `w` of `ceil(n/p)` indices on worker `w`.
pub struct Static;

impl Model for Static {
    fn step(&mut self, sim: &mut Sim, w: usize, now: f64) -> Next {
        let (n, p) = (sim.len(), sim.workers());
        let block = n.div_ceil(p);
        let lo = (w * block).min(n);
        let hi = (lo + block).min(n);
        Next::Done(sim.ran(w, lo, hi, now))
    }
}

/// `static-cyclic`: index `i` on worker `i mod p`.
pub struct Cyclic;

impl Model for Cyclic {
    fn step(&mut self, sim: &mut Sim, w: usize, now: f64) -> Next {
        let (n, p) = (sim.len(), sim.workers());
        Next::Done(sim.ran_each(w, (w..n).step_by(p), now))
    }
}

//! PLS, performance-based loop scheduling.
//!
//! Shih, Yang and Tseng, "A performance-based parallel loop scheduling on
//! grid environments", J. Supercomputing 41(3), 2007; as LB4OMP computes it
//! (`kmp_sch_pls`) with its default static-workload ratio `SWR = 0.5`: the
//! first `p` requests take equal static parts of half the loop, the rest is
//! handed out as guided self-scheduling (GSS) would hand out what is left:
//!
//! ```text
//! S = ceil(n · SWR / p)                          k = 0, 1, 2, … the request number
//! chunk(k) = S                                    for k < p
//! chunk(k) = max(K, ceil((1 − 1/p)^(k−p) · (n − p·S) / p))   for k ≥ p   (K default 1)
//! ```

/// The share of the loop handed out in the static parts (LB4OMP's default).
const SWR: f64 = 0.5;

/// PLS's fixed parameters for one loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Pls {
    /// `S`, each static part.
    part: usize,
    /// `(n − p·S) / p`, GSS's first chunk of the dynamic rest (unrounded).
    first: f64,
    /// `p`.
    parts: usize,
    /// The smallest chunk.
    min: usize,
}

impl Pls {
    /// The parameters for `n` indices on `p` workers with smallest chunk `k`.
    pub(crate) fn new(n: usize, p: usize, k: usize) -> Self {
        let p = p.max(1);
        let part = (n as f64 * SWR / p as f64).ceil() as usize;
        let rest = n.saturating_sub(part.saturating_mul(p));
        Pls {
            part: part.max(1),
            first: rest as f64 / p as f64,
            parts: p,
            min: k.max(1),
        }
    }

    /// The chunk of request `step`.
    pub(crate) fn chunk(&self, step: usize) -> usize {
        if step < self.parts {
            return self.part;
        }
        let shrink = 1.0 - 1.0 / self.parts as f64;
        let rounds = (step - self.parts).min(1 << 20) as i32;
        let size = (shrink.powi(rounds) * self.first).ceil() as usize;
        size.max(self.min)
    }
}

//! AWF-B and AWF-C, adaptive weighted factoring.
//!
//! Cariño and Banicescu, "Dynamic load balancing with adaptive factoring
//! methods in scientific applications", J. Supercomputing 44(1), 2008; as
//! LB4OMP computes them (`kmp_sch_awf_b`, `kmp_sch_awf_c`). Each worker `i`
//! measures, during the loop, its weighted average time per iterate over the
//! chunks it ran (later chunks count more: chunk `k` of the worker, 1-based,
//! took `t_k` for `s_k` iterates):
//!
//! ```text
//! πᵢ = Σₖ k·t_k / Σₖ k·s_k
//! wᵢ = (1/πᵢ) · P' / Σⱼ (1/πⱼ)      over the P' workers that have run a chunk (wᵢ = 1 before)
//! AWF-B: chunk = max(K, ceil(wᵢ · ceil(n / (2^(b+1)·p))))   b = floor(k / p), k: the request number
//! AWF-C: chunk = max(K, ceil(wᵢ · ceil(R / 2p)))             R: indices not yet handed out
//! ```
//!
//! so a worker twice as fast as the average gets twice FAC2's chunk. AWF-B
//! sizes by batch (FAC2's batch chunk, [`super::fac2`]), AWF-C by the
//! remaining work at each request. `K` is the chunk argument, default 1.

use super::timing::Slot;
use crossbeam_utils::CachePadded;

/// The weight of a worker whose ratio is `mine`, from every worker's
/// published ratio `pis` (its own included; 0 = not measured).
pub(crate) fn weight(mine: f64, pis: impl Iterator<Item = f64>) -> f64 {
    if mine <= 0.0 {
        return 1.0;
    }
    let (mut rates, mut measured) = (0.0, 0.0);
    for pi in pis.filter(|&pi| pi > 0.0) {
        rates += 1.0 / pi;
        measured += 1.0;
    }
    (1.0 / mine) * measured / rates
}

/// `ceil(weight · base)`, at least `min` and 1.
pub(crate) fn weighted(base: usize, weight: f64, min: usize) -> usize {
    ((weight * base as f64).ceil() as usize).max(min).max(1)
}

/// One participant's AWF state.
#[derive(Clone, Debug)]
pub(crate) struct Worker {
    /// Chunks this worker has run.
    chunks: f64,
    /// `Σ k·t_k`.
    sum_time: f64,
    /// `Σ k·s_k`.
    sum_iters: f64,
    /// The weight for the next request.
    weight: f64,
}

impl Default for Worker {
    fn default() -> Self {
        Worker {
            chunks: 0.0,
            sum_time: 0.0,
            sum_iters: 0.0,
            weight: 1.0,
        }
    }
}

impl Worker {
    /// The weight of this worker's next request.
    pub(crate) fn weight(&self) -> f64 {
        self.weight
    }

    /// Before a request: the weight from every worker's latest `π`.
    pub(crate) fn plan(&mut self, slots: &[CachePadded<Slot>]) {
        if self.sum_iters > 0.0 {
            let mine = self.sum_time / self.sum_iters;
            self.weight = weight(mine, slots.iter().map(|s| s.pi()));
        }
    }

    /// After running a chunk of `size` indices in `secs`: updates `πᵢ` and
    /// publishes it in `slots[me]`.
    pub(crate) fn ran(&mut self, slots: &[CachePadded<Slot>], me: usize, size: usize, secs: f64) {
        self.chunks += 1.0;
        self.sum_time += self.chunks * secs;
        self.sum_iters += self.chunks * size as f64;
        slots[me].set_pi(self.sum_time / self.sum_iters);
    }
}

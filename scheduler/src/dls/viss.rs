//! VISS, variable increase size chunking.
//!
//! Philip and Das, "Evaluation of loop scheduling algorithms on distributed
//! memory systems", Proc. PDCS 1997 (with FISS); as LB4OMP computes it (`kmp_sch_viss`)
//! with its default `X = p`. Each batch of `p` requests adds half of the
//! previous batch's increase, so chunks approach `2·C₀`:
//!
//! ```text
//! C₀ = floor(n / (X · p))
//! chunk(k) = max(K, floor(C₀ · (1 − 2^−(b+1)) / (1 − 1/2)))   b = floor(k / p), K default 1
//!          = max(K, floor(C₀ · (2 − 2^−b)))
//! ```

/// VISS's fixed parameters for one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Viss {
    /// `C₀`, the chunk of the first batch (before the minimum).
    first: usize,
    /// The smallest chunk.
    min: usize,
    /// `p`, the batch length.
    parts: usize,
}

impl Viss {
    /// The parameters for `n` indices on `p` workers with smallest chunk `k`.
    pub(crate) fn new(n: usize, p: usize, k: usize) -> Self {
        let p = p.max(1);
        Viss {
            first: n / p.saturating_mul(p),
            min: k.max(1),
            parts: p,
        }
    }

    /// The chunk of request `step`.
    pub(crate) fn chunk(&self, step: usize) -> usize {
        let b = (step / self.parts).min(64) as i32;
        let size = (self.first as f64 * (2.0 - 0.5f64.powi(b))).floor() as usize;
        size.max(self.min)
    }
}

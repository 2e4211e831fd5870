//! TSS, trapezoid self-scheduling.
//!
//! Tzen and Ni, "Trapezoid self-scheduling: a practical scheduling scheme for
//! parallel compilers", IEEE TPDS 4(1), 1993; as LB4OMP computes it
//! (`kmp_sch_trapezoidal`). Chunks shrink linearly from a first size `F` to a
//! last size `L`:
//!
//! ```text
//! F = max(1, floor(n / 2p))          L = min(K, F)   (K: the chunk argument, default 1)
//! N = max(2, ceil(2n / (F + L)))      the number of chunks
//! δ = floor((F − L) / (N − 1))
//! chunk(k) = max(L, F − k·δ)          k = 0, 1, 2, … the request number
//! ```

/// TSS's fixed parameters for one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tss {
    /// `F`, the first chunk.
    first: usize,
    /// `L`, the last (and smallest) chunk.
    last: usize,
    /// `δ`, the decrement per request.
    delta: usize,
}

impl Tss {
    /// The parameters for `n` indices on `p` workers with last chunk `k`.
    pub(crate) fn new(n: usize, p: usize, k: usize) -> Self {
        let (n, p) = (n as u128, p.max(1) as u128);
        let first = (n / (2 * p)).max(1);
        let last = (k.max(1) as u128).min(first);
        let chunks = (2 * n).div_ceil(first + last).max(2);
        let delta = (first - last) / (chunks - 1);
        // `first` ≤ n / 2 fits a usize; `last` and `delta` are smaller.
        Tss {
            first: first as usize,
            last: last as usize,
            delta: delta as usize,
        }
    }

    /// The chunk of request `step`.
    pub(crate) fn chunk(&self, step: usize) -> usize {
        self.first
            .saturating_sub(step.saturating_mul(self.delta))
            .max(self.last)
    }
}

//! TFSS, trapezoid factoring self-scheduling.
//!
//! Chronopoulos, Andonie, Benche and Grosu, "A class of loop self-scheduling
//! for heterogeneous clusters", IEEE CLUSTER 2001; as LB4OMP computes it
//! (`kmp_sch_tfss`). TSS's linearly shrinking chunks, handed out in batches of
//! `p` equal chunks (as factoring does): each batch's chunk is the mean of the
//! `p` TSS chunks it replaces.
//!
//! ```text
//! F = ceil(n / 2p)    N = ceil(2n / (F + 1))    δ = floor((F − 1) / (N − 1))
//! c_b = F − b·p·δ, or F − (N − 1)·δ once that is negative    b = floor(k / p)
//! chunk(k) = max(K, trunc(Σ_{i<p} (c_b − i·δ) / p))        (K: the chunk argument, default 1)
//! ```

/// TFSS's fixed parameters for one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tfss {
    /// `F`, TSS's first chunk.
    first: i128,
    /// `δ`, TSS's decrement.
    delta: i128,
    /// `N − 1`.
    steps: i128,
    /// `p`, the batch length.
    parts: usize,
    /// The smallest chunk.
    min: usize,
}

impl Tfss {
    /// The parameters for `n` indices on `p` workers with smallest chunk `k`.
    pub(crate) fn new(n: usize, p: usize, k: usize) -> Self {
        let p = p.max(1);
        let n_ = n as i128;
        let first = n_.div_euclid(2 * p as i128) + i128::from(n_ % (2 * p as i128) != 0);
        let steps = ((2 * n_) / (first + 1) + i128::from((2 * n_) % (first + 1) != 0) - 1).max(1);
        let delta = (first - 1).max(0) / steps;
        Tfss {
            first,
            delta,
            steps,
            parts: p,
            min: k.max(1),
        }
    }

    /// The chunk of request `step`.
    pub(crate) fn chunk(&self, step: usize) -> usize {
        let p = self.parts as i128;
        let b = (step / self.parts) as i128;
        let start = self.first - b.saturating_mul(p).saturating_mul(self.delta);
        let c = if start >= 0 {
            start
        } else {
            self.first - self.steps * self.delta
        };
        // Σ_{i<p} (c − i·δ) / p, truncated toward zero as LB4OMP's integer division.
        let mean = (p * c - self.delta * p * (p - 1) / 2) / p;
        usize::try_from(mean).unwrap_or(0).max(self.min)
    }
}

//! FISS, fixed increase size chunking.
//!
//! Philip and Das, "Evaluation of loop scheduling algorithms on distributed
//! memory systems", Proc. PDCS 1997 (FISS and VISS);
//! as LB4OMP computes it (`kmp_sch_fiss`) with its default of `B = p − 1`
//! stages. Chunks grow by a fixed `δ` per batch of `p` requests:
//!
//! ```text
//! X = B + 2
//! C₀ = max(K, floor(n / (X · p)))        (K: the chunk argument, default 1)
//! δ = floor(2n · (1 − B/X) / (p · B · (B − 1)))   (0 when B < 2, where LB4OMP divides by zero)
//! chunk(k) = C₀ + floor(k / p) · δ        k = 0, 1, 2, … the request number
//! ```

/// FISS's fixed parameters for one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fiss {
    /// `C₀`, the chunk of the first batch.
    first: usize,
    /// `δ`, the increase per batch.
    delta: usize,
    /// `p`, the batch length.
    parts: usize,
}

impl Fiss {
    /// The parameters for `n` indices on `p` workers with smallest first chunk `k`.
    pub(crate) fn new(n: usize, p: usize, k: usize) -> Self {
        let p = p.max(1);
        let stages = (p - 1) as f64;
        let x = stages + 2.0;
        let n_f = n as f64;
        let first = ((n_f / (x * p as f64)).floor() as usize).max(k).max(1);
        let delta = if p >= 3 {
            let num = 2.0 * n_f * (1.0 - stages / x);
            (num / (p as f64 * stages * (stages - 1.0))).floor() as usize
        } else {
            0
        };
        Fiss {
            first,
            delta,
            parts: p,
        }
    }

    /// The chunk of request `step`.
    pub(crate) fn chunk(&self, step: usize) -> usize {
        let batch = step / self.parts;
        self.first.saturating_add(batch.saturating_mul(self.delta))
    }
}

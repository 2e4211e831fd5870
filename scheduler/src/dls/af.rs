//! AF, adaptive factoring.
//!
//! Banicescu and Liu, "Adaptive factoring: a dynamic scheduling method tuned
//! to the rate of change of the computing environment", HPC Symposium 2000;
//! as LB4OMP computes it (`kmp_sch_af`). Each worker `i` measures the mean
//! `μᵢ` and standard deviation `σᵢ` of its iterate times during the loop; its
//! next chunk, with `R` indices not yet handed out, is
//!
//! ```text
//! D = Σⱼ σⱼ² / μⱼ          T = (Σⱼ 1 / μⱼ)⁻¹
//! chunk = ceil((D + 2·T·R − sqrt(D² + 4·D·T·R)) / (2·μᵢ))
//! ```
//!
//! (a worker that has not measured yet counts with the asking worker's values).
//! As in LB4OMP, each chunk runs as sub-chunks of a tenth of it (at least `K`,
//! the chunk argument, default 1), each claimed and timed on its own; a
//! sub-chunk's time over its size is one sample of the iterate time; the first
//! chunk, before any measurement, is LB4OMP's 100.

use super::timing::{IterStats, Slot};
use crossbeam_utils::CachePadded;

/// The first chunk, before anything is measured (LB4OMP's).
const FIRST_CHUNK: usize = 100;
/// Sub-chunks per chunk (LB4OMP's default divider).
const DIVIDER: usize = 10;

/// The AF chunk of a worker whose measured `(μ, σ)` is `mine` (μ > 0), with
/// `remaining` indices left, from the published `(μ, σ)` of every worker, its
/// own included (`μ` = 0: not measured; such a worker counts with `mine`).
pub(crate) fn chunk(
    mine: (f64, f64),
    stats: impl Iterator<Item = (f64, f64)>,
    remaining: usize,
) -> usize {
    let (my_mean, my_sigma) = mine;
    let (mut d, mut inv_t) = (0.0, 0.0);
    for (mean, sigma) in stats {
        let (mean, sigma) = if mean > 0.0 {
            (mean, sigma)
        } else {
            (my_mean, my_sigma)
        };
        d += sigma * sigma / mean;
        inv_t += 1.0 / mean;
    }
    let t = 1.0 / inv_t;
    let r = remaining as f64;
    let size = ((d + 2.0 * t * r - (d * d + 4.0 * d * t * r).sqrt()) / (2.0 * my_mean)).ceil();
    // Saturating conversion (NaN → 0); at least one index.
    (size as usize).max(1)
}

/// One participant's AF state: its measurements and what is left of its chunk.
#[derive(Clone, Debug, Default)]
pub(crate) struct Worker {
    stats: IterStats,
    /// Indices of the current chunk not yet claimed.
    left: usize,
    /// Sub-chunk size of the current chunk.
    sub: usize,
}

impl Worker {
    /// Before a request: when the current chunk is used up, publishes this
    /// worker's `(μ, σ)` in `slots[me]` and sizes the next chunk with
    /// `remaining` indices left, at least `min` per sub-chunk.
    pub(crate) fn plan(
        &mut self,
        slots: &[CachePadded<Slot>],
        me: usize,
        remaining: usize,
        min: usize,
    ) {
        if self.left > 0 {
            return;
        }
        let (mean, sigma) = self.stats.mean_sigma();
        let size = if mean > 0.0 {
            slots[me].set_mean_sigma(mean, sigma);
            chunk(
                (mean, sigma),
                slots.iter().map(|s| s.mean_sigma()),
                remaining,
            )
        } else {
            FIRST_CHUNK
        };
        self.left = size;
        self.sub = if size >= DIVIDER {
            size / DIVIDER
        } else {
            size
        };
        self.sub = self.sub.max(min);
    }

    /// The size to claim now: a sub-chunk, or the rest of the chunk when less
    /// than two sub-chunks are left.
    pub(crate) fn size(&self) -> usize {
        if self.left < self.sub.saturating_mul(2) {
            self.left.max(self.sub)
        } else {
            self.sub
        }
    }

    /// After running a claimed sub-chunk of `size` indices in `secs`.
    pub(crate) fn ran(&mut self, size: usize, secs: f64) {
        self.stats.add(size, secs);
        self.left = self.left.saturating_sub(size);
    }
}

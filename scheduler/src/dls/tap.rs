//! TAP, taper.
//!
//! Lucco, "A dynamic scheduling method for irregular parallel programs",
//! PLDI 1992; as LB4OMP computes it (`kmp_sch_tap`). Like guided
//! self-scheduling, but the chunk is cut back by a margin that grows with the
//! iterations' variability `v = α·σ/μ`:
//!
//! ```text
//! T = R / p                           R: indices not yet handed out
//! chunk = max(K, ceil(T + v²/2 − v·sqrt(2T + v²/4)))   (K: the chunk argument, default 1)
//! ```
//!
//! LB4OMP takes μ and σ from a profiling run and α = 1 from its settings. Here
//! they are measured during the loop (α = 1): `v` is the mean over the workers
//! that have run a chunk of σ_w/μ_w, the coefficient of variation of their
//! per-chunk average iterate times ([`super::timing`]); before any chunk has
//! finished `v` = 0, which is guided's `ceil(R / p)`. Per-chunk averages vary
//! less than single iterates, so this `v` errs small (chunks err large).

use super::timing::Slot;
use crossbeam_utils::CachePadded;

/// The TAP chunk with `remaining` indices left on `p` workers, variability `v`,
/// at least `min`.
pub(crate) fn chunk(remaining: usize, p: usize, v: f64, min: usize) -> usize {
    let t = remaining as f64 / p.max(1) as f64;
    let size = (t + v * v / 2.0 - v * (2.0 * t + v * v / 4.0).sqrt()).ceil();
    // Saturating conversion (NaN → 0), then the minimum.
    (size as usize).max(min).max(1)
}

/// `v` = mean of σ_w/μ_w over the slots with a measurement; 0 without any.
pub(crate) fn variability(slots: &[CachePadded<Slot>]) -> f64 {
    let (mut sum, mut count) = (0.0, 0.0);
    for slot in slots {
        let (mean, sigma) = slot.mean_sigma();
        if mean > 0.0 {
            sum += sigma / mean;
            count += 1.0;
        }
    }
    if count == 0.0 {
        0.0
    } else {
        sum / count
    }
}

//! mFSC, modified fixed-size chunking.
//!
//! LB4OMP's variant (`kmp_sch_mfsc`; Korndörfer et al., TPDS 2021) of Kruskal
//! and Weiss's fixed-size chunking ("Allocating independent subtasks on
//! parallel processors", IEEE TSE 11(10), 1985): FSC needs the iterations'
//! standard deviation and the scheduling overhead from a profiling run; mFSC
//! replaces them with a chunk computed from `n` and `p` alone, the same for
//! every request:
//!
//! ```text
//! T = ceil(n / p)
//! chunk = max(K, floor(0.55 + T · ln 2 / ln T))   (K: the chunk argument, default 1; 1 when T ≤ 1)
//! ```

/// The mFSC chunk for `n` indices on `p` workers, at least `min`.
pub(crate) fn chunk(n: usize, p: usize, min: usize) -> usize {
    let t = n.div_ceil(p.max(1));
    if t <= 1 {
        return min.max(1);
    }
    let t = t as f64;
    // Saturating float-to-int conversion; T · ln 2 / ln T < T, so it fits.
    let size = (0.55 + t * std::f64::consts::LN_2 / t.ln()).floor() as usize;
    size.max(min).max(1)
}

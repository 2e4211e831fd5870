//! RND, random chunk sizes.
//!
//! LB4OMP's `kmp_sch_rnd` (Korndörfer et al., TPDS 2021): each request takes a
//! chunk drawn uniformly from `[1, K]`. LB4OMP seeds `rand_r` with the clock;
//! here the draw is SplitMix64 of a fixed seed and the request number, so a
//! run is reproducible given the order of requests. LB4OMP's default `K`
//! without a chunk argument is `n − 1`, with which the first request may take
//! nearly all of the loop; ours is `ceil(n / 2p)`, FAC2's first chunk:
//!
//! ```text
//! chunk(k) = 1 + splitmix64(SEED + k) mod K      K: the chunk argument, default ceil(n / 2p)
//! ```

/// The fixed seed of the draws.
const SEED: u64 = 0x005E_ED0F_0DD5;

/// RND's fixed parameters for one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rnd {
    /// `K`, the largest chunk.
    max: usize,
}

impl Rnd {
    /// The parameters for `n` indices on `p` workers; `k` = 0 for the default.
    pub(crate) fn new(n: usize, p: usize, k: usize) -> Self {
        let max = match k {
            0 => n.div_ceil(p.max(1).saturating_mul(2)),
            k => k,
        };
        Rnd { max: max.max(1) }
    }

    /// The chunk of request `step`.
    pub(crate) fn chunk(&self, step: usize) -> usize {
        let draw = splitmix64(SEED.wrapping_add(step as u64));
        // `max` ≥ 1, so the remainder is below `max` and `1 +` cannot wrap.
        1 + (draw % self.max as u64) as usize
    }
}

/// SplitMix64's output function (Steele, Lea, Flood, OOPSLA 2014).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

//! SplitMix64: the small, portable generator behind every seed in this crate.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014; the constants are those of Vigna's reference
//! `splitmix64.c`) is a 64-bit counter passed through a strong mixing function.
//! It is not cryptographic, but it is tiny, fast, passes BigCrush, and gives
//! bit-identical streams on every platform — which is all a benchmark needs.

/// The SplitMix64 generator.
///
/// ```
/// use workloads::rng::SplitMix64;
/// let mut rng = SplitMix64::new(0);
/// assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF); // the reference's first output
/// let die = rng.below(6);
/// assert!(die < 6);
/// ```
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

/// The golden-ratio increment of the reference implementation.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    ///
    /// ```
    /// let x = workloads::rng::SplitMix64::new(7).next_f64();
    /// assert!((0.0..1.0).contains(&x));
    /// ```
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n`, without modulo bias (Lemire's
    /// multiply-and-reject, "Fast random integer generation in an interval",
    /// TOMACS 2019). Returns 0 when `n` is 0.
    ///
    /// ```
    /// let mut rng = workloads::rng::SplitMix64::new(1);
    /// assert!((0..1000).all(|_| rng.below(10) < 10));
    /// ```
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n; // 2^64 mod n
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A uniform integer in `low..=high` (`low <= high`).
    ///
    /// ```
    /// let mut rng = workloads::rng::SplitMix64::new(1);
    /// let x = rng.between(10, 20);
    /// assert!((10..=20).contains(&x));
    /// ```
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high);
        let span = high - low;
        if span == u64::MAX {
            return self.next_u64();
        }
        low + self.below(span + 1)
    }

    /// Shuffles `items` in place (Fisher–Yates), deterministically for a seed.
    ///
    /// ```
    /// let mut v: Vec<u32> = (0..10).collect();
    /// workloads::rng::SplitMix64::new(3).shuffle(&mut v);
    /// v.sort();
    /// assert_eq!(v, (0..10).collect::<Vec<_>>());
    /// ```
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_outputs() {
        // splitmix64.c with x = 0: the widely published first outputs.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
        assert_eq!(rng.next_u64(), 0xF88B_B8A8_724C_81EC);
    }

    #[test]
    fn seeds_give_different_streams() {
        let a: Vec<u64> = {
            let mut r = SplitMix64::new(1);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = SplitMix64::new(2);
            (0..8).map(|_| r.next_u64()).collect()
        };
        assert_ne!(a, b);
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = SplitMix64::new(42);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[rng.below(7) as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn between_covers_full_range() {
        let mut rng = SplitMix64::new(5);
        let _ = rng.between(0, u64::MAX);
        let mut seen = [false; 3];
        for _ in 0..100 {
            seen[(rng.between(4, 6) - 4) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
    }
}

//! Prime factorization: the seed post's naive trial division, its exact cost,
//! and a fast factorizer that cross-checks it.
//!
//! [`factorize_naive`] is the workload: the loop of the first seed post
//! (`factorize_naive` in Eli Bendersky's "Python – parallelizing CPU-bound tasks
//! with multiprocessing", 2012), kept step for step so that its cost model — one
//! division per loop turn — is the post's. Its cost is dominated by the second
//! largest prime factor (or the square root of the largest): a 40-bit prime takes
//! about 2^19 divisions (around a millisecond), a number with only small factors
//! a handful.
//!
//! [`trial_divisions`] returns exactly how many divisions `factorize_naive`
//! performs, without performing them (it replays the loop from the fast
//! factorization), so a runner can predict and report work without timing it.
//!
//! [`factorize_fast`] is deterministic Miller–Rabin plus Pollard's rho with
//! Brent's cycle detection (R. P. Brent, "An improved Monte Carlo factorization
//! algorithm", BIT 20, 1980): microseconds for any `u64`.

use std::fmt;
use std::str::FromStr;

use crate::WorkloadError;

/// Which factorizer a [`crate::workload::Factorize`] task uses.
///
/// ```
/// use workloads::factor::Method;
/// let m: Method = "fast".parse().unwrap();
/// assert_eq!(m, Method::Fast);
/// assert_eq!(m.to_string(), "fast");
/// assert!("quick".parse::<Method>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// [`factorize_naive`], the posts' trial division (the default).
    #[default]
    Naive,
    /// [`factorize_fast`], Miller–Rabin + Pollard rho.
    Fast,
}

impl Method {
    /// Factorizes `n` with this method.
    ///
    /// ```
    /// use workloads::factor::Method;
    /// assert_eq!(Method::Naive.factorize(12), vec![2, 2, 3]);
    /// ```
    pub fn factorize(self, n: u64) -> Vec<u64> {
        match self {
            Method::Naive => factorize_naive(n),
            Method::Fast => factorize_fast(n),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Naive => "naive",
            Method::Fast => "fast",
        })
    }
}

impl FromStr for Method {
    type Err = WorkloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "naive" => Ok(Method::Naive),
            "fast" => Ok(Method::Fast),
            _ => Err(WorkloadError::bad_value(
                "factorization method",
                s,
                "allowed: naive, fast",
            )),
        }
    }
}

/// The prime factors of `n`, ascending, with multiplicity, by the seed post's
/// naive trial division.
///
/// The loop: if `n < 2` there are no factors. Otherwise try `p = 2, 3, 5, 7, 9,
/// …` (2, then every odd number): while `p` divides `n`, record `p` and divide it
/// out; stop when `n` is 1; after a `p` that does not divide, stop if `p * p >= n`
/// (what remains is prime and is recorded). Each turn performs one division
/// (`n % p`); [`trial_divisions`] counts them.
///
/// Cost: about `max(second largest factor, √largest factor) / 2` divisions. A
/// 40-bit prime takes ~2^19 (about a millisecond); a prime near `u64::MAX`
/// takes ~2^31 divisions — several seconds — which is legal but slow (use
/// [`factorize_fast`] for such numbers). `p * p` is computed without overflow
/// for every `u64`.
///
/// ```
/// use workloads::factor::factorize_naive;
/// assert_eq!(factorize_naive(0), Vec::<u64>::new());
/// assert_eq!(factorize_naive(1), Vec::<u64>::new());
/// assert_eq!(factorize_naive(360), vec![2, 2, 2, 3, 3, 5]);
/// assert_eq!(factorize_naive(1 << 63), vec![2; 63]);
/// assert_eq!(
///     factorize_naive(u64::MAX),
///     vec![3, 5, 17, 257, 641, 65537, 6700417]
/// );
/// ```
pub fn factorize_naive(n: u64) -> Vec<u64> {
    naive_counted(n).0
}

/// The naive loop, returning its factors and the number of divisions it made.
/// [`factorize_naive`] is exactly this, so the count is the real one.
fn naive_counted(mut n: u64) -> (Vec<u64>, u64) {
    let mut factors = Vec::new();
    let mut divisions = 0u64;
    if n < 2 {
        return (factors, divisions);
    }
    let mut p: u64 = 2;
    loop {
        if n == 1 {
            return (factors, divisions);
        }
        divisions += 1;
        if n % p == 0 {
            factors.push(p);
            n /= p;
        } else if square_at_least(p, n) {
            factors.push(n);
            return (factors, divisions);
        } else if p > 2 {
            p += 2;
        } else {
            p += 1;
        }
    }
}

/// `p * p >= n`, without overflowing when `p` passes 2^32.
fn square_at_least(p: u64, n: u64) -> bool {
    u128::from(p) * u128::from(p) >= u128::from(n)
}

/// How many divisions [`factorize_naive`]`(n)` performs — its cost in the
/// posts' model, counted rather than timed.
///
/// This does not run the slow loop: it factorizes `n` with [`factorize_fast`]
/// and replays the loop's path from factor to factor, so it takes microseconds
/// even for a 64-bit prime (for which the answer is about 2^31).
///
/// ```
/// use workloads::factor::trial_divisions;
/// assert_eq!(trial_divisions(1), 0);
/// assert_eq!(trial_divisions(8), 3);  // 8%2, 4%2, 2%2, then n == 1
/// assert_eq!(trial_divisions(7), 2);  // 7%2, 7%3 and 3*3 >= 7
/// assert!(trial_divisions(18_446_744_073_709_551_557) > 2_000_000_000); // largest u64 prime
/// ```
pub fn trial_divisions(n: u64) -> u64 {
    if n < 2 {
        return 0;
    }
    let factors = factorize_fast(n);
    let mut m = n; // what the loop still has to factor
    let mut p: u64 = 2; // the loop's next candidate divisor
    let mut count = 0u64;
    let mut i = 0;
    while i < factors.len() {
        let f = factors[i];
        let mut e = 0;
        while i < factors.len() && factors[i] == f {
            e += 1;
            i += 1;
        }
        // The loop tries p, next(p), … up to f, all failing; it stops early at
        // the first candidate whose square reaches m (then m is the prime f).
        let stop = first_candidate_at_least(p.max(ceil_sqrt(m)));
        if stop < f {
            return count + candidate_index(stop) - candidate_index(p) + 1;
        }
        count += candidate_index(f) - candidate_index(p); // failures before f
        count += e; // f divides e times
        for _ in 0..e {
            m /= f;
        }
        if m == 1 {
            return count;
        }
        count += 1; // the failing division by f
        if square_at_least(f, m) {
            return count;
        }
        p = if f == 2 { 3 } else { f + 2 };
    }
    unreachable!("the factors of {n} multiply to {n}")
}

/// Position of a candidate in the sequence 2, 3, 5, 7, 9, …
fn candidate_index(c: u64) -> u64 {
    if c == 2 {
        0
    } else {
        (c - 1) / 2
    }
}

/// The smallest candidate (2 or odd) that is `>= x`.
fn first_candidate_at_least(x: u64) -> u64 {
    if x <= 2 {
        2
    } else if x % 2 == 0 {
        x + 1
    } else {
        x
    }
}

/// The smallest `s` with `s * s >= n`.
fn ceil_sqrt(n: u64) -> u64 {
    // The float estimate is within a few units; correct it exactly.
    let mut s = (n as f64).sqrt() as u64;
    while !square_at_least(s, n) {
        s += 1;
    }
    while s > 0 && square_at_least(s - 1, n) {
        s -= 1;
    }
    s
}

/// Small primes stripped by trial division before Miller–Rabin and rho.
const SMALL_PRIMES: [u64; 25] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
];

/// The fast factorizer's state: a count of its steps (modular
/// multiplications, divisions, gcds), so its cost too can be counted rather
/// than timed ([`fast_steps`]).
#[derive(Default)]
struct Fast {
    steps: u64,
}

impl Fast {
    fn mul_mod(&mut self, a: u64, b: u64, m: u64) -> u64 {
        self.steps += 1;
        (u128::from(a) * u128::from(b) % u128::from(m)) as u64
    }

    fn pow_mod(&mut self, mut base: u64, mut exp: u64, m: u64) -> u64 {
        let mut result = 1 % m;
        base %= m;
        while exp > 0 {
            if exp & 1 == 1 {
                result = self.mul_mod(result, base, m);
            }
            base = self.mul_mod(base, base, m);
            exp >>= 1;
        }
        result
    }

    fn gcd(&mut self, mut a: u64, mut b: u64) -> u64 {
        self.steps += 1;
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }

    fn is_prime(&mut self, n: u64) -> bool {
        if n < 2 {
            return false;
        }
        for p in &SMALL_PRIMES[..12] {
            self.steps += 1;
            if n % p == 0 {
                return n == *p;
            }
        }
        let s = (n - 1).trailing_zeros();
        let d = (n - 1) >> s;
        'bases: for &a in &SMALL_PRIMES[..12] {
            let mut x = self.pow_mod(a, d, n);
            if x == 1 || x == n - 1 {
                continue;
            }
            for _ in 1..s {
                x = self.mul_mod(x, x, n);
                if x == n - 1 {
                    continue 'bases;
                }
            }
            return false;
        }
        true
    }

    /// A nontrivial factor of the odd composite `n`, by Pollard's rho with
    /// Brent's cycle detection and batched gcds; `None` if this `c` failed.
    fn rho_brent(&mut self, n: u64, c: u64) -> Option<u64> {
        const BATCH: u64 = 64;
        let f = |fast: &mut Fast, y: u64| {
            fast.steps += 1;
            ((u128::from(y) * u128::from(y) + u128::from(c)) % u128::from(n)) as u64
        };
        let (mut x, mut y, mut ys) = (2u64, 2u64, 2u64);
        let mut q = 1u64;
        let mut g = 1u64;
        let mut r = 1u64;
        while g == 1 {
            x = y;
            for _ in 0..r {
                y = f(self, y);
            }
            let mut k = 0;
            while k < r && g == 1 {
                ys = y;
                for _ in 0..BATCH.min(r - k) {
                    y = f(self, y);
                    q = self.mul_mod(q, x.abs_diff(y), n);
                }
                g = self.gcd(q, n);
                k += BATCH;
            }
            r *= 2;
        }
        if g == n {
            // The batch overshot: redo it one step at a time.
            loop {
                ys = f(self, ys);
                g = self.gcd(x.abs_diff(ys), n);
                if g > 1 {
                    break;
                }
            }
        }
        (g != n).then_some(g)
    }

    /// Pushes the prime factors of `n` (no small factors left, `n > 1`) to `out`.
    fn split(&mut self, n: u64, out: &mut Vec<u64>) {
        if self.is_prime(n) {
            out.push(n);
            return;
        }
        let d = (1..)
            .find_map(|c| self.rho_brent(n, c))
            .expect("rho finds a factor of a composite for some c");
        self.split(d, out);
        self.split(n / d, out);
    }

    fn factorize(&mut self, mut n: u64) -> Vec<u64> {
        let mut factors = Vec::new();
        if n < 2 {
            return factors;
        }
        for &p in &SMALL_PRIMES {
            self.steps += 1;
            while n % p == 0 {
                factors.push(p);
                n /= p;
                self.steps += 1;
            }
        }
        if n > 1 {
            self.split(n, &mut factors);
        }
        factors.sort_unstable();
        factors
    }
}

/// Whether `n` is prime: deterministic Miller–Rabin for every `u64`.
///
/// The first twelve primes (2 … 37) as bases are a proof of primality for all
/// `n < 3.3·10^24` (Sorenson and Webster, "Strong pseudoprimes to twelve prime
/// bases", Math. Comp. 86, 2017), so no randomness is involved.
///
/// ```
/// use workloads::factor::is_prime;
/// assert!(!is_prime(0) && !is_prime(1) && is_prime(2));
/// assert!(!is_prime(3_215_031_751)); // a strong pseudoprime to bases 2, 3, 5, 7
/// assert!(is_prime(18_446_744_073_709_551_557)); // the largest u64 prime
/// ```
pub fn is_prime(n: u64) -> bool {
    Fast::default().is_prime(n)
}

/// The prime factors of `n`, ascending, with multiplicity — fast: small primes
/// (up to 97) by trial division, then Miller–Rabin ([`is_prime`]) and Pollard's
/// rho (Brent's variant) with 128-bit modular products. Microseconds for any
/// `u64`; returns the same list as [`factorize_naive`].
///
/// ```
/// use workloads::factor::factorize_fast;
/// assert_eq!(factorize_fast(1), Vec::<u64>::new());
/// assert_eq!(factorize_fast(18_446_744_073_709_551_557), vec![18_446_744_073_709_551_557]);
/// assert_eq!(factorize_fast(4_294_967_291 * 4_294_967_279), vec![4_294_967_279, 4_294_967_291]);
/// ```
pub fn factorize_fast(n: u64) -> Vec<u64> {
    Fast::default().factorize(n)
}

/// How many steps [`factorize_fast`]`(n)` takes — modular multiplications,
/// small-prime divisions and gcds, counted — its cost in the same spirit as
/// [`trial_divisions`] for the naive method. Runs the factorization.
///
/// ```
/// use workloads::factor::fast_steps;
/// assert!(fast_steps(1 << 40) < 100);             // small factors only
/// assert!(fast_steps(999_983 * 1_000_003) > 100); // rho has work to do
/// ```
pub fn fast_steps(n: u64) -> u64 {
    let mut fast = Fast::default();
    fast.factorize(n);
    fast.steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn product(factors: &[u64]) -> u64 {
        factors
            .iter()
            .try_fold(1u64, |acc, &f| acc.checked_mul(f))
            .expect("product overflows")
    }

    #[test]
    fn edge_cases() {
        for n in [0u64, 1] {
            assert!(factorize_naive(n).is_empty());
            assert!(factorize_fast(n).is_empty());
            assert_eq!(trial_divisions(n), 0);
        }
        assert_eq!(factorize_naive(2), vec![2]);
        assert_eq!(factorize_fast(2), vec![2]);
        let max = vec![3, 5, 17, 257, 641, 65537, 6_700_417];
        assert_eq!(factorize_naive(u64::MAX), max);
        assert_eq!(factorize_fast(u64::MAX), max);
        assert_eq!(factorize_naive(1 << 63), vec![2; 63]);
        assert_eq!(factorize_fast(1 << 63), vec![2; 63]);
        for n in [u64::MAX, 1 << 63, 2, 3, 4, 9, 25, 49] {
            assert_eq!(naive_counted(n).1, trial_divisions(n), "n = {n}");
        }
    }

    #[test]
    fn large_primes_and_semiprimes_fast_only() {
        // Too slow for the naive loop (~2^31 divisions): fast method only.
        let p = 18_446_744_073_709_551_557u64; // largest prime below 2^64
        assert!(is_prime(p));
        assert_eq!(factorize_fast(p), vec![p]);
        let q = 4_294_967_291u64; // largest prime below 2^32
        assert_eq!(factorize_fast(q * q), vec![q, q]);
        assert_eq!(factorize_fast(q * 4_294_967_279), vec![4_294_967_279, q]);
        // The count for the largest prime: candidates 2, 3, 5, …, first odd
        // c with c*c >= p, which is 2^32 + 1.
        let c = (1u64 << 32) + 1;
        assert_eq!(trial_divisions(p), candidate_index(c) + 1);
    }

    #[test]
    fn is_prime_matches_sieve() {
        let limit = 100_000usize;
        let mut composite = vec![false; limit];
        for i in 2..limit {
            if !composite[i] {
                for j in (i * i..limit).step_by(i) {
                    composite[j] = true;
                }
            }
            assert_eq!(is_prime(i as u64), !composite[i], "{i}");
        }
        // Strong pseudoprimes to many small bases must be caught.
        for n in [
            2_047u64,
            1_373_653,
            25_326_001,
            3_215_031_751,
            2_152_302_898_747,
            3_474_749_660_383,
            341_550_071_728_321,
            3_825_123_056_546_413_051,
        ] {
            assert!(!is_prime(n), "{n}");
        }
    }

    #[test]
    fn ceil_sqrt_is_exact() {
        for n in (0..10_000u64).chain([u64::MAX, u64::MAX - 1, 1 << 62, (1 << 32) * (1 << 31)]) {
            let s = ceil_sqrt(n);
            assert!(square_at_least(s, n));
            assert!(s == 0 || !square_at_least(s - 1, n), "n = {n}, s = {s}");
        }
    }

    #[test]
    fn counts_agree_on_every_small_n() {
        for n in 0..20_000u64 {
            assert_eq!(naive_counted(n).1, trial_divisions(n), "n = {n}");
        }
    }

    /// Numbers the naive loop finishes quickly: below 2^40, or a product of a
    /// small-factor part and anything up to 2^36.
    fn cheap_u64() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..(1 << 40),
            (1u64..(1 << 36), 1u64..(1 << 20)).prop_map(|(a, b)| a.saturating_mul(b)),
            (0u32..64, 1u64..(1 << 20)).prop_map(|(s, b)| b.checked_shl(s).unwrap_or(b)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn naive_factors_multiply_back_and_are_prime(n in cheap_u64()) {
            let (factors, divisions) = naive_counted(n);
            if n < 2 {
                prop_assert!(factors.is_empty());
            } else {
                prop_assert_eq!(product(&factors), n);
            }
            prop_assert!(factors.iter().all(|&f| is_prime(f)));
            prop_assert!(factors.windows(2).all(|w| w[0] <= w[1]));
            prop_assert_eq!(divisions, trial_divisions(n));
        }

        #[test]
        fn naive_and_fast_agree(n in cheap_u64()) {
            prop_assert_eq!(factorize_naive(n), factorize_fast(n));
        }

        #[test]
        fn fast_handles_any_u64(n in any::<u64>()) {
            let factors = factorize_fast(n);
            if n >= 2 {
                prop_assert_eq!(product(&factors), n);
            }
            prop_assert!(factors.iter().all(|&f| is_prime(f)));
            prop_assert!(factors.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}

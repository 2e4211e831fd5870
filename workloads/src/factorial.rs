//! The second seed post's workload: task `i` computes `i!` with big integers.
//!
//! The product `1·2·…·i` is formed one factor at a time, as the post's Python
//! loop does, so task `i` costs about `Σ_{k<i} words(k!)` word multiplications —
//! roughly quadratic in `i` — and the tasks `1..=N` are naturally uneven.
//! Each task returns a small digest (bit length and low 64 bits) so results can
//! be compared without storing the big numbers.

use num_bigint::BigUint;

use crate::checksum::mix64;

/// `i!`, computed by multiplying `1, 2, …, i` in turn (`0! = 1! = 1`).
///
/// ```
/// use workloads::factorial::factorial;
/// assert_eq!(factorial(5).to_string(), "120");
/// assert_eq!(factorial(0).to_string(), "1");
/// ```
pub fn factorial(i: u64) -> BigUint {
    let mut x = BigUint::from(1u32);
    for k in 2..=i {
        x *= k;
    }
    x
}

/// A digest of `i!`: its bit length and low 64 bits, mixed into one `u64`.
///
/// ```
/// use workloads::factorial::factorial_digest;
/// assert_eq!(factorial_digest(5), factorial_digest(5));
/// assert_ne!(factorial_digest(5), factorial_digest(6));
/// ```
pub fn factorial_digest(i: u64) -> u64 {
    let x = factorial(i);
    let low = x.iter_u64_digits().next().unwrap_or(0);
    mix64(x.bits().wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mix64(low))
}

/// The predicted cost of [`factorial_digest`]`(i)`, in 64-bit word
/// multiplications: `Σ_{k=2..=i} ⌈log2((k-1)!) / 64⌉`, the size of the running
/// product at each step. Computed in `O(i)` float steps, not by running it.
///
/// ```
/// use workloads::factorial::factorial_cost;
/// assert_eq!(factorial_cost(1), 0);
/// assert!(factorial_cost(2000) > 4 * factorial_cost(1000));
/// ```
pub fn factorial_cost(i: u64) -> u64 {
    let mut log2_fact = 0.0f64; // log2((k-1)!)
    let mut cost = 0u64;
    for k in 2..=i {
        log2_fact += ((k - 1) as f64).log2();
        cost += ((log2_fact / 64.0).ceil() as u64).max(1);
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_factorials() {
        assert_eq!(factorial(20).to_string(), "2432902008176640000");
        assert_eq!(factorial(25).to_string(), "15511210043330985984000000");
        assert_eq!(factorial(100).bits(), 525);
    }

    #[test]
    fn digests_differ_across_a_range() {
        let mut d: Vec<u64> = (0..500).map(factorial_digest).collect();
        // 0! and 1! are both 1, so exactly one collision is expected.
        assert_eq!(d[0], d[1]);
        d.sort_unstable();
        d.dedup();
        assert_eq!(d.len(), 499);
    }

    #[test]
    fn cost_grows_superlinearly() {
        let c: Vec<u64> = [10, 100, 1000].iter().map(|&i| factorial_cost(i)).collect();
        assert!(c[0] < c[1] && c[1] < c[2]);
        assert!(c[2] > 50 * c[1], "{c:?}");
    }
}

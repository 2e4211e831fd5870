//! FAC2, factoring in its practical form.
//!
//! Hummel, Schonberg and Flynn, "Factoring: a method for scheduling parallel
//! loops", CACM 35(8), 1992. Requests come in batches of `p`; each batch hands
//! out half of what remained when it started, in `p` equal chunks. With every
//! batch handed out whole that is a closed form of the batch number, which
//! LB4OMP uses (`kmp_sch_fac2`):
//!
//! ```text
//! b = floor(k / p)                     k = 0, 1, 2, … the request number
//! chunk(k) = max(K, ceil(n / (2^(b+1) · p)))   (K: the chunk argument, default 1)
//! ```

/// The FAC2 chunk of request `step` for `n` indices on `p` workers, at least `min`.
pub(crate) fn chunk(n: usize, p: usize, min: usize, step: usize) -> usize {
    batch_chunk(n, p, step / p.max(1)).max(min)
}

/// `ceil(n / (2^(b+1) · p))` for batch `b`, in exact integer arithmetic
/// (1 once the divisor passes any `usize`).
pub(crate) fn batch_chunk(n: usize, p: usize, b: usize) -> usize {
    let divisor = u32::try_from(b + 1)
        .ok()
        .and_then(|shift| 1u128.checked_shl(shift))
        .and_then(|pow| pow.checked_mul(p.max(1) as u128));
    match divisor {
        Some(d) => (n as u128).div_ceil(d) as usize,
        None => 1,
    }
}

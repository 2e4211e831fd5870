//! The largest values an experiment may ask for, checked before anything is allocated
//! or written, so that a typo (one zero too many) is a clear message and not an abort,
//! a "capacity overflow" panic or a machine swapping after the output folder exists.
//!
//! Each bound is chosen so that the largest experiment still fits a 24 GiB machine.

use std::ops::RangeInclusive;

/// Worker counts: the `workers` key, `--workers`.
///
/// The pool itself takes up to [`topology::placement::MAX_WORKERS`] (65,535), but every
/// worker gets its own three latency histograms (1 ns to 1 h at 3 significant digits,
/// about 270 KiB each): 4,096 workers need about 3.3 GiB of them, 65,535 would need
/// 53 GiB. 4,096 is also above the hardware threads of any one machine the tool targets.
pub const WORKERS: RangeInclusive<i64> = 1..=4_096;

/// Task counts: `count` of `factorize` and `synthetic` workloads, and their `sizes`.
///
/// A task costs a few tens of bytes of its own (its number or duration, its predicted
/// cost, its place in the order, its result), so 10 million tasks need well under
/// 1 GiB; at about 1 µs per task the serial baseline alone already takes seconds.
pub const TASKS: RangeInclusive<i64> = 1..=10_000_000;

/// `n` of `factorial` workloads (tasks are `1!, ..., n!`), and their `sizes`.
///
/// The task costs grow about quadratically, so the sum of all of them grows with n³:
/// n = 100,000 is already hours of serial work, and the cost table (8 bytes a task)
/// and the largest factorial (about 190 KiB) stay small. Larger n only risk overflowing
/// the cost sums.
pub const FACTORIAL_N: RangeInclusive<i64> = 1..=100_000;

/// `bits` of a `factorize` generator: what `workloads::numbers::Generator` can draw
/// (numbers are `u64`; below 8 bits the generators cannot find their primes).
pub const BITS: RangeInclusive<i64> = 8..=64;

/// `depth` of `tree-sum` workloads (2^24 − 1 boxed nodes take about 0.5 GiB).
pub const TREE_DEPTH: RangeInclusive<i64> = 1..=24;

/// `spine` of skewed `tree-sum` workloads (the recursion runs this deep).
pub const SPINE: RangeInclusive<i64> = 1..=4_096;

/// `cutoff` of `fib` workloads (at most its largest `n`).
pub const CUTOFF: RangeInclusive<i64> = 0..=50;

/// The allowed range as it appears in messages: `1..=4096`.
pub fn shown(allowed: &RangeInclusive<i64>) -> String {
    format!("{}..={}", allowed.start(), allowed.end())
}

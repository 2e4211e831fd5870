//! Deterministic uneven workloads for scheduling experiments.
//!
//! Everything here is reproducible from a seed: the same arguments give the same
//! tasks on every machine and every run, so a parallel run can always be checked
//! against a serial one (see [`checksum`]).
//!
//! * [`factor`] — the seed post's naive trial-division factorizer, its exact cost
//!   ([`factor::trial_divisions`], counted, not timed) and a fast Miller–Rabin +
//!   Pollard-rho factorizer that cross-checks it.
//! * [`numbers`] — number sets (uniform, smooth, primes, semiprimes, the uneven
//!   `mixed` default) in named orders, and a reader for a user's own list.
//! * [`factorial`] — the second post's workload: task `i` computes `i!`.
//! * [`synthetic`] — calibrated CPU spins with durations from named distributions.
//! * [`workload`] — the one trait the runner and benches use, and the three
//!   workloads behind it.
//! * [`recursive`] — fork-join workloads (tree sum, fib, n-queens, UTS), each with a
//!   serial implementation and one parallel body generic over a small `Join` trait.
//! * [`rng`] — SplitMix64, the portable generator behind every seed.
#![deny(missing_docs)]

pub mod checksum;
pub mod factor;
pub mod factorial;
pub mod numbers;
pub mod recursive;
pub mod rng;
pub mod synthetic;
pub mod workload;

use std::path::PathBuf;

/// Why a workload could not be built or read.
///
/// Every message says what was wrong, where (file and line, or which setting),
/// and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// A number file could not be opened or read.
    #[error("cannot read number file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A line of a number file is not a number.
    #[error(
        "{}:{line}: {reason}: {text:?}; allowed: one decimal integer 0..=18446744073709551615 \
         per line, blank lines, and `#` comments (whole line or after the number)",
        path.display()
    )]
    BadLine {
        /// The file.
        path: PathBuf,
        /// The line number, counting from 1.
        line: usize,
        /// The offending text (comment removed, trimmed).
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting (an order, a kind, a distribution…) has a value that is not allowed.
    #[error("invalid {what} {value:?}: {allowed}")]
    BadValue {
        /// Which setting.
        what: String,
        /// The value given.
        value: String,
        /// What is allowed instead.
        allowed: String,
    },
}

impl WorkloadError {
    pub(crate) fn bad_value(
        what: impl Into<String>,
        value: impl Into<String>,
        allowed: impl Into<String>,
    ) -> Self {
        WorkloadError::BadValue {
            what: what.into(),
            value: value.into(),
            allowed: allowed.into(),
        }
    }
}

//! Helpers shared by the seeded stress tests: a reproducible RNG, every
//! schedule, per-index run counters and the iteration multiplier.
#![allow(dead_code)]

use scheduler::{Pool, Schedule};
use std::sync::atomic::{AtomicU32, Ordering};

/// SplitMix64, so every run is reproducible from its seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `0..n` as `usize`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
}

/// The RNG for stream `stream` of a test: `WSBENCH_STRESS_SEED` (default 0)
/// picks another set of cases, so a local run can explore beyond CI's.
pub fn seeded(stream: u64) -> Rng {
    let seed: u64 = std::env::var("WSBENCH_STRESS_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    Rng(stream ^ seed.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// How long a stress test may run before it counts as hung: the per-case
/// limit times [`stress_iters`].
pub fn hang_limit() -> std::time::Duration {
    crate::common::HANG_LIMIT * stress_iters() as u32
}

/// How many times the stress loops repeat: `WSBENCH_STRESS_ITERS` (default 1),
/// so CI stays quick while a local run can go on for longer.
pub fn stress_iters() -> u64 {
    std::env::var("WSBENCH_STRESS_ITERS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

/// Every schedule ([`Schedule::ALL`]), with random small parameters (a DLS
/// technique's may be 0, its default).
pub fn all_schedules(rng: &mut Rng) -> Vec<Schedule> {
    Schedule::ALL
        .into_iter()
        .map(|s| match s {
            Schedule::Dls { .. } => s.with_param(rng.index(9)),
            _ => s.with_param(1 + rng.index(8)),
        })
        .collect()
}

/// A pool of `workers` workers with default settings.
pub fn pool(workers: usize) -> Pool {
    Pool::builder()
        .workers(workers)
        .build()
        .expect("build pool")
}

/// `n` zeroed run counters.
pub fn counters(n: usize) -> Vec<AtomicU32> {
    (0..n).map(|_| AtomicU32::new(0)).collect()
}

/// Fails unless every counter is exactly 1.
pub fn check_once(counts: &[AtomicU32], what: &str) {
    for (i, c) in counts.iter().enumerate() {
        let n = c.load(Ordering::Relaxed);
        assert_eq!(n, 1, "{what}: offset {i} ran {n} times");
    }
}

/// Fails if any counter is above 1; returns how many ran once.
pub fn check_at_most_once(counts: &[AtomicU32], what: &str) -> usize {
    let mut ran = 0;
    for (i, c) in counts.iter().enumerate() {
        let n = c.load(Ordering::Relaxed);
        assert!(n <= 1, "{what}: offset {i} ran {n} times");
        ran += n as usize;
    }
    ran
}

/// Busy work of roughly `micros` microseconds that the optimiser keeps.
pub fn spin_for(micros: u64) {
    let until = std::time::Instant::now() + std::time::Duration::from_micros(micros);
    while std::time::Instant::now() < until {
        std::hint::spin_loop();
    }
}

//! Per-worker iterate times, measured during the loop, for the adaptive
//! techniques (AF, AWF-B, AWF-C, TAP).
//!
//! A participant times each chunk it runs (one `Instant` pair per chunk, not
//! per index) and keeps its running sums in its own stack frame; what the
//! others need it publishes in its [`Slot`], one cache line per participant,
//! written only by that participant. Readers take whatever is there
//! (relaxed loads): the values steer chunk sizes only, never which index runs.

use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What participant `w` publishes; 0.0 means "nothing measured yet".
#[derive(Default)]
pub(crate) struct Slot {
    /// Mean of its per-chunk average iterate times (seconds).
    mean: AtomicU64,
    /// Standard deviation of the same.
    sigma: AtomicU64,
    /// AWF's weighted average time per iterate, `Σ k·t_k / Σ k·s_k` (seconds).
    pi: AtomicU64,
}

/// One slot per participant, each on its own cache line.
pub(crate) type Slots = Box<[CachePadded<Slot>]>;

/// `n` empty slots.
pub(crate) fn slots(n: usize) -> Slots {
    (0..n).map(|_| CachePadded::new(Slot::default())).collect()
}

fn load(a: &AtomicU64) -> f64 {
    f64::from_bits(a.load(Ordering::Relaxed))
}

fn store(a: &AtomicU64, v: f64) {
    a.store(v.to_bits(), Ordering::Relaxed)
}

impl Slot {
    /// The published `(mean, sigma)`; `mean` is 0.0 before the first.
    pub(crate) fn mean_sigma(&self) -> (f64, f64) {
        (load(&self.mean), load(&self.sigma))
    }

    /// Publishes `(mean, sigma)`.
    pub(crate) fn set_mean_sigma(&self, mean: f64, sigma: f64) {
        store(&self.sigma, sigma);
        store(&self.mean, mean);
    }

    /// The published AWF ratio; 0.0 before the first.
    pub(crate) fn pi(&self) -> f64 {
        load(&self.pi)
    }

    /// Publishes the AWF ratio.
    pub(crate) fn set_pi(&self, pi: f64) {
        store(&self.pi, pi)
    }
}

/// A chunk's time as the techniques use it: seconds, at least a nanosecond
/// (a zero would make a worker look infinitely fast).
pub(crate) fn seconds(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64().max(1e-9)
}

/// Running mean and sample standard deviation of per-chunk average iterate
/// times, as LB4OMP's AF keeps them (sums of values and of squares).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct IterStats {
    count: f64,
    sum: f64,
    sum2: f64,
}

impl IterStats {
    /// Adds a chunk of `size` iterates that took `secs`.
    pub(crate) fn add(&mut self, size: usize, secs: f64) {
        let avg = secs / size.max(1) as f64;
        self.count += 1.0;
        self.sum += avg;
        self.sum2 += avg * avg;
    }

    /// `(mean, sigma)`; sigma is 0 with fewer than two chunks.
    pub(crate) fn mean_sigma(&self) -> (f64, f64) {
        if self.count == 0.0 {
            return (0.0, 0.0);
        }
        let mean = self.sum / self.count;
        if self.count < 2.0 {
            return (mean, 0.0);
        }
        let var = (self.sum2 - self.count * mean * mean) / (self.count - 1.0);
        (mean, var.max(0.0).sqrt())
    }
}

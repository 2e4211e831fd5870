//! `kind = "synthetic"`: tasks spin for durations drawn from a distribution.

use std::sync::{Arc, Mutex};

use workloads::synthetic::{calibrate, durations_ns, Distribution};
use workloads::workload::{Synthetic, Workload};

use super::{quick, KeyError, SizeKey, WorkloadRecord, DEFAULT_COUNT};

/// The seed of a synthetic workload without `seed`.
const DEFAULT_SEED: u64 = 2012;

/// A `synthetic` workload's keys; `None` where the file leaves the default.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    /// The task-duration distribution.
    pub distribution: Distribution,
    /// How many tasks (default [`DEFAULT_COUNT`]).
    pub count: Option<usize>,
    /// Generator seed.
    pub seed: Option<u64>,
    /// `sleep = true`: tasks sleep for their durations instead of spinning (no CPU used).
    pub sleep: Option<bool>,
}

/// The spin rate of synthetic tasks in this process (iterations per ns): measured once
/// ([`calibrate`]) unless [`SyntheticSpec::use_spin_rate`] gave it first.
static RATE: Mutex<Option<f64>> = Mutex::new(None);

impl SyntheticSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "synthetic";
    /// The key a `sizes` sweep sets (one member per size).
    pub const SIZE: Option<SizeKey> = Some(SizeKey::Count);
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["distribution", "count", "seed", "sleep"];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        let text = r.distribution.as_deref().ok_or((
            "distribution",
            format!("missing; kind = {:?} needs it", Self::KIND),
        ))?;
        let distribution = text
            .parse::<Distribution>()
            .map_err(|e| ("distribution", e.to_string()))?;
        Ok(SyntheticSpec {
            distribution,
            count: r.count,
            seed: r.seed,
            sleep: r.sleep,
        })
    }

    /// The spin rate synthetic tasks are built with (iterations per ns): the one given by
    /// [`SyntheticSpec::use_spin_rate`], else this machine's, measured on the first call.
    /// A results folder records it (`meta.json`), and a resume reuses it: a rate measured
    /// anew would give other iteration counts, so other task results and checksums.
    pub fn spin_rate() -> f64 {
        let mut rate = RATE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *rate.get_or_insert_with(calibrate)
    }

    /// Builds the synthetic tasks of this process at `rate` iterations per ns (a resumed
    /// folder's recorded rate) instead of measuring it.
    pub fn use_spin_rate(rate: f64) {
        *RATE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(rate);
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        r.distribution = Some(self.distribution.to_string());
        r.count = self.count;
        r.seed = self.seed;
        r.sleep = self.sleep;
    }

    /// `--quick`: a tenth of the tasks, where the file sets `count`.
    pub(super) fn make_quick(&mut self) {
        self.count = self.count.map(quick::shrink);
    }

    pub(super) fn build(&self) -> Arc<dyn Workload> {
        let d = durations_ns(
            &self.distribution,
            self.count.unwrap_or(DEFAULT_COUNT),
            self.seed.unwrap_or(DEFAULT_SEED),
        );
        if self.sleep == Some(true) {
            return Arc::new(Synthetic::sleeping(d));
        }
        Arc::new(Synthetic::with_rate(d, Self::spin_rate()))
    }
}

//! `kind = "synthetic"`: tasks spin for durations drawn from a distribution.

use std::sync::{Arc, OnceLock};

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
}

/// The spin rate of synthetic tasks, calibrated once per process.
fn spin_rate() -> f64 {
    static RATE: OnceLock<f64> = OnceLock::new();
    *RATE.get_or_init(calibrate)
}

impl SyntheticSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "synthetic";
    /// The key a `sizes` sweep sets (one member per size).
    pub const SIZE: Option<SizeKey> = Some(SizeKey::Count);
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["distribution", "count", "seed"];

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
        })
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        r.distribution = Some(self.distribution.to_string());
        r.count = self.count;
        r.seed = self.seed;
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
        Arc::new(Synthetic::with_rate(d, spin_rate()))
    }
}

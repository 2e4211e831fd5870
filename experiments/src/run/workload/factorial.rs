//! `kind = "factorial"`: task i computes i! (the second seed post's workload).

use std::sync::Arc;

use workloads::workload::{Factorial, Workload};

use super::{quick, KeyError, SizeKey, WorkloadRecord};

/// A `factorial` workload's keys.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorialSpec {
    /// Tasks are i = 1..=n.
    pub n: u64,
}

impl FactorialSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "factorial";
    /// The key a `sizes` sweep sets (one member per size).
    pub const SIZE: Option<SizeKey> = Some(SizeKey::N);
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["n"];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        let n =
            r.n.ok_or(("n", format!("missing; kind = {:?} needs it", Self::KIND)))?;
        Ok(FactorialSpec { n })
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        r.n = Some(self.n);
    }

    /// `--quick`: a tenth of the tasks.
    pub(super) fn make_quick(&mut self) {
        self.n = quick::shrink(self.n as usize) as u64;
    }

    pub(super) fn build(&self) -> Arc<dyn Workload> {
        Arc::new(Factorial::new(self.n))
    }
}

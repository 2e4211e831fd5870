//! `kind = "fib"`: doubly recursive Fibonacci, joining at every call above `cutoff`.
//!
//! Keys: `n` (1..=50, required), `cutoff` (0..=n, default 0: join at every call that
//! recurses).

use std::sync::Arc;

use workloads::recursive::fib::{Fib, MAX_N};
use workloads::recursive::Recursive;
use workloads::workload::Workload;

use super::{KeyError, SizeKey, WorkloadRecord};

/// A `fib` workload's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FibSpec {
    /// The computation.
    pub fib: Fib,
}

impl FibSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "fib";
    /// No sweep: one computation.
    pub const SIZE: Option<SizeKey> = None;
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["n", "cutoff"];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        let n =
            r.n.ok_or(("n", format!("missing; kind = {:?} needs it", Self::KIND)))?;
        if !(1..=MAX_N).contains(&n) {
            return Err((
                "n",
                format!("{n} is not allowed; for kind = \"fib\" it must be within 1..={MAX_N}"),
            ));
        }
        let cutoff = r.cutoff.unwrap_or(0);
        if cutoff > n {
            return Err((
                "cutoff",
                format!("{cutoff} is not allowed; it must be within 0..=n ({n})"),
            ));
        }
        Ok(FibSpec {
            fib: Fib { n, cutoff },
        })
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        r.n = Some(self.fib.n);
        r.cutoff = (self.fib.cutoff != 0).then_some(self.fib.cutoff);
    }

    /// `--quick`: n − 5 (about a tenth of the calls).
    pub(super) fn make_quick(&mut self) {
        self.fib.n = self.fib.n.saturating_sub(5).max(1);
        self.fib.cutoff = self.fib.cutoff.min(self.fib.n);
    }

    pub(super) fn build(&self) -> Arc<dyn Workload> {
        Arc::new(Recursive::Fib(self.fib))
    }
}

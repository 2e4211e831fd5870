//! `kind = "nqueens"`: count the solutions of n-queens, joining over each row's free
//! columns.
//!
//! Keys: `n` (1..=16, required).

use std::sync::Arc;

use workloads::recursive::nqueens::{NQueens, MAX_N};
use workloads::recursive::Recursive;
use workloads::workload::Workload;

use super::{KeyError, SizeKey, WorkloadRecord};

/// An `nqueens` workload's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NQueensSpec {
    /// The board size.
    pub n: u32,
}

impl NQueensSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "nqueens";
    /// No sweep: one computation.
    pub const SIZE: Option<SizeKey> = None;
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["n"];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        let n =
            r.n.ok_or(("n", format!("missing; kind = {:?} needs it", Self::KIND)))?;
        if !(1..=u64::from(MAX_N)).contains(&n) {
            return Err((
                "n",
                format!("{n} is not allowed; for kind = \"nqueens\" it must be within 1..={MAX_N}"),
            ));
        }
        Ok(NQueensSpec { n: n as u32 })
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        r.n = Some(u64::from(self.n));
    }

    /// `--quick`: n − 2 (roughly a twentieth of the search).
    pub(super) fn make_quick(&mut self) {
        self.n = self.n.saturating_sub(2).max(1);
    }

    pub(super) fn build(&self) -> Arc<dyn Workload> {
        Arc::new(Recursive::NQueens(NQueens::new(self.n)))
    }
}

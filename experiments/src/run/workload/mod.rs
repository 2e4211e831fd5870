//! The workloads an experiment runs: one variant of [`WorkloadKind`] per `kind`, each with
//! its own typed keys and its own module (how its keys are read, how `--quick` shrinks it,
//! how it is built).
//!
//! A new kind is a new variant plus its module: every `match` on [`WorkloadKind`] is
//! exhaustive, so the compiler lists what the new kind must answer.

mod factorial;
mod factorize;
mod fib;
mod file;
mod nqueens;
pub mod record;
mod synthetic;
mod tree_sum;
mod uts;

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use workloads::workload::Workload;

use super::strategy::Strategy;

pub use factorial::FactorialSpec;
pub use factorize::FactorizeSpec;
pub use fib::FibSpec;
pub use file::FileSpec;
pub use nqueens::NQueensSpec;
pub use record::WorkloadRecord;
pub use synthetic::SyntheticSpec;
pub use tree_sum::TreeSumSpec;
pub use uts::{uts_tree_name, UtsSpec};

/// Default task count of `factorize` and `synthetic` workloads without `count`.
pub const DEFAULT_COUNT: usize = 20_000;

/// A problem with one key of a workload: the key (without `workload.`) and what is wrong.
pub type KeyError = (&'static str, String);

/// What `--quick` does to a task count: a tenth, never fewer than 20 (nor more than it was).
pub mod quick {
    /// Task counts are divided by this...
    pub const DIVISOR: usize = 10;
    /// ...but never made smaller than this (nor larger than they were).
    pub const MIN_TASKS: usize = 20;

    /// A task count shrunk for `--quick`.
    pub fn shrink(n: usize) -> usize {
        (n / DIVISOR).max(MIN_TASKS).min(n)
    }
}

/// The key a sweep's `sizes` set in each member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeKey {
    /// `count` (factorize, synthetic).
    Count,
    /// `n` (factorial).
    N,
}

impl SizeKey {
    /// Sets this key of `r` to `size`.
    pub fn set(self, r: &mut WorkloadRecord, size: u64) {
        match self {
            SizeKey::Count => r.count = Some(size as usize),
            SizeKey::N => r.n = Some(size),
        }
    }
}

/// A workload's kind and the keys that belong to it.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkloadKind {
    /// Factorize generated numbers.
    Factorize(FactorizeSpec),
    /// Tasks `i! ` for i = 1..=n.
    Factorial(FactorialSpec),
    /// Spin for durations drawn from a distribution.
    Synthetic(SyntheticSpec),
    /// Factorize the numbers of a file.
    File(FileSpec),
    /// Sum a binary tree, joining at every node (recursive).
    TreeSum(TreeSumSpec),
    /// Doubly recursive Fibonacci (recursive).
    Fib(FibSpec),
    /// Count n-queens solutions (recursive).
    NQueens(NQueensSpec),
    /// Unbalanced Tree Search (recursive).
    Uts(UtsSpec),
}

/// A kind without its keys: what the `kind` key names.
///
/// ```
/// use wsbench::run::workload::KindName;
/// assert_eq!("factorial".parse::<KindName>().unwrap(), KindName::Factorial);
/// assert!("fibonacci".parse::<KindName>().unwrap_err().contains("synthetic"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindName {
    /// [`FactorizeSpec`].
    Factorize,
    /// [`FactorialSpec`].
    Factorial,
    /// [`SyntheticSpec`].
    Synthetic,
    /// [`FileSpec`].
    File,
    /// [`TreeSumSpec`].
    TreeSum,
    /// [`FibSpec`].
    Fib,
    /// [`NQueensSpec`].
    NQueens,
    /// [`UtsSpec`].
    Uts,
}

impl KindName {
    /// Every kind, in the order messages list them.
    pub const ALL: [KindName; 8] = [
        KindName::Factorize,
        KindName::Factorial,
        KindName::Synthetic,
        KindName::File,
        KindName::TreeSum,
        KindName::Fib,
        KindName::NQueens,
        KindName::Uts,
    ];

    /// Whether the kind is one fork-join computation (run by `serial`, `join`, `rayon`,
    /// `chili`) rather than a loop of independent tasks.
    pub fn is_recursive(self) -> bool {
        matches!(
            self,
            KindName::TreeSum | KindName::Fib | KindName::NQueens | KindName::Uts
        )
    }

    /// The name, as the `kind` key spells it.
    pub fn name(self) -> &'static str {
        match self {
            KindName::Factorize => FactorizeSpec::KIND,
            KindName::Factorial => FactorialSpec::KIND,
            KindName::Synthetic => SyntheticSpec::KIND,
            KindName::File => FileSpec::KIND,
            KindName::TreeSum => TreeSumSpec::KIND,
            KindName::Fib => FibSpec::KIND,
            KindName::NQueens => NQueensSpec::KIND,
            KindName::Uts => UtsSpec::KIND,
        }
    }

    /// The keys this kind accepts besides `name`, `kind`, `sizes`, `pool_in_timing`,
    /// `latency`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            KindName::Factorize => FactorizeSpec::KEYS,
            KindName::Factorial => FactorialSpec::KEYS,
            KindName::Synthetic => SyntheticSpec::KEYS,
            KindName::File => FileSpec::KEYS,
            KindName::TreeSum => TreeSumSpec::KEYS,
            KindName::Fib => FibSpec::KEYS,
            KindName::NQueens => NQueensSpec::KEYS,
            KindName::Uts => UtsSpec::KEYS,
        }
    }

    /// The key a sweep's `sizes` set, or `None` for a kind whose size is not a key.
    pub fn size_key(self) -> Option<SizeKey> {
        match self {
            KindName::Factorize => FactorizeSpec::SIZE,
            KindName::Factorial => FactorialSpec::SIZE,
            KindName::Synthetic => SyntheticSpec::SIZE,
            KindName::File => FileSpec::SIZE,
            KindName::TreeSum => TreeSumSpec::SIZE,
            KindName::Fib => FibSpec::SIZE,
            KindName::NQueens => NQueensSpec::SIZE,
            KindName::Uts => UtsSpec::SIZE,
        }
    }

    /// Every kind's name, for messages: `factorize, factorial, synthetic, file, tree-sum, …`.
    pub fn allowed() -> String {
        let names: Vec<&str> = KindName::ALL.iter().map(|k| k.name()).collect();
        names.join(", ")
    }
}

impl std::str::FromStr for KindName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        KindName::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("{s:?} is not a kind; allowed: {}", KindName::allowed()))
    }
}

impl WorkloadKind {
    /// The kind's name (the `kind` key).
    pub fn name(&self) -> &'static str {
        self.kind_name().name()
    }

    /// The kind without its keys.
    pub fn kind_name(&self) -> KindName {
        match self {
            WorkloadKind::Factorize(_) => KindName::Factorize,
            WorkloadKind::Factorial(_) => KindName::Factorial,
            WorkloadKind::Synthetic(_) => KindName::Synthetic,
            WorkloadKind::File(_) => KindName::File,
            WorkloadKind::TreeSum(_) => KindName::TreeSum,
            WorkloadKind::Fib(_) => KindName::Fib,
            WorkloadKind::NQueens(_) => KindName::NQueens,
            WorkloadKind::Uts(_) => KindName::Uts,
        }
    }

    /// Reads a kind's keys from a record, checking every value.
    pub fn from_record(r: &WorkloadRecord) -> Result<WorkloadKind, KeyError> {
        let kind: KindName = r.kind.parse().map_err(|e| ("kind", e))?;
        Ok(match kind {
            KindName::Factorize => WorkloadKind::Factorize(FactorizeSpec::from_record(r)?),
            KindName::Factorial => WorkloadKind::Factorial(FactorialSpec::from_record(r)?),
            KindName::Synthetic => WorkloadKind::Synthetic(SyntheticSpec::from_record(r)?),
            KindName::File => WorkloadKind::File(FileSpec::from_record(r)?),
            KindName::TreeSum => WorkloadKind::TreeSum(TreeSumSpec::from_record(r)?),
            KindName::Fib => WorkloadKind::Fib(FibSpec::from_record(r)?),
            KindName::NQueens => WorkloadKind::NQueens(NQueensSpec::from_record(r)?),
            KindName::Uts => WorkloadKind::Uts(UtsSpec::from_record(r)?),
        })
    }

    fn write_record(&self, r: &mut WorkloadRecord) {
        match self {
            WorkloadKind::Factorize(s) => s.write_record(r),
            WorkloadKind::Factorial(s) => s.write_record(r),
            WorkloadKind::Synthetic(s) => s.write_record(r),
            WorkloadKind::File(s) => s.write_record(r),
            WorkloadKind::TreeSum(s) => s.write_record(r),
            WorkloadKind::Fib(s) => s.write_record(r),
            WorkloadKind::NQueens(s) => s.write_record(r),
            WorkloadKind::Uts(s) => s.write_record(r),
        }
    }

    /// `--quick`: a tenth of the tasks (see [`quick`]).
    pub fn make_quick(&mut self) {
        match self {
            WorkloadKind::Factorize(s) => s.make_quick(),
            WorkloadKind::Factorial(s) => s.make_quick(),
            WorkloadKind::Synthetic(s) => s.make_quick(),
            WorkloadKind::File(s) => s.make_quick(),
            WorkloadKind::TreeSum(s) => s.make_quick(),
            WorkloadKind::Fib(s) => s.make_quick(),
            WorkloadKind::NQueens(s) => s.make_quick(),
            WorkloadKind::Uts(s) => s.make_quick(),
        }
    }
}

/// A checked workload: its name, its kind's typed keys, and the settings of its runs.
///
/// Serialised as a [`WorkloadRecord`] (the flat table `meta.json` has always held).
///
/// ```
/// use wsbench::run::workload::{WorkloadKind, WorkloadSpec};
/// let json = r#"{"name":"f","kind":"factorial","n":10,"pool_in_timing":false,"latency":true}"#;
/// let spec: WorkloadSpec = serde_json::from_str(json).unwrap();
/// assert!(matches!(&spec.kind, WorkloadKind::Factorial(f) if f.n == 10));
/// assert_eq!(serde_json::to_string(&spec).unwrap(), json);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WorkloadRecord", into = "WorkloadRecord")]
pub struct WorkloadSpec {
    /// Unique name (a sweep's members are `<name>-n<size>`).
    pub name: String,
    /// The kind and its keys.
    pub kind: WorkloadKind,
    /// The sweep this workload came from (the name before `-n<size>`), if any.
    pub sweep: Option<String>,
    /// Whether pool creation (and shutdown) is inside the timed region for this workload's
    /// runs (the experiment's `pool_in_timing` unless the workload sets its own).
    pub pool_in_timing: bool,
    /// Whether per-task latency is recorded for this workload's runs (the experiment's
    /// `latency` unless the workload sets its own).
    pub latency: bool,
    /// This workload's own strategies (its table's `strategies`), which replace the
    /// experiment's for its cells; `None`: the experiment's.
    pub strategies: Option<Vec<Strategy>>,
    /// Whether this workload's runs are traced per task (`run/trace/`; implies `latency`).
    pub trace: bool,
}

impl WorkloadSpec {
    /// A checked workload from its record; the error names the key.
    pub fn from_record(r: &WorkloadRecord) -> Result<WorkloadSpec, KeyError> {
        Ok(WorkloadSpec {
            name: r.name.clone(),
            kind: WorkloadKind::from_record(r)?,
            sweep: r.sweep.clone(),
            pool_in_timing: r.pool_in_timing,
            latency: r.latency,
            strategies: r
                .strategies
                .as_ref()
                .map(|list| {
                    list.iter()
                        .map(|s| s.parse::<Strategy>().map_err(|e| ("strategies", e)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
            trace: r.trace,
        })
    }

    /// The record (`meta.json`'s form) of this workload.
    pub fn to_record(&self) -> WorkloadRecord {
        let mut r = WorkloadRecord {
            name: self.name.clone(),
            kind: self.kind.name().to_string(),
            sweep: self.sweep.clone(),
            pool_in_timing: self.pool_in_timing,
            latency: self.latency,
            strategies: self
                .strategies
                .as_ref()
                .map(|l| l.iter().map(ToString::to_string).collect()),
            trace: self.trace,
            ..WorkloadRecord::default()
        };
        self.kind.write_record(&mut r);
        r
    }

    /// Builds the workload (generates its numbers, reads its file). `base` is the folder
    /// that a relative `path` is read from (the config file's folder).
    pub fn build(&self, base: &Path) -> Result<Arc<dyn Workload>, String> {
        let at = |(key, msg): KeyError| format!("workload {:?}: key `{key}`: {msg}", self.name);
        match &self.kind {
            WorkloadKind::Factorize(s) => s.build().map_err(at),
            WorkloadKind::Factorial(s) => Ok(s.build()),
            WorkloadKind::Synthetic(s) => Ok(s.build()),
            WorkloadKind::File(s) => s
                .build(base)
                .map_err(|e| format!("workload {:?}: {e}", self.name)),
            WorkloadKind::TreeSum(s) => Ok(s.build()),
            WorkloadKind::Fib(s) => Ok(s.build()),
            WorkloadKind::NQueens(s) => Ok(s.build()),
            WorkloadKind::Uts(s) => s.build().map_err(at),
        }
    }
}

impl TryFrom<WorkloadRecord> for WorkloadSpec {
    type Error = String;
    fn try_from(r: WorkloadRecord) -> Result<Self, String> {
        WorkloadSpec::from_record(&r)
            .map_err(|(key, msg)| format!("workload {:?}: key `{key}`: {msg}", r.name))
    }
}

impl From<WorkloadSpec> for WorkloadRecord {
    fn from(spec: WorkloadSpec) -> WorkloadRecord {
        spec.to_record()
    }
}

/// A `method` key: `naive` or `fast`.
fn method(r: &WorkloadRecord) -> Result<Option<workloads::factor::Method>, KeyError> {
    r.method
        .as_deref()
        .map(|m| {
            m.parse().map_err(|_| {
                (
                    "method",
                    format!("{m:?} is not a method; allowed: naive, fast"),
                )
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str) -> WorkloadRecord {
        WorkloadRecord {
            name: format!("a-{kind}"),
            kind: kind.into(),
            n: Some(10),
            distribution: Some("fixed:time=1us".into()),
            path: Some("numbers.txt".into()),
            depth: Some(10),
            tree: Some("default".into()),
            ..WorkloadRecord::default()
        }
    }

    #[test]
    fn every_kind_is_known_by_name_and_round_trips() {
        for kind in KindName::ALL {
            let r = record(kind.name());
            let spec = WorkloadSpec::from_record(&r).unwrap();
            assert_eq!(spec.kind.kind_name(), kind);
            let back = spec.to_record();
            assert_eq!(WorkloadSpec::from_record(&back).unwrap(), spec);
        }
        let err = WorkloadSpec::from_record(&record("fibonacci")).unwrap_err();
        assert_eq!(err.0, "kind");
    }

    #[test]
    fn generator_and_bits_read_as_one_value() {
        let mut r = record("factorize");
        r.generator = Some("primes:36".into());
        let a = WorkloadSpec::from_record(&r).unwrap();
        r.generator = Some("primes".into());
        r.bits = Some(36);
        let b = WorkloadSpec::from_record(&r).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            (b.to_record().generator.as_deref(), b.to_record().bits),
            (Some("primes"), Some(36))
        );
        r.bits = Some(99);
        assert_eq!(WorkloadSpec::from_record(&r).unwrap_err().0, "generator");
    }
}

//! A workload as `meta.json` records it: one flat table, each key set only where it applies.
//!
//! This is the serialised form of [`WorkloadSpec`](super::WorkloadSpec) (serde `try_from` /
//! `into`), kept key for key as earlier versions wrote it, so that every results folder
//! stays readable and `--resume` / `merge` compare configs key by key.

use serde::{Deserialize, Serialize};

/// The flat form of a workload: `name`, `kind`, and the keys its kind uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadRecord {
    /// Unique name (a sweep's members are `<name>-n<size>`).
    pub name: String,
    /// `factorize`, `factorial`, `synthetic`, `file`, `tree-sum`, `fib`, `nqueens` or `uts`.
    pub kind: String,
    /// factorize: the number generator (`mixed`, `uniform`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// factorize, synthetic: how many tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// factorize: share of heavy numbers in the mixed set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heavy_fraction: Option<f64>,
    /// factorize: task order (`shuffled`, `heavy-last`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// factorize, synthetic: generator seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// factorize: size in bits of the generator's (heavy) numbers (default 40).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// factorize, file: `naive` (the posts' trial division) or `fast`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// factorial: tasks are i = 1..=n; fib: the argument; nqueens: the board size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// synthetic: the task-duration distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    /// synthetic: sleep for the durations instead of spinning (absent: spin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep: Option<bool>,
    /// file: numbers to factorize, one a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// file: keep only the first `limit` numbers (set by `--quick`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// tree-sum: levels of the complete tree (skewed: of each branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
    /// tree-sum: `complete` (absent) or `skewed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    /// tree-sum, skewed: spine nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine: Option<u32>,
    /// fib: calls with n ≤ cutoff do not join (absent: 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutoff: Option<u64>,
    /// uts: a sample tree's name or the tree's parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The workload's own strategies, replacing the experiment's for its cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategies: Option<Vec<String>>,
    /// The sweep this workload came from (the name before `-n<size>`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<String>,
    /// Whether pool creation (and shutdown) is inside the timed region for this workload's
    /// runs (the experiment's `pool_in_timing` unless the workload sets its own).
    pub pool_in_timing: bool,
    /// Whether per-task latency is recorded for this workload's runs (the experiment's
    /// `latency` unless the workload sets its own).
    pub latency: bool,
    /// Whether this workload's runs are traced per task (the experiment's `trace` unless
    /// the workload sets its own); written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trace: bool,
}

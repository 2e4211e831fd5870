//! `kind = "tree-sum"`: sum a binary tree of boxed nodes, joining at every node.
//!
//! Keys: `depth` (1..=24, required), `shape` (`complete`, the default, or `skewed`) and,
//! for `skewed`, `spine` (1..=4096, default 1024): see `workloads::recursive::tree_sum`
//! for the exact shapes.

use std::sync::Arc;

use workloads::recursive::tree_sum::{Shape, TreeSum, MAX_DEPTH, MAX_SPINE};
use workloads::recursive::Recursive;
use workloads::workload::Workload;

use super::{KeyError, SizeKey, WorkloadRecord};

/// A skewed tree's spine without `spine`.
pub const DEFAULT_SPINE: u32 = 1024;

/// A `tree-sum` workload's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeSumSpec {
    /// The tree's shape.
    pub shape: Shape,
}

impl TreeSumSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "tree-sum";
    /// No sweep: a tree is one computation.
    pub const SIZE: Option<SizeKey> = None;
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["depth", "shape", "spine"];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        let depth = r.depth.ok_or((
            "depth",
            format!("missing; kind = {:?} needs it", Self::KIND),
        ))?;
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err((
                "depth",
                format!("{depth} is not allowed; it must be within 1..={MAX_DEPTH}"),
            ));
        }
        let shape = match r.shape.as_deref().unwrap_or("complete") {
            "complete" => {
                if r.spine.is_some() {
                    return Err(("spine", "used only with shape = \"skewed\"".into()));
                }
                Shape::Complete { depth }
            }
            "skewed" => {
                let spine = r.spine.unwrap_or(DEFAULT_SPINE);
                if !(1..=MAX_SPINE).contains(&spine) {
                    return Err((
                        "spine",
                        format!("{spine} is not allowed; it must be within 1..={MAX_SPINE}"),
                    ));
                }
                Shape::Skewed { depth, spine }
            }
            other => {
                return Err((
                    "shape",
                    format!("{other:?} is not a shape; allowed: complete, skewed"),
                ))
            }
        };
        Ok(TreeSumSpec { shape })
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        match self.shape {
            Shape::Complete { depth } => r.depth = Some(depth),
            Shape::Skewed { depth, spine } => {
                r.depth = Some(depth);
                r.shape = Some("skewed".into());
                r.spine = Some(spine);
            }
        }
    }

    /// `--quick`: depth − 3 (an eighth of the nodes), a tenth of the spine.
    pub(super) fn make_quick(&mut self) {
        let less = |d: u32| d.saturating_sub(3).max(1);
        self.shape = match self.shape {
            Shape::Complete { depth } => Shape::Complete { depth: less(depth) },
            Shape::Skewed { depth, spine } => Shape::Skewed {
                depth: less(depth),
                spine: (spine / 10).max(1),
            },
        };
    }

    pub(super) fn build(&self) -> Arc<dyn Workload> {
        Arc::new(Recursive::TreeSum(TreeSum::new(self.shape)))
    }
}

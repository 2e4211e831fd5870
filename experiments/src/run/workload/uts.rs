//! `kind = "uts"`: Unbalanced Tree Search with UTS's SHA-1 generator, joining over every
//! node's children.
//!
//! Key: `tree` (required): a published sample tree by name — `default` (1,732 nodes), `t1`
//! (geometric, fixed branching factor, 4,130,071 nodes), `t2` (geometric, cyclic), `t3`
//! (binomial, 4,112,897 nodes), `t4` (hybrid), `t5` (geometric, linear decrease) — or
//! parameters as UTS's options name them, the rest taking UTS's defaults (b = 4,
//! seed = 0, depth = 6, shape = linear, q = 0.234375, m = 4):
//! `geometric:shape=fixed,depth=10,b=4,seed=19`, `binomial:b=2000,q=0.124875,m=8,seed=42`,
//! `hybrid:shape=linear,depth=16,b=6,q=0.234375,m=4,seed=1`.
//!
//! A tree deeper than [`MAX_LEVELS`] (T3 among the samples) or larger than [`MAX_NODES`] is
//! refused when the workload is built, before anything is written. `--quick` makes a geometric or hybrid tree 3 levels
//! shallower and gives a binomial root a tenth of its children (a binomial tree's depth
//! comes from its deepest root child, which that may keep).

use std::sync::Arc;

use workloads::recursive::uts::{GeoShape, TreeKind, Uts, UtsParams, SAMPLES};
use workloads::recursive::Recursive;
use workloads::workload::Workload;

use super::{KeyError, SizeKey, WorkloadRecord};

/// The deepest tree a `uts` workload may be: every level nests up to seven joins (a node
/// of 100 children), and the runtimes' worker threads have 2 MiB stacks. Measured here: a
/// binomial tree of 477 levels runs on our pool, rayon and chili; T3 (1,572) overflows our
/// pool's and rayon's workers.
pub const MAX_LEVELS: u64 = 600;

/// The largest tree a `uts` workload may be (counted when it is built, a few seconds a
/// hundred million nodes); a larger one is refused before anything is written.
pub const MAX_NODES: u64 = 120_000_000;

/// A `uts` workload's keys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UtsSpec {
    /// The tree's parameters.
    pub params: UtsParams,
}

const ALLOWED: &str = "a sample tree (default, t1, t2, t3, t4, t5) or \
geometric:shape=S,depth=D,b=B,seed=R, binomial:b=B,q=Q,m=M,seed=R, \
hybrid:shape=S,depth=D,b=B,q=Q,m=M,seed=R (S: linear, expdec, cyclic, fixed; each parameter \
optional)";

fn shape_name(s: GeoShape) -> &'static str {
    match s {
        GeoShape::Linear => "linear",
        GeoShape::ExpDec => "expdec",
        GeoShape::Cyclic => "cyclic",
        GeoShape::Fixed => "fixed",
    }
}

/// The `tree` value of `params`: a sample's name, or its parameters.
///
/// ```
/// use wsbench::run::workload::uts_tree_name;
/// use workloads::recursive::uts::SAMPLES;
/// assert_eq!(uts_tree_name(&SAMPLES[1].params), "t1");
/// let mut p = SAMPLES[1].params;
/// p.seed = 7;
/// assert_eq!(uts_tree_name(&p), "geometric:shape=fixed,depth=10,b=4,seed=7");
/// ```
pub fn uts_tree_name(p: &UtsParams) -> String {
    if let Some(s) = SAMPLES.iter().find(|s| s.params == *p) {
        return s.name.to_string();
    }
    let (b, seed) = (p.b0, p.seed);
    match p.kind {
        TreeKind::Geometric { shape, depth } => format!(
            "geometric:shape={},depth={depth},b={b},seed={seed}",
            shape_name(shape)
        ),
        TreeKind::Binomial { q, m } => format!("binomial:b={b},q={q},m={m},seed={seed}"),
        TreeKind::Hybrid { shape, depth, q, m } => format!(
            "hybrid:shape={},depth={depth},b={b},q={q},m={m},seed={seed}",
            shape_name(shape)
        ),
    }
}

/// Parses a `tree` value (see the module documentation).
fn parse_tree(text: &str) -> Result<UtsParams, String> {
    let t = text.trim();
    if let Some(s) = SAMPLES.iter().find(|s| s.name == t) {
        return Ok(s.params);
    }
    let bad = |why: String| format!("{text:?}: {why}; allowed: {ALLOWED}");
    let (kind, args) = t.split_once(':').unwrap_or((t, ""));
    let (mut shape, mut depth, mut b, mut seed) = (GeoShape::Linear, 6u32, 4.0f64, 0i32);
    let (mut q, mut m) = (15.0 / 64.0, 4u32);
    for kv in args.split(',').filter(|s| !s.trim().is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| bad(format!("{kv:?} is not KEY=VALUE")))?;
        let (k, v) = (k.trim(), v.trim());
        let num = |what: &str| bad(format!("{k} = {v:?} is not {what}"));
        match k {
            "shape" => {
                shape = match v {
                    "linear" => GeoShape::Linear,
                    "expdec" => GeoShape::ExpDec,
                    "cyclic" => GeoShape::Cyclic,
                    "fixed" => GeoShape::Fixed,
                    _ => return Err(num("a shape")),
                }
            }
            "depth" => {
                depth = v
                    .parse()
                    .ok()
                    .filter(|d| (1..=10_000).contains(d))
                    .ok_or_else(|| num("a depth in 1..=10000"))?
            }
            "b" => {
                b = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| *x > 0.0 && *x <= 100_000.0)
                    .ok_or_else(|| num("a branching factor in (0, 100000]"))?
            }
            "seed" => {
                seed = v
                    .parse()
                    .ok()
                    .filter(|s| *s >= 0)
                    .ok_or_else(|| num("a seed in 0..=2147483647"))?
            }
            "q" => {
                q = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| (0.0..=1.0).contains(x))
                    .ok_or_else(|| num("a probability in 0..=1"))?
            }
            "m" => {
                m = v
                    .parse()
                    .ok()
                    .filter(|x| (1..=100).contains(x))
                    .ok_or_else(|| num("a child count in 1..=100"))?
            }
            _ => return Err(bad(format!("unknown parameter {k:?}"))),
        }
    }
    let kind = match kind {
        "geometric" => TreeKind::Geometric { shape, depth },
        "binomial" => TreeKind::Binomial { q, m },
        "hybrid" => TreeKind::Hybrid { shape, depth, q, m },
        _ => return Err(bad(format!("{kind:?} is not a sample tree or a tree kind"))),
    };
    if !matches!(kind, TreeKind::Geometric { .. }) && q * f64::from(m) >= 1.0 {
        return Err(bad(format!(
            "q·m = {} is at least 1: the tree would be infinite",
            q * f64::from(m)
        )));
    }
    Ok(UtsParams { kind, b0: b, seed })
}

impl UtsSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "uts";
    /// No sweep: one computation.
    pub const SIZE: Option<SizeKey> = None;
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["tree"];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        let tree = r
            .tree
            .as_deref()
            .ok_or(("tree", format!("missing; kind = {:?} needs it", Self::KIND)))?;
        Ok(UtsSpec {
            params: parse_tree(tree).map_err(|e| ("tree", e))?,
        })
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        r.tree = Some(uts_tree_name(&self.params));
    }

    /// `--quick`: a geometric or hybrid tree 3 levels shallower, a binomial root with a
    /// tenth of the children (no longer the published tree: checked against serial only).
    pub(super) fn make_quick(&mut self) {
        let p = &mut self.params;
        match &mut p.kind {
            TreeKind::Geometric { depth, .. } | TreeKind::Hybrid { depth, .. } => {
                *depth = depth.saturating_sub(3).max(1);
            }
            TreeKind::Binomial { .. } => p.b0 = (p.b0 / 10.0).floor().max(1.0),
        }
    }

    pub(super) fn build(&self) -> Result<Arc<dyn Workload>, KeyError> {
        self.build_limited(MAX_NODES)
    }

    fn build_limited(&self, max_nodes: u64) -> Result<Arc<dyn Workload>, KeyError> {
        let name = uts_tree_name(&self.params);
        let u = Uts::with_limit(self.params, max_nodes).ok_or((
            "tree",
            format!(
                "{name:?} has more than {max_nodes} nodes; allowed: trees of at most {max_nodes}"
            ),
        ))?;
        let depth = u.counts().depth;
        if depth > MAX_LEVELS {
            return Err((
                "tree",
                format!(
                    "{name:?} is {depth} levels deep; its nested joins would overflow the 2 MiB \
                     stacks of the runtimes' worker threads (T3's 1,572 levels do on our pool \
                     and rayon); allowed: trees of at most {MAX_LEVELS} levels"
                ),
            ));
        }
        Ok(Arc::new(Recursive::Uts(u)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_parse_and_print_back() {
        for s in SAMPLES {
            assert_eq!(parse_tree(s.name).unwrap(), s.params);
        }
        assert_eq!(
            parse_tree("geometric:shape=fixed,depth=10,b=4,seed=19").unwrap(),
            SAMPLES[1].params
        );
        assert_eq!(
            parse_tree("binomial:b=2000,q=0.124875,m=8,seed=42").unwrap(),
            SAMPLES[3].params
        );
        let p = parse_tree("binomial:b=200,q=0.124875,m=8,seed=42").unwrap();
        assert_eq!(parse_tree(&uts_tree_name(&p)).unwrap(), p);
        for bad in [
            "t9",
            "geometric:depth=0",
            "binomial:q=0.5,m=2",
            "geometric:x=1",
            "hybrid:b",
        ] {
            let e = parse_tree(bad).unwrap_err();
            assert!(e.contains("allowed") && e.contains(bad), "{e}");
        }
    }
}

#[cfg(test)]
mod build_tests {
    use super::*;

    #[test]
    fn too_large_trees_are_refused_at_build() {
        let huge = UtsSpec {
            params: parse_tree("geometric:shape=fixed,depth=40,b=4,seed=1").unwrap(),
        };
        let e = huge.build_limited(10_000).err().unwrap();
        assert!(
            e.0 == "tree" && e.1.contains("more than 10000 nodes"),
            "{e:?}"
        );
        let small = UtsSpec {
            params: SAMPLES[0].params,
        };
        assert!(small.build().is_ok());
    }

    /// T3's count takes seconds without optimisation.
    #[test]
    #[cfg_attr(debug_assertions, ignore = "slow without optimisation")]
    fn too_deep_trees_are_refused_at_build() {
        let deep = UtsSpec {
            params: SAMPLES[3].params,
        };
        let e = deep.build().err().unwrap();
        assert!(e.0 == "tree" && e.1.contains("1572 levels"), "{e:?}");
    }
}

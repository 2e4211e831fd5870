//! The search space: every (worker count, placement, method) worth racing on a machine.
//!
//! A pure function of the topology and the options ([`candidates`]), so that a test lists
//! it for a snapshot of another machine (`wsbench tune --list --root DIR`).
//!
//! * **Placements** (unless `--placements` names them): `none` (the OS decides), `spread`
//!   and `close` (SMT siblings used), `cores` (SMT off, where the machine has SMT) and,
//!   where there are several packages or NUMA nodes, `spread` and `close` restricted to
//!   each (`@package:N`, `@node:N`). Two placements that put the workers on the same CPUs
//!   in the same order are one candidate (the first name is kept, the others listed as
//!   its aliases); a placement that cannot hold a worker count is skipped for it.
//! * **Worker counts** (unless `--workers`): 1, 2, 4, … below the allowed CPUs, and all
//!   of them.
//! * **Methods** (unless `--strategies`/`--schedules`): our pool's schedules and LB4OMP's
//!   techniques ([`scheduler::Schedule::ALL`]); with more than one worker, work-stealing
//!   also with every victim order × steal amount and adaptive with every victim order
//!   (the stealing policy; one worker has no thieves). For `--command`, the method is an
//!   `OMP_SCHEDULE` string.

use std::fmt;

use scheduler::Schedule;
use topology::placement::Placement;
use topology::Topology;

use crate::run::policy::{Choice, Steal, StealPolicy, Victims};
use crate::run::strategy::Strategy;

/// How a candidate spreads the work.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// A wsbench strategy with our pool's stealing policy.
    Strategy(Strategy, StealPolicy),
    /// An `OMP_SCHEDULE` value for the user's command.
    OmpSchedule(String),
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Strategy(s, p) if uses_policy(s) && *p != StealPolicy::default() => {
                write!(f, "{s} victims={} steal={}", p.victim_order, p.steal)
            }
            Method::Strategy(s, _) => write!(f, "{s}"),
            Method::OmpSchedule(s) => write!(f, "OMP_SCHEDULE={s}"),
        }
    }
}

/// Whether a strategy's speed depends on the stealing policy.
fn uses_policy(s: &Strategy) -> bool {
    matches!(
        s,
        Strategy::Pool(Schedule::WorkStealing { .. } | Schedule::Adaptive)
    )
}

/// One point of the search space.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Worker (thread) count.
    pub workers: usize,
    /// Where they go.
    pub placement: Placement,
    /// Other placements that put them on the same CPUs.
    pub aliases: Vec<String>,
    /// Worker → CPU (`None`: not pinned).
    pub cpus: Vec<Option<usize>>,
    /// The schedule (and stealing policy).
    pub method: Method,
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}w · {} · {}",
            self.workers, self.placement, self.method
        )
    }
}

/// What restricts each dimension (`None`: the default list for the machine).
#[derive(Debug, Clone, Default)]
pub struct SpaceOptions {
    /// Worker counts.
    pub workers: Option<Vec<usize>>,
    /// Placements.
    pub placements: Option<Vec<Placement>>,
    /// Strategies (config mode); `None`: [`Schedule::ALL`].
    pub strategies: Option<Vec<Strategy>>,
    /// `OMP_SCHEDULE` values (command mode); when set, methods are these.
    pub schedules: Option<Vec<String>>,
    /// Whether to vary the stealing policy of the stealing schedules.
    pub policies: bool,
}

/// The default worker counts: powers of two below the allowed CPUs, and all of them.
///
/// ```
/// assert_eq!(wsbench::tune::space::default_workers(6), vec![1, 2, 4, 6]);
/// assert_eq!(wsbench::tune::space::default_workers(2), vec![1, 2]);
/// ```
pub fn default_workers(allowed: usize) -> Vec<usize> {
    let mut v: Vec<usize> = std::iter::successors(Some(1usize), |n| n.checked_mul(2))
        .take_while(|&n| n < allowed)
        .collect();
    v.push(allowed.max(1));
    v
}

/// The default placements of a machine (see the module documentation).
pub fn default_placements(topo: &Topology) -> Vec<Placement> {
    let mut names = vec!["none".to_string(), "spread".into(), "close".into()];
    if topo.smt() == Some(true) {
        names.push("cores".into());
    }
    let packages = topo.packages();
    if packages.len() > 1 {
        for p in &packages {
            names.push(format!("spread@package:{p}"));
            names.push(format!("close@package:{p}"));
        }
    }
    let nodes = topo.numa_nodes();
    if nodes.len() > 1 {
        for n in &nodes {
            names.push(format!("spread@node:{n}"));
            names.push(format!("close@node:{n}"));
        }
    }
    names
        .iter()
        .filter_map(|n| n.parse::<Placement>().ok())
        .collect()
}

/// The methods of the space, per worker count.
fn methods(opts: &SpaceOptions, workers: usize) -> Vec<Method> {
    if let Some(s) = &opts.schedules {
        return s.iter().cloned().map(Method::OmpSchedule).collect();
    }
    let strategies: Vec<Strategy> = match &opts.strategies {
        Some(s) => s.clone(),
        None => Schedule::ALL.iter().map(|s| Strategy::Pool(*s)).collect(),
    };
    let mut out = Vec::new();
    for s in strategies.into_iter().filter(|s| *s != Strategy::Serial) {
        if !(opts.policies && workers > 1 && uses_policy(&s)) {
            out.push(Method::Strategy(s, StealPolicy::default()));
            continue;
        }
        let steals: &[Steal] = if matches!(s, Strategy::Pool(Schedule::Adaptive)) {
            &[Steal::One] // range stealing always takes half; the amount is the deques'
        } else {
            Steal::ALL
        };
        for &victim_order in Victims::ALL {
            for &steal in steals {
                out.push(Method::Strategy(
                    s,
                    StealPolicy {
                        victim_order,
                        steal,
                    },
                ));
            }
        }
    }
    out
}

/// Every candidate, in a fixed order: by worker count, then placement, then method.
pub fn candidates(topo: &Topology, opts: &SpaceOptions) -> Vec<Candidate> {
    let allowed = topo.allowed_cpus().len();
    let workers = opts
        .workers
        .clone()
        .unwrap_or_else(|| default_workers(allowed));
    let placements = opts
        .placements
        .clone()
        .unwrap_or_else(|| default_placements(topo));
    let mut out = Vec::new();
    for &n in &workers {
        // (placement, aliases, cpus), first name kept for each distinct worker → CPU map.
        let mut spots: Vec<(Placement, Vec<String>, Vec<Option<usize>>)> = Vec::new();
        for p in &placements {
            let Ok(cpus) = p.resolve(topo, Some(n)) else {
                continue;
            };
            match spots.iter_mut().find(|s| s.2 == cpus) {
                Some(s) => s.1.push(p.to_string()),
                None => spots.push((p.clone(), Vec::new(), cpus)),
            }
        }
        for (placement, aliases, cpus) in spots {
            for method in methods(opts, n) {
                out.push(Candidate {
                    workers: n,
                    placement: placement.clone(),
                    aliases: aliases.clone(),
                    cpus: cpus.clone(),
                    method,
                });
            }
        }
    }
    out
}

/// Why a restriction leaves nothing to race, for the one-line error (exit 2).
pub fn why_empty(topo: &Topology, opts: &SpaceOptions) -> String {
    format!(
        "no candidate: none of the placements ({}) can hold any of the worker counts ({}) on this \
         machine's {} allowed CPUs; allow more placements (e.g. +oversubscribe) or fewer workers",
        opts.placements
            .as_ref()
            .map(|p| p
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "))
            .unwrap_or_else(|| "the defaults".into()),
        opts.workers
            .as_ref()
            .map(|w| w
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","))
            .unwrap_or_else(|| "the defaults".into()),
        topo.allowed_cpus().len()
    )
}

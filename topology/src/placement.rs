//! Where workers run: a placement string, parsed once, resolved against a
//! [`Topology`] into one OS CPU per worker.
//!
//! The words are the ones researchers already use: OpenMP's `OMP_PLACES`
//! (abstract names and explicit place lists) and `OMP_PROC_BIND`
//! (`close`, `spread`, `primary`), Intel's `KMP_AFFINITY=compact|scatter`, and
//! `taskset`'s CPU lists and masks.
//!
//! ```text
//! placement := base ( "@package:" N | "@node:" N )* [ "+oversubscribe" ]
//! base      := none | threads | cores | close | compact | spread | scatter
//!            | CPUS | list:CPUS | MASK | PLACES | BIND "@" PLACES | primary | master
//! CPUS      := taskset -c list: N, M-N, M-N:S (every S-th), comma-separated
//! MASK      := taskset mask: 0x followed by hexadecimal digits (CPU 0 = lowest bit)
//! PLACES    := OMP_PLACES: threads | cores | ll_caches | numa_domains | sockets, each
//!              with an optional "(" COUNT ")", or an explicit list such as {0:4}:8:4
//!              (see the omp_places module); after BIND "@" also CPUS, list:CPUS or MASK
//! BIND      := OMP_PROC_BIND: close | spread | primary (alias master)
//! ```
//!
//! * `none` — no pinning; the OS decides. Places = the allowed CPUs (for the count only).
//! * `threads` — every allowed hardware thread, in topology order (core by core,
//!   the siblings of a core together).
//! * `cores` — one place per physical core (its first allowed sibling): SMT siblings stay idle.
//! * `close` / `compact` — the `threads` order: all siblings of a core before the next
//!   core. When oversubscribed, neighbouring workers share a CPU (block distribution),
//!   where `threads` deals workers round-robin.
//! * `spread` / `scatter` — one worker per core, round-robin across packages and, within
//!   a package, across last-level caches; only then the second SMT siblings, and so on.
//! * `list:0-3,8` or just `0-3,8` (or the mask `0xf`) — exactly these CPUs, worker *i*
//!   on the *i*-th; each must exist, be online and allowed.
//! * OpenMP places with a binding, `BIND@PLACES` (`spread@cores`, `close@{0:4}:2:8`,
//!   `primary@sockets`); places alone (`cores(4)`, `sockets`, `{0,1},{2,3}`) bind
//!   `close`. The places are built from the allowed CPUs (abstract names) or
//!   written out (explicit lists, whose CPUs must be allowed); `BIND` assigns
//!   each worker a place as OpenMP 5.2 does (section 10.1.3: `close` worker *i* on
//!   place *i*, `spread` one worker per equal run of places, `primary` all on the
//!   first place; with more workers than places, consecutive workers share a place),
//!   and the *k*-th worker on a place is pinned to its *k*-th CPU (wrapping). A
//!   place of an abstract name lists the first sibling of each of its cores, then
//!   the second siblings, and so on, so that workers sharing a `sockets` place
//!   take its cores before their SMT siblings.
//! * `@package:N`, `@node:N` restrict the places to one package or NUMA node (repeatable;
//!   all must hold), e.g. `spread@node:0`.
//! * `+oversubscribe` allows two workers on one CPU (more workers than places for the
//!   keywords and lists); workers then wrap around the places (`close`: neighbours
//!   share). Without it that is an error.
//!
//! The worker count defaults to the number of places; fewer workers take the first places.

mod bind;
mod error;
mod omp_places;
mod order;
mod parse;
mod taskset;

pub use error::PlacementError;
pub use omp_places::{MAX_PLACES, MAX_PLACE_CPUS};

use crate::cpulist::format_list;
use crate::Topology;
use std::fmt;

/// The syntax, quoted in every parse error.
pub const SYNTAX: &str = "none | threads | cores | close (alias compact) | spread (alias scatter) \
| a CPU list as taskset -c takes it (0-3,8 or 0-14:2, also written list:0-3,8,10-11) or a mask 0xff \
| OpenMP places: threads, cores, ll_caches, numa_domains or sockets, each with an optional count \
as in cores(4), or an explicit list such as {0,1},{2,3} or {0:4}:2:8 \
| BIND@PLACES with BIND close, spread or primary (e.g. spread@cores(4)); \
then optionally @package:N and/or @node:N, then +oversubscribe to allow two workers on a CPU";

/// The most workers [`Placement::resolve`] places: the scheduler's pool
/// limit, so that a typo is refused before one entry per worker is allocated.
///
/// ```
/// use topology::placement::{Placement, MAX_WORKERS};
/// let topo = topology::Topology::detect().unwrap();
/// let over: Placement = "threads+oversubscribe".parse().unwrap();
/// let err = over.resolve(&topo, Some(MAX_WORKERS + 1)).unwrap_err();
/// assert!(err.to_string().contains("more than the 65535 a pool can have"));
/// ```
pub const MAX_WORKERS: usize = 65_535;

/// Which CPUs are places, and in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// No pinning.
    None,
    /// Every allowed hardware thread, core by core.
    Threads,
    /// One hardware thread per physical core.
    Cores,
    /// Fill the SMT siblings of a core before the next core.
    Close,
    /// One worker per core, round-robin across packages and LLCs, then second siblings.
    Spread,
    /// Exactly these OS CPUs, in this order.
    List(Vec<usize>),
    /// OpenMP places and an OpenMP binding policy.
    Omp(OmpPlacement),
}

/// OpenMP's `OMP_PLACES` and `OMP_PROC_BIND` together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmpPlacement {
    /// The places.
    pub places: Places,
    /// How workers are assigned to them.
    pub bind: Bind,
}

/// OpenMP places (`OMP_PLACES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Places {
    /// An abstract name, with the number of places to take (the first ones,
    /// in topology order), or all.
    Abstract(AbstractName, Option<usize>),
    /// Places written out: each its OS CPUs, in the order written, each CPU once.
    Explicit(Vec<Vec<usize>>),
}

/// OpenMP 5.2's abstract names of places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbstractName {
    /// One place per hardware thread.
    Threads,
    /// One place per core: its SMT siblings.
    Cores,
    /// One place per last-level cache: the CPUs sharing it.
    LlCaches,
    /// One place per NUMA node.
    NumaDomains,
    /// One place per package.
    Sockets,
}

impl AbstractName {
    /// The name as `OMP_PLACES` writes it.
    pub fn word(self) -> &'static str {
        match self {
            AbstractName::Threads => "threads",
            AbstractName::Cores => "cores",
            AbstractName::LlCaches => "ll_caches",
            AbstractName::NumaDomains => "numa_domains",
            AbstractName::Sockets => "sockets",
        }
    }
}

/// OpenMP's thread-affinity policies (`OMP_PROC_BIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// Worker *i* on place *i*; more workers than places share in blocks.
    Close,
    /// Workers spread evenly over the places, each at the start of its share.
    Spread,
    /// Every worker on the first place (`master` before OpenMP 5.1).
    Primary,
}

impl Bind {
    /// The word as `OMP_PROC_BIND` writes it.
    pub fn word(self) -> &'static str {
        match self {
            Bind::Close => "close",
            Bind::Spread => "spread",
            Bind::Primary => "primary",
        }
    }
}

/// A restriction of the places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Only CPUs of this package (`physical_package_id`).
    Package(usize),
    /// Only CPUs of this NUMA node.
    Node(usize),
}

/// A parsed placement; see the [module documentation](self) for the syntax.
///
/// ```
/// use topology::placement::{Filter, Kind, Placement};
/// let p: Placement = "scatter@node:0+oversubscribe".parse().unwrap();
/// assert_eq!(p.kind, Kind::Spread);
/// assert_eq!(p.filters, vec![Filter::Node(0)]);
/// assert!(p.oversubscribe);
/// assert_eq!(p.to_string(), "spread@node:0+oversubscribe");
/// assert!("cores@socket:1".parse::<Placement>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Which CPUs are places, in which order.
    pub kind: Kind,
    /// Restrictions, all of which must hold.
    pub filters: Vec<Filter>,
    /// Whether more workers than places are allowed.
    pub oversubscribe: bool,
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::None => f.write_str("none")?,
            Kind::Threads => f.write_str("threads")?,
            Kind::Cores => f.write_str("cores")?,
            Kind::Close => f.write_str("close")?,
            Kind::Spread => f.write_str("spread")?,
            Kind::List(cpus) => write!(f, "list:{}", format_list(cpus))?,
            Kind::Omp(omp) => {
                write!(f, "{}@", omp.bind.word())?;
                match &omp.places {
                    Places::Abstract(name, None) => f.write_str(name.word())?,
                    Places::Abstract(name, Some(n)) => write!(f, "{}({n})", name.word())?,
                    Places::Explicit(places) => {
                        f.write_str(&omp_places::format_place_list(places))?
                    }
                }
            }
        }
        for filter in &self.filters {
            match filter {
                Filter::Package(p) => write!(f, "@package:{p}")?,
                Filter::Node(n) => write!(f, "@node:{n}")?,
            }
        }
        if self.oversubscribe {
            f.write_str("+oversubscribe")?;
        }
        Ok(())
    }
}

impl Placement {
    /// The places, in the order workers take them: OS CPU numbers (for `none`,
    /// the allowed CPUs, which only set the default worker count; for OpenMP
    /// places, the first CPU of each place: see [`Placement::place_sets`]).
    ///
    /// ```
    /// use topology::placement::Placement;
    /// use topology::Topology;
    /// let topo = Topology::detect().unwrap();
    /// let first = topo.allowed_cpus()[0];
    /// let list: Placement = format!("list:{first}").parse().unwrap();
    /// assert_eq!(list.places(&topo).unwrap(), vec![first]);
    /// let err = "list:65000".parse::<Placement>().unwrap().places(&topo).unwrap_err();
    /// assert!(err.to_string().contains("CPU 65000 does not exist"));
    /// ```
    pub fn places(&self, topo: &Topology) -> Result<Vec<usize>, PlacementError> {
        if let Kind::Omp(omp) = &self.kind {
            let sets = bind::place_sets(self, omp, topo)?;
            return Ok(sets.iter().map(|place| place[0]).collect());
        }
        let name = self.to_string();
        let candidates = self.candidates(topo);
        if candidates.is_empty() && !matches!(self.kind, Kind::List(_)) {
            return Err(self.no_places(topo));
        }
        let needs_cores = |name: &str| match candidates
            .iter()
            .find(|&&id| topo.cpu(id).is_some_and(|c| c.core.is_none()))
        {
            Some(&cpu) => Err(PlacementError::UnknownTopology {
                placement: name.to_string(),
                cpu,
            }),
            None => Ok(()),
        };
        Ok(match &self.kind {
            Kind::None | Kind::Threads | Kind::Close | Kind::Omp(_) => candidates,
            Kind::Cores => {
                needs_cores(&name)?;
                topo.cores()
                    .iter()
                    .filter_map(|core| core.cpus.iter().copied().find(|id| candidates.contains(id)))
                    .collect()
            }
            Kind::Spread => {
                needs_cores(&name)?;
                order::spread_order(topo, &candidates)
            }
            Kind::List(cpus) => {
                self.check_listed(topo, cpus)?;
                cpus.clone()
            }
        })
    }

    /// The places as sets of CPUs, in the order workers take them: one CPU
    /// each, except OpenMP places, which may hold several (`cores`: the SMT
    /// siblings of a core).
    ///
    /// ```
    /// use topology::placement::Placement;
    /// use topology::Topology;
    /// let topo = Topology::detect().unwrap();
    /// let first = topo.allowed_cpus()[0];
    /// let one: Placement = format!("{{{first}}}").parse().unwrap();
    /// assert_eq!(one.place_sets(&topo).unwrap(), vec![vec![first]]);
    /// ```
    pub fn place_sets(&self, topo: &Topology) -> Result<Vec<Vec<usize>>, PlacementError> {
        match &self.kind {
            Kind::Omp(omp) => bind::place_sets(self, omp, topo),
            _ => Ok(self
                .places(topo)?
                .into_iter()
                .map(|cpu| vec![cpu])
                .collect()),
        }
    }

    /// The allowed CPUs that pass the filters, in topology order.
    fn candidates(&self, topo: &Topology) -> Vec<usize> {
        topo.topology_order()
            .into_iter()
            .filter(|&id| self.keeps(topo, id))
            .collect()
    }

    /// The error for filters (or an affinity mask) that leave no CPU.
    fn no_places(&self, topo: &Topology) -> PlacementError {
        PlacementError::NoPlaces {
            placement: self.to_string(),
            reason: self.why_no_places(topo),
        }
    }

    /// Whether CPU `id` passes every `@package`/`@node` filter.
    fn keeps(&self, topo: &Topology, id: usize) -> bool {
        let cpu = topo.cpu(id);
        self.filters.iter().all(|filter| match filter {
            Filter::Package(p) => cpu.is_some_and(|c| c.package == Some(*p)),
            Filter::Node(n) => cpu.is_some_and(|c| c.numa_node == Some(*n)),
        })
    }

    /// The filters as written, joined by "and".
    fn filters_name(&self) -> String {
        self.filters
            .iter()
            .map(filter_name)
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// Why no allowed CPU is a place, and what exists instead.
    fn why_no_places(&self, topo: &Topology) -> String {
        let allowed = topo.allowed_cpus();
        if allowed.is_empty() {
            return "this process may use no CPU".to_string();
        }
        format!(
            "no allowed CPU matches {}; allowed CPUs: {} (packages {}, NUMA nodes {})",
            self.filters_name(),
            format_list(&allowed),
            list_or_unknown(&topo.packages()),
            list_or_unknown(&topo.numa_nodes()),
        )
    }

    /// Checks that each CPU of a `list:` exists, is online and allowed, and
    /// passes the filters.
    fn check_listed(&self, topo: &Topology, cpus: &[usize]) -> Result<(), PlacementError> {
        for &id in cpus {
            let why = match topo.cpu(id) {
                None => "does not exist on this machine".to_string(),
                Some(cpu) if !cpu.online => "is offline".to_string(),
                Some(cpu) if !cpu.allowed => {
                    "is not allowed for this process (affinity mask or cgroup cpuset)".to_string()
                }
                Some(_) if !self.keeps(topo, id) => format!("is outside {}", self.filters_name()),
                Some(_) => continue,
            };
            return Err(PlacementError::CpuUnavailable {
                placement: self.to_string(),
                cpu: id,
                why,
                allowed: format_list(&topo.allowed_cpus()),
            });
        }
        Ok(())
    }

    /// One entry per worker: the OS CPU to pin it to, `None` for `none`.
    /// `workers = None` means one worker per place.
    ///
    /// ```
    /// use topology::placement::Placement;
    /// use topology::Topology;
    /// let topo = Topology::detect().unwrap();
    /// let n = topo.allowed_cpus().len();
    /// let threads: Placement = "threads".parse().unwrap();
    /// assert_eq!(threads.resolve(&topo, None).unwrap().len(), n);
    /// assert!(threads.resolve(&topo, Some(n + 1)).is_err());
    /// let over: Placement = "threads+oversubscribe".parse().unwrap();
    /// assert_eq!(over.resolve(&topo, Some(n + 1)).unwrap().len(), n + 1);
    /// let none: Placement = "none".parse().unwrap();
    /// assert_eq!(none.resolve(&topo, Some(1)).unwrap(), vec![None]);
    /// ```
    pub fn resolve(
        &self,
        topo: &Topology,
        workers: Option<usize>,
    ) -> Result<Vec<Option<usize>>, PlacementError> {
        if let Kind::Omp(omp) = &self.kind {
            return bind::resolve(self, omp, topo, workers);
        }
        let places = self.places(topo)?;
        let workers = workers.unwrap_or(places.len());
        self.check_count(workers)?;
        if workers > places.len() && !self.oversubscribe {
            return Err(PlacementError::TooManyWorkers {
                placement: self.to_string(),
                workers,
                places: places.len(),
                cpus: format_list(&places),
            });
        }
        let p = places.len();
        Ok((0..workers)
            .map(|w| match self.kind {
                Kind::None => None,
                // Block distribution: neighbours (likely to share data) share a CPU.
                Kind::Close if workers > p => Some(places[w * p / workers]),
                _ => Some(places[w % p]),
            })
            .collect())
    }
}

impl Placement {
    /// Refuses zero workers and more than a pool can have, before anything
    /// is allocated per worker.
    fn check_count(&self, workers: usize) -> Result<(), PlacementError> {
        if workers == 0 {
            return Err(PlacementError::ZeroWorkers {
                placement: self.to_string(),
            });
        }
        if workers > MAX_WORKERS {
            return Err(PlacementError::WorkersAboveLimit {
                placement: self.to_string(),
                workers,
            });
        }
        Ok(())
    }
}

fn filter_name(filter: &Filter) -> String {
    match filter {
        Filter::Package(p) => format!("@package:{p}"),
        Filter::Node(n) => format!("@node:{n}"),
    }
}

fn list_or_unknown(values: &[usize]) -> String {
    if values.is_empty() {
        "unknown".to_string()
    } else {
        format_list(values)
    }
}

#[cfg(test)]
mod tests;

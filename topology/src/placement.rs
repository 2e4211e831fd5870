//! Where workers run: a placement string, parsed once, resolved against a
//! [`Topology`] into one OS CPU per worker.
//!
//! The words are the ones researchers already use: OpenMP's
//! `OMP_PLACES=threads|cores` and `OMP_PROC_BIND=close|spread`, Intel's
//! `KMP_AFFINITY=compact|scatter`, and `taskset -c`'s CPU lists.
//!
//! ```text
//! placement := base ( "@package:" N | "@node:" N )* [ "+oversubscribe" ]
//! base      := none | threads | cores | close | compact | spread | scatter | list:CPUS
//! CPUS      := taskset list: N, M-N, M-N:S (every S-th), comma-separated
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
//! * `list:0-3,8` — exactly these CPUs, worker *i* on the *i*-th; each must exist, be
//!   online and allowed.
//! * `@package:N`, `@node:N` restrict the places to one package or NUMA node (repeatable;
//!   all must hold), e.g. `spread@node:0`.
//! * `+oversubscribe` allows more workers than places; workers then wrap around the places
//!   (`close`: neighbours share). Without it that is an error.
//!
//! The worker count defaults to the number of places; fewer workers take the first places.

use crate::cpulist::{format_list, parse_list};
use crate::Topology;
use std::fmt;
use std::str::FromStr;

/// The syntax, quoted in every parse error.
pub const SYNTAX: &str = "none | threads | cores | close (alias compact) | spread (alias scatter) \
| list:CPUS (taskset syntax, e.g. list:0-3,8,10-11 or list:0-14:2), optionally followed by \
@package:N and/or @node:N, then +oversubscribe to allow more workers than places \
(e.g. spread@node:0, cores+oversubscribe)";

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

/// Why a placement could not be parsed or resolved. Every message names the
/// offending value and says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// The string does not follow the syntax.
    #[error("placement `{spec}`: {reason}; expected {SYNTAX}")]
    Syntax {
        /// The whole placement string.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// Zero workers were asked for.
    #[error("placement `{placement}`: the number of workers must be at least 1")]
    ZeroWorkers {
        /// The placement.
        placement: String,
    },
    /// More workers than places without `+oversubscribe`.
    #[error(
        "placement `{placement}` has {places} places (CPUs {cpus}) but {workers} workers were asked for; \
         ask for at most {places} or write `{placement}+oversubscribe`"
    )]
    TooManyWorkers {
        /// The placement.
        placement: String,
        /// Workers asked for.
        workers: usize,
        /// Places available.
        places: usize,
        /// The places, as a CPU list.
        cpus: String,
    },
    /// A listed CPU cannot be used.
    #[error("placement `{placement}`: CPU {cpu} {why}; allowed CPUs: {allowed}")]
    CpuUnavailable {
        /// The placement.
        placement: String,
        /// The CPU.
        cpu: usize,
        /// Why: does not exist, is offline, is not allowed, is outside a filter.
        why: String,
        /// The allowed CPUs, as a CPU list.
        allowed: String,
    },
    /// The filters (or the affinity mask) leave no CPU.
    #[error("placement `{placement}`: {reason}")]
    NoPlaces {
        /// The placement.
        placement: String,
        /// What is empty and what exists.
        reason: String,
    },
    /// More workers than any pool can have, even oversubscribed.
    #[error(
        "placement `{placement}`: {workers} workers is more than the {MAX_WORKERS} a pool can have"
    )]
    WorkersAboveLimit {
        /// The placement.
        placement: String,
        /// Workers asked for.
        workers: usize,
    },
    /// The placement needs core information the topology does not have.
    #[error(
        "placement `{placement}` needs to know which CPUs are SMT siblings, but CPU {cpu}'s core is unknown \
         (no sysfs topology); use threads, close or list:CPUS"
    )]
    UnknownTopology {
        /// The placement.
        placement: String,
        /// A CPU without core information.
        cpu: usize,
    },
}

impl FromStr for Placement {
    type Err = PlacementError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let syntax = |reason: String| PlacementError::Syntax {
            spec: spec.to_string(),
            reason,
        };
        let mut plus_parts = spec.trim().split('+');
        let main = plus_parts.next().unwrap_or_default();
        let oversubscribe = parse_modifiers(plus_parts).map_err(syntax)?;
        let mut at_parts = main.split('@');
        let base = at_parts.next().unwrap_or_default().trim();
        let kind = parse_kind(base, oversubscribe).map_err(syntax)?;
        let filters = at_parts
            .map(|filter| parse_filter(filter.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(syntax)?;
        if kind == Kind::None && !filters.is_empty() {
            return Err(syntax(
                "`none` pins nothing, so it takes no @package/@node".into(),
            ));
        }
        Ok(Placement {
            kind,
            filters,
            oversubscribe,
        })
    }
}

/// The `+…` modifiers: whether `+oversubscribe` is given. Errors are the
/// reason alone; the caller adds the placement and the syntax.
fn parse_modifiers<'a>(modifiers: impl Iterator<Item = &'a str>) -> Result<bool, String> {
    let mut oversubscribe = false;
    for modifier in modifiers {
        match modifier.trim() {
            "oversubscribe" if !oversubscribe => oversubscribe = true,
            "oversubscribe" => return Err("`+oversubscribe` is given twice".into()),
            other => {
                return Err(format!(
                    "unknown modifier `+{other}` (only +oversubscribe exists)"
                ))
            }
        }
    }
    Ok(oversubscribe)
}

/// The base word (`threads`, `spread`, `list:0-3`, ...), case-insensitive.
fn parse_kind(base: &str, oversubscribe: bool) -> Result<Kind, String> {
    Ok(match base.to_ascii_lowercase().as_str() {
        "none" => Kind::None,
        "threads" => Kind::Threads,
        "cores" => Kind::Cores,
        "close" | "compact" => Kind::Close,
        "spread" | "scatter" => Kind::Spread,
        "" => return Err("the placement is empty".into()),
        lower if lower.starts_with("list:") => {
            Kind::List(parse_cpu_list(&base["list:".len()..], oversubscribe)?)
        }
        _ => return Err(format!("unknown placement `{base}`")),
    })
}

/// The CPUs of `list:CPUS`; a CPU listed twice needs `+oversubscribe`.
fn parse_cpu_list(text: &str, oversubscribe: bool) -> Result<Vec<usize>, String> {
    let cpus = parse_list(text).map_err(|e| format!("in the CPU list, {e}"))?;
    if cpus.is_empty() {
        return Err("`list:` needs at least one CPU, as in list:0-3".into());
    }
    if !oversubscribe {
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = cpus.iter().find(|&&cpu| !seen.insert(cpu)) {
            return Err(format!(
                "CPU {dup} is listed twice; two workers on one CPU need +oversubscribe"
            ));
        }
    }
    Ok(cpus)
}

/// One `@package:N` or `@node:N` restriction (without the `@`).
fn parse_filter(filter: &str) -> Result<Filter, String> {
    let (what, number) = filter
        .split_once(':')
        .ok_or_else(|| format!("`@{filter}` should be @package:N or @node:N"))?;
    let number: usize = number
        .trim()
        .parse()
        .map_err(|_| format!("`@{filter}`: `{}` is not a number", number.trim()))?;
    match what.trim() {
        "package" => Ok(Filter::Package(number)),
        "node" => Ok(Filter::Node(number)),
        other => Err(format!(
            "unknown restriction `@{other}` (use @package:N or @node:N)"
        )),
    }
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
    /// the allowed CPUs, which only set the default worker count).
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
        let name = self.to_string();
        let candidates: Vec<usize> = topo
            .topology_order()
            .into_iter()
            .filter(|&id| self.keeps(topo, id))
            .collect();
        if candidates.is_empty() && !matches!(self.kind, Kind::List(_)) {
            return Err(PlacementError::NoPlaces {
                placement: name,
                reason: self.why_no_places(topo),
            });
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
            Kind::None | Kind::Threads | Kind::Close => candidates,
            Kind::Cores => {
                needs_cores(&name)?;
                topo.cores()
                    .iter()
                    .filter_map(|core| core.cpus.iter().copied().find(|id| candidates.contains(id)))
                    .collect()
            }
            Kind::Spread => {
                needs_cores(&name)?;
                spread_order(topo, &candidates)
            }
            Kind::List(cpus) => {
                self.check_listed(topo, cpus)?;
                cpus.clone()
            }
        })
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
        let places = self.places(topo)?;
        let workers = workers.unwrap_or(places.len());
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

/// `spread`: cores interleaved across packages, and within a package across
/// LLCs; first sibling of every core, then second siblings, and so on.
fn spread_order(topo: &Topology, candidates: &[usize]) -> Vec<usize> {
    // package -> llc -> cores (each core = its candidate CPUs, ascending)
    // (llc, its cores' candidate CPUs) grouped per package, in topology order.
    type LlcCores = (Option<usize>, Vec<Vec<usize>>);
    let mut packages: Vec<(Option<usize>, Vec<LlcCores>)> = Vec::new();
    for core in topo.cores() {
        let cpus: Vec<usize> = core
            .cpus
            .iter()
            .copied()
            .filter(|id| candidates.contains(id))
            .collect();
        if cpus.is_empty() {
            continue;
        }
        let package = match packages.iter().position(|(p, _)| *p == core.package) {
            Some(i) => &mut packages[i].1,
            None => {
                packages.push((core.package, Vec::new()));
                &mut packages.last_mut().expect("just pushed").1
            }
        };
        match package.iter().position(|(l, _)| *l == core.llc) {
            Some(i) => package[i].1.push(cpus),
            None => package.push((core.llc, vec![cpus])),
        }
    }
    let per_package: Vec<Vec<Vec<usize>>> = packages
        .into_iter()
        .map(|(_, llcs)| interleave(llcs.into_iter().map(|(_, cores)| cores).collect()))
        .collect();
    let cores = interleave(per_package);
    let max_threads = cores.iter().map(Vec::len).max().unwrap_or(0);
    (0..max_threads)
        .flat_map(|rank| cores.iter().filter_map(move |cpus| cpus.get(rank).copied()))
        .collect()
}

/// Round-robin over groups: first of each, then second of each, ...
fn interleave<T>(groups: Vec<Vec<T>>) -> Vec<T> {
    let mut iters: Vec<_> = groups.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    loop {
        let before = out.len();
        out.extend(iters.iter_mut().filter_map(Iterator::next));
        if out.len() == before {
            return out;
        }
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

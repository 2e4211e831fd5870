//! The machine's CPUs and where workers run on them: topology detection from
//! Linux sysfs, worker placements in OpenMP's and taskset's words, and
//! CPU-affinity helpers.
//!
//! The `scheduler` pool does not depend on this crate. It only pins each worker
//! to the CPU it is handed (`PoolBuilder::pin_to`) and tries victims in the
//! order it is handed (`VictimOrder::Topology`); this crate computes both:
//!
//! * [`Topology`] — which CPUs are SMT siblings, which share a last-level
//!   cache, a package, a NUMA node, and which ones this process may use;
//!   [`Topology::victim_order`] turns the workers' CPUs into nearest-first
//!   victim lists.
//! * [`placement`] — a placement string (`close`, `spread@node:0`,
//!   `list:0-3,8`), parsed once and resolved against a [`Topology`] into one
//!   CPU per worker.
//! * [`cpulist`] — the kernel's CPU lists and masks (`0-3,8`, `000000ff`).
//! * [`affinity`] — the CPUs this process may use (read before pinning), the
//!   CPU a thread runs on now, and pinning a thread.
//! * [`cgroup`] — the cgroup cpuset and CPU quota of a process, read under a
//!   root; [`usable`] — how many workers can run at once, and which limit
//!   (cpuset, affinity mask, quota) decided it.
//!
//! ```
//! use topology::placement::Placement;
//! use topology::Topology;
//!
//! // Read the topology before any thread is pinned: pinning shrinks the mask.
//! let topo = Topology::detect().expect("topology");
//! let close: Placement = "close+oversubscribe".parse().expect("placement");
//! let cpus = close.resolve(&topo, Some(2)).expect("two workers");
//! assert_eq!(cpus.len(), 2);
//! assert!(cpus.iter().all(|cpu| cpu.is_some_and(|id| topo.allowed_cpus().contains(&id))));
//! // Each worker's victims, nearest first: what `VictimOrder::Topology` takes.
//! assert_eq!(topo.victim_order(&cpus), vec![vec![1], vec![0]]);
//! ```
//!
//! # Design
//!
//! `core_affinity` can pin a thread and list the CPUs the caller may use, but it
//! knows nothing of SMT siblings, packages, caches or NUMA. So we read what the
//! Linux kernel publishes under `/sys/devices/system/{cpu,node}` ourselves
//! (the private `sysfs` module, a few dozen files per CPU), from a configurable
//! file-system root in the spirit of hwloc's `HWLOC_FSROOT`, so that the same
//! code reads the live machine and the snapshots of real machines in the tests.
//!
//! * **CPU** — an OS CPU number (a hardware thread, hwloc's "PU P#n").
//! * **Core** — a set of SMT siblings. `core_id` is only unique within a package
//!   (and on some machines within a die), so we group CPUs by their sibling set
//!   (`core_cpus_list`, `thread_siblings_list`, or the hex masks old kernels
//!   write), split further by `(package, die, core_id)` as hwloc does for AMD's
//!   compute units (two threads the kernel calls siblings, each with its own
//!   `core_id`, are two cores); without sibling files, `(package, die,
//!   cluster, core_id)` alone decides. Each core gets a **machine-unique index**, ordered by
//!   package, then last-level cache, then lowest CPU number — the order hwloc
//!   numbers its `Core L#i`.
//! * **LLC** — the highest-level data or unified cache a CPU has; CPUs that list
//!   the same sharing set form one LLC, indexed like cores.
//! * **Package** and **NUMA node** keep the kernel's numbers
//!   (`physical_package_id`, `nodeN`), as hwloc's `P#`.
//!
//! Offline CPUs (their `topology/` folder is absent) are listed with
//! `online: false` and no core, package or LLC. All sharing sets are
//! intersected with the online CPUs: the kernel's `shared_cpu_list` still
//! names offline CPUs on some kernels.
//!
//! The cgroup cpuset of the root's process restricts the allowed CPUs, as
//! hwloc applies it ([`cgroup::cpuset`]); [`Topology::detect`] reads `/`,
//! then intersects with `sched_getaffinity` (`taskset`), read once. Where sysfs says nothing (not Linux,
//! odd containers) it falls back to `core_affinity::get_core_ids()` and leaves
//! core, package, LLC and SMT unknown (`None`) instead of guessing.
//!
//! Reference: the kernel's `Documentation/ABI/stable/sysfs-devices-system-cpu`
//! and hwloc's `topology-linux.c`, whose test snapshots we compare against.
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod affinity;
pub mod cgroup;
pub mod cpulist;
mod grouping;
pub mod placement;
mod sysfs;
pub mod usable;

use std::fmt;
use std::path::{Path, PathBuf};

/// Why the topology could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// A file or folder exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file holds something we do not understand.
    #[error("{path}: {reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong, quoting the content.
        reason: String,
    },
    /// The root holds no `sys/devices/system/cpu/cpuN` folder.
    #[error("no CPUs under {0}/sys/devices/system/cpu (expected cpu0, cpu1, ... folders; is --root a sysfs snapshot's root?)")]
    NoCpus(PathBuf),
    /// Neither sysfs nor `core_affinity` could list the CPUs.
    #[error("cannot list this machine's CPUs: no sysfs and core_affinity::get_core_ids() failed")]
    Unavailable,
}

/// One OS CPU (hardware thread).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpu {
    /// The OS CPU number (what `taskset -c` and `sched_getcpu` use).
    pub id: usize,
    /// Whether the CPU is online.
    pub online: bool,
    /// Whether this process may run on it (online, in the cgroup cpuset and
    /// in the affinity mask).
    pub allowed: bool,
    /// Machine-unique core index (see [`Topology::cores`]); `None` if offline or unknown.
    pub core: Option<usize>,
    /// The kernel's `core_id` (unique only within a package).
    pub core_id: Option<usize>,
    /// The kernel's `physical_package_id` (socket).
    pub package: Option<usize>,
    /// The kernel's `die_id`, where the kernel has it.
    pub die: Option<usize>,
    /// The kernel's `cluster_id`, where the kernel has it.
    pub cluster: Option<usize>,
    /// The NUMA node whose `cpulist` names this CPU.
    pub numa_node: Option<usize>,
    /// Machine-unique last-level-cache index (see [`Topology::llcs`]).
    pub llc: Option<usize>,
    /// The online CPUs of this CPU's core, itself included, ascending.
    pub siblings: Vec<usize>,
}

/// One physical core: a set of SMT siblings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Core {
    /// Machine-unique index, the position in [`Topology::cores`].
    pub index: usize,
    /// The package it sits in.
    pub package: Option<usize>,
    /// The last-level cache it uses.
    pub llc: Option<usize>,
    /// Its online CPUs, ascending.
    pub cpus: Vec<usize>,
}

/// Where a [`Topology`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Read from sysfs under this root.
    Sysfs(PathBuf),
    /// Only `core_affinity::get_core_ids()`: cores, packages and SMT unknown.
    CoreAffinity,
}

/// How far apart two CPUs are, nearest first (the order victims are tried in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Distance {
    /// The same CPU (two workers on one CPU when oversubscribed).
    SameCpu,
    /// SMT siblings: they share L1 and L2.
    SameCore,
    /// Different cores sharing the last-level cache.
    SameLlc,
    /// Same package and same NUMA node, different LLC.
    SamePackageAndNode,
    /// Same package, different NUMA node.
    SamePackage,
    /// Different packages on the same NUMA node.
    SameNode,
    /// Nothing shared, or unknown (an unpinned worker).
    Far,
}

/// The machine's CPUs and how they are grouped. Built by [`Topology::detect`]
/// or [`Topology::from_root`]; immutable afterwards.
///
/// ```
/// let topo = topology::Topology::detect().unwrap();
/// assert!(topo.allowed_cpus().len() >= 1);
/// for cpu in topo.cpus().iter().filter(|c| c.allowed) {
///     assert!(cpu.online);
///     assert!(cpu.siblings.is_empty() || cpu.siblings.contains(&cpu.id));
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Topology {
    cpus: Vec<Cpu>,
    cores: Vec<Core>,
    llcs: Vec<Vec<usize>>,
    cpu_model: Option<String>,
    source: Source,
    cpuset: Option<cgroup::CgroupCpuset>,
}

impl Topology {
    /// The live machine: sysfs under `/`, restricted to this process's cgroup
    /// cpuset and intersected with its affinity mask (`sched_getaffinity`,
    /// read once here). Call it before
    /// any thread is pinned. Falls back to `core_affinity::get_core_ids()` when
    /// sysfs lists no online CPU.
    pub fn detect() -> Result<Topology, TopologyError> {
        Self::detect_in(Path::new("/"))
    }

    /// [`Topology::detect`] with sysfs read under `root` instead of `/`: the
    /// CPUs are still intersected with this process's affinity mask, and a
    /// root without CPUs falls back to `core_affinity` as on a machine
    /// without sysfs.
    ///
    /// ```
    /// use topology::{Source, Topology};
    /// let nothing = tempfile::tempdir().unwrap();
    /// let topo = Topology::detect_in(nothing.path()).unwrap();
    /// assert_eq!(topo.source(), &Source::CoreAffinity);
    /// assert_eq!(topo.smt(), None);
    /// ```
    pub fn detect_in(root: &Path) -> Result<Topology, TopologyError> {
        // Read the affinity mask first: it shrinks once a thread is pinned.
        let allowed = crate::affinity::allowed_cpus();
        let topo = match Self::from_root(root) {
            Ok(topo) if topo.cpus.iter().any(|cpu| cpu.online) => topo,
            _ => Self::from_core_affinity()?,
        };
        Ok(match allowed {
            Some(allowed) => topo.restricted_to(&allowed),
            None => topo,
        })
    }

    /// Reads the sysfs tree under `root` (`root/sys/devices/system/cpu/...`),
    /// e.g. an unpacked snapshot. The online CPUs in the cgroup cpuset of the
    /// root's process ([`cgroup::cpuset`], as hwloc applies it) count as
    /// allowed; every online CPU where there is none, or where it names no
    /// online CPU (it then cannot describe where the process runs). The
    /// others stay in the topology, not allowed, like hwloc's disallowed PUs.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use topology::Topology;
    /// let root = tempfile::tempdir()?;
    /// for (cpu, core) in [(0, 0), (1, 0), (2, 1), (3, 1)] {
    ///     let dir = root.path().join(format!("sys/devices/system/cpu/cpu{cpu}/topology"));
    ///     std::fs::create_dir_all(&dir)?;
    ///     std::fs::write(dir.join("physical_package_id"), "0\n")?;
    ///     std::fs::write(dir.join("core_id"), format!("{core}\n"))?;
    ///     let pair = if cpu % 2 == 0 { format!("{cpu}-{}", cpu + 1) } else { format!("{}-{cpu}", cpu - 1) };
    ///     std::fs::write(dir.join("thread_siblings_list"), pair)?;
    /// }
    /// let topo = Topology::from_root(root.path())?;
    /// assert_eq!(topo.cores().len(), 2);
    /// assert_eq!(topo.cpus()[3].siblings, vec![2, 3]);
    /// assert_eq!(topo.smt(), Some(true));
    /// # Ok(()) }
    /// ```
    pub fn from_root(root: &Path) -> Result<Topology, TopologyError> {
        let raw = sysfs::read_machine(root)?;
        if raw.cpus.is_empty() {
            return Err(TopologyError::NoCpus(root.to_path_buf()));
        }
        let mut topo = grouping::build(raw, Source::Sysfs(root.to_path_buf()));
        if let Some(cpuset) = cgroup::cpuset(root)? {
            if topo
                .cpus
                .iter()
                .any(|c| c.online && cpuset.cpus.contains(&c.id))
            {
                topo = topo.restricted_to(&cpuset.cpus);
            }
            topo.cpuset = Some(cpuset);
        }
        Ok(topo)
    }

    /// Only the CPU numbers `core_affinity` reports; nothing else is known.
    fn from_core_affinity() -> Result<Topology, TopologyError> {
        let ids = core_affinity::get_core_ids().ok_or(TopologyError::Unavailable)?;
        let mut ids: Vec<usize> = ids.into_iter().map(|core| core.id).collect();
        ids.sort_unstable();
        ids.dedup();
        let cpus = ids
            .into_iter()
            .map(|id| Cpu {
                id,
                online: true,
                allowed: true,
                core: None,
                core_id: None,
                package: None,
                die: None,
                cluster: None,
                numa_node: None,
                llc: None,
                siblings: Vec::new(),
            })
            .collect();
        Ok(Topology {
            cpus,
            cores: Vec::new(),
            llcs: Vec::new(),
            cpu_model: None,
            source: Source::CoreAffinity,
            cpuset: None,
        })
    }

    /// The same machine with only `allowed` (and online) CPUs marked allowed,
    /// as `taskset` or a cgroup cpuset would restrict it.
    ///
    /// ```
    /// let topo = topology::Topology::detect().unwrap();
    /// let first = topo.allowed_cpus()[0];
    /// assert_eq!(topo.with_allowed(&[first]).allowed_cpus(), vec![first]);
    /// ```
    pub fn with_allowed(&self, allowed: &[usize]) -> Topology {
        let mut topo = self.clone();
        for cpu in &mut topo.cpus {
            cpu.allowed = cpu.online && allowed.contains(&cpu.id);
        }
        topo
    }

    /// The same machine with the CPUs outside `allowed` no longer allowed
    /// (an intersection, where [`Topology::with_allowed`] replaces).
    fn restricted_to(&self, allowed: &[usize]) -> Topology {
        let mut topo = self.clone();
        for cpu in &mut topo.cpus {
            cpu.allowed = cpu.allowed && allowed.contains(&cpu.id);
        }
        topo
    }

    /// The cgroup cpuset read with the topology ([`cgroup::cpuset`]), if
    /// the root's process is in one.
    ///
    /// ```
    /// let topo = topology::Topology::detect().unwrap();
    /// if let Some(cpuset) = topo.cgroup_cpuset() {
    ///     assert!(!cpuset.cpus.is_empty());
    /// }
    /// ```
    pub fn cgroup_cpuset(&self) -> Option<&cgroup::CgroupCpuset> {
        self.cpuset.as_ref()
    }

    /// Every CPU the kernel mentions, online or not, by ascending id.
    pub fn cpus(&self) -> &[Cpu] {
        &self.cpus
    }

    /// The CPU with OS number `id`, if the kernel mentions it.
    pub fn cpu(&self, id: usize) -> Option<&Cpu> {
        self.cpus
            .binary_search_by_key(&id, |cpu| cpu.id)
            .ok()
            .map(|i| &self.cpus[i])
    }

    /// Physical cores in index order (package, LLC, lowest CPU). Empty when
    /// the topology is unknown ([`Source::CoreAffinity`]).
    pub fn cores(&self) -> &[Core] {
        &self.cores
    }

    /// Last-level caches in index order: each is the online CPUs sharing it.
    pub fn llcs(&self) -> &[Vec<usize>] {
        &self.llcs
    }

    /// The CPUs this process may run on (online and allowed), ascending.
    pub fn allowed_cpus(&self) -> Vec<usize> {
        self.cpus
            .iter()
            .filter(|cpu| cpu.allowed)
            .map(|cpu| cpu.id)
            .collect()
    }

    /// The CPUs the kernel lists but has offline, ascending.
    ///
    /// ```
    /// let topo = topology::Topology::detect().unwrap();
    /// let offline = topo.offline_cpus();
    /// assert!(topo.allowed_cpus().iter().all(|c| !offline.contains(c)));
    /// ```
    pub fn offline_cpus(&self) -> Vec<usize> {
        self.cpus
            .iter()
            .filter(|cpu| !cpu.online)
            .map(|cpu| cpu.id)
            .collect()
    }

    /// Allowed CPUs in topology order: core by core (package, LLC, core), the
    /// siblings of a core together; CPUs of unknown core last, by id.
    ///
    /// ```
    /// let topo = topology::Topology::detect().unwrap();
    /// let mut order = topo.topology_order();
    /// order.sort_unstable();
    /// assert_eq!(order, topo.allowed_cpus());
    /// ```
    pub fn topology_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = self
            .cores
            .iter()
            .flat_map(|core| core.cpus.iter().copied())
            .filter(|&id| self.cpu(id).is_some_and(|cpu| cpu.allowed))
            .collect();
        order.extend(
            self.cpus
                .iter()
                .filter(|cpu| cpu.allowed && cpu.core.is_none())
                .map(|cpu| cpu.id),
        );
        order
    }

    /// The distinct package numbers of online CPUs, ascending.
    pub fn packages(&self) -> Vec<usize> {
        distinct(
            self.cpus
                .iter()
                .filter(|c| c.online)
                .filter_map(|c| c.package),
        )
    }

    /// The distinct NUMA node numbers of online CPUs, ascending.
    pub fn numa_nodes(&self) -> Vec<usize> {
        distinct(
            self.cpus
                .iter()
                .filter(|c| c.online)
                .filter_map(|c| c.numa_node),
        )
    }

    /// Whether some core has more than one online hardware thread;
    /// `None` when that is unknown (fallback mode, or an online CPU without
    /// topology information).
    pub fn smt(&self) -> Option<bool> {
        if self.source == Source::CoreAffinity
            || self.cpus.iter().any(|c| c.online && c.core.is_none())
        {
            return None;
        }
        Some(self.cores.iter().any(|core| core.cpus.len() > 1))
    }

    /// The CPU model (`model name` in `/proc/cpuinfo`), where known.
    pub fn cpu_model(&self) -> Option<String> {
        self.cpu_model.clone()
    }

    /// Where this topology was read from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// How far apart CPUs `a` and `b` are; unknown CPUs are [`Distance::Far`].
    ///
    /// ```
    /// use topology::{Distance, Topology};
    /// let topo = Topology::detect().unwrap();
    /// let cpu = topo.allowed_cpus()[0];
    /// assert_eq!(topo.distance(cpu, cpu), Distance::SameCpu);
    /// ```
    pub fn distance(&self, a: usize, b: usize) -> Distance {
        if a == b {
            return Distance::SameCpu;
        }
        let (Some(a), Some(b)) = (self.cpu(a), self.cpu(b)) else {
            return Distance::Far;
        };
        let same = |x: Option<usize>, y: Option<usize>| x.is_some() && x == y;
        if same(a.core, b.core) {
            Distance::SameCore
        } else if same(a.llc, b.llc) {
            Distance::SameLlc
        } else if same(a.package, b.package) && same(a.numa_node, b.numa_node) {
            Distance::SamePackageAndNode
        } else if same(a.package, b.package) {
            Distance::SamePackage
        } else if same(a.numa_node, b.numa_node) {
            Distance::SameNode
        } else {
            Distance::Far
        }
    }

    /// For each worker (pinned to `worker_cpus[w]`, `None` = not pinned), the
    /// other workers' indices, nearest first by [`Distance`]; ties go to the
    /// next index after `w`, wrapping around, so that workers at the same
    /// distance do not all try the same victim first.
    ///
    /// ```
    /// let topo = topology::Topology::detect().unwrap();
    /// let order = topo.victim_order(&[None, None, None]);
    /// assert_eq!(order, vec![vec![1, 2], vec![2, 0], vec![0, 1]]);
    /// ```
    pub fn victim_order(&self, worker_cpus: &[Option<usize>]) -> Vec<Vec<usize>> {
        let n = worker_cpus.len();
        (0..n)
            .map(|w| {
                let mut others: Vec<usize> = (0..n).filter(|&v| v != w).collect();
                others.sort_by_key(|&v| {
                    let distance = match (worker_cpus[w], worker_cpus[v]) {
                        (Some(a), Some(b)) => self.distance(a, b),
                        _ => Distance::Far,
                    };
                    (distance, (v + n - w) % n)
                });
                others
            })
            .collect()
    }
}

fn distinct(values: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut values: Vec<usize> = values.collect();
    values.sort_unstable();
    values.dedup();
    values
}

impl fmt::Display for Distance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Distance::SameCpu => "same cpu",
            Distance::SameCore => "same core",
            Distance::SameLlc => "same LLC",
            Distance::SamePackageAndNode => "same package and node",
            Distance::SamePackage => "same package",
            Distance::SameNode => "same NUMA node",
            Distance::Far => "far",
        })
    }
}

//! How many workers this process can keep busy at once, and what limits it:
//! the allowed CPUs (cgroup cpuset, affinity mask) and the cgroup CPU quota,
//! as `std::thread::available_parallelism` counts them, but saying which
//! limit applied so that a run's metadata and messages can name it.

use crate::cgroup::{self, CgroupCpuset, CpuQuota};
use crate::cpulist::format_list;
use crate::{Topology, TopologyError};
use std::fmt;
use std::path::Path;

/// What decided [`UsableCpus::parallelism`]; its `Display` is the reason in words.
///
/// ```
/// use topology::usable::CpuLimit;
/// assert_eq!(CpuLimit::Unlimited.to_string(), "no limit: every online CPU");
/// assert_eq!(
///     CpuLimit::Affinity.to_string(),
///     "the affinity mask (taskset, sched_setaffinity)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuLimit {
    /// Nothing: every online CPU may be used, all the time.
    Unlimited,
    /// The cgroup cpuset leaves out some online CPUs.
    Cpuset(CgroupCpuset),
    /// The affinity mask (`taskset`, `sched_setaffinity`, a batch system's
    /// binding) leaves out CPUs that the cpuset, if any, would allow.
    Affinity,
    /// The cgroup CPU quota allows fewer CPUs' worth of time than there are
    /// allowed CPUs.
    Quota(CpuQuota),
}

/// The CPUs a process may use and how many of them it can keep busy.
///
/// ```
/// use topology::usable::{CpuLimit, UsableCpus};
/// let topo = topology::Topology::detect().unwrap();
/// let first = topo.allowed_cpus()[0];
/// let nothing = tempfile::tempdir().unwrap(); // no cgroup files: no quota
/// let usable = UsableCpus::of(&topo.with_allowed(&[first]), nothing.path()).unwrap();
/// assert_eq!((usable.cpus.clone(), usable.parallelism), (vec![first], 1));
/// if topo.allowed_cpus().len() > 1 {
///     assert_eq!(usable.limit, CpuLimit::Affinity);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsableCpus {
    /// The CPUs the process may run on (online, in its cpuset and affinity
    /// mask), ascending: where workers can be pinned.
    pub cpus: Vec<usize>,
    /// How many of them it can keep busy at once: `cpus.len()`, or fewer
    /// under a CPU quota. What `workers = "all"` counts up to.
    pub parallelism: usize,
    /// How many CPUs are online.
    pub online: usize,
    /// What decided `parallelism` (the tightest limit).
    pub limit: CpuLimit,
}

/// The live machine's usable CPUs when `root` is `/`, else those of the
/// snapshot or generated tree under `root`: [`Topology::detect_in`]
/// (so intersected with this process's affinity mask), then
/// [`UsableCpus::of`].
///
/// ```
/// let usable = topology::usable::usable_cpus(std::path::Path::new("/")).unwrap();
/// let std_count = std::thread::available_parallelism().unwrap().get();
/// assert_eq!(usable.parallelism, std_count, "{usable}");
/// ```
pub fn usable_cpus(root: &Path) -> Result<UsableCpus, TopologyError> {
    let topo = Topology::detect_in(root)?;
    UsableCpus::of(&topo, root)
}

impl UsableCpus {
    /// The allowed CPUs of `topo`, limited by the CPU quota of the process
    /// whose cgroup files are under `root` ([`cgroup::cpu_quota`]).
    ///
    /// ```
    /// use std::path::Path;
    /// use topology::usable::UsableCpus;
    /// let topo = topology::Topology::detect().unwrap();
    /// let usable = UsableCpus::of(&topo, Path::new("/")).unwrap();
    /// assert_eq!(usable.cpus, topo.allowed_cpus());
    /// assert!(usable.parallelism >= 1 && usable.parallelism <= usable.cpus.len());
    /// ```
    pub fn of(topo: &Topology, root: &Path) -> Result<UsableCpus, TopologyError> {
        let cpus = topo.allowed_cpus();
        let online = topo.cpus().iter().filter(|cpu| cpu.online).count();
        let quota = cgroup::cpu_quota(root)?.filter(|quota| quota.cpus() < cpus.len());
        let (parallelism, limit) = match quota {
            Some(quota) => (quota.cpus(), CpuLimit::Quota(quota)),
            None if cpus.len() < online => (cpus.len(), Self::narrowed_by(topo, &cpus)),
            None => (cpus.len(), CpuLimit::Unlimited),
        };
        Ok(UsableCpus {
            cpus,
            parallelism,
            online,
            limit,
        })
    }

    /// Whether the cpuset alone explains the allowed CPUs `cpus`.
    fn narrowed_by(topo: &Topology, cpus: &[usize]) -> CpuLimit {
        let Some(cpuset) = topo.cgroup_cpuset() else {
            return CpuLimit::Affinity;
        };
        let online_in_cpuset: Vec<usize> = topo
            .cpus()
            .iter()
            .filter(|cpu| cpu.online && cpuset.cpus.contains(&cpu.id))
            .map(|cpu| cpu.id)
            .collect();
        if online_in_cpuset == cpus {
            CpuLimit::Cpuset(cpuset.clone())
        } else {
            CpuLimit::Affinity
        }
    }
}

impl CpuLimit {
    /// A one-word name for metadata files: `none`, `cpuset`, `affinity` or `quota`.
    ///
    /// ```
    /// assert_eq!(topology::usable::CpuLimit::Affinity.name(), "affinity");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            CpuLimit::Unlimited => "none",
            CpuLimit::Cpuset(_) => "cpuset",
            CpuLimit::Affinity => "affinity",
            CpuLimit::Quota(_) => "quota",
        }
    }
}

impl fmt::Display for CpuLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpuLimit::Unlimited => f.write_str("no limit: every online CPU"),
            CpuLimit::Cpuset(cpuset) => write!(f, "{cpuset}"),
            CpuLimit::Affinity => f.write_str("the affinity mask (taskset, sched_setaffinity)"),
            CpuLimit::Quota(quota) => write!(f, "{quota}"),
        }
    }
}

/// `2 of 16 online CPUs usable at once (CPUs 0-3; limit: cgroup CPU quota ...)`
impl fmt::Display for UsableCpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} online CPUs usable at once (CPUs {}; limit: {})",
            self.parallelism,
            self.online,
            format_list(&self.cpus),
            self.limit
        )
    }
}

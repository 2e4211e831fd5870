//! From what sysfs says to a [`Topology`]: which CPUs are online, which form a
//! core or share a last-level cache, and the machine-unique indices of both
//! (the rules are in the crate documentation).

use crate::sysfs::{RawCpu, RawMachine};
use crate::{Core, Cpu, Source, Topology};
use std::collections::BTreeMap;

/// Every CPU the kernel mentions, by id.
type CpusById = BTreeMap<usize, RawCpu>;

/// Interprets one reading of sysfs.
pub(crate) fn build(raw: RawMachine, source: Source) -> Topology {
    let online = Online::of(&raw);
    let by_id = every_cpu(raw.cpus, &online);
    let (core_groups, llc_groups) = group(&by_id, &online);
    let (llcs, llc_of) = index_llcs(llc_groups, &by_id);
    let (cores, core_of) = index_cores(core_groups, &by_id, &llc_of);
    let cpus = by_id
        .into_values()
        .map(|raw_cpu| {
            let id = raw_cpu.id;
            let mut cpu = describe(raw_cpu, &online, &core_of, &llc_of);
            cpu.siblings = cpu.core.map(|c| cores[c].cpus.clone()).unwrap_or_default();
            cpu.numa_node = raw
                .nodes
                .iter()
                .find(|(_, cpus)| cpus.contains(&id))
                .map(|(node, _)| *node);
            cpu
        })
        .collect();
    Topology {
        cpus,
        cores,
        llcs,
        cpu_model: raw.cpu_model,
        source,
        cpuset: None,
    }
}

/// The online CPUs, ascending.
struct Online(Vec<usize>);

impl Online {
    /// Old kernels have no `online` file: then a CPU is online iff its
    /// topology folder exists (the kernel removes it when offlining).
    fn of(raw: &RawMachine) -> Online {
        let mut online: Vec<usize> = match &raw.online {
            Some(list) => list.clone(),
            None => raw
                .cpus
                .iter()
                .filter(|cpu| cpu.has_topology)
                .map(|cpu| cpu.id)
                .collect(),
        };
        online.sort_unstable();
        online.dedup();
        Online(online)
    }

    fn contains(&self, id: usize) -> bool {
        self.0.binary_search(&id).is_ok()
    }

    /// The online CPUs of a sharing set the kernel wrote for CPU `id`, with
    /// `id` itself, ascending.
    fn restrict(&self, set: &[usize], id: usize) -> Vec<usize> {
        let mut set: Vec<usize> = set.iter().copied().filter(|&c| self.contains(c)).collect();
        if !set.contains(&id) {
            set.push(id);
            set.sort_unstable();
        }
        set
    }
}

/// The `cpuN` folders plus the online CPUs that have none.
fn every_cpu(cpus: Vec<RawCpu>, online: &Online) -> CpusById {
    let mut by_id: CpusById = cpus.into_iter().map(|cpu| (cpu.id, cpu)).collect();
    for &id in &online.0 {
        by_id.entry(id).or_insert_with(|| RawCpu {
            id,
            ..Default::default()
        });
    }
    by_id
}

/// What makes two CPUs one core: the same siblings *and* the same (package,
/// die, core_id). The ids matter on AMD's Bulldozer family, whose kernels list
/// both threads of a compute unit as siblings while giving each its own
/// core_id; hwloc makes them two cores, so do we. With no sibling file,
/// (package, die, cluster, core_id) alone decides.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum CoreKey {
    Siblings(Vec<usize>, Option<usize>, Option<usize>, Option<usize>),
    Ids(Option<usize>, Option<usize>, Option<usize>, usize),
}

/// The online CPUs with topology, grouped into cores and into LLCs (each
/// group ascending, not yet in index order).
fn group(by_id: &CpusById, online: &Online) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut core_groups: BTreeMap<CoreKey, Vec<usize>> = BTreeMap::new();
    let mut llc_groups: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
    for cpu in by_id
        .values()
        .filter(|cpu| online.contains(cpu.id) && cpu.has_topology)
    {
        let key = match (&cpu.siblings, cpu.core_id) {
            (Some(siblings), core_id) => CoreKey::Siblings(
                online.restrict(siblings, cpu.id),
                cpu.package,
                cpu.die,
                core_id,
            ),
            (None, Some(core_id)) => CoreKey::Ids(cpu.package, cpu.die, cpu.cluster, core_id),
            (None, None) => CoreKey::Siblings(vec![cpu.id], None, None, None),
        };
        core_groups.entry(key).or_default().push(cpu.id);
        if let Some(llc) = &cpu.llc {
            llc_groups
                .entry(online.restrict(llc, cpu.id))
                .or_default()
                .push(cpu.id);
        }
    }
    (
        core_groups.into_values().collect(),
        llc_groups.into_values().collect(),
    )
}

/// The package of CPU `id`; unknown packages sort last.
fn package_of(by_id: &CpusById, id: usize) -> usize {
    by_id
        .get(&id)
        .and_then(|cpu| cpu.package)
        .unwrap_or(usize::MAX)
}

/// LLC indices: by package, then lowest CPU. Returns the LLCs in index order
/// and each CPU's LLC index.
fn index_llcs(
    mut llcs: Vec<Vec<usize>>,
    by_id: &CpusById,
) -> (Vec<Vec<usize>>, BTreeMap<usize, usize>) {
    llcs.sort_by_key(|members| (package_of(by_id, members[0]), members[0]));
    let mut llc_of = BTreeMap::new();
    for (index, members) in llcs.iter().enumerate() {
        for &cpu in members {
            llc_of.insert(cpu, index);
        }
    }
    (llcs, llc_of)
}

/// Core indices: by package, then LLC, then lowest CPU. Returns the cores in
/// index order and each CPU's core index.
fn index_cores(
    groups: Vec<Vec<usize>>,
    by_id: &CpusById,
    llc_of: &BTreeMap<usize, usize>,
) -> (Vec<Core>, BTreeMap<usize, usize>) {
    let mut cores: Vec<Core> = groups
        .into_iter()
        .map(|cpus| Core {
            index: 0,
            package: by_id[&cpus[0]].package,
            llc: llc_of.get(&cpus[0]).copied(),
            cpus,
        })
        .collect();
    cores.sort_by_key(|core| {
        (
            core.package.unwrap_or(usize::MAX),
            core.llc.unwrap_or(usize::MAX),
            core.cpus[0],
        )
    });
    let mut core_of = BTreeMap::new();
    for (index, core) in cores.iter_mut().enumerate() {
        core.index = index;
        for &cpu in &core.cpus {
            core_of.insert(cpu, index);
        }
    }
    (cores, core_of)
}

/// One CPU as the kernel describes it; an offline CPU, or one without a
/// topology folder, keeps only its id. Siblings and NUMA node are left to the
/// caller.
fn describe(
    raw: RawCpu,
    online: &Online,
    core_of: &BTreeMap<usize, usize>,
    llc_of: &BTreeMap<usize, usize>,
) -> Cpu {
    let is_online = online.contains(raw.id);
    let known = is_online && raw.has_topology;
    let when_known = |value: Option<usize>| if known { value } else { None };
    Cpu {
        id: raw.id,
        online: is_online,
        allowed: is_online,
        core: when_known(core_of.get(&raw.id).copied()),
        core_id: when_known(raw.core_id),
        package: when_known(raw.package),
        die: when_known(raw.die),
        cluster: when_known(raw.cluster),
        numa_node: None,
        llc: when_known(llc_of.get(&raw.id).copied()),
        siblings: Vec::new(),
    }
}

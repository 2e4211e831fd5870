//! The `spread` keyword's order: cores interleaved across packages and LLCs.

use crate::Topology;

/// `spread`: cores interleaved across packages, and within a package across
/// LLCs; first sibling of every core, then second siblings, and so on.
pub(super) fn spread_order(topo: &Topology, candidates: &[usize]) -> Vec<usize> {
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
pub(super) fn interleave<T>(groups: Vec<Vec<T>>) -> Vec<T> {
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

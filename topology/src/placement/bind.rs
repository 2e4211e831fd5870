//! OpenMP places on a [`Topology`], and OpenMP's binding policies
//! (OpenMP 5.2, section 10.1.3) assigning workers to them.

use super::{AbstractName, Bind, OmpPlacement, Placement, PlacementError, Places};
use crate::cpulist::format_list;
use crate::{Cpu, Topology};
use std::collections::{HashMap, HashSet};

/// The places, each its CPUs in the order workers on it take them.
pub(super) fn place_sets(
    placement: &Placement,
    omp: &OmpPlacement,
    topo: &Topology,
) -> Result<Vec<Vec<usize>>, PlacementError> {
    let (name, count) = match &omp.places {
        Places::Explicit(places) => {
            for place in places {
                placement.check_listed(topo, place)?;
            }
            return Ok(places.clone());
        }
        Places::Abstract(name, count) => (*name, *count),
    };
    let candidates = placement.candidates(topo);
    if candidates.is_empty() {
        return Err(placement.no_places(topo));
    }
    let mut groups = group(placement, topo, name, &candidates)?;
    if let Some(asked) = count {
        if asked > groups.len() {
            let restricted = if placement.filters.is_empty() {
                String::new()
            } else {
                format!(" in {}", placement.filters_name())
            };
            return Err(PlacementError::NotEnoughPlaces {
                placement: placement.to_string(),
                asked,
                name: name.word(),
                available: groups.len(),
                restricted,
            });
        }
        groups.truncate(asked);
    }
    Ok(groups)
}

/// What groups CPUs into places, for each abstract name: `Ok(None)` when the
/// CPU's group is unknown.
fn key(name: AbstractName, cpu: &Cpu) -> Option<usize> {
    match name {
        AbstractName::Threads => Some(cpu.id),
        AbstractName::Cores => cpu.core,
        AbstractName::LlCaches => cpu.llc,
        AbstractName::NumaDomains => cpu.numa_node,
        AbstractName::Sockets => cpu.package,
    }
}

/// The candidates grouped into the places of `name`, places in the order of
/// their first CPU in topology order; inside a place, the first allowed
/// sibling of each core, then the second ones, and so on.
fn group(
    placement: &Placement,
    topo: &Topology,
    name: AbstractName,
    candidates: &[usize],
) -> Result<Vec<Vec<usize>>, PlacementError> {
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &id in candidates {
        let Some(cpu) = topo.cpu(id) else { continue };
        let Some(k) = key(name, cpu) else {
            return Err(unknown(placement, name, id));
        };
        let i = *index.entry(k).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(id);
    }
    // A CPU's rank among the allowed siblings of its core.
    let allowed: HashSet<usize> = candidates.iter().copied().collect();
    let rank: HashMap<usize, usize> = topo
        .cores()
        .iter()
        .flat_map(|core| {
            core.cpus
                .iter()
                .copied()
                .filter(|id| allowed.contains(id))
                .enumerate()
                .map(|(rank, id)| (id, rank))
        })
        .collect();
    for place in &mut groups {
        // Stable: the topology order is kept within a rank.
        place.sort_by_key(|id| rank.get(id).copied().unwrap_or(0));
    }
    Ok(groups)
}

fn unknown(placement: &Placement, name: AbstractName, cpu: usize) -> PlacementError {
    let level = match name {
        AbstractName::Threads | AbstractName::Cores => {
            return PlacementError::UnknownTopology {
                placement: placement.to_string(),
                cpu,
            }
        }
        AbstractName::LlCaches => "last-level cache",
        AbstractName::NumaDomains => "NUMA node",
        AbstractName::Sockets => "package",
    };
    PlacementError::UnknownLevel {
        placement: placement.to_string(),
        cpu,
        level,
    }
}

/// The place of worker `worker` of `workers` over `places` places.
///
/// * `primary`: every worker on the first place.
/// * `close`: worker *i* on place *i*.
/// * `spread`: the places cut into `workers` runs of consecutive places,
///   the first `places mod workers` runs one longer; worker *i* at the
///   start of run *i*.
/// * more workers than places (`close` and `spread`): consecutive workers
///   share a place, ⌊*i*·*P*/*W*⌋, so each place gets ⌊*W*/*P*⌋ or ⌈*W*/*P*⌉.
pub(super) fn place_of(bind: Bind, worker: usize, workers: usize, places: usize) -> usize {
    match bind {
        Bind::Primary => 0,
        _ if workers > places => worker * places / workers,
        Bind::Close => worker,
        Bind::Spread => worker * (places / workers) + worker.min(places % workers),
    }
}

/// One CPU per worker: its place's next CPU.
pub(super) fn resolve(
    placement: &Placement,
    omp: &OmpPlacement,
    topo: &Topology,
    workers: Option<usize>,
) -> Result<Vec<Option<usize>>, PlacementError> {
    let places = place_sets(placement, omp, topo)?;
    let workers = workers.unwrap_or(places.len());
    placement.check_count(workers)?;
    let mut used = vec![0usize; places.len()];
    let mut taken = HashSet::new();
    let mut cpus = Vec::with_capacity(workers);
    for worker in 0..workers {
        let j = place_of(omp.bind, worker, workers, places.len());
        let place = &places[j];
        let cpu = place[used[j] % place.len()];
        used[j] += 1;
        if !taken.insert(cpu) && !placement.oversubscribe {
            let mut all: Vec<usize> = places.concat();
            all.sort_unstable();
            all.dedup();
            return Err(PlacementError::SharedCpu {
                placement: placement.to_string(),
                workers,
                cpu,
                places: places.len(),
                cpus: format_list(&all),
            });
        }
        cpus.push(Some(cpu));
    }
    Ok(cpus)
}

#[cfg(test)]
mod tests {
    use super::place_of;
    use crate::placement::Bind;

    fn all(bind: Bind, workers: usize, places: usize) -> Vec<usize> {
        (0..workers)
            .map(|w| place_of(bind, w, workers, places))
            .collect()
    }

    #[test]
    fn binding_policies_worked_by_hand() {
        // 8 places, 3 workers: spread cuts runs of 3, 3, 2 places.
        assert_eq!(all(Bind::Spread, 3, 8), vec![0, 3, 6]);
        assert_eq!(all(Bind::Spread, 4, 8), vec![0, 2, 4, 6]);
        assert_eq!(all(Bind::Close, 3, 8), vec![0, 1, 2]);
        assert_eq!(all(Bind::Primary, 3, 8), vec![0, 0, 0]);
        // 2 places, 5 workers: 3 on the first, 2 on the second, in blocks.
        assert_eq!(all(Bind::Close, 5, 2), vec![0, 0, 0, 1, 1]);
        assert_eq!(all(Bind::Spread, 5, 2), vec![0, 0, 0, 1, 1]);
    }
}

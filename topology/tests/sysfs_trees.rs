//! Topology detection and placements on generated sysfs trees: two sockets
//! with SMT siblings numbered far apart and adjacent, old-kernel hex masks,
//! a hybrid CPU, offline CPUs, a restricted affinity mask, malformed files.

mod support;

use support::{fixture, hybrid, two_sockets, Style};
use topology::placement::{Placement, PlacementError};
use topology::{Distance, Topology, TopologyError};

fn cpus(topo: &Topology, spec: &str, workers: Option<usize>) -> Vec<usize> {
    let placement: Placement = spec.parse().unwrap();
    placement
        .resolve(topo, workers)
        .unwrap_or_else(|e| panic!("{spec}: {e}"))
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

fn error(topo: &Topology, spec: &str, workers: Option<usize>) -> String {
    let placement: Placement = spec.parse().unwrap();
    placement.resolve(topo, workers).unwrap_err().to_string()
}

#[test]
fn two_sockets_siblings_far_apart() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let topo = Topology::from_root(dir.path()).unwrap();
    assert_eq!(topo.cores().len(), 8);
    assert_eq!(topo.smt(), Some(true));
    assert_eq!(topo.packages(), vec![0, 1]);
    assert_eq!(topo.cpu(0).unwrap().siblings, vec![0, 8]);
    assert_eq!(topo.cpu(8).unwrap().core, Some(0));
    assert_eq!(
        topo.cpu(12).unwrap().core,
        Some(4),
        "core_id 0 of package 1 is a different core"
    );
    assert_eq!(topo.cpu_model().as_deref(), Some("Fixture CPU @ 1.00GHz"));

    assert_eq!(
        cpus(&topo, "threads", None),
        vec![0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]
    );
    assert_eq!(cpus(&topo, "cores", None), vec![0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(cpus(&topo, "close", Some(4)), vec![0, 8, 1, 9]);
    assert_eq!(cpus(&topo, "compact", Some(3)), vec![0, 8, 1]);
    assert_eq!(
        cpus(&topo, "spread", None),
        vec![0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15]
    );
    assert_eq!(cpus(&topo, "scatter", Some(2)), vec![0, 4]);
    assert_eq!(
        cpus(&topo, "spread@package:1", None),
        vec![4, 5, 6, 7, 12, 13, 14, 15]
    );
    assert_eq!(cpus(&topo, "cores@node:0", None), vec![0, 1, 2, 3]);
    assert_eq!(cpus(&topo, "threads@package:0@node:0", Some(2)), vec![0, 8]);
    assert_eq!(cpus(&topo, "list:3,0-2", None), vec![3, 0, 1, 2]);
    assert_eq!(cpus(&topo, "list:0-15:4", None), vec![0, 4, 8, 12]);
    let none: Placement = "none".parse().unwrap();
    assert_eq!(none.resolve(&topo, None).unwrap(), vec![None; 16]);
}

#[test]
fn two_sockets_siblings_adjacent() {
    let dir = fixture(&two_sockets(false), &[], Style::Lists);
    let topo = Topology::from_root(dir.path()).unwrap();
    assert_eq!(topo.cpu(0).unwrap().siblings, vec![0, 1]);
    assert_eq!(cpus(&topo, "threads", None), (0..16).collect::<Vec<_>>());
    assert_eq!(cpus(&topo, "cores", None), vec![0, 2, 4, 6, 8, 10, 12, 14]);
    assert_eq!(cpus(&topo, "close", Some(4)), vec![0, 1, 2, 3]);
    assert_eq!(
        cpus(&topo, "spread", None),
        vec![0, 8, 2, 10, 4, 12, 6, 14, 1, 9, 3, 11, 5, 13, 7, 15]
    );
}

#[test]
fn old_kernel_masks_without_online_file_read_the_same() {
    for far_apart in [true, false] {
        let lists = fixture(&two_sockets(far_apart), &[], Style::Lists);
        let masks = fixture(&two_sockets(far_apart), &[], Style::Masks);
        let lists = Topology::from_root(lists.path()).unwrap();
        let masks = Topology::from_root(masks.path()).unwrap();
        assert!(!masks.path_has_online_file());
        assert_eq!(lists.cpus(), masks.cpus());
        assert_eq!(lists.cores(), masks.cores());
        assert_eq!(lists.llcs(), masks.llcs());
    }
}

trait OnlineFile {
    fn path_has_online_file(&self) -> bool;
}
impl OnlineFile for Topology {
    fn path_has_online_file(&self) -> bool {
        match self.source() {
            topology::Source::Sysfs(root) => root.join("sys/devices/system/cpu/online").exists(),
            topology::Source::CoreAffinity => false,
        }
    }
}

#[test]
fn hybrid_cpu_two_thread_and_one_thread_cores() {
    let dir = fixture(&hybrid(), &[], Style::Lists);
    let topo = Topology::from_root(dir.path()).unwrap();
    assert_eq!(topo.smt(), Some(true));
    let sizes: Vec<usize> = topo.cores().iter().map(|c| c.cpus.len()).collect();
    assert_eq!(sizes, vec![2, 2, 1, 1, 1, 1]);
    assert_eq!(topo.cpu(5).unwrap().siblings, vec![5]);
    assert_eq!(cpus(&topo, "threads", None), (0..8).collect::<Vec<_>>());
    assert_eq!(cpus(&topo, "cores", None), vec![0, 2, 4, 5, 6, 7]);
    assert_eq!(
        cpus(&topo, "spread", None),
        vec![0, 2, 4, 5, 6, 7, 1, 3],
        "second siblings only after every core"
    );
    assert_eq!(cpus(&topo, "close", Some(3)), vec![0, 1, 2]);
}

#[test]
fn offline_cpus_are_reported_and_never_placed() {
    // CPU 1 (sibling of 0) and CPU 12 are offline: no topology folder, still a cache folder.
    let dir = fixture(&two_sockets(false), &[1, 12], Style::Lists);
    let topo = Topology::from_root(dir.path()).unwrap();
    let cpu1 = topo.cpu(1).unwrap();
    assert!(!cpu1.online && !cpu1.allowed && cpu1.core.is_none() && cpu1.llc.is_none());
    assert_eq!(
        topo.cpu(0).unwrap().siblings,
        vec![0],
        "the offline sibling is not a sibling"
    );
    assert!(topo.llcs().iter().flatten().all(|&c| c != 1 && c != 12));
    assert_eq!(topo.allowed_cpus().len(), 14);
    assert_eq!(cpus(&topo, "cores", None), vec![0, 2, 4, 6, 8, 10, 13, 14]);
    assert!(!cpus(&topo, "threads", None).contains(&12));
    let err = error(&topo, "list:0-3", None);
    assert!(
        err.contains("CPU 1 is offline") && err.contains("allowed CPUs: 0,2-11,13-15"),
        "{err}"
    );
    let err = error(&topo, "list:99", None);
    assert!(err.contains("CPU 99 does not exist"), "{err}");

    // The same without an online file: a missing topology folder alone means offline.
    let dir = fixture(&two_sockets(false), &[1, 12], Style::Masks);
    let masks = Topology::from_root(dir.path()).unwrap();
    assert_eq!(masks.cpus(), topo.cpus());
}

#[test]
fn restricted_allowed_set() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    // Like `taskset -c 8-11,4`: the second siblings of package 0 plus CPU 4.
    let topo = Topology::from_root(dir.path())
        .unwrap()
        .with_allowed(&[4, 8, 9, 10, 11, 99]);
    assert_eq!(topo.allowed_cpus(), vec![4, 8, 9, 10, 11]);
    assert_eq!(cpus(&topo, "threads", None), vec![8, 9, 10, 11, 4]);
    assert_eq!(
        cpus(&topo, "cores", None),
        vec![8, 9, 10, 11, 4],
        "the allowed sibling stands in for its core"
    );
    assert_eq!(cpus(&topo, "spread", Some(2)), vec![8, 4]);
    let err = error(&topo, "list:0,8", None);
    assert!(
        err.contains("CPU 0 is not allowed") && err.contains("allowed CPUs: 4,8-11"),
        "{err}"
    );
    let err = error(&topo, "cores@package:1@node:0", None);
    assert!(
        err.contains("no allowed CPU matches @package:1 and @node:0"),
        "{err}"
    );
    let none: Placement = "none".parse().unwrap();
    assert_eq!(
        none.resolve(&topo, None).unwrap().len(),
        5,
        "none: one worker per allowed CPU"
    );
}

#[test]
fn worker_counts_and_oversubscription() {
    let dir = fixture(&two_sockets(false), &[], Style::Lists);
    let topo = Topology::from_root(dir.path()).unwrap();
    let err: PlacementError = "cores"
        .parse::<Placement>()
        .unwrap()
        .resolve(&topo, Some(9))
        .unwrap_err();
    assert!(matches!(
        err,
        PlacementError::TooManyWorkers {
            workers: 9,
            places: 8,
            ..
        }
    ));
    assert!(err.to_string().contains("cores+oversubscribe"), "{err}");
    assert!(error(&topo, "cores", Some(0)).contains("at least 1"));
    assert!(error(&topo, "list:0,1", Some(3)).contains("2 places"));
    assert_eq!(cpus(&topo, "list:0,1", Some(1)), vec![0]);
    // threads: round-robin over places; close: neighbours share a place.
    assert_eq!(
        cpus(&topo, "cores+oversubscribe", Some(10)),
        vec![0, 2, 4, 6, 8, 10, 12, 14, 0, 2]
    );
    assert_eq!(
        cpus(&topo, "close@package:0+oversubscribe", Some(16)),
        (0..8).flat_map(|c| [c, c]).collect::<Vec<_>>()
    );
    assert_eq!(cpus(&topo, "list:3,3+oversubscribe", None), vec![3, 3]);
    let none: Placement = "none+oversubscribe".parse().unwrap();
    assert_eq!(none.resolve(&topo, Some(20)).unwrap(), vec![None; 20]);
}

#[test]
fn victim_order_nearest_first_with_wraparound_ties() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let topo = Topology::from_root(dir.path()).unwrap();
    assert_eq!(topo.distance(0, 8), Distance::SameCore);
    assert_eq!(topo.distance(0, 1), Distance::SameLlc);
    assert_eq!(topo.distance(0, 4), Distance::Far);
    // threads: workers 0..16 on 0,8,1,9,2,10,3,11 | 4,12,5,13,...
    let workers: Vec<Option<usize>> = "threads"
        .parse::<Placement>()
        .unwrap()
        .resolve(&topo, None)
        .unwrap();
    let order = topo.victim_order(&workers);
    assert_eq!(
        order[0],
        vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    );
    assert_eq!(
        order[3],
        vec![2, 4, 5, 6, 7, 0, 1, 8, 9, 10, 11, 12, 13, 14, 15]
    );
    assert_eq!(
        order[9],
        vec![8, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]
    );
    for (w, victims) in order.iter().enumerate() {
        let mut sorted = victims.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (0..16).filter(|&v| v != w).collect::<Vec<_>>(),
            "each other worker exactly once"
        );
    }
    // Two workers on one CPU are the nearest of all; unpinned workers are far.
    let order = topo.victim_order(&[Some(0), None, Some(8), Some(0)]);
    assert_eq!(order[0], vec![3, 2, 1]);
    assert_eq!(order[1], vec![2, 3, 0]);
}

#[test]
fn malformed_and_empty_trees_are_clear_errors() {
    let empty = tempfile::tempdir().unwrap();
    let err = Topology::from_root(empty.path()).unwrap_err();
    assert!(matches!(err, TopologyError::NoCpus(_)), "{err}");
    assert!(err.to_string().contains("sys/devices/system/cpu"), "{err}");

    let dir = fixture(&two_sockets(false), &[], Style::Lists);
    let bad = dir
        .path()
        .join("sys/devices/system/cpu/cpu3/topology/core_id");
    std::fs::write(&bad, "three\n").unwrap();
    let err = Topology::from_root(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("cpu3/topology/core_id") && err.contains("`three`"),
        "{err}"
    );

    let dir = fixture(&two_sockets(false), &[], Style::Lists);
    std::fs::write(dir.path().join("sys/devices/system/cpu/online"), "0-3,x\n").unwrap();
    let err = Topology::from_root(dir.path()).unwrap_err().to_string();
    assert!(err.contains("cpu/online") && err.contains("`x`"), "{err}");

    // -1 is the kernel's "unknown" id, not an error.
    let dir = fixture(&hybrid(), &[], Style::Lists);
    std::fs::write(
        dir.path()
            .join("sys/devices/system/cpu/cpu7/topology/physical_package_id"),
        "-1\n",
    )
    .unwrap();
    let topo = Topology::from_root(dir.path()).unwrap();
    assert_eq!(topo.cpu(7).unwrap().package, None);
}

#[test]
fn without_sysfs_the_fallback_knows_cpus_but_not_cores() {
    let nothing = tempfile::tempdir().unwrap();
    let topo = Topology::detect_in(nothing.path()).unwrap();
    assert_eq!(topo.source(), &topology::Source::CoreAffinity);
    assert_eq!(
        Some(topo.allowed_cpus()),
        topology::affinity::allowed_cpus()
    );
    assert_eq!(topo.smt(), None);
    assert!(
        topo.cores().is_empty()
            && topo
                .cpus()
                .iter()
                .all(|c| c.package.is_none() && c.core.is_none())
    );
    assert_eq!(cpus(&topo, "threads", None), topo.allowed_cpus());
    let err = error(&topo, "cores", None);
    assert!(
        err.contains("SMT siblings") && err.contains("unknown"),
        "{err}"
    );
    assert!(error(&topo, "spread", None).contains("unknown"));
    // The distance between distinct CPUs of unknown topology is "far".
    if let [a, b, ..] = topo.allowed_cpus()[..] {
        assert_eq!(topo.distance(a, b), Distance::Far);
    }
}

#[test]
fn live_mode_on_a_fixture_intersects_with_the_affinity_mask() {
    let dir = fixture(&two_sockets(false), &[], Style::Lists);
    let topo = Topology::detect_in(dir.path()).unwrap();
    let mask = topology::affinity::allowed_cpus().unwrap();
    let expected: Vec<usize> = mask.into_iter().filter(|&c| c < 16).collect();
    assert_eq!(topo.allowed_cpus(), expected);
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use std::sync::OnceLock;

    /// Written once per test binary: the far-apart 2×4×2 machine and the hybrid one.
    fn machines() -> &'static [Topology] {
        static MACHINES: OnceLock<Vec<Topology>> = OnceLock::new();
        MACHINES.get_or_init(|| {
            [
                fixture(&two_sockets(true), &[], Style::Lists),
                fixture(&hybrid(), &[], Style::Masks),
            ]
            .iter()
            .map(|dir| Topology::from_root(dir.path()).unwrap())
            .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// For any affinity mask: threads/close/spread use each allowed CPU exactly
        /// once, cores one CPU of each core that has an allowed CPU, and every
        /// victim order lists each other worker exactly once.
        #[test]
        fn placements_cover_the_allowed_cpus(machine in 0usize..2, mask in proptest::collection::btree_set(0usize..16, 1..16)) {
            let topo = machines()[machine].with_allowed(&mask.iter().copied().collect::<Vec<_>>());
            let allowed: BTreeSet<usize> = topo.allowed_cpus().into_iter().collect();
            prop_assume!(!allowed.is_empty());
            for spec in ["threads", "close", "spread"] {
                let cpus = cpus(&topo, spec, None);
                prop_assert_eq!(cpus.len(), allowed.len(), "{}", spec);
                prop_assert_eq!(cpus.iter().copied().collect::<BTreeSet<_>>(), allowed.clone(), "{}", spec);
            }
            let cores = cpus(&topo, "cores", None);
            let core_of: Vec<usize> = cores.iter().map(|&c| topo.cpu(c).unwrap().core.unwrap()).collect();
            let distinct: BTreeSet<usize> = core_of.iter().copied().collect();
            prop_assert_eq!(distinct.len(), cores.len(), "one worker per core");
            let with_allowed: BTreeSet<usize> = allowed.iter().map(|&c| topo.cpu(c).unwrap().core.unwrap()).collect();
            prop_assert_eq!(distinct, with_allowed, "every core with an allowed CPU");
            let workers: Vec<Option<usize>> = cpus(&topo, "spread", None).into_iter().map(Some).collect();
            for (w, victims) in topo.victim_order(&workers).iter().enumerate() {
                let mut sorted = victims.clone();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (0..workers.len()).filter(|&v| v != w).collect::<Vec<_>>());
                let distances: Vec<Distance> = victims.iter().map(|&v| topo.distance(workers[w].unwrap(), workers[v].unwrap())).collect();
                prop_assert!(distances.windows(2).all(|d| d[0] <= d[1]), "nearest first: {:?}", distances);
            }
        }
    }
}

/// A real machine of ours: the 16-CPU Intel Xeon VM the scaling results in
/// `results/scaling/16cpu-xeon-vm/` come from, snapshotted there by
/// `scripts/snapshot-sysfs.sh`. `lscpu` on it (its `machine.txt`) says 16 cores
/// in one socket, one thread per core, one L3 and one NUMA node.
#[test]
fn snapshot_of_the_16_cpu_xeon_vm() {
    let dir = support::tempdir();
    let archive = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/xeon-16cpu-vm.sysfs.tar.gz");
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .status()
        .expect("running tar");
    assert!(status.success(), "unpacking {}", archive.display());
    let topo = Topology::from_root(&dir.path().join("sysfs")).unwrap();
    assert_eq!(topo.allowed_cpus(), (0..16).collect::<Vec<_>>());
    assert_eq!(topo.cores().len(), 16);
    assert_eq!(topo.packages(), vec![0]);
    assert_eq!(topo.numa_nodes(), vec![0]);
    assert_eq!(topo.smt(), Some(false));
    assert_eq!(topo.llcs(), &[(0..16).collect::<Vec<_>>()]);
    assert_eq!(
        topo.cpu_model().as_deref(),
        Some("Intel(R) Xeon(R) Processor")
    );
    assert_eq!(cpus(&topo, "spread", Some(16)), (0..16).collect::<Vec<_>>());
    assert_eq!(cpus(&topo, "cores", None).len(), 16);
    assert!(error(&topo, "cores", Some(17)).contains("+oversubscribe"));
}

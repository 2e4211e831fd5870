//! OpenMP places, OpenMP bindings and bare taskset lists resolved on
//! generated sysfs trees (two SMT sockets with siblings far apart), on the
//! fallback without sysfs, and on a real 2-socket machine's snapshot.

mod support;

use support::{fixture, two_sockets, unpack, Style};
use topology::placement::{Placement, PlacementError};
use topology::Topology;

fn resolve(topo: &Topology, spec: &str, workers: Option<usize>) -> Result<Vec<usize>, String> {
    let placement: Placement = spec.parse().map_err(|e| format!("{e}"))?;
    let cpus = placement
        .resolve(topo, workers)
        .map_err(|e| e.to_string())?;
    Ok(cpus.into_iter().map(|c| c.expect("pinned")).collect())
}

fn cpus(topo: &Topology, spec: &str, workers: Option<usize>) -> Vec<usize> {
    resolve(topo, spec, workers).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn error(topo: &Topology, spec: &str, workers: Option<usize>) -> String {
    match resolve(topo, spec, workers) {
        Ok(cpus) => panic!("{spec} resolved to {cpus:?}"),
        Err(e) => e,
    }
}

/// 2 packages × 4 cores × 2 threads; core c holds CPUs c and c+8; one LLC
/// and one NUMA node per package (package 0: CPUs 0-3,8-11).
fn machine() -> (tempfile::TempDir, Topology) {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let topo = Topology::from_root(dir.path()).unwrap();
    (dir, topo)
}

#[test]
fn abstract_names_on_two_smt_sockets() {
    let (_dir, topo) = machine();
    assert_eq!(cpus(&topo, "cores", None), vec![0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(cpus(&topo, "threads(4)", None), vec![0, 8, 1, 9]);
    assert_eq!(cpus(&topo, "cores(3)", None), vec![0, 1, 2]);
    assert_eq!(
        cpus(&topo, "spread", None),
        vec![0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15]
    );
    // One place per package, LLC or node: workers take its cores before siblings.
    assert_eq!(cpus(&topo, "sockets", None), vec![0, 4]);
    assert_eq!(cpus(&topo, "ll_caches", None), vec![0, 4]);
    assert_eq!(cpus(&topo, "numa_domains(1)", Some(3)), vec![0, 1, 2]);
    assert_eq!(
        cpus(&topo, "close@sockets", Some(10)),
        vec![0, 1, 2, 3, 8, 4, 5, 6, 7, 12]
    );
    assert_eq!(cpus(&topo, "primary@sockets", Some(4)), vec![0, 1, 2, 3]);
    assert_eq!(cpus(&topo, "primary@cores", Some(2)), vec![0, 8]);
    // A count and a restriction: the first places among the allowed ones.
    assert_eq!(cpus(&topo, "cores(2)@package:1", None), vec![4, 5]);
    let err = error(&topo, "cores(9)", None);
    assert!(
        err.contains("9 cores asked for but only 8 are allowed here"),
        "{err}"
    );
    let err = error(&topo, "cores(5)@node:0", None);
    assert!(err.contains("only 4 are allowed here in @node:0"), "{err}");
}

#[test]
fn bindings_on_two_smt_sockets() {
    let (_dir, topo) = machine();
    // 8 core places, 4 workers: spread takes every second core, close the first four.
    assert_eq!(cpus(&topo, "spread@cores", Some(4)), vec![0, 2, 4, 6]);
    assert_eq!(cpus(&topo, "close@cores", Some(4)), vec![0, 1, 2, 3]);
    assert_eq!(cpus(&topo, "spread@sockets", None), vec![0, 4]);
    // More workers than core places: consecutive workers share a core, on its two siblings.
    assert_eq!(
        cpus(&topo, "close@cores(2)", Some(4)),
        vec![0, 8, 1, 9],
        "two workers per core, each on its own hardware thread"
    );
    // The keywords keep their meaning: `spread` interleaves packages, `spread@threads`
    // spreads over the topology order.
    assert_eq!(cpus(&topo, "spread", Some(2)), vec![0, 4]);
    assert_eq!(cpus(&topo, "spread@threads", Some(2)), vec![0, 4]);
    assert_eq!(cpus(&topo, "spread@threads", Some(4)), vec![0, 2, 4, 6]);
    // Sharing a CPU needs +oversubscribe, then wraps around the place.
    let err = error(&topo, "primary@cores", Some(3));
    assert!(
        err.contains("puts two of them on CPU 0") && err.contains("primary@cores+oversubscribe"),
        "{err}"
    );
    assert_eq!(
        cpus(&topo, "primary@cores+oversubscribe", Some(3)),
        vec![0, 8, 0]
    );
}

#[test]
fn explicit_place_lists_and_taskset_lists() {
    let (_dir, topo) = machine();
    // {0:4}:2:8 = {0,1,2,3},{8,9,10,11}: one worker per place, or four each.
    assert_eq!(cpus(&topo, "{0:4}:2:8", None), vec![0, 8]);
    assert_eq!(
        cpus(&topo, "{0:4}:2:8", Some(8)),
        vec![0, 1, 2, 3, 8, 9, 10, 11]
    );
    assert_eq!(cpus(&topo, "spread@{0}:8", Some(2)), vec![0, 4]);
    assert_eq!(cpus(&topo, "{0,8},{4,12}", Some(4)), vec![0, 8, 4, 12]);
    assert_eq!(cpus(&topo, "0-14:2", None), vec![0, 2, 4, 6, 8, 10, 12, 14]);
    assert_eq!(cpus(&topo, "0xf0", None), vec![4, 5, 6, 7]);
    assert_eq!(cpus(&topo, "8,0-1", None), vec![8, 0, 1]);
    let err = error(&topo, "{0:4}:2:16", None);
    assert!(
        err.contains("CPU 16 does not exist") && err.contains("allowed CPUs: 0-15"),
        "{err}"
    );
    let err = error(&topo, "{0:4}@package:1", None);
    assert!(err.contains("CPU 0 is outside @package:1"), "{err}");
    let err = error(&topo, "{0},{0}", None);
    assert!(err.contains("puts two of them on CPU 0"), "{err}");
    assert_eq!(cpus(&topo, "{0},{0}+oversubscribe", None), vec![0, 0]);
}

#[test]
fn grouping_needs_the_topology() {
    let nothing = tempfile::tempdir().unwrap();
    let topo = Topology::detect_in(nothing.path()).unwrap();
    let first = topo.allowed_cpus()[0];
    assert_eq!(cpus(&topo, "threads(1)", None), vec![first]);
    assert_eq!(cpus(&topo, &format!("{{{first}}}"), None), vec![first]);
    for (spec, level) in [
        ("sockets", "package"),
        ("ll_caches", "last-level cache"),
        ("numa_domains", "NUMA node"),
        ("cores(1)", "SMT siblings"),
    ] {
        let err = error(&topo, spec, None);
        assert!(
            err.contains(level) && err.contains("unknown"),
            "{spec}: {err}"
        );
    }
}

#[test]
fn counts_and_workers_are_bounded_before_allocating() {
    let (_dir, topo) = machine();
    let huge: Placement = "{0}:65536:0+oversubscribe".parse().unwrap();
    assert!(matches!(
        huge.resolve(&topo, Some(usize::MAX)),
        Err(PlacementError::WorkersAboveLimit { .. })
    ));
    assert!("{0:65536}:65536".parse::<Placement>().is_err());
    assert!("cores(99999999999999999999)".parse::<Placement>().is_err());
    assert!(error(&topo, "threads(65536)", None).contains("only 16"));
}

/// The real 2-socket Xeon of docs/placement.md: 8 cores × 2 threads per
/// socket, CPU c's sibling is c+16, package 1 holds CPUs 8-15 and 24-31.
#[test]
fn real_two_socket_snapshot() {
    let Some((_dir, root)) = unpack("32intel64-2p8co2t+8ve") else {
        return;
    };
    let topo = Topology::from_root(&root).unwrap();
    assert_eq!(cpus(&topo, "cores", Some(4)), vec![0, 1, 2, 3]);
    assert_eq!(cpus(&topo, "threads(4)", None), vec![0, 16, 1, 17]);
    assert_eq!(cpus(&topo, "spread", Some(4)), vec![0, 8, 1, 9]);
    assert_eq!(cpus(&topo, "{0:4}:2:8", None), vec![0, 8]);
    assert_eq!(
        cpus(&topo, "{0:4}:2:8", Some(8)),
        vec![0, 1, 2, 3, 8, 9, 10, 11]
    );
    assert_eq!(cpus(&topo, "spread@cores", Some(4)), vec![0, 4, 8, 12]);
    assert_eq!(cpus(&topo, "close@sockets", Some(4)), vec![0, 1, 8, 9]);
    assert_eq!(cpus(&topo, "0-30:10", None), vec![0, 10, 20, 30]);
}

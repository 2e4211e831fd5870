//! Pinning on this machine: the live topology, and a thread pinned to each
//! allowed CPU reads back (sched_getcpu) that it runs there.

use topology::affinity;
use topology::placement::Placement;
use topology::{Source, Topology};

#[test]
fn live_topology_matches_the_affinity_mask() {
    let mask = affinity::allowed_cpus().expect("sched_getaffinity works on Linux");
    let topo = Topology::detect().unwrap();
    assert_eq!(
        topo.allowed_cpus(),
        mask,
        "allowed = online ∩ sched_getaffinity"
    );
    assert!(
        matches!(topo.source(), Source::Sysfs(_)),
        "Linux has sysfs: {:?}",
        topo.source()
    );
    for cpu in topo.cpus().iter().filter(|c| c.allowed) {
        assert!(
            cpu.core.is_some() && cpu.siblings.contains(&cpu.id),
            "{cpu:?}"
        );
    }
    println!(
        "this machine: {} allowed CPUs, {} cores, smt {:?}",
        mask.len(),
        topo.cores().len(),
        topo.smt()
    );
}

#[test]
fn a_thread_pinned_to_each_allowed_cpu_runs_there() {
    let topo = Topology::detect().unwrap();
    let workers = "threads"
        .parse::<Placement>()
        .unwrap()
        .resolve(&topo, None)
        .unwrap();
    assert_eq!(workers.len(), topo.allowed_cpus().len());
    for cpu in workers.into_iter().map(Option::unwrap) {
        // A fresh thread per CPU, so the test thread's own mask is untouched.
        let seen = std::thread::spawn(move || {
            assert!(
                affinity::pin_current(cpu),
                "pinning to allowed CPU {cpu} was refused"
            );
            // Once pinned, the kernel may only run us on `cpu`; yield so a
            // migration to it has happened before we look.
            std::thread::yield_now();
            (0..3).map(|_| affinity::current_cpu()).collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        assert!(
            seen.iter().all(|&c| c == Some(cpu)),
            "pinned to {cpu}, sched_getcpu said {seen:?}"
        );
    }
}

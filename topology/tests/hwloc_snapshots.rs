//! Our sysfs parser against hwloc's: for four real machines' snapshots, the
//! same online CPUs must land in the same cores, packages, last-level caches
//! and NUMA nodes as in `lstopo`'s output (the `.console` file beside each).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use support::{console, unpack};
use topology::placement::Placement;
use topology::Topology;

/// What lstopo says about one PU (OS CPU).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct HwlocPu {
    package: Option<usize>,   // Package P#
    core: Option<usize>,      // Core L# (hwloc's machine-wide logical index)
    l3: Option<usize>,        // L3Cache L#
    numa_node: Option<usize>, // NUMANode P# attached to an ancestor
}

/// Parses lstopo's text tree (indentation = nesting) into PU P# -> facts.
/// A NUMANode line is attached to its parent: the node covers the parent's PUs.
fn parse_console(text: &str) -> BTreeMap<usize, HwlocPu> {
    struct Line {
        indent: usize,
        kind: String,
        logical: Option<usize>,
        os: Option<usize>,
    }
    let number_after = |s: &str, tag: &str| -> Option<usize> {
        let rest = &s[s.find(tag)? + tag.len()..];
        rest.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    };
    let mut lines = Vec::new();
    for raw in text.lines() {
        let trimmed = raw.trim_start();
        if trimmed.starts_with("depth ") || trimmed.starts_with("Special depth") {
            break;
        }
        let kind = trimmed
            .split([' ', '('])
            .next()
            .unwrap_or_default()
            .to_string();
        lines.push(Line {
            indent: raw.len() - trimmed.len(),
            kind,
            logical: number_after(trimmed, "L#"),
            os: number_after(trimmed, "(P#"),
        });
    }
    // parent[i] = nearest previous line with a smaller indent.
    let mut parent: Vec<Option<usize>> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        while stack
            .last()
            .is_some_and(|&top| lines[top].indent >= line.indent)
        {
            stack.pop();
        }
        parent.push(stack.last().copied());
        stack.push(i);
    }
    // NUMA nodes attach to their parent object.
    let mut node_at: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if line.kind == "NUMANode" {
            node_at.insert(
                parent[i].expect("NUMANode has a parent"),
                line.os.expect("NUMANode P#"),
            );
        }
    }
    let mut pus = BTreeMap::new();
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.kind == "PU") {
        let mut pu = HwlocPu::default();
        let mut at = parent[i];
        while let Some(a) = at {
            match lines[a].kind.as_str() {
                "Package" => pu.package = pu.package.or(lines[a].os),
                "Core" => pu.core = pu.core.or(lines[a].logical),
                "L3Cache" => pu.l3 = pu.l3.or(lines[a].logical),
                _ => {}
            }
            if pu.numa_node.is_none() {
                pu.numa_node = node_at.get(&a).copied();
            }
            at = parent[a];
        }
        pus.insert(line.os.expect("PU P#"), pu);
    }
    pus
}

/// Groups CPUs by a key, giving the partition as a set of sets (labels ignored).
fn partition<K: Ord>(pairs: impl Iterator<Item = (usize, K)>) -> BTreeSet<BTreeSet<usize>> {
    let mut groups: BTreeMap<K, BTreeSet<usize>> = BTreeMap::new();
    for (cpu, key) in pairs {
        groups.entry(key).or_default().insert(cpu);
    }
    groups.into_values().collect()
}

fn check_snapshot(name: &str) -> Option<Topology> {
    let (_dir, root) = unpack(name)?; // the tree is read fully here; the folder may go
    let topo = Topology::from_root(&root).unwrap_or_else(|e| panic!("{name}: {e}"));
    let hwloc = parse_console(&console(name));
    assert!(
        !hwloc.is_empty(),
        "{name}: no PU parsed from the console file"
    );

    // The same online CPUs: hwloc shows exactly the online ones.
    let online: BTreeSet<usize> = topo
        .cpus()
        .iter()
        .filter(|c| c.online)
        .map(|c| c.id)
        .collect();
    assert_eq!(
        online,
        hwloc.keys().copied().collect(),
        "{name}: online CPUs"
    );

    // Same cores, packages, L3s, NUMA nodes — as partitions, and with labels where
    // they are comparable (package and node P#, hwloc's core logical index).
    let ours = |f: &dyn Fn(&topology::Cpu) -> Option<usize>| {
        partition(
            topo.cpus()
                .iter()
                .filter(|c| c.online)
                .map(|c| (c.id, f(c).expect("known for an online CPU"))),
        )
    };
    let theirs = |f: &dyn Fn(&HwlocPu) -> Option<usize>| {
        partition(hwloc.iter().map(|(&id, pu)| (id, f(pu).unwrap())))
    };
    assert_eq!(ours(&|c| c.core), theirs(&|p| p.core), "{name}: cores");
    assert_eq!(
        ours(&|c| c.package),
        theirs(&|p| p.package),
        "{name}: packages"
    );
    assert_eq!(
        ours(&|c| c.llc),
        theirs(&|p| p.l3),
        "{name}: last-level caches (L3)"
    );
    for (&id, pu) in &hwloc {
        let cpu = topo.cpu(id).unwrap();
        assert_eq!(cpu.package, pu.package, "{name}: package P# of CPU {id}");
        assert_eq!(
            cpu.core, pu.core,
            "{name}: machine-unique core index of CPU {id} = hwloc's Core L#"
        );
        assert_eq!(cpu.numa_node, pu.numa_node, "{name}: NUMA node of CPU {id}");
        assert_eq!(
            cpu.siblings,
            hwloc
                .iter()
                .filter(|(_, p)| p.core == pu.core)
                .map(|(&i, _)| i)
                .collect::<Vec<_>>(),
            "{name}: siblings of CPU {id}"
        );
    }
    // Offline CPUs are listed, marked, and carry no core.
    for cpu in topo.cpus().iter().filter(|c| !c.online) {
        assert!(
            !cpu.allowed && cpu.core.is_none() && cpu.package.is_none(),
            "{name}: {cpu:?}"
        );
    }
    println!(
        "{name}: {} online CPUs, {} cores, {} packages match hwloc",
        online.len(),
        topo.cores().len(),
        topo.packages().len()
    );
    Some(topo)
}

#[test]
fn old_kernel_hex_masks_siblings_far_apart_16em64t() {
    let Some(topo) = check_snapshot("16em64t-4s2c2t") else {
        return;
    };
    assert_eq!(topo.cpu(0).unwrap().siblings, vec![0, 8]);
    assert_eq!(topo.smt(), Some(true));
    assert_eq!(
        topo.cpu_model().as_deref(),
        Some("Intel(R) Xeon(TM) CPU 2.60GHz")
    );
}

#[test]
fn modern_kernel_two_packages_two_nodes_32intel64() {
    let Some(topo) = check_snapshot("32intel64-2p8co2t+8ve") else {
        return;
    };
    assert_eq!(topo.numa_nodes(), vec![0, 1]);
    assert_eq!(topo.cpu(31).unwrap().die, Some(0));

    // Victim order: workers on 0, 16 (0's sibling), 1 (same L3), 8 (other package).
    let order = topo.victim_order(&[Some(0), Some(16), Some(1), Some(8)]);
    assert_eq!(order[0], vec![1, 2, 3]);
    assert_eq!(
        order[2],
        vec![0, 1, 3],
        "same L3 (tie: 0 before 1, wrapping from 2), then the other package"
    );
    assert_eq!(
        order[3],
        vec![0, 1, 2],
        "all equally far: wrap-around from worker 3"
    );
}

#[test]
fn amd_four_packages_eight_nodes_64amd64() {
    let Some(topo) = check_snapshot("64amd64-4s2n4ca2co") else {
        return;
    };
    assert_eq!(topo.packages(), vec![0, 1, 2, 3]);
    assert_eq!(topo.numa_nodes(), (0..8).collect::<Vec<_>>());
    assert_eq!(topo.smt(), Some(false), "hwloc shows one PU per core here");

    // Within a package, spread alternates between its two L3s (= NUMA nodes).
    let spread: Placement = "spread".parse().unwrap();
    let cpus: Vec<usize> = spread
        .resolve(&topo, Some(8))
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(cpus, vec![0, 16, 32, 48, 8, 24, 40, 56]);
    let node5: Placement = "cores@node:5".parse().unwrap();
    assert_eq!(node5.places(&topo).unwrap(), (40..48).collect::<Vec<_>>());
    let err = "cores@node:9"
        .parse::<Placement>()
        .unwrap()
        .resolve(&topo, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("NUMA nodes 0-7"), "{err}");
}

#[test]
fn offline_cpus_and_missing_node0() {
    let Some(topo) = check_snapshot("offline-cpu0-node0") else {
        return;
    };
    let offline = topo.offline_cpus();
    assert_eq!(
        offline,
        vec![0, 1, 2, 3, 21, 22, 23],
        "hwloc: 7 processors not represented, 0x00e0000f"
    );
    // The kernel's shared_cpu_list still names offline CPUs; ours must not.
    assert!(topo
        .llcs()
        .iter()
        .all(|llc| llc.iter().all(|&c| topo.cpu(c).unwrap().online)));
    let err = "list:0,4"
        .parse::<Placement>()
        .unwrap()
        .resolve(&topo, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CPU 0 is offline") && err.contains("4-20"),
        "{err}"
    );
}

/// Two snapshots were taken inside a cgroup v1 cpuset; neither restricts the
/// online CPUs (as in their `.console`, which shows no disallowed PU). The
/// AMD one has `/proc/self/cpuset` but no cpuset mounted; the old kernel none.
#[test]
fn cgroup_cpusets_of_the_snapshots() {
    /// A snapshot's name, and its cpuset's file and CPUs, if any.
    type Expected = (&'static str, Option<(&'static str, Vec<usize>)>);
    let expected: [Expected; 4] = [
        ("16em64t-4s2c2t", None),
        (
            "32intel64-2p8co2t+8ve",
            Some(("sys/fs/cgroup/cpuset/cpuset.cpus", (0..32).collect())),
        ),
        ("64amd64-4s2n4ca2co", None),
        (
            "offline-cpu0-node0",
            Some(("sys/fs/cgroup/cpuset/cpuset.cpus", (4..=20).collect())),
        ),
    ];
    for (name, cpuset) in expected {
        let Some((_dir, root)) = unpack(name) else {
            return;
        };
        let topo = Topology::from_root(&root).unwrap();
        let found = topo.cgroup_cpuset();
        match &cpuset {
            None => assert_eq!(found, None, "{name}"),
            Some((file, cpus)) => {
                let found = found.unwrap_or_else(|| panic!("{name}: no cpuset"));
                assert!(
                    found.file.ends_with(file),
                    "{name}: {}",
                    found.file.display()
                );
                assert_eq!(&found.cpus, cpus, "{name}");
            }
        }
        let online: Vec<usize> = topo
            .cpus()
            .iter()
            .filter(|c| c.online)
            .map(|c| c.id)
            .collect();
        assert_eq!(topo.allowed_cpus(), online, "{name}: nothing disallowed");
        let usable = topology::usable::UsableCpus::of(&topo, &root).unwrap();
        assert_eq!(
            usable.limit,
            topology::usable::CpuLimit::Unlimited,
            "{name}: {usable}"
        );
    }
}

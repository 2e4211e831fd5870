//! Shared by the topology tests: sysfs fixture trees written on the fly, and
//! the real machines' snapshots from `../shared/fixtures/hwloc-sysfs`.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;

/// One CPU of a generated fixture.
#[derive(Debug, Clone)]
pub struct FakeCpu {
    pub id: usize,
    pub package: usize,
    pub core_id: usize,
    pub siblings: Vec<usize>,
    pub llc: Vec<usize>,
    pub node: usize,
}

/// How the fixture writes CPU sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A modern kernel: `online`, `core_cpus_list`, `shared_cpu_list`.
    Lists,
    /// A 2.6-era kernel: no `online` file, only hex masks.
    Masks,
}

fn mask(cpus: &[usize]) -> String {
    let max = cpus.iter().copied().max().unwrap_or(0);
    let mut groups = vec![0u32; max / 32 + 2];
    for &cpu in cpus {
        groups[cpu / 32] |= 1 << (cpu % 32);
    }
    groups
        .iter()
        .rev()
        .map(|g| format!("{g:08x}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn list(cpus: &[usize]) -> String {
    cpus.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes a sysfs tree under `root`. CPUs in `offline` get a `cpuN` folder with
/// a cache folder but no `topology/` (as the kernel leaves it).
pub fn write_tree(root: &Path, cpus: &[FakeCpu], offline: &[usize], style: Style) {
    let cpu_dir = root.join("sys/devices/system/cpu");
    std::fs::create_dir_all(&cpu_dir).unwrap();
    if style == Style::Lists {
        let online: Vec<usize> = cpus
            .iter()
            .map(|c| c.id)
            .filter(|id| !offline.contains(id))
            .collect();
        std::fs::write(cpu_dir.join("online"), format!("{}\n", list(&online))).unwrap();
    }
    let w = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text + "\n").unwrap();
    };
    for cpu in cpus {
        let dir = cpu_dir.join(format!("cpu{}", cpu.id));
        let cache = dir.join("cache");
        for (index, level, kind, shared) in [
            (0, 1, "Data", vec![cpu.id]),
            (1, 1, "Instruction", cpu.siblings.clone()),
            (2, 2, "Unified", cpu.siblings.clone()),
            (3, 3, "Unified", cpu.llc.clone()),
        ] {
            let index = cache.join(format!("index{index}"));
            w(index.join("level"), level.to_string());
            w(index.join("type"), kind.to_string());
            match style {
                Style::Lists => w(index.join("shared_cpu_list"), list(&shared)),
                Style::Masks => w(index.join("shared_cpu_map"), mask(&shared)),
            }
        }
        if offline.contains(&cpu.id) {
            continue;
        }
        let topo = dir.join("topology");
        w(topo.join("physical_package_id"), cpu.package.to_string());
        w(topo.join("core_id"), cpu.core_id.to_string());
        match style {
            Style::Lists => {
                w(topo.join("core_cpus_list"), list(&cpu.siblings));
                w(topo.join("thread_siblings_list"), list(&cpu.siblings));
            }
            Style::Masks => w(topo.join("thread_siblings"), mask(&cpu.siblings)),
        }
    }
    let mut nodes: Vec<usize> = cpus.iter().map(|c| c.node).collect();
    nodes.sort_unstable();
    nodes.dedup();
    for node in nodes {
        let members: Vec<usize> = cpus
            .iter()
            .filter(|c| c.node == node)
            .map(|c| c.id)
            .collect();
        w(
            root.join(format!("sys/devices/system/node/node{node}/cpulist")),
            list(&members),
        );
    }
    w(
        root.join("proc/cpuinfo"),
        "processor\t: 0\nmodel name\t: Fixture CPU @ 1.00GHz\n".to_string(),
    );
}

/// 2 packages × 4 cores × 2 threads; one LLC and one NUMA node per package.
/// `far_apart`: core c holds CPUs c and c+8 (Intel's numbering);
/// otherwise 2c and 2c+1 (AMD's and many VMs').
pub fn two_sockets(far_apart: bool) -> Vec<FakeCpu> {
    let core_cpus = |core: usize| {
        if far_apart {
            vec![core, core + 8]
        } else {
            vec![2 * core, 2 * core + 1]
        }
    };
    let mut cpus = Vec::new();
    for core in 0..8 {
        let package = core / 4;
        let llc: Vec<usize> = {
            let mut v: Vec<usize> = (package * 4..package * 4 + 4).flat_map(core_cpus).collect();
            v.sort_unstable();
            v
        };
        for id in core_cpus(core) {
            cpus.push(FakeCpu {
                id,
                package,
                core_id: core % 4,
                siblings: core_cpus(core),
                llc: llc.clone(),
                node: package,
            });
        }
    }
    cpus.sort_by_key(|c| c.id);
    cpus
}

/// A hybrid CPU: two 2-thread cores (CPUs 0,1 and 2,3) then four 1-thread
/// cores (CPUs 4..8), one package, one LLC.
pub fn hybrid() -> Vec<FakeCpu> {
    let llc: Vec<usize> = (0..8).collect();
    let cores: Vec<Vec<usize>> = vec![vec![0, 1], vec![2, 3], vec![4], vec![5], vec![6], vec![7]];
    let mut cpus = Vec::new();
    for (core_id, members) in cores.iter().enumerate() {
        for &id in members {
            cpus.push(FakeCpu {
                id,
                package: 0,
                core_id: core_id * 4,
                siblings: members.clone(),
                llc: llc.clone(),
                node: 0,
            });
        }
    }
    cpus
}

/// A fresh temporary folder, in memory (/dev/shm) where there is one: the
/// fixtures are thousands of tiny files, slow to create on a loaded disk.
pub fn tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("wsbench-topology-")
            .tempdir_in(shm)
        {
            return dir;
        }
    }
    tempfile::tempdir().unwrap()
}

/// A fixture in a fresh temporary folder.
pub fn fixture(cpus: &[FakeCpu], offline: &[usize], style: Style) -> tempfile::TempDir {
    let dir = tempdir();
    write_tree(dir.path(), cpus, offline, style);
    dir
}

/// The real snapshots' folder: `$WSBENCH_SHARED_DIR/fixtures/hwloc-sysfs`, by
/// default `../shared/fixtures/hwloc-sysfs` beside the repository root.
pub fn snapshots_dir() -> PathBuf {
    let shared = match std::env::var_os("WSBENCH_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    shared.join("fixtures/hwloc-sysfs")
}

/// The four snapshots the issue names.
pub const SNAPSHOTS: [&str; 4] = [
    "16em64t-4s2c2t",
    "32intel64-2p8co2t+8ve",
    "64amd64-4s2n4ca2co",
    "offline-cpu0-node0",
];

/// Unpacks snapshot `name` into a temporary folder; returns the folder and
/// the snapshot's root inside it, or `None` (with a printed reason) when the
/// shared fixtures are not there, as in a user's clone.
pub fn unpack(name: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let archive = snapshots_dir().join(format!("{name}.tar.bz2"));
    if !archive.exists() {
        println!(
            "SKIPPED: {} not found (the hwloc sysfs snapshots live in ../shared beside the repository; \
             set WSBENCH_SHARED_DIR to the shared folder to run this test)",
            archive.display()
        );
        return None;
    }
    let dir = tempdir();
    // Only what the parser reads: the full trees hold thousands of files.
    // `tar` fails on a pattern that matches nothing, and only some snapshots
    // have cgroup files.
    let mut patterns = vec![
        "*/sys/devices/system/cpu/*",
        "*/sys/devices/system/node/*",
        "*/proc/*",
    ];
    if listing(&archive).contains("/sys/fs/cgroup/") {
        patterns.push("*/sys/fs/cgroup/*");
    }
    let status = Command::new("tar")
        .arg("-xjf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .arg("--wildcards")
        .args(patterns)
        .status()
        .expect("running `tar` to unpack the snapshot (needs tar and bzip2 installed)");
    assert!(
        status.success(),
        "tar -xjf {} failed: {status}",
        archive.display()
    );
    let root = dir.path().join(name);
    Some((dir, root))
}

/// The names of the files in an archive.
fn listing(archive: &Path) -> String {
    let out = Command::new("tar")
        .arg("-tjf")
        .arg(archive)
        .output()
        .expect("running `tar -tjf`");
    assert!(out.status.success(), "tar -tjf {}", archive.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `.console` (lstopo output) beside a snapshot.
pub fn console(name: &str) -> String {
    std::fs::read_to_string(snapshots_dir().join(format!("{name}.console"))).unwrap()
}

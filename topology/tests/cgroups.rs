//! Cgroup limits read under a root: the cpuset restricts the allowed CPUs
//! (the machine stays whole, as hwloc keeps disallowed PUs), found as hwloc
//! finds it for cgroup v2, v1 and the old cpuset file system; the CPU quota
//! (`cpu.max`, `cpu.cfs_quota_us`) limits how many workers `all` means, and
//! [`UsableCpus`] says which limit applied.

mod support;

use std::path::Path;
use support::{fixture, two_sockets, Style};
use topology::cgroup::{cpu_quota, cpuset, CpuQuota};
use topology::usable::{usable_cpus, CpuLimit, UsableCpus};
use topology::Topology;

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const V2_MOUNTINFO: &str = "24 1 0:22 / /sys rw - sysfs sysfs rw\n\
    30 24 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

/// A 16-CPU machine whose process sits in cgroup v2 group `/bench/job`.
fn v2_machine(effective: &str) -> tempfile::TempDir {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path();
    write(root, "proc/self/cgroup", "0::/bench/job\n");
    write(root, "proc/self/mountinfo", V2_MOUNTINFO);
    write(root, "sys/fs/cgroup/cpuset.cpus.effective", "0-15\n");
    write(
        root,
        "sys/fs/cgroup/bench/job/cpuset.cpus.effective",
        effective,
    );
    dir
}

#[test]
fn cgroup_v2_cpuset_restricts_the_allowed_cpus_not_the_machine() {
    let dir = v2_machine("2-5,9\n\0");
    let topo = Topology::from_root(dir.path()).unwrap();
    assert_eq!(topo.cpus().len(), 16);
    assert_eq!(topo.cores().len(), 8);
    assert_eq!(topo.allowed_cpus(), vec![2, 3, 4, 5, 9]);
    let cpuset = topo.cgroup_cpuset().unwrap();
    assert!(cpuset
        .file
        .ends_with("sys/fs/cgroup/bench/job/cpuset.cpus.effective"));
    assert_eq!(cpuset.to_string().split(' ').nth(2), Some("2-5,9"));

    let usable = UsableCpus::of(&topo, dir.path()).unwrap();
    assert_eq!(usable.parallelism, 5);
    assert_eq!(usable.online, 16);
    assert!(matches!(usable.limit, CpuLimit::Cpuset(_)), "{usable}");
    assert_eq!(usable.limit.name(), "cpuset");
    assert!(
        usable.to_string().starts_with(
            "5 of 16 online CPUs usable at once (CPUs 2-5,9; limit: cgroup cpuset 2-5,9 ("
        ),
        "{usable}"
    );
    let cpus: Vec<usize> = "threads"
        .parse::<topology::placement::Placement>()
        .unwrap()
        .resolve(&topo, None)
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(cpus, vec![9, 2, 3, 4, 5], "core by core: 9 is 1's sibling");
}

#[test]
fn cgroup_v2_mounted_elsewhere_is_found_in_the_mount_table() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path();
    write(root, "proc/self/cgroup", "0::/job\n");
    write(
        root,
        "proc/mounts",
        "sysfs /sys sysfs rw 0 0\nnone /cg\\0402 cgroup2 rw 0 0\n",
    );
    write(root, "cg 2/cgroup.controllers", "cpu io memory\n");
    write(root, "cg 2/job/cpuset.cpus.effective", "0-3\n");
    assert_eq!(
        cpuset(root).unwrap(),
        None,
        "a cgroup2 mount without the cpuset controller"
    );
    write(root, "cg 2/cgroup.controllers", "cpuset cpu io memory\n");
    assert_eq!(cpuset(root).unwrap().unwrap().cpus, vec![0, 1, 2, 3]);
}

#[test]
fn cgroup_v1_cpuset_standard_and_from_the_mount_table() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path();
    write(
        root,
        "proc/self/cgroup",
        "4:memory:/x\n3:cpuset,cpuacct:/slurm/job1\n0::/\n",
    );
    write(root, "sys/fs/cgroup/cpuset/cpuset.cpus", "0-15\n");
    write(
        root,
        "sys/fs/cgroup/cpuset/slurm/job1/cpuset.cpus",
        "0,8\r\n",
    );
    let topo = Topology::from_root(root).unwrap();
    assert_eq!(topo.allowed_cpus(), vec![0, 8]);
    assert!(topo
        .cgroup_cpuset()
        .unwrap()
        .file
        .ends_with("cpuset/slurm/job1/cpuset.cpus"));

    // /proc/self/cpuset names the group before /proc/self/cgroup does (hwloc's order).
    write(root, "proc/self/cpuset", "/\n");
    assert_eq!(
        cpuset(root).unwrap().unwrap().cpus,
        (0..16).collect::<Vec<_>>()
    );

    // A non-standard mount point, from /proc/mounts.
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path();
    write(root, "proc/self/cgroup", "3:cpuset:/a\n");
    write(
        root,
        "proc/mounts",
        "cgroup /cgroup/cs cgroup rw,relatime,cpuset 0 0\n",
    );
    write(root, "cgroup/cs/a/cpuset.cpus", "1-2\n");
    assert_eq!(cpuset(root).unwrap().unwrap().cpus, vec![1, 2]);
    // With `noprefix` the files lose their `cpuset.` prefix, as in the old cpuset file system.
    write(
        root,
        "proc/mounts",
        "cgroup /cgroup/cs cgroup rw,cpuset,noprefix 0 0\n",
    );
    write(root, "cgroup/cs/a/cpus", "7\n");
    assert_eq!(cpuset(root).unwrap().unwrap().cpus, vec![7]);
}

#[test]
fn old_cpuset_file_system_and_a_container_mount_root() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path();
    write(root, "dev/cpuset/cpus", "0-15\n");
    write(root, "dev/cpuset/batch/cpus", "12-15\n");
    write(root, "proc/self/cpuset", "/batch\n");
    assert_eq!(
        Topology::from_root(root).unwrap().allowed_cpus(),
        vec![12, 13, 14, 15]
    );

    // A container sees its own group `/docker/abc` mounted at /sys/fs/cgroup.
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path();
    write(root, "proc/self/cgroup", "0::/docker/abc\n");
    write(
        root,
        "proc/self/mountinfo",
        "30 24 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
    );
    write(root, "sys/fs/cgroup/cpuset.cpus.effective", "4-5\n");
    assert_eq!(
        Topology::from_root(root).unwrap().allowed_cpus(),
        vec![4, 5]
    );
    // A group outside the namespace (`/../..`) stands for the mount's own folder.
    write(root, "proc/self/cgroup", "0::/../../elsewhere\n");
    assert_eq!(cpuset(root).unwrap().unwrap().cpus, vec![4, 5]);
}

#[test]
fn cpusets_that_cannot_apply_and_malformed_ones() {
    // Naming no online CPU, it cannot describe where the process runs: recorded, not applied.
    let dir = v2_machine("40-41\n");
    let topo = Topology::from_root(dir.path()).unwrap();
    assert_eq!(topo.allowed_cpus().len(), 16);
    assert_eq!(topo.cgroup_cpuset().unwrap().cpus, vec![40, 41]);
    // Empty or absent: no cpuset.
    let dir = v2_machine("\n");
    assert_eq!(cpuset(dir.path()).unwrap(), None);
    std::fs::remove_file(
        dir.path()
            .join("sys/fs/cgroup/bench/job/cpuset.cpus.effective"),
    )
    .unwrap();
    assert_eq!(cpuset(dir.path()).unwrap(), None);
    // Malformed: an error naming the file.
    let dir = v2_machine("0-3,zz\n");
    let err = Topology::from_root(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("bench/job/cpuset.cpus.effective") && err.contains("`zz`"),
        "{err}"
    );
}

#[test]
fn cgroup_v2_quota_the_tightest_of_the_group_and_its_parents() {
    let dir = v2_machine("0-15\n");
    let root = dir.path();
    let quota = |text: &str| {
        write(root, "sys/fs/cgroup/bench/job/cpu.max", text);
        cpu_quota(root)
    };
    assert_eq!(quota("max 100000\n").unwrap(), None);
    let two = quota("200000 100000\n").unwrap().unwrap();
    assert_eq!(
        (two.quota_us, two.period_us, two.cpus()),
        (200_000, 100_000, 2)
    );
    assert!(two.file.ends_with("bench/job/cpu.max"));
    assert_eq!(
        quota("50000 100000\0").unwrap().unwrap().cpus(),
        1,
        "at least one CPU"
    );
    assert_eq!(
        quota("250000 100000").unwrap().unwrap().cpus(),
        2,
        "rounded down"
    );

    write(root, "sys/fs/cgroup/bench/cpu.max", "150000 100000\n");
    let parent = quota("max 100000\n").unwrap().unwrap();
    assert!(
        parent.file.ends_with("sys/fs/cgroup/bench/cpu.max"),
        "{parent}"
    );
    assert_eq!(quota("400000 100000\n").unwrap().unwrap(), parent);

    let topo = Topology::from_root(root).unwrap();
    let usable = UsableCpus::of(&topo, root).unwrap();
    assert_eq!((usable.cpus.len(), usable.parallelism), (16, 1));
    assert_eq!(usable.limit, CpuLimit::Quota(parent.clone()));
    assert!(
        usable
            .to_string()
            .contains("limit: cgroup CPU quota 150000 µs per 100000 µs period ("),
        "{usable}"
    );

    for bad in [
        "100000\n",
        "x 100000\n",
        "0 100000\n",
        "100000 0\n",
        "1 2 3\n",
    ] {
        let err = quota(bad).unwrap_err().to_string();
        assert!(err.contains("bench/job/cpu.max"), "{bad:?}: {err}");
    }
}

#[test]
fn cgroup_v1_quota_and_a_quota_looser_than_the_cpus() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path();
    write(root, "proc/self/cgroup", "5:cpu,cpuacct:/job\n3:cpuset:/\n");
    write(
        root,
        "proc/self/mountinfo",
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n",
    );
    write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
    write(
        root,
        "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us",
        "-1\n",
    );
    assert_eq!(cpu_quota(root).unwrap(), None);
    write(
        root,
        "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us",
        "300000\n",
    );
    write(
        root,
        "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_period_us",
        "100000\n",
    );
    let quota = cpu_quota(root).unwrap().unwrap();
    assert_eq!(
        quota,
        CpuQuota {
            quota_us: 300_000,
            period_us: 100_000,
            file: quota.file.clone()
        }
    );
    assert_eq!(quota.cpus(), 3);

    // 3 CPUs' worth of time but only 2 allowed CPUs: the affinity mask is the limit.
    let topo = Topology::from_root(root).unwrap().with_allowed(&[0, 1]);
    let usable = UsableCpus::of(&topo, root).unwrap();
    assert_eq!(
        (usable.parallelism, usable.limit.clone()),
        (2, CpuLimit::Affinity),
        "{usable}"
    );
    // Nothing limits: every online CPU.
    write(
        root,
        "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us",
        "1600000\n",
    );
    let usable = UsableCpus::of(&Topology::from_root(root).unwrap(), root).unwrap();
    assert_eq!(
        (usable.parallelism, usable.limit.clone()),
        (16, CpuLimit::Unlimited),
        "{usable}"
    );
    write(
        root,
        "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us",
        "lots\n",
    );
    let err = usable_cpus(root).unwrap_err().to_string();
    assert!(
        err.contains("job/cpu.cfs_quota_us") && err.contains("`lots`"),
        "{err}"
    );
}

#[test]
fn the_live_machine_agrees_with_available_parallelism() {
    let usable = usable_cpus(Path::new("/")).unwrap();
    let std_count = std::thread::available_parallelism().unwrap().get();
    println!("{usable}");
    assert_eq!(usable.parallelism, std_count, "{usable}");
    assert_eq!(usable.cpus, Topology::detect().unwrap().allowed_cpus());
}

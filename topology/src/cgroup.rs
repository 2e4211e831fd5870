//! The cgroup limits on a process's CPUs, read under a file-system root like
//! the rest of the crate: the **cpuset** (which CPUs it may run on) and the
//! **CPU quota** (how much CPU time it may use per period).
//!
//! The cpuset is found as hwloc finds it (`topology-linux.c`:
//! `hwloc_find_linux_cgroup_mntpnt`, `hwloc_read_linux_cgroup_name`,
//! `hwloc_admin_disable_set_from_cgroup`): the standard mount points first
//! (`/sys/fs/cgroup/cpuset.cpus.effective` for cgroup v2,
//! `/sys/fs/cgroup/cpuset/cpuset.cpus` for v1, `/dev/cpuset/cpus` for the
//! pre-cgroup cpuset file system), then the mount table; the process's group
//! from `/proc/self/cpuset`, else from the `cpuset` (v1) or `0::` (v2) line of
//! `/proc/self/cgroup`; then the group's `cpuset.cpus.effective` (v2),
//! `cpuset.cpus` (v1) or `cpus` (cpuset file system).
//!
//! The quota is read as `std::thread::available_parallelism` reads it: the
//! group's `cpu.max` (v2: `max 100000` or `200000 100000`) or
//! `cpu.cfs_quota_us` / `cpu.cfs_period_us` (v1, `-1` = none), in the group
//! and every parent up to the mount point; the tightest wins, and
//! `quota / period` rounded down, at least 1, is the number of CPUs it allows.
//!
//! A file that is absent or unreadable means "no limit" (as in hwloc); one
//! that exists but holds something else is an error naming it.

use crate::cpulist::{format_list, parse_list};
use crate::sysfs::{parse_error, read_optional};
use crate::TopologyError;
use std::fmt;
use std::path::{Path, PathBuf};

/// A cgroup cpuset: the CPUs a process in the group may run on.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let root = tempfile::tempdir()?;
/// let group = root.path().join("sys/fs/cgroup/job");
/// std::fs::create_dir_all(&group)?;
/// std::fs::write(root.path().join("sys/fs/cgroup/cpuset.cpus.effective"), "0-7\n")?;
/// std::fs::write(group.join("cpuset.cpus.effective"), "2-3\n")?;
/// std::fs::create_dir_all(root.path().join("proc/self"))?;
/// std::fs::write(root.path().join("proc/self/cgroup"), "0::/job\n")?;
/// let cpuset = topology::cgroup::cpuset(root.path())?.expect("a cpuset");
/// assert_eq!(cpuset.cpus, vec![2, 3]);
/// assert!(cpuset.file.ends_with("sys/fs/cgroup/job/cpuset.cpus.effective"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupCpuset {
    /// The file it was read from, under the root.
    pub file: PathBuf,
    /// Its CPUs, ascending.
    pub cpus: Vec<usize>,
}

/// A cgroup CPU bandwidth limit: `quota_us` of CPU time per `period_us`.
///
/// ```
/// let quota = topology::cgroup::CpuQuota { quota_us: 250_000, period_us: 100_000, file: "cpu.max".into() };
/// assert_eq!(quota.cpus(), 2);
/// assert_eq!(quota.to_string(), "cgroup CPU quota 250000 µs per 100000 µs period (cpu.max)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuQuota {
    /// CPU time allowed per period, in microseconds.
    pub quota_us: u64,
    /// The period, in microseconds (never 0).
    pub period_us: u64,
    /// The file it was read from, under the root.
    pub file: PathBuf,
}

impl CpuQuota {
    /// How many CPUs the quota keeps busy: `quota / period` rounded down, at
    /// least 1 (what `available_parallelism` takes).
    ///
    /// ```
    /// let half = topology::cgroup::CpuQuota { quota_us: 50_000, period_us: 100_000, file: "cpu.max".into() };
    /// assert_eq!(half.cpus(), 1);
    /// ```
    pub fn cpus(&self) -> usize {
        usize::try_from(self.quota_us / self.period_us)
            .unwrap_or(usize::MAX)
            .max(1)
    }

    /// Whether `self` allows less CPU time than `other`.
    fn tighter_than(&self, other: &CpuQuota) -> bool {
        u128::from(self.quota_us) * u128::from(other.period_us)
            < u128::from(other.quota_us) * u128::from(self.period_us)
    }
}

impl fmt::Display for CpuQuota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cgroup CPU quota {} µs per {} µs period ({})",
            self.quota_us,
            self.period_us,
            self.file.display()
        )
    }
}

impl fmt::Display for CgroupCpuset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cgroup cpuset {} ({})",
            format_list(&self.cpus),
            self.file.display()
        )
    }
}

/// One line of the mount table.
#[derive(Debug)]
struct Mount {
    /// The folder of the mounted file system shown here (`mountinfo` only; `/` otherwise).
    root: String,
    /// Where it is mounted.
    point: String,
    fstype: String,
    /// Mount and file-system options together (cgroup v1 lists its controllers there).
    options: Vec<String>,
}

/// The mount table of the root's process: `proc/self/mountinfo`, else
/// `proc/mounts` (which hwloc reads, and which older snapshots alone have).
/// Lines we cannot read are skipped, as `getmntent` skips them.
fn mounts(root: &Path) -> Result<Vec<Mount>, TopologyError> {
    if let Some(text) = read_quietly(&root.join("proc/self/mountinfo"))? {
        return Ok(text.lines().filter_map(mountinfo_line).collect());
    }
    let text = read_quietly(&root.join("proc/mounts"))?.unwrap_or_default();
    Ok(text.lines().filter_map(mounts_line).collect())
}

/// `36 35 98:0 /root /point opts [optional fields] - fstype source superopts`
fn mountinfo_line(line: &str) -> Option<Mount> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let separator = fields.iter().position(|&f| f == "-")?;
    let (before, after) = (&fields[..separator], &fields[separator + 1..]);
    if before.len() < 6 || after.len() < 3 {
        return None;
    }
    let options = before[5].split(',').chain(after[2].split(','));
    Some(Mount {
        root: unescape(before[3]),
        point: unescape(before[4]),
        fstype: after[0].to_string(),
        options: options.map(str::to_string).collect(),
    })
}

/// `source /point fstype opts 0 0`
fn mounts_line(line: &str) -> Option<Mount> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 4 {
        return None;
    }
    Some(Mount {
        root: "/".to_string(),
        point: unescape(fields[1]),
        fstype: fields[2].to_string(),
        options: fields[3].split(',').map(str::to_string).collect(),
    })
}

/// The kernel writes space, tab, newline and backslash in mount paths as
/// `\040`, `\011`, `\012`, `\134`.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).filter(|d| {
            bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)) && d[0] <= b'3'
        });
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file's text, `None` when it is absent *or unreadable*: cgroup files
/// are optional, and a permission problem must not stop detection.
fn read_quietly(path: &Path) -> Result<Option<String>, TopologyError> {
    match read_optional(path) {
        Err(TopologyError::Io { .. }) => Ok(None),
        other => other,
    }
}

/// Which kind of cpuset hierarchy is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hierarchy {
    V2,
    V1,
    /// The pre-cgroup `cpuset` file system (or a v1 mount with `noprefix`).
    CpusetFs,
}

/// Where the cpuset hierarchy is mounted, and the folder of it shown there.
fn cpuset_mount(root: &Path, mounts: &[Mount]) -> Option<(Hierarchy, String, String)> {
    let mount_root = |point: &str| {
        let found = mounts.iter().rev().find(|m| m.point == point);
        found.map_or_else(|| "/".to_string(), |m| m.root.clone())
    };
    for (probe, hierarchy, point) in [
        (
            "sys/fs/cgroup/cpuset.cpus.effective",
            Hierarchy::V2,
            "/sys/fs/cgroup",
        ),
        (
            "sys/fs/cgroup/cpuset/cpuset.cpus",
            Hierarchy::V1,
            "/sys/fs/cgroup/cpuset",
        ),
        ("dev/cpuset/cpus", Hierarchy::CpusetFs, "/dev/cpuset"),
    ] {
        if root.join(probe).is_file() {
            return Some((hierarchy, point.to_string(), mount_root(point)));
        }
    }
    mounts.iter().find_map(|m| {
        let has = |option: &str| m.options.iter().any(|o| o == option);
        let hierarchy = match m.fstype.as_str() {
            "cgroup2" if controllers(root, &m.point).contains("cpuset") => Hierarchy::V2,
            "cpuset" => Hierarchy::CpusetFs,
            "cgroup" if has("cpuset") && has("noprefix") => Hierarchy::CpusetFs,
            "cgroup" if has("cpuset") => Hierarchy::V1,
            _ => return None,
        };
        Some((hierarchy, m.point.clone(), m.root.clone()))
    })
}

/// The controllers a cgroup v2 mount offers (`cgroup.controllers`), space-separated.
fn controllers(root: &Path, point: &str) -> String {
    let file = under(root, point).join("cgroup.controllers");
    let text = read_quietly(&file).ok().flatten().unwrap_or_default();
    format!(" {text} ").replace('\n', " ")
}

/// `path` (absolute, as the mount table writes it) under `root`.
fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// The process's group in `hierarchy`: `proc/self/cpuset`, else its line of
/// `proc/self/cgroup` (`N:cpuset:/path` for v1, `0::/path` for v2).
fn group_name(root: &Path, hierarchy: Hierarchy) -> Result<Option<String>, TopologyError> {
    if let Some(name) = read_quietly(&root.join("proc/self/cpuset"))? {
        if let Some(first) = name.lines().next().filter(|n| n.starts_with('/')) {
            return Ok(Some(first.to_string()));
        }
    }
    let text = read_quietly(&root.join("proc/self/cgroup"))?.unwrap_or_default();
    Ok(text.lines().find_map(|line| {
        let (_, rest) = line.split_once(':')?;
        let (controllers, path) = rest.split_once(':')?;
        let wanted = match hierarchy {
            Hierarchy::V2 => controllers.is_empty(),
            _ => controllers.split(',').any(|c| c == "cpuset"),
        };
        wanted.then(|| path.to_string())
    }))
}

/// The folder of group `name` in a hierarchy mounted at `point` whose mount
/// shows the hierarchy's folder `mount_root` (a container's own group, say).
/// A name with `..` (a group outside the reader's cgroup namespace) stands
/// for the mount's own folder: nothing above it is visible.
fn group_dir(root: &Path, point: &str, mount_root: &str, name: &str) -> PathBuf {
    if name.split('/').any(|part| part == "..") {
        return under(root, point);
    }
    let relative = match name.strip_prefix(mount_root.trim_end_matches('/')) {
        Some(rest) if mount_root != "/" && (rest.is_empty() || rest.starts_with('/')) => rest,
        _ => name,
    };
    under(root, point).join(relative.trim_start_matches('/'))
}

/// The cpuset of the root's process (see the module documentation for where
/// it is looked for); `None` when there is none, or it names no CPU.
/// Wrapping `root` this way reads the live machine's own cpuset with `/`.
///
/// ```
/// let nothing = tempfile::tempdir().unwrap();
/// assert_eq!(topology::cgroup::cpuset(nothing.path()).unwrap(), None);
/// ```
pub fn cpuset(root: &Path) -> Result<Option<CgroupCpuset>, TopologyError> {
    let mounts = mounts(root)?;
    let Some((hierarchy, point, mount_root)) = cpuset_mount(root, &mounts) else {
        return Ok(None);
    };
    let Some(name) = group_name(root, hierarchy)? else {
        return Ok(None);
    };
    let file = group_dir(root, &point, &mount_root, &name).join(match hierarchy {
        Hierarchy::V2 => "cpuset.cpus.effective",
        Hierarchy::V1 => "cpuset.cpus",
        Hierarchy::CpusetFs => "cpus",
    });
    let Some(text) = read_quietly(&file)? else {
        return Ok(None);
    };
    let mut cpus = parse_list(&text).map_err(|reason| parse_error(&file, reason))?;
    cpus.sort_unstable();
    cpus.dedup();
    Ok((!cpus.is_empty()).then_some(CgroupCpuset { file, cpus }))
}

/// The tightest CPU quota on the root's process, in its cgroup or any parent
/// (v2 `cpu.max`, v1 `cpu.cfs_quota_us`); `None` when nothing limits it.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let root = tempfile::tempdir()?;
/// let group = root.path().join("sys/fs/cgroup/job");
/// std::fs::create_dir_all(&group)?;
/// std::fs::write(group.join("cpu.max"), "200000 100000\n")?;
/// std::fs::create_dir_all(root.path().join("proc/self"))?;
/// std::fs::write(root.path().join("proc/self/cgroup"), "0::/job\n")?;
/// std::fs::write(
///     root.path().join("proc/self/mountinfo"),
///     "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
/// )?;
/// let quota = topology::cgroup::cpu_quota(root.path())?.expect("a quota");
/// assert_eq!((quota.quota_us, quota.period_us, quota.cpus()), (200_000, 100_000, 2));
/// # Ok(()) }
/// ```
pub fn cpu_quota(root: &Path) -> Result<Option<CpuQuota>, TopologyError> {
    let mounts = mounts(root)?;
    let groups = read_quietly(&root.join("proc/self/cgroup"))?.unwrap_or_default();
    let mut tightest: Option<CpuQuota> = None;
    for line in groups.lines() {
        let Some((controllers, name)) = line.split_once(':').and_then(|(_, r)| r.split_once(':'))
        else {
            continue;
        };
        let v2 = controllers.is_empty();
        if !v2 && !controllers.split(',').any(|c| c == "cpu") {
            continue;
        }
        let mount = mounts.iter().rev().find(|m| {
            let has_cpu = m.options.iter().any(|o| o == "cpu");
            (v2 && m.fstype == "cgroup2") || (!v2 && m.fstype == "cgroup" && has_cpu)
        });
        let Some(mount) = mount else {
            continue;
        };
        let top = under(root, &mount.point);
        let group = group_dir(root, &mount.point, &mount.root, name);
        for dir in group.ancestors().take_while(|dir| dir.starts_with(&top)) {
            let quota = if v2 {
                read_cpu_max(dir)?
            } else {
                read_cfs_quota(dir)?
            };
            if let Some(quota) = quota {
                if tightest.as_ref().map_or(true, |t| quota.tighter_than(t)) {
                    tightest = Some(quota);
                }
            }
        }
    }
    Ok(tightest)
}

/// cgroup v2's `cpu.max`: `max PERIOD` (no limit) or `QUOTA PERIOD`.
fn read_cpu_max(dir: &Path) -> Result<Option<CpuQuota>, TopologyError> {
    let file = dir.join("cpu.max");
    let Some(text) = read_quietly(&file)? else {
        return Ok(None);
    };
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [quota, period] = fields[..] else {
        let reason = format!("`{text}` is not `max PERIOD` or `QUOTA PERIOD`");
        return Err(parse_error(&file, reason));
    };
    let period_us = microseconds(&file, period, "period")?;
    if quota == "max" {
        return Ok(None);
    }
    let quota_us = microseconds(&file, quota, "quota (or `max`)")?;
    Ok(Some(CpuQuota {
        quota_us,
        period_us,
        file,
    }))
}

/// cgroup v1's `cpu.cfs_quota_us` (`-1`: no limit) and `cpu.cfs_period_us`.
fn read_cfs_quota(dir: &Path) -> Result<Option<CpuQuota>, TopologyError> {
    let file = dir.join("cpu.cfs_quota_us");
    let Some(quota) = read_quietly(&file)? else {
        return Ok(None);
    };
    if quota == "-1" {
        return Ok(None);
    }
    let quota_us = microseconds(&file, &quota, "quota (or -1)")?;
    let period_file = dir.join("cpu.cfs_period_us");
    let period_us = match read_quietly(&period_file)? {
        Some(period) => microseconds(&period_file, &period, "period")?,
        None => 100_000,
    };
    Ok(Some(CpuQuota {
        quota_us,
        period_us,
        file,
    }))
}

/// A positive number of microseconds.
fn microseconds(file: &Path, text: &str, what: &str) -> Result<u64, TopologyError> {
    match text.parse::<u64>() {
        Ok(us) if us > 0 => Ok(us),
        _ => Err(parse_error(
            file,
            format!("`{text}` is not a {what} in microseconds (a positive integer)"),
        )),
    }
}

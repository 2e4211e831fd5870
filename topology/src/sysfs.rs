//! Reading the raw facts from a Linux sysfs tree (no interpretation here).
//!
//! Every path is taken relative to a file-system root, like hwloc's
//! `HWLOC_FSROOT`, so a snapshot unpacked in a temporary folder reads exactly
//! like the live machine. A missing file means "the kernel does not say" and
//! becomes `None`; a file that exists but holds something unexpected is an
//! error naming the file and its content.
//!
//! Content is read as hwloc reads it: as a C string, so everything from the
//! first NUL byte on is ignored, and without the whitespace around it (`\n`,
//! `\r\n`, spaces), which some snapshot tools leave in the files they copy.
//! Anything else that is not the expected number or set stays an error,
//! where hwloc's `strtoul` would silently keep a prefix.

use super::cpulist::{parse_list, parse_mask};
use super::TopologyError;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// What sysfs says about one `cpuN` folder.
#[derive(Debug, Default)]
pub(crate) struct RawCpu {
    pub id: usize,
    /// Whether `cpuN/topology/` exists (it is absent for offline CPUs).
    pub has_topology: bool,
    pub package: Option<usize>,
    pub core_id: Option<usize>,
    pub die: Option<usize>,
    pub cluster: Option<usize>,
    /// SMT siblings including the CPU itself, as the kernel lists them.
    pub siblings: Option<Vec<usize>>,
    /// CPUs sharing the last-level cache (highest level data/unified cache).
    pub llc: Option<Vec<usize>>,
}

/// The whole machine as read from sysfs.
#[derive(Debug)]
pub(crate) struct RawMachine {
    /// Content of `cpu/online`, or `None` when the file is absent.
    pub online: Option<Vec<usize>>,
    pub cpus: Vec<RawCpu>,
    /// `(node number, its CPUs)` from `node/nodeN/cpulist`.
    pub nodes: Vec<(usize, Vec<usize>)>,
    pub cpu_model: Option<String>,
}

/// Reads the machine under `root` (`root/sys/devices/system/...`, `root/proc/cpuinfo`).
pub(crate) fn read_machine(root: &Path) -> Result<RawMachine, TopologyError> {
    let cpu_dir = root.join("sys/devices/system/cpu");
    let online = read_optional(&cpu_dir.join("online"))?
        .map(|text| {
            parse_list(&text).map_err(|reason| parse_error(&cpu_dir.join("online"), reason))
        })
        .transpose()?;
    let mut cpus = Vec::new();
    for (id, path) in numbered_entries(&cpu_dir, "cpu")? {
        cpus.push(read_cpu(id, &path)?);
    }
    let node_dir = root.join("sys/devices/system/node");
    let mut nodes = Vec::new();
    for (node, path) in numbered_entries(&node_dir, "node")? {
        if let Some(list) = read_set(&path.join("cpulist"), &path.join("cpumap"))? {
            nodes.push((node, list));
        }
    }
    let cpuinfo = read_bytes(&root.join("proc/cpuinfo"))?;
    let cpu_model = cpuinfo.and_then(|bytes| {
        String::from_utf8_lossy(before_nul(&bytes))
            .lines()
            .find(|line| line.starts_with("model name"))
            .and_then(|line| line.split_once(':'))
            .map(|(_, model)| model.trim().to_string())
            .filter(|model| !model.is_empty())
    });
    Ok(RawMachine {
        online,
        cpus,
        nodes,
        cpu_model,
    })
}

fn read_cpu(id: usize, dir: &Path) -> Result<RawCpu, TopologyError> {
    let topology = dir.join("topology");
    let mut cpu = RawCpu {
        id,
        has_topology: topology.is_dir(),
        ..RawCpu::default()
    };
    if cpu.has_topology {
        cpu.package = read_id(&topology.join("physical_package_id"))?;
        cpu.core_id = read_id(&topology.join("core_id"))?;
        cpu.die = read_id(&topology.join("die_id"))?;
        // x86 kernels without cluster information write 65535 (BAD_APICID).
        cpu.cluster = read_id(&topology.join("cluster_id"))?.filter(|&id| id != 0xffff);
        // Newest name first: core_cpus_list (5.x) replaced thread_siblings_list,
        // and the hex masks are all that 2.6-era kernels have.
        cpu.siblings = match read_set(
            &topology.join("core_cpus_list"),
            &topology.join("core_cpus"),
        )? {
            Some(set) => Some(set),
            None => read_set(
                &topology.join("thread_siblings_list"),
                &topology.join("thread_siblings"),
            )?,
        };
    }
    cpu.llc = read_llc(&dir.join("cache"))?;
    Ok(cpu)
}

/// The CPUs sharing the highest-level data or unified cache of one CPU.
fn read_llc(cache_dir: &Path) -> Result<Option<Vec<usize>>, TopologyError> {
    let mut best: Option<(u32, Vec<usize>)> = None;
    for (_, index) in numbered_entries(cache_dir, "index")? {
        let level_path = index.join("level");
        let Some(level) = read_optional(&level_path)? else {
            continue;
        };
        let level: u32 = level
            .parse()
            .map_err(|_| parse_error(&level_path, format!("`{level}` is not a cache level")))?;
        let kind = read_optional(&index.join("type"))?.unwrap_or_default();
        if kind == "Instruction" {
            continue;
        }
        let Some(shared) = read_set(
            &index.join("shared_cpu_list"),
            &index.join("shared_cpu_map"),
        )?
        else {
            continue;
        };
        if !matches!(&best, Some((best_level, _)) if *best_level >= level) {
            best = Some((level, shared));
        }
    }
    Ok(best.map(|(_, shared)| shared))
}

/// Entries `PREFIXn` of a folder, sorted by n; an absent folder has none.
fn numbered_entries(dir: &Path, prefix: &str) -> Result<Vec<(usize, PathBuf)>, TopologyError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(TopologyError::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| TopologyError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        let Some(number) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(number) = number.parse() {
            found.push((number, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// A one-value file's text as hwloc reads it (up to the first NUL, without
/// surrounding whitespace); `None` when the file does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>, TopologyError> {
    let Some(bytes) = read_bytes(path)? else {
        return Ok(None);
    };
    file_text(&bytes)
        .map(Some)
        .map_err(|reason| parse_error(path, reason))
}

/// The text of a one-value kernel file: the bytes before the first NUL,
/// without the ASCII whitespace around them. Not UTF-8 is an error quoting
/// the bytes. So `0-3\n\0\0` reads as `0-3`.
pub(crate) fn file_text(bytes: &[u8]) -> Result<String, String> {
    let bytes = before_nul(bytes).trim_ascii();
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(_) => Err(format!("`{}` is not text", quote_bytes(bytes))),
    }
}

/// Everything before the first NUL byte (all of it if there is none).
pub(crate) fn before_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// Bytes quoted for an error message: escaped, and cut after 80 characters
/// so that a binary file does not flood the terminal.
fn quote_bytes(bytes: &[u8]) -> String {
    let quoted = bytes.escape_ascii().to_string();
    match quoted.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &quoted[..cut]),
        None => quoted,
    }
}

/// A file's bytes, `None` when it does not exist.
pub(crate) fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, TopologyError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TopologyError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A numeric id such as `core_id`; `-1` (the kernel's "unknown") is `None`.
fn read_id(path: &Path) -> Result<Option<usize>, TopologyError> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    let value: i64 = text
        .parse()
        .map_err(|_| parse_error(path, format!("`{text}` is not an integer id")))?;
    Ok(usize::try_from(value).ok())
}

/// A CPU set from a list file, or else from the mask file beside it.
fn read_set(list: &Path, mask: &Path) -> Result<Option<Vec<usize>>, TopologyError> {
    if let Some(text) = read_optional(list)? {
        let mut cpus = parse_list(&text).map_err(|reason| parse_error(list, reason))?;
        cpus.sort_unstable();
        cpus.dedup();
        return Ok(Some(cpus));
    }
    match read_optional(mask)? {
        Some(text) => parse_mask(&text)
            .map(Some)
            .map_err(|reason| parse_error(mask, reason)),
        None => Ok(None),
    }
}

pub(crate) fn parse_error(path: &Path, reason: String) -> TopologyError {
    TopologyError::Parse {
        path: path.to_path_buf(),
        reason,
    }
}

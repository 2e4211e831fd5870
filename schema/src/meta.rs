//! `meta.json`: the experiment as run, its status and times, and the machine.
//!
//! The runner reads it back as `Meta<Experiment>` (its full config type, for `--resume`
//! and `merge`); the report reads `Meta<ConfigHeader>`, the few config keys it prints.
//! Every key but `config` has a default, so files that lack a key still load.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::io::{write_atomic_or_in_place, Error};
use crate::paths::Layout;

/// The contents of `meta.json`, with the config of type `C`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta<C> {
    /// Where the sweep stands (`None`: the file has no status).
    #[serde(default)]
    pub status: Option<RunStatus>,
    /// The experiment as run (defaults filled in, sweeps expanded, `--quick` applied).
    pub config: C,
    /// The config file the sweep was started from, as an absolute path (`None`: the
    /// embedded default, or an older file). `wsbench run --resume DIR` alone takes the
    /// experiment from `config` and reads `file` workloads' relative paths from this
    /// file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_file: Option<String>,
    /// The spin rate of the synthetic workloads (iterations per ns), measured when the
    /// folder was started and reused by every resume, so that their tasks and checksums
    /// stay the same (`None`: no synthetic workload, or an older file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spin_iterations_per_ns: Option<f64>,
    /// This folder's shard of the sweep (`0/1` for a whole sweep).
    #[serde(default)]
    pub shard: Shard,
    /// Folders merged into this one (`wsbench merge`), else empty.
    #[serde(default)]
    pub merged_from: Vec<Value>,
    /// Every command line that wrote into this folder (the first run, then each `--resume`).
    #[serde(default)]
    pub command_lines: Vec<Vec<String>>,
    /// wsbench's version.
    #[serde(default)]
    pub wsbench_version: String,
    /// Start (UTC, RFC 3339) of the first command, and of each resume.
    #[serde(default)]
    pub started: Vec<String>,
    /// End (UTC, RFC 3339) of the last command, or null while running.
    #[serde(default)]
    pub ended: Option<String>,
    /// Counted runs recorded in `runs.csv`.
    #[serde(default)]
    pub runs_recorded: usize,
    /// Why the sweep stopped early, if it did.
    #[serde(default)]
    pub error: Option<String>,
    /// The build and the machine.
    #[serde(default)]
    pub machine: Machine,
}

impl<C: DeserializeOwned> Meta<C> {
    /// Reads the `meta.json` of the results folder `dir`.
    pub fn read(dir: &Path) -> Result<Meta<C>, Error> {
        let path = Layout::new(dir).meta();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::from(format!(
                "{}: cannot read ({e}); is this a wsbench results folder?",
                path.display()
            ))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| Error::from(format!("{}: not a wsbench meta.json ({e})", path.display())))
    }
}

/// Bytes of whitespace after the JSON text of a `running` `meta.json`: the room its final
/// text (status, end time, error) takes when a full disk leaves no space for a new copy.
pub const ROOM: usize = 4096;

/// How much of an error message a `meta.json` overwritten in place keeps at least.
const SHORTEST_ERROR: usize = 64;

impl<C: Serialize> Meta<C> {
    /// Writes the `meta.json` of the results folder `dir`, atomically; a `running` one is
    /// followed by [`ROOM`] bytes of whitespace. When the atomic write fails (a full disk),
    /// the old file is overwritten in place if the new text fits in it, its `error`
    /// shortened in the middle if need be ([`write_atomic_or_in_place`]): a sweep that
    /// failed on a full disk still says `failed`, and why.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        self.write_with(dir, write_atomic_or_in_place)
    }

    /// [`Meta::write`] through `write` (tests inject a full disk).
    fn write_with(
        &self,
        dir: &Path,
        write: impl Fn(&Path, &[u8]) -> Result<bool, Error>,
    ) -> Result<(), Error> {
        let path = Layout::new(dir).meta();
        let json = |m: &Value| {
            serde_json::to_string_pretty(m)
                .map_err(|e| Error::from(format!("{}: {e}", path.display())))
        };
        let value = serde_json::to_value(self)
            .map_err(|e| Error::from(format!("{}: {e}", path.display())))?;
        let mut text = json(&value)?;
        if self.status == Some(RunStatus::Running) {
            text.push('\n');
            text.push_str(&" ".repeat(ROOM - 1));
        }
        text.push('\n');
        let first = match write(&path, text.as_bytes()) {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let (Some(error), Ok(old_len)) = (&self.error, std::fs::metadata(&path).map(|m| m.len()))
        else {
            return Err(first);
        };
        let over = text.len().saturating_sub(old_len as usize);
        let keep = error
            .chars()
            .count()
            .saturating_sub(over + 8)
            .max(SHORTEST_ERROR);
        let mut short = value;
        short["error"] = Value::String(shorten(error, keep));
        write(&path, json(&short)?.as_bytes())
            .map(|_| ())
            .map_err(|_| first)
    }
}

/// `text` cut to about `keep` characters by dropping its middle: the start says what
/// failed, the end the first cause.
///
/// ```
/// assert_eq!(wsbench_schema::meta::shorten("abcdefghij", 4), "ab … ij");
/// assert_eq!(wsbench_schema::meta::shorten("abc", 4), "abc");
/// ```
pub fn shorten(text: &str, keep: usize) -> String {
    let n = text.chars().count();
    if n <= keep {
        return text.to_string();
    }
    let head: String = text.chars().take(keep / 2).collect();
    let tail: String = text.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head} … {tail}")
}

/// Where a sweep stands (`status` in `meta.json`).
///
/// ```
/// use wsbench_schema::RunStatus;
/// assert_eq!("interrupted".parse::<RunStatus>().unwrap(), RunStatus::Interrupted);
/// assert_eq!(RunStatus::Complete.to_string(), "complete");
/// assert!("done".parse::<RunStatus>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RunStatus {
    /// A command is writing into the folder (or was killed without a chance to say).
    Running,
    /// Every run of the plan is recorded.
    Complete,
    /// Stopped early (Ctrl-C, a job's time limit); `--resume` finishes it.
    Interrupted,
    /// A checksum mismatch or an error stopped it.
    Failed,
}

impl RunStatus {
    const ALL: [RunStatus; 4] = [
        RunStatus::Running,
        RunStatus::Complete,
        RunStatus::Interrupted,
        RunStatus::Failed,
    ];

    fn name(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Complete => "complete",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Failed => "failed",
        }
    }
}

impl FromStr for RunStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RunStatus::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| {
                format!("`{s}` is not a status; expected running, complete, interrupted or failed")
            })
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for RunStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<RunStatus> for String {
    fn from(s: RunStatus) -> String {
        s.to_string()
    }
}

/// The config keys the report prints (any config has them; others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigHeader {
    /// The experiment's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Counted runs per cell.
    #[serde(default)]
    pub repetitions: Option<u64>,
    /// Uncounted runs per cell, before the counted ones.
    #[serde(default)]
    pub warmup: Option<u64>,
}

/// Where each placement put its workers: placement → worker count → each worker's CPU
/// (`None`: not pinned).
pub type PlacementMap = BTreeMap<String, BTreeMap<usize, Vec<Option<usize>>>>;

/// The build and the machine a folder was written on. Anything the runner could not read
/// is the string `unknown`; a key absent from an older file is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Machine {
    /// The CPUs this process was allowed to run on (`None`: unknown).
    pub allowed_cpus: Option<Vec<usize>>,
    /// `std::env::consts::ARCH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Turbo/boost: `on`, `off` or `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boost: Option<String>,
    /// The measured cost of each clock and of recording one task.
    pub clock: Value,
    /// How the binary was built: profile, LTO, codegen units, RUSTFLAGS, dependency versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<crate::host::Build>,
    /// The CPU model ([`crate::machine::cpu_model`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// The source tree the binary was built from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<Git>,
    /// CPU 0's frequency governor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub governor: Option<String>,
    /// CPU identity and flags, caches, memory, hypervisor, kernel settings, load and
    /// environment at the start of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<crate::host::Host>,
    /// Host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Kernel release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// `std::env::consts::OS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Each placement's worker → CPU map, at every worker count used.
    pub placements: PlacementMap,
    /// `release` or `debug`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The other runtimes' facts: OpenMP (whether built, `_OPENMP`, compiler, the libgomp
    /// file loaded, `OMP_WAIT_POLICY` and every `OMP_*`/`GOMP_*` variable) and chili.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtimes: Option<Value>,
    /// The rustc that built the binary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rustc: Option<String>,
    /// Simultaneous multithreading ([`crate::machine::smt_text`]): `on`, `off` or `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smt: Option<String>,
    /// The detected topology (CPUs with their core, package, node and cache).
    pub topology: Value,
    /// How many CPUs the process could keep busy at once and which limit
    /// decided it (cpuset, affinity mask or cgroup CPU quota): what
    /// `workers = "all"` counted up to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usable_cpus: Option<String>,
}

/// The git commit of the binary's source tree.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Git {
    /// Commit hash, or `unknown`.
    #[serde(default)]
    pub commit: String,
    /// Uncommitted changes: `true`, `false`, or the string `unknown`.
    #[serde(default)]
    pub dirty: Value,
}

/// One shard of a sweep: `--shard i/n` runs every n-th cell starting at i (0 ≤ i < n).
///
/// ```
/// use wsbench_schema::Shard;
/// assert_eq!("1/4".parse::<Shard>().unwrap(), Shard { index: 1, count: 4 });
/// assert!("4/4".parse::<Shard>().is_err());
/// assert_eq!(Shard::default(), Shard::WHOLE);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard's index, 0-based.
    pub index: usize,
    /// How many shards the sweep is split into.
    pub count: usize,
}

impl Shard {
    /// The whole sweep (no sharding).
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };
}

impl Default for Shard {
    fn default() -> Shard {
        Shard::WHOLE
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("--shard {s:?}: expected i/n with 0 ≤ i < n, e.g. 0/4 (a Slurm array's $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)")
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{in_place_fallback, tests::no_space};

    fn meta(status: RunStatus, error: Option<String>) -> Meta<Value> {
        Meta {
            status: Some(status),
            config: Value::Null,
            config_file: None,
            spin_iterations_per_ns: Some(0.25),
            shard: Shard::WHOLE,
            merged_from: Vec::new(),
            command_lines: Vec::new(),
            wsbench_version: String::new(),
            started: Vec::new(),
            ended: None,
            runs_recorded: 0,
            error,
            machine: Machine::default(),
        }
    }

    #[test]
    fn a_sweep_that_fails_on_a_full_disk_still_says_failed_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let full = |p: &Path, b: &[u8]| in_place_fallback(p, b, no_space);
        let running = meta(RunStatus::Running, None);
        running.write(dir.path()).unwrap();
        let len = std::fs::metadata(Layout::new(dir.path()).meta())
            .unwrap()
            .len();
        assert!(len as usize > ROOM);
        assert_eq!(Meta::<Value>::read(dir.path()).unwrap(), running);
        // An error chain that fits in the room, and one that does not.
        for size in [300, 3 * ROOM] {
            running.write(dir.path()).unwrap();
            let cause = "writing out/runs.csv: No space left on device (os error 28)";
            let error = format!("{}{cause}", "x".repeat(size));
            let failed = meta(RunStatus::Failed, Some(error.clone()));
            failed.write_with(dir.path(), full).unwrap();
            let back = Meta::<Value>::read(dir.path()).unwrap();
            assert_eq!(back.status, Some(RunStatus::Failed));
            assert_eq!(back.spin_iterations_per_ns, Some(0.25));
            let said = back.error.unwrap();
            assert!(said.ends_with(cause), "{said}");
            assert_eq!(said == error, size < ROOM, "{size}");
            let now = std::fs::metadata(Layout::new(dir.path()).meta())
                .unwrap()
                .len();
            assert_eq!(now, len, "overwritten in place");
        }
    }

    #[test]
    fn an_older_meta_json_without_the_new_keys_reads() {
        let old = r#"{"status": "complete", "config": {"name": "x"}}"#;
        let m: Meta<Value> = serde_json::from_str(old).unwrap();
        assert_eq!((m.config_file, m.spin_iterations_per_ns), (None, None));
    }
}

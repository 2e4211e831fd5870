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

use crate::io::{write_json_atomic, Error};
use crate::paths::Layout;

/// The contents of `meta.json`, with the config of type `C`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta<C> {
    /// Where the sweep stands (`None`: the file has no status).
    #[serde(default)]
    pub status: Option<RunStatus>,
    /// The experiment as run (defaults filled in, sweeps expanded, `--quick` applied).
    pub config: C,
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

impl<C: Serialize> Meta<C> {
    /// Writes the `meta.json` of the results folder `dir`, atomically.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        write_json_atomic(&Layout::new(dir).meta(), self)
    }
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

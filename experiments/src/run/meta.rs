//! `meta.json`: everything a reviewer needs to trust and rerun a results folder.
//!
//! Machine facts are read from the places Linux keeps them; anything unreadable is the
//! string `"unknown"` rather than a guess.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::Path;

use super::config::Experiment;
use super::plan::Shard;

/// Where a sweep stands (`status` in `meta.json`).
///
/// ```
/// use experiments::run::meta::RunStatus;
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

impl std::str::FromStr for RunStatus {
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

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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

/// The contents of `meta.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// Where the sweep stands.
    pub status: RunStatus,
    /// The experiment as run (defaults filled in, sweeps expanded, `--quick` applied).
    pub config: Experiment,
    /// This folder's shard of the sweep (`0/1` for a whole sweep).
    pub shard: Shard,
    /// Folders merged into this one (`wsbench merge`), else empty.
    #[serde(default)]
    pub merged_from: Vec<Value>,
    /// Every command line that wrote into this folder (the first run, then each `--resume`).
    pub command_lines: Vec<Vec<String>>,
    /// wsbench's version.
    pub wsbench_version: String,
    /// Start (UTC, RFC 3339) of the first command, and of each resume.
    pub started: Vec<String>,
    /// End (UTC, RFC 3339) of the last command, or null while running.
    pub ended: Option<String>,
    /// Counted runs recorded in `runs.csv`.
    pub runs_recorded: usize,
    /// Why the sweep stopped early, if it did.
    pub error: Option<String>,
    /// The build and the machine (see [`machine`]).
    pub machine: Value,
}

/// Now, UTC, RFC 3339 with seconds.
pub fn utc_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".into())
}

/// A folder-name timestamp: `2026-11-22T18-42-11Z`.
pub fn folder_timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]-[minute]-[second]Z");
    now.format(&fmt).unwrap_or_else(|_| "unknown-time".into())
}

fn read_trim(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// The git commit and dirty flag of the source tree this binary was built from,
/// recorded at build time (`build.rs`), so they stay true wherever it runs.
fn git() -> Value {
    let dirty = match env!("WSBENCH_BUILD_DIRTY") {
        "true" => json!(true),
        "false" => json!(false),
        _ => json!("unknown"),
    };
    json!({ "commit": env!("WSBENCH_BUILD_COMMIT"), "dirty": dirty })
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| {
                    l.starts_with("model name")
                        || l.starts_with("Processor")
                        || l.starts_with("cpu model")
                })
                .and_then(|l| l.split_once(':').map(|(_, v)| v.trim().to_string()))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Turbo/boost state: `cpufreq/boost` (1 = on) or intel_pstate's `no_turbo` (0 = on).
fn boost() -> String {
    let b = read_trim("/sys/devices/system/cpu/cpufreq/boost");
    if b != "unknown" {
        return if b == "1" { "on".into() } else { "off".into() };
    }
    match read_trim("/sys/devices/system/cpu/intel_pstate/no_turbo").as_str() {
        "0" => "on".into(),
        "1" => "off".into(),
        _ => "unknown".into(),
    }
}

/// The build and the machine: rustc, profile, CPU, kernel, SMT, governor, boost, topology,
/// where each placement puts its workers, and the clock costs.
pub fn machine(placements: Value, topology: Value, clock: Value) -> Value {
    let smt = match read_trim("/sys/devices/system/cpu/smt/active").as_str() {
        "1" => "on".to_string(),
        "0" => "off".to_string(),
        _ => "unknown".to_string(),
    };
    json!({
        "rustc": env!("WSBENCH_BUILD_RUSTC"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "git": git(),
        "hostname": read_trim("/proc/sys/kernel/hostname"),
        "cpu_model": cpu_model(),
        "kernel": read_trim("/proc/sys/kernel/osrelease"),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "smt": smt,
        "governor": read_trim("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "boost": boost(),
        "allowed_cpus": scheduler::affinity::allowed_cpus(),
        "topology": topology,
        "placements": placements,
        "clock": clock,
    })
}

impl Meta {
    /// Reads a folder's `meta.json`.
    pub fn read(dir: &Path) -> Result<Meta, String> {
        let path = dir.join("meta.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "{}: cannot read ({e}); is this a wsbench results folder?",
                path.display()
            )
        })?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a wsbench meta.json ({e})", path.display()))
    }

    /// Writes `meta.json` atomically.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        super::output::write_atomic(&dir.join("meta.json"), text.as_bytes())
    }
}

//! Before any work: read and check the experiment, the machine's placements, the output
//! folder. Everything here fails with a usage error (exit 2) and leaves no folder behind.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wsbench_schema::PlacementMap;

use topology::Topology;

use super::config::{Experiment, DEFAULT_TOML};
use super::execute::resolve;
use super::meta::{self, Meta};
use super::plan::Shard;
use super::RunArgs;
use crate::error::{CliError, CliResult};
use wsbench_schema::paths::DEFAULT_OUT_DIR;
use wsbench_schema::{Layout, RunStatus};

/// What a run runs, and where that came from.
pub(super) struct Input {
    /// The experiment, `--quick` and `--workers` applied.
    pub exp: Experiment,
    /// The folder relative workload paths are read from.
    pub base: PathBuf,
    /// The config file as an absolute path (`None`: the embedded default).
    pub config_file: Option<String>,
    /// What messages call the config.
    pub source: String,
    /// `--resume`: the folder's `meta.json`.
    pub previous: Option<Meta>,
}

/// The experiment of a run: from the config file (or the embedded default) and the
/// options; with `--resume DIR` and no file, from DIR's `meta.json`. A config or option
/// that differs from the folder's is refused (exit 2) naming the difference.
pub(super) fn read_input(args: &RunArgs) -> CliResult<Input> {
    let previous = match &args.resume {
        Some(dir) => Some(Meta::read(dir).map_err(CliError::usage)?),
        None => None,
    };
    if let (Some(dir), Some(m), None) = (&args.resume, &previous, &args.config) {
        return resume_alone(args, dir, m.clone());
    }
    let (exp, base) = load_config(args)?;
    if let (Some(dir), Some(m)) = (&args.resume, &previous) {
        let diff = config_diff(&m.config, &exp);
        if !diff.is_empty() {
            return Err(CliError::usage(format!(
                "--resume {}: the config differs from the one this folder was started with (keys: {}); \
                 resume with `wsbench run --resume {}` alone (it takes the config, --quick and --workers \
                 from the folder's meta.json), or start a new folder",
                dir.display(),
                diff.join(", "),
                dir.display()
            )));
        }
    }
    let config_file = args.config.as_ref().map(|p| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    });
    Ok(Input {
        exp,
        base,
        config_file,
        source: args
            .config
            .as_ref()
            .map_or("<embedded default>".to_string(), |p| {
                p.display().to_string()
            }),
        previous,
    })
}

/// `--resume DIR` without a config file: the experiment of DIR's `meta.json`; `--quick`,
/// `--workers` and `--repetitions`, if given, must say what it says.
fn resume_alone(args: &RunArgs, dir: &Path, m: Meta) -> CliResult<Input> {
    let mut differences = Vec::new();
    if args.quick && !m.config.quick {
        differences.push("--quick: the folder was started without it".to_string());
    }
    if args.trace && !m.config.workloads.iter().all(|w| w.trace) {
        differences.push("--trace: the folder was started without it".to_string());
    }
    if let Some(w) = args.workers.as_ref().filter(|w| **w != m.config.workers) {
        differences.push(format!(
            "--workers {}: the folder's worker counts are {}",
            join(w),
            join(&m.config.workers)
        ));
    }
    if let Some(n) = args
        .repetitions
        .filter(|n| *n as usize != m.config.repetitions)
    {
        differences.push(format!(
            "--repetitions {n}: the folder's is {}",
            m.config.repetitions
        ));
    }
    if !differences.is_empty() {
        return Err(CliError::usage(format!(
            "--resume {}: {}; resume with `wsbench run --resume {}` alone (it takes the config, \
             --quick, --workers and --repetitions from the folder's meta.json), or start a new folder",
            dir.display(),
            differences.join("; "),
            dir.display()
        )));
    }
    let base = m
        .config_file
        .as_deref()
        .and_then(|f| Path::new(f).parent())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok(Input {
        exp: m.config.clone(),
        base,
        config_file: m.config_file.clone(),
        source: format!("{}", Layout::new(dir).meta().display()),
        previous: Some(m),
    })
}

fn join(list: &[usize]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `--resume DIR`: the folder's shard is this run's (`--shard`, if given, must be it).
pub(super) fn check_resume_shard(
    args: &RunArgs,
    dir: &Path,
    m: &Meta,
    shard: &mut Shard,
) -> CliResult<()> {
    if args.shard.is_some() && *shard != m.shard {
        return Err(CliError::usage(format!(
            "--resume {}: the folder is shard {}/{}, not {}/{}",
            dir.display(),
            m.shard.index,
            m.shard.count,
            shard.index,
            shard.count
        )));
    }
    *shard = m.shard;
    if m.status == Some(RunStatus::Complete) {
        println!("{}: already complete; nothing to do", dir.display());
    }
    Ok(())
}

/// The experiment of `config` (the embedded default when `None`) and the folder its
/// relative workload paths start from: what `run`, `tune` and `simulate` read.
pub(crate) fn read_experiment(config: Option<&Path>) -> CliResult<(Experiment, PathBuf)> {
    let Some(path) = config else {
        let exp = Experiment::parse("<embedded default>", DEFAULT_TOML).map_err(CliError::Usage)?;
        return Ok((exp, PathBuf::from(".")));
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read experiment file {}: {e}",
            path.display()
        ))
    })?;
    let exp = Experiment::parse(&path.display().to_string(), &text).map_err(CliError::Usage)?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok((exp, base))
}

/// The experiment, where it came from, and the folder relative workload paths start from.
fn load_config(args: &RunArgs) -> CliResult<(Experiment, PathBuf)> {
    let (mut exp, base) = read_experiment(args.config.as_deref())?;
    if let Some(workers) = &args.workers {
        exp.workers = workers.clone();
    }
    if let Some(n) = args.repetitions {
        exp.repetitions = n as usize;
    }
    if args.quick {
        exp.make_quick();
    }
    if args.trace {
        exp.trace_all();
    }
    Ok((exp, base))
}

/// `meta.json`'s `machine.topology`: every CPU with its ids and where it sits
/// (the CPU model and SMT state are the machine's: `Machine::cpu_model`, `Machine::smt`).
pub(super) fn meta_topology(topo: &Topology) -> Value {
    json!({ "cpus": topo.cpus().iter().map(crate::topology_cmd::cpu_json).collect::<Vec<_>>() })
}

/// Checks every placement at every worker count it is used with; returns the worker→CPU maps.
pub(super) fn check_placements(
    exp: &Experiment,
    topo: &Topology,
    source: &str,
) -> CliResult<PlacementMap> {
    let mut map = PlacementMap::new();
    for (k, p) in exp.placements.iter().enumerate() {
        let mut per = BTreeMap::new();
        let counts: Vec<usize> = if k == 0 {
            std::iter::once(1)
                .chain(exp.workers.iter().copied())
                .collect()
        } else {
            exp.workers.clone()
        };
        for n in counts {
            let cpus = resolve(topo, p, n).map_err(|e| {
                CliError::usage(format!(
                    "{source}: key `placements`: {e} (with workers = {n}; allowed CPUs: {:?})",
                    topo_allowed(topo)
                ))
            })?;
            per.insert(n, cpus);
        }
        map.insert(p.to_string(), per);
    }
    Ok(map)
}

fn topo_allowed(topo: &Topology) -> Vec<usize> {
    topo.allowed_cpus()
}

/// The lock file inside a results folder: held (`flock`, exclusive) by the one process
/// writing the folder; it holds that process's id and command line, for the message a
/// second writer gets. It is never removed: unlinking a lock file lets a waiting process
/// lock the old file while a third locks a new one.
const LOCK_FILE: &str = ".lock";

/// An exclusive hold on a results folder, released when dropped (or when the process dies).
pub(crate) struct FolderLock {
    _file: std::fs::File,
}

/// Locks `dir` for this process, or fails (exit 2) naming the process that holds it.
pub(crate) fn lock_folder(dir: &Path) -> CliResult<FolderLock> {
    use std::io::{Read, Seek, Write};
    use std::os::unix::io::AsRawFd;
    let path = dir.join(LOCK_FILE);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| CliError::usage(format!("cannot lock {}: {e}", path.display())))?;
    // SAFETY: the descriptor is open (owned by `file`) for the whole call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(CliError::usage(format!(
                "cannot lock {}: {err}",
                path.display()
            )));
        }
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        return Err(CliError::usage(format!(
            "output folder {} is in use by another wsbench (pid and command: {}); wait for it to end, or use another folder",
            dir.display(),
            holder.trim()
        )));
    }
    let command: Vec<String> = std::env::args().collect();
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{} {}", std::process::id(), command.join(" ")));
    Ok(FolderLock { _file: file })
}

/// Makes (or checks, for `--resume`) the output folder and locks it. Returns it, whether
/// we made it, and the lock, held until the sweep ends.
pub(super) fn prepare_folder(
    args: &RunArgs,
    exp: &Experiment,
) -> CliResult<(PathBuf, bool, FolderLock)> {
    if let Some(dir) = &args.resume {
        let lock = lock_folder(dir)?;
        return Ok((dir.clone(), false, lock));
    }
    let (dir, made) = match &args.out {
        Some(d) => (d.clone(), !d.exists()),
        None => (default_folder(exp), true),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::usage(format!(
            "cannot create output folder {}: {e}",
            dir.display()
        ))
    })?;
    // Locked before the emptiness check, so two runs racing for one new folder cannot
    // both find it empty.
    let lock = lock_folder(&dir)?;
    if !holds_no_results(&dir) {
        return Err(CliError::usage(format!(
            "output folder {} already exists and is not empty; use `--resume {}` to finish it, or another --out",
            dir.display(),
            dir.display()
        )));
    }
    Ok((dir, made, lock))
}

/// Without `--out`: `wsbench-results/<name>/<UTC timestamp>/` in the current folder
/// (`-2`, `-3`… appended when a folder of that second exists), made here: beside where
/// the command ran, not inside the repository's committed `results/`. Each folder is
/// made with `create_dir`, which only one of two runs started in the same second wins.
fn default_folder(exp: &Experiment) -> PathBuf {
    let base = PathBuf::from(DEFAULT_OUT_DIR)
        .join(&exp.name)
        .join(meta::folder_timestamp());
    if let Some(parent) = base.parent() {
        // An error shows when the folder itself cannot be made, with its name.
        let _ = std::fs::create_dir_all(parent);
    }
    let mut dir = base.clone();
    for k in 2..1000 {
        match std::fs::create_dir(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                dir = PathBuf::from(format!("{}-{k}", base.display()));
            }
            _ => break,
        }
    }
    dir
}

/// Whether a folder holds nothing a run wrote but its lock, temporary files and an empty
/// `hgrm/`: what a run killed before its `meta.json` leaves, which `--out` may reuse.
fn holds_no_results(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == LOCK_FILE
            || (name.starts_with('.') && name.contains(".tmp-"))
            || (name == wsbench_schema::paths::HGRM_DIR
                && std::fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_none()))
    })
}

/// What differs between two configs, by top-level key.
pub(super) fn config_diff(a: &Experiment, b: &Experiment) -> Vec<String> {
    let (a, b) = (
        serde_json::to_value(a).unwrap_or_default(),
        serde_json::to_value(b).unwrap_or_default(),
    );
    let (Value::Object(a), Value::Object(b)) = (a, b) else {
        return vec!["<config>".into()];
    };
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

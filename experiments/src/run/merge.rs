//! `wsbench merge DIR... --out DIR`: join the folders of a sharded sweep into one.
//!
//! The shards must come from the same experiment (identical configs) split the same way,
//! one folder per shard index. Each cell's rows and histogram files are taken from the
//! shard that owns it (see [`super::plan`]): every shard also ran the serial baselines of
//! its workloads, and only the owner's copy is kept. `meta.json` lists every shard's
//! machine, times and status.

use std::path::{Path, PathBuf};

use serde_json::json;
use wsbench_schema::{
    read_rows, write_atomic, write_rows_atomic, LatencyRow, Layout, Row, RunRow, RunStatus, Shard,
    WorkerRow,
};

use super::meta::{self, Meta};
use super::plan::Plan;
use super::resume::cell_of;
use super::MergeArgs;
use crate::error::{CliError, CliResult};

/// The rows of a shard's row file that belong to cells the shard owns.
fn read_owned<T: Row>(path: &Path, plan: &Plan, shard: Shard) -> anyhow::Result<Vec<T>> {
    Ok(read_rows::<T>(path)?
        .into_iter()
        .filter(|r| {
            cell_of(r.cell()).is_some_and(|c| plan.owner(&c, shard.count) == Some(shard.index))
        })
        .collect())
}

/// Every shard's folder and `meta.json`, checked to be the shards of one sweep, each once.
fn read_shards(dirs: &[PathBuf]) -> CliResult<Vec<(PathBuf, Meta)>> {
    let mut shards: Vec<(PathBuf, Meta)> = Vec::new();
    for d in dirs {
        let m = Meta::read(d).map_err(CliError::usage)?;
        if m.shard.count == 0 || m.shard.index >= m.shard.count {
            return Err(CliError::usage(format!(
                "{}: shard {} is out of range; a shard is INDEX/COUNT with 0 ≤ INDEX < COUNT",
                Layout::new(d).meta().display(),
                m.shard
            )));
        }
        shards.push((d.clone(), m));
    }
    let Some((first_dir, first)) = shards.first() else {
        return Err(CliError::usage(
            "no shard folders given; pass every shard's folder",
        ));
    };
    for (d, m) in &shards[1..] {
        if m.config != first.config {
            return Err(CliError::usage(format!(
                "{}: its config differs from {}'s; only shards of one experiment can be merged",
                d.display(),
                first_dir.display()
            )));
        }
        if m.shard.count != first.shard.count {
            return Err(CliError::usage(format!(
                "{} is shard {} but {} is shard {}; all shards must split the sweep the same way",
                d.display(),
                m.shard,
                first_dir.display(),
                first.shard
            )));
        }
    }
    let n = first.shard.count;
    let mut seen = vec![None::<&Path>; n];
    for (d, m) in &shards {
        if let Some(other) = seen[m.shard.index] {
            return Err(CliError::usage(format!(
                "{} and {} are both shard {}",
                other.display(),
                d.display(),
                m.shard
            )));
        }
        seen[m.shard.index] = Some(d);
    }
    let missing: Vec<String> = (0..n)
        .filter(|i| seen[*i].is_none())
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(CliError::usage(format!(
            "shards missing: {} (pass every shard's folder)",
            missing.join(", ")
        )));
    }
    Ok(shards)
}

/// Checks that the output folder is absent or an empty folder (before any is created).
fn check_output(out: &Layout) -> CliResult {
    let dir = out.root();
    let Ok(meta) = std::fs::metadata(dir) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(CliError::usage(format!(
            "--out {}: is a file, not a folder; name a new or empty folder",
            dir.display()
        )));
    }
    match std::fs::read_dir(dir).map(|mut d| d.next().is_some()) {
        Ok(false) => Ok(()),
        Ok(true) => Err(CliError::usage(format!(
            "--out {}: the folder already exists and is not empty; name a new or empty folder",
            dir.display()
        ))),
        Err(e) => Err(CliError::usage(format!(
            "--out {}: cannot read the folder: {e}",
            dir.display()
        ))),
    }
}

/// Makes the empty output folder (with its `hgrm/`).
fn make_output(out: &Layout) -> CliResult {
    let dir = out.root();
    std::fs::create_dir_all(out.hgrm_dir()).map_err(|e| {
        CliError::usage(format!(
            "cannot create output folder {}: {e}",
            dir.display()
        ))
    })
}

/// The rows of every row file, from each shard the rows of the cells it owns.
#[derive(Default)]
struct Rows {
    runs: Vec<RunRow>,
    latency: Vec<LatencyRow>,
    latency_cells: Vec<LatencyRow>,
    workers: Vec<WorkerRow>,
}

impl Rows {
    fn add_shard(&mut self, from: &Layout, plan: &Plan, shard: Shard) -> anyhow::Result<()> {
        self.runs.extend(read_owned(&from.runs(), plan, shard)?);
        self.latency
            .extend(read_owned(&from.latency(), plan, shard)?);
        self.latency_cells
            .extend(read_owned(&from.latency_cells(), plan, shard)?);
        self.workers
            .extend(read_owned(&from.workers(), plan, shard)?);
        Ok(())
    }

    fn write(&self, out: &Layout) -> anyhow::Result<()> {
        write_rows_atomic(&out.runs(), &self.runs)?;
        write_rows_atomic(&out.latency(), &self.latency)?;
        write_rows_atomic(&out.latency_cells(), &self.latency_cells)?;
        write_rows_atomic(&out.workers(), &self.workers)?;
        Ok(())
    }
}

/// Copies the histogram files (and trace files) of the cells `shard` owns.
fn copy_histograms(from: &Layout, out: &Layout, plan: &Plan, shard: Shard) -> anyhow::Result<()> {
    for cell in &plan.all_cells {
        if plan.owner(cell, shard.count) != Some(shard.index) {
            continue;
        }
        let stem = cell.file_stem();
        if from.trace(&stem).exists() {
            std::fs::create_dir_all(out.traces_dir())?;
        }
        let files = from
            .cell_files(&stem)
            .into_iter()
            .chain([from.trace(&stem)]);
        let targets = out.cell_files(&stem).into_iter().chain([out.trace(&stem)]);
        for (src, dst) in files.zip(targets) {
            if src.exists() {
                write_atomic(&dst, &std::fs::read(&src)?)?;
            }
        }
    }
    Ok(())
}

/// The merged folder's status: the worst of the shards' (failed, then interrupted or
/// still running, then complete; a shard whose `meta.json` has no status is not complete).
fn merged_status(statuses: impl Iterator<Item = Option<RunStatus>> + Clone) -> RunStatus {
    if statuses.clone().any(|s| s == Some(RunStatus::Failed)) {
        RunStatus::Failed
    } else if statuses.clone().all(|s| s == Some(RunStatus::Complete)) {
        RunStatus::Complete
    } else {
        RunStatus::Interrupted
    }
}

/// `wsbench merge`.
pub fn merge(args: MergeArgs) -> CliResult {
    // Every input is checked before the output folder is created.
    let shards = read_shards(&args.dirs)?;
    let out = Layout::new(&args.out);
    check_output(&out)?;
    let first = &shards[0].1;
    let plan = Plan::new(&first.config, Shard::WHOLE);
    let mut rows = Rows::default();
    for (d, m) in &shards {
        rows.add_shard(&Layout::new(d), &plan, m.shard)
            .map_err(|e| {
                CliError::usage(format!(
                    "shard {} ({}) cannot be merged: {e:#} (a cut or edited row); rerun that shard",
                    m.shard,
                    d.display()
                ))
            })?;
    }
    make_output(&out)?;
    for (d, m) in &shards {
        copy_histograms(&Layout::new(d), &out, &plan, m.shard)?;
    }
    rows.write(&out)?;
    let merged_from = shards
        .iter()
        .map(|(d, m)| {
            json!({
                "folder": d.display().to_string(),
                "shard": m.shard,
                "status": m.status,
                "started": m.started,
                "ended": m.ended,
                "command_lines": m.command_lines,
                "machine": m.machine,
            })
        })
        .collect();
    let status = merged_status(shards.iter().map(|(_, m)| m.status));
    let meta = Meta {
        status: Some(status),
        config: first.config.clone(),
        config_file: first.config_file.clone(),
        spin_iterations_per_ns: first.spin_iterations_per_ns,
        shard: Shard::WHOLE,
        merged_from,
        command_lines: vec![std::env::args().collect()],
        wsbench_version: env!("CARGO_PKG_VERSION").into(),
        started: vec![meta::utc_now()],
        ended: Some(meta::utc_now()),
        runs_recorded: rows.runs.len(),
        error: None,
        machine: first.machine.clone(),
    };
    meta.write(out.root())?;
    println!(
        "merged {} shards into {} ({} runs, status {})",
        first.shard.count,
        out.root().display(),
        rows.runs.len(),
        status
    );
    Ok(())
}

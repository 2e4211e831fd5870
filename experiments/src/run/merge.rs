//! `wsbench merge DIR... --out DIR`: join the folders of a sharded sweep into one.
//!
//! The shards must come from the same experiment (identical configs) split the same way,
//! one folder per shard index. Each cell's rows and histogram files are taken from the
//! shard that owns it (see [`super::plan`]): every shard also ran the serial baselines of
//! its workloads, and only the owner's copy is kept. `meta.json` lists every shard's
//! machine, times and status.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::meta::{self, Meta, RunStatus};
use super::output::{read_rows, write_rows_atomic, CellRow, LatencyRow, RunRow, WorkerRow};
use super::plan::{Plan, Shard};
use super::MergeArgs;
use crate::error::{CliError, CliResult};

/// The rows of a shard's row file that belong to cells the shard owns.
fn read_owned<T>(path: &Path, plan: &Plan, shard: Shard) -> anyhow::Result<Vec<T>>
where
    T: CellRow + for<'de> serde::Deserialize<'de>,
{
    Ok(read_rows::<T>(path)?
        .into_iter()
        .filter(|r| {
            r.cell()
                .is_some_and(|c| plan.owner(&c, shard.count) == Some(shard.index))
        })
        .collect())
}

/// `wsbench merge`.
pub fn merge(args: MergeArgs) -> CliResult {
    let mut shards: Vec<(PathBuf, Meta)> = Vec::new();
    for d in &args.dirs {
        shards.push((d.clone(), Meta::read(d).map_err(CliError::Usage)?));
    }
    let first = shards[0].1.clone();
    for (d, m) in &shards[1..] {
        if m.config != first.config {
            return Err(CliError::usage(format!(
                "{}: its config differs from {}'s; only shards of one experiment can be merged",
                d.display(),
                shards[0].0.display()
            )));
        }
        if m.shard.count != first.shard.count {
            return Err(CliError::usage(format!(
                "{} is shard {}/{} but {} is shard {}/{}; all shards must split the sweep the same way",
                d.display(),
                m.shard.index,
                m.shard.count,
                shards[0].0.display(),
                first.shard.index,
                first.shard.count
            )));
        }
    }
    let n = first.shard.count;
    let mut seen = vec![None::<&Path>; n];
    for (d, m) in &shards {
        if let Some(other) = seen[m.shard.index] {
            return Err(CliError::usage(format!(
                "{} and {} are both shard {}/{n}",
                other.display(),
                d.display(),
                m.shard.index
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
    let out = &args.out;
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CliError::usage(format!(
            "output folder {} already exists and is not empty",
            out.display()
        )));
    }
    std::fs::create_dir_all(out.join("hgrm")).map_err(|e| {
        CliError::usage(format!(
            "cannot create output folder {}: {e}",
            out.display()
        ))
    })?;

    let plan = Plan::new(&first.config, Shard::WHOLE);
    let (mut runs, mut lat, mut lat_cells, mut workers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut merged_from = Vec::new();
    let mut statuses: Vec<RunStatus> = Vec::new();
    for (d, m) in &shards {
        runs.extend(read_owned::<RunRow>(&d.join("runs.csv"), &plan, m.shard)?);
        lat.extend(read_owned::<LatencyRow>(
            &d.join("latency.csv"),
            &plan,
            m.shard,
        )?);
        lat_cells.extend(read_owned::<LatencyRow>(
            &d.join("latency_cells.csv"),
            &plan,
            m.shard,
        )?);
        workers.extend(read_owned::<WorkerRow>(
            &d.join("workers.csv"),
            &plan,
            m.shard,
        )?);
        for cell in &plan.all_cells {
            if plan.owner(cell, n) != Some(m.shard.index) {
                continue;
            }
            let stem = cell.file_stem();
            let names = [
                format!("{stem}.hlog"),
                format!("{stem}.wait.hgrm"),
                format!("{stem}.service.hgrm"),
                format!("{stem}.response.hgrm"),
            ];
            for name in names {
                let from = d.join("hgrm").join(&name);
                if from.exists() {
                    let bytes = std::fs::read(&from)?;
                    super::output::write_atomic(&out.join("hgrm").join(&name), &bytes)?;
                }
            }
        }
        statuses.push(m.status);
        merged_from.push(json!({
            "folder": d.display().to_string(),
            "shard": m.shard,
            "status": m.status,
            "started": m.started,
            "ended": m.ended,
            "command_lines": m.command_lines,
            "machine": m.machine,
        }));
    }
    write_rows_atomic(&out.join("runs.csv"), &runs)?;
    write_rows_atomic(&out.join("latency.csv"), &lat)?;
    write_rows_atomic(&out.join("latency_cells.csv"), &lat_cells)?;
    write_rows_atomic(&out.join("workers.csv"), &workers)?;
    let meta = Meta {
        // The worst of the shards': failed, then interrupted (or still running), then complete.
        status: if statuses.contains(&RunStatus::Failed) {
            RunStatus::Failed
        } else if statuses.iter().all(|s| *s == RunStatus::Complete) {
            RunStatus::Complete
        } else {
            RunStatus::Interrupted
        },
        config: first.config.clone(),
        shard: Shard::WHOLE,
        merged_from,
        command_lines: vec![std::env::args().collect()],
        wsbench_version: env!("CARGO_PKG_VERSION").into(),
        started: vec![meta::utc_now()],
        ended: Some(meta::utc_now()),
        runs_recorded: runs.len(),
        error: None,
        machine: first.machine.clone(),
    };
    meta.write(out)?;
    println!(
        "merged {} shards into {} ({} runs, status {})",
        n,
        out.display(),
        runs.len(),
        meta.status
    );
    Ok(())
}

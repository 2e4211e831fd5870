//! Reading a results folder written by `wsbench run` (or the Python baseline).
//!
//! Every file is read with its [`wsbench_schema`] type, by column *name*: extra columns
//! may follow, and every column but the cell, repetition and measured value may be
//! absent, so a newer runner that adds columns, or the Python baseline that writes
//! fewer, still renders. A folder is a results folder when it holds `runs.csv`; every
//! other file is optional and its absence is said in the report. A bad value names the
//! file, line, column and what was expected, and is a usage error (exit 2).

use crate::error::{ReportError, ReportResult};
use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use wsbench_schema::paths::{
    parse_hgrm_name, LATENCY_CELLS_CSV, LATENCY_CSV, META_JSON, WORKERS_CSV,
};
use wsbench_schema::trace::TraceFile;
use wsbench_schema::units::HGRM_NS_PER_UNIT;
use wsbench_schema::{
    read_rows, CellRef, ConfigHeader, LatencyRow, Layout, Meta, Row, RunRow, WorkerRow,
};

/// The cell a row belongs to: one (machine, workload, strategy, workers, placement).
///
/// `machine` is the index of the results folder on the command line, so that
/// several folders (machines) can be compared in one report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    /// Index of the results folder this row came from.
    pub machine: usize,
    /// Workload name.
    pub workload: String,
    /// Strategy name (`serial`, `static`, `adaptive`, `py-pool`, …).
    pub strategy: String,
    /// Number of workers.
    pub workers: usize,
    /// Placement name (`spread`, `none`, …).
    pub placement: String,
}

impl CellKey {
    /// The key of a row's cell in the folder numbered `machine`.
    pub fn of(machine: usize, cell: CellRef) -> CellKey {
        CellKey {
            machine,
            workload: cell.workload.into(),
            strategy: cell.strategy.into(),
            workers: cell.workers,
            placement: cell.placement.into(),
        }
    }

    /// The file stem the runner gives this cell's `.hgrm`/`.hlog` files
    /// ([`wsbench_schema::file_stem`]).
    pub fn file_stem(&self) -> String {
        wsbench_schema::file_stem(
            &self.workload,
            &self.strategy,
            self.workers,
            &self.placement,
        )
    }
}

/// A row of a results file and the key of its cell; the row's columns are reached
/// through it (`row.makespan_ns`).
#[derive(Debug, Clone)]
pub struct Keyed<T> {
    /// The cell of this row, with its folder.
    pub cell: CellKey,
    /// The row as read.
    pub row: T,
}

impl<T> Deref for Keyed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.row
    }
}

/// Reads a row file of the folder numbered `machine`, each row keyed by its cell.
fn read_keyed<T: Row>(path: &Path, machine: usize) -> ReportResult<Vec<Keyed<T>>> {
    let rows = read_rows::<T>(path).map_err(ReportError::usage)?;
    Ok(rows
        .into_iter()
        .map(|row| Keyed {
            cell: CellKey::of(machine, row.cell()),
            row,
        })
        .collect())
}

/// A percentile distribution read from an `.hgrm` file: (value, quantile in 0..=1).
pub type Distribution = Vec<(f64, f64)>;

/// Everything the report reads from one results folder.
#[derive(Debug, Clone)]
pub struct ResultsDir {
    /// The folder.
    pub path: PathBuf,
    /// `meta.json`, when present.
    pub meta: Option<Meta<ConfigHeader>>,
    /// Rows of `runs.csv`.
    pub runs: Vec<Keyed<RunRow>>,
    /// Rows of `latency.csv` (per run), empty when absent.
    pub latency: Vec<Keyed<LatencyRow>>,
    /// Rows of `latency_cells.csv` (merged over repetitions), empty when absent.
    pub latency_cells: Vec<Keyed<LatencyRow>>,
    /// Rows of `workers.csv` that have busy and idle times (serial and rayon rows
    /// leave them empty), empty when absent.
    pub workers: Vec<Keyed<WorkerRow>>,
    /// `hgrm/<cell>.<metric>.hgrm` distributions in ns, keyed by (file stem, metric).
    pub hgrm: BTreeMap<(String, String), Distribution>,
    /// `traces/<cell>.trace.json` files (`trace = true`), by name; read one with
    /// [`read_trace`].
    pub traces: Vec<PathBuf>,
    /// Files that were absent (named in the report).
    pub missing: Vec<String>,
}

impl ResultsDir {
    /// Reads the results folder `path`; `machine` is its index on the command line.
    ///
    /// Fails with a usage error when `path` is not a folder or holds no `runs.csv`
    /// (the message names what is missing), or when a file has a bad value.
    pub fn load(path: &Path, machine: usize) -> ReportResult<ResultsDir> {
        if !path.is_dir() {
            return Err(ReportError::usage(format!(
                "{}: not a results folder (no such directory); expected a folder written by `wsbench run` holding runs.csv and meta.json",
                path.display()
            )));
        }
        let files = Layout::new(path);
        let runs_path = files.runs();
        if !runs_path.is_file() {
            return Err(ReportError::usage(format!(
                "{}: not a results folder: runs.csv is missing (a folder written by `wsbench run` holds runs.csv, meta.json, and optionally latency.csv, latency_cells.csv, workers.csv, hgrm/)",
                path.display()
            )));
        }
        let runs = read_keyed::<RunRow>(&runs_path, machine)?;
        if runs.is_empty() {
            return Err(ReportError::usage(format!(
                "{}: runs.csv has a header but no runs; nothing to report",
                runs_path.display()
            )));
        }
        let mut missing = Vec::new();
        let mut note_missing = |p: &Path, name: &str| {
            let absent = !p.is_file();
            if absent {
                missing.push(name.to_string());
            }
            !absent
        };
        let meta = if note_missing(&files.meta(), META_JSON) {
            Some(Meta::read(path).map_err(ReportError::usage)?)
        } else {
            None
        };
        note_missing(&files.latency(), LATENCY_CSV);
        note_missing(&files.latency_cells(), LATENCY_CELLS_CSV);
        let workers_present = note_missing(&files.workers(), WORKERS_CSV);
        let latency = read_latency(&files.latency(), machine)?;
        let latency_cells = read_latency(&files.latency_cells(), machine)?;
        let mut workers = Vec::new();
        if workers_present {
            workers = read_keyed::<WorkerRow>(&files.workers(), machine)?;
            // Strategies without per-worker timing (serial, rayon) leave these empty.
            workers.retain(|w| w.busy_ns.is_some() && w.idle_ns.is_some());
        }
        let hgrm = read_hgrm_dir(&files.hgrm_dir())?;
        if hgrm.is_empty() {
            missing.push("hgrm/*.hgrm".to_string());
        }
        Ok(ResultsDir {
            path: path.to_path_buf(),
            meta,
            runs,
            latency,
            latency_cells,
            workers,
            hgrm,
            traces: trace_files(&files.traces_dir()),
            missing,
        })
    }
}

/// The trace files under `dir` (absent folder = none), by name; a writer's temporary
/// files (`.<name>.tmp-<pid>`, left by a kill) are not traces.
fn trace_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.') && n.ends_with(".trace.json"))
        })
        .collect();
    out.sort();
    out
}

/// Reads one trace file (its size is bounded by the runner's per-run cap).
pub fn read_trace(path: &Path) -> ReportResult<TraceFile> {
    let text = std::fs::read_to_string(path)?;
    serde_json::from_str(&text)
        .map_err(|e| ReportError::usage(format!("{}: not a trace file: {e}", path.display())))
}

/// Reads `latency.csv` or `latency_cells.csv` (none if absent), checking that every
/// percentile is a number.
fn read_latency(path: &Path, machine: usize) -> ReportResult<Vec<Keyed<LatencyRow>>> {
    let rows = read_keyed::<LatencyRow>(path, machine)?;
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.percent().is_none()) {
        return Err(ReportError::usage(format!(
            "{}:{}: column `percentile`: `{}` is not a number",
            path.display(),
            i + 2,
            r.percentile
        )));
    }
    Ok(rows)
}

/// Reads every `<stem>.<metric>.hgrm` under `dir` (absent folder = none), values in ns.
fn read_hgrm_dir(dir: &Path) -> ReportResult<BTreeMap<(String, String), Distribution>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((stem, metric)) = parse_hgrm_name(name) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)?;
        let mut dist = parse_hgrm(&text, &path)?;
        for d in dist.iter_mut() {
            d.0 *= HGRM_NS_PER_UNIT;
        }
        out.insert((stem.to_string(), metric.to_string()), dist);
    }
    Ok(out)
}

/// Parses HdrHistogram's percentile-distribution text: rows of
/// `Value Percentile TotalCount 1/(1-Percentile)`, a header line and `#[...]`
/// footer lines, which are skipped.
pub fn parse_hgrm(text: &str, path: &Path) -> ReportResult<Distribution> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("Value") {
            continue;
        }
        let mut fields = line.split_whitespace();
        let value = fields.next().and_then(|v| v.parse::<f64>().ok());
        let quantile = fields.next().and_then(|v| v.parse::<f64>().ok());
        match (value, quantile) {
            (Some(v), Some(q)) if (0.0..=1.0).contains(&q) => out.push((v, q)),
            _ => {
                return Err(ReportError::usage(format!(
                    "{}:{}: `{line}` is not a percentile-distribution row (Value Percentile TotalCount 1/(1-Percentile))",
                    path.display(),
                    i + 1
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hgrm_rows_parse_and_footer_is_skipped() {
        let text = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n\
                    1000.000 0.000000000000          1           1.00\n\
                    2000.000 0.500000000000          5           2.00\n\
                    9000.000 1.000000000000         10            inf\n\
                    #[Mean    =     2000.000, StdDeviation   =      100.000]\n";
        let d = parse_hgrm(text, Path::new("x.hgrm")).unwrap();
        assert_eq!(d, vec![(1000.0, 0.0), (2000.0, 0.5), (9000.0, 1.0)]);
        assert!(parse_hgrm("abc def\n", Path::new("x.hgrm")).is_err());
    }
}

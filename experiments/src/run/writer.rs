//! The one owner of the files a sweep writes into its folder (their paths, row types and
//! units are [`wsbench_schema`]'s).
//!
//! Per counted run: the cell's interval log (`hgrm/<stem>.hlog`) and its `.hgrm` files,
//! then the run's rows of `latency.csv` and `workers.csv`, and `runs.csv` last, each
//! flushed: a `runs.csv` row means the whole run is on disk. At the end:
//! `latency_cells.csv` and `meta.json`.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use wsbench_schema::units::{ALL_REPETITIONS, HGRM_NS_PER_UNIT};
use wsbench_schema::{
    write_atomic, write_rows_atomic, Appender, LatencyRow, Layout, RunRow, WorkerRow,
};

use super::meta::Meta;
use super::outcome::RunOutcome;
use super::output::{append_hlog, latency_rows, percentile_distribution};
use super::plan::Cell;
use super::record::Latency;
use super::trace::chrome::{add_run, CellInfo, RunInfo};

/// One counted run's rows.
pub(super) struct Rows {
    /// Its `runs.csv` row.
    pub run: RunRow,
    /// Its `latency.csv` rows (none without recording).
    pub latency: Vec<LatencyRow>,
    /// Its `workers.csv` rows.
    pub workers: Vec<WorkerRow>,
}

/// One run's histograms, for the cell's interval log.
pub(super) struct RunLatency<'a> {
    /// The run's histograms.
    pub latency: &'a Latency,
    /// When the run started (wall clock).
    pub started: SystemTime,
    /// Its makespan.
    pub makespan: Duration,
}

/// The key columns of a cell's rows.
pub(super) fn key_of(cell: &Cell) -> [String; 4] {
    [
        cell.workload.clone(),
        cell.strategy.to_string(),
        cell.workers.to_string(),
        cell.placement.to_string(),
    ]
}

/// The open output files of a sweep's folder.
pub(super) struct Writer {
    files: Layout,
    runs: Appender,
    latency: Appender,
    workers: Appender,
}

impl Writer {
    /// Opens the row files of `dir` for appending (their headers written if new).
    pub fn open(dir: &Path) -> anyhow::Result<Writer> {
        let files = Layout::new(dir);
        Ok(Writer {
            runs: Appender::open::<RunRow>(&files.runs())?,
            latency: Appender::open::<LatencyRow>(&files.latency())?,
            workers: Appender::open::<WorkerRow>(&files.workers())?,
            files,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        self.files.root()
    }

    /// Appends one interval to the cell's log and rewrites its `.hgrm` files from
    /// `merged` (every recorded run of the cell).
    pub fn run_latency(
        &self,
        cell: &Cell,
        repetition: usize,
        run: &RunLatency,
        merged: &Latency,
    ) -> anyhow::Result<()> {
        let stem = cell.file_stem();
        append_hlog(
            &self.files.hlog(&stem),
            run.started,
            run.makespan,
            repetition,
            run.latency,
        )?;
        for (metric, h) in merged.by_metric() {
            let text = percentile_distribution(h, HGRM_NS_PER_UNIT);
            write_atomic(&self.files.hgrm(&stem, metric), text.as_bytes())?;
        }
        Ok(())
    }

    /// Adds one counted run's trace to the cell's trace file (rewritten atomically; with
    /// `median`, the cell is complete and the file keeps that repetition only).
    pub fn run_trace(
        &self,
        cell: &Cell,
        repetition: usize,
        out: &RunOutcome,
        median: Option<usize>,
    ) -> anyhow::Result<()> {
        let Some(trace) = &out.trace else {
            return Ok(());
        };
        let [workload, strategy, _, placement] = key_of(cell);
        let info = CellInfo {
            workload: &workload,
            strategy: &strategy,
            workers: cell.workers,
            placement: &placement,
        };
        let cpus: Vec<Option<usize>> = out.workers.iter().map(|w| w.cpu).collect();
        let run = RunInfo {
            repetition,
            makespan_ns: out.makespan_ns,
            tasks: out.tasks,
            steals: out.steals.filter(|_| trace.steals_logged),
            worker_cpus: &cpus,
        };
        let path = self.files.trace(&cell.file_stem());
        add_run(&path, &info, trace, &run, median)
    }

    /// Appends one run's rows, `runs.csv` last, each file flushed.
    pub fn rows(&mut self, rows: &Rows) -> anyhow::Result<()> {
        self.latency.push(&rows.latency)?;
        self.latency.flush()?;
        self.workers.push(&rows.workers)?;
        self.workers.flush()?;
        self.runs.push(std::slice::from_ref(&rows.run))?;
        Ok(self.runs.flush()?)
    }

    /// Writes `latency_cells.csv` from every cell's merged histograms, in plan order.
    pub fn latency_cells(
        &self,
        cells: &[Cell],
        by_cell: &HashMap<Cell, Latency>,
    ) -> anyhow::Result<()> {
        let mut rows = Vec::new();
        for cell in cells {
            if let Some(l) = by_cell.get(cell) {
                rows.extend(latency_rows(&key_of(cell), ALL_REPETITIONS, l));
            }
        }
        Ok(write_rows_atomic(&self.files.latency_cells(), &rows)?)
    }

    /// Writes `meta.json`.
    pub fn meta(&self, meta: &Meta) -> anyhow::Result<()> {
        Ok(meta.write(self.files.root())?)
    }
}

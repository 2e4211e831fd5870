//! What a results folder already holds: for `--resume`, and for the summary at the end.
//!
//! `runs.csv` is the record of completed runs (its row is written last). Rows of
//! `latency.csv` and `workers.csv` whose run has no `runs.csv` row (a kill between the
//! writes of one run) are dropped when a sweep resumes, so nothing is duplicated; so is an
//! unterminated last line of any of the three (a crash mid-write), with a warning. The
//! interval logs are append-only: after such a kill, a `.hlog` can hold an extra interval
//! for the repetition that is run again; the last one of each repetition is the recorded
//! one, and the one merged into `latency_cells.csv` and the `.hgrm` files.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use wsbench_schema::{
    drop_unterminated_line, read_rows, write_rows_atomic, CellRef, LatencyRow, Layout, Row, RunRow,
    WorkerRow,
};

use wsbench_schema::units::RESPONSE;

use super::output::read_hlog;
use super::plan::{Cell, Plan};
use super::record::Latency;

/// The serial run of one round: what the parallel runs of that round are compared with.
#[derive(Debug, Clone, Copy)]
pub struct SerialRef {
    /// Serial makespan.
    pub makespan_ns: u64,
    /// Σ task time.
    pub task_sum_ns: u64,
    /// Longest task.
    pub task_max_ns: u64,
}

/// The plan's cell of a row's cell, or `None` for a strategy or placement no plan can hold.
pub fn cell_of(cell: CellRef) -> Option<Cell> {
    Some(Cell {
        workload: cell.workload.into(),
        strategy: cell.strategy.parse().ok()?,
        workers: cell.workers,
        placement: cell.placement.parse().ok()?,
    })
}

/// Everything recorded so far in a results folder.
#[derive(Default)]
pub struct State {
    /// Counted runs done.
    pub done: HashSet<(Cell, usize)>,
    /// All `runs.csv` rows.
    pub rows: Vec<RunRow>,
    /// Serial reference per (workload, placement, repetition): each placement's parallel
    /// runs are compared with serial under the same placement.
    pub serial: HashMap<(String, String, usize), SerialRef>,
    /// Reference checksum per workload (its serial runs').
    pub checksums: HashMap<String, u64>,
    /// Per cell: every recorded run's histograms, merged.
    pub cell_latency: HashMap<Cell, Latency>,
    /// Per counted run: its p99 response time (ns), where latency was recorded.
    pub run_p99: HashMap<(Cell, usize), u64>,
}

impl State {
    /// Records a finished counted run.
    pub fn add(&mut self, row: RunRow) {
        let cell = cell_of(row.cell());
        if cell.as_ref().is_some_and(Cell::is_serial) {
            self.serial.insert(
                (row.workload.clone(), row.placement.clone(), row.repetition),
                SerialRef {
                    makespan_ns: row.makespan_ns,
                    task_sum_ns: row.task_sum_ns.unwrap_or(row.makespan_ns),
                    task_max_ns: row.task_max_ns.unwrap_or(0),
                },
            );
            if let Ok(c) = u64::from_str_radix(&row.checksum, 16) {
                self.checksums.entry(row.workload.clone()).or_insert(c);
            }
        }
        if let Some(cell) = cell {
            self.done.insert((cell, row.repetition));
        }
        self.rows.push(row);
    }

    /// Keeps the p99 response of each run found in `latency.csv` rows.
    pub fn note_p99(&mut self, rows: &[LatencyRow]) {
        for l in rows
            .iter()
            .filter(|l| l.metric == RESPONSE && l.percentile == "99")
        {
            if let (Some(cell), Ok(rep)) = (cell_of(l.cell()), l.repetition.parse::<usize>()) {
                self.run_p99.insert((cell, rep), l.value_ns);
            }
        }
    }

    /// Reads a folder's state, dropping orphan rows (see the module documentation).
    pub fn load(dir: &Path, plan: &Plan) -> anyhow::Result<State> {
        let files = Layout::new(dir);
        for path in [files.runs(), files.latency(), files.workers()] {
            if let Some(line) = drop_unterminated_line(&path)? {
                eprintln!(
                    "wsbench: warning: {}:{line}: incomplete last row dropped (a crash mid-write or a missing final newline); its run is run again",
                    path.display()
                );
            }
        }
        let mut state = State::default();
        for row in read_rows::<RunRow>(&files.runs())? {
            state.add(row);
        }
        let done = |cell: CellRef, rep: &str| match (cell_of(cell), rep.parse::<usize>()) {
            (Some(cell), Ok(r)) => state.done.contains(&(cell, r)),
            _ => false,
        };
        let kept_latency =
            keep_done_rows::<LatencyRow>(&files.latency(), |l| done(l.cell(), &l.repetition))?;
        keep_done_rows::<WorkerRow>(&files.workers(), |l| {
            done(l.cell(), &l.repetition.to_string())
        })?;
        state.note_p99(&kept_latency);
        for cell in &plan.cells {
            let path = files.hlog(&cell.file_stem());
            if !path.exists() {
                continue;
            }
            // A run cut off mid-write (a crash, a full disk) can leave half an interval.
            if let Some(line) = drop_unterminated_line(&path)? {
                eprintln!(
                    "wsbench: warning: {}:{line}: incomplete last interval dropped",
                    path.display()
                );
            }
            // The last interval of a repetition is the one whose row was written (an
            // earlier one would be from a run killed before its row).
            let mut by_rep: HashMap<usize, Latency> = HashMap::new();
            for (rep, lat) in read_hlog(&path)? {
                if state.done.contains(&(cell.clone(), rep)) {
                    by_rep.insert(rep, lat);
                }
            }
            let mut merged = Latency::default();
            for lat in by_rep.values() {
                merged.add(lat);
            }
            state.cell_latency.insert(cell.clone(), merged);
        }
        Ok(state)
    }
}

/// Keeps the rows of the CSV at `path` whose run is done (`is_done`), rewriting the
/// file atomically only when an orphan row was dropped; returns the rows kept.
fn keep_done_rows<T: Row + Clone>(
    path: &Path,
    is_done: impl Fn(&T) -> bool,
) -> anyhow::Result<Vec<T>> {
    let rows: Vec<T> = read_rows(path)?;
    let keep: Vec<T> = rows.iter().filter(|r| is_done(r)).cloned().collect();
    if keep.len() != rows.len() {
        write_rows_atomic(path, &keep)?;
    }
    Ok(keep)
}

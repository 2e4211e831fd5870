//! Reading a results folder written by `wsbench run` (or the Python baseline).
//!
//! Every CSV is read by column *name* (CONTRACT.md: extra columns may follow and
//! readers look columns up by name), so a newer runner that adds columns still
//! renders. A folder is a results folder when it holds `runs.csv`; every other
//! file is optional and its absence is said in the report. A bad value names the
//! file, line, column and what was expected, and is a usage error (exit 2).

use crate::error::{CliError, CliResult};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// The file stem the runner gives this cell's `.hgrm`/`.hlog` files:
    /// `<workload>__<strategy>__w<workers>__<placement>`, `:` → `-`, any other
    /// character outside `[A-Za-z0-9._-]` → `_`.
    pub fn file_stem(&self) -> String {
        crate::run::plan::file_stem(
            &self.workload,
            &self.strategy,
            self.workers,
            &self.placement,
        )
    }
}

/// One counted run (a row of `runs.csv`).
#[derive(Debug, Clone)]
pub struct RunRow {
    /// The cell of this run.
    pub cell: CellKey,
    /// Repetition number as written (a string: the report never does arithmetic on it).
    pub repetition: String,
    /// Wall time of the whole batch.
    pub makespan_ns: f64,
    /// max(Σ serial task time / p, max serial task time), when recorded.
    pub lower_bound_ns: Option<f64>,
    /// serial makespan of the same round / this makespan, when recorded.
    pub speedup: Option<f64>,
    /// makespan / lower bound, when recorded.
    pub lb_ratio: Option<f64>,
    /// Successful steals, when recorded.
    pub steals: Option<f64>,
    /// Whether the checksum matched serial (absent = not checked).
    pub checksum_ok: Option<bool>,
    /// Task count of the workload (for sweeps over problem size).
    pub size: Option<u64>,
    /// Whether pool creation was inside the timed region.
    pub pool_in_timing: Option<bool>,
    /// The size sweep this workload belongs to (the runner's `sweep` column), if any.
    pub sweep: Option<String>,
}

/// One row of `latency.csv` or `latency_cells.csv`.
#[derive(Debug, Clone)]
pub struct LatencyRow {
    /// The cell of this row.
    pub cell: CellKey,
    /// `wait`, `service` or `response`.
    pub metric: String,
    /// Percentile in percent (50, 90, 99, 99.9, 99.99, 100).
    pub percentile: f64,
    /// The latency at that percentile.
    pub value_ns: f64,
}

/// One row of `workers.csv`: one worker in one run.
#[derive(Debug, Clone)]
pub struct WorkerRow {
    /// The cell of the run.
    pub cell: CellKey,
    /// Repetition number as written.
    pub repetition: String,
    /// Worker index within the pool.
    pub worker: usize,
    /// Time spent running tasks.
    pub busy_ns: f64,
    /// Time spent looking for work or parked.
    pub idle_ns: f64,
}

/// A percentile distribution read from an `.hgrm` file: (value, quantile in 0..=1).
pub type Distribution = Vec<(f64, f64)>;

/// Everything the report reads from one results folder.
#[derive(Debug, Clone)]
pub struct ResultsDir {
    /// The folder.
    pub path: PathBuf,
    /// `meta.json`, when present.
    pub meta: Option<serde_json::Value>,
    /// Rows of `runs.csv`.
    pub runs: Vec<RunRow>,
    /// Rows of `latency.csv` (per run), empty when absent.
    pub latency: Vec<LatencyRow>,
    /// Rows of `latency_cells.csv` (merged over repetitions), empty when absent.
    pub latency_cells: Vec<LatencyRow>,
    /// Rows of `workers.csv`, empty when absent.
    pub workers: Vec<WorkerRow>,
    /// `hgrm/<cell>.<metric>.hgrm` distributions keyed by (file stem, metric).
    pub hgrm: BTreeMap<(String, String), Distribution>,
    /// Files that were absent (named in the report).
    pub missing: Vec<String>,
}

/// A CSV file held in memory with its header, for lookups by column name.
struct Table {
    path: PathBuf,
    header: csv::StringRecord,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    fn read(path: &Path) -> CliResult<Table> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_path(path)
            .map_err(|e| CliError::usage(format!("{}: cannot read: {e}", path.display())))?;
        let header = reader
            .headers()
            .map_err(|e| CliError::usage(format!("{}: bad header: {e}", path.display())))?
            .clone();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record));
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h.trim() == name)
    }

    fn require(&self, name: &str) -> CliResult<usize> {
        self.column(name).ok_or_else(|| {
            CliError::usage(format!(
                "{}: missing column `{name}` (header is `{}`)",
                self.path.display(),
                self.header.iter().collect::<Vec<_>>().join(",")
            ))
        })
    }

    /// The data rows, each with its line number for error messages.
    fn each_row(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            table: self,
            line: *line,
            record,
        })
    }

    fn bad(&self, line: u64, column: &str, value: &str, expected: &str) -> CliError {
        CliError::usage(format!(
            "{}:{line}: column `{column}`: `{value}` is not {expected}",
            self.path.display()
        ))
    }
}

/// Column accessor for one row, turning parse failures into usage errors.
struct Row<'a> {
    table: &'a Table,
    line: u64,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn text(&self, col: usize) -> &str {
        self.record.get(col).unwrap_or("").trim()
    }

    fn string(&self, col: usize) -> String {
        self.text(col).to_string()
    }

    fn number(&self, col: usize, name: &str) -> CliResult<f64> {
        let v = self.text(col);
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.table.bad(self.line, name, v, "a number"))
    }

    fn count(&self, col: usize, name: &str) -> CliResult<usize> {
        let v = self.text(col);
        v.parse::<usize>()
            .map_err(|_| self.table.bad(self.line, name, v, "a whole number"))
    }

    fn opt_number(&self, col: Option<usize>, name: &str) -> CliResult<Option<f64>> {
        match col {
            Some(c) if !self.text(c).is_empty() => self.number(c, name).map(Some),
            _ => Ok(None),
        }
    }

    fn opt_bool(&self, col: Option<usize>, name: &str) -> CliResult<Option<bool>> {
        match col.map(|c| self.text(c)) {
            None | Some("") => Ok(None),
            Some("true" | "1" | "True") => Ok(Some(true)),
            Some("false" | "0" | "False") => Ok(Some(false)),
            Some(v) => Err(self.table.bad(self.line, name, v, "true or false")),
        }
    }
}

/// Column indices of the cell key, shared by every file.
struct KeyColumns {
    workload: usize,
    strategy: usize,
    workers: usize,
    placement: usize,
}

impl KeyColumns {
    fn of(table: &Table) -> CliResult<KeyColumns> {
        Ok(KeyColumns {
            workload: table.require("workload")?,
            strategy: table.require("strategy")?,
            workers: table.require("workers")?,
            placement: table.require("placement")?,
        })
    }

    fn key(&self, row: &Row, machine: usize) -> CliResult<CellKey> {
        Ok(CellKey {
            machine,
            workload: row.string(self.workload),
            strategy: row.string(self.strategy),
            workers: row.count(self.workers, "workers")?,
            placement: row.string(self.placement),
        })
    }
}

impl ResultsDir {
    /// Reads the results folder `path`; `machine` is its index on the command line.
    ///
    /// Fails with a usage error when `path` is not a folder or holds no `runs.csv`
    /// (the message names what is missing), or when a file has a bad value.
    pub fn load(path: &Path, machine: usize) -> CliResult<ResultsDir> {
        if !path.is_dir() {
            return Err(CliError::usage(format!(
                "{}: not a results folder (no such directory); expected a folder written by `wsbench run` holding runs.csv and meta.json",
                path.display()
            )));
        }
        let runs_path = path.join("runs.csv");
        if !runs_path.is_file() {
            return Err(CliError::usage(format!(
                "{}: not a results folder: runs.csv is missing (a folder written by `wsbench run` holds runs.csv, meta.json, and optionally latency.csv, latency_cells.csv, workers.csv, hgrm/)",
                path.display()
            )));
        }
        let mut missing = Vec::new();
        let runs = read_runs(&Table::read(&runs_path)?, machine)?;
        if runs.is_empty() {
            return Err(CliError::usage(format!(
                "{}: runs.csv has a header but no runs; nothing to report",
                runs_path.display()
            )));
        }
        let meta_path = path.join("meta.json");
        let meta = if meta_path.is_file() {
            let text = std::fs::read_to_string(&meta_path)?;
            Some(serde_json::from_str(&text).map_err(|e| {
                CliError::usage(format!("{}: not valid JSON: {e}", meta_path.display()))
            })?)
        } else {
            missing.push("meta.json".to_string());
            None
        };
        let mut optional = |name: &str| -> CliResult<Option<Table>> {
            let p = path.join(name);
            if p.is_file() {
                Table::read(&p).map(Some)
            } else {
                missing.push(name.to_string());
                Ok(None)
            }
        };
        let latency = match optional("latency.csv")? {
            Some(t) => read_latency(&t, machine)?,
            None => Vec::new(),
        };
        let latency_cells = match optional("latency_cells.csv")? {
            Some(t) => read_latency(&t, machine)?,
            None => Vec::new(),
        };
        let workers = match optional("workers.csv")? {
            Some(t) => read_workers(&t, machine)?,
            None => Vec::new(),
        };
        let mut hgrm = read_hgrm_dir(&path.join("hgrm"))?;
        to_nanoseconds(&mut hgrm, &latency_cells, &latency);
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
            missing,
        })
    }
}

fn read_runs(t: &Table, machine: usize) -> CliResult<Vec<RunRow>> {
    let key = KeyColumns::of(t)?;
    let repetition = t.require("repetition")?;
    let makespan = t.require("makespan_ns")?;
    let lower_bound = t.column("lower_bound_ns");
    let lb_ratio = t.column("lb_ratio");
    let speedup = t.column("speedup");
    let steals = t.column("steals");
    let checksum_ok = t.column("checksum_ok");
    let size = t.column("size");
    let pool_in_timing = t.column("pool_in_timing");
    let sweep = t.column("sweep");
    let mut out = Vec::with_capacity(t.rows.len());
    for row in t.each_row() {
        out.push(RunRow {
            cell: key.key(&row, machine)?,
            repetition: row.string(repetition),
            makespan_ns: row.number(makespan, "makespan_ns")?,
            lower_bound_ns: row.opt_number(lower_bound, "lower_bound_ns")?,
            speedup: row.opt_number(speedup, "speedup")?,
            lb_ratio: row.opt_number(lb_ratio, "lb_ratio")?,
            steals: row.opt_number(steals, "steals")?,
            checksum_ok: row.opt_bool(checksum_ok, "checksum_ok")?,
            size: row
                .opt_number(size, "size")?
                .map(|s| s.max(0.0).round() as u64),
            pool_in_timing: row.opt_bool(pool_in_timing, "pool_in_timing")?,
            sweep: sweep.map(|c| row.string(c)).filter(|s| !s.is_empty()),
        });
    }
    Ok(out)
}

fn read_latency(t: &Table, machine: usize) -> CliResult<Vec<LatencyRow>> {
    let key = KeyColumns::of(t)?;
    let metric = t.require("metric")?;
    let percentile = t.require("percentile")?;
    let value = t.require("value_ns")?;
    let mut out = Vec::with_capacity(t.rows.len());
    for row in t.each_row() {
        out.push(LatencyRow {
            cell: key.key(&row, machine)?,
            metric: row.string(metric),
            percentile: row.number(percentile, "percentile")?,
            value_ns: row.number(value, "value_ns")?,
        });
    }
    Ok(out)
}

fn read_workers(t: &Table, machine: usize) -> CliResult<Vec<WorkerRow>> {
    let key = KeyColumns::of(t)?;
    let repetition = t.require("repetition")?;
    let worker = t.require("worker")?;
    let busy = t.require("busy_ns")?;
    let idle = t.require("idle_ns")?;
    let mut out = Vec::with_capacity(t.rows.len());
    for row in t.each_row() {
        // Strategies without per-worker timing (serial, rayon) leave these empty.
        let (Some(busy_ns), Some(idle_ns)) = (
            row.opt_number(Some(busy), "busy_ns")?,
            row.opt_number(Some(idle), "idle_ns")?,
        ) else {
            continue;
        };
        out.push(WorkerRow {
            cell: key.key(&row, machine)?,
            repetition: row.string(repetition),
            worker: row.count(worker, "worker")?,
            busy_ns,
            idle_ns,
        });
    }
    Ok(out)
}

/// `.hgrm` files do not say their unit (HdrHistogram's text has a scaling ratio
/// only in the tool that wrote it; wsbench's runner writes microseconds). Each file
/// is scaled to nanoseconds by the power of 1000 that makes its maximum agree with
/// the cell's 100th percentile in `latency_cells.csv` (or `latency.csv`); with no
/// CSV to compare, microseconds (the runner's unit) are assumed.
fn to_nanoseconds(
    hgrm: &mut BTreeMap<(String, String), Distribution>,
    cells: &[LatencyRow],
    per_run: &[LatencyRow],
) {
    let mut reference: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in per_run
        .iter()
        .chain(cells)
        .filter(|r| r.percentile >= 100.0)
    {
        let e = reference
            .entry((r.cell.file_stem(), r.metric.clone()))
            .or_insert(0.0);
        *e = e.max(r.value_ns);
    }
    // latency_cells (merged) wins over the max of per-run rows.
    for r in cells.iter().filter(|r| r.percentile >= 100.0) {
        reference.insert((r.cell.file_stem(), r.metric.clone()), r.value_ns);
    }
    for (key, dist) in hgrm.iter_mut() {
        let max = dist.iter().map(|d| d.0).fold(0.0, f64::max);
        let scale = match reference.get(key) {
            Some(&ns) if ns > 0.0 && max > 0.0 => [1.0, 1e3, 1e6, 1e9]
                .into_iter()
                .min_by(|a, b| {
                    let da = ((max * a) / ns).ln().abs();
                    let db = ((max * b) / ns).ln().abs();
                    da.total_cmp(&db)
                })
                .unwrap_or(1e3),
            _ => 1e3,
        };
        for d in dist.iter_mut() {
            d.0 *= scale;
        }
    }
}

/// Reads every `<stem>.<metric>.hgrm` under `dir` (absent folder = none).
fn read_hgrm_dir(dir: &Path) -> CliResult<BTreeMap<(String, String), Distribution>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(base) = name.strip_suffix(".hgrm") else {
            continue;
        };
        let Some((stem, metric)) = base.rsplit_once('.') else {
            continue;
        };
        let text = std::fs::read_to_string(&path)?;
        out.insert(
            (stem.to_string(), metric.to_string()),
            parse_hgrm(&text, &path)?,
        );
    }
    Ok(out)
}

/// Parses HdrHistogram's percentile-distribution text: rows of
/// `Value Percentile TotalCount 1/(1-Percentile)`, a header line and `#[...]`
/// footer lines, which are skipped.
pub fn parse_hgrm(text: &str, path: &Path) -> CliResult<Distribution> {
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
                return Err(CliError::usage(format!(
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
    fn file_stem_replaces_colons_and_odd_characters() {
        let key = CellKey {
            machine: 0,
            workload: "clustered set".into(),
            strategy: "dynamic:16".into(),
            workers: 4,
            placement: "cores(0,1)".into(),
        };
        assert_eq!(key.file_stem(), "clustered_set__dynamic-16__w4__cores_0_1_");
    }

    #[test]
    fn hgrm_microseconds_are_scaled_to_nanoseconds_against_the_csv() {
        let key = CellKey {
            machine: 0,
            workload: "w".into(),
            strategy: "static".into(),
            workers: 2,
            placement: "none".into(),
        };
        let row = |p: f64, v: f64| LatencyRow {
            cell: key.clone(),
            metric: "response".into(),
            percentile: p,
            value_ns: v,
        };
        let mut h = BTreeMap::new();
        h.insert(
            (key.file_stem(), "response".to_string()),
            vec![(10.0, 0.5), (250.0, 1.0)],
        );
        h.insert(
            ("other".to_string(), "response".to_string()),
            vec![(7.0, 1.0)],
        );
        // The CSV says p100 = 251 µs: the file is in µs.
        to_nanoseconds(&mut h, &[row(100.0, 251_000.0)], &[]);
        assert_eq!(
            h[&(key.file_stem(), "response".to_string())],
            vec![(10_000.0, 0.5), (250_000.0, 1.0)]
        );
        // No CSV row for it: the runner's unit (µs) is assumed.
        assert_eq!(
            h[&("other".to_string(), "response".to_string())],
            vec![(7_000.0, 1.0)]
        );
        // A file already in ns stays in ns.
        let mut h2 = BTreeMap::new();
        h2.insert(
            (key.file_stem(), "response".to_string()),
            vec![(250_000.0, 1.0)],
        );
        to_nanoseconds(&mut h2, &[], &[row(100.0, 250_100.0)]);
        assert_eq!(
            h2[&(key.file_stem(), "response".to_string())],
            vec![(250_000.0, 1.0)]
        );
    }

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

//! The files of a results folder, and how each is written so that nothing is lost or torn.
//!
//! * Row files (`runs.csv`, `latency.csv`, `workers.csv`) and the per-cell interval logs
//!   (`hgrm/<cell>.hlog`) are appended and flushed after every run. `runs.csv` is written
//!   last for a run: a run counts as done (for `--resume`) once its row is there.
//! * Whole files (`meta.json`, `latency_cells.csv`, `hgrm/<cell>.<metric>.hgrm`) are written
//!   to a temporary name in the same folder and renamed over the old one.

use anyhow::Context;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::record::Latency;

/// The percentiles `latency.csv` and `latency_cells.csv` list.
pub const PERCENTILES: [(&str, f64); 6] = [
    ("50", 50.0),
    ("90", 90.0),
    ("99", 99.0),
    ("99.9", 99.9),
    ("99.99", 99.99),
    ("100", 100.0),
];

/// A row that belongs to one cell of the plan (every row file but `meta.json`).
pub trait CellRow {
    /// The cell this row belongs to.
    fn cell(&self) -> super::plan::Cell;
}

macro_rules! impl_cell_row {
    ($($row:ty),*) => {$(
        impl CellRow for $row {
            fn cell(&self) -> super::plan::Cell {
                super::plan::Cell {
                    workload: self.workload.clone(),
                    strategy: self.strategy.clone(),
                    workers: self.workers,
                    placement: self.placement.clone(),
                }
            }
        }
    )*};
}
impl_cell_row!(RunRow, LatencyRow, WorkerRow);

/// One row of `runs.csv` (column order = field order; the first 13 are the CONTRACT's).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRow {
    /// Workload name.
    pub workload: String,
    /// Canonical strategy name.
    pub strategy: String,
    /// Worker count.
    pub workers: usize,
    /// Canonical placement.
    pub placement: String,
    /// Counted repetition, 0-based.
    pub repetition: usize,
    /// Wall time of the whole batch (the timed region).
    pub makespan_ns: u64,
    /// max(Σ serial task time / p, max serial task time), p = the `cpus` column (workers,
    /// or fewer where workers share CPUs), from the same round's serial run
    /// (serial makespan / p where latency recording, which times the tasks, is off).
    pub lower_bound_ns: u64,
    /// Makespan of the same round's serial run.
    pub serial_ns: u64,
    /// serial_ns / makespan_ns.
    pub speedup: f64,
    /// makespan_ns / lower_bound_ns (1 is perfect).
    pub lb_ratio: f64,
    /// Successful steals (empty for serial and rayon).
    pub steals: Option<u64>,
    /// Tasks that started off their worker's pinned CPU (empty when latency is off).
    pub migrations: Option<u64>,
    /// Checksum equal to the serial one.
    pub checksum_ok: bool,
    /// Steal attempts that found nothing.
    pub failed_steals: Option<u64>,
    /// Times workers went to sleep.
    pub parks: Option<u64>,
    /// Σ worker busy time.
    pub busy_ns: Option<u64>,
    /// Σ worker idle time.
    pub idle_ns: Option<u64>,
    /// Tasks run.
    pub tasks: u64,
    /// Task count of the workload.
    pub size: usize,
    /// Pool creation inside the timed region.
    pub pool_in_timing: bool,
    /// Latency recording on.
    pub latency: bool,
    /// The run's checksum (hex).
    pub checksum: String,
    /// Σ per-task service time (serial rows: the sum the lower bounds use).
    pub task_sum_ns: Option<u64>,
    /// Longest task's service time (serial rows: the max the lower bounds use).
    pub task_max_ns: Option<u64>,
    /// The size sweep this workload belongs to (empty if none).
    pub sweep: String,
    /// How many workers could run at once (distinct CPUs; the p of the lower bound).
    #[serde(default)]
    pub cpus: usize,
}

/// One row of `latency.csv` / `latency_cells.csv`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LatencyRow {
    /// Workload name.
    pub workload: String,
    /// Strategy.
    pub strategy: String,
    /// Worker count.
    pub workers: usize,
    /// Placement.
    pub placement: String,
    /// Repetition, or `all` in `latency_cells.csv`.
    pub repetition: String,
    /// wait | service | response.
    pub metric: String,
    /// 50, 90, 99, 99.9, 99.99, 100.
    pub percentile: String,
    /// Value at that percentile (ns; HdrHistogram's highest equivalent value).
    pub value_ns: u64,
}

/// One row of `workers.csv`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkerRow {
    /// Workload name.
    pub workload: String,
    /// Strategy.
    pub strategy: String,
    /// Worker count.
    pub workers: usize,
    /// Placement.
    pub placement: String,
    /// Repetition.
    pub repetition: usize,
    /// Worker index.
    pub worker: usize,
    /// OS CPU the worker was pinned to (empty if not pinned).
    pub cpu: Option<usize>,
    /// Busy time (pool: the scheduler's count; rayon and serial: Σ service time).
    pub busy_ns: Option<u64>,
    /// Idle time: makespan − busy (the batch time this worker did not run tasks).
    pub idle_ns: Option<u64>,
    /// Tasks the worker ran.
    pub tasks: Option<u64>,
    /// Successful steals by this worker.
    pub steals: Option<u64>,
    /// Times this worker went to sleep.
    pub parks: Option<u64>,
}

/// The CSV header of a row type (serde field names, in order).
pub fn header<T: Serialize + Default>() -> Vec<String> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(true)
        .from_writer(Vec::new());
    w.serialize(T::default())
        .expect("serializing a default row");
    let bytes = w.into_inner().expect("in-memory writer");
    let text = String::from_utf8(bytes).expect("utf-8");
    text.lines()
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::to_string)
        .collect()
}

macro_rules! default_row {
    ($t:ty, $($f:ident : $v:expr),*) => {
        impl Default for $t { fn default() -> Self { Self { $($f: $v),* } } }
    };
}
default_row!(RunRow, workload: String::new(), strategy: String::new(), workers: 0, placement: String::new(),
    repetition: 0, makespan_ns: 0, lower_bound_ns: 0, serial_ns: 0, speedup: 0.0, lb_ratio: 0.0, steals: None,
    migrations: None, checksum_ok: false, failed_steals: None, parks: None, busy_ns: None, idle_ns: None,
    tasks: 0, size: 0, pool_in_timing: false, latency: false, checksum: String::new(), task_sum_ns: None,
    task_max_ns: None, sweep: String::new(), cpus: 0);
default_row!(LatencyRow, workload: String::new(), strategy: String::new(), workers: 0, placement: String::new(),
    repetition: String::new(), metric: String::new(), percentile: String::new(), value_ns: 0);
default_row!(WorkerRow, workload: String::new(), strategy: String::new(), workers: 0, placement: String::new(),
    repetition: 0, worker: 0, cpu: None, busy_ns: None, idle_ns: None, tasks: None, steals: None, parks: None);

/// A CSV file that rows are appended to and flushed after each run.
pub struct Appender {
    path: PathBuf,
    writer: csv::Writer<File>,
}

impl Appender {
    /// Opens (creating with a header if empty) a row file.
    pub fn open<T: Serialize + Default>(path: &Path) -> anyhow::Result<Appender> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {} for appending", path.display()))?;
        let empty = file.metadata()?.len() == 0;
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(file);
        if empty {
            writer.write_record(header::<T>())?;
            writer.flush()?;
        }
        Ok(Appender {
            path: path.to_path_buf(),
            writer,
        })
    }

    /// Appends rows (not yet flushed).
    pub fn push<T: Serialize>(&mut self, rows: &[T]) -> anyhow::Result<()> {
        for r in rows {
            self.writer
                .serialize(r)
                .with_context(|| format!("writing {}", self.path.display()))?;
        }
        Ok(())
    }

    /// Flushes to the OS.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.writer
            .flush()
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

/// Reads every row of a CSV file (empty if the file does not exist).
pub fn read_rows<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<T>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, row) in r.deserialize().enumerate() {
        out.push(row.with_context(|| format!("{}: row {}", path.display(), i + 2))?);
    }
    Ok(out)
}

/// Writes a whole file: temporary name in the same folder, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

/// Writes whole rows as a CSV file, atomically.
pub fn write_rows_atomic<T: Serialize + Default>(path: &Path, rows: &[T]) -> anyhow::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(header::<T>())?;
    for r in rows {
        w.serialize(r)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    write_atomic(path, &bytes)
}

/// Percentile rows of a histogram set.
pub fn latency_rows(key: &[String; 4], repetition: &str, lat: &Latency) -> Vec<LatencyRow> {
    let mut rows = Vec::new();
    for (metric, h) in lat.by_metric() {
        if h.is_empty() {
            continue;
        }
        for (name, p) in PERCENTILES {
            rows.push(LatencyRow {
                workload: key[0].clone(),
                strategy: key[1].clone(),
                workers: key[2].parse().unwrap_or(0),
                placement: key[3].clone(),
                repetition: repetition.to_string(),
                metric: metric.to_string(),
                percentile: name.to_string(),
                value_ns: crate::hdr::value_at_percentile(h, p),
            });
        }
    }
    rows
}

/// Values in `.hgrm` files are microseconds (ns / 1000), as HdrHistogram's plotter expects
/// a human unit; the CSV files stay in ns.
pub const HGRM_UNIT_RATIO: f64 = 1000.0;

/// HdrHistogram's percentile-distribution text, identical to Java's
/// `outputPercentileDistribution` with 5 ticks per half distance (see [`crate::hdr`]),
/// after a `# Value unit: …` comment line.
///
/// ```
/// let mut h = experiments::run::record::new_histogram();
/// for v in 1..=100u64 { h.record(v * 1000).unwrap(); }
/// let text = experiments::run::output::percentile_distribution(&h, 1000.0);
/// assert!(text.starts_with("# Value unit: µs (ns / 1000)\n       Value     Percentile TotalCount 1/(1-Percentile)"));
/// assert!(text.contains("#[Max     =      100.031, Total count    =          100]"));
/// ```
pub fn percentile_distribution(h: &Histogram<u64>, unit_ratio: f64) -> String {
    let unit = if unit_ratio == 1000.0 {
        "µs (ns / 1000)".to_string()
    } else {
        format!("ns / {unit_ratio}")
    };
    crate::hdr::percentile_distribution_with_unit(h, 5, unit_ratio, &unit)
}

/// Appends one run's three histograms to a cell's interval log (V2 + DEFLATE), tagged by
/// metric and preceded by a `#repetition=R` comment. A new file gets the log's header.
///
/// One log carries all three metrics (tags `wait`, `service`, `response`): a reader must
/// select intervals by tag (Java's `HistogramLogProcessor -tag service`); one that ignores
/// tags adds the three and reports three times the task count, in a mixture of metrics.
///
/// The log's `#[StartTime]` is the start of the cell's first run; each interval starts at
/// its run's start, relative to it.
pub fn append_hlog(
    path: &Path,
    run_started: std::time::SystemTime,
    makespan: Duration,
    repetition: usize,
    lat: &Latency,
) -> anyhow::Result<()> {
    let new = !path.exists() || std::fs::metadata(path)?.len() == 0;
    let log_start = if new {
        run_started
    } else {
        hlog_start_time(path).unwrap_or(run_started)
    };
    let since_start = run_started.duration_since(log_start).unwrap_or_default();
    let mut buf = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    let mut builder = IntervalLogWriterBuilder::new();
    if new {
        builder
            .add_comment("wsbench interval log: one interval per (repetition, metric); values in ns")
            .add_comment("tags: wait (batch start -> task start), service (task start -> end), response (batch start -> task end)")
            .with_start_time(log_start);
    }
    {
        let mut w = builder.begin_log_with(&mut buf, &mut serializer)?;
        w.write_comment(&format!("repetition={repetition}"))?;
        for (metric, h) in lat.by_metric() {
            w.write_histogram(h, since_start, makespan, Tag::new(metric))
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    f.write_all(&buf)?;
    f.flush()?;
    Ok(())
}

/// The `#[StartTime: …]` of an interval log.
fn hlog_start_time(path: &Path) -> Option<std::time::SystemTime> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text
        .lines()
        .take(10)
        .find_map(|l| l.strip_prefix("#[StartTime: "))?;
    let secs: f64 = line.split_whitespace().next()?.parse().ok()?;
    Some(std::time::UNIX_EPOCH + Duration::from_secs_f64(secs))
}

/// Reads a cell's interval log back: `(repetition, metric histograms)` per run.
pub fn read_hlog(path: &Path) -> anyhow::Result<Vec<(usize, Latency)>> {
    use base64::Engine;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    use hdrhistogram::serialization::Deserializer;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    // Repetition comments, in order; each precedes its run's three intervals.
    let reps: Vec<usize> = text
        .lines()
        .filter_map(|l| l.strip_prefix("#repetition="))
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let mut out: Vec<(usize, Latency)> = Vec::new();
    let mut seen = 0usize;
    let mut de = Deserializer::new();
    for entry in IntervalLogIterator::new(&bytes) {
        let entry =
            entry.map_err(|e| anyhow::anyhow!("{}: bad interval log: {e:?}", path.display()))?;
        if let LogEntry::Interval(iv) = entry {
            let metric = iv.tag().map(|t| t.as_str().to_string()).unwrap_or_default();
            let raw = base64::engine::general_purpose::STANDARD
                .decode(iv.encoded_histogram())
                .with_context(|| format!("{}: bad base64", path.display()))?;
            let h: Histogram<u64> = de
                .deserialize(&mut raw.as_slice())
                .map_err(|e| anyhow::anyhow!("{}: bad histogram: {e}", path.display()))?;
            if metric == "wait" {
                let rep = reps.get(seen).copied().unwrap_or(seen);
                seen += 1;
                out.push((rep, Latency::default()));
            }
            let Some((_, lat)) = out.last_mut() else {
                continue;
            };
            if let Some(slot) = lat.metric_mut(&metric) {
                slot.add(&h)
                    .map_err(|e| anyhow::anyhow!("{}: {e:?}", path.display()))?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Latency {
        let mut l = Latency::default();
        for v in 1..=1000u64 {
            l.wait.record(v * 10).unwrap();
            l.service.record(v * 1000).unwrap();
            l.response.record(v * 1010).unwrap();
        }
        l
    }

    #[test]
    fn headers_follow_the_contract() {
        let h = header::<RunRow>().join(",");
        assert!(h.starts_with("workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,speedup,lb_ratio,steals,migrations,checksum_ok,failed_steals,parks,busy_ns,idle_ns,tasks,size,pool_in_timing,latency,checksum"), "{h}");
        assert_eq!(
            header::<LatencyRow>().join(","),
            "workload,strategy,workers,placement,repetition,metric,percentile,value_ns"
        );
        assert_eq!(header::<WorkerRow>().join(","), "workload,strategy,workers,placement,repetition,worker,cpu,busy_ns,idle_ns,tasks,steals,parks");
    }

    #[test]
    fn hgrm_has_rows_and_footer() {
        let l = sample();
        let text = percentile_distribution(&l.service, HGRM_UNIT_RATIO);
        let rows: Vec<&str> = text
            .lines()
            .skip(2)
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        let last: Vec<&str> = rows.last().unwrap().split_whitespace().collect();
        assert_eq!(last.len(), 3);
        assert_eq!(last[1].parse::<f64>().unwrap(), 1.0);
        assert_eq!(last[2], "1000");
        let mean_line = text.lines().find(|l| l.starts_with("#[Mean    =")).unwrap();
        let mean: f64 = mean_line["#[Mean    =".len()..]
            .split(',')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!((mean - 500.5).abs() < 1.0, "{mean_line}");
        assert!(text.contains("Total count    =         1000]"), "{text}");
        assert!(text.contains("SubBuckets     =         2048]"));
    }

    #[test]
    fn hlog_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.hlog");
        let l = sample();
        let t0 = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        append_hlog(&path, t0, Duration::from_millis(2), 0, &l).unwrap();
        append_hlog(
            &path,
            t0 + Duration::from_secs(3),
            Duration::from_millis(2),
            1,
            &l,
        )
        .unwrap();
        let back = read_hlog(&path).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].0, 1);
        assert_eq!(back[0].1.response, l.response);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("#[StartTime").count(), 1);
        assert!(text.contains("Tag=response,3.000,"), "{text}");
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

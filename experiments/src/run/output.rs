//! The histogram files of a results folder (their paths, row files and units are
//! [`wsbench_schema`]'s): percentile rows of a run's histograms, the `.hgrm` text, and the
//! per-cell interval logs (`hgrm/<cell>.hlog`), appended and flushed after every run.

use anyhow::Context;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::Histogram;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use wsbench_schema::units::PERCENTILES;
use wsbench_schema::LatencyRow;

use super::record::Latency;

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

/// HdrHistogram's percentile-distribution text, identical to Java's
/// `outputPercentileDistribution` with 5 ticks per half distance (see [`crate::hdr`]),
/// after a `# Value unit: …` comment line.
///
/// ```
/// let mut h = wsbench::run::record::new_histogram();
/// for v in 1..=100u64 { h.record(v * 1000).unwrap(); }
/// let text = wsbench::run::output::percentile_distribution(&h, wsbench_schema::units::HGRM_NS_PER_UNIT);
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
    // All of the run's intervals or none: a failed write (a full disk) is cut back off.
    let before = f.metadata().map(|m| m.len());
    if let Err(e) = f.write_all(&buf) {
        if let Ok(len) = before {
            let _ = f.set_len(len);
        }
        return Err(anyhow::Error::new(e).context(format!("writing {}", path.display())));
    }
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
///
/// Each interval belongs to the `#repetition=R` comment above it, and a run to the
/// `wait` interval that starts it: a run cut off mid-write (a kill) leaves at most a
/// comment or part of its intervals, which never shifts a later run's repetition.
pub fn read_hlog(path: &Path) -> anyhow::Result<Vec<(usize, Latency)>> {
    use base64::Engine;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    use hdrhistogram::serialization::Deserializer;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out: Vec<(usize, Latency)> = Vec::new();
    let mut repetition: Option<usize> = None;
    let mut de = Deserializer::new();
    // Lines with their newline: the iterator needs it.
    for (k, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if let Some(r) = line.strip_prefix(b"#repetition=") {
            repetition = std::str::from_utf8(r)
                .ok()
                .and_then(|r| r.trim().parse().ok());
            continue;
        }
        if line.trim_ascii().is_empty() || line.starts_with(b"#") || line.starts_with(b"\"") {
            continue;
        }
        let bad = |what: String| anyhow::anyhow!("{}:{}: {what}", path.display(), k + 1);
        // One interval line alone is a log the iterator reads (no start time is needed:
        // only the histogram and its tag are used here).
        let Some(entry) = IntervalLogIterator::new(line).next() else {
            continue;
        };
        let LogEntry::Interval(iv) = entry.map_err(|e| bad(format!("bad interval log: {e:?}")))?
        else {
            continue;
        };
        let metric = iv.tag().map(|t| t.as_str().to_string()).unwrap_or_default();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(iv.encoded_histogram())
            .map_err(|e| bad(format!("bad base64: {e}")))?;
        let h: Histogram<u64> = de
            .deserialize(&mut raw.as_slice())
            .map_err(|e| bad(format!("bad histogram: {e}")))?;
        if metric == wsbench_schema::units::WAIT {
            out.push((repetition.unwrap_or(out.len()), Latency::default()));
        }
        let Some((_, lat)) = out.last_mut() else {
            continue;
        };
        if let Some(slot) = lat.metric_mut(&metric) {
            slot.add(&h).map_err(|e| bad(format!("{e:?}")))?;
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
    fn hgrm_has_rows_and_footer() {
        let l = sample();
        let text = percentile_distribution(&l.service, wsbench_schema::units::HGRM_NS_PER_UNIT);
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
    fn a_run_cut_off_after_its_comment_does_not_shift_later_repetitions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.hlog");
        let t0 = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let (mut a, mut b) = (Latency::default(), Latency::default());
        a.wait.record(10).unwrap();
        b.wait.record(20).unwrap();
        append_hlog(&path, t0, Duration::from_millis(2), 0, &a).unwrap();
        // A run of repetition 1 killed right after its comment, then run again; then 2.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"#repetition=1\n").unwrap();
        append_hlog(&path, t0, Duration::from_millis(2), 1, &a).unwrap();
        append_hlog(&path, t0, Duration::from_millis(2), 2, &b).unwrap();
        let back = read_hlog(&path).unwrap();
        let reps: Vec<usize> = back.iter().map(|(r, _)| *r).collect();
        assert_eq!(reps, [0, 1, 2]);
        assert_eq!(back[2].1.wait, b.wait);
    }
}

//! The table printed at the end of a sweep: per workload, strategy × workers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use wsbench_schema::RunRow;

/// Median of a non-empty slice (mean of the two middle values for even lengths).
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// A duration in ns as a short human string (`812.3 ms`).
///
/// ```
/// assert_eq!(wsbench::run::summary::human_ns(812_300_000.0), "812.3 ms");
/// ```
pub fn human_ns(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    let (v, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{v:.1} {unit}")
}

/// Counted runs of one (workload, placement), by (strategy rank, workers).
type Group<'a> = BTreeMap<(usize, usize), Vec<&'a RunRow>>;

/// The summary table: medians over each cell's counted runs. `p99` gives a run's p99
/// response time (ns) where latency was recorded; the column "median run p99 response"
/// is the median over the cell's runs of each run's own p99 (not the p99 of all runs'
/// tasks pooled, which the report calls "pooled p99 response"). Response runs from the
/// batch start to a task's end, so its tail restates when the last tasks finish.
/// `order` and `placements` list the strategies and placements in config order.
pub fn table(
    rows: &[RunRow],
    order: &[String],
    placements: &[String],
    p99: impl Fn(&RunRow) -> Option<u64>,
) -> String {
    // (workload, placement) → (strategy rank, workers) → rows
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut workload_order: Vec<String> = Vec::new();
    for r in rows {
        if !workload_order.contains(&r.workload) {
            workload_order.push(r.workload.clone());
        }
        let rank = order
            .iter()
            .position(|s| *s == r.strategy)
            .unwrap_or(usize::MAX);
        groups
            .entry((r.workload.clone(), r.placement.clone()))
            .or_default()
            .entry((rank, r.workers))
            .or_default()
            .push(r);
    }
    let mut out = String::new();
    let mut keys: Vec<&(String, String)> = groups.keys().collect();
    keys.sort_by_key(|(w, p)| {
        (
            workload_order.iter().position(|x| x == w),
            placements.iter().position(|x| x == p),
        )
    });
    for key in keys {
        let cells = &groups[key];
        let reps = cells.values().map(|v| v.len()).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "\n{} · placement {} · median of {} repetitions",
            key.0, key.1, reps
        );
        let _ = writeln!(
            out,
            "| strategy | workers | makespan | speedup | lb_ratio | median run p99 response |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|");
        for ((_, workers), runs) in cells {
            let mut ms: Vec<f64> = runs.iter().map(|r| r.makespan_ns as f64).collect();
            let mut sp: Vec<f64> = runs.iter().filter_map(|r| r.speedup).collect();
            let mut lb: Vec<f64> = runs.iter().filter_map(|r| r.lb_ratio).collect();
            let mut p: Vec<f64> = runs
                .iter()
                .filter_map(|r| p99(r))
                .map(|v| v as f64)
                .collect();
            let p = if p.is_empty() {
                "-".to_string()
            } else {
                human_ns(median(&mut p))
            };
            let bad = runs.iter().filter(|r| r.checksum_ok == Some(false)).count();
            let flag = if bad > 0 {
                format!(" ({bad} CHECKSUM MISMATCH)")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {:.2} | {:.2} | {} |",
                runs[0].strategy,
                flag,
                workers,
                human_ns(median(&mut ms)),
                median(&mut sp),
                median(&mut lb),
                p
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_units() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(human_ns(812_300_000.0), "812.3 ms");
        assert_eq!(human_ns(1500.0), "1.5 µs");
    }

    #[test]
    fn table_groups_by_workload_and_orders_strategies() {
        let row = |s: &str, w: usize, m: u64| RunRow {
            workload: "w".into(),
            strategy: s.into(),
            workers: w,
            placement: "none".into(),
            makespan_ns: m,
            speedup: Some(1.0),
            lb_ratio: Some(1.0),
            checksum_ok: Some(true),
            ..RunRow::default()
        };
        let rows = vec![
            row("static", 2, 10),
            row("serial", 1, 20),
            row("static", 1, 20),
        ];
        let t = table(
            &rows,
            &["serial".into(), "static".into()],
            &["none".into()],
            |_| Some(1000),
        );
        let serial = t.find("| serial").unwrap();
        let static1 = t.find("| static | 1").unwrap();
        assert!(
            serial < static1 && static1 < t.find("| static | 2").unwrap(),
            "{t}"
        );
        assert!(t.contains("1.0 µs"));
    }
}

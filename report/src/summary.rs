//! One summary per cell: the numbers every table and figure is drawn from.
//!
//! Runs whose checksum did not match serial are left out of every statistic
//! (and counted, so the report can say so): a wrong answer has no speed.

use super::intervals::{median_interval, MedianInterval, MEDIAN_CI_LEVEL};
use super::load::{CellKey, Keyed, ResultsDir};
use super::stats::median;
use std::collections::BTreeMap;
use wsbench_schema::units::RESPONSE;
use wsbench_schema::{LatencyRow, RunRow};

/// Summary of one cell over its repetitions.
#[derive(Debug, Clone)]
pub struct CellSummary {
    /// The cell.
    pub key: CellKey,
    /// Makespans of the counted runs whose checksum was not reported wrong.
    pub makespans: Vec<f64>,
    /// Median makespan.
    pub median_ns: f64,
    /// Order-statistic interval of the median makespan, with the level it really has.
    pub ci_ns: MedianInterval,
    /// (repetition, makespan) of the same runs: one per round, to pair with other cells.
    pub rounds: Vec<(String, f64)>,
    /// Fastest run.
    pub min_ns: f64,
    /// Slowest run.
    pub max_ns: f64,
    /// Speedup over serial (serial of the same family: `serial` for Rust
    /// strategies, `py-serial` for `py-*`): the median of runs.csv's per-run
    /// `speedup` (serial of the same round ÷ makespan, which cancels slow drift)
    /// when every counted run has one, else median serial ÷ median makespan.
    pub speedup: Option<f64>,
    /// Interval of that median (per-round ratios) when every counted run has a `speedup`.
    pub speedup_ci: Option<MedianInterval>,
    /// Median of makespan / lower bound.
    pub lb_ratio: Option<f64>,
    /// Median steals per run.
    pub steals: Option<f64>,
    /// Median-of-cell p50 response latency (merged histogram when available).
    pub p50_response_ns: Option<f64>,
    /// p99 response latency.
    pub p99_response_ns: Option<f64>,
    /// Runs left out because their checksum did not match.
    pub checksum_failures: usize,
    /// Task count of the workload, when recorded.
    pub size: Option<u64>,
    /// Whether pool creation was timed, when recorded.
    pub pool_in_timing: Option<bool>,
    /// The size sweep the workload belongs to (runs.csv's `sweep` column), if any.
    pub sweep: Option<String>,
}

/// Where a strategy sorts: the order a reader expects (serial first, then from
/// static to dynamic to stealing, baselines last).
pub fn strategy_rank(strategy: &str) -> (u8, String) {
    let family = strategy.split(':').next().unwrap_or(strategy);
    let rank = match family {
        "serial" => 0,
        "static" => 1,
        "static-cyclic" => 2,
        "dynamic" => 3,
        "guided" => 4,
        "work-stealing" => 5,
        "adaptive" => 6,
        "rayon" => 7,
        "rayon-fine" => 8,
        "py-serial" => 10,
        "py-threads" => 11,
        "py-processes" => 12,
        "py-pool" => 13,
        "py-pool-1" => 14,
        _ => 9,
    };
    // Pad numeric suffixes so dynamic:4 sorts before dynamic:16.
    let suffix = strategy
        .split_once(':')
        .map(|(_, s)| format!("{s:>8}"))
        .unwrap_or_default();
    (rank, suffix)
}

/// The serial strategy a strategy's speedup is measured against.
pub fn serial_of(strategy: &str) -> &'static str {
    if strategy.starts_with("py-") {
        "py-serial"
    } else {
        "serial"
    }
}

/// Whether a strategy is a serial baseline.
pub fn is_serial(strategy: &str) -> bool {
    strategy == "serial" || strategy == "py-serial"
}

/// Sort key for cells: machine, workload (first appearance), workers, strategy, placement.
fn sort_cells(cells: &mut [CellSummary], workload_order: &BTreeMap<(usize, String), usize>) {
    cells.sort_by(|a, b| {
        let wa = workload_order.get(&(a.key.machine, a.key.workload.clone()));
        let wb = workload_order.get(&(b.key.machine, b.key.workload.clone()));
        (
            a.key.machine,
            wa,
            a.key.workers,
            strategy_rank(&a.key.strategy),
            &a.key.placement,
        )
            .cmp(&(
                b.key.machine,
                wb,
                b.key.workers,
                strategy_rank(&b.key.strategy),
                &b.key.placement,
            ))
    });
}

/// Summarises every cell of every folder, in reading order.
pub fn summarise(dirs: &[ResultsDir]) -> Vec<CellSummary> {
    // A cell is (workload, strategy, workers, placement); rows that differ only in
    // pool_in_timing are still kept apart, as they measure different things.
    let mut by_cell: BTreeMap<(CellKey, Option<bool>), Vec<&Keyed<RunRow>>> = BTreeMap::new();
    let mut workload_order = BTreeMap::new();
    for d in dirs {
        for r in &d.runs {
            let n = workload_order.len();
            workload_order
                .entry((r.cell.machine, r.cell.workload.clone()))
                .or_insert(n);
            by_cell
                .entry((r.cell.clone(), r.pool_in_timing))
                .or_default()
                .push(r);
        }
    }
    let latency = latency_lookup(dirs);
    let mut cells: Vec<CellSummary> = by_cell
        .into_iter()
        .filter_map(|((key, _), rows)| summarise_cell(key, &rows, &latency))
        .collect();
    // Speedups need every serial median first.
    let serial: BTreeMap<(usize, String, String, String), f64> = cells
        .iter()
        .filter(|c| is_serial(&c.key.strategy))
        .map(|c| {
            (
                (
                    c.key.machine,
                    c.key.workload.clone(),
                    c.key.strategy.clone(),
                    c.key.placement.clone(),
                ),
                c.median_ns,
            )
        })
        .collect();
    for c in &mut cells {
        let family = serial_of(&c.key.strategy).to_string();
        let exact = serial.get(&(
            c.key.machine,
            c.key.workload.clone(),
            family.clone(),
            c.key.placement.clone(),
        ));
        // Serial is often run under one placement only: fall back to any.
        let any = || {
            serial
                .iter()
                .find(|((m, w, s, _), _)| {
                    *m == c.key.machine && *w == c.key.workload && *s == family
                })
                .map(|(_, v)| v)
        };
        if c.speedup.is_none() {
            c.speedup = exact.or_else(any).map(|s| s / c.median_ns);
        }
    }
    sort_cells(&mut cells, &workload_order);
    cells
}

/// (cell, percentile) → response latency, preferring the merged `latency_cells.csv`,
/// else the median over runs of `latency.csv`.
fn latency_lookup(dirs: &[ResultsDir]) -> BTreeMap<(CellKey, u32), f64> {
    let mut out = BTreeMap::new();
    // Percentiles were checked to be numbers when the folder was read.
    let pkey = |p: Option<f64>| (p.unwrap_or(f64::NAN) * 100.0).round() as u32;
    for d in dirs {
        if !d.latency_cells.is_empty() {
            for r in d.latency_cells.iter().filter(|r| r.metric == RESPONSE) {
                out.insert((r.cell.clone(), pkey(r.percent())), r.value_ns as f64);
            }
        } else {
            let mut per: BTreeMap<(CellKey, u32), Vec<f64>> = BTreeMap::new();
            for r in d
                .latency
                .iter()
                .filter(|r: &&Keyed<LatencyRow>| r.metric == RESPONSE)
            {
                per.entry((r.cell.clone(), pkey(r.percent())))
                    .or_default()
                    .push(r.value_ns as f64);
            }
            for (k, v) in per {
                out.insert(k, median(&v).expect("non-empty"));
            }
        }
    }
    out
}

fn summarise_cell(
    key: CellKey,
    rows: &[&Keyed<RunRow>],
    latency: &BTreeMap<(CellKey, u32), f64>,
) -> Option<CellSummary> {
    let good: Vec<&&Keyed<RunRow>> = rows
        .iter()
        .filter(|r| r.checksum_ok != Some(false))
        .collect();
    let checksum_failures = rows.len() - good.len();
    let makespans: Vec<f64> = good.iter().map(|r| r.makespan_ns as f64).collect();
    let median_ns = median(&makespans)?;
    let ci_ns = median_interval(&makespans, MEDIAN_CI_LEVEL)?;
    let min_ns = makespans.iter().copied().fold(f64::INFINITY, f64::min);
    let max_ns = makespans.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lb: Vec<f64> = good
        .iter()
        .filter_map(|r| {
            r.lb_ratio.or_else(|| {
                r.lower_bound_ns
                    .filter(|lb| *lb > 0)
                    .map(|lb| r.makespan_ns as f64 / lb as f64)
            })
        })
        .collect();
    let steals: Vec<f64> = good
        .iter()
        .filter_map(|r| r.steals)
        .map(|s| s as f64)
        .collect();
    let per_run_speedup: Vec<f64> = good.iter().filter_map(|r| r.speedup).collect();
    let (speedup, speedup_ci) = if per_run_speedup.len() == good.len() {
        (
            median(&per_run_speedup),
            median_interval(&per_run_speedup, MEDIAN_CI_LEVEL),
        )
    } else {
        (None, None) // filled in from the serial medians by `summarise`
    };
    Some(CellSummary {
        p50_response_ns: latency.get(&(key.clone(), 5000)).copied(),
        p99_response_ns: latency.get(&(key.clone(), 9900)).copied(),
        size: rows.iter().find_map(|r| r.size).map(|s| s as u64),
        pool_in_timing: rows.iter().find_map(|r| r.pool_in_timing),
        sweep: rows.iter().find_map(|r| r.sweep.clone()),
        key,
        median_ns,
        ci_ns,
        min_ns,
        max_ns,
        speedup,
        speedup_ci,
        rounds: good
            .iter()
            .map(|r| (r.repetition.to_string(), r.makespan_ns as f64))
            .collect(),
        lb_ratio: median(&lb),
        steals: median(&steals),
        checksum_failures,
        makespans,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_sort_in_reading_order() {
        let mut s = vec![
            "adaptive",
            "dynamic:16",
            "serial",
            "py-pool",
            "dynamic:1",
            "static",
            "rayon",
        ];
        s.sort_by_key(|x| strategy_rank(x));
        assert_eq!(
            s,
            vec![
                "serial",
                "static",
                "dynamic:1",
                "dynamic:16",
                "adaptive",
                "rayon",
                "py-pool"
            ]
        );
    }
}

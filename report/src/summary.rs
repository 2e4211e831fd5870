//! One summary per cell: the numbers every table and figure is drawn from.
//!
//! Runs whose checksum did not match serial are left out of every statistic
//! (and counted, so the report can say so): a wrong answer has no speed.

use super::bound::{allowed_cpus, usable_cpus, Bases};
use super::intervals::{median_interval, paired_ratio_interval, MedianInterval, MEDIAN_CI_LEVEL};
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
    /// strategies, `py-serial` for `py-*`; under the same placement where it ran, else
    /// the placement it ran under): the median over rounds of serial ÷ makespan, each
    /// run paired with the serial run of its round (which cancels slow drift); median
    /// serial ÷ median makespan where no round pairs them.
    pub speedup: Option<f64>,
    /// Order-statistic interval of that median (over the paired rounds).
    pub speedup_ci: Option<MedianInterval>,
    /// Median over runs of makespan ÷ lower bound ([`crate::bound`]: one bound per cell
    /// from every serial round; runs.csv's per-round `lb_ratio` where the folder has no
    /// serial runs for this workload).
    pub lb_ratio: Option<f64>,
    /// Order-statistic interval of that median (the bound held fixed).
    pub lb_ratio_ci: Option<MedianInterval>,
    /// The lower bound used (ns), when built from the serial runs.
    pub lower_bound_ns: Option<f64>,
    /// The placement of the serial runs the bound (and speedup) came from, when it
    /// differs from this cell's.
    pub serial_placement: Option<String>,
    /// Median steals per run.
    pub steals: Option<f64>,
    /// Median over runs of LB4OMP's percent imbalance of the workers' finishing times
    /// (runs.csv's `percent_imbalance`; with latency recording on and p > 1 only).
    pub percent_imbalance: Option<f64>,
    /// Median over runs of the coefficient of variation of per-worker busy time
    /// (runs.csv's `cov`; with latency recording on only).
    pub cov: Option<f64>,
    /// p50 response latency (batch start → task end): of the histogram pooled over every
    /// repetition (`latency_cells.csv`) when [`Self::pooled_response`], else the median
    /// over runs of each run's p50 (`latency.csv`).
    pub p50_response_ns: Option<f64>,
    /// p99 response latency, from the same source as the p50.
    pub p99_response_ns: Option<f64>,
    /// Whether the response percentiles are of the pooled histogram (`latency_cells.csv`)
    /// rather than medians of per-run percentiles.
    pub pooled_response: bool,
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
    let bases = Bases::of(dirs);
    let allowed: Vec<Option<usize>> = dirs.iter().map(allowed_cpus).collect();
    let mut cells: Vec<CellSummary> = by_cell
        .into_iter()
        .filter_map(|((key, _), rows)| {
            let p = usable_cpus(&rows, allowed.get(key.machine).copied().flatten());
            let basis = bases.for_cell(&key);
            let bound = basis.map(|b| b.bound_ns(p)).filter(|b| *b > 0.0);
            let pooled = dirs
                .get(key.machine)
                .is_some_and(|d| !d.latency_cells.is_empty());
            let mut cell = summarise_cell(key, &rows, &latency, bound, pooled)?;
            cell.serial_placement = basis
                .map(|b| b.placement.clone())
                .filter(|sp| *sp != cell.key.placement);
            Some(cell)
        })
        .collect();
    add_speedups(&mut cells);
    sort_cells(&mut cells, &workload_order);
    cells
}

/// Fills in every cell's speedup from its serial cell (same family and folder, the same
/// placement where serial ran under it, else the first placement serial ran under):
/// paired by round where every run has its round's serial run, else the ratio of medians.
fn add_speedups(cells: &mut [CellSummary]) {
    type Key = (usize, String, String, String);
    let serial: BTreeMap<Key, (f64, Vec<(String, f64)>)> = cells
        .iter()
        .filter(|c| is_serial(&c.key.strategy))
        .map(|c| {
            let k = &c.key;
            let key = (
                k.machine,
                k.workload.clone(),
                k.strategy.clone(),
                k.placement.clone(),
            );
            (key, (c.median_ns, c.rounds.clone()))
        })
        .collect();
    for c in cells.iter_mut() {
        let family = serial_of(&c.key.strategy).to_string();
        let exact = (
            c.key.machine,
            c.key.workload.clone(),
            family.clone(),
            c.key.placement.clone(),
        );
        let found = serial.get(&exact).or_else(|| {
            serial
                .iter()
                .find(|((m, w, s, _), _)| {
                    *m == c.key.machine && *w == c.key.workload && *s == family
                })
                .map(|(_, v)| v)
        });
        let Some((serial_median, serial_rounds)) = found else {
            continue;
        };
        // Paired only when every counted run has its round's serial run.
        match paired_ratio_interval(serial_rounds, &c.rounds, MEDIAN_CI_LEVEL)
            .filter(|r| r.interval.n == c.rounds.len())
        {
            Some(r) => {
                c.speedup = Some(r.median);
                c.speedup_ci = Some(r.interval);
            }
            None => c.speedup = Some(serial_median / c.median_ns),
        }
    }
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

/// One cell's summary; `bound` is its lower bound from every serial round, when the folder
/// has serial runs for its workload (else runs.csv's per-round `lb_ratio` is used).
fn summarise_cell(
    key: CellKey,
    rows: &[&Keyed<RunRow>],
    latency: &BTreeMap<(CellKey, u32), f64>,
    bound: Option<f64>,
    pooled: bool,
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
    let lb: Vec<f64> = match bound {
        Some(b) => makespans.iter().map(|m| m / b).collect(),
        None => good
            .iter()
            .filter_map(|r| {
                r.lb_ratio.or_else(|| {
                    r.lower_bound_ns
                        .filter(|lb| *lb > 0)
                        .map(|lb| r.makespan_ns as f64 / lb as f64)
                })
            })
            .collect(),
    };
    let steals: Vec<f64> = good
        .iter()
        .filter_map(|r| r.steals)
        .map(|s| s as f64)
        .collect();
    let imbalance: Vec<f64> = good.iter().filter_map(|r| r.percent_imbalance).collect();
    let cov: Vec<f64> = good.iter().filter_map(|r| r.cov).collect();
    Some(CellSummary {
        p50_response_ns: latency.get(&(key.clone(), 5000)).copied(),
        p99_response_ns: latency.get(&(key.clone(), 9900)).copied(),
        pooled_response: pooled,
        size: rows.iter().find_map(|r| r.size).map(|s| s as u64),
        pool_in_timing: rows.iter().find_map(|r| r.pool_in_timing),
        sweep: rows.iter().find_map(|r| r.sweep.clone()),
        key,
        median_ns,
        ci_ns,
        min_ns,
        max_ns,
        speedup: None, // filled in from the serial cells by `summarise`
        speedup_ci: None,
        rounds: good
            .iter()
            .map(|r| (r.repetition.to_string(), r.makespan_ns as f64))
            .collect(),
        lb_ratio: median(&lb),
        lb_ratio_ci: median_interval(&lb, MEDIAN_CI_LEVEL),
        lower_bound_ns: bound,
        serial_placement: None,
        steals: median(&steals),
        percent_imbalance: median(&imbalance),
        cov: median(&cov),
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

//! Sweeps over problem size and where parallel beats serial in them (the crossover),
//! for the report's table and its crossover figure.
//!
//! A sweep is a set of workloads that differ only in size: runs.csv's `sweep`
//! column names it (the runner expands `sizes = [...]` into `<sweep>-n<size>`);
//! without that column, names that become equal when the size's digits are
//! replaced by `N` (`factorial-n500`, `factorial-n2500` → `factorial-nN`) form one.
//! Pool creation inside or outside the timed region (`pool_in_timing`) gives
//! separate sweeps, because it moves the crossover.

use crate::stats::{crossover, Crossover};
use crate::summary::{is_serial, serial_of, strategy_rank, CellSummary};
use std::collections::BTreeMap;

/// Fewest distinct sizes that make a sweep.
pub const MIN_SIZES: usize = 3;

/// One parallel strategy's line in a sweep.
#[derive(Debug, Clone)]
pub struct SweepLine {
    /// Strategy name.
    pub strategy: String,
    /// Worker count drawn (the largest measured).
    pub workers: usize,
    /// (size, median makespan ns), ascending size.
    pub points: Vec<(u64, f64)>,
    /// Where it beats serial for good.
    pub crossover: Option<Crossover>,
}

/// One sweep over problem size, for one `pool_in_timing` setting.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Folder index.
    pub machine: usize,
    /// Workload name with the size replaced by `N`.
    pub family: String,
    /// Whether pool creation was timed (`None` = not recorded).
    pub pool_in_timing: Option<bool>,
    /// Every size measured, ascending.
    pub sizes: Vec<u64>,
    /// The workloads that make up the sweep.
    pub workloads: Vec<String>,
    /// Serial medians per serial family (`serial`, `py-serial`): (size, ns).
    pub serial: BTreeMap<String, Vec<(u64, f64)>>,
    /// Parallel strategies.
    pub lines: Vec<SweepLine>,
}

/// The sweep family of a workload name: the last digit run equal to `size` becomes `N`.
///
/// ```
/// use wsbench_report::sweeps::family;
/// assert_eq!(family("factorial-n500", 500), "factorial-nN");
/// assert_eq!(family("fact-5-n500", 500), "fact-5-nN");
/// assert_eq!(family("clustered", 20000), "clustered");
/// assert_eq!(family("x5000", 500), "x5000");
/// ```
pub fn family(name: &str, size: u64) -> String {
    let digits = size.to_string();
    let bytes = name.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if name[start..i] == digits {
                found = Some((start, i));
            }
        } else {
            i += 1;
        }
    }
    match found {
        Some((s, e)) => format!("{}N{}", &name[..s], &name[e..]),
        None => name.to_string(),
    }
}

/// Finds every sweep over size in `cells` (at least [`MIN_SIZES`] sizes).
pub fn find_sweeps(cells: &[CellSummary]) -> Vec<Sweep> {
    let mut groups: BTreeMap<(usize, String), Vec<&CellSummary>> = BTreeMap::new();
    for c in cells {
        let Some(size) = c.size else { continue };
        let fam = c
            .sweep
            .clone()
            .unwrap_or_else(|| family(&c.key.workload, size));
        groups.entry((c.key.machine, fam)).or_default().push(c);
    }
    let mut out = Vec::new();
    for ((machine, fam), members) in groups {
        let mut sizes: Vec<u64> = members.iter().filter_map(|c| c.size).collect();
        sizes.sort_unstable();
        sizes.dedup();
        if sizes.len() < MIN_SIZES {
            continue;
        }
        let serial = serial_by_size(&members);
        let mut workloads: Vec<String> = members.iter().map(|c| c.key.workload.clone()).collect();
        workloads.sort();
        workloads.dedup();
        let mut timings: Vec<Option<bool>> = members
            .iter()
            .filter(|c| !is_serial(&c.key.strategy))
            .map(|c| c.pool_in_timing)
            .collect();
        timings.sort();
        timings.dedup();
        for timing in timings {
            let par: Vec<&CellSummary> = members
                .iter()
                .copied()
                .filter(|c| !is_serial(&c.key.strategy) && c.pool_in_timing == timing)
                .collect();
            out.push(Sweep {
                machine,
                family: fam.clone(),
                pool_in_timing: timing,
                sizes: sizes.clone(),
                workloads: workloads.clone(),
                serial: serial
                    .iter()
                    .map(|(k, v)| (k.clone(), v.iter().map(|(a, b)| (*a, *b)).collect()))
                    .collect(),
                lines: sweep_lines(&par, &serial),
            });
        }
    }
    out
}

/// Serial medians of a sweep's cells per serial family and size: the fastest
/// placement's (serial has no pool).
fn serial_by_size(members: &[&CellSummary]) -> BTreeMap<String, BTreeMap<u64, f64>> {
    let mut serial: BTreeMap<String, BTreeMap<u64, f64>> = BTreeMap::new();
    for c in members.iter().filter(|c| is_serial(&c.key.strategy)) {
        let e = serial
            .entry(c.key.strategy.clone())
            .or_default()
            .entry(c.size.expect("grouped by size"))
            .or_insert(f64::INFINITY);
        *e = e.min(c.median_ns);
    }
    serial
}

/// One line per parallel strategy of a sweep (one `pool_in_timing` setting), at its
/// largest worker count, with its crossover against its serial family.
fn sweep_lines(
    par: &[&CellSummary],
    serial: &BTreeMap<String, BTreeMap<u64, f64>>,
) -> Vec<SweepLine> {
    let mut strategies: Vec<String> = par.iter().map(|c| c.key.strategy.clone()).collect();
    strategies.sort_by_key(|s| strategy_rank(s));
    strategies.dedup();
    let mut lines = Vec::new();
    for s in strategies {
        let mine: Vec<&&CellSummary> = par.iter().filter(|c| c.key.strategy == s).collect();
        let workers = mine.iter().map(|c| c.key.workers).max().expect("non-empty");
        let mut by_size: BTreeMap<u64, f64> = BTreeMap::new();
        for c in mine.iter().filter(|c| c.key.workers == workers) {
            let e = by_size
                .entry(c.size.expect("grouped by size"))
                .or_insert(f64::INFINITY);
            *e = e.min(c.median_ns);
        }
        let base = serial.get(serial_of(&s));
        let joint: Vec<(u64, f64, f64)> = by_size
            .iter()
            .filter_map(|(sz, p)| base.and_then(|b| b.get(sz)).map(|sv| (*sz, *sv, *p)))
            .collect();
        lines.push(SweepLine {
            strategy: s,
            workers,
            points: by_size.into_iter().collect(),
            crossover: crossover(&joint),
        });
    }
    lines
}

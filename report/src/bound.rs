//! The lower bound on a cell's makespan, built from every serial round.
//!
//! No schedule of a batch on `p` CPUs can finish before `max(Σ task time / p, longest
//! task)`. The runner writes a per-round bound into `runs.csv` (`lower_bound_ns`, from
//! the same round's single serial run), which inherits that one run's noise: 1-worker
//! cells, which cannot beat the bound, then show `lb_ratio` < 1 in about half their runs.
//! The report therefore builds one bound per (folder, workload, serial family,
//! placement) from all of that serial cell's counted runs:
//!
//! - **Σ term**: the median over serial runs of Σ task time (`task_sum_ns`; on rows
//!   without it the serial row's own `lower_bound_ns`, which for one worker is that sum,
//!   else its makespan);
//! - **max-task term**: the median over serial runs of the longest task (`task_max_ns`).
//!   Each run's maximum is a maximum of noisy times and so biased upward; the median of
//!   those maxima is the robust estimate the data supports (per-task times are not
//!   stored, so a maximum over tasks of per-task medians cannot be formed). Rows without
//!   task times (latency recording off) have no max-task term, and the bound is Σ / p;
//! - **p**: the CPUs the cell's workers can use at once (`runs.csv`'s `cpus`; on rows
//!   without it, the worker count capped by `meta.json`'s allowed CPUs).
//!
//! Serial runs under the cell's own placement are used when the folder has them; an older
//! folder that ran serial under one placement only lends that one to every placement (the
//! report says so). The bound is treated as fixed when the interval of `lb_ratio` is
//! formed: that interval is the order-statistic interval of the cell's makespans divided
//! by the bound, and does not include the bound's own uncertainty.

use super::load::{CellKey, Keyed, ResultsDir};
use super::stats::median;
use super::summary::{is_serial, serial_of};
use std::collections::BTreeMap;
use wsbench_schema::RunRow;

/// The serial cell's estimate of the work of a workload: what a lower bound is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct SerialBasis {
    /// Median over serial runs of Σ task time (ns).
    pub sum_ns: f64,
    /// Median over serial runs of the longest task (ns), when task times were recorded.
    pub max_ns: Option<f64>,
    /// Serial runs the medians are taken over.
    pub runs: usize,
    /// The placement of the serial cell used.
    pub placement: String,
}

impl SerialBasis {
    /// `max(Σ / p, longest task)`, with `p` at least 1.
    ///
    /// ```
    /// use wsbench_report::bound::SerialBasis;
    /// let b = SerialBasis { sum_ns: 100.0, max_ns: Some(30.0), runs: 5, placement: "none".into() };
    /// assert_eq!(b.bound_ns(2), 50.0);
    /// assert_eq!(b.bound_ns(8), 30.0);
    /// ```
    pub fn bound_ns(&self, p: usize) -> f64 {
        let share = self.sum_ns / p.max(1) as f64;
        self.max_ns.map_or(share, |m| share.max(m))
    }
}

/// (folder, workload, serial strategy, placement) of a serial cell.
type SerialKey = (usize, String, String, String);

/// Every serial cell's basis, from the runs whose checksum was not reported wrong.
#[derive(Debug, Clone, Default)]
pub struct Bases {
    by_cell: BTreeMap<SerialKey, SerialBasis>,
}

/// One serial run's Σ task time: `task_sum_ns`, else its own bound (one worker: the sum),
/// else its makespan.
fn run_sum(r: &RunRow) -> f64 {
    r.task_sum_ns
        .or(r.lower_bound_ns.filter(|lb| *lb > 0))
        .unwrap_or(r.makespan_ns) as f64
}

impl Bases {
    /// The bases of every serial cell of `dirs`.
    pub fn of(dirs: &[ResultsDir]) -> Bases {
        let mut rows: BTreeMap<SerialKey, Vec<&Keyed<RunRow>>> = BTreeMap::new();
        for r in dirs.iter().flat_map(|d| &d.runs) {
            if is_serial(&r.cell.strategy) && r.checksum_ok != Some(false) {
                let c = &r.cell;
                let key = (
                    c.machine,
                    c.workload.clone(),
                    c.strategy.clone(),
                    c.placement.clone(),
                );
                rows.entry(key).or_default().push(r);
            }
        }
        let by_cell = rows
            .into_iter()
            .filter_map(|(key, runs)| {
                let sums: Vec<f64> = runs.iter().map(|r| run_sum(r)).collect();
                let maxes: Vec<f64> = runs
                    .iter()
                    .filter_map(|r| r.task_max_ns.map(|m| m as f64))
                    .collect();
                let basis = SerialBasis {
                    sum_ns: median(&sums)?,
                    max_ns: median(&maxes),
                    runs: runs.len(),
                    placement: key.3.clone(),
                };
                Some((key, basis))
            })
            .collect();
        Bases { by_cell }
    }

    /// The basis for a cell: its serial family's cell under the same placement, else
    /// under any placement of the same folder and workload (the first by name); `None`
    /// when the workload has no serial runs.
    pub fn for_cell(&self, key: &CellKey) -> Option<&SerialBasis> {
        let family = serial_of(&key.strategy);
        let exact = (
            key.machine,
            key.workload.clone(),
            family.to_string(),
            key.placement.clone(),
        );
        self.by_cell.get(&exact).or_else(|| {
            self.by_cell
                .iter()
                .find(|((m, w, s, _), _)| *m == key.machine && *w == key.workload && s == family)
                .map(|(_, b)| b)
        })
    }
}

/// The CPUs a cell's workers can use at once: `runs.csv`'s `cpus` where a row has it,
/// else the worker count capped by `allowed` (the folder's allowed CPUs, see
/// [`allowed_cpus`]), else the worker count.
pub fn usable_cpus(rows: &[&Keyed<RunRow>], allowed: Option<usize>) -> usize {
    if let Some(p) = rows.iter().find_map(|r| r.cpus) {
        return p.max(1);
    }
    let workers = rows.first().map_or(1, |r| r.workers.max(1));
    allowed
        .filter(|n| *n > 0)
        .map_or(workers, |n| workers.min(n))
}

/// How many CPUs `meta.json` says the runner was allowed to use, when it says.
pub fn allowed_cpus(dir: &ResultsDir) -> Option<usize> {
    dir.meta
        .as_ref()
        .and_then(|m| m.machine.allowed_cpus.as_ref())
        .map(Vec::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn row(strategy: &str, placement: &str, rep: usize, sum: Option<u64>) -> Keyed<RunRow> {
        let row = RunRow {
            workload: "w".into(),
            strategy: strategy.into(),
            workers: 1,
            placement: placement.into(),
            repetition: rep,
            makespan_ns: 1000,
            task_sum_ns: sum,
            task_max_ns: sum.map(|s| s / 10),
            ..Default::default()
        };
        Keyed {
            cell: CellKey::of(0, wsbench_schema::Row::cell(&row)),
            row,
        }
    }

    fn dir(runs: Vec<Keyed<RunRow>>) -> ResultsDir {
        ResultsDir {
            path: PathBuf::from("x"),
            meta: None,
            runs,
            latency: vec![],
            latency_cells: vec![],
            workers: vec![],
            hgrm: Default::default(),
            traces: Vec::new(),
            missing: vec![],
        }
    }

    #[test]
    fn median_over_every_serial_round_per_placement() {
        let runs = vec![
            row("serial", "none", 0, Some(900)),
            row("serial", "none", 1, Some(100)),
            row("serial", "none", 2, Some(950)),
            row("serial", "spread", 0, Some(500)),
            row("py-serial", "none", 0, None),
        ];
        let bases = Bases::of(&[dir(runs)]);
        let key = |s: &str, p: &str| CellKey {
            machine: 0,
            workload: "w".into(),
            strategy: s.into(),
            workers: 2,
            placement: p.into(),
        };
        let none = bases.for_cell(&key("static", "none")).unwrap();
        // One outlying round (100) does not move the median.
        assert_eq!(
            (none.sum_ns, none.max_ns, none.runs),
            (900.0, Some(90.0), 3)
        );
        assert_eq!(
            bases.for_cell(&key("static", "spread")).unwrap().sum_ns,
            500.0
        );
        // No serial under `cores`: the first placement's is lent.
        assert_eq!(
            bases.for_cell(&key("rayon", "cores")).unwrap().placement,
            "none"
        );
        // Python rows use py-serial; without task times the makespan stands in, no max term.
        let py = bases.for_cell(&key("py-pool", "none")).unwrap();
        assert_eq!((py.sum_ns, py.max_ns), (1000.0, None));
        assert!(bases
            .for_cell(&CellKey {
                workload: "v".into(),
                ..key("static", "none")
            })
            .is_none());
    }

    #[test]
    fn usable_cpus_from_the_column_else_capped_workers() {
        let mut r = row("static", "none", 0, None);
        r.row.workers = 8;
        assert_eq!(usable_cpus(&[&r], None), 8);
        assert_eq!(usable_cpus(&[&r], Some(2)), 2);
        assert_eq!(usable_cpus(&[&r], Some(16)), 8);
        r.row.cpus = Some(3);
        assert_eq!(usable_cpus(&[&r], Some(2)), 3);
    }
}

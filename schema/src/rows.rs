//! The row types of the CSV files. Each type is the one definition of its file: the
//! runner writes it, `--resume`, `merge` and the report read it back with the same type.
//!
//! Columns are found by name, so a file may hold extra columns, and every column but the
//! [`Row::REQUIRED`] ones may be absent (the Python baseline writes fewer). An empty
//! field is `None` for an `Option` column.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::paths::file_stem;

/// One column of a row file: its name in the header, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header name (the field's name).
    pub name: &'static str,
    /// The field's doc comment, as written (one or more lines).
    pub doc: &'static str,
}

impl Column {
    /// The doc comment on one line, whitespace collapsed.
    pub fn description(&self) -> String {
        self.doc.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The cell a row belongs to, borrowed from the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRef<'a> {
    /// Workload name.
    pub workload: &'a str,
    /// Strategy name.
    pub strategy: &'a str,
    /// Worker count.
    pub workers: usize,
    /// Placement.
    pub placement: &'a str,
}

impl CellRef<'_> {
    /// The stem of the cell's histogram files ([`file_stem`]).
    pub fn file_stem(&self) -> String {
        file_stem(self.workload, self.strategy, self.workers, self.placement)
    }
}

/// A row type of a CSV file of the results folder.
pub trait Row: Serialize + DeserializeOwned + Default {
    /// Every column, in file order, with its documentation.
    const COLUMNS: &'static [Column];
    /// The columns a file must have for its rows to be read.
    const REQUIRED: &'static [&'static str];

    /// The cell this row belongs to.
    fn cell(&self) -> CellRef<'_>;

    /// The header line's fields.
    fn header() -> Vec<&'static str> {
        Self::COLUMNS.iter().map(|c| c.name).collect()
    }
}

/// Defines a row type from its documented fields: the struct (every column optional on
/// reading, see the module documentation) and its [`Row`] impl, whose `COLUMNS` carry
/// the fields' doc comments.
macro_rules! row {
    (
        $(#[doc = $sdoc:literal])+
        pub struct $name:ident, required [$($req:ident),*] {
            $( $(#[doc = $doc:literal])+ pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[doc = $sdoc])+
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $name {
            $( $(#[doc = $doc])+ pub $field: $ty, )*
        }

        impl Row for $name {
            const COLUMNS: &'static [Column] = &[
                $( Column { name: stringify!($field), doc: concat!($($doc),+) }, )*
            ];
            const REQUIRED: &'static [&'static str] = &[$(stringify!($req)),*];

            fn cell(&self) -> CellRef<'_> {
                CellRef {
                    workload: &self.workload,
                    strategy: &self.strategy,
                    workers: self.workers,
                    placement: &self.placement,
                }
            }
        }
    };
}

row! {
    /// One row of `runs.csv`: one counted run. Its row is the last thing written for a
    /// run, so a run counts as done (for `--resume`) once its row is there.
    pub struct RunRow, required [workload, strategy, workers, placement, repetition, makespan_ns] {
        /// Workload name.
        pub workload: String,
        /// Strategy (canonical name, e.g. `dynamic:16`; `py-*` for the Python baseline).
        pub strategy: String,
        /// Worker count (1 for serial).
        pub workers: usize,
        /// Placement (canonical name; `none` for the Python baseline).
        pub placement: String,
        /// Counted repetition, 0-based: the round the run belongs to.
        pub repetition: usize,
        /// Wall time of the whole batch (the timed region, the same for every strategy:
        /// see "What is timed" in the top-level README), read on the calling thread from
        /// the same clock as the task times (`meta.json`: `machine.clock.chosen`).
        pub makespan_ns: u64,
        /// max(Σ serial task time / p, max serial task time), p = the `cpus` column, from
        /// one serial run of the workload under the same placement: the same round's if it
        /// ran before this run (the order within a round is shuffled), else the most recent
        /// one (serial makespan / p where latency recording, which times the tasks, is
        /// off); empty if no serial run preceded this one. A per-run figure: the report
        /// builds its bound from every round's serial runs.
        pub lower_bound_ns: Option<u64>,
        /// Makespan of that serial run.
        pub serial_ns: Option<u64>,
        /// serial_ns / makespan_ns.
        pub speedup: Option<f64>,
        /// makespan_ns / lower_bound_ns (1 is perfect balance).
        pub lb_ratio: Option<f64>,
        /// Successful steals (our pool; empty for serial and rayon).
        pub steals: Option<u64>,
        /// Σ over workers of the CPU changes of the worker's thread during the run: the
        /// kernel's per-thread `se.nr_migrations` (`/proc/self/task/<tid>/sched`) read
        /// before and after the run, outside the timed region. Where that count cannot be
        /// read (`pool_in_timing`: the threads end inside the run; a kernel without the
        /// file), the CPU changes between a worker's consecutive task starts when latency
        /// recording is on; else empty (not measured).
        pub migrations: Option<u64>,
        /// The run's order-independent checksum equals the serial run's.
        pub checksum_ok: Option<bool>,
        /// Steal attempts that found nothing (our pool).
        pub failed_steals: Option<u64>,
        /// Times workers went to sleep (our pool).
        pub parks: Option<u64>,
        /// Σ over workers of busy time: a worker's busy time is the Σ of the service times
        /// (task start → end, on the task clock) of the tasks it ran, for every strategy;
        /// empty when latency recording, which times the tasks, is off.
        pub busy_ns: Option<u64>,
        /// Σ over workers of makespan − busy time (empty when recording is off).
        pub idle_ns: Option<u64>,
        /// Tasks run.
        pub tasks: Option<u64>,
        /// Task count of the workload.
        pub size: Option<usize>,
        /// Pool creation and shutdown inside the timed region.
        pub pool_in_timing: Option<bool>,
        /// Latency recording on.
        pub latency: Option<bool>,
        /// The run's checksum (hex).
        pub checksum: String,
        /// Σ per-task service time (serial rows: the sum the lower bounds use; empty when
        /// recording is off).
        pub task_sum_ns: Option<u64>,
        /// Longest task's service time (serial rows: the max the lower bounds use; empty
        /// when recording is off).
        pub task_max_ns: Option<u64>,
        /// The size sweep this workload belongs to (empty if none).
        pub sweep: Option<String>,
        /// How many workers could run at once: the distinct CPUs they can use (the p of
        /// the lower bound; for the Python baseline, its workers capped by the usable
        /// CPUs; empty in folders written before this column existed).
        pub cpus: Option<usize>,
        /// 0-based position of this run within its round (the order is shuffled per round
        /// from `meta.json`'s `config.order_seed`; paired workloads run back to back, ABBA).
        pub round_position: Option<usize>,
        /// LB4OMP's percent imbalance over the workers' finishing times (each worker's last
        /// task end, from the batch start; a worker that ran no task finishes at 0):
        /// (max − mean) / max × p / (p − 1) × 100, p = `workers`; 0 when all finish
        /// together, 100 when one worker did everything. Empty for one worker and when
        /// latency recording is off.
        pub percent_imbalance: Option<f64>,
        /// Coefficient of variation of the workers' busy times (population standard
        /// deviation / mean over the `workers` workers); 0 = equally busy. Empty when
        /// latency recording is off.
        pub cov: Option<f64>,
        /// Task-clock differences that came out negative (a task start before the batch
        /// start or an end before its start: counters that disagree across CPUs) and were
        /// counted as 0. Empty when latency recording is off.
        pub clock_clamped: Option<u64>,
        /// Where the row comes from: `measured` (a run on this machine) or `simulated`
        /// (`wsbench simulate`: the discrete-event model of `simulator/`). Folders
        /// written before this column existed read as `measured`.
        pub source: Source,
    }
}

/// Where a `runs.csv` row comes from (the `source` column).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A real run.
    #[default]
    Measured,
    /// The simulator's prediction.
    Simulated,
}

row! {
    /// One row of `latency.csv` (per run) or `latency_cells.csv` (over every repetition
    /// of a cell): one metric at one percentile.
    pub struct LatencyRow, required [workload, strategy, workers, placement, metric, percentile, value_ns] {
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
        /// `wait` (batch start → task start), `service` (task start → end) or `response`
        /// (batch start → task end).
        pub metric: String,
        /// The percentile: 50, 90, 99, 99.9, 99.99 or 100.
        pub percentile: String,
        /// Value at that percentile (ns), as Java HdrHistogram's `getValueAtPercentile` gives it: the highest value equivalent to the sample at that rank.
        pub value_ns: u64,
    }
}

row! {
    /// One row of `workers.csv`: one worker in one counted run.
    pub struct WorkerRow, required [workload, strategy, workers, placement, repetition, worker] {
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
        /// Worker index within the pool.
        pub worker: usize,
        /// OS CPU the worker was pinned to (empty if not pinned).
        pub cpu: Option<usize>,
        /// Busy time: Σ service time of the tasks this worker ran (every strategy; empty
        /// when latency recording is off).
        pub busy_ns: Option<u64>,
        /// Idle time: makespan − busy (the batch time this worker did not run tasks).
        pub idle_ns: Option<u64>,
        /// Tasks the worker ran.
        pub tasks: Option<u64>,
        /// Successful steals by this worker.
        pub steals: Option<u64>,
        /// Times this worker went to sleep.
        pub parks: Option<u64>,
        /// End of this worker's last task, from the batch start (0 if it ran none; empty
        /// when latency recording is off): the finishing time `percent_imbalance` uses.
        pub finish_ns: Option<u64>,
        /// CPU changes of this worker's thread during the run (as `runs.csv`'s
        /// `migrations`).
        pub migrations: Option<u64>,
    }
}

impl LatencyRow {
    /// The `percentile` column as a number of percent, if it is one.
    ///
    /// ```
    /// let row = wsbench_schema::LatencyRow { percentile: "99.9".into(), ..Default::default() };
    /// assert_eq!(row.percent(), Some(99.9));
    /// ```
    pub fn percent(&self) -> Option<f64> {
        self.percentile
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite())
    }
}

/// The markdown column table of a row type, as `results/README.md` holds it:
/// `| column | meaning |`, one line per column in file order.
///
/// ```
/// let table = wsbench_schema::rows::markdown_table::<wsbench_schema::WorkerRow>();
/// assert!(table.starts_with("| column | meaning |\n| --- | --- |\n| `workload` | Workload name. |\n"));
/// ```
pub fn markdown_table<T: Row>() -> String {
    let mut out = String::from("| column | meaning |\n| --- | --- |\n");
    for c in T::COLUMNS {
        out.push_str(&format!("| `{}` | {} |\n", c.name, c.description()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header serde writes, for comparison with `COLUMNS`.
    fn serde_header<T: Row>() -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(T::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        text.lines().next().unwrap().to_string()
    }

    #[test]
    fn columns_are_the_serde_fields_in_order() {
        assert_eq!(serde_header::<RunRow>(), RunRow::header().join(","));
        assert_eq!(serde_header::<LatencyRow>(), LatencyRow::header().join(","));
        assert_eq!(serde_header::<WorkerRow>(), WorkerRow::header().join(","));
    }

    #[test]
    fn headers_keep_their_published_order() {
        assert!(RunRow::header().join(",").starts_with("workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,speedup,lb_ratio,steals,migrations,checksum_ok,failed_steals,parks,busy_ns,idle_ns,tasks,size,pool_in_timing,latency,checksum"));
        assert_eq!(
            LatencyRow::header().join(","),
            "workload,strategy,workers,placement,repetition,metric,percentile,value_ns"
        );
        assert_eq!(
            WorkerRow::header().join(","),
            "workload,strategy,workers,placement,repetition,worker,cpu,busy_ns,idle_ns,tasks,steals,parks,finish_ns,migrations"
        );
    }

    #[test]
    fn every_column_is_documented_without_breaking_a_table() {
        for c in RunRow::COLUMNS
            .iter()
            .chain(LatencyRow::COLUMNS)
            .chain(WorkerRow::COLUMNS)
        {
            assert!(!c.description().is_empty(), "{}", c.name);
            assert!(
                !c.doc.contains('|'),
                "{}: `|` would split a table cell",
                c.name
            );
        }
    }
}

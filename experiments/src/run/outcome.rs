//! What one run measured, and the per-run metrics derived from it.
//!
//! Busy time has one definition for every strategy: a worker's busy time is the sum of
//! the service times (task start → task end, on the task clock) of the tasks it ran, as
//! the recorders measure them. It exists only with latency recording on (without it no
//! task is timed, and busy, idle and `cov` are empty for every strategy). Our pool's own
//! busy counter (time inside scheduler-dispatched work, tasks plus the pool's work between
//! them) is not written: it would be a second meaning under one name.
//!
//! The imbalance metrics are LB4OMP's (Korndörfer et al., TPDS 2021):
//! [`percent_imbalance`] over the workers' finishing times and [`cov`] of their busy times.

use scheduler::PoolStats;
use wsbench_schema::WorkerRow;

use super::record::{Latency, Recorders, TaskClock};
use super::threads;
use super::timed::Span;

/// What one worker did in one run (a row of `workers.csv`).
#[derive(Debug, Clone, Default)]
pub struct WorkerOutcome {
    /// OS CPU the worker was pinned to.
    pub cpu: Option<usize>,
    /// Σ service time of its tasks (ns; recording on).
    pub busy_ns: Option<u64>,
    /// makespan − busy (ns; recording on).
    pub idle_ns: Option<u64>,
    /// End of its last task, from the batch start (ns; recording on).
    pub finish_ns: Option<u64>,
    /// Tasks run.
    pub tasks: Option<u64>,
    /// Successful steals.
    pub steals: Option<u64>,
    /// Parks.
    pub parks: Option<u64>,
    /// CPU changes of its thread during the run (see [`threads`]).
    pub migrations: Option<u64>,
}

impl WorkerOutcome {
    /// This worker's `workers.csv` row: worker `worker` of `cell`'s repetition `rep`.
    pub fn row(&self, cell: &super::plan::Cell, rep: usize, worker: usize) -> WorkerRow {
        WorkerRow {
            workload: cell.workload.clone(),
            strategy: cell.strategy.to_string(),
            workers: cell.workers,
            placement: cell.placement.to_string(),
            repetition: rep,
            worker,
            cpu: self.cpu,
            busy_ns: self.busy_ns,
            idle_ns: self.idle_ns,
            tasks: self.tasks,
            steals: self.steals,
            parks: self.parks,
            finish_ns: self.finish_ns,
            migrations: self.migrations,
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// The timed region's length, on the task clock.
    pub makespan_ns: u64,
    /// Wrapping sum of task digests.
    pub checksum: u64,
    /// Merged latency histograms (when recording).
    pub latency: Option<Latency>,
    /// Per worker.
    pub workers: Vec<WorkerOutcome>,
    /// Σ successful steals (pool strategies only).
    pub steals: Option<u64>,
    /// Σ failed steal attempts (pool strategies only).
    pub failed_steals: Option<u64>,
    /// Σ parks (pool strategies only).
    pub parks: Option<u64>,
    /// Σ busy time (recording on).
    pub busy_ns: Option<u64>,
    /// Σ idle time (recording on).
    pub idle_ns: Option<u64>,
    /// Σ CPU changes of the worker threads (where every worker's count was read).
    pub migrations: Option<u64>,
    /// Tasks run (counted by the scheduler or the recorder; the workload's length otherwise).
    pub tasks: u64,
    /// Σ task service time (recording on).
    pub task_sum_ns: Option<u64>,
    /// Longest task (recording on).
    pub task_max_ns: Option<u64>,
    /// How many workers can run at once (see [`super::execute::parallelism`]).
    pub cpus: usize,
    /// LB4OMP's percent imbalance of the workers' finishing times (recording on, p ≥ 2).
    pub percent_imbalance: Option<f64>,
    /// Coefficient of variation of the workers' busy times (recording on).
    pub cov: Option<f64>,
    /// Clock differences clamped to 0 (recording on).
    pub clamped: Option<u64>,
    /// The run's per-task trace (`trace = true`).
    pub trace: Option<super::trace::RunTrace>,
}

impl RunOutcome {
    /// An outcome with the span's makespan and one empty entry per worker.
    pub fn new(span: &Span, cpus: &[Option<usize>], tasks: u64) -> RunOutcome {
        RunOutcome {
            makespan_ns: span.makespan_ns,
            tasks,
            workers: cpus
                .iter()
                .map(|&cpu| WorkerOutcome {
                    cpu,
                    ..WorkerOutcome::default()
                })
                .collect(),
            ..RunOutcome::default()
        }
    }

    /// Each worker's migrations from the counts read before and after the run; the total
    /// where every worker's was read.
    pub fn set_migrations(&mut self, before: &[Option<u64>], after: &[Option<u64>]) {
        let per = threads::differences(before, after);
        for (w, m) in self.workers.iter_mut().zip(&per) {
            w.migrations = *m;
        }
        self.migrations = if per.len() == self.workers.len() {
            per.iter().copied().sum()
        } else {
            None
        };
    }

    /// The pool's side: per-worker and total steals, parks and tasks (read after the clock).
    pub fn add_pool_stats(&mut self, stats: &PoolStats) {
        let (mut steals, mut failed, mut parks, mut tasks) = (0u64, 0u64, 0u64, 0u64);
        for (i, ws) in stats.workers.iter().enumerate() {
            steals += ws.steal_successes;
            failed += ws.steal_attempts.saturating_sub(ws.steal_successes);
            parks += ws.parks;
            tasks += ws.tasks;
            if let Some(wo) = self.workers.get_mut(i) {
                wo.tasks = Some(ws.tasks);
                wo.steals = Some(ws.steal_successes);
                wo.parks = Some(ws.parks);
            }
        }
        self.steals = Some(steals);
        self.failed_steals = Some(failed);
        self.parks = Some(parks);
        self.tasks = tasks;
    }

    /// The recorders' side: checksum always; with recording, latency, per-worker busy,
    /// idle, finishing time and tasks, Σ and max of the task times, clamped differences,
    /// and the imbalance metrics.
    pub fn add_records(&mut self, rec: &Recorders, clock: &TaskClock, latency: bool) {
        self.checksum = rec.checksum();
        if !latency {
            return;
        }
        let makespan = self.makespan_ns;
        let (mut sum, mut max, mut clamped) = (0u64, 0u64, 0u64);
        let batch_start = rec.batch_start();
        rec.for_each(|i, r| {
            sum += r.busy_ns;
            max = max.max(r.latency.service.max());
            clamped += r.clamped;
            if let Some(wo) = self.workers.get_mut(i) {
                wo.busy_ns = Some(r.busy_ns);
                wo.idle_ns = Some(makespan.saturating_sub(r.busy_ns));
                // A worker that ran nothing finished at the batch start.
                wo.finish_ns = Some(if r.tasks > 0 {
                    clock.ns(batch_start, r.last_end)
                } else {
                    0
                });
                wo.tasks.get_or_insert(r.tasks);
                if wo.migrations.is_none() {
                    // The kernel's count could not be read (threads that ended inside the
                    // run, or no such file): the CPU changes between consecutive task starts.
                    wo.migrations = Some(r.cpu_changes);
                }
            }
        });
        self.latency = Some(rec.merged());
        self.task_sum_ns = Some(sum);
        self.task_max_ns = Some(max);
        self.busy_ns = Some(sum);
        self.idle_ns = Some(self.workers.iter().filter_map(|w| w.idle_ns).sum());
        self.clamped = Some(clamped);
        if self.migrations.is_none() && self.workers.iter().all(|w| w.migrations.is_some()) {
            self.migrations = Some(self.workers.iter().filter_map(|w| w.migrations).sum());
        }
        let finish: Vec<u64> = self.workers.iter().filter_map(|w| w.finish_ns).collect();
        let busy: Vec<u64> = self.workers.iter().filter_map(|w| w.busy_ns).collect();
        self.percent_imbalance = percent_imbalance(&finish);
        self.cov = cov(&busy);
    }
}

/// LB4OMP's percent imbalance of the workers' finishing times `t`:
/// (max − mean) / max × p / (p − 1) × 100, from 0 (all finish together) to 100 (one
/// worker did everything). `None` for fewer than two workers or all times zero.
///
/// ```
/// use wsbench::run::outcome::percent_imbalance;
/// assert_eq!(percent_imbalance(&[10, 10]), Some(0.0));
/// assert_eq!(percent_imbalance(&[10, 0]), Some(100.0));
/// assert_eq!(percent_imbalance(&[10, 0, 0, 0]), Some(100.0));
/// assert_eq!(percent_imbalance(&[10]), None);
/// ```
pub fn percent_imbalance(t: &[u64]) -> Option<f64> {
    let p = t.len();
    let max = *t.iter().max()? as f64;
    if p < 2 || max == 0.0 {
        return None;
    }
    let mean = t.iter().map(|&v| v as f64).sum::<f64>() / p as f64;
    Some((max - mean) / max * p as f64 / (p - 1) as f64 * 100.0)
}

/// Coefficient of variation of the busy times `b`: population standard deviation / mean
/// (0 = every worker equally busy). `None` for no workers or no busy time.
///
/// ```
/// use wsbench::run::outcome::cov;
/// assert_eq!(cov(&[5, 5, 5]), Some(0.0));
/// assert_eq!(cov(&[2, 0]), Some(1.0));
/// assert_eq!(cov(&[]), None);
/// ```
pub fn cov(b: &[u64]) -> Option<f64> {
    let p = b.len() as f64;
    let mean = b.iter().map(|&v| v as f64).sum::<f64>() / p;
    if b.is_empty() || mean <= 0.0 {
        return None;
    }
    let var = b.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / p;
    Some(var.sqrt() / mean)
}

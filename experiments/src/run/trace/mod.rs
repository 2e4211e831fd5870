//! Per-task traces (`trace = true`, `wsbench run --trace`): every task's worker, CPU,
//! start, end and label, and our pool's steals, per run; one Chrome trace event file per
//! cell (`traces/<cell>.trace.json`, [`wsbench_schema::trace`]).
//!
//! How a run is traced:
//! * **Tasks**: the task body every strategy shares ([`Recorders::run_task`]) already
//!   reads the clock and `sched_getcpu` around each task and records it into its
//!   worker's slot; with tracing on it also appends a [`RawTask`] to that slot's buffer,
//!   reserved before the timed region ([`Recorders::start_trace`]). So every strategy is
//!   traced, with the worker index the runtime reports (our pool's, rayon's
//!   `current_thread_index`, OpenMP's thread number, chili's worker by thread id), and
//!   tracing needs the recording path: a traced workload has `latency` on.
//! * **Steals** (our pool only): a traced cell runs on its own warm pool, built with a
//!   steal hook ([`steals::StealLog`]); an untraced cell's pool has no hook.
//! * **Bounded**: a worker's buffer holds [`per_worker_capacity`] tasks; the file holds
//!   at most [`MAX_TASKS_PER_RUN`] tasks per repetition. When either bound bites, the
//!   trace is cut at a time before which it is complete ([`RunTrace::collect`]) and the
//!   file's metadata says where (`traced_until_ns`).
//!
//! Which repetitions the file keeps: after each counted run the cell's file is rewritten
//! (atomically) with every repetition so far, so an interrupted sweep keeps them; after
//! the cell's last repetition it is rewritten with the median repetition only (by
//! makespan, the lower median for an even count), the one the report draws. A finished
//! folder thus holds one run's events per cell ([`chrome`]).

pub mod chrome;
pub mod steals;

use super::record::{Label, RawTask, Recorders, TaskClock};
use steals::ThiefSteals;

/// The most tasks one repetition's trace keeps (about 10 MB of JSON).
pub const MAX_TASKS_PER_RUN: usize = 100_000;
/// A worker's buffer holds at least this many tasks (when the run has as many).
pub const MIN_PER_WORKER: usize = 4_096;

/// How many tasks each worker's buffer holds for a run of `tasks` tasks on `workers`
/// workers: all of them up to twice the per-run cap shared out, at least
/// [`MIN_PER_WORKER`] (so memory stays about 2 × [`MAX_TASKS_PER_RUN`] tasks × 40 bytes).
///
/// ```
/// use wsbench::run::trace::per_worker_capacity;
/// assert_eq!(per_worker_capacity(12_000, 2), 12_000);
/// assert_eq!(per_worker_capacity(1_000_000, 2), 100_000);
/// assert_eq!(per_worker_capacity(1_000_000, 256), 4_096);
/// ```
pub fn per_worker_capacity(tasks: usize, workers: usize) -> usize {
    tasks.min((2 * MAX_TASKS_PER_RUN / workers.max(1)).max(MIN_PER_WORKER))
}

/// One traced task, times in ns from the timed region's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskEvent {
    /// The worker that ran it.
    pub worker: usize,
    /// The CPU it started on.
    pub cpu: Option<usize>,
    /// Start.
    pub start_ns: u64,
    /// End.
    pub end_ns: u64,
    /// What it was.
    pub label: Label,
}

/// One steal, in ns from the timed region's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StealEvent {
    /// The worker that stole.
    pub thief: usize,
    /// The worker it stole from.
    pub victim: usize,
    /// When.
    pub at_ns: u64,
}

/// One run's trace.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunTrace {
    /// Tasks, by start time.
    pub tasks: Vec<TaskEvent>,
    /// Steals (our pool), by time; empty for other strategies.
    pub steals: Vec<StealEvent>,
    /// Whether steals were logged (our pool's parallel schedules).
    pub steals_logged: bool,
    /// `None`: the whole run. Otherwise exactly the tasks that started (and steals made)
    /// before this many ns.
    pub traced_until_ns: Option<u64>,
}

impl RunTrace {
    /// The run's trace from the recorders' buffers and, for our pool, its steal log, cut
    /// where it stops being complete: a worker whose buffer filled ran every task it did
    /// not keep after the end of its last kept one; a thief whose buffer filled stole
    /// after its last kept steal; and at most [`MAX_TASKS_PER_RUN`] tasks are kept.
    pub fn collect(rec: &Recorders, clock: &TaskClock, steals: Option<&[ThiefSteals]>) -> RunTrace {
        let origin = rec.batch_start();
        let ns = |t: u64| clock.ns(origin, t);
        let mut cut = u64::MAX;
        let mut tasks = Vec::new();
        rec.for_each(|w, r| {
            tasks.extend(r.trace.iter().map(|t: &RawTask| TaskEvent {
                worker: w,
                cpu: (t.cpu != u32::MAX).then_some(t.cpu as usize),
                start_ns: ns(t.start),
                end_ns: ns(t.end),
                label: t.label,
            }));
            if r.trace_dropped > 0 {
                cut = cut.min(r.trace.last().map_or(0, |t| ns(t.end)));
            }
        });
        let mut stolen = Vec::new();
        for (thief, s) in steals.unwrap_or_default().iter().enumerate() {
            stolen.extend(s.kept.iter().map(|&(at, victim)| StealEvent {
                thief,
                victim,
                at_ns: ns(at),
            }));
            if s.total > s.kept.len() as u64 {
                cut = cut.min(s.kept.last().map_or(0, |&(at, _)| ns(at)));
            }
        }
        tasks.sort_by_key(|t| (t.start_ns, t.worker));
        stolen.sort_by_key(|s| (s.at_ns, s.thief));
        let before_cut = tasks.partition_point(|t| t.start_ns < cut);
        if before_cut > MAX_TASKS_PER_RUN {
            cut = tasks[MAX_TASKS_PER_RUN].start_ns;
        }
        tasks.retain(|t| t.start_ns < cut);
        stolen.retain(|s| s.at_ns < cut);
        RunTrace {
            tasks,
            steals: stolen,
            steals_logged: steals.is_some(),
            traced_until_ns: (cut != u64::MAX).then_some(cut),
        }
    }
}

/// The repetition the report draws among `(repetition, makespan)`: the lower median by
/// makespan (ties by repetition), as [`wsbench_schema::trace::TraceFile::median_repetition`].
///
/// ```
/// use wsbench::run::trace::median_repetition;
/// assert_eq!(median_repetition([(0, 30), (1, 10), (2, 20)]), Some(2));
/// assert_eq!(median_repetition([(0, 30), (1, 10)]), Some(1));
/// ```
pub fn median_repetition(reps: impl IntoIterator<Item = (usize, u64)>) -> Option<usize> {
    let mut v: Vec<(u64, usize)> = reps.into_iter().map(|(r, m)| (m, r)).collect();
    v.sort_unstable();
    v.get(v.len().saturating_sub(1) / 2).map(|&(_, r)| r)
}

/// The cell's median repetition once `this` run (repetition, makespan) completes it (every
/// repetition of the experiment has a row in `rows` or is `this`), else `None`.
pub(super) fn median_if_complete(
    rows: &[wsbench_schema::RunRow],
    cell: &super::plan::Cell,
    this: (usize, u64),
    exp: &super::config::Experiment,
) -> Option<usize> {
    let key = super::writer::key_of(cell);
    let mut reps: Vec<(usize, u64)> = rows
        .iter()
        .filter(|r| {
            [
                r.workload.clone(),
                r.strategy.clone(),
                r.workers.to_string(),
                r.placement.clone(),
            ] == key
                && r.repetition != this.0
        })
        .map(|r| (r.repetition, r.makespan_ns))
        .collect();
    reps.push(this);
    (reps.len() >= exp.repetitions).then(|| median_repetition(reps))?
}

#[cfg(test)]
mod tests;

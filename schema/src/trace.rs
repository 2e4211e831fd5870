//! `traces/<cell>.trace.json`: a cell's per-task trace in the Chrome trace event format
//! (the "Trace Event Format" that `ui.perfetto.dev` and `chrome://tracing` open), written
//! by the runner and read by the report through these types.
//!
//! The JSON object form: `traceEvents`, `displayTimeUnit` (`"ns"`) and `metadata` (this
//! project's [`TraceMeta`]; viewers ignore it). Events, all with `pid` = one repetition
//! of the cell (`repetition + 1`) and `tid` = the worker index:
//!
//! * `ph: "M"` metadata events naming each process (`process_name`: `repetition R`, with
//!   `(median)` on the repetition the report draws) and each thread (`thread_name`:
//!   `worker W (cpu C)`);
//! * `ph: "X"` complete events, one per traced task: `name` is the task's index (or its
//!   node's label), `ts` and `dur` in µs from the timed region's start (fractional: ns
//!   precision), `args` its `index`, `node` (recursive workloads), `cpu` (`sched_getcpu`
//!   at its start);
//! * `ph: "i"` thread-scoped instant events (`s: "t"`) on the thief's track, one per
//!   successful steal of our pool (`args`: `victim`).

use serde::{Deserialize, Serialize};

/// A whole trace file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceFile {
    /// Every event, metadata events first.
    #[serde(rename = "traceEvents")]
    pub trace_events: Vec<TraceEvent>,
    /// How viewers show times: `"ns"`.
    #[serde(rename = "displayTimeUnit")]
    pub display_time_unit: String,
    /// What the file holds, for the report (viewers ignore it).
    pub metadata: TraceMeta,
}

/// One event of the Chrome trace event format (the fields this project writes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// Event name: a task's index or node, `steal`, or `process_name`/`thread_name`.
    pub name: String,
    /// Phase: `X` (complete), `i` (instant), `M` (metadata).
    pub ph: String,
    /// The repetition + 1.
    pub pid: u64,
    /// The worker.
    pub tid: u64,
    /// Start, µs from the timed region's start (absent on metadata events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<f64>,
    /// Duration in µs (complete events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dur: Option<f64>,
    /// Instant events' scope: `t` (the thread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<String>,
    /// Category: `task` or `steal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cat: Option<String>,
    /// The event's arguments.
    #[serde(default)]
    pub args: TraceArgs,
}

/// The arguments of an event; each set only where it applies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceArgs {
    /// `process_name` / `thread_name`: the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Task: its index in the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Task: its node (recursive workloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<u64>,
    /// Task: the CPU it started on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u64>,
    /// Task: start and end in ns from the timed region's start (exact, where `ts`/`dur`
    /// are µs floats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ns: Option<u64>,
    /// Task: end in ns from the timed region's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ns: Option<u64>,
    /// Steal: the worker stolen from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim: Option<u64>,
}

/// The file's own description (the `metadata` object).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceMeta {
    /// The cell: workload.
    pub workload: String,
    /// The cell: strategy.
    pub strategy: String,
    /// The cell: workers.
    pub workers: usize,
    /// The cell: placement.
    pub placement: String,
    /// The most tasks one repetition's trace holds (see [`RepetitionMeta::traced_until_ns`]).
    pub max_tasks_per_run: u64,
    /// The repetitions in the file, in the order they ran.
    pub repetitions: Vec<RepetitionMeta>,
}

/// One repetition's trace: what it covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepetitionMeta {
    /// The repetition (runs.csv's `repetition`); its events have `pid` = this + 1.
    pub repetition: usize,
    /// Whether it is the cell's median repetition by makespan (the lower median for an
    /// even count), set once every repetition of the cell has run; the report draws it.
    pub median: bool,
    /// The run's makespan (ns).
    pub makespan_ns: u64,
    /// Tasks the run ran.
    pub tasks: u64,
    /// Complete events in the file for it.
    pub traced_tasks: u64,
    /// Successful steals our pool's counters report (absent for other strategies).
    pub steals: Option<u64>,
    /// Steal events in the file for it.
    pub traced_steals: u64,
    /// `None`: every task and steal of the run is in the file. Otherwise the trace is cut:
    /// it holds exactly the tasks that started (and steals that happened) before this
    /// many ns after the region's start (the per-run cap, or a worker's buffer filled).
    pub traced_until_ns: Option<u64>,
    /// Worker → the CPU it was pinned to (`None`: not pinned).
    pub worker_cpus: Vec<Option<usize>>,
}

impl TraceFile {
    /// The repetition the report draws: the one marked median, else (a cell not finished)
    /// the lower median by makespan of those in the file.
    pub fn median_repetition(&self) -> Option<&RepetitionMeta> {
        let reps = &self.metadata.repetitions;
        if let Some(m) = reps.iter().find(|r| r.median) {
            return Some(m);
        }
        let mut sorted: Vec<&RepetitionMeta> = reps.iter().collect();
        sorted.sort_by_key(|r| (r.makespan_ns, r.repetition));
        sorted.get(sorted.len().saturating_sub(1) / 2).copied()
    }

    /// The complete (task) events of one repetition.
    pub fn tasks_of(&self, repetition: usize) -> impl Iterator<Item = &TraceEvent> {
        let pid = repetition as u64 + 1;
        self.trace_events
            .iter()
            .filter(move |e| e.pid == pid && e.ph == "X")
    }

    /// The steal (instant) events of one repetition.
    pub fn steals_of(&self, repetition: usize) -> impl Iterator<Item = &TraceEvent> {
        let pid = repetition as u64 + 1;
        self.trace_events
            .iter()
            .filter(move |e| e.pid == pid && e.ph == "i")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_marked_one_else_the_lower_median() {
        let rep = |repetition, makespan_ns| RepetitionMeta {
            repetition,
            makespan_ns,
            ..RepetitionMeta::default()
        };
        let mut f = TraceFile {
            trace_events: Vec::new(),
            display_time_unit: "ns".into(),
            metadata: TraceMeta {
                repetitions: vec![rep(0, 30), rep(1, 10), rep(2, 20), rep(3, 40)],
                ..TraceMeta::default()
            },
        };
        assert_eq!(f.median_repetition().unwrap().repetition, 2);
        f.metadata.repetitions[3].median = true;
        assert_eq!(f.median_repetition().unwrap().repetition, 3);
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("\"traceEvents\":[]") && json.contains("\"displayTimeUnit\":\"ns\""));
        assert_eq!(serde_json::from_str::<TraceFile>(&json).unwrap(), f);
    }
}

//! A cell's trace file: its runs' traces as Chrome trace events
//! ([`wsbench_schema::trace`]), rewritten atomically after each counted run.

use std::path::Path;

use wsbench_schema::trace::{RepetitionMeta, TraceArgs, TraceEvent, TraceFile, TraceMeta};
use wsbench_schema::write_atomic;

use super::{RunTrace, MAX_TASKS_PER_RUN};

/// One counted run, as the file describes it.
pub struct RunInfo<'a> {
    /// Its repetition.
    pub repetition: usize,
    /// Its makespan (ns).
    pub makespan_ns: u64,
    /// Tasks it ran.
    pub tasks: u64,
    /// Successful steals our pool counted (`None` for other strategies).
    pub steals: Option<u64>,
    /// Worker → pinned CPU.
    pub worker_cpus: &'a [Option<usize>],
}

/// The cell a file belongs to.
pub struct CellInfo<'a> {
    /// Workload.
    pub workload: &'a str,
    /// Strategy.
    pub strategy: &'a str,
    /// Workers.
    pub workers: usize,
    /// Placement.
    pub placement: &'a str,
}

fn event(name: String, ph: &str, pid: u64, tid: u64) -> TraceEvent {
    TraceEvent {
        name,
        ph: ph.into(),
        pid,
        tid,
        ts: None,
        dur: None,
        s: None,
        cat: None,
        args: TraceArgs::default(),
    }
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// The events of one run: names of its process and threads, one complete event per
/// task, one instant event per steal.
pub fn run_events(trace: &RunTrace, run: &RunInfo, median: bool) -> Vec<TraceEvent> {
    let pid = run.repetition as u64 + 1;
    let mut out = Vec::with_capacity(trace.tasks.len() + trace.steals.len() + 8);
    let mut process = event("process_name".into(), "M", pid, 0);
    let mark = if median { " (median)" } else { "" };
    process.args.name = Some(format!("repetition {}{mark}", run.repetition));
    out.push(process);
    for (w, cpu) in run.worker_cpus.iter().enumerate() {
        let mut thread = event("thread_name".into(), "M", pid, w as u64);
        thread.args.name = Some(match cpu {
            Some(c) => format!("worker {w} (cpu {c})"),
            None => format!("worker {w}"),
        });
        out.push(thread);
    }
    for t in &trace.tasks {
        let name = match (t.label.node, t.label.index) {
            (Some(node), _) => format!("node {node}"),
            (None, u64::MAX) => "task".into(),
            (None, i) => i.to_string(),
        };
        let mut e = event(name, "X", pid, t.worker as u64);
        e.cat = Some("task".into());
        e.ts = Some(us(t.start_ns));
        e.dur = Some(us(t.end_ns.saturating_sub(t.start_ns)));
        e.args.index = (t.label.index != u64::MAX).then_some(t.label.index);
        e.args.node = t.label.node;
        e.args.cpu = t.cpu.map(|c| c as u64);
        e.args.start_ns = Some(t.start_ns);
        e.args.end_ns = Some(t.end_ns);
        out.push(e);
    }
    for s in &trace.steals {
        let mut e = event(format!("steal from {}", s.victim), "i", pid, s.thief as u64);
        e.cat = Some("steal".into());
        e.s = Some("t".into());
        e.ts = Some(us(s.at_ns));
        e.args.victim = Some(s.victim as u64);
        out.push(e);
    }
    out
}

/// What the file says about one run.
pub fn run_meta(trace: &RunTrace, run: &RunInfo) -> RepetitionMeta {
    RepetitionMeta {
        repetition: run.repetition,
        median: false,
        makespan_ns: run.makespan_ns,
        tasks: run.tasks,
        traced_tasks: trace.tasks.len() as u64,
        steals: run.steals,
        traced_steals: trace.steals.len() as u64,
        traced_until_ns: trace.traced_until_ns,
        worker_cpus: run.worker_cpus.to_vec(),
    }
}

/// Reads a trace file.
pub fn read(path: &Path) -> anyhow::Result<TraceFile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Adds one run to the cell's file at `path` (made if absent; a run of the same
/// repetition already there is replaced), and with `median` set (the cell's last
/// repetition has run) keeps that repetition only, marked, if the file has it. Written
/// atomically.
pub fn add_run(
    path: &Path,
    cell: &CellInfo,
    trace: &RunTrace,
    run: &RunInfo,
    median: Option<usize>,
) -> anyhow::Result<()> {
    let mut file = if path.exists() {
        read(path)?
    } else {
        TraceFile {
            trace_events: Vec::new(),
            display_time_unit: "ns".into(),
            metadata: TraceMeta {
                workload: cell.workload.into(),
                strategy: cell.strategy.into(),
                workers: cell.workers,
                placement: cell.placement.into(),
                max_tasks_per_run: MAX_TASKS_PER_RUN as u64,
                repetitions: Vec::new(),
            },
        }
    };
    let pid = run.repetition as u64 + 1;
    file.trace_events.retain(|e| e.pid != pid);
    file.metadata
        .repetitions
        .retain(|r| r.repetition != run.repetition);
    file.trace_events.extend(run_events(trace, run, false));
    file.metadata.repetitions.push(run_meta(trace, run));
    // The median may be missing: a kill after an earlier completion of the file (which
    // kept one repetition) and before that run's row was written reruns the last
    // repetition. The file then keeps what it has, unmarked; the report takes the lower
    // median of those.
    let present = |m: &usize| file.metadata.repetitions.iter().any(|r| r.repetition == *m);
    if let Some(m) = median.filter(present) {
        keep_only(&mut file, m);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("making {}: {e}", dir.display()))?;
    }
    let bytes = serde_json::to_vec(&file)?;
    Ok(write_atomic(path, &bytes)?)
}

/// Keeps repetition `m` only, marked as the median (its process renamed to say so).
fn keep_only(file: &mut TraceFile, m: usize) {
    let pid = m as u64 + 1;
    file.trace_events.retain(|e| e.pid == pid);
    for e in &mut file.trace_events {
        if e.ph == "M" && e.name == "process_name" {
            e.args.name = Some(format!("repetition {m} (median)"));
        }
    }
    file.metadata.repetitions.retain(|r| r.repetition == m);
    for r in &mut file.metadata.repetitions {
        r.median = true;
    }
}

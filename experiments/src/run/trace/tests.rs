use super::chrome::{add_run, read, CellInfo, RunInfo};
use super::steals::ThiefSteals;
use super::*;
use crate::run::record::ClockKind;

fn label(index: u64) -> Label {
    Label { index, node: None }
}

/// Two workers, the first with a buffer of 2 that overflows: the trace is cut at the
/// end of its last kept task, and holds exactly the tasks that started before it.
#[test]
fn a_full_buffer_cuts_the_trace_where_it_stops_being_complete() {
    let clock = TaskClock::new(ClockKind::Instant);
    let mut rec = Recorders::new(2);
    rec.reset();
    rec.start_trace(2);
    rec.set_batch_start(1000);
    for (w, s, e, i) in [(0, 1000, 1100, 0), (0, 1100, 1200, 1), (0, 1200, 1300, 2)] {
        rec.record_labelled(&clock, w, (s, e), Some(3), 0, label(i));
    }
    for (s, e, i) in [(1050, 1150, 3), (1250, 1400, 4)] {
        rec.record_labelled(&clock, 1, (s, e), None, 0, label(i));
    }
    let steals = vec![
        ThiefSteals::default(),
        ThiefSteals {
            kept: vec![(1240, 0)],
            total: 1,
        },
    ];
    let t = RunTrace::collect(&rec, &clock, Some(&steals));
    assert_eq!(t.traced_until_ns, Some(200));
    let kept: Vec<(usize, u64, u64)> = t
        .tasks
        .iter()
        .map(|t| (t.worker, t.start_ns, t.label.index))
        .collect();
    assert_eq!(kept, [(0, 0, 0), (1, 50, 3), (0, 100, 1)]);
    assert_eq!(t.tasks[0].cpu, Some(3));
    assert_eq!(t.tasks[1].cpu, None);
    assert!(t.steals.is_empty(), "a steal after the cut: {:?}", t.steals);
    rec.reset();
    assert!(RunTrace::collect(&rec, &clock, None).tasks.is_empty());
}

#[test]
fn tracing_off_records_nothing() {
    let clock = TaskClock::new(ClockKind::Instant);
    let rec = Recorders::new(1);
    rec.record_labelled(&clock, 0, (1, 2), None, 0, label(0));
    let t = RunTrace::collect(&rec, &clock, None);
    assert_eq!(t, RunTrace::default());
}

fn one_run(rep: u64) -> RunTrace {
    RunTrace {
        tasks: vec![TaskEvent {
            worker: 1,
            cpu: Some(0),
            start_ns: 10 + rep,
            end_ns: 2000,
            label: label(7),
        }],
        steals: vec![StealEvent {
            thief: 1,
            victim: 0,
            at_ns: 5,
        }],
        steals_logged: true,
        traced_until_ns: None,
    }
}

/// The file gains a repetition per run, replaces a repeated one, and keeps only the
/// median once told; every state of it is a whole JSON trace.
#[test]
fn the_cell_file_keeps_every_repetition_then_the_median() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("traces/c.trace.json");
    let cell = CellInfo {
        workload: "w",
        strategy: "adaptive",
        workers: 2,
        placement: "none",
    };
    let cpus = [Some(0), None];
    let run = |repetition, makespan_ns| RunInfo {
        repetition,
        makespan_ns,
        tasks: 1,
        steals: Some(1),
        worker_cpus: &cpus,
    };
    add_run(&path, &cell, &one_run(0), &run(0, 300), None).unwrap();
    add_run(&path, &cell, &one_run(1), &run(1, 100), None).unwrap();
    add_run(&path, &cell, &one_run(1), &run(1, 100), None).unwrap();
    let f = read(&path).unwrap();
    assert_eq!(f.metadata.repetitions.len(), 2);
    assert_eq!(f.tasks_of(1).count(), 1);
    assert_eq!(f.steals_of(0).count(), 1);
    let names: Vec<_> = f
        .trace_events
        .iter()
        .filter(|e| e.ph == "M" && e.pid == 1)
        .map(|e| e.args.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["repetition 0", "worker 0 (cpu 0)", "worker 1"]);
    add_run(&path, &cell, &one_run(2), &run(2, 200), Some(2)).unwrap();
    let f = read(&path).unwrap();
    assert_eq!(f.metadata.repetitions.len(), 1);
    assert_eq!(f.median_repetition().unwrap().repetition, 2);
    assert!(f.trace_events.iter().all(|e| e.pid == 3));
    let task = f.tasks_of(2).next().unwrap();
    assert_eq!((task.ts, task.dur), (Some(0.012), Some(1.988)));
    assert_eq!(task.args.index, Some(7));
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "a temporary file left: {leftovers:?}");
}

/// A rerun of the last repetition after the file was already completed (a kill between
/// the trace and the run's row): the median it names may be gone; the file keeps what
/// it has rather than nothing.
#[test]
fn a_median_the_file_no_longer_has_keeps_what_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.trace.json");
    let cell = CellInfo {
        workload: "w",
        strategy: "static",
        workers: 2,
        placement: "none",
    };
    let cpus = [None, None];
    let run = |repetition| RunInfo {
        repetition,
        makespan_ns: 100,
        tasks: 1,
        steals: None,
        worker_cpus: &cpus,
    };
    add_run(&path, &cell, &one_run(0), &run(0), None).unwrap();
    add_run(&path, &cell, &one_run(1), &run(1), Some(1)).unwrap();
    add_run(&path, &cell, &one_run(1), &run(1), Some(0)).unwrap();
    let f = read(&path).unwrap();
    assert_eq!(f.metadata.repetitions.len(), 1);
    assert_eq!(f.median_repetition().unwrap().repetition, 1);
    assert_eq!(f.tasks_of(1).count(), 1);
}

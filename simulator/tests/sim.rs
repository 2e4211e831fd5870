//! The simulator's model checks: exact figures where the model is simple enough
//! to work them out by hand, and the properties every schedule must keep.

use std::path::{Path, PathBuf};
use std::process::Command;

use scheduler::Schedule;
use wsbench_simulator::{simulate, Calibration, Cell, Outcome, SimMachine, Strategy};

fn run(tasks: &[f64], strategy: Strategy, machine: &SimMachine, seed: u64) -> Outcome {
    let cal = Calibration::example();
    simulate(&Cell {
        task_ns: tasks,
        strategy,
        machine,
        cal: &cal,
        seed,
        steal_half: false,
    })
}

fn every_strategy() -> Vec<Strategy> {
    let mut all: Vec<Strategy> = Schedule::ALL.into_iter().map(Strategy::Pool).collect();
    all.extend(
        ["dynamic:16", "guided:4", "work-stealing:8", "fac2:2"]
            .map(|s| Strategy::Pool(s.parse().unwrap())),
    );
    all.push(Strategy::Rayon { fine: false });
    all.push(Strategy::Rayon { fine: true });
    all
}

/// 2% heavy tasks at the end: the worst case for static blocks.
fn heavy_last(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i >= n - n / 50 { 200_000.0 } else { 2_000.0 })
        .collect()
}

#[test]
fn static_with_equal_tasks_is_n_over_p_times_the_cost_plus_overheads() {
    let cal = Calibration::example();
    let (n, p, cost) = (1_000usize, 4usize, 1_000.0);
    let machine = SimMachine::generated(1, p, 1, p);
    let out = run(
        &vec![cost; n],
        Strategy::Pool(Schedule::Static),
        &machine,
        1,
    );
    // The last worker starts after p posts and a wake-up, runs n/p tasks; the
    // caller wakes once more.
    let expect = p as f64 * cal.post_ns
        + cal.wake_ns
        + (n / p) as f64 * (cost + cal.task_call_ns)
        + cal.wake_ns;
    assert_eq!(out.makespan_ns, expect);
    assert!(out.workers.iter().all(|w| w.tasks == (n / p) as u64));
}

#[test]
fn deterministic_under_a_seed() {
    let tasks = heavy_last(5_000);
    let machine = SimMachine::generated(2, 4, 2, 16);
    for s in every_strategy() {
        let a = run(&tasks, s, &machine, 7);
        let b = run(&tasks, s, &machine, 7);
        assert_eq!(a, b, "{s:?}");
    }
    // The seed matters where victims are drawn.
    let stealing = Strategy::Pool(Schedule::WorkStealing { grain: 1 });
    let runs: Vec<f64> = (0..4)
        .map(|seed| run(&tasks, stealing, &machine, seed).makespan_ns)
        .collect();
    assert!(runs.windows(2).any(|w| w[0] != w[1]), "{runs:?}");
}

#[test]
fn every_strategy_runs_every_task_once_and_respects_the_lower_bound() {
    let tasks = heavy_last(3_000);
    for p in [1, 3, 16] {
        let machine = SimMachine::generated(1, p, 1, p);
        for s in every_strategy() {
            let out = run(&tasks, s, &machine, 3);
            assert_eq!(out.tasks(), tasks.len() as u64, "{s:?} p={p}");
            assert!(out.makespan_ns >= out.lower_bound_ns(), "{s:?} p={p}");
            assert!(out.workers.iter().all(|w| w.left_ns > 0.0), "{s:?} p={p}");
        }
    }
}

#[test]
fn adaptive_beats_static_on_heavy_last() {
    let tasks = heavy_last(10_000);
    let machine = SimMachine::generated(1, 8, 1, 8);
    let st = run(&tasks, Strategy::Pool(Schedule::Static), &machine, 1);
    let ad = run(&tasks, Strategy::Pool(Schedule::Adaptive), &machine, 1);
    assert!(
        ad.makespan_ns <= st.makespan_ns,
        "adaptive {} > static {}",
        ad.makespan_ns,
        st.makespan_ns
    );
    // Static's last worker has every heavy task: far from the bound.
    assert!(st.makespan_ns > 4.0 * st.lower_bound_ns());
    assert!(ad.makespan_ns < 1.5 * ad.lower_bound_ns(), "{ad:?}");
    assert!(ad.steals() > 0);
}

#[test]
fn event_counts_follow_the_schedule() {
    let (n, p) = (1_000usize, 4usize);
    let tasks = vec![1_000.0; n];
    let machine = SimMachine::generated(1, p, 1, p);
    // Static: one decision per worker.
    let st = run(&tasks, Strategy::Pool(Schedule::Static), &machine, 1);
    assert_eq!(st.events, p as u64);
    // dynamic:K: one decision per chunk, plus one per worker to find the end.
    for k in [1usize, 16] {
        let d = run(
            &tasks,
            Strategy::Pool(Schedule::Dynamic { chunk: k }),
            &machine,
            1,
        );
        assert_eq!(d.events, (n.div_ceil(k) + p) as u64, "dynamic:{k}");
    }
}

#[test]
fn contended_counter_costs_grow_with_workers() {
    // Tiny tasks: dynamic:1's counter is the bottleneck, so more workers on
    // other packages make it slower, not faster.
    let tasks = vec![1.0; 20_000];
    let few = SimMachine::generated(1, 2, 1, 2);
    let many = SimMachine::generated(2, 32, 1, 64);
    let d = Strategy::Pool(Schedule::Dynamic { chunk: 1 });
    assert!(run(&tasks, d, &many, 1).makespan_ns > run(&tasks, d, &few, 1).makespan_ns);
}

/// The 64-CPU AMD snapshot, unpacked; `None` (printed) without the shared fixtures.
fn amd64() -> Option<(tempfile::TempDir, PathBuf)> {
    let shared = std::env::var_os("WSBENCH_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let archive = shared.join("fixtures/hwloc-sysfs/64amd64-4s2n4ca2co.tar.bz2");
    if !archive.exists() {
        println!("SKIPPED: {} not found", archive.display());
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xjf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .args([
            "--wildcards",
            "*/sys/devices/system/cpu/*",
            "*/sys/devices/system/node/*",
            "*/proc/*",
        ])
        .status()
        .expect("tar");
    assert!(status.success());
    let root = dir.path().join("64amd64-4s2n4ca2co");
    Some((dir, root))
}

#[test]
fn a_64_worker_cell_on_a_fixture_topology_runs() {
    let Some((_dir, root)) = amd64() else { return };
    let topo = topology::Topology::from_root(&root).unwrap();
    let cpus = topo.allowed_cpus();
    assert_eq!(cpus.len(), 64);
    let machine = SimMachine::from_topology(&topo, &cpus, 64);
    assert!(!machine.oversubscribed());
    let tasks = heavy_last(100_000);
    for s in ["static", "adaptive", "dynamic:1", "work-stealing:1", "af"] {
        let out = run(&tasks, Strategy::Pool(s.parse().unwrap()), &machine, 1);
        assert_eq!(out.tasks(), 100_000, "{s}");
    }
    let out = run(&tasks, Strategy::Rayon { fine: false }, &machine, 1);
    assert_eq!(out.tasks(), 100_000);
}

/// One worker, `n` equal tasks: the makespan with `cal`.
fn one_worker(cal: &Calibration, strategy: Strategy, n: usize) -> f64 {
    let machine = SimMachine::generated(1, 1, 1, 1);
    let tasks = vec![1_000.0; n];
    simulate(&Cell {
        task_ns: &tasks,
        strategy,
        machine: &machine,
        cal,
        seed: 1,
        steal_half: false,
    })
    .makespan_ns
}

#[test]
fn job_and_split_costs_are_charged_once_per_job_and_per_split() {
    let n = 1_000;
    let base = Calibration::example();
    let dearer = |f: fn(&mut Calibration)| {
        let mut cal = base.clone();
        f(&mut cal);
        cal
    };
    // work-stealing:1 makes one job per index; its other schedules none.
    let ws = Strategy::Pool("work-stealing:1".parse().unwrap());
    let jobs = dearer(|c| c.job_ns += 100.0);
    let extra = one_worker(&jobs, ws, n) - one_worker(&base, ws, n);
    assert!((extra - n as f64 * 100.0).abs() < 1e-6, "{extra}");
    let st = Strategy::Pool(Schedule::Static);
    assert_eq!(one_worker(&jobs, st, n), one_worker(&base, st, n));
    // rayon-fine splits a range of n down to single indices: n - 1 splits.
    let fine = Strategy::Rayon { fine: true };
    let splits = dearer(|c| c.rayon_split_ns += 100.0);
    let extra = one_worker(&splits, fine, n) - one_worker(&base, fine, n);
    assert!((extra - (n - 1) as f64 * 100.0).abs() < 1e-6, "{extra}");
    // rayon's per-index cost replaces the pool's loop cost for rayon only.
    let coarse = Strategy::Rayon { fine: false };
    let index = dearer(|c| c.rayon_index_ns += 10.0);
    let extra = one_worker(&index, coarse, n) - one_worker(&base, coarse, n);
    assert!((extra - n as f64 * 10.0).abs() < 1e-6, "{extra}");
    assert_eq!(one_worker(&index, st, n), one_worker(&base, st, n));
}

#[test]
fn a_traced_run_is_the_same_run_and_its_trace_holds_every_task_once() {
    let cal = Calibration::example();
    let machine = SimMachine::generated(1, 4, 1, 4);
    let tasks = heavy_last(400);
    for strategy in every_strategy() {
        let cell = Cell {
            task_ns: &tasks,
            strategy,
            machine: &machine,
            cal: &cal,
            seed: 7,
            steal_half: false,
        };
        let (out, trace) = wsbench_simulator::simulate_traced(&cell);
        assert_eq!(
            out,
            simulate(&cell),
            "{strategy:?}: tracing changed the run"
        );
        let mut seen = vec![0u32; tasks.len()];
        for t in &trace.tasks {
            seen[t.index] += 1;
            assert!(
                t.start_ns <= t.end_ns && t.end_ns <= out.makespan_ns,
                "{strategy:?}: {t:?}"
            );
        }
        assert!(
            seen.iter().all(|&k| k == 1),
            "{strategy:?}: not every task once"
        );
        for w in 0..4 {
            let mut mine: Vec<_> = trace.tasks.iter().filter(|t| t.worker == w).collect();
            mine.sort_by(|a, b| a.start_ns.total_cmp(&b.start_ns));
            for pair in mine.windows(2) {
                assert!(
                    pair[0].end_ns <= pair[1].start_ns + 1e-6,
                    "{strategy:?}: overlap {pair:?}"
                );
            }
        }
        assert_eq!(trace.steals.len() as u64, out.steals(), "{strategy:?}");
    }
}

//! Every runner runs every index exactly once, on a worker of its team pinned where asked,
//! and a panicking body reaches the caller without breaking the team.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use wsbench_baselines::{openmp, ChiliTeam, OmpSchedule, OmpTeam};

const SIZES: [usize; 6] = [0, 1, 2, 7, 1000, 100_003];
const WORKERS: [usize; 4] = [1, 2, 3, 4];
const SCHEDULES: [&str; 9] = [
    "static",
    "static,1",
    "dynamic,1",
    "dynamic,16",
    "guided",
    "guided,4",
    "nonmonotonic:dynamic,1",
    "monotonic:static",
    "auto",
];

/// Worker `w` on the `w`-th allowed CPU, round robin.
fn pinned(p: usize) -> Vec<Option<usize>> {
    let allowed = topology::affinity::allowed_cpus().unwrap_or_else(|| vec![0]);
    (0..p).map(|w| Some(allowed[w % allowed.len()])).collect()
}

/// Counts per index, and checks each call's worker and CPU.
struct Tally {
    seen: Vec<AtomicU32>,
    bad_worker: AtomicU64,
    off_cpu: AtomicU64,
    cpus: Vec<Option<usize>>,
}

impl Tally {
    fn new(n: usize, cpus: &[Option<usize>]) -> Tally {
        Tally {
            seen: (0..n).map(|_| AtomicU32::new(0)).collect(),
            bad_worker: AtomicU64::new(0),
            off_cpu: AtomicU64::new(0),
            cpus: cpus.to_vec(),
        }
    }

    fn body(&self, w: usize, i: usize) {
        self.seen[i].fetch_add(1, Ordering::Relaxed);
        match self.cpus.get(w) {
            None => {
                self.bad_worker.fetch_add(1, Ordering::Relaxed);
            }
            Some(Some(c)) if topology::affinity::current_cpu() != Some(*c) => {
                self.off_cpu.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    fn check(&self, what: &str) {
        let wrong: Vec<usize> = (0..self.seen.len())
            .filter(|&i| self.seen[i].load(Ordering::Relaxed) != 1)
            .take(5)
            .collect();
        assert!(
            wrong.is_empty(),
            "{what}: indices not run exactly once: {wrong:?}"
        );
        assert_eq!(
            self.bad_worker.load(Ordering::Relaxed),
            0,
            "{what}: worker out of range"
        );
        assert_eq!(
            self.off_cpu.load(Ordering::Relaxed),
            0,
            "{what}: ran off its CPU"
        );
    }
}

#[test]
fn openmp_schedules_and_taskloop_run_every_index_once() {
    if let Some(why) = openmp::unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    for p in WORKERS {
        let cpus = pinned(p);
        let team = OmpTeam::new(&cpus).unwrap();
        for n in SIZES {
            for s in SCHEDULES {
                let sched: OmpSchedule = s.parse().unwrap();
                let t = Tally::new(n, &cpus);
                let report = team.for_each(&sched, n, &|w, i| t.body(w, i)).unwrap();
                t.check(&format!("omp:{s} p={p} n={n}"));
                assert_eq!(report.threads, p);
                assert_eq!(report.moved(&cpus), 0, "{report:?}");
            }
            for g in [1, 4, 1000] {
                let t = Tally::new(n, &cpus);
                team.taskloop(g, n, &|w, i| t.body(w, i)).unwrap();
                t.check(&format!("omp-taskloop:{g} p={p} n={n}"));
            }
        }
    }
}

#[test]
fn chili_runs_every_index_once_on_pinned_workers() {
    for p in WORKERS {
        let cpus = pinned(p);
        let team = ChiliTeam::new(&cpus).unwrap();
        for n in SIZES {
            let t = Tally::new(n, &cpus);
            team.for_each(n, &|w, i| t.body(w, i)).unwrap();
            t.check(&format!("chili p={p} n={n}"));
        }
        assert_eq!(team.last_cpus().len(), p);
    }
}

#[test]
fn unpinned_teams_run_too() {
    let cpus = vec![None; 3];
    let t = Tally::new(1000, &cpus);
    ChiliTeam::new(&cpus)
        .unwrap()
        .for_each(1000, &|w, i| t.body(w, i))
        .unwrap();
    t.check("chili unpinned");
    if openmp::unavailable().is_none() {
        let t = Tally::new(1000, &cpus);
        let team = OmpTeam::new(&cpus).unwrap();
        let r = team.for_each(&"dynamic,1".parse().unwrap(), 1000, &|w, i| t.body(w, i));
        t.check("omp unpinned");
        assert_eq!(r.unwrap().moved(&cpus), 0);
    }
}

/// Runs `f` expecting the panic "boom at 5".
fn expect_boom(what: &str, f: impl FnOnce()) {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err(what);
    let msg = err.downcast_ref::<&str>().copied().unwrap_or("");
    assert_eq!(msg, "boom at 5", "{what}");
}

fn boom(_: usize, i: usize) {
    if i == 5 {
        panic!("boom at 5");
    }
}

#[test]
fn a_panic_reaches_the_caller_and_the_team_still_works() {
    let cpus = pinned(2);
    let chili = ChiliTeam::new(&cpus).unwrap();
    expect_boom("chili", || {
        let _ = chili.for_each(1000, &boom);
    });
    let t = Tally::new(1000, &cpus);
    chili.for_each(1000, &|w, i| t.body(w, i)).unwrap();
    t.check("chili after a panic");
    if openmp::unavailable().is_some() {
        return;
    }
    let team = OmpTeam::new(&cpus).unwrap();
    let sched: OmpSchedule = "dynamic,1".parse().unwrap();
    expect_boom("omp", || {
        let _ = team.for_each(&sched, 1000, &boom);
    });
    expect_boom("omp-taskloop", || {
        let _ = team.taskloop(1, 1000, &boom);
    });
    let t = Tally::new(1000, &cpus);
    team.for_each(&sched, 1000, &|w, i| t.body(w, i)).unwrap();
    t.check("omp after a panic");
}

#[test]
fn teams_of_different_sizes_live_side_by_side() {
    if openmp::unavailable().is_some() {
        return;
    }
    let (a, b) = (pinned(2), pinned(3));
    let (ta, tb) = (OmpTeam::new(&a).unwrap(), OmpTeam::new(&b).unwrap());
    let sched: OmpSchedule = "guided".parse().unwrap();
    for _ in 0..3 {
        for (team, cpus) in [(&ta, &a), (&tb, &b)] {
            let t = Tally::new(777, cpus);
            let r = team.for_each(&sched, 777, &|w, i| t.body(w, i)).unwrap();
            t.check("interleaved teams");
            assert_eq!(r.threads, cpus.len());
        }
    }
}

#[test]
fn facts_name_the_runtime() {
    let f = openmp::facts();
    assert_eq!(f.available, openmp::unavailable().is_none());
    if f.available {
        assert!(f.openmp_macro.unwrap() >= 200805, "{f:?}");
        let lib = f.runtime_library.unwrap();
        assert!(lib.contains("libgomp"), "{lib}");
    }
    assert!(!f.compiler.is_empty());
    assert!(openmp::llvm_unavailable().contains("libomp"));
}

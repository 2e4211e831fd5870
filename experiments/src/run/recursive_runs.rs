//! Runner arms for fork-join: a recursive workload's parallel body on our pool (`join`),
//! rayon and chili, and `halving`, our pool's `Pool::join` halving a loop's index range.
//!
//! They follow the other arms (see [`super::timed`]): the warm pool or team is looked up
//! before the clock (built inside it with `pool_in_timing`, and torn down there too); the
//! timed region is the one call that runs the computation and returns when it is done.
//!
//! * **recursive workload** (`join`, `rayon`, `chili`): the region holds
//!   [`Recursive::parallel`] with the runtime's joiner — [`PoolJoin`] (`Pool::join` called
//!   from this thread: the pool takes the root's join, and every join below it is called
//!   on a worker), `workloads::recursive::join::Rayon` inside `install`, or chili's
//!   `Scope` opened on the team's leader. Nothing is recorded per node (a recursive
//!   workload records no latency): the result's digest goes to worker 0's checksum after
//!   the clock, as the serial run's one task does, so a run is checked against serial like
//!   every other. `tasks` is the workload's node count.
//! * **halving**: `Pool::join` splits `0..n` in halves down to single indices, each
//!   index [`Recorders::run_task`] on the worker that runs it (chili's loop idiom, on our
//!   pool). A task learns its worker index from a thread-local that every worker of our
//!   pools sets as it starts ([`note_worker`]); a task on any other thread fails the run.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::anyhow;
use scheduler::Pool;
use workloads::checksum::task_digest;
use workloads::recursive::join::{Join, Rayon};
use workloads::recursive::Recursive;
use workloads::workload::Workload;

use super::execute::{build_pool, build_rayon, teardown_rayon, Executor, RunOutcome};
use super::plan::Cell as PlanCell;
use super::record::Recorders;
use super::strategy::Strategy;
use super::timed::{timed, trace};

/// `Pool::join` as a [`Join`]: a recursive workload's parallel body on our pool.
///
/// ```
/// use scheduler::Pool;
/// use wsbench::run::recursive_runs::PoolJoin;
/// use workloads::recursive::{fib::Fib, Recursive};
/// let pool = Pool::builder().workers(2).build().unwrap();
/// let r = Recursive::Fib(Fib { n: 20, cutoff: 0 });
/// assert_eq!(r.parallel(&mut PoolJoin(&pool)), r.serial());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PoolJoin<'p>(pub &'p Pool);

impl<'p> Join for PoolJoin<'p> {
    type Ctx<'c> = PoolJoin<'p>;

    #[inline]
    fn join<A, B, RA, RB>(&mut self, a: A, b: B) -> (RA, RB)
    where
        A: for<'x, 'c> FnOnce(&'x mut PoolJoin<'p>) -> RA + Send,
        B: for<'x, 'c> FnOnce(&'x mut PoolJoin<'p>) -> RB + Send,
        RA: Send,
        RB: Send,
    {
        let pool = self.0;
        pool.join(
            move || a(&mut PoolJoin(pool)),
            move || b(&mut PoolJoin(pool)),
        )
    }
}

thread_local! {
    /// The worker index of this thread in its pool (`usize::MAX`: not a pool worker).
    static WORKER: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Called by every worker of our pools as it starts: notes its index for `halving`.
pub fn note_worker(index: usize) {
    WORKER.with(|w| w.set(index));
}

/// This thread's worker index (`usize::MAX`: not a worker of our pools).
fn current_worker() -> usize {
    WORKER.with(Cell::get)
}

/// `leaf(i)` for every `i` of `lo..hi` (`lo < hi`), halving the range with `j`.
fn halve<J: Join>(j: &mut J, lo: usize, hi: usize, leaf: &(dyn Fn(usize) + Sync)) {
    if hi - lo == 1 {
        leaf(lo);
        return;
    }
    let mid = lo + (hi - lo) / 2;
    j.join(|j| halve(j, lo, mid, leaf), |j| halve(j, mid, hi, leaf));
}

impl Executor {
    /// One run of a recursive workload's cell on `join`, `rayon` or `chili`.
    pub(super) fn run_recursive(
        &mut self,
        cell: &PlanCell,
        cpus: &[Option<usize>],
        work: &Arc<dyn Workload>,
        in_timing: bool,
    ) -> anyhow::Result<RunOutcome> {
        let r = work
            .recursive()
            .ok_or_else(|| anyhow!("not a recursive workload"))?;
        let (mut out, digest) = match cell.strategy {
            Strategy::Join => self.recursive_on_pool(cell, cpus, r, in_timing)?,
            Strategy::Rayon => self.recursive_on_rayon(cell, cpus, r, in_timing)?,
            Strategy::Chili => self.recursive_on_chili(cell, cpus, r, in_timing)?,
            other => return Err(anyhow!("{other} cannot run a recursive workload")),
        };
        let rec = self.recorders.get_mut(&cell.workers).expect("reset by run");
        rec.add_digest(0, task_digest(0, digest));
        out.tasks = r.nodes();
        trace("after");
        Ok(out)
    }

    fn recursive_on_pool(
        &mut self,
        cell: &PlanCell,
        cpus: &[Option<usize>],
        r: &Recursive,
        in_timing: bool,
    ) -> anyhow::Result<(RunOutcome, u64)> {
        let (mut out, digest) = self.timed_on_pool(cell, cpus, in_timing, 0, |pool, _| {
            r.parallel(&mut PoolJoin(pool))
        })?;
        // The pool counts loop tasks only; the recorders count nothing here.
        out.workers.iter_mut().for_each(|w| w.tasks = None);
        Ok((out, digest))
    }

    /// The timed region on our pool, as every pool arm has it: the warm pool of the
    /// cell (its statistics reset and its threads' migration counts read before the
    /// clock), or with `in_timing` one built and torn down inside the region; `body`
    /// runs on it. The outcome has `tasks` tasks, the pool's statistics and (warm pool)
    /// the migrations during the run.
    fn timed_on_pool<T>(
        &mut self,
        cell: &PlanCell,
        cpus: &[Option<usize>],
        in_timing: bool,
        tasks: u64,
        body: impl Fn(&Pool, &Recorders) -> T,
    ) -> anyhow::Result<(RunOutcome, T)> {
        let key = (cell.workers, cell.placement.to_string());
        let warm = if in_timing {
            None
        } else {
            self.warm_pool(&key, cpus, false)?;
            Some(&self.pools[&key])
        };
        let rec = self.recorders.get_mut(&cell.workers).expect("reset by run");
        let (policy, topology) = (&self.policy, &self.topology);
        let before = warm.map(|wp| {
            wp.pool.reset_stats();
            wp.tids.migrations()
        });
        trace("prepared");
        let (span, (value, reader)) = timed(&self.clock, rec, |rec| match warm {
            Some(wp) => Ok((body(&wp.pool, rec), None)),
            None => {
                trace("build");
                let pool = build_pool(cpus, policy, topology, None, None)?;
                let value = body(&pool, rec);
                let reader = pool.stats_reader();
                drop(pool);
                trace("teardown");
                Ok((value, Some(reader)))
            }
        })?;
        let (stats, worker_cpus) = match (&reader, warm) {
            (Some(rd), _) => (rd.stats(), cpus.to_vec()),
            (None, Some(wp)) => (wp.pool.stats(), wp.pool.worker_cpus().to_vec()),
            (None, None) => unreachable!("a fresh pool leaves a reader"),
        };
        let mut out = RunOutcome::new(&span, &worker_cpus, tasks);
        if let (Some(wp), Some(before)) = (warm, before) {
            out.set_migrations(&before, &wp.tids.migrations());
        }
        out.add_pool_stats(&stats);
        Ok((out, value))
    }

    fn recursive_on_rayon(
        &mut self,
        cell: &PlanCell,
        cpus: &[Option<usize>],
        r: &Recursive,
        in_timing: bool,
    ) -> anyhow::Result<(RunOutcome, u64)> {
        let key = (cell.workers, cell.placement.to_string());
        let warm = if in_timing {
            None
        } else {
            self.warm_rayon(&key, cpus)?;
            Some(&self.rayon_pools[&key])
        };
        let rec = self.recorders.get_mut(&cell.workers).expect("reset by run");
        let before = warm.map(|wp| wp.tids.migrations());
        let exits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        trace("prepared");
        let (span, digest) = timed(&self.clock, rec, |_| match warm {
            Some(wp) => Ok(wp.pool.install(|| r.parallel(&mut Rayon))),
            None => {
                trace("build");
                let pool = build_rayon(cpus, None, Some(exits.clone()))?;
                let digest = pool.install(|| r.parallel(&mut Rayon));
                teardown_rayon(pool, &exits, cpus.len());
                trace("teardown");
                Ok(digest)
            }
        })?;
        let mut out = RunOutcome::new(&span, cpus, 0);
        if let (Some(wp), Some(before)) = (warm, before) {
            out.set_migrations(&before, &wp.tids.migrations());
        }
        Ok((out, digest))
    }

    fn recursive_on_chili(
        &mut self,
        cell: &PlanCell,
        cpus: &[Option<usize>],
        r: &Recursive,
        in_timing: bool,
    ) -> anyhow::Result<(RunOutcome, u64)> {
        let key = (cell.workers, cell.placement.to_string());
        let team = if in_timing {
            None
        } else {
            Some(self.baselines.chili(&key, cpus)?)
        };
        let rec = self.recorders.get_mut(&cell.workers).expect("reset by run");
        trace("prepared");
        let (span, digest) = timed(&self.clock, rec, |_| match team {
            Some(t) => Ok(t.run(|s| r.parallel(s))),
            None => {
                trace("build");
                let t = wsbench_baselines::ChiliTeam::new(cpus).map_err(|e| anyhow!(e))?;
                let digest = t.run(|s| r.parallel(s));
                drop(t);
                trace("teardown");
                Ok(digest)
            }
        })?;
        Ok((RunOutcome::new(&span, cpus, 0), digest))
    }

    /// One run of a loop workload's `halving` cell.
    pub(super) fn run_halving(
        &mut self,
        cell: &PlanCell,
        cpus: &[Option<usize>],
        work: &Arc<dyn Workload>,
        in_timing: bool,
        latency: bool,
    ) -> anyhow::Result<RunOutcome> {
        let (clock, w, n) = (&self.clock.clone(), work.as_ref(), work.len());
        let stray = AtomicBool::new(false);
        let body = |pool: &Pool, rec: &Recorders| {
            let leaf = |i: usize| {
                let worker = current_worker();
                if worker < cpus.len() {
                    rec.run_task(clock, worker, latency, w, i);
                } else {
                    stray.store(true, Ordering::Relaxed);
                }
            };
            if n > 0 {
                halve(&mut PoolJoin(pool), 0, n, &leaf);
            }
        };
        let (mut out, ()) = self.timed_on_pool(cell, cpus, in_timing, n as u64, body)?;
        trace("after");
        if stray.load(Ordering::Relaxed) {
            return Err(anyhow!(
                "a halving task ran on a thread that is not one of the pool's workers"
            ));
        }
        // The pool counts loop tasks only: the recorders count halving's.
        out.tasks = n as u64;
        out.workers.iter_mut().for_each(|w| w.tasks = None);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::Experiment;
    use crate::run::policy::StealPolicy;
    use crate::run::record::{ClockKind, TaskClock};
    use crate::run::timed::take_trace;
    use topology::Topology;

    const RECURSIVE: &str = r#"name = "r"
[[workload]]
name = "tree"
kind = "tree-sum"
depth = 12
[[workload]]
name = "skew"
kind = "tree-sum"
depth = 5
shape = "skewed"
spine = 300
[[workload]]
name = "fib"
kind = "fib"
n = 22
[[workload]]
name = "queens"
kind = "nqueens"
n = 8
[[workload]]
name = "uts"
kind = "uts"
tree = "default"
"#;

    /// Every runtime at 2 workers, warm or with its pool timed: the serial result, and
    /// nothing inside the clock's region but the computation (and the pool's creation
    /// and teardown where those are timed).
    #[test]
    fn every_runtime_gives_the_serial_result_in_the_same_region() {
        let exp = Experiment::parse("r.toml", RECURSIVE).unwrap();
        let mut exec = Executor::new(
            TaskClock::new(ClockKind::Instant),
            Topology::detect().unwrap(),
            StealPolicy::default(),
        );
        for spec in &exp.workloads {
            let work = spec.build(std::path::Path::new(".")).unwrap();
            let nodes = work.recursive().unwrap().nodes();
            let mut reference = None;
            for strategy in ["serial", "join", "rayon", "chili"] {
                let strategy: Strategy = strategy.parse().unwrap();
                for in_timing in [false, true] {
                    let cell = PlanCell {
                        workload: spec.name.clone(),
                        strategy,
                        workers: if strategy == Strategy::Serial { 1 } else { 2 },
                        placement: "none".parse().unwrap(),
                    };
                    take_trace();
                    let out = exec.run(&cell, &work, in_timing, false, false).unwrap();
                    let t = take_trace();
                    let what = format!("{cell}, pool timed {in_timing}: {t:?}");
                    let s = t.iter().position(|e| *e == "start").unwrap();
                    let e = t.iter().position(|e| *e == "end").unwrap();
                    let timed_pool = in_timing && strategy != Strategy::Serial;
                    let inside: &[&str] = if timed_pool {
                        &["build", "teardown"]
                    } else {
                        &[]
                    };
                    assert_eq!(&t[..s], ["prepared"], "{what}");
                    assert_eq!(&t[s + 1..e], inside, "{what}");
                    assert_eq!(&t[e + 1..], ["after", "collect"], "{what}");
                    assert_eq!(
                        *reference.get_or_insert(out.checksum),
                        out.checksum,
                        "{what}"
                    );
                    assert_eq!(out.tasks, nodes, "{what}");
                }
            }
            let expected = task_digest(0, work.recursive().unwrap().serial());
            assert_eq!(reference, Some(expected), "{}", spec.name);
        }
    }

    #[test]
    fn halving_runs_every_index_once_on_the_pools_workers() {
        let pool = Pool::builder()
            .workers(2)
            .on_worker_start(note_worker)
            .build()
            .unwrap();
        let hits: Vec<std::sync::atomic::AtomicU32> = (0..1000)
            .map(|_| std::sync::atomic::AtomicU32::new(0))
            .collect();
        let workers = std::sync::Mutex::new(std::collections::BTreeSet::new());
        halve(&mut PoolJoin(&pool), 0, hits.len(), &|i| {
            hits[i].fetch_add(1, Ordering::Relaxed);
            workers.lock().unwrap().insert(current_worker());
        });
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
        assert!(workers.into_inner().unwrap().iter().all(|&w| w < 2));
        assert_eq!(current_worker(), usize::MAX, "the test thread is no worker");
    }
}

//! One run of one cell: build or reuse the workers, time the batch, collect what was recorded.
//!
//! Every strategy runs through the same harness ([`super::timed`]): preparation before the
//! clock, [`timed`] around the batch on the calling thread, collection after it. What is
//! inside the region, for each strategy:
//!
//! * **serial**: the batch handed as one job to the warm one-worker pool of the cell's
//!   placement (a long-lived thread pinned like worker 0; the main thread is never pinned,
//!   as threads it spawns would inherit its mask), which wakes, runs `0..n` in a plain loop
//!   and signals the caller: the injection and wake-up every parallel run pays, once;
//! * **our pool**: `for_each_index(0..n, schedule, …)` on the warm pool of (workers,
//!   placement), returning when the last task has run;
//! * **rayon, rayon-fine**: `install` of a `par_iter().for_each` (`with_max_len(1)` for
//!   fine) on the warm rayon pool of (workers, placement).
//!
//! Every task, whatever the strategy, is [`Recorders::run_task`] with its worker's index.
//! With `pool_in_timing` (the second seed post's setup: a fresh `multiprocessing.Pool`
//! per batch), the region also holds the pool's creation and its teardown, waited for on
//! both sides: our pool's drop joins every worker thread; rayon's drop only signals its
//! threads, so the region then waits until each has run its exit handler (its last act
//! before its thread returns; the thread's own exit after that is not waited for). The
//! serial baseline always runs on a warm pool: it is the work, not a setup. Pool
//! statistics are reset before the region and read after it; with `pool_in_timing`, a
//! reader of them is taken inside, before the teardown (one reference count).

use anyhow::{anyhow, Context};
use rayon::prelude::*;
use scheduler::{Pool, Schedule, StealAmount, VictimOrder};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use topology::placement::Placement;
use topology::Topology;
use workloads::workload::Workload;

pub use super::outcome::{RunOutcome, WorkerOutcome};
use super::plan::Cell;
pub use super::policy::StealPolicy;
use super::policy::{Steal, Victims};
use super::record::{Recorders, TaskClock};
use super::strategy::Strategy;
use super::threads::Tids;
use super::timed::{timed, trace};
use super::trace::steals::{StealLog, ThiefSteals};
use super::trace::{per_worker_capacity, RunTrace};

/// A warm pool and its workers' thread ids (and, for a traced pool of ours, its steal log).
pub(super) struct Warm<P> {
    pub(super) pool: P,
    pub(super) tids: Arc<Tids>,
    pub(super) steals: Option<Arc<StealLog>>,
}

/// Runs cells; owns the warm pools and the per-worker recorders. The fields are open to
/// the sibling modules of `run/`, so that a new strategy's runner (in its own file, an
/// `impl Executor` block) follows the same pattern as `run_rayon` below.
pub struct Executor {
    /// The task clock (also the makespan's).
    pub(super) clock: TaskClock,
    /// The machine, for placements.
    pub(super) topology: Topology,
    /// Our pool's stealing policy.
    pub(super) policy: StealPolicy,
    /// Our warm pools, by (workers, placement).
    pub(super) pools: HashMap<(usize, String), Warm<Pool>>,
    /// Our warm pools with a steal log, for traced cells (`run/trace/`), by (workers,
    /// placement): an untraced cell's pool has no steal hook.
    traced_pools: HashMap<(usize, String), Warm<Pool>>,
    /// The steal log read after the last traced run of our pool.
    steals_read: Option<Vec<ThiefSteals>>,
    /// rayon's warm pools, by (workers, placement).
    pub(super) rayon_pools: HashMap<(usize, String), Warm<rayon::ThreadPool>>,
    /// Recorders by worker count, reset by [`Executor::run`] before every run.
    pub(super) recorders: HashMap<usize, Recorders>,
    /// Warm OpenMP and chili teams (`baseline_runs.rs`).
    pub(super) baselines: super::baseline_runs::Teams,
}

/// How many workers can run at once: the distinct CPUs they are pinned to, or for unpinned
/// workers at most the allowed CPUs. The lower bound divides the serial work by this, so
/// an oversubscribed cell (8 workers on 2 CPUs) is held to what 2 CPUs can do.
///
/// ```
/// use wsbench::run::execute::parallelism;
/// assert_eq!(parallelism(&[Some(0), Some(1), Some(0), Some(1)], 2), 2);
/// assert_eq!(parallelism(&[None; 8], 2), 2);
/// assert_eq!(parallelism(&[None; 1], 2), 1);
/// ```
pub fn parallelism(cpus: &[Option<usize>], allowed: usize) -> usize {
    let pinned: std::collections::BTreeSet<usize> = cpus.iter().flatten().copied().collect();
    let unpinned = cpus.iter().filter(|c| c.is_none()).count();
    (pinned.len() + unpinned.min(allowed.saturating_sub(pinned.len()))).max(1)
}

/// Where each of `workers` workers goes under `placement` (checked before any work starts).
pub fn resolve(
    topology: &Topology,
    placement: &Placement,
    workers: usize,
) -> Result<Vec<Option<usize>>, String> {
    placement
        .resolve(topology, Some(workers))
        .map_err(|e| format!("{e}"))
}

/// Our pool for workers at `cpus`; each worker notes its thread id in `tids` and its
/// index for `halving`'s tasks ([`super::recursive_runs::note_worker`]), and each steal
/// goes to `steals`.
pub(super) fn build_pool(
    cpus: &[Option<usize>],
    policy: &StealPolicy,
    topology: &Topology,
    tids: Option<Arc<Tids>>,
    steals: Option<Arc<StealLog>>,
) -> anyhow::Result<Pool> {
    let victims = match policy.victim_order {
        Victims::Random => VictimOrder::Random,
        Victims::RoundRobin => VictimOrder::RoundRobin,
        // Nearest first, from the workers' CPUs (unpinned workers count as far).
        Victims::Topology => VictimOrder::Topology(topology.victim_order(cpus)),
    };
    let amount = match policy.steal {
        Steal::One => StealAmount::One,
        Steal::Half => StealAmount::Half,
    };
    let mut builder = Pool::builder()
        .workers(cpus.len())
        .pin_to(cpus.to_vec())
        .victim_order(victims)
        .steal_amount(amount);
    builder = builder.on_worker_start(move |i| {
        super::recursive_runs::note_worker(i);
        if let Some(tids) = &tids {
            tids.note_current(i);
        }
    });
    if let Some(log) = steals {
        builder = builder.on_steal(move |thief, victim| log.note(thief, victim));
    }
    builder
        .build()
        .map_err(|e| anyhow!("building a pool of {} workers: {e}", cpus.len()))
}

/// A rayon pool for workers at `cpus`; each worker notes its thread id in `tids`, and
/// counts itself in `exits` as its thread ends.
pub(super) fn build_rayon(
    cpus: &[Option<usize>],
    tids: Option<Arc<Tids>>,
    exits: Option<Arc<AtomicUsize>>,
) -> anyhow::Result<rayon::ThreadPool> {
    let pins = cpus.to_vec();
    let mut builder = rayon::ThreadPoolBuilder::new()
        .num_threads(cpus.len())
        .thread_name(|i| format!("wsbench-rayon-{i}"))
        .start_handler(move |i| {
            // As our workers do: without it, rayon's threads start with the spawning
            // thread's blocks in their malloc cache and allocating tiny tasks share
            // cache lines across threads (p = 2: 104 ms against 58 ms with glibc's
            // tcache off, 1,000,000 tiny tasks; `scheduler::keep_foreign_cached_blocks`).
            scheduler::keep_foreign_cached_blocks();
            if let Some(Some(cpu)) = pins.get(i) {
                topology::affinity::pin_current(*cpu);
            }
            if let Some(tids) = &tids {
                tids.note_current(i);
            }
        });
    if let Some(exits) = exits {
        builder = builder.exit_handler(move |_| {
            exits.fetch_add(1, Ordering::Release);
        });
    }
    builder.build().context("building a rayon pool")
}

/// Drops a rayon pool and waits until all `n` of its threads have run their exit handler.
pub(super) fn teardown_rayon(pool: rayon::ThreadPool, exits: &AtomicUsize, n: usize) {
    drop(pool);
    while exits.load(Ordering::Acquire) < n {
        std::thread::yield_now();
    }
}

impl Executor {
    /// An executor for one experiment.
    pub fn new(clock: TaskClock, topology: Topology, policy: StealPolicy) -> Executor {
        Executor {
            clock,
            topology,
            policy,
            pools: HashMap::new(),
            traced_pools: HashMap::new(),
            steals_read: None,
            rayon_pools: HashMap::new(),
            recorders: HashMap::new(),
            baselines: Default::default(),
        }
    }

    /// Runs `cell` once on `work`; `pool_in_timing` puts pool creation and shutdown inside
    /// the timed region, `latency` records every task's wait, service and response, and
    /// `trace` (which implies `latency`) every task's span and our pool's steals.
    pub fn run(
        &mut self,
        cell: &Cell,
        work: &Arc<dyn Workload>,
        pool_in_timing: bool,
        latency: bool,
        traced: bool,
    ) -> anyhow::Result<RunOutcome> {
        let cpus =
            resolve(&self.topology, &cell.placement, cell.workers).map_err(|e| anyhow!(e))?;
        let rec = self
            .recorders
            .entry(cell.workers)
            .or_insert_with(|| Recorders::new(cell.workers));
        rec.reset();
        if traced {
            rec.start_trace(per_worker_capacity(work.len(), cell.workers));
        }
        let latency = latency || traced;
        self.steals_read = None;
        let recursive = work
            .recursive()
            .filter(|_| cell.strategy != Strategy::Serial);
        let mut out = match cell.strategy {
            _ if recursive.is_some() => self.run_recursive(cell, &cpus, work, pool_in_timing),
            Strategy::Join => Err(anyhow!("join runs recursive workloads only")),
            Strategy::Halving => self.run_halving(cell, &cpus, work, pool_in_timing, latency),
            Strategy::Serial => self.run_serial(cell, &cpus, work, latency),
            Strategy::Pool(schedule) => {
                let timing = (pool_in_timing, latency, traced);
                self.run_pool(cell, &cpus, schedule, work, timing)
            }
            Strategy::Rayon => self.run_rayon(cell, &cpus, false, work, pool_in_timing, latency),
            Strategy::RayonFine => self.run_rayon(cell, &cpus, true, work, pool_in_timing, latency),
            Strategy::Omp(_) | Strategy::OmpTaskloop(_) | Strategy::Chili => {
                self.run_baseline(cell, &cpus, work, pool_in_timing, latency)
            }
        }
        .map_err(|e| anyhow!("{cell}: {e:#}"))?;
        let rec = &self.recorders[&cell.workers];
        out.add_records(rec, &self.clock, latency);
        if traced {
            let steals = self.steals_read.take();
            out.trace = Some(RunTrace::collect(rec, &self.clock, steals.as_deref()));
        }
        trace("collect");
        out.cpus = parallelism(&cpus, self.topology.allowed_cpus().len());
        Ok(out)
    }

    /// The warm pool of `key` (workers, placement), built on first use; with `traced`,
    /// the one with a steal log.
    pub(super) fn warm_pool(
        &mut self,
        key: &(usize, String),
        cpus: &[Option<usize>],
        traced: bool,
    ) -> anyhow::Result<&Warm<Pool>> {
        let pools = if traced {
            &mut self.traced_pools
        } else {
            &mut self.pools
        };
        if !pools.contains_key(key) {
            let tids = Arc::new(Tids::new(cpus.len()));
            let steals = traced.then(|| Arc::new(StealLog::new(cpus.len(), self.clock.clone())));
            let pool = build_pool(
                cpus,
                &self.policy,
                &self.topology,
                Some(tids.clone()),
                steals.clone(),
            )?;
            tids.wait_all();
            pools.insert(key.clone(), Warm { pool, tids, steals });
        }
        Ok(&pools[key])
    }

    fn run_serial(
        &mut self,
        cell: &Cell,
        cpus: &[Option<usize>],
        work: &Arc<dyn Workload>,
        latency: bool,
    ) -> anyhow::Result<RunOutcome> {
        // A long-lived, pinned thread like every parallel strategy's workers (a fresh
        // thread per run would be treated differently by the OS scheduler on a busy machine).
        let key = (1, cell.placement.to_string());
        self.warm_pool(&key, &cpus[..1], false)?;
        let warm = &self.pools[&key];
        let rec = self.recorders.get_mut(&1).expect("reset above");
        let (clock, w, n) = (&self.clock, work.as_ref(), work.len());
        let before = warm.tids.migrations();
        trace("prepared");
        let (span, ()) = timed(clock, rec, |rec| {
            warm.pool.scope(|_| {
                if latency {
                    (0..n).for_each(|i| {
                        rec.run_task(clock, 0, true, w, i);
                    });
                } else {
                    (0..n).for_each(|i| {
                        rec.run_task(clock, 0, false, w, i);
                    });
                }
            });
            Ok(())
        })?;
        // A recursive workload's one task counts as its nodes, as its parallel runs do.
        let mut out = RunOutcome::new(&span, warm.pool.worker_cpus(), work.size() as u64);
        out.set_migrations(&before, &warm.tids.migrations());
        trace("after");
        Ok(out)
    }

    /// `timing`: (pool in timing, latency, trace).
    fn run_pool(
        &mut self,
        cell: &Cell,
        cpus: &[Option<usize>],
        schedule: Schedule,
        work: &Arc<dyn Workload>,
        timing: (bool, bool, bool),
    ) -> anyhow::Result<RunOutcome> {
        let (in_timing, latency, traced) = timing;
        let key = (cell.workers, cell.placement.to_string());
        if !in_timing {
            self.warm_pool(&key, cpus, traced)?;
        }
        let pools = if traced {
            &self.traced_pools
        } else {
            &self.pools
        };
        let warm = (!in_timing).then(|| &pools[&key]);
        let fresh_log =
            (in_timing && traced).then(|| Arc::new(StealLog::new(cpus.len(), self.clock.clone())));
        let log = warm.and_then(|w| w.steals.clone()).or(fresh_log);
        let rec = self.recorders.get_mut(&cell.workers).expect("reset above");
        let (clock, w, n) = (&self.clock, work.as_ref(), work.len());
        let (policy, topology) = (&self.policy, &self.topology);
        let body = |pool: &Pool, rec: &Recorders| {
            if latency {
                pool.for_each_index(0..n, schedule, |ctx, i| {
                    rec.run_task(clock, ctx.worker_index(), true, w, i);
                });
            } else {
                pool.for_each_index(0..n, schedule, |ctx, i| {
                    rec.run_task(clock, ctx.worker_index(), false, w, i);
                });
            }
        };
        let before = warm.map(|wp| {
            wp.pool.reset_stats();
            wp.tids.migrations()
        });
        if let Some(log) = &log {
            log.reset();
        }
        trace("prepared");
        let (span, reader) = timed(clock, rec, |rec| match warm {
            Some(wp) => {
                body(&wp.pool, rec);
                Ok(None)
            }
            None => {
                trace("build");
                let pool = build_pool(cpus, policy, topology, None, log.clone())?;
                body(&pool, rec);
                let reader = pool.stats_reader();
                drop(pool); // joins every worker thread
                trace("teardown");
                Ok(Some(reader))
            }
        })?;
        let (stats, worker_cpus) = match (&reader, warm) {
            (Some(r), _) => (r.stats(), cpus.to_vec()),
            (None, Some(wp)) => (wp.pool.stats(), wp.pool.worker_cpus().to_vec()),
            (None, None) => unreachable!("a fresh pool leaves a reader"),
        };
        trace("after");
        let mut out = RunOutcome::new(&span, &worker_cpus, n as u64);
        if let (Some(wp), Some(before)) = (warm, before) {
            out.set_migrations(&before, &wp.tids.migrations());
        }
        out.add_pool_stats(&stats);
        self.steals_read = log.map(|l| l.read());
        Ok(out)
    }

    /// The warm rayon pool of `key`, built on first use.
    pub(super) fn warm_rayon(
        &mut self,
        key: &(usize, String),
        cpus: &[Option<usize>],
    ) -> anyhow::Result<&Warm<rayon::ThreadPool>> {
        if !self.rayon_pools.contains_key(key) {
            let tids = Arc::new(Tids::new(cpus.len()));
            let pool = build_rayon(cpus, Some(tids.clone()), None)?;
            // rayon's builder returns before its threads start.
            tids.wait_all();
            let steals = None;
            self.rayon_pools
                .insert(key.clone(), Warm { pool, tids, steals });
        }
        Ok(&self.rayon_pools[key])
    }

    fn run_rayon(
        &mut self,
        cell: &Cell,
        cpus: &[Option<usize>],
        fine: bool,
        work: &Arc<dyn Workload>,
        in_timing: bool,
        latency: bool,
    ) -> anyhow::Result<RunOutcome> {
        let key = (cell.workers, cell.placement.to_string());
        let warm = if in_timing {
            None
        } else {
            self.warm_rayon(&key, cpus)?;
            Some(&self.rayon_pools[&key])
        };
        let rec = self.recorders.get_mut(&cell.workers).expect("reset above");
        let (clock, w, n) = (&self.clock, work.as_ref(), work.len());
        let body = |pool: &rayon::ThreadPool, rec: &Recorders| {
            let task = |i: usize| {
                let worker = rayon::current_thread_index().unwrap_or(0);
                rec.run_task(clock, worker, latency, w, i);
            };
            pool.install(|| {
                if fine {
                    (0..n).into_par_iter().with_max_len(1).for_each(task);
                } else {
                    (0..n).into_par_iter().for_each(task);
                }
            })
        };
        let before = warm.map(|wp| wp.tids.migrations());
        let exits = Arc::new(AtomicUsize::new(0));
        trace("prepared");
        let (span, ()) = timed(clock, rec, |rec| {
            match warm {
                Some(wp) => body(&wp.pool, rec),
                None => {
                    trace("build");
                    let pool = build_rayon(cpus, None, Some(exits.clone()))?;
                    body(&pool, rec);
                    teardown_rayon(pool, &exits, cpus.len());
                    trace("teardown");
                }
            }
            Ok(())
        })?;
        trace("after");
        let mut out = RunOutcome::new(&span, cpus, n as u64);
        if let (Some(wp), Some(before)) = (warm, before) {
            out.set_migrations(&before, &wp.tids.migrations());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::Experiment;
    use crate::run::record::ClockKind;
    use crate::run::timed::take_trace;

    /// Every strategy, warm or with its pool timed, recording on or off: the same steps
    /// in the same order around the clock, and nothing inside it but the batch (and the
    /// pool's creation and teardown where those are timed).
    #[test]
    fn every_strategy_times_the_same_region() {
        let text = "name = \"t\"\n[[workload]]\nname = \"f\"\nkind = \"factorial\"\nn = 300\n";
        let exp = Experiment::parse("t.toml", text).unwrap();
        let work = exp.workloads[0].build(std::path::Path::new(".")).unwrap();
        let topology = Topology::detect().unwrap();
        let mut exec = Executor::new(
            TaskClock::new(ClockKind::Instant),
            topology,
            StealPolicy::default(),
        );
        let mut reference = None;
        let mut strategies = vec![
            "serial",
            "static",
            "work-stealing:1",
            "adaptive",
            "fac2",
            "rayon",
            "rayon-fine",
            "chili",
            "halving",
        ];
        if wsbench_baselines::openmp::unavailable().is_none() {
            strategies.extend(["omp:dynamic,1", "omp-taskloop:4"]);
        }
        for strategy in strategies {
            let strategy: Strategy = strategy.parse().unwrap();
            let combos = [
                (false, false, false),
                (false, true, false),
                (true, false, false),
                (true, true, false),
                (false, true, true),
                (true, true, true),
            ];
            for (in_timing, latency, traced) in combos {
                let cell = Cell {
                    workload: "f".into(),
                    strategy,
                    workers: if strategy == Strategy::Serial { 1 } else { 2 },
                    placement: "none".parse().unwrap(),
                };
                take_trace();
                let out = exec.run(&cell, &work, in_timing, latency, traced).unwrap();
                let t = take_trace();
                let s = t.iter().position(|e| *e == "start").unwrap();
                let e = t.iter().position(|e| *e == "end").unwrap();
                let timed_pool = in_timing && strategy != Strategy::Serial;
                let inside: &[&str] = if timed_pool {
                    &["build", "teardown"]
                } else {
                    &[]
                };
                let what =
                    format!("{cell}, pool timed {in_timing}, recording {latency}, traced {traced}");
                let traced_tasks = out.trace.as_ref().map(|t| t.tasks.len());
                assert_eq!(traced_tasks, traced.then_some(300), "{what}");
                assert_eq!(&t[..s], ["prepared"], "{what}: {t:?}");
                assert_eq!(&t[s + 1..e], inside, "{what}: {t:?}");
                assert_eq!(&t[e + 1..], ["after", "collect"], "{what}: {t:?}");
                assert_eq!(
                    *reference.get_or_insert(out.checksum),
                    out.checksum,
                    "{what}"
                );
                assert_eq!(out.tasks, 300, "{what}");
                assert_eq!(out.busy_ns.is_some(), latency, "{what}");
                assert_eq!(out.cov.is_some(), latency, "{what}");
                let finishes = out.workers.iter().filter(|w| w.finish_ns.is_some()).count();
                assert_eq!(finishes, if latency { cell.workers } else { 0 }, "{what}");
                assert_eq!(
                    out.percent_imbalance.is_some(),
                    latency && cell.workers > 1,
                    "{what}"
                );
            }
        }
    }
}

//! One run of one cell: build or reuse the workers, time the batch, collect what was recorded.
//!
//! The timed region is the batch: from just before the first task can start to the return
//! of `for_each_index` (or rayon's `for_each`, or the serial loop). With `pool_in_timing`,
//! it also holds the pool's creation and its shutdown (the second seed post's setup: a
//! fresh `multiprocessing.Pool` per batch); otherwise one warm pool per (workers,
//! placement) is built on first use and reused for every run. (Our pool's drop joins every
//! worker; rayon's `ThreadPool` drop only signals its threads to exit, so rayon's
//! shutdown is not fully inside the timed region.)
//!
//! The serial baseline runs as one task on the warm one-worker pool of the cell's
//! placement: a long-lived thread pinned like worker 0 (the main thread is never pinned:
//! threads it spawns would inherit its mask). With
//! recording on it times every task, which gives the lower bound's Σ and max of the task
//! times; with recording off it is as uninstrumented as the parallel runs, and the lower
//! bound falls back to serial makespan / p (the max-task term is unknown).

use anyhow::{anyhow, Context};
use rayon::prelude::*;
use scheduler::{Pool, PoolStats, Schedule, StealAmount, VictimOrder};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;
use topology::placement::Placement;
use topology::Topology;
use workloads::checksum::task_digest;
use workloads::workload::Workload;

use super::plan::Cell;
pub use super::policy::StealPolicy;
use super::policy::{Steal, Victims};
use super::record::{Latency, Recorders, TaskClock};
use super::strategy::Strategy;

/// What one worker did in one run (a row of `workers.csv`).
#[derive(Debug, Clone, Default)]
pub struct WorkerOutcome {
    /// OS CPU the worker was pinned to.
    pub cpu: Option<usize>,
    /// Busy time (ns).
    pub busy_ns: Option<u64>,
    /// Idle time (ns).
    pub idle_ns: Option<u64>,
    /// Tasks run.
    pub tasks: Option<u64>,
    /// Successful steals.
    pub steals: Option<u64>,
    /// Parks.
    pub parks: Option<u64>,
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// Wall time of the timed region.
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
    /// Σ busy time.
    pub busy_ns: Option<u64>,
    /// Σ idle time.
    pub idle_ns: Option<u64>,
    /// Tasks off their pinned CPU (when recording).
    pub migrations: Option<u64>,
    /// Tasks run (counted by the scheduler or the recorder; the workload's length otherwise).
    pub tasks: u64,
    /// Σ task service time (serial always; others when recording).
    pub task_sum_ns: Option<u64>,
    /// Longest task (serial always; others when recording).
    pub task_max_ns: Option<u64>,
    /// How many workers can run at once (see [`parallelism`]).
    pub cpus: usize,
}

/// Runs cells; owns the warm pools and the per-worker recorders.
pub struct Executor {
    pub(super) clock: TaskClock,
    topology: Topology,
    policy: StealPolicy,
    /// Recording on for the run in progress (set by [`Executor::run`]).
    pub(super) latency: bool,
    pools: HashMap<(usize, String), Pool>,
    rayon_pools: HashMap<(usize, String), rayon::ThreadPool>,
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

fn build_pool(
    cpus: &[Option<usize>],
    policy: &StealPolicy,
    topology: &Topology,
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
    Pool::builder()
        .workers(cpus.len())
        .pin_to(cpus.to_vec())
        .victim_order(victims)
        .steal_amount(amount)
        .build()
        .map_err(|e| anyhow!("building a pool of {} workers: {e}", cpus.len()))
}

fn build_rayon(cpus: &[Option<usize>]) -> anyhow::Result<rayon::ThreadPool> {
    let pins = cpus.to_vec();
    rayon::ThreadPoolBuilder::new()
        .num_threads(cpus.len())
        .thread_name(|i| format!("wsbench-rayon-{i}"))
        .start_handler(move |i| {
            if let Some(Some(cpu)) = pins.get(i) {
                topology::affinity::pin_current(*cpu);
            }
        })
        .build()
        .context("building a rayon pool")
}

/// The pool's side of an outcome: per-worker and total steals, parks, busy and idle time.
fn add_pool_stats(out: &mut RunOutcome, stats: &PoolStats, makespan_ns: u64) {
    let mut totals = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    for (i, ws) in stats.workers.iter().enumerate() {
        // Idle = the part of the batch this worker spent not running tasks. The
        // pool's own idle counter cannot be used: it leaves out the idle period
        // still open when the stats are read (a worker that finished early).
        let idle_ns = makespan_ns.saturating_sub(ws.busy_ns);
        let failed = ws.steal_attempts.saturating_sub(ws.steal_successes);
        totals.0 += ws.steal_successes;
        totals.1 += failed;
        totals.2 += ws.parks;
        totals.3 += ws.busy_ns;
        totals.4 += idle_ns;
        totals.5 += ws.tasks;
        if let Some(wo) = out.workers.get_mut(i) {
            wo.busy_ns = Some(ws.busy_ns);
            wo.idle_ns = Some(idle_ns);
            wo.tasks = Some(ws.tasks);
            wo.steals = Some(ws.steal_successes);
            wo.parks = Some(ws.parks);
        }
    }
    out.steals = Some(totals.0);
    out.failed_steals = Some(totals.1);
    out.parks = Some(totals.2);
    out.busy_ns = Some(totals.3);
    out.idle_ns = Some(totals.4);
    out.tasks = totals.5;
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a task panicked".into())
}

impl Executor {
    /// An executor for one experiment.
    pub fn new(clock: TaskClock, topology: Topology, policy: StealPolicy) -> Executor {
        Executor {
            clock,
            topology,
            policy,
            latency: true,
            pools: HashMap::new(),
            rayon_pools: HashMap::new(),
            recorders: HashMap::new(),
            baselines: Default::default(),
        }
    }

    /// Runs `cell` once on `work`; `pool_in_timing` puts pool creation and shutdown inside
    /// the timed region, `latency` records every task's wait, service and response.
    pub fn run(
        &mut self,
        cell: &Cell,
        work: &Arc<dyn Workload>,
        pool_in_timing: bool,
        latency: bool,
    ) -> anyhow::Result<RunOutcome> {
        self.latency = latency;
        let cpus =
            resolve(&self.topology, &cell.placement, cell.workers).map_err(|e| anyhow!(e))?;
        let rec = self
            .recorders
            .entry(cell.workers)
            .or_insert_with(|| Recorders::new(cell.workers));
        rec.reset(&cpus);
        let mut out = match cell.strategy {
            Strategy::Serial => self.run_serial(cell, &cpus, work),
            Strategy::Pool(schedule) => self.run_pool(cell, &cpus, schedule, work, pool_in_timing),
            Strategy::Rayon => self.run_rayon(cell, &cpus, false, work, pool_in_timing),
            Strategy::RayonFine => self.run_rayon(cell, &cpus, true, work, pool_in_timing),
            Strategy::Omp(_) | Strategy::OmpTaskloop(_) | Strategy::Chili => {
                self.run_baseline(cell, &cpus, work, pool_in_timing)
            }
        }?;
        out.cpus = parallelism(&cpus, self.topology.allowed_cpus().len());
        Ok(out)
    }

    fn run_serial(
        &mut self,
        cell: &Cell,
        cpus: &[Option<usize>],
        work: &Arc<dyn Workload>,
    ) -> anyhow::Result<RunOutcome> {
        // The loop runs on the warm one-worker pool's thread: a long-lived, pinned thread
        // like every parallel strategy's workers (a fresh thread per run would be treated
        // differently by the OS scheduler on a busy machine).
        let key = (1, cell.placement.to_string());
        if !self.pools.contains_key(&key) {
            let pool = build_pool(&cpus[..1], &self.policy, &self.topology)?;
            self.pools.insert(key.clone(), pool);
        }
        let pool = &self.pools[&key];
        let cpu = pool.worker_cpus().first().copied().flatten();
        let rec = self.recorders.get_mut(&1).expect("reset above");
        let clock = &self.clock;
        let latency = self.latency;
        let work = work.as_ref();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|_| {
                let n = work.len();
                let (mut sum, mut max, mut checksum) = (0u64, 0u64, 0u64);
                let started = Instant::now();
                rec.set_batch_start(clock.now());
                if latency {
                    for i in 0..n {
                        let d = rec.run_task(clock, 0, true, work, i);
                        sum += d;
                        max = max.max(d);
                    }
                } else {
                    // Uninstrumented, like the parallel runs without recording.
                    for i in 0..n {
                        checksum = checksum.wrapping_add(task_digest(i, work.run(i)));
                    }
                }
                let makespan = started.elapsed().as_nanos() as u64;
                if !latency {
                    sum = makespan;
                }
                (makespan, sum, max, checksum.wrapping_add(rec.checksum()), n)
            })
        }));
        let (makespan_ns, sum, max, checksum, n) =
            result.map_err(|p| anyhow!("serial run: {}", panic_message(p)))?;
        let mut out = RunOutcome {
            makespan_ns,
            checksum,
            tasks: n as u64,
            task_sum_ns: Some(sum),
            task_max_ns: self.latency.then_some(max),
            busy_ns: Some(sum),
            idle_ns: Some(makespan_ns.saturating_sub(sum)),
            ..RunOutcome::default()
        };
        out.workers = vec![WorkerOutcome {
            cpu,
            busy_ns: out.busy_ns,
            idle_ns: out.idle_ns,
            tasks: Some(n as u64),
            ..WorkerOutcome::default()
        }];
        if self.latency {
            let rec = &self.recorders[&1];
            out.latency = Some(rec.merged());
            let mut migrations = 0;
            rec.for_each(|_, r| migrations += r.migrations);
            out.migrations = Some(migrations);
        }
        Ok(out)
    }

    fn run_pool(
        &mut self,
        cell: &Cell,
        cpus: &[Option<usize>],
        schedule: Schedule,
        work: &Arc<dyn Workload>,
        in_timing: bool,
    ) -> anyhow::Result<RunOutcome> {
        let key = (cell.workers, cell.placement.to_string());
        if !in_timing && !self.pools.contains_key(&key) {
            let pool = build_pool(cpus, &self.policy, &self.topology)?;
            self.pools.insert(key.clone(), pool);
        }
        let rec = self.recorders.get_mut(&cell.workers).expect("reset above");
        let clock = &self.clock;
        let n = work.len();
        let w = work.as_ref();
        let latency = self.latency;
        let mut fresh: Option<Pool> = None;
        let started = Instant::now();
        rec.set_batch_start(clock.now());
        let rec = &*rec;
        let body = |pool: &Pool| {
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
        let ran = std::panic::catch_unwind(AssertUnwindSafe(|| -> anyhow::Result<()> {
            if in_timing {
                let pool = build_pool(cpus, &self.policy, &self.topology)?;
                pool.reset_stats();
                body(&pool);
                fresh = Some(pool);
            } else {
                let pool = &self.pools[&key];
                pool.reset_stats();
                body(pool);
            }
            Ok(())
        }));
        // With the pool inside the timed region, its shutdown (joining every thread) is too;
        // the stats are read first.
        let (stats, worker_cpus) = match &fresh {
            Some(p) => (p.stats(), p.worker_cpus().to_vec()),
            None => (
                self.pools[&key].stats(),
                self.pools[&key].worker_cpus().to_vec(),
            ),
        };
        drop(fresh);
        let makespan_ns = started.elapsed().as_nanos() as u64;
        ran.map_err(|p| anyhow!("{cell}: {}", panic_message(p)))??;

        let mut out = self.collect(cell, makespan_ns, &worker_cpus);
        add_pool_stats(&mut out, &stats, makespan_ns);
        Ok(out)
    }

    fn run_rayon(
        &mut self,
        cell: &Cell,
        cpus: &[Option<usize>],
        fine: bool,
        work: &Arc<dyn Workload>,
        in_timing: bool,
    ) -> anyhow::Result<RunOutcome> {
        let key = (cell.workers, cell.placement.to_string());
        if !in_timing && !self.rayon_pools.contains_key(&key) {
            self.rayon_pools.insert(key.clone(), build_rayon(cpus)?);
        }
        let rec = self.recorders.get_mut(&cell.workers).expect("reset above");
        let clock = &self.clock;
        let n = work.len();
        let w = work.as_ref();
        let latency = self.latency;
        let started = Instant::now();
        rec.set_batch_start(clock.now());
        let rec = &*rec;
        let task = |i: usize| {
            let worker = rayon::current_thread_index().unwrap_or(0);
            rec.run_task(clock, worker, latency, w, i);
        };
        let body = |pool: &rayon::ThreadPool| {
            pool.install(|| {
                if fine {
                    (0..n).into_par_iter().with_max_len(1).for_each(task);
                } else {
                    (0..n).into_par_iter().for_each(task);
                }
            })
        };
        let ran = std::panic::catch_unwind(AssertUnwindSafe(|| -> anyhow::Result<()> {
            if in_timing {
                let pool = build_rayon(cpus)?;
                body(&pool);
                drop(pool);
            } else {
                body(&self.rayon_pools[&key]);
            }
            Ok(())
        }));
        let makespan_ns = started.elapsed().as_nanos() as u64;
        ran.map_err(|p| anyhow!("{cell}: {}", panic_message(p)))??;
        let mut out = self.collect(cell, makespan_ns, cpus);
        out.tasks = n as u64;
        if latency {
            out.busy_ns = out.task_sum_ns;
            out.idle_ns = Some(
                (makespan_ns * cell.workers as u64).saturating_sub(out.task_sum_ns.unwrap_or(0)),
            );
        }
        Ok(out)
    }

    /// The recorders' side of an outcome: checksum, latency, per-worker counts.
    pub(super) fn collect(
        &self,
        cell: &Cell,
        makespan_ns: u64,
        cpus: &[Option<usize>],
    ) -> RunOutcome {
        let rec = &self.recorders[&cell.workers];
        let mut out = RunOutcome {
            makespan_ns,
            checksum: rec.checksum(),
            ..RunOutcome::default()
        };
        out.workers = (0..cell.workers)
            .map(|i| WorkerOutcome {
                cpu: cpus.get(i).copied().flatten(),
                ..Default::default()
            })
            .collect();
        if self.latency {
            let (mut sum, mut max, mut migrations) = (0u64, 0u64, 0u64);
            rec.for_each(|i, r| {
                sum += r.busy_ns;
                max = max.max(r.latency.service.max());
                migrations += r.migrations;
                if let Some(wo) = out.workers.get_mut(i) {
                    wo.busy_ns = Some(r.busy_ns);
                    wo.idle_ns = Some(makespan_ns.saturating_sub(r.busy_ns));
                    wo.tasks = Some(r.tasks);
                }
            });
            out.latency = Some(rec.merged());
            out.task_sum_ns = Some(sum);
            out.task_max_ns = Some(max);
            out.migrations = Some(migrations);
        }
        out
    }
}

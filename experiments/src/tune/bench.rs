//! Measuring a config's workloads: one candidate's measurement is one run of every
//! workload of the config (through `run`'s [`Executor`], on its warm pools, with its
//! timed region), and its cost is the sum of their makespans. Every run's checksum is
//! compared with a serial run's, made before the race; a mismatch stops the tune.
//! Latency recording is off: the makespan is all the race needs.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use topology::placement::Placement;
use topology::Topology;
use workloads::workload::Workload;

use super::race::Failure;
use super::space::{Candidate, Method};
use super::state::{Live, Measured};
use crate::run::execute::Executor;
use crate::run::plan::Cell;
use crate::run::policy::StealPolicy;
use crate::run::record::{ClockCosts, TaskClock};
use crate::run::strategy::Strategy;
use crate::run::sweep::INTERRUPTED;
use crate::run::workload::WorkloadSpec;

/// A workload, built, with its serial checksum.
pub struct Work {
    /// The spec (name, `pool_in_timing`).
    pub spec: WorkloadSpec,
    /// The tasks.
    pub work: Arc<dyn Workload>,
    /// The serial run's checksum.
    pub reference: Option<u64>,
}

/// The live measurer of config mode.
pub struct Bench {
    /// One executor per stealing policy (the policy is a pool setting).
    execs: Vec<(StealPolicy, Executor)>,
    work: Vec<Work>,
    candidates: Vec<Candidate>,
    topology: Topology,
    clock: ClockCosts,
    deadline: Option<Instant>,
    /// Testing aid: behave as if Ctrl-C came after this many live runs.
    stop_after: Option<usize>,
    live_runs: usize,
}

impl Bench {
    /// A measurer for `candidates` on `work`; the serial references are made by
    /// [`Bench::references`].
    pub fn new(
        topology: Topology,
        work: Vec<Work>,
        candidates: Vec<Candidate>,
        budget: Option<Duration>,
        stop_after: Option<usize>,
    ) -> Bench {
        Bench {
            execs: Vec::new(),
            work,
            candidates,
            topology,
            clock: ClockCosts::measure(),
            deadline: budget.map(|b| Instant::now() + b),
            stop_after,
            live_runs: 0,
        }
    }

    fn exec(&mut self, policy: StealPolicy) -> &mut Executor {
        if let Some(i) = self.execs.iter().position(|(p, _)| *p == policy) {
            return &mut self.execs[i].1;
        }
        let e = Executor::new(
            TaskClock::new(self.clock.chosen),
            self.topology.clone(),
            policy,
        );
        self.execs.push((policy, e));
        &mut self.execs.last_mut().expect("pushed").1
    }

    /// One serial run of each workload (unpinned), whose checksum every run must match.
    pub fn references(&mut self) -> anyhow::Result<()> {
        let none: Placement = "none".parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        for i in 0..self.work.len() {
            let cell = Cell {
                workload: self.work[i].spec.name.clone(),
                strategy: Strategy::Serial,
                workers: 1,
                placement: none.clone(),
            };
            let work = Arc::clone(&self.work[i].work);
            let out = self
                .exec(StealPolicy::default())
                .run(&cell, &work, false, false, false)?;
            self.work[i].reference = Some(out.checksum);
        }
        Ok(())
    }
}

impl Live for Bench {
    fn run(&mut self, c: usize, _round: usize) -> Measured {
        if INTERRUPTED.load(Ordering::SeqCst) || self.stop_after == Some(self.live_runs) {
            return Err(Failure::Abort("interrupted".into()));
        }
        self.live_runs += 1;
        let cand = self.candidates[c].clone();
        let Method::Strategy(strategy, policy) = cand.method else {
            return Err(Failure::Abort(
                "an OMP_SCHEDULE method in config mode".into(),
            ));
        };
        let mut total = 0u64;
        for i in 0..self.work.len() {
            let cell = Cell {
                workload: self.work[i].spec.name.clone(),
                strategy,
                workers: cand.workers,
                placement: cand.placement.clone(),
            };
            let (work, timing) = (
                Arc::clone(&self.work[i].work),
                self.work[i].spec.pool_in_timing,
            );
            let reference = self.work[i].reference;
            let out = self
                .exec(policy)
                .run(&cell, &work, timing, false, false)
                .map_err(|e| Failure::Candidate(format!("{e:#}")))?;
            if Some(out.checksum) != reference {
                return Err(Failure::Abort(format!(
                    "checksum mismatch: {cell} gave {:016x}, serial gave {:016x} (a task was lost, \
                     repeated or computed wrongly)",
                    out.checksum,
                    reference.unwrap_or(0)
                )));
            }
            total += out.makespan_ns.max(1);
        }
        Ok((total as f64, total as f64))
    }

    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

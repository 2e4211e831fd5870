//! Runner arms for the field's runtimes (`wsbench-baselines`): OpenMP's schedules and
//! taskloop on GNU libgomp, and chili.
//!
//! They follow rayon's arm in `execute.rs`: one warm team per (workers, placement), built
//! on first use outside the timed region (inside it with `pool_in_timing`, and dropped
//! there too); the timed region is the call that runs the loop; every index runs the same
//! `Recorders::run_task` as every other strategy, on the worker index the runtime reports
//! (OpenMP's thread number; chili's worker found by thread id), so the checksum, the
//! latency histograms and the per-worker counts mean the same thing for every strategy.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::anyhow;
use workloads::workload::Workload;
use wsbench_baselines::{ChiliTeam, OmpTeam};

use super::config::Experiment;
use super::execute::{Executor, RunOutcome};
use super::plan::Cell;
use super::strategy::Strategy;
use super::timed::{timed, trace};

/// The warm teams of the baseline runtimes, keyed like the executor's pools.
#[derive(Default)]
pub struct Teams {
    omp: HashMap<(usize, String), OmpTeam>,
    chili: HashMap<(usize, String), ChiliTeam>,
}

/// One team, borrowed from [`Teams`] or built for this run only.
enum Team<'a> {
    Omp(&'a OmpTeam),
    Chili(&'a ChiliTeam),
}

/// A team built for one run (`pool_in_timing`).
enum Owned {
    Omp(OmpTeam),
    Chili(ChiliTeam),
}

impl Owned {
    fn build(strategy: Strategy, cpus: &[Option<usize>]) -> anyhow::Result<Owned> {
        match strategy {
            Strategy::Omp(_) | Strategy::OmpTaskloop(_) => Ok(Owned::Omp(OmpTeam::new(cpus)?)),
            Strategy::Chili => Ok(Owned::Chili(ChiliTeam::new(cpus).map_err(|e| anyhow!(e))?)),
            other => Err(anyhow!("{other} is not a baseline runtime")),
        }
    }

    fn team(&self) -> Team<'_> {
        match self {
            Owned::Omp(t) => Team::Omp(t),
            Owned::Chili(t) => Team::Chili(t),
        }
    }
}

impl Teams {
    /// Builds the warm team `strategy` needs for `key` unless there is one.
    fn ensure(
        &mut self,
        strategy: Strategy,
        key: &(usize, String),
        cpus: &[Option<usize>],
    ) -> anyhow::Result<()> {
        let missing = match strategy {
            Strategy::Chili => !self.chili.contains_key(key),
            _ => !self.omp.contains_key(key),
        };
        if missing {
            match Owned::build(strategy, cpus)? {
                Owned::Omp(t) => self.omp.insert(key.clone(), t).map(drop),
                Owned::Chili(t) => self.chili.insert(key.clone(), t).map(drop),
            };
        }
        Ok(())
    }

    /// The warm chili team of `key`, built on first use.
    pub(super) fn chili(
        &mut self,
        key: &(usize, String),
        cpus: &[Option<usize>],
    ) -> anyhow::Result<&ChiliTeam> {
        self.ensure(Strategy::Chili, key, cpus)?;
        Ok(&self.chili[key])
    }

    fn get(&self, strategy: Strategy, key: &(usize, String)) -> Team<'_> {
        match strategy {
            Strategy::Chili => Team::Chili(&self.chili[key]),
            _ => Team::Omp(&self.omp[key]),
        }
    }
}

/// Runs `strategy`'s loop over `0..n` on `team`, `body(worker, index)` per index.
fn run_loop(
    team: Team<'_>,
    strategy: Strategy,
    n: usize,
    body: &(dyn Fn(usize, usize) + Sync),
) -> anyhow::Result<()> {
    match (team, strategy) {
        (Team::Omp(t), Strategy::Omp(s)) => t.for_each(&s, n, body).map(drop)?,
        (Team::Omp(t), Strategy::OmpTaskloop(g)) => t.taskloop(g, n, body).map(drop)?,
        (Team::Chili(t), Strategy::Chili) => t.for_each(n, body).map_err(|e| anyhow!(e))?,
        (_, other) => return Err(anyhow!("{other}: no baseline team for it")),
    }
    Ok(())
}

impl Executor {
    /// One run of an `omp:*`, `omp-taskloop:*` or `chili` cell, through the same
    /// [`timed`] region as every other strategy.
    pub(super) fn run_baseline(
        &mut self,
        cell: &Cell,
        cpus: &[Option<usize>],
        work: &Arc<dyn Workload>,
        in_timing: bool,
        latency: bool,
    ) -> anyhow::Result<RunOutcome> {
        let key = (cell.workers, cell.placement.to_string());
        let strategy = cell.strategy;
        if !in_timing {
            self.baselines.ensure(strategy, &key, cpus)?;
        }
        let rec = self.recorders.get_mut(&cell.workers).expect("reset above");
        let (clock, w, n) = (&self.clock, work.as_ref(), work.len());
        let teams = &self.baselines;
        trace("prepared");
        let (span, ()) = timed(clock, rec, |rec| {
            let body = |worker: usize, i: usize| {
                rec.run_task(clock, worker, latency, w, i);
            };
            if in_timing {
                trace("build");
                let owned = Owned::build(strategy, cpus)?;
                run_loop(owned.team(), strategy, n, &body)?;
                drop(owned);
                trace("teardown");
                Ok(())
            } else {
                run_loop(teams.get(strategy, &key), strategy, n, &body)
            }
        })?;
        trace("after");
        Ok(RunOutcome::new(&span, cpus, n as u64))
    }
}

/// OpenMP runs interleaved with other strategies while `OMP_WAIT_POLICY` is unset:
/// libgomp's threads then spin after each region (its `GOMP_SPINCOUNT`) while the next
/// run of another strategy starts, which slows that run (measured here: 3–10% on the
/// runs that followed an OpenMP run; none with `passive`; see `baselines/README.md`).
/// Only a warning: libgomp reads the variable when it is loaded, before `main`, so the
/// runner cannot change it; meta.json records the setting.
pub(super) fn warn_if_openmp_spins(exp: &Experiment) {
    let all: Vec<&Strategy> = exp
        .workloads
        .iter()
        .flat_map(|w| exp.strategies_of(w))
        .collect();
    let omp = |s: &&Strategy| matches!(s, Strategy::Omp(_) | Strategy::OmpTaskloop(_));
    let others = all.iter().any(|s| !omp(s) && **s != Strategy::Serial);
    if all.iter().any(omp) && others && std::env::var_os("OMP_WAIT_POLICY").is_none() {
        eprintln!(
            "wsbench: warning: OMP_WAIT_POLICY is unset: libgomp's threads spin after each OpenMP run and slow the next run of another strategy; set OMP_WAIT_POLICY=passive for a fair interleaved comparison"
        );
    }
}

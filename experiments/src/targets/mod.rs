//! `wsbench targets`: the scheduler's three performance targets as markdown
//! tables, rayon beside each: balance, per-task overhead and wake-up.
//!
//! Every case runs several times *interleaved* (so drift and background load
//! hit every case alike) and is reported as medians and as ratios within the
//! run; every parallel run is checked against the serial checksum. The output
//! format is the one `results/scheduler-targets/run*.md` hold, so runs stay
//! comparable.
//!
//! Both pools get one worker per allowed CPU, pinned the same way, as
//! `wsbench run` pins them; `--unpinned` leaves placement to the OS, which on
//! the development machine moved the overhead figures more between runs than
//! the schedules did.

mod balance;
mod cases;
mod overhead;
pub mod probes;
mod wakeup;

use crate::error::CliResult;
use anyhow::Context;
use scheduler::Pool;

/// Arguments of `wsbench targets`.
#[derive(Debug, clap::Args)]
pub struct TargetsArgs {
    /// A smoke run: 3 repetitions (unless --reps), 200,000 tiny tasks in the
    /// overhead section, 50 wake-up samples.
    #[arg(long)]
    pub quick: bool,
    /// Repetitions of each case (default 7, or 3 with --quick); the overhead
    /// section runs at least 7.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub reps: Option<u32>,
    /// Only these sections, comma-separated (balance includes balance-sleep).
    #[arg(long, value_name = "LIST", value_enum, value_delimiter = ',')]
    pub only: Vec<Section>,
    /// Leave thread placement to the OS instead of pinning one worker per
    /// allowed CPU.
    #[arg(long)]
    pub unpinned: bool,
    /// Workers in each pool (default: every allowed CPU).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
}

/// A section of `wsbench targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Section {
    /// Balance against the lower bound on the mixed factorization set (and
    /// the sleeping tasks of `balance-sleep`).
    Balance,
    /// Balance on sleeping tasks only: readable even on a loaded machine.
    BalanceSleep,
    /// Per-task overhead on tiny tasks.
    Overhead,
    /// Wake-up latency of a parked pool.
    Wakeup,
}

/// The pools every section runs on, and how they were built.
pub(crate) struct Setup {
    /// Workers per pool.
    pub p: usize,
    /// The CPUs the workers are pinned to, in worker order; `None` unpinned.
    pins: Option<Vec<usize>>,
    /// The long-lived pool.
    pub pool: Pool,
    /// rayon's pool, pinned like ours.
    pub rayon: rayon::ThreadPool,
}

impl Setup {
    /// Pools of `p` workers, pinned one per allowed CPU when `pin` and there
    /// are at least `p` allowed CPUs.
    fn new(p: usize, pin: bool) -> anyhow::Result<Setup> {
        let cpus: Vec<usize> = topology::affinity::allowed_cpus()
            .unwrap_or_default()
            .into_iter()
            .take(p)
            .collect();
        let pins = (pin && cpus.len() == p).then_some(cpus);
        let pool = build_pool(p, pins.as_deref())?;
        let mut rayon_builder = rayon::ThreadPoolBuilder::new().num_threads(p);
        if let Some(cpus) = pins.clone() {
            rayon_builder = rayon_builder.start_handler(move |i| {
                topology::affinity::pin_current(cpus[i]);
            });
        }
        let rayon = rayon_builder.build().context("building the rayon pool")?;
        Ok(Setup {
            p,
            pins,
            pool,
            rayon,
        })
    }

    /// Another pool like the long-lived one.
    pub fn new_pool(&self) -> anyhow::Result<Pool> {
        build_pool(self.p, self.pins.as_deref())
    }
}

/// The median of `xs` (the report's), NaN when empty.
fn median(xs: &[f64]) -> f64 {
    wsbench_report::stats::median(xs).unwrap_or(f64::NAN)
}

/// A pool of `p` workers, pinned to `pins` when given.
fn build_pool(p: usize, pins: Option<&[usize]>) -> anyhow::Result<Pool> {
    let builder = Pool::builder().workers(p);
    let builder = match pins {
        Some(cpus) => builder.pin_to(cpus.iter().map(|&c| Some(c)).collect()),
        None => builder,
    };
    builder.build().context("building the pool")
}

/// Runs `wsbench targets`.
pub fn main(args: TargetsArgs) -> CliResult {
    let p = match args.workers {
        Some(n) => n as usize,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let reps = args
        .reps
        .map_or(if args.quick { 3 } else { 7 }, |r| r as usize);
    let setup = Setup::new(p, !args.unpinned)?;
    let workers = match &setup.pins {
        Some(cpus) => format!("pinned to CPUs {cpus:?}"),
        None => "not pinned".to_string(),
    };
    let quick = if args.quick { ", quick" } else { "" };
    println!("# wsbench scheduler targets (p = {p}, {reps} repetitions{quick}, workers {workers})");
    let wants = |s: Section| args.only.is_empty() || args.only.contains(&s);
    if wants(Section::Balance) {
        balance::mixed_factorization(&setup, reps)?;
    }
    if wants(Section::BalanceSleep) || wants(Section::Balance) {
        balance::sleeping(&setup, reps)?;
    }
    if wants(Section::Overhead) {
        let tasks = if args.quick { 200_000 } else { 1_000_000 };
        overhead::run(&setup, reps.max(7), tasks)?;
    }
    if wants(Section::Wakeup) {
        wakeup::run(&setup, if args.quick { 50 } else { 200 })?;
    }
    Ok(())
}

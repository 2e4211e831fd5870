//! A discrete-event simulation of the pool's loop schedules and of fork-join
//! work stealing, at the level of tasks and scheduler operations.
//!
//! # The model
//!
//! A simulated run is one `for_each_index` call (or one rayon `for_each`) over
//! `n` tasks on `p` workers, made from outside the pool:
//!
//! * **Tasks** cost what the workload's exact cost model says
//!   (`Workload::predicted_cost`: trial divisions, word multiplications, the
//!   synthetic distribution's draws with the config's seed, a sleep's duration)
//!   times the calibrated ns per unit, plus the strategy's per-index call cost
//!   (our pool's loop, or rayon's, whose body also reads its thread index). A
//!   task runs on its worker for exactly that long: no interference between
//!   workers. Jobs cost what they cost on one thread: each chunk job of
//!   `work-stealing` its allocation, call and latch (`job_ns`), each rayon
//!   split its `join` (`rayon_split_ns`), both beyond the deque push and pop.
//! * **Start and end**: the caller posts one participant job per worker in
//!   turn (`post_ns` each) and each worker, parked between calls, wakes
//!   (`wake_ns`): worker `w` starts at `(w+1)·post + wake`
//!   ([`engine::start_time`]); rayon's other threads are woken only once the
//!   first one pushes work, a wake-up later. The call ends when the last worker leaves, plus
//!   one wake-up of the caller.
//! * **Scheduler operations** are charged where the real code does them:
//!   an atomic on a shared word goes through that word's cache [`engine::Line`]
//!   (serialized: contenders queue; a transfer from its last writer at their
//!   topology distance, plus the local atomic cost), so contention on a
//!   shared counter grows with contenders as it does on hardware; deque
//!   push/pop and steals cost the calibrated crossbeam figures plus the line
//!   transfer; a worker out of work yields, then (after
//!   [`engine::ROUNDS_UNTIL_SLEEP`] rounds) sleeps and pays a wake-up.
//! * **Schedules** ([`schedules`]): `static`, `static-cyclic` (fixed indices),
//!   `dynamic:K`, `guided:K` and LB4OMP's techniques (a shared counter; the
//!   techniques' chunks come from the scheduler's own [`scheduler::DlsChunks`],
//!   fed the simulated chunk times), `work-stealing:G` (deques, steal oldest,
//!   one or half), `adaptive` (range slots, owner batches sized by the
//!   scheduler's own constants, thief splits and give-back requests landing at
//!   the owner's next index boundary), and rayon's `for_each` as fork-join
//!   with rayon's adaptive splitter (random victim, steal oldest).
//! * **Determinism**: events are ordered by `(time, seq)`; victims are drawn
//!   from a [`workloads::rng::SplitMix64`] seeded by the caller.
//!
//! # Limits (what it does not model)
//!
//! * No memory-bandwidth, cache-capacity or SMT-sibling slowdown of the tasks
//!   themselves, no frequency changes, no OS noise or preemption: a task takes
//!   its cost wherever it runs. Workers sharing a CPU (more workers than CPUs)
//!   are simulated as if each had its own: only right for tasks that do not
//!   use the CPU (sleep tasks).
//! * Per-task latency recording is folded into the per-task cost (calibrated
//!   with the runner's serial time where a measured folder gives one).
//! * rayon is modelled by its splitting rule and stealing, not its sleep
//!   protocol details (jobs event counters, the injector's latency);
//!   OpenMP (libgomp) and chili are not modelled.
//! * Nested calls, panics and a caller that is a pool worker are not modelled.
//! * Thieves pick victims at random (the pool's default); a config's
//!   `victim_order = "topology"` or `"round-robin"` is simulated as random.
//! * A run is deterministic: where the real system races (two workers
//!   reaching the same range at nearly the same time), the model always takes
//!   one side, while measured repetitions may split between both.

#![deny(missing_docs)]

pub mod calibration;
pub mod engine;
pub mod machine;
pub mod schedules;
pub mod trace;

pub use calibration::Calibration;
pub use engine::WorkerTally;
pub use machine::{Dist, SimMachine};
pub use trace::{Trace, TracedSteal, TracedTask};

use scheduler::{DlsChunks, Schedule};

use engine::{start_time, Model, Sim};
use schedules::{adaptive, deques, fixed, forkjoin, shared};

/// What a simulated run runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Our pool's `for_each_index` with this schedule.
    Pool(Schedule),
    /// rayon's `par_iter().for_each`; `fine`: with `with_max_len(1)` (`rayon-fine`).
    Rayon {
        /// One index per job.
        fine: bool,
    },
}

/// One simulated run's inputs.
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    /// Each task's cost in ns (without the per-index call cost).
    pub task_ns: &'a [f64],
    /// The strategy.
    pub strategy: Strategy,
    /// The workers and where they sit.
    pub machine: &'a SimMachine,
    /// Operation costs.
    pub cal: &'a Calibration,
    /// Seed of the victim choices.
    pub seed: u64,
    /// `work-stealing`: a steal takes half the victim's deque (else one job).
    pub steal_half: bool,
}

/// What a simulated run gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// From the call to its return, ns.
    pub makespan_ns: f64,
    /// Σ task service times (the serial run's time on one worker).
    pub task_sum_ns: f64,
    /// The longest task's service time.
    pub task_max_ns: f64,
    /// Per-worker tallies.
    pub workers: Vec<WorkerTally>,
    /// Events handled.
    pub events: u64,
}

impl Outcome {
    /// Σ successful steals.
    pub fn steals(&self) -> u64 {
        self.workers.iter().map(|w| w.steals).sum()
    }

    /// Σ tasks run (must be the task count).
    pub fn tasks(&self) -> u64 {
        self.workers.iter().map(|w| w.tasks).sum()
    }

    /// The lower bound `max(Σ / p, max)` with `p` workers.
    pub fn lower_bound_ns(&self) -> f64 {
        (self.task_sum_ns / self.workers.len() as f64).max(self.task_max_ns)
    }
}

/// Simulates one run.
///
/// ```
/// use wsbench_simulator::{simulate, Calibration, Cell, SimMachine, Strategy};
/// let cal = Calibration::example();
/// let machine = SimMachine::generated(1, 4, 1, 4);
/// let tasks = vec![1_000.0; 400];
/// let cell = Cell { task_ns: &tasks, strategy: Strategy::Pool("adaptive".parse().unwrap()),
///                   machine: &machine, cal: &cal, seed: 1, steal_half: false };
/// let out = simulate(&cell);
/// assert_eq!(out.tasks(), 400);
/// assert!(out.makespan_ns >= out.lower_bound_ns());
/// ```
pub fn simulate(cell: &Cell) -> Outcome {
    run(cell, false).0
}

/// Simulates one run and records every task and steal (the same run as [`simulate`]'s
/// under the same seed: recording changes no decision).
pub fn simulate_traced(cell: &Cell) -> (Outcome, Trace) {
    run(cell, true)
}

fn run(cell: &Cell, traced: bool) -> (Outcome, Trace) {
    let p = cell.machine.workers();
    let call_ns = match cell.strategy {
        Strategy::Pool(_) => cell.cal.task_call_ns,
        Strategy::Rayon { .. } => cell.cal.rayon_call_ns(),
    };
    let mut sim = Sim::new(cell.task_ns, call_ns, cell.cal, cell.machine, cell.seed);
    if traced {
        sim.record_trace();
    }
    let n = sim.len();
    let mut model = model_of(cell, n, p);
    for w in 0..p {
        let t = match cell.strategy {
            Strategy::Pool(_) => start_time(cell.cal, w),
            // rayon's `install` injects one job and wakes one thread; the others are
            // woken as the first one pushes the halves of its splits.
            Strategy::Rayon { .. } if w == 0 => start_time(cell.cal, 0),
            Strategy::Rayon { .. } => start_time(cell.cal, w) + cell.cal.wake_ns,
        };
        sim.at(w, t);
    }
    let last = sim.run(model.as_mut());
    let (sum, max) = (0..n).fold((0.0f64, 0.0f64), |(s, m), i| {
        let t = sim.task(i);
        (s + t, m.max(t))
    });
    let outcome = Outcome {
        makespan_ns: last + cell.cal.wake_ns,
        task_sum_ns: sum,
        task_max_ns: max,
        workers: sim.tally.clone(),
        events: sim.events,
    };
    (outcome, sim.take_trace())
}

/// The model of a cell's strategy.
fn model_of(cell: &Cell, n: usize, p: usize) -> Box<dyn Model> {
    match cell.strategy {
        // The pool's own rule for what a call on `p` workers runs (one-worker
        // `Adaptive` is `Static`).
        Strategy::Pool(s) => match s.for_workers(p) {
            Schedule::Static => Box::new(fixed::Static),
            Schedule::StaticCyclic => Box::new(fixed::Cyclic),
            Schedule::Dynamic { chunk } => {
                Box::new(shared::Shared::new(shared::Rule::Dynamic(chunk), p))
            }
            Schedule::Guided { min_chunk } => {
                Box::new(shared::Shared::new(shared::Rule::Guided(min_chunk), p))
            }
            Schedule::Dls { technique, chunk } => {
                let chunks = DlsChunks::new(technique, chunk, n, p);
                Box::new(shared::Shared::new(shared::Rule::Dls(Box::new(chunks)), p))
            }
            Schedule::WorkStealing { grain } => {
                Box::new(deques::Deques::new(grain, cell.steal_half, n, p))
            }
            Schedule::Adaptive => Box::new(adaptive::Adaptive::new(n, p)),
        },
        Strategy::Rayon { fine } => Box::new(forkjoin::ForkJoin::new(n, p, fine)),
    }
}

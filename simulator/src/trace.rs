//! A simulated run's per-task trace: which worker ran each task, from when to when,
//! and each successful steal, in simulated ns from the call's start (the origin of a
//! measured run's trace too). `wsbench simulate --trace` writes it in the Chrome trace
//! event format `wsbench run --trace` writes, so Perfetto opens both alike.
//!
//! ```
//! use wsbench_simulator::{simulate_traced, Calibration, Cell, SimMachine, Strategy};
//! let cal = Calibration::example();
//! let machine = SimMachine::generated(1, 2, 1, 2);
//! let tasks = vec![1_000.0; 100];
//! let cell = Cell { task_ns: &tasks, strategy: Strategy::Pool("adaptive".parse().unwrap()),
//!                   machine: &machine, cal: &cal, seed: 1, steal_half: false };
//! let (out, trace) = simulate_traced(&cell);
//! assert_eq!(trace.tasks.len(), 100);
//! assert!(trace.tasks.iter().all(|t| t.end_ns <= out.makespan_ns));
//! ```

/// One task as simulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TracedTask {
    /// The worker that ran it.
    pub worker: usize,
    /// Its index in the loop.
    pub index: usize,
    /// When it started (ns from the call's start).
    pub start_ns: f64,
    /// When it ended.
    pub end_ns: f64,
}

/// One successful steal as simulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TracedSteal {
    /// The worker that stole.
    pub thief: usize,
    /// The worker it stole from.
    pub victim: usize,
    /// When the steal completed (ns from the call's start).
    pub at_ns: f64,
}

/// Every task and steal of one simulated run, in the order the simulation produced them
/// (tasks by the end of the chunk they ran in, not by start: sort before cutting).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Tasks.
    pub tasks: Vec<TracedTask>,
    /// Steals.
    pub steals: Vec<TracedSteal>,
}

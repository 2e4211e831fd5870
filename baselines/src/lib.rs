//! The field's runtimes as wsbench strategies, on the same numbers, CPUs and task code.
//!
//! * [`openmp`]: GNU libgomp's loop schedules (`omp:SCHED`, with SCHED written as
//!   `OMP_SCHEDULE` takes it, parsed by [`OmpSchedule`]) and `taskloop`
//!   (`omp-taskloop:G`), run by a warm, pinned [`OmpTeam`] through a small C shim
//!   (`c/omp_shim.c`) that calls back into the Rust task body for every index;
//! * [`chili_runner`]: chili's heartbeat scheduling (`chili`), a warm pinned
//!   [`ChiliTeam`] halving the index range with `join`.
//!
//! Both call the task body as `body(worker, index)`, so the runner records each task on
//! the worker that ran it, exactly as for our pool and rayon. A panic in the body never
//! unwinds through C or chili: it is kept, the rest of the loop is skipped, and it is
//! re-raised in the caller. Without an OpenMP-capable C compiler the crate still builds
//! (`cfg(wsbench_no_openmp)`), and [`openmp::unavailable`] says why and how to get it.

#![deny(missing_docs)]

pub mod chili_runner;
pub mod openmp;
mod panics;
pub mod schedule;
mod threads;

pub use chili_runner::ChiliTeam;
pub use openmp::{facts, OmpError, OmpFacts, OmpTeam, RegionReport};
pub use schedule::{Monotonicity, OmpKind, OmpSchedule};

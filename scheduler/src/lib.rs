//! A work-stealing thread pool for scheduling experiments.
//!
//! [`Pool`] runs `n` long-lived worker threads, each with a
//! [crossbeam-deque](https://docs.rs/crossbeam-deque) deque, in the style of
//! Cilk and rayon: idle workers steal from others (victim order and steal
//! amount are settings), then spin, yield and park. On top of fork-join
//! ([`Pool::join`], [`Pool::scope`]) it offers [`Pool::for_each_index`] with the
//! loop schedules an experiment compares — OpenMP's `static`, `static,1`,
//! `dynamic` and `guided`, deque-based work stealing, and [`Schedule::Adaptive`]
//! range stealing with lazy splitting (Tzannes et al., "Lazy binary-splitting",
//! PPoPP 2010; Acar et al., "Heartbeat scheduling", PLDI 2018, for the idea of
//! splitting only when a thief asks), and the dynamic loop scheduling
//! techniques of LB4OMP ([`Dls`]: TSS, TFSS, FAC2, mFSC, TAP, FISS, VISS, RND, PLS, AF,
//! AWF-B, AWF-C) — all on the same workers, so their differences are the
//! schedules' and not the runtimes'.
//!
//! Modules: `pool` (threads, shared state, shutdown), `builder` (settings and
//! start-up), `worker` (search and idle
//! loop), `sleep` (sleep/wake protocol, loom-checked; see its README), `job` and
//! `latch` (type-erased jobs and completion), `malloc_cache` (keeping the
//! spawning thread's blocks out of a new worker's malloc cache), `join` (fork-join with private frames shared on request; see `src/join/README.md`), `scope`, `schedule`
//! and `adaptive` (for_each_index; the Adaptive range-stealing protocol is loom-checked, see `src/adaptive/README.md`),
//! `dls` (LB4OMP's techniques, one module each), [`stats`] (per-worker counters) and `pin`
//! (pinning a worker to the CPU [`PoolBuilder::pin_to`] names). Where workers
//! go and whom they steal from first is decided outside the pool: the
//! `topology` crate detects the machine, resolves placements to CPUs and
//! computes nearest-first victim lists ([`VictimOrder::Topology`]).
//!
//! ```
//! use scheduler::{Pool, Schedule};
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! let pool = Pool::builder().workers(2).build().expect("pool");
//! let numbers: Vec<u64> = (1..=10_000).collect();
//! let sum = AtomicU64::new(0);
//! pool.for_each_index(0..numbers.len(), Schedule::Adaptive, |ctx, i| {
//!     assert!(ctx.worker_index() < 2);
//!     sum.fetch_add(numbers[i], Ordering::Relaxed);
//! });
//! assert_eq!(sum.into_inner(), 10_000 * 10_001 / 2);
//! let stats = pool.stats();
//! assert_eq!(stats.total().tasks, 10_000);
//! ```
//!
//! Limits, stated honestly: every call blocks its caller until all of its tasks
//! ran (there is no detached `spawn`); a nested `for_each_index` with `Static`,
//! `StaticCyclic` or `WorkStealing` waits until each worker gets to its block:
//! when it is idle, waiting, or between two Adaptive batches (the other
//! schedules cancel participants they do not need); see `scheduler/README.md`
//! for the rest.
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod adaptive;
mod builder;
mod dls;
mod job;
mod join;
mod latch;
mod malloc_cache;
mod pin;
mod pool;
mod schedule;
mod scope;
mod sleep;
pub mod stats;
mod sync;
#[cfg(all(test, not(loom)))]
mod tests;
mod worker;

pub use adaptive::params as adaptive_params;
pub use builder::{BuildError, DequeOrder, PoolBuilder, StealAmount, VictimOrder};
pub use dls::{Dls, DlsChunks};
/// Keeps the spawning thread's freed blocks out of the calling thread's malloc
/// cache (glibc's tcache), as every pool worker does first thing; returns how
/// many blocks it kept back (0 where `malloc` is not glibc's on 64-bit Linux).
///
/// Call it first thing on a thread of another runtime (rayon's
/// `start_handler`, say) that runs allocating tasks beside other threads:
/// without it, the thread's first small allocations reuse blocks next to other
/// threads' and share cache lines with them on every task (`src/malloc_cache.rs`).
///
/// ```
/// let t = std::thread::spawn(scheduler::keep_foreign_cached_blocks);
/// let _kept: usize = t.join().unwrap();
/// ```
pub use malloc_cache::keep_foreign_cached_blocks;
pub use pool::{Pool, StatsReader};
pub use schedule::{ParseScheduleError, Schedule, TaskCtx, SCHEDULE_SYNTAX};
pub use scope::Scope;
pub use stats::{PoolStats, WorkerStats};

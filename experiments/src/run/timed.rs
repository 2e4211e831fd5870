//! The timed region, the same for every strategy.
//!
//! Every strategy's runner in [`super::execute`] has the same three parts, and [`timed`] is
//! the only place a run's clock is read:
//!
//! 1. **Before the clock** (not timed): the warm pool is looked up, or built on its first
//!    use; the recorders are cleared; the pool's statistics are reset (our pool); each
//!    worker thread's kernel migration count is read (warm pools).
//! 2. **[`timed`]**: on the calling thread, one reading of the task clock starts the region
//!    (it is also the recorders' batch start, from which `wait` and `response` are
//!    measured); then the batch runs: the strategy hands the batch to its workers
//!    (injection and wake-up included) and blocks until every task has run; one reading
//!    on the calling thread ends it. A panic inside is caught and returned as an error
//!    after the clock is read. With `pool_in_timing`, the batch closure also builds the
//!    pool first and tears it down last, waiting until every worker thread has ended.
//! 3. **After the clock** (not timed): the pool's statistics and the migration counts are
//!    read, and the recorders' per-worker records collected.
//!
//! A new strategy (a runtime called through FFI, say) plugs in the same way: prepare its
//! warm team before, and pass `timed` a closure that hands `0..n` to the team, each task
//! calling [`Recorders::run_task`] with its worker index, and returns when all have run
//! (with `pool_in_timing`: build first, join last). It then gets the same makespan, the
//! same batch start and the same task path as every other strategy. The test of this
//! module's parity (`execute`'s tests) reads the trace of each runner: nothing may happen
//! between `start` and `end` but `build` and `teardown`.

use anyhow::anyhow;
use std::panic::AssertUnwindSafe;

use super::record::{Recorders, TaskClock};

/// The clock readings of one timed region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Raw task-clock reading at the start (the recorders' batch start).
    pub start: u64,
    /// Raw task-clock reading at the end.
    pub end: u64,
    /// `end − start` in ns, from the same clock as the task times.
    pub makespan_ns: u64,
}

/// Runs `batch` inside the timed region (see the module documentation) and returns the
/// region's span with the batch's result; a panic in the batch becomes an error.
pub fn timed<R>(
    clock: &TaskClock,
    rec: &mut Recorders,
    batch: impl FnOnce(&Recorders) -> anyhow::Result<R>,
) -> anyhow::Result<(Span, R)> {
    trace("start");
    let start = clock.now();
    rec.set_batch_start(start);
    let rec = &*rec;
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| batch(rec)));
    let end = clock.now();
    trace("end");
    let span = Span {
        start,
        end,
        makespan_ns: clock.ns(start, end),
    };
    match result {
        Ok(r) => Ok((span, r?)),
        Err(p) => Err(anyhow!("{}", panic_message(p))),
    }
}

/// A panic payload's message.
pub fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a task panicked".into())
}

#[cfg(test)]
thread_local! {
    /// The events of the runs made on this thread (tests only).
    pub(crate) static TRACE: std::cell::RefCell<Vec<&'static str>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Notes a step of a run for the parity test; nothing outside tests.
#[inline]
pub(crate) fn trace(event: &'static str) {
    #[cfg(test)]
    TRACE.with(|t| t.borrow_mut().push(event));
    #[cfg(not(test))]
    let _ = event;
}

/// The events traced on this thread since the last call (tests only).
#[cfg(test)]
pub(crate) fn take_trace() -> Vec<&'static str> {
    TRACE.with(|t| std::mem::take(&mut *t.borrow_mut()))
}

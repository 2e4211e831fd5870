//! Keeping a task's panic out of foreign code, and raising it afterwards in the caller.
//!
//! Neither a C OpenMP loop nor chili's `join` may be unwound through: unwinding across C
//! is undefined behaviour, and chili leaves jobs queued on its stack frames. So every call
//! of the task body is wrapped: the first panic's payload is kept, later indices are
//! skipped (the loop cannot be cancelled, only drained), and the caller re-raises it once
//! the loop has returned.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The first panic of one loop.
#[derive(Default)]
pub(crate) struct PanicSlot {
    raised: AtomicBool,
    payload: Mutex<Option<Box<dyn Any + Send>>>,
}

impl PanicSlot {
    /// Runs `f` unless an earlier call panicked; keeps its panic if it panics.
    #[inline]
    pub(crate) fn call(&self, f: impl FnOnce()) {
        if self.raised.load(Ordering::Relaxed) {
            return;
        }
        // The body's state is only read again after the loop, by the caller that gets
        // the panic back, so observing it half-updated is the caller's own business.
        if let Err(p) = panic::catch_unwind(AssertUnwindSafe(f)) {
            self.raised.store(true, Ordering::Relaxed);
            let mut slot = self.payload.lock().unwrap_or_else(|e| e.into_inner());
            slot.get_or_insert(p);
        }
    }

    /// Re-raises the kept panic, if any.
    pub(crate) fn resume(self) {
        let payload = self.payload.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = payload {
            panic::resume_unwind(p);
        }
    }
}

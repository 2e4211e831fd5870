//! Type-erased jobs: what the deques, the injector and the inboxes hold.
//!
//! A [`JobRef`] is two words of data and a function pointer, in the style of
//! rayon-core's `JobRef`, so a deque slot costs no allocation for jobs that live
//! on a waiting caller's stack ([`StackJob`], the loop participants and
//! work-stealing chunks of `for_each_index`). Only `Scope::spawn` allocates
//! ([`HeapJob`]).

use crate::latch::{CountLatch, Waiter};
use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{self, AssertUnwindSafe};

/// A pointer to a job plus how to run it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobRef {
    data: *const (),
    arg: usize,
    execute: unsafe fn(*const (), usize),
}

// SAFETY: a JobRef is only built (via `JobRef::new`, whose contract says so) for
// data that may be used from another thread: its closures are `Send`, the loop
// bodies `Sync`.
unsafe impl Send for JobRef {}

/// Two JobRefs are the same job if they point to the same data with the same
/// argument (function pointers are not compared: their addresses are not unique).
impl PartialEq for JobRef {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data && self.arg == other.arg
    }
}
impl Eq for JobRef {}

impl JobRef {
    /// # Safety
    /// `execute(data, arg)` must be sound to call exactly once, from any worker
    /// thread, at any time until the job's owner observes its completion.
    pub(crate) unsafe fn new(
        data: *const (),
        arg: usize,
        execute: unsafe fn(*const (), usize),
    ) -> Self {
        JobRef { data, arg, execute }
    }

    /// Runs the job.
    ///
    /// # Safety
    /// Each `JobRef` must be executed at most once (the contract of `new`).
    pub(crate) unsafe fn execute(self) {
        // SAFETY: forwarded to the caller and to `new`'s contract.
        unsafe { (self.execute)(self.data, self.arg) }
    }
}

/// A panic caught in a job, to be re-raised in the caller.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// The outcome of a job.
pub(crate) enum JobResult<R> {
    /// Not run yet.
    None,
    /// Returned normally.
    Ok(R),
    /// Panicked.
    Panic(Panic),
}

impl<R> JobResult<R> {
    /// Runs `f`, catching a panic.
    pub(crate) fn call(f: impl FnOnce() -> R) -> Self {
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => JobResult::Ok(r),
            Err(p) => JobResult::Panic(p),
        }
    }

    /// Whether the job returned normally.
    pub(crate) fn is_ok(&self) -> bool {
        matches!(self, JobResult::Ok(_))
    }

    /// The value, or re-raises the panic.
    pub(crate) fn into_return_value(self) -> R {
        match self {
            JobResult::Ok(r) => r,
            JobResult::Panic(p) => panic::resume_unwind(p),
            JobResult::None => unreachable!("job result read before the job ran"),
        }
    }
}

/// A job on its owner's stack; the owner waits on `latch` (or pops it back and
/// runs it inline) before the frame is left.
pub(crate) struct StackJob<F, R> {
    func: UnsafeCell<Option<F>>,
    result: UnsafeCell<JobResult<R>>,
    pub(crate) latch: CountLatch,
}

impl<F: FnOnce() -> R + Send, R: Send> StackJob<F, R> {
    pub(crate) fn new(func: F, waiter: Waiter) -> Self {
        StackJob {
            func: UnsafeCell::new(Some(func)),
            result: UnsafeCell::new(JobResult::None),
            latch: CountLatch::new(1, waiter),
        }
    }

    /// # Safety
    /// The job must stay in place (not moved, not dropped) until its latch is set
    /// or it was popped back unexecuted.
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        // SAFETY: `execute` runs once per JobRef (the deques hand each out once),
        // and the caller keeps `self` alive until then; F and R are Send.
        unsafe { JobRef::new(self as *const Self as *const (), 0, Self::execute) }
    }

    unsafe fn execute(this: *const (), _arg: usize) {
        let this = this as *const Self;
        // SAFETY: `this` is live until the latch is set (as_job_ref's contract);
        // only this one execution touches `func` and `result`.
        unsafe {
            let func = (*(*this).func.get())
                .take()
                .expect("StackJob executed twice");
            *(*this).result.get() = JobResult::call(func);
            CountLatch::decrement(std::ptr::addr_of!((*this).latch));
        }
    }

    /// Takes the closure out to run it here: it was popped back before anyone
    /// stole it. By reference, so the job is not copied (a move of the whole
    /// job costs a store-forwarding stall on every registered join).
    ///
    /// # Safety
    /// The job was popped back unexecuted (privately or from a deque), so no
    /// other thread can reach it any more.
    unsafe fn take_func(&self) -> F {
        // SAFETY: by the contract, nothing else touches `func` now.
        unsafe { (*self.func.get()).take() }.expect("StackJob executed twice")
    }

    /// Runs the closure here, catching its panic.
    ///
    /// # Safety
    /// As for [`StackJob::take_func`].
    pub(crate) unsafe fn run_inline(&self) -> JobResult<R> {
        // SAFETY: forwarded to the caller.
        JobResult::call(unsafe { self.take_func() })
    }

    /// Runs the closure here, letting its panic unwind (nothing of the job is
    /// shared any more).
    ///
    /// # Safety
    /// As for [`StackJob::take_func`].
    pub(crate) unsafe fn run_inline_uncaught(&self) -> R {
        // SAFETY: forwarded to the caller.
        (unsafe { self.take_func() })()
    }

    /// The result after the latch was observed set.
    pub(crate) fn into_result(self) -> JobResult<R> {
        debug_assert!(self.latch.probe());
        self.result.into_inner()
    }
}

/// A boxed job (`Scope::spawn`): freed by its own execution.
pub(crate) struct HeapJob<F> {
    func: F,
}

impl<F: FnOnce() + Send> HeapJob<F> {
    /// Boxes `func` into a job.
    ///
    /// # Safety
    /// Whatever `func` borrows must outlive its execution; the JobRef must be
    /// executed exactly once (or the box leaks).
    pub(crate) unsafe fn into_job_ref(func: F) -> JobRef {
        let raw = Box::into_raw(Box::new(HeapJob { func }));
        // SAFETY: `raw` is a leaked box that `execute` takes back exactly once.
        unsafe { JobRef::new(raw as *const (), 0, Self::execute) }
    }

    unsafe fn execute(this: *const (), _arg: usize) {
        // SAFETY: `this` came from `Box::into_raw` in `into_job_ref`, executed once.
        let job = unsafe { Box::from_raw(this as *mut Self) };
        (job.func)();
    }
}

//! [`Pool::scope`] (and [`Pool::join`] is in `join/`).
//!
//! It runs on a worker (`Pool::in_worker`), so a call from outside the pool
//! (or from a worker of another pool) costs one injected job. `scope` counts
//! its spawned jobs in a latch and waits for all of them before returning; that wait is what makes it sound for spawned closures to
//! borrow from outside the scope.

use crate::job::{HeapJob, JobResult, Panic};
use crate::latch::{CountLatch, Waiter};
use crate::pool::Pool;
use crate::worker::WorkerThread;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

impl Pool {
    /// Creates a scope in which closures borrowing local data can be spawned
    /// onto the pool; returns when all of them (and `op`) have finished.
    ///
    /// A panic in `op` or in a spawned closure is re-raised here, after every
    /// other spawned closure has finished.
    ///
    /// ```
    /// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
    /// let mut parts = vec![0u64; 4];
    /// pool.scope(|s| {
    ///     for (i, part) in parts.iter_mut().enumerate() {
    ///         s.spawn(move |_| *part = (i as u64) * 10);
    ///     }
    /// });
    /// assert_eq!(parts, [0, 10, 20, 30]);
    /// ```
    pub fn scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R + Send,
        R: Send,
    {
        self.in_worker(|wt| {
            let scope = Scope::<'scope> {
                latch: CountLatch::new(
                    1,
                    Waiter::Worker {
                        index: wt.index,
                        sleep: &wt.shared.sleep,
                    },
                ),
                panic: Mutex::new(None),
                worker: wt as *const WorkerThread,
                marker: PhantomData,
            };
            let result = JobResult::call(|| op(&scope));
            // SAFETY: `scope` is on this frame, which waits on the latch below.
            unsafe { CountLatch::decrement(&scope.latch) };
            wt.wait_until(&scope.latch);
            if let Some(p) = scope.panic.lock().unwrap_or_else(|e| e.into_inner()).take() {
                panic::resume_unwind(p);
            }
            result.into_return_value()
        })
    }
}

/// A scope for spawning borrowing closures; see [`Pool::scope`].
///
/// What makes it sound is checked by the compiler, as rayon-core's scope
/// tests do. A spawned closure may borrow what outlives the scope:
///
/// ```
/// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
/// let data = vec![1, 2, 3];
/// let total = std::sync::atomic::AtomicI32::new(0);
/// pool.scope(|s| {
///     for x in &data {
///         let total = &total;
///         s.spawn(move |_| {
///             total.fetch_add(*x, std::sync::atomic::Ordering::Relaxed);
///         });
///     }
/// });
/// assert_eq!(total.into_inner(), 6);
/// ```
///
/// but not a local of the scope's body, which is gone before the spawned
/// closure may run:
///
/// ```compile_fail,E0373
/// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
/// pool.scope(|s| {
///     let local = vec![1, 2, 3];
///     s.spawn(|_| println!("{local:?}"));
/// });
/// ```
///
/// The scope itself cannot leave the call that made it (so nothing can be
/// spawned onto it after it waited for its jobs):
///
/// ```compile_fail,E0521
/// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
/// let mut escaped = None;
/// pool.scope(|s| escaped = Some(s));
/// ```
///
/// Spawned closures run on other threads, so what they capture must be `Send`:
///
/// ```compile_fail,E0277
/// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
/// let shared = std::rc::Rc::new(5);
/// pool.scope(|s| {
///     let shared = shared.clone();
///     s.spawn(move |_| println!("{shared}"));
/// });
/// ```
///
/// Nor can a spawned closure hold a mutable borrow that the body also uses:
///
/// ```compile_fail,E0499
/// let pool = scheduler::Pool::builder().workers(2).build().unwrap();
/// let mut counter = 0;
/// pool.scope(|s| {
///     s.spawn(|_| counter += 1);
///     s.spawn(|_| counter += 1);
/// });
/// ```
pub struct Scope<'scope> {
    /// Outstanding spawned jobs plus one for the scope body.
    latch: CountLatch,
    /// The first panic of a spawned job.
    panic: Mutex<Option<Panic>>,
    /// The worker that runs the scope body (identifies the pool for `spawn`).
    worker: *const WorkerThread,
    /// Invariant in `'scope`, like rayon's and std's scopes.
    marker: PhantomData<ScopeMarker<'scope>>,
}

/// Makes `Scope<'scope>` invariant in `'scope`.
type ScopeMarker<'scope> = Box<dyn FnOnce(&Scope<'scope>) + Send + Sync + 'scope>;

// SAFETY: `worker` is only compared by address and dereferenced on the thread
// that owns it; the latch and panic slot are thread-safe.
unsafe impl Send for Scope<'_> {}
// SAFETY: as above.
unsafe impl Sync for Scope<'_> {}

/// A `*const Scope` that can move into a spawned job.
struct ScopePtr<'scope>(*const Scope<'scope>);
// SAFETY: `Scope` is Sync, and the scope outlives every job it spawned.
unsafe impl Send for ScopePtr<'_> {}

impl<'scope> Scope<'scope> {
    /// Spawns `body` onto the pool. It may borrow anything that outlives the
    /// scope, and gets the scope to spawn more.
    pub fn spawn<BODY>(&self, body: BODY)
    where
        BODY: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        self.latch.increment(1);
        let ptr = ScopePtr(self as *const Scope<'scope>);
        let job = move || {
            let ptr = ptr;
            // SAFETY: the scope waits for this job's decrement before returning.
            let scope = unsafe { &*ptr.0 };
            let wt = WorkerThread::current();
            if !wt.is_null() {
                // SAFETY: CURRENT is this thread's live worker.
                crate::stats::bump(unsafe { &(*wt).counters().tasks }, 1);
            }
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| body(scope))) {
                let mut slot = scope.panic.lock().unwrap_or_else(|e| e.into_inner());
                slot.get_or_insert(p);
            }
            // SAFETY: the latch is live until this final decrement sets it.
            unsafe { CountLatch::decrement(&scope.latch) };
        };
        // SAFETY: `body` borrows only 'scope data, which outlives the scope, and
        // the scope waits for this job; the queues execute it exactly once.
        let job_ref = unsafe { HeapJob::into_job_ref(job) };
        let current = WorkerThread::current();
        // SAFETY: both pointers are to live WorkerThreads (the scope's worker is
        // blocked in this scope; CURRENT is the running thread's own).
        let same_pool = !current.is_null()
            && unsafe { std::sync::Arc::ptr_eq(&(*current).shared, &(*self.worker).shared) };
        if same_pool {
            // SAFETY: CURRENT is this thread's live worker.
            unsafe { (*current).push(job_ref) };
        } else {
            // Spawned from a thread outside the pool (e.g. via std::thread::scope)
            // or from a worker of another pool (the scope passed into a call to
            // it): the job goes to the scope's pool, whose workers alone run it
            // and decrement the latch, so the latch's `Waiter::Worker` holds.
            // SAFETY: the scope's worker (and its shared state) is live, see above.
            let shared = unsafe { &(*self.worker).shared };
            shared.injector.push(job_ref);
            shared.sleep.notify_jobs(1);
        }
    }
}

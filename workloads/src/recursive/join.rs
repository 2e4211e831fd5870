//! The one fork-join primitive the recursive workloads are written against.
//!
//! [`Join`] is `join(a, b)`: run `a` and `b`, possibly in parallel, and return both
//! results. Each closure receives the joiner to fork further with. That context argument
//! is what lets one generic body run on every runtime: chili's `Scope::join` hands each
//! half a `&mut Scope` (of a lifetime chosen per call, hence the generic associated type
//! [`Join::Ctx`]); runtimes without a context (rayon, our pool, [`Serial`]) hand back a
//! copy of themselves. The body is monomorphised per runtime, so a join costs what the
//! runtime's own join costs, with no dynamic dispatch in between.
//!
//! Implementations here: [`Serial`] (`a` then `b` on this thread), [`Rayon`]
//! (`rayon::join`, on the rayon pool the caller is installed in) and chili's
//! [`chili::Scope`]. Our pool's joiner lives in the `wsbench` crate (this crate does not
//! depend on the scheduler). The trait must live with the chili implementation: the
//! orphan rule forbids implementing it for `chili::Scope` anywhere else.

/// Fork-join: run two closures, possibly in parallel, each given the context to fork
/// further with.
pub trait Join {
    /// The context a forked closure receives (`Self` for context-free runtimes,
    /// `chili::Scope<'c>` for chili).
    type Ctx<'c>: Join;

    /// Runs `a` and `b`, possibly in parallel, and returns `(a's result, b's result)`.
    fn join<A, B, RA, RB>(&mut self, a: A, b: B) -> (RA, RB)
    where
        A: for<'x, 'c> FnOnce(&'x mut Self::Ctx<'c>) -> RA + Send,
        B: for<'x, 'c> FnOnce(&'x mut Self::Ctx<'c>) -> RB + Send,
        RA: Send,
        RB: Send;
}

/// `a` then `b` on the calling thread: the parallel code run serially (a check that the
/// parallel body computes the serial result, and its overhead without a runtime).
///
/// ```
/// use workloads::recursive::join::{Join, Serial};
/// assert_eq!(Serial.join(|_| 1, |_| 2), (1, 2));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Serial;

impl Join for Serial {
    type Ctx<'c> = Serial;

    #[inline]
    fn join<A, B, RA, RB>(&mut self, a: A, b: B) -> (RA, RB)
    where
        A: for<'x, 'c> FnOnce(&'x mut Serial) -> RA + Send,
        B: for<'x, 'c> FnOnce(&'x mut Serial) -> RB + Send,
        RA: Send,
        RB: Send,
    {
        let ra = a(self);
        (ra, b(self))
    }
}

/// `rayon::join`: on the pool the caller runs in (`ThreadPool::install`), else rayon's
/// global pool.
///
/// ```
/// use workloads::recursive::join::{Join, Rayon};
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// assert_eq!(pool.install(|| Rayon.join(|_| 1, |_| 2)), (1, 2));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Rayon;

impl Join for Rayon {
    type Ctx<'c> = Rayon;

    #[inline]
    fn join<A, B, RA, RB>(&mut self, a: A, b: B) -> (RA, RB)
    where
        A: for<'x, 'c> FnOnce(&'x mut Rayon) -> RA + Send,
        B: for<'x, 'c> FnOnce(&'x mut Rayon) -> RB + Send,
        RA: Send,
        RB: Send,
    {
        rayon::join(|| a(&mut Rayon), || b(&mut Rayon))
    }
}

/// chili's heartbeat-scheduled join (`Scope::join`, which checks for a heartbeat every
/// 64 joins and otherwise runs `a` then `b` like a function call).
impl<'s> Join for chili::Scope<'s> {
    type Ctx<'c> = chili::Scope<'c>;

    #[inline]
    fn join<A, B, RA, RB>(&mut self, a: A, b: B) -> (RA, RB)
    where
        A: for<'x, 'c> FnOnce(&'x mut chili::Scope<'c>) -> RA + Send,
        B: for<'x, 'c> FnOnce(&'x mut chili::Scope<'c>) -> RB + Send,
        RA: Send,
        RB: Send,
    {
        chili::Scope::join(self, a, b)
    }
}

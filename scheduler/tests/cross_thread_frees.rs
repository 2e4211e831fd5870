//! The pool must not make a worker free small blocks that another thread
//! allocated, unless they are whole aligned cache lines.
//!
//! Why: glibc's per-thread cache (tcache) hands a freed block back to the
//! thread that freed it, whoever allocated it. A worker that freed the caller's
//! per-call bookkeeping kept pieces of the caller's heap in its cache; its
//! tasks' next small allocations then shared cache lines with another thread's,
//! and allocation-heavy tiny tasks ran up to 3x slower on that worker for the
//! rest of the pool's life (see `Tickets` in `src/schedule.rs`). Timing cannot
//! be asserted in a test; the cause can: this allocator marks every block the
//! calling (test) thread allocates, and counts the marked blocks that another
//! thread, a worker, frees.

use scheduler::{Pool, Schedule};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

thread_local! {
    /// Set on the test's own thread: the caller of the pool's APIs.
    static CALLER: Cell<bool> = const { Cell::new(false) };
}

/// Blocks up to this size go to glibc's tcache when freed (its default limit).
const TCACHE_MAX: usize = 1032;
/// A block this aligned and sized owns its cache lines (x86-64 prefetches pairs).
const LINE: usize = 128;

static CROSS_SMALL: AtomicUsize = AtomicUsize::new(0);
static CROSS_SMALL_UNPADDED: AtomicUsize = AtomicUsize::new(0);

struct Marking;

fn header(layout: Layout) -> usize {
    layout.align().max(16)
}

fn on_caller() -> bool {
    CALLER.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every block is `header` bytes of System memory in front of the
// caller's block; the header's last byte records whether the caller allocated it. Layouts
// passed to System are valid: size + header with the same (power-of-two) align.
unsafe impl GlobalAlloc for Marking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let h = header(layout);
        // SAFETY: size + h > 0 and the alignment is the caller's (or 16).
        let base = unsafe { System.alloc(Layout::from_size_align_unchecked(layout.size() + h, h)) };
        if base.is_null() {
            return base;
        }
        // SAFETY: base .. base + h is ours; the flag is its last byte.
        unsafe {
            *base.add(h - 1) = on_caller() as u8;
            base.add(h)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let h = header(layout);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        let base = unsafe { ptr.sub(h) };
        // SAFETY: the flag byte written by `alloc`.
        let by_caller = unsafe { *base.add(h - 1) } != 0;
        if by_caller && !on_caller() && layout.size() <= TCACHE_MAX {
            CROSS_SMALL.fetch_add(1, Ordering::Relaxed);
            if layout.align() < LINE || layout.size() % LINE != 0 {
                CROSS_SMALL_UNPADDED.fetch_add(1, Ordering::Relaxed);
            }
        }
        // SAFETY: the block System gave us in `alloc`.
        unsafe {
            System.dealloc(
                base,
                Layout::from_size_align_unchecked(layout.size() + h, h),
            )
        }
    }
}

#[global_allocator]
static GLOBAL: Marking = Marking;

/// The counters are process-wide: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the one-test-at-a-time lock and marks this thread as the caller.
fn as_caller() -> std::sync::MutexGuard<'static, ()> {
    let one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    CALLER.with(|c| c.set(true));
    one
}

fn pool(workers: usize) -> Pool {
    Pool::builder().workers(workers).build().unwrap()
}

#[test]
fn workers_free_no_small_block_of_the_caller_when_every_participant_runs() {
    let _one = as_caller();
    // Schedules whose every participant runs (no cancellation): the caller
    // must free all of each call's bookkeeping itself.
    for schedule in [
        Schedule::Static,
        Schedule::StaticCyclic,
        Schedule::WorkStealing { grain: 1 },
    ] {
        let pool = pool(3);
        pool.for_each_index(0..1000, schedule, |_, i| {
            std::hint::black_box(i);
        });
        CROSS_SMALL.store(0, Ordering::Relaxed);
        for _ in 0..300 {
            pool.for_each_index(0..1000, schedule, |_, i| {
                std::hint::black_box(i);
            });
        }
        assert_eq!(
            CROSS_SMALL.load(Ordering::Relaxed),
            0,
            "{schedule}: workers freed small blocks allocated by the caller"
        );
    }
}

#[test]
fn blocks_a_worker_frees_for_the_caller_are_whole_cache_lines() {
    let _one = as_caller();
    // Adaptive, Dynamic and Guided cancel participants that have not started;
    // those drop the call's bookkeeping later, on their worker.
    for schedule in [
        Schedule::Adaptive,
        Schedule::Dynamic { chunk: 1 },
        Schedule::Guided { min_chunk: 1 },
    ] {
        let pool = pool(3);
        CROSS_SMALL_UNPADDED.store(0, Ordering::Relaxed);
        for n in 0..300 {
            pool.for_each_index(0..(n % 7), schedule, |_, i| {
                std::hint::black_box(i);
            });
        }
        assert_eq!(
            CROSS_SMALL_UNPADDED.load(Ordering::Relaxed),
            0,
            "{schedule}: workers freed small blocks of the caller that are not whole cache lines"
        );
    }
}

//! Calls across pools, extreme chunk and grain sizes, ranges that end at
//! `usize::MAX`, and the tickets of participants cancelled just before a pool is
//! dropped. Hang-prone cases run under `common::within`.

mod common;

use common::{within, HANG_LIMIT};
use scheduler::{Pool, Schedule};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

fn pool(workers: usize) -> Arc<Pool> {
    Arc::new(Pool::builder().workers(workers).build().unwrap())
}

/// Every schedule, with `param` as its chunk, minimum chunk or grain.
fn schedules(param: usize) -> [Schedule; 6] {
    [
        Schedule::Static,
        Schedule::StaticCyclic,
        Schedule::Dynamic { chunk: param },
        Schedule::Guided { min_chunk: param },
        Schedule::WorkStealing { grain: param },
        Schedule::Adaptive,
    ]
}

fn assert_each_once(counts: &[AtomicU32], what: &str) {
    for (i, c) in counts.iter().enumerate() {
        let n = c.load(Ordering::Relaxed);
        assert_eq!(n, 1, "{what}: offset {i} ran {n} times");
    }
}

#[test]
fn a_join_into_b_into_a_returns_on_one_worker_pools() {
    within(HANG_LIMIT, "a -> b -> a join", || {
        let (a, b) = (pool(1), pool(1));
        for _ in 0..50 {
            let ((inner, zero_b), zero_a) = a.join(|| b.join(|| a.join(|| 1, || 2), || 0), || 0);
            assert_eq!((inner, zero_b, zero_a), ((1, 2), 0, 0));
        }
    });
}

#[test]
fn static_loops_nest_across_two_pools() {
    within(HANG_LIMIT, "a -> b -> a static loops", || {
        let (a, b) = (pool(2), pool(2));
        let count = AtomicUsize::new(0);
        for _ in 0..20 {
            a.for_each_index(0..2, Schedule::Static, |_, _| {
                b.for_each_index(0..2, Schedule::Static, |_, _| {
                    a.for_each_index(0..2, Schedule::Static, |_, _| {
                        count.fetch_add(1, Ordering::Relaxed);
                    });
                });
            });
        }
        assert_eq!(count.into_inner(), 20 * 8);
    });
}

#[test]
fn every_schedule_nests_in_every_other_across_pools() {
    within(HANG_LIMIT, "cross-pool loops of every schedule", || {
        let (a, b) = (pool(2), pool(3));
        for outer in schedules(2) {
            for inner in schedules(3) {
                let counts: Vec<AtomicU32> = (0..5 * 7 * 3).map(|_| AtomicU32::new(0)).collect();
                a.for_each_index(0..5, outer, |_, i| {
                    b.for_each_index(0..7, inner, |_, j| {
                        a.for_each_index(0..3, outer, |_, k| {
                            counts[(i * 7 + j) * 3 + k].fetch_add(1, Ordering::Relaxed);
                        });
                    });
                });
                assert_each_once(&counts, &format!("{outer} in {inner} in {outer}"));
            }
        }
    });
}

#[test]
fn three_pools_call_round_in_a_cycle() {
    within(HANG_LIMIT, "a -> b -> c -> a", || {
        let (a, b, c) = (pool(1), pool(2), pool(1));
        let count = AtomicUsize::new(0);
        let bump = || {
            count.fetch_add(1, Ordering::Relaxed);
        };
        for _ in 0..20 {
            a.join(
                || {
                    b.for_each_index(0..2, Schedule::Static, |_, _| {
                        c.join(|| a.join(bump, bump), || c.scope(|s| s.spawn(|_| bump())));
                    })
                },
                || b.join(|| c.join(|| a.join(bump, bump), bump), bump),
            );
        }
        assert_eq!(count.into_inner(), 20 * (2 * 3 + 4));
    });
}

#[test]
fn scope_spawns_from_a_worker_of_another_pool() {
    within(HANG_LIMIT, "Scope::spawn across pools", || {
        let (a, b) = (pool(2), pool(2));
        let count = AtomicUsize::new(0);
        for _ in 0..50 {
            a.scope(|s| {
                b.join(
                    || {
                        s.spawn(|_| {
                            a.join(|| count.fetch_add(1, Ordering::Relaxed), || ());
                        })
                    },
                    || {
                        b.for_each_index(0..4, Schedule::Static, |_, _| {
                            s.spawn(|s2| {
                                s2.spawn(|_| {
                                    count.fetch_add(1, Ordering::Relaxed);
                                });
                            });
                        })
                    },
                );
            });
        }
        assert_eq!(count.into_inner(), 50 * 5);
    });
}

#[test]
fn a_panic_in_another_pool_reaches_the_caller_and_both_pools_stay_usable() {
    common::quiet_boom_panics();
    within(HANG_LIMIT, "panics across pools", || {
        let (a, b) = (pool(2), pool(1));
        for schedule in schedules(2) {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                a.join(
                    || {
                        b.for_each_index(0..4, schedule, |_, i| {
                            a.join(|| assert!(i != 2, "boom at {i}"), || ());
                        })
                    },
                    || (),
                )
            }));
            assert!(caught.is_err(), "{schedule}: the panic was lost");
            assert_eq!(a.join(|| b.join(|| 1, || 2), || 3), ((1, 2), 3));
        }
    });
}

#[test]
fn a_pool_dropped_right_after_its_worker_called_another_pool() {
    // The waiting worker's pool may go away as soon as it was woken: the
    // wake-up must not touch that pool's freed state.
    within(HANG_LIMIT, "drop after a cross-pool call", || {
        let a = pool(2);
        for round in 0..200 {
            let b = pool(1 + round % 2);
            let (x, _) = b.join(|| a.join(|| 3, || 4), || ());
            assert_eq!(x, (3, 4));
            b.for_each_index(0..2, Schedule::Static, |_, _| {
                a.for_each_index(0..3, Schedule::Dynamic { chunk: 1 }, |_, _| {})
            });
            drop(b);
        }
    });
}

#[test]
fn extreme_chunks_and_grains_run_each_index_once() {
    within(HANG_LIMIT, "extreme chunk and grain sizes", || {
        for workers in 1..=3 {
            let pool = pool(workers);
            for len in [1usize, 2, 3, 10, 100] {
                let params = [usize::MAX, (1 << 63) + 1, 1 << 63, len, len + 1];
                for param in params {
                    for schedule in schedules(param) {
                        let counts: Vec<AtomicU32> = (0..len).map(|_| AtomicU32::new(0)).collect();
                        pool.for_each_index(0..len, schedule, |_, i| {
                            counts[i].fetch_add(1, Ordering::Relaxed);
                        });
                        let what = format!("{schedule} over 0..{len} on {workers} workers");
                        assert_each_once(&counts, &what);
                    }
                }
            }
        }
    });
}

#[test]
fn ranges_ending_at_usize_max_run_each_index_once() {
    within(HANG_LIMIT, "ranges ending at usize::MAX", || {
        for workers in 1..=3 {
            let pool = pool(workers);
            for len in [1usize, 2, 1000] {
                let start = usize::MAX - len;
                for param in [1, 7, len, usize::MAX] {
                    for schedule in schedules(param) {
                        let counts: Vec<AtomicU32> = (0..len).map(|_| AtomicU32::new(0)).collect();
                        pool.for_each_index(start..usize::MAX, schedule, |_, i| {
                            counts[i - start].fetch_add(1, Ordering::Relaxed);
                        });
                        let what = format!("{schedule} over MAX-{len}..MAX on {workers} workers");
                        assert_each_once(&counts, &what);
                    }
                }
            }
        }
    });
}

/// Follows the over-aligned allocations (the call's tickets, at cache-line
/// alignment) that the thread marked by `TRACKED` makes, wherever they are
/// freed: `LIVE` holds their addresses.
struct TrackingAllocator;

const TRACKED_ALIGN: usize = 128;
const SLOTS: usize = 4096;
static LIVE: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static LIVE_OVERFLOW: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded to `System` unchanged; the bookkeeping only
// uses atomics and a const-initialised thread-local without destructor.
unsafe impl GlobalAlloc for TrackingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        let tracked = TRACKED.try_with(|t| t.get()).unwrap_or(false);
        if tracked && !p.is_null() && layout.align() >= TRACKED_ALIGN {
            let free_slot = LIVE.iter().find(|s| {
                s.compare_exchange(0, p as usize, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
            });
            if free_slot.is_none() {
                LIVE_OVERFLOW.fetch_add(1, Ordering::Relaxed);
            }
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if layout.align() >= TRACKED_ALIGN {
            for s in LIVE.iter() {
                if s.compare_exchange(p as usize, 0, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    break;
                }
            }
        }
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(p, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: TrackingAllocator = TrackingAllocator;

fn live_tracked() -> usize {
    LIVE.iter()
        .filter(|s| s.load(Ordering::Acquire) != 0)
        .count()
        + LIVE_OVERFLOW.load(Ordering::Relaxed)
}

#[test]
fn dropping_a_pool_frees_the_tickets_of_cancelled_participants() {
    // Each round builds a pool, makes one call whose participants all but one
    // are cancelled (one index, Dynamic), and drops the pool at once: workers
    // that were between a search and their look at the shutdown flag when the
    // call came must still free their cancelled participant's tickets.
    within(HANG_LIMIT, "build/call/drop cycles", || {
        TRACKED.with(|t| t.set(true));
        for round in 0..400 {
            let workers = 2 + round % 15;
            let pool = Pool::builder().workers(workers).build().unwrap();
            let ran = AtomicUsize::new(0);
            pool.for_each_index(0..1, Schedule::Dynamic { chunk: 1 }, |_, _| {
                ran.fetch_add(1, Ordering::Relaxed);
            });
            drop(pool);
            assert_eq!(ran.into_inner(), 1);
            let live = live_tracked();
            assert_eq!(
                live, 0,
                "round {round} ({workers} workers): {live} blocks outlived the pool"
            );
        }
        TRACKED.with(|t| t.set(false));
    });
}

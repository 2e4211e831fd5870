//! Keeping other threads' memory out of a new worker's malloc cache.
//!
//! glibc's malloc gives each thread a small cache of freed blocks (the
//! *tcache*: up to 7 blocks for each size up to 1032 bytes) and serves that
//! thread's next allocations of the same size from it, *whichever thread
//! allocated them*. A new worker's first frees are of blocks the spawning
//! thread allocated (`std::thread::spawn` boxes the closure there and the new
//! thread drops it), so its cache starts with a few blocks of the spawner's
//! heap, next to each other and to the blocks of the workers spawned just
//! before and after it. A task's small allocation that reuses such a block
//! shares a cache line with another worker's, on every task: on a 16-CPU
//! machine, allocation-heavy tiny tasks ran 4x slower on a pool built at
//! program start than on one built later (`results/scheduler-targets/README.md`).
//!
//! [`keep_foreign_cached_blocks`] runs first thing on each worker: it takes
//! every cached block out of the cache and keeps (leaks) the few that lie
//! outside the worker's own arena, so they are never handed to a task. It only
//! knows glibc's layout (each thread arena's heaps are aligned to 64 MiB);
//! elsewhere it does nothing. The pool itself no longer makes a worker free the
//! caller's small blocks: the caller frees each call's tickets (`Tickets` in
//! `schedule.rs`), and each worker makes its own deque (`Pool`'s start-up).

/// Blocks up to this many bytes are cached per thread (glibc's default).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const CACHED_MAX: usize = 1032;
/// Blocks cached per size (glibc's default `tcache_count`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const PER_SIZE: usize = 7;
/// glibc's `HEAP_MAX_SIZE` on 64-bit: a thread arena's heaps are aligned to it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENA_HEAP: usize = 64 << 20;

/// Empties this thread's malloc cache of blocks from other threads' arenas,
/// keeping those blocks allocated forever (a few hundred bytes per worker);
/// returns how many it kept. Call it on a new thread before its real work.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn keep_foreign_cached_blocks() -> usize {
    use std::alloc::{alloc, dealloc, Layout};
    // A block too big for the cache comes from this thread's own arena.
    let own = {
        let probe = vec![0u8; 2 * CACHED_MAX];
        probe.as_ptr() as usize / ARENA_HEAP
    };
    let mut kept = 0;
    // One request size per cache bin: bins hold chunks of 32, 48, ... 1040
    // bytes, i.e. requests of up to 24, 40, ... 1032 bytes.
    for size in (24..=CACHED_MAX).step_by(16) {
        let layout = Layout::from_size_align(size, 8).expect("valid layout");
        let mut own_blocks = [std::ptr::null_mut::<u8>(); PER_SIZE];
        for slot in own_blocks.iter_mut() {
            // SAFETY: `layout` has a non-zero size.
            let p = unsafe { alloc(layout) };
            if p.is_null() || p as usize / ARENA_HEAP == own {
                *slot = p;
            } else {
                kept += 1; // foreign: never freed, so never cached again
            }
        }
        for p in own_blocks.into_iter().filter(|p| !p.is_null()) {
            // SAFETY: allocated just above with this layout, freed once.
            unsafe { dealloc(p, layout) };
        }
    }
    kept
}

/// Other allocators: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn keep_foreign_cached_blocks() -> usize {
    0
}

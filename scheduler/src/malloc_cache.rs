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
//! shares a cache line with another worker's, on every task, which slows
//! allocation-heavy tiny tasks for the pool's whole life (how it was found
//! and measured: `docs/HISTORY.md`).
//!
//! [`keep_foreign_cached_blocks`] runs first thing on each worker: it takes
//! every cached block out of the cache and keeps (leaks) the few that lie
//! outside the worker's own arena, so they are never handed to a task. It only
//! knows glibc's layout on 64-bit targets (each thread arena's heaps are
//! aligned to 64 MiB), so it acts only there, and only when `malloc` is glibc's
//! own (checked once per process): not when a
//! sanitizer or a preloaded allocator replaces it. It calls `malloc` and
//! `free` directly, so a `#[global_allocator]` of the program (jemalloc,
//! mimalloc) does not stand in between; under such an allocator tasks do not
//! use glibc's cache, and the probe only keeps blocks nobody would get.
//! Elsewhere it does nothing. The pool itself does not make a worker free the
//! caller's small blocks: the caller frees each call's tickets (`Tickets` in
//! `schedule.rs`), and each worker makes its own deque (`Pool`'s start-up).

#[cfg(all(
    target_os = "linux",
    target_env = "gnu",
    target_pointer_width = "64",
    not(miri)
))]
mod glibc {
    use std::sync::OnceLock;

    /// Blocks up to this many bytes are cached per thread (glibc's default).
    const CACHED_MAX: usize = 1032;
    /// Blocks cached per size (glibc's default `tcache_count`).
    const PER_SIZE: usize = 7;
    /// glibc's `HEAP_MAX_SIZE` on 64-bit: a thread arena's heaps are aligned to it.
    const ARENA_HEAP: usize = 64 << 20;

    /// Whether the `malloc` this program calls is glibc's own: the C library
    /// loaded is glibc (it has `gnu_get_libc_version`) and no other `malloc`
    /// (a sanitizer's, a preloaded allocator's) comes first in symbol lookup.
    fn glibc_malloc_in_use() -> bool {
        static IN_USE: OnceLock<bool> = OnceLock::new();
        *IN_USE.get_or_init(|| {
            // SAFETY: `dlopen` with RTLD_NOLOAD only looks up an already loaded
            // library (never runs its initialisers); `dlsym` only reads symbol
            // tables; both take NUL-terminated names; the handle is not closed,
            // which for a library loaded anyway is harmless.
            unsafe {
                let libc = libc::dlopen(c"libc.so.6".as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD);
                if libc.is_null() || libc::dlsym(libc, c"gnu_get_libc_version".as_ptr()).is_null() {
                    return false;
                }
                let glibc_malloc = libc::dlsym(libc, c"malloc".as_ptr());
                !glibc_malloc.is_null()
                    && glibc_malloc == libc::dlsym(libc::RTLD_DEFAULT, c"malloc".as_ptr())
            }
        })
    }

    /// See the module docs; returns how many blocks it kept.
    pub fn keep_foreign_cached_blocks() -> usize {
        if !glibc_malloc_in_use() {
            return 0;
        }
        // A block too big for the cache comes from this thread's own arena.
        // SAFETY: plain `malloc`/`free` of a non-zero size, freed once.
        let own = unsafe {
            let probe = libc::malloc(2 * CACHED_MAX);
            if probe.is_null() {
                return 0;
            }
            let own = probe as usize / ARENA_HEAP;
            libc::free(probe);
            own
        };
        let mut kept = 0;
        // One request size per cache bin: bins hold chunks of 32, 48, ... 1040
        // bytes, i.e. requests of up to 24, 40, ... 1032 bytes.
        for size in (24..=CACHED_MAX).step_by(16) {
            let mut own_blocks = [std::ptr::null_mut::<libc::c_void>(); PER_SIZE];
            for slot in own_blocks.iter_mut() {
                // SAFETY: `malloc` of a non-zero size.
                let p = unsafe { libc::malloc(size) };
                if p.is_null() || p as usize / ARENA_HEAP == own {
                    *slot = p;
                } else {
                    kept += 1; // foreign: never freed, so never cached again
                }
            }
            for p in own_blocks {
                // SAFETY: each came from `malloc` above (or is null), freed once.
                unsafe { libc::free(p) };
            }
        }
        kept
    }
}

#[cfg(all(
    target_os = "linux",
    target_env = "gnu",
    target_pointer_width = "64",
    not(miri)
))]
pub use glibc::keep_foreign_cached_blocks;

/// Other C libraries and targets, and Miri (which has no `dlopen`): nothing to do.
#[cfg(not(all(
    target_os = "linux",
    target_env = "gnu",
    target_pointer_width = "64",
    not(miri)
)))]
pub fn keep_foreign_cached_blocks() -> usize {
    0
}

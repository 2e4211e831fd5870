//! A worker's first small allocations come from its own malloc arena, not from
//! blocks of the thread that spawned it (see `src/malloc_cache.rs`): tasks on
//! different workers must not get neighbouring blocks of one heap.
//! glibc on 64-bit only: its thread arenas' heaps are 64 MiB-aligned, so a
//! block's arena can be read off its address. The probe calls glibc's `malloc`
//! directly (whatever the global allocator), and the test skips itself where
//! `malloc` is not glibc's (under a sanitizer, or a preloaded allocator).

#![cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]

use scheduler::{Pool, Schedule};
use std::sync::Mutex;

const ARENA_HEAP: usize = 64 << 20;

/// Whether `malloc` is glibc's own: the C library has `gnu_get_libc_version`
/// and symbol lookup finds its `malloc` first (a sanitizer's or a preloaded
/// allocator's would come first).
fn glibc_malloc_in_use() -> bool {
    // SAFETY: RTLD_NOLOAD only looks up an already loaded library; `dlsym`
    // reads symbol tables; the names are NUL-terminated.
    unsafe {
        let libc = libc::dlopen(c"libc.so.6".as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD);
        if libc.is_null() || libc::dlsym(libc, c"gnu_get_libc_version".as_ptr()).is_null() {
            return false;
        }
        let glibc_malloc = libc::dlsym(libc, c"malloc".as_ptr());
        !glibc_malloc.is_null()
            && glibc_malloc == libc::dlsym(libc::RTLD_DEFAULT, c"malloc".as_ptr())
    }
}

/// On the calling thread: how many of the first blocks of each cached size
/// (24, 40, ... 1032 bytes) lie outside this thread's arena.
fn foreign_small_blocks() -> usize {
    // SAFETY: `malloc` of a non-zero size, checked, freed once.
    let own = unsafe {
        let probe = libc::malloc(4096);
        assert!(!probe.is_null());
        let own = probe as usize / ARENA_HEAP;
        libc::free(probe);
        own
    };
    let mut foreign = 0;
    for size in (24..=1032).step_by(16) {
        // SAFETY: `malloc` of a non-zero size; freed right below, once.
        let p = unsafe { libc::malloc(size) };
        assert!(!p.is_null());
        if p as usize / ARENA_HEAP != own {
            foreign += 1;
        }
        // SAFETY: allocated above by `malloc`.
        unsafe { libc::free(p) };
    }
    foreign
}

#[test]
fn a_new_workers_small_allocations_come_from_its_own_arena() {
    if !glibc_malloc_in_use() {
        eprintln!("skipped: malloc is not glibc's here (a sanitizer or preloaded allocator)");
        return;
    }
    for _ in 0..3 {
        let pool = Pool::builder().workers(4).build().unwrap();
        let found = Mutex::new(Vec::new());
        // Every worker runs its participant first thing (Static: block w on worker w).
        pool.for_each_index(0..4, Schedule::Static, |ctx, _| {
            let n = foreign_small_blocks();
            found.lock().unwrap().push((ctx.worker_index(), n));
        });
        let found = found.into_inner().unwrap();
        assert_eq!(found.len(), 4);
        for (worker, n) in found {
            assert_eq!(
                n, 0,
                "worker {worker}: {n} cached blocks of another thread's heap"
            );
        }
    }
}

#[test]
fn another_runtimes_thread_gets_its_own_blocks_after_the_public_call() {
    if !glibc_malloc_in_use() {
        eprintln!("skipped: malloc is not glibc's here (a sanitizer or preloaded allocator)");
        return;
    }
    // A thread started as rayon starts its own: its first frees are the spawning
    // thread's blocks; after the call, its small allocations are its own arena's.
    for _ in 0..3 {
        let foreign = std::thread::spawn(|| {
            scheduler::keep_foreign_cached_blocks();
            foreign_small_blocks()
        })
        .join()
        .unwrap();
        assert_eq!(
            foreign, 0,
            "{foreign} cached blocks of another thread's heap"
        );
    }
}

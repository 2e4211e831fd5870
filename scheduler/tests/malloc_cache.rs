//! A worker's first small allocations come from its own malloc arena, not from
//! blocks of the thread that spawned it (see `src/malloc_cache.rs`): tasks on
//! different workers must not get neighbouring blocks of one heap.
//! glibc only: its thread arenas' heaps are 64 MiB-aligned, so a block's arena
//! can be read off its address.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use scheduler::{Pool, Schedule};
use std::alloc::{alloc, dealloc, Layout};
use std::sync::Mutex;

const ARENA_HEAP: usize = 64 << 20;

/// On the calling thread: how many of the first blocks of each cached size
/// (24, 40, ... 1032 bytes) lie outside this thread's arena.
fn foreign_small_blocks() -> usize {
    let probe = vec![0u8; 4096];
    let own = probe.as_ptr() as usize / ARENA_HEAP;
    drop(probe);
    let mut foreign = 0;
    for size in (24..=1032).step_by(16) {
        let layout = Layout::from_size_align(size, 8).unwrap();
        // SAFETY: non-zero size; freed right below with the same layout.
        let p = unsafe { alloc(layout) };
        assert!(!p.is_null());
        if p as usize / ARENA_HEAP != own {
            foreign += 1;
        }
        // SAFETY: allocated above with `layout`.
        unsafe { dealloc(p, layout) };
    }
    foreign
}

#[test]
fn a_new_workers_small_allocations_come_from_its_own_arena() {
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

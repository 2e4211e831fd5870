//! Pinned workers must not shrink glibc's arena limit (see `claim_malloc_arena`
//! in `src/pool.rs`): every worker of a pool pinned to one CPU gets its own
//! malloc arena, as long as the machine's limit (8 arenas per allowed CPU)
//! leaves room. Its own test binary: the arena limit is fixed once per process.
//!
//! A thread's arena is read off the address of a fresh small allocation: each
//! glibc arena but the main one lives in its own 64 MiB-aligned heap.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use scheduler::{Pool, Schedule};
use std::collections::BTreeSet;
use std::sync::Mutex;

#[test]
fn every_pinned_worker_gets_its_own_malloc_arena() {
    let allowed = scheduler::affinity::allowed_cpus().unwrap_or_default();
    let Some(&cpu) = allowed.first() else {
        eprintln!("no CPU affinity on this machine; nothing to check");
        return;
    };
    // Up to 12 workers, fewer on a machine whose arena limit (8 per allowed CPU,
    // minus the main and test threads' arenas) is smaller: glibc may share then.
    let workers = 12.min(8 * allowed.len() - 3);
    let pool = Pool::builder()
        .workers(workers)
        .pin_to(vec![Some(cpu); workers])
        .build()
        .unwrap();
    let heaps = Mutex::new(BTreeSet::new());
    pool.for_each_index(0..workers, Schedule::Static, |_, _| {
        let block = Box::new([0u8; 24]);
        let heap = (&*block as *const [u8; 24] as usize) >> 26;
        heaps.lock().unwrap().insert(heap);
    });
    let heaps = heaps.into_inner().unwrap();
    assert_eq!(
        heaps.len(),
        workers,
        "{workers} pinned workers allocate from only {} heaps: they share malloc arenas",
        heaps.len()
    );
}

//! chili (the Rust port of spice's heartbeat scheduling) running an index loop.
//!
//! The loop is chili's own idiom: [`chili::Scope::join`] halving the index range
//! recursively down to single indices. chili decides at each heartbeat (every
//! [`HEARTBEAT`] per thread) whether to share the oldest pending half with an idle
//! thread; between heartbeats a `join` costs about a function call.
//!
//! chili has no start hook and no thread index, so [`ChiliTeam`] finds its threads itself.
//! The pool is built from a short-lived thread with a unique name, which every thread chili
//! spawns inherits (Linux copies the name at `clone`); the threads with that name are
//! chili's `p - 1` workers, spawned in order, and its heartbeat thread, spawned last (the
//! highest thread id: ids grow until they wrap at `pid_max`). Each worker is pinned by its
//! id to its CPU, the heartbeat thread to the placement's CPUs. The `p`-th participant —
//! the thread that opens chili's scope — is the team's leader, a one-worker
//! [`scheduler::Pool`] pinned to the first CPU. Tasks learn their worker index from their
//! thread id (cached per thread); a task on a thread the team did not identify fails the
//! run instead of being counted on the wrong worker.

use std::cell::Cell;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use scheduler::Pool;

use crate::panics::PanicSlot;
use crate::threads;

/// chili's heartbeat interval (its default).
pub const HEARTBEAT: Duration = Duration::from_micros(100);

/// What `meta.json` says about chili.
pub fn describe() -> String {
    format!(
        "chili 0.2 (the exact version is in Cargo.lock), heartbeat every {} µs; workers \
         pinned by thread id, the heartbeat thread on the placement's CPUs",
        HEARTBEAT.as_micros()
    )
}

/// Team ids for the per-thread worker-index cache (0: none).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// (team id, worker index) of the thread, once looked up.
    static WORKER: Cell<(u64, usize)> = const { Cell::new((0, usize::MAX)) };
}

/// A warm chili pool of `p` participants pinned to a worker → CPU map.
pub struct ChiliTeam {
    leader: Pool,
    pool: chili::ThreadPool,
    cpus: Vec<Option<usize>>,
    /// Kernel thread id of each worker (0: the leader).
    tids: Vec<i32>,
    id: u64,
}

impl ChiliTeam {
    /// A team of `cpus.len()` participants, participant `w` pinned to `cpus[w]`.
    pub fn new(cpus: &[Option<usize>]) -> Result<ChiliTeam, String> {
        let p = NonZeroUsize::new(cpus.len()).ok_or("a chili team needs at least 1 worker")?;
        let leader = Pool::builder()
            .workers(1)
            .pin_to(vec![cpus[0]])
            .build()
            .map_err(|e| format!("starting chili's leader thread: {e}"))?;
        let leader_tid = leader.scope(|_| threads::gettid());
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let name = format!("wsbchili{}", id % 10_000_000);
        let spawner = std::thread::Builder::new().name(name.clone());
        let (pool, mut spawned) = spawner
            .spawn(move || {
                let pool = chili::ThreadPool::with_config(chili::Config {
                    thread_count: Some(p),
                    heartbeat_interval: HEARTBEAT,
                });
                let me = threads::gettid();
                let ids: Vec<i32> = threads::task_ids()
                    .into_iter()
                    .filter(|&t| t != me && threads::comm(t).as_deref() == Some(name.as_str()))
                    .collect();
                (pool, ids)
            })
            .map_err(|e| format!("starting a thread to build chili's pool: {e}"))?
            .join()
            .map_err(|_| "building chili's pool panicked".to_string())?;
        if spawned.len() != p.get() {
            return Err(format!(
                "chili's pool of {p} should have {} workers and a heartbeat thread; found {} \
                 threads, so they cannot be pinned",
                p.get() - 1,
                spawned.len()
            ));
        }
        spawned.sort_unstable();
        let heartbeat = spawned.pop().expect("p >= 1 threads");
        let mut tids = vec![leader_tid];
        tids.extend(spawned);
        pin(&tids, heartbeat, cpus)?;
        Ok(ChiliTeam {
            leader,
            pool,
            cpus: cpus.to_vec(),
            tids,
            id,
        })
    }

    /// The team's size.
    pub fn workers(&self) -> usize {
        self.cpus.len()
    }

    /// Each worker's CPU (`None`: not pinned).
    pub fn cpus(&self) -> &[Option<usize>] {
        &self.cpus
    }

    /// The CPU each worker last ran on (from `/proc`; `None` where unreadable).
    pub fn last_cpus(&self) -> Vec<Option<usize>> {
        self.tids.iter().map(|&t| threads::last_cpu(t)).collect()
    }

    /// Runs `body(worker, index)` once for every index of `0..n`, splitting the range
    /// with `join` down to single indices. A panic in `body` is re-raised here once every
    /// started join has finished (later indices are skipped).
    pub fn for_each(&self, n: usize, body: &(dyn Fn(usize, usize) + Sync)) -> Result<(), String> {
        let slot = PanicSlot::default();
        let stray = AtomicBool::new(false);
        let leaf = |i: usize| {
            let w = self.worker_index();
            let w = if w < self.tids.len() {
                w
            } else {
                stray.store(true, Ordering::Relaxed);
                0
            };
            slot.call(|| body(w, i));
        };
        if n > 0 {
            self.leader
                .scope(|_| split(&mut self.pool.scope(), 0, n, &leaf));
        }
        slot.resume();
        if stray.load(Ordering::Relaxed) {
            return Err(format!(
                "a chili task ran on a thread that is not one of the team's identified \
                 workers {:?}; its pinning cannot be trusted",
                self.tids
            ));
        }
        Ok(())
    }

    /// Runs `f` on the team (on its leader, inside a scope of its chili pool) and returns
    /// its result: a recursive workload's parallel body calls `Scope::join` on the scope it
    /// is given. A panic in `f` is re-raised here.
    pub fn run<R: Send>(&self, f: impl FnOnce(&mut chili::Scope<'_>) -> R + Send) -> R {
        self.leader.scope(|_| f(&mut self.pool.scope()))
    }

    /// This thread's worker index in the team (`usize::MAX`: not one of its workers).
    fn worker_index(&self) -> usize {
        WORKER.with(|w| {
            let (team, i) = w.get();
            if team == self.id {
                return i;
            }
            let me = threads::gettid();
            let i = self
                .tids
                .iter()
                .position(|&t| t == me)
                .unwrap_or(usize::MAX);
            w.set((self.id, i));
            i
        })
    }
}

/// Pins worker `w > 0` (by id) to `cpus[w]` and the heartbeat thread to all of `cpus`.
fn pin(tids: &[i32], heartbeat: i32, cpus: &[Option<usize>]) -> Result<(), String> {
    for (w, (&tid, cpu)) in tids.iter().zip(cpus).enumerate().skip(1) {
        if let Some(c) = cpu {
            if !threads::pin_tid(tid, &[*c]) {
                return Err(format!(
                    "cannot pin chili worker {w} (thread {tid}) to CPU {c}"
                ));
            }
        }
    }
    let all: Vec<usize> = cpus.iter().flatten().copied().collect();
    if !all.is_empty() && cpus.iter().all(Option::is_some) && !threads::pin_tid(heartbeat, &all) {
        return Err(format!(
            "cannot pin chili's heartbeat thread to CPUs {all:?}"
        ));
    }
    Ok(())
}

/// `leaf(i)` for every `i` in `lo..hi` (`lo < hi`), by recursive halving.
fn split(s: &mut chili::Scope<'_>, lo: usize, hi: usize, leaf: &(dyn Fn(usize) + Sync)) {
    if hi - lo == 1 {
        leaf(lo);
        return;
    }
    let mid = lo + (hi - lo) / 2;
    s.join(|s| split(s, lo, mid, leaf), |s| split(s, mid, hi, leaf));
}

//! TEMPORARY stand-ins for the pool and topology parts' API (CONTRACT.md), so this part
//! compiles and is tested before their branches land. Replaced by re-exports on merge.
#![allow(missing_docs)]

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Static,
    StaticCyclic,
    Dynamic { chunk: usize },
    Guided { min_chunk: usize },
    WorkStealing { grain: usize },
    Adaptive,
}

impl FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, arg) = s.split_once(':').map_or((s, None), |(a, b)| (a, Some(b)));
        let k = match arg {
            None => 1,
            Some(a) => a
                .parse::<usize>()
                .ok()
                .filter(|&k| k >= 1)
                .ok_or_else(|| format!("bad argument {a:?}"))?,
        };
        Ok(match name {
            "static" if arg.is_none() => Schedule::Static,
            "static-cyclic" if arg.is_none() => Schedule::StaticCyclic,
            "dynamic" => Schedule::Dynamic { chunk: k },
            "guided" => Schedule::Guided { min_chunk: k },
            "work-stealing" => Schedule::WorkStealing { grain: k },
            "adaptive" if arg.is_none() => Schedule::Adaptive,
            _ => return Err(format!("unknown schedule {s:?}")),
        })
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Static => write!(f, "static"),
            Schedule::StaticCyclic => write!(f, "static-cyclic"),
            Schedule::Dynamic { chunk } => write!(f, "dynamic:{chunk}"),
            Schedule::Guided { min_chunk: 1 } => write!(f, "guided"),
            Schedule::Guided { min_chunk } => write!(f, "guided:{min_chunk}"),
            Schedule::WorkStealing { grain } => write!(f, "work-stealing:{grain}"),
            Schedule::Adaptive => write!(f, "adaptive"),
        }
    }
}

pub struct TaskCtx {
    worker: usize,
}
impl TaskCtx {
    pub fn worker_index(&self) -> usize {
        self.worker
    }
}

#[derive(Debug, Default, Clone)]
pub struct WorkerStats {
    pub tasks: u64,
    pub steal_attempts: u64,
    pub steal_successes: u64,
    pub parks: u64,
    pub busy_ns: u64,
    pub idle_ns: u64,
}
#[derive(Debug, Default, Clone)]
pub struct PoolStats {
    pub workers: Vec<WorkerStats>,
}

pub struct Pool {
    cpus: Vec<Option<usize>>,
}
pub struct PoolBuilder {
    n: usize,
    cpus: Vec<Option<usize>>,
}
impl Pool {
    pub fn builder() -> PoolBuilder {
        PoolBuilder { n: 1, cpus: vec![] }
    }
    pub fn worker_cpus(&self) -> &[Option<usize>] {
        &self.cpus
    }
    pub fn reset_stats(&self) {}
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            workers: vec![WorkerStats::default(); self.cpus.len()],
        }
    }
    pub fn for_each_index(
        &self,
        range: Range<usize>,
        _s: Schedule,
        f: impl Fn(&TaskCtx, usize) + Sync,
    ) {
        let next = AtomicUsize::new(range.start);
        std::thread::scope(|s| {
            for w in 0..self.cpus.len() {
                let (next, f, end) = (&next, &f, range.end);
                s.spawn(move || {
                    let ctx = TaskCtx { worker: w };
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= end {
                            break;
                        }
                        f(&ctx, i);
                    }
                });
            }
        });
    }
}
impl PoolBuilder {
    pub fn workers(mut self, n: usize) -> Self {
        self.n = n;
        self
    }
    pub fn pin_to(mut self, cpus: Vec<Option<usize>>) -> Self {
        self.cpus = cpus;
        self
    }
    pub fn build(self) -> Result<Pool, String> {
        let mut cpus = self.cpus;
        cpus.resize(self.n, None);
        Ok(Pool { cpus })
    }
}

pub use scheduler::placement;
pub use scheduler::topology;

//! Fork-join work stealing as rayon runs `par_iter().for_each`: the range is
//! split in halves by `join`, the right half pushed on the worker's deque, the
//! left half run on; thieves pick a random victim and take its *oldest* job
//! (the biggest half). How far a range is split is rayon's adaptive splitter:
//! `splits` starts at `p` and halves at each split; a job that was stolen
//! resets it to `max(p, splits / 2)`; a range is not split below one index
//! (`with_max_len(1)`, `rayon-fine`: `splits` starts at the length, so down to
//! single indices). The join's continuation after a stolen half does nothing
//! in a `for_each`, so joins are not modelled beyond the jobs they create.

use std::collections::VecDeque;

use crate::engine::{Line, Model, Next, Sim};

/// A job: indices `lo..hi`, its splitter's count, whether it was stolen.
#[derive(Debug, Clone, Copy)]
struct Job {
    lo: usize,
    hi: usize,
    splits: usize,
    migrated: bool,
}

/// The model of a fork-join `for_each`.
pub struct ForkJoin {
    deques: Vec<VecDeque<Job>>,
    lines: Vec<Line>,
    running: Vec<Option<(usize, usize, f64)>>,
    root: Option<Job>,
    /// Tasks not yet run to their end.
    left: usize,
    /// Failed steal rounds in a row, per worker.
    idle: Vec<u32>,
}

impl ForkJoin {
    /// A `for_each` over `len` indices on `workers` threads; `fine`: `with_max_len(1)`.
    pub fn new(len: usize, workers: usize, fine: bool) -> ForkJoin {
        let splits = if fine { len.max(workers) } else { workers };
        ForkJoin {
            deques: vec![VecDeque::new(); workers],
            lines: vec![Line::default(); workers],
            running: vec![None; workers],
            root: (len > 0).then_some(Job {
                lo: 0,
                hi: len,
                splits,
                migrated: false,
            }),
            left: len,
            idle: vec![0; workers],
        }
    }

    /// Splits `job` down to its leaf, pushing right halves; returns the leaf and
    /// when the pushes are done.
    fn split(&mut self, sim: &Sim, w: usize, mut job: Job, mut t: f64) -> (Job, f64) {
        let p = sim.workers();
        loop {
            let len = job.hi - job.lo;
            if len / 2 < 1 {
                return (job, t);
            }
            let splits = if job.migrated {
                Some((job.splits / 2).max(p))
            } else if job.splits > 0 {
                Some(job.splits / 2)
            } else {
                None
            };
            let Some(splits) = splits else {
                return (job, t);
            };
            let mid = job.lo + len / 2;
            self.deques[w].push_back(Job {
                lo: mid,
                hi: job.hi,
                splits,
                migrated: false,
            });
            t += sim.cal.deque_push_ns + sim.cal.rayon_split_ns;
            job = Job {
                lo: job.lo,
                hi: mid,
                splits,
                migrated: false,
            };
        }
    }

    /// Worker `w` steals the oldest job of a victim (random start), or `Err(t)`.
    fn steal(&mut self, sim: &mut Sim, w: usize, now: f64) -> Result<(Job, f64), f64> {
        let p = sim.workers();
        let first = sim.random_start(w);
        let mut t = now;
        for k in 0..p {
            let v = (first + k) % p;
            if v == w {
                continue;
            }
            match self.deques[v].pop_front() {
                Some(mut job) => {
                    t = sim.rmw(&mut self.lines[v], w, t) + sim.cal.steal_ns;
                    job.migrated = true;
                    sim.stole(w, v, t);
                    return Ok((job, t));
                }
                None => {
                    t = sim.read(&self.lines[v], w, t) + sim.cal.steal_empty_ns;
                    sim.tally[w].failed_steals += 1;
                }
            }
        }
        Err(t)
    }
}

impl Model for ForkJoin {
    fn step(&mut self, sim: &mut Sim, w: usize, now: f64) -> Next {
        let mut t = now;
        if let Some((lo, hi, t0)) = self.running[w].take() {
            t = sim.ran(w, lo, hi, t0);
            self.left -= hi - lo;
        }
        let job = match (self.root.take(), self.deques[w].pop_back()) {
            (Some(root), own) => {
                if let Some(j) = own {
                    self.deques[w].push_back(j);
                }
                Ok((root, t + sim.cal.steal_ns))
            }
            (None, Some(j)) => Ok((j, t + sim.cal.deque_pop_ns)),
            (None, None) => self.steal(sim, w, t),
        };
        match job {
            Ok((job, t)) => {
                self.idle[w] = 0;
                let (leaf, t) = self.split(sim, w, job, t);
                self.running[w] = Some((leaf.lo, leaf.hi, t));
                Next::At(t + sim.span(leaf.lo, leaf.hi))
            }
            Err(t) if self.left == 0 => Next::Done(t),
            Err(t) => {
                self.idle[w] += 1;
                Next::At(t + crate::engine::idle_wait(sim, w, self.idle[w]))
            }
        }
    }
}

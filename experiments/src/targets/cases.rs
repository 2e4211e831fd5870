//! How one case runs a workload: on the pool with a schedule, on rayon, on
//! plain threads, or serially. Each returns the wall time and the checksum of
//! the tasks' digests, which must equal the serial checksum.
//!
//! `wsbench run` has its own rayon runner (`run::execute`), built around the
//! sweep's cells, recording and pool-in-timing options; these cases need none
//! of that, so they keep a four-line one.

use crossbeam_utils::CachePadded;
use rayon::prelude::*;
use scheduler::{Pool, Schedule};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use workloads::checksum::task_digest;
use workloads::workload::Workload;

/// One timed case of a section: a row name and how to run it once.
pub(super) struct Case<'a> {
    /// The row's name in the table.
    pub name: &'a str,
    /// Runs the case once: wall time and checksum.
    pub run: Box<dyn Fn() -> (Duration, u64) + 'a>,
}

impl<'a> Case<'a> {
    /// A case named `name` that runs `run`.
    pub fn new(name: &'a str, run: impl Fn() -> (Duration, u64) + 'a) -> Case<'a> {
        Case {
            name,
            run: Box::new(run),
        }
    }

    /// Runs the case once and checks its checksum against `expected`.
    pub fn run_checked(&self, expected: u64) -> anyhow::Result<Duration> {
        let (time, sum) = (self.run)();
        if sum != expected {
            anyhow::bail!(
                "{}: checksum mismatch: {sum:#x}, the serial run gave {expected:#x}",
                self.name
            );
        }
        Ok(time)
    }
}

/// Per-worker partial checksums, summed at the end (no shared counter per task).
struct Partials(Vec<CachePadded<AtomicU64>>);

impl Partials {
    fn new(p: usize) -> Self {
        Partials(
            (0..p)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        )
    }

    /// Adds `v` to `worker`'s partial; only that worker writes it.
    fn add(&self, worker: usize, v: u64) {
        let c = &self.0[worker];
        c.store(c.load(Ordering::Relaxed).wrapping_add(v), Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |s, c| s.wrapping_add(c.load(Ordering::Relaxed)))
    }
}

/// Every task of `w` on `pool` under `schedule`.
pub(super) fn on_pool(pool: &Pool, w: &dyn Workload, schedule: Schedule) -> (Duration, u64) {
    let partials = Partials::new(pool.num_workers());
    let t = Instant::now();
    pool.for_each_index(0..w.len(), schedule, |ctx, i| {
        partials.add(ctx.worker_index(), task_digest(i, w.run(i)))
    });
    (t.elapsed(), partials.sum())
}

/// Every task of `w` as a rayon `par_iter`, with `with_max_len(m)` when given.
pub(super) fn on_rayon(
    rp: &rayon::ThreadPool,
    w: &dyn Workload,
    max_len: Option<usize>,
) -> (Duration, u64) {
    let t = Instant::now();
    let sum = rp.install(|| {
        let it = (0..w.len()).into_par_iter();
        let f = |i: usize| task_digest(i, w.run(i));
        match max_len {
            None => it.map(f).reduce(|| 0, u64::wrapping_add),
            Some(m) => it.with_max_len(m).map(f).reduce(|| 0, u64::wrapping_add),
        }
    });
    (t.elapsed(), sum)
}

/// `threads` scoped std threads, each folding one contiguous block: no
/// scheduler at all (thread creation included).
pub(super) fn on_plain_threads(threads: usize, w: &dyn Workload) -> (Duration, u64) {
    let n = w.len();
    let t = Instant::now();
    let sum = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                s.spawn(move || {
                    (k * n / threads..(k + 1) * n / threads)
                        .fold(0u64, |s, i| s.wrapping_add(task_digest(i, w.run(i))))
                })
            })
            .collect();
        handles.into_iter().fold(0u64, |s, h| {
            // A task's panic belongs to the caller: resume it here, not hide it.
            let part = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            s.wrapping_add(part)
        })
    });
    (t.elapsed(), sum)
}

/// A serial pass with per-task timings.
pub(super) struct SerialPass {
    /// Sum of the task times, in seconds.
    pub total: f64,
    /// The longest task time, in seconds.
    pub max: f64,
    /// The checksum every parallel run must match.
    pub checksum: u64,
}

/// Every task of `w` on this thread, each timed.
pub(super) fn serial_timed(w: &dyn Workload) -> SerialPass {
    let mut pass = SerialPass {
        total: 0.0,
        max: 0.0,
        checksum: 0,
    };
    for i in 0..w.len() {
        let t = Instant::now();
        let r = w.run(i);
        let dt = t.elapsed().as_secs_f64();
        pass.total += dt;
        pass.max = pass.max.max(dt);
        pass.checksum = pass.checksum.wrapping_add(task_digest(i, r));
    }
    pass
}

/// Every task of `w` on this thread, timed as a whole.
pub(super) fn serial(w: &dyn Workload) -> (Duration, u64) {
    let t = Instant::now();
    let sum = (0..w.len()).fold(0u64, |s, i| s.wrapping_add(task_digest(i, w.run(i))));
    (t.elapsed(), sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::factor::Method;
    use workloads::workload::{serial_checksum, Factorize};

    #[test]
    fn every_runner_matches_the_serial_checksum() {
        let w = Factorize::new((2..500).collect(), Method::Naive);
        let expected = serial_checksum(&w);
        let pool = Pool::builder().workers(2).build().unwrap();
        let rp = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(on_pool(&pool, &w, Schedule::Adaptive).1, expected);
        assert_eq!(on_rayon(&rp, &w, None).1, expected);
        assert_eq!(on_rayon(&rp, &w, Some(1)).1, expected);
        assert_eq!(on_plain_threads(3, &w).1, expected);
        assert_eq!(serial(&w).1, expected);
        assert_eq!(serial_timed(&w).checksum, expected);
    }

    #[test]
    fn a_wrong_checksum_is_an_error_naming_the_case() {
        let case = Case::new("broken", || (Duration::ZERO, 1));
        let err = case.run_checked(2).unwrap_err().to_string();
        assert!(err.starts_with("broken: checksum mismatch"), "{err}");
    }
}

//! Chunk and grain values at the extremes (1, len - 1, len, len + 1, 2^62,
//! 2^63, 2^63 + 1, usize::MAX) and ranges that end at `usize::MAX`, on 1–3
//! workers, with every schedule: every index runs exactly once, and only
//! indices of the range run.

mod common;
mod stress_support;

use scheduler::{Dls, Pool, Schedule};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use stress_support::{check_once, counters};

const HALF: usize = 1 << 63;

/// Chunk or grain values at the edges for a range of `len` indices.
fn extreme_params(len: usize) -> Vec<usize> {
    let mut params = vec![
        1,
        len.saturating_sub(1).max(1),
        len,
        len.saturating_add(1),
        1 << 62,
        HALF,
        HALF + 1,
        usize::MAX - 1,
        usize::MAX,
    ];
    params.dedup();
    params
}

/// Ranges of a few lengths starting at 0, at a small offset, and ending at or
/// just below `usize::MAX` (a `Range` cannot hold `usize::MAX` itself).
fn extreme_ranges() -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    for len in [1, 2, 3, 10, 1001] {
        for start in [0, 7, usize::MAX - len, usize::MAX - len - 1] {
            ranges.push(start..start + len);
        }
    }
    ranges
}

/// Runs `schedule` over `range` and checks that each index ran exactly once.
fn check_range(pool: &Pool, range: std::ops::Range<usize>, schedule: Schedule) {
    let what = format!(
        "{schedule} over {range:?} on {} workers",
        pool.num_workers()
    );
    let counts = counters(range.len());
    let outside = AtomicUsize::new(0);
    pool.for_each_index(range.clone(), schedule, |_, i| {
        if range.contains(&i) {
            counts[i - range.start].fetch_add(1, Ordering::Relaxed);
        } else {
            outside.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert_eq!(
        outside.into_inner(),
        0,
        "{what}: indices outside the range ran"
    );
    check_once(&counts, &what);
}

/// Every range of [`extreme_ranges`] with the schedules `make(param)` gives for
/// each extreme parameter, on 1–3 workers.
fn check_extremes(name: &'static str, make: impl Fn(usize) -> Schedule + Copy + Send + 'static) {
    for workers in 1..=3 {
        common::within(
            common::HANG_LIMIT,
            &format!("{name} extremes on {workers} workers"),
            move || {
                let pool = stress_support::pool(workers);
                for range in extreme_ranges() {
                    let mut schedules: Vec<Schedule> =
                        extreme_params(range.len()).into_iter().map(make).collect();
                    schedules.dedup();
                    for schedule in schedules {
                        check_range(&pool, range.clone(), schedule);
                    }
                }
            },
        );
    }
}

#[test]
fn dynamic_with_extreme_chunks() {
    check_extremes("Dynamic", |chunk| Schedule::Dynamic { chunk });
}

#[test]
fn guided_with_extreme_min_chunks() {
    check_extremes("Guided", |min_chunk| Schedule::Guided { min_chunk });
}

#[test]
fn work_stealing_with_extreme_grains() {
    check_extremes("WorkStealing", |grain| Schedule::WorkStealing { grain });
}

#[test]
fn dls_techniques_with_extreme_chunk_arguments() {
    for technique in Dls::ALL {
        check_extremes(technique.name(), move |chunk| Schedule::Dls {
            technique,
            chunk,
        });
        // 0: the technique's default.
        check_extremes(technique.name(), move |_| Schedule::Dls {
            technique,
            chunk: 0,
        });
    }
}

#[test]
fn static_on_ranges_ending_at_usize_max() {
    check_extremes("Static", |_| Schedule::Static);
}

#[test]
fn static_cyclic_on_ranges_ending_at_usize_max() {
    check_extremes("StaticCyclic", |_| Schedule::StaticCyclic);
}

#[test]
fn adaptive_on_ranges_ending_at_usize_max() {
    check_extremes("Adaptive", |_| Schedule::Adaptive);
}

/// Ranges far too long to run, whose every task panics: each participant (or
/// work-stealing chunk) runs the first index it gets and stops, so the call
/// must end after a handful of tasks. What ran must lie in the range, run
/// once, and be where the schedule puts a participant's or chunk's first
/// index; no range arithmetic may wrap.
#[test]
fn huge_ranges_whose_tasks_all_panic() {
    common::quiet_boom_panics();
    for workers in 1..=3 {
        let ranges = [
            0..usize::MAX,
            1..usize::MAX,
            usize::MAX / 2..usize::MAX,
            0..HALF + 1,
        ];
        common::within(
            common::HANG_LIMIT,
            &format!("huge panicking ranges on {workers} workers"),
            move || {
                let pool = stress_support::pool(workers);
                for range in ranges {
                    let len = range.len();
                    let dls = Dls::ALL.into_iter().flat_map(|technique| {
                        [0, 1, HALF + 1, usize::MAX].map(|chunk| Schedule::Dls { technique, chunk })
                    });
                    let schedules = [
                        Schedule::Static,
                        Schedule::StaticCyclic,
                        Schedule::Dynamic { chunk: 1 },
                        Schedule::Dynamic { chunk: len },
                        Schedule::Dynamic { chunk: HALF + 1 },
                        Schedule::Dynamic { chunk: usize::MAX },
                        Schedule::Guided { min_chunk: 1 },
                        Schedule::Guided {
                            min_chunk: HALF + 1,
                        },
                        Schedule::Guided {
                            min_chunk: usize::MAX,
                        },
                        Schedule::WorkStealing {
                            grain: len.div_ceil(2),
                        },
                        Schedule::WorkStealing { grain: HALF + 1 },
                        Schedule::WorkStealing { grain: usize::MAX },
                        Schedule::Adaptive,
                    ];
                    for schedule in schedules.into_iter().chain(dls) {
                        all_panic(&pool, range.clone(), schedule);
                    }
                }
            },
        );
    }
}

/// One call of [`huge_ranges_whose_tasks_all_panic`].
fn all_panic(pool: &Pool, range: std::ops::Range<usize>, schedule: Schedule) {
    let p = pool.num_workers();
    let what = format!("{schedule} over {range:?} on {p} workers, every task panics");
    let ran = Mutex::new(Vec::new());
    let result = catch_unwind(AssertUnwindSafe(|| {
        pool.for_each_index(range.clone(), schedule, |_, i| {
            ran.lock().unwrap().push(i);
            panic!("boom at {i}");
        })
    }));
    let ran = ran.into_inner().unwrap();
    let payload = result.expect_err(&format!(
        "{what}: the panic must reach the caller (ran: {ran:?})"
    ));
    // Not, say, an arithmetic overflow inside the pool (debug builds check).
    let message = payload.downcast_ref::<String>().map(String::as_str);
    assert!(
        message.is_some_and(|m| m.starts_with("boom at ")),
        "{what}: the panic is not a task's: {message:?}"
    );
    let distinct: HashSet<usize> = ran.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        ran.len(),
        "{what}: an index ran twice: {ran:?}"
    );
    assert!(!ran.is_empty(), "{what}: nothing ran");
    assert!(
        ran.iter().all(|i| range.contains(i)),
        "{what}: ran outside the range: {ran:?}"
    );
    let len = range.len();
    let offsets: HashSet<usize> = ran.iter().map(|i| i - range.start).collect();
    match schedule {
        // Block `w` of `ceil(len / p)` offsets starts on worker `w`.
        Schedule::Static => {
            let block = len.div_ceil(p);
            let firsts: HashSet<usize> = (0..p)
                .filter_map(|w| w.checked_mul(block).filter(|&lo| lo < len))
                .collect();
            assert_eq!(offsets, firsts, "{what}: not each block's first offset");
        }
        Schedule::StaticCyclic => {
            let firsts: HashSet<usize> = (0..p.min(len)).collect();
            assert_eq!(offsets, firsts, "{what}: not each worker's first offset");
        }
        // Each grab starts at a multiple of the chunk, clamped to the range.
        Schedule::Dynamic { chunk } => {
            let chunk = chunk.clamp(1, len);
            assert!(
                ran.len() <= p,
                "{what}: more grabs than participants: {ran:?}"
            );
            assert!(
                offsets.iter().all(|o| o % chunk == 0),
                "{what}: a grab did not start at a chunk boundary: {ran:?}"
            );
        }
        Schedule::WorkStealing { grain } => {
            let grain = grain.clamp(1, len);
            assert!(
                offsets.iter().all(|o| o % grain == 0),
                "{what}: a chunk did not start at a grain boundary: {ran:?}"
            );
        }
        _ => assert!(
            ran.len() <= p,
            "{what}: more than one task per participant: {ran:?}"
        ),
    }
}

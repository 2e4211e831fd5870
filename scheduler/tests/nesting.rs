//! Every task runs exactly once when calls nest: loops of every schedule inside
//! loops of every other (one DLS technique inside each DLS one), loops inside join and scope and the other way round,
//! seeded, on 1–3 workers; the outer loops are long runs of fast tasks, so
//! that Adaptive owners hold batches of many offsets when a nested call starts.

mod common;
mod stress_support;

use scheduler::{Pool, Schedule};
use std::sync::atomic::{AtomicU32, Ordering};
use stress_support::{all_schedules, check_once, counters, stress_iters, Rng};

/// Offsets of an outer loop of `len` at which a nested call starts: one, a few
/// scattered, or a few adjacent ones.
fn nest_points(rng: &mut Rng, len: usize) -> Vec<bool> {
    let mut at = vec![false; len];
    match rng.below(3) {
        0 => at[rng.index(len)] = true,
        1 => (0..2 + rng.below(4)).for_each(|_| at[rng.index(len)] = true),
        _ => {
            let from = rng.index(len - 4);
            at[from..from + 4].fill(true);
        }
    }
    at
}

/// Outer loop over `0..outer_len` with `outer`; at the offsets marked in
/// `nest_at`, an inner loop over `0..inner_len` with `inner`.
fn nested_loops(pool: &Pool, outer: Schedule, inner: Schedule, nest_at: &[bool], inner_len: usize) {
    let what = format!(
        "{inner} inside {outer} on {} workers (inner len {inner_len})",
        pool.num_workers()
    );
    let outer_counts = counters(nest_at.len());
    let inner_counts: Vec<Vec<AtomicU32>> = nest_at
        .iter()
        .map(|&n| counters(if n { inner_len } else { 0 }))
        .collect();
    pool.for_each_index(0..nest_at.len(), outer, |_, i| {
        outer_counts[i].fetch_add(1, Ordering::Relaxed);
        if nest_at[i] {
            let inner_counts = &inner_counts[i];
            pool.for_each_index(0..inner_len, inner, |_, j| {
                inner_counts[j].fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    check_once(&outer_counts, &format!("{what}: outer"));
    for (i, counts) in inner_counts.iter().enumerate() {
        check_once(counts, &format!("{what}: inner at outer offset {i}"));
    }
}

/// The schedules to nest inside `outer`: all of them, except that two DLS
/// techniques nest like any other two (they share the participant code and
/// differ only in chunk sizes), so inside a DLS loop only one DLS technique,
/// at random, keeps the pairs' count near linear in the techniques.
fn inner_schedules(rng: &mut Rng, outer: Schedule) -> Vec<Schedule> {
    let is_dls = |s: &Schedule| matches!(s, Schedule::Dls { .. });
    let all = all_schedules(rng);
    let dls: Vec<Schedule> = all.iter().copied().filter(is_dls).collect();
    let one_dls = dls[rng.index(dls.len())];
    all.into_iter()
        .filter(|s| !(is_dls(&outer) && is_dls(s)) || *s == one_dls)
        .collect()
}

#[test]
fn every_schedule_nested_inside_every_other() {
    let iters = stress_iters();
    for workers in 1..=3 {
        common::within(
            stress_support::hang_limit(),
            &format!("nested loops on {workers} workers"),
            move || {
                let pool = stress_support::pool(workers);
                let mut rng = stress_support::seeded(10 + workers as u64);
                for _ in 0..3 * iters {
                    for outer in all_schedules(&mut rng) {
                        for inner in inner_schedules(&mut rng, outer) {
                            for outer_len in [50, 20_000] {
                                let nest_at = nest_points(&mut rng, outer_len);
                                let inner_len = [1, 2, 7, 300, 3_000][rng.index(5)];
                                nested_loops(&pool, outer, inner, &nest_at, inner_len);
                            }
                        }
                    }
                }
            },
        );
    }
}

/// The shape reported to deadlock: a `Static` loop over two indices nested at
/// one index of a long Adaptive loop of fast tasks, on two workers.
#[test]
fn static_inside_a_long_adaptive_loop() {
    common::within(
        stress_support::hang_limit(),
        "Static inside Adaptive",
        move || {
            let pool = stress_support::pool(2);
            for inner in [
                Schedule::Static,
                Schedule::StaticCyclic,
                Schedule::WorkStealing { grain: 1 },
            ] {
                let mut nest_at = vec![false; 20_000];
                nest_at[5_000] = true;
                nested_loops(&pool, Schedule::Adaptive, inner, &nest_at, 2);
            }
        },
    );
}

/// Loops started from both sides of a `join` and from spawned scope tasks, in
/// calls from outside the pool and from inside a worker.
#[test]
fn loops_inside_join_and_scope() {
    let iters = stress_iters();
    for workers in 1..=3 {
        common::within(
            stress_support::hang_limit(),
            &format!("loops inside join and scope on {workers} workers"),
            move || {
                let pool = stress_support::pool(workers);
                let mut rng = stress_support::seeded(20 + workers as u64);
                for round in 0..40 * iters {
                    let schedules = all_schedules(&mut rng);
                    let pick = |rng: &mut Rng| schedules[rng.index(schedules.len())];
                    let loops: Vec<(Schedule, Vec<AtomicU32>)> = (0..6)
                        .map(|_| (pick(&mut rng), counters(1 + rng.index(20_000))))
                        .collect();
                    let run = |k: usize| {
                        let (schedule, counts) = &loops[k];
                        pool.for_each_index(0..counts.len(), *schedule, |_, i| {
                            counts[i].fetch_add(1, Ordering::Relaxed);
                        });
                    };
                    let body = || {
                        pool.join(|| run(0), || run(1));
                        pool.scope(|s| {
                            for k in 2..6 {
                                s.spawn(move |_| run(k));
                            }
                        });
                    };
                    if round % 2 == 0 {
                        body();
                    } else {
                        pool.join(body, || ());
                    }
                    for (schedule, counts) in &loops {
                        check_once(counts, &format!("round {round}: {schedule} in join/scope"));
                    }
                }
            },
        );
    }
}

/// A loop over `0..nest_at.len()` with `schedule`; at the offsets marked in
/// `nest_at`, a `join` of two tasks and a `scope` that spawns `spawned`.
fn join_and_scope_inside(pool: &Pool, schedule: Schedule, nest_at: &[bool], spawned: usize) {
    let outer = counters(nest_at.len());
    // Per offset: the two sides of the join, then the scope's tasks.
    let leaves: Vec<Vec<AtomicU32>> = nest_at
        .iter()
        .map(|&n| counters(if n { 2 + spawned } else { 0 }))
        .collect();
    pool.for_each_index(0..nest_at.len(), schedule, |_, i| {
        outer[i].fetch_add(1, Ordering::Relaxed);
        if nest_at[i] {
            let leaves = &leaves[i];
            let leaf = |k: usize| leaves[k].fetch_add(1, Ordering::Relaxed);
            pool.join(|| leaf(0), || leaf(1));
            pool.scope(|s| {
                for k in 2..2 + spawned {
                    s.spawn(move |_| {
                        leaf(k);
                    });
                }
            });
        }
    });
    let what = format!(
        "join/scope inside {schedule} on {} workers",
        pool.num_workers()
    );
    check_once(&outer, &what);
    for counts in &leaves {
        check_once(counts, &what);
    }
}

/// `join` and `scope` started from inside the tasks of long loops of every
/// schedule, at one or several offsets.
#[test]
fn join_and_scope_inside_loops() {
    let iters = stress_iters();
    for workers in 1..=3 {
        common::within(
            stress_support::hang_limit(),
            &format!("join and scope inside loops on {workers} workers"),
            move || {
                let pool = stress_support::pool(workers);
                let mut rng = stress_support::seeded(30 + workers as u64);
                for _ in 0..10 * iters {
                    for schedule in all_schedules(&mut rng) {
                        let len = [50, 20_000][rng.index(2)];
                        let nest_at = nest_points(&mut rng, len);
                        join_and_scope_inside(&pool, schedule, &nest_at, 1 + rng.index(6));
                    }
                }
            },
        );
    }
}

/// Several outside threads at once, each running long loops whose tasks start
/// nested loops, joins and scopes on the same pool, so that calls of different
/// callers interleave on the workers and wait on each other's participants.
#[test]
fn concurrent_callers_of_nested_calls() {
    let iters = stress_iters();
    for workers in [2, 3] {
        common::within(
            stress_support::hang_limit(),
            &format!("concurrent callers of nested calls on {workers} workers"),
            move || {
                let pool = stress_support::pool(workers);
                std::thread::scope(|s| {
                    for caller in 0..3 {
                        let pool = &pool;
                        s.spawn(move || {
                            let mut rng = stress_support::seeded(90 + caller);
                            for _ in 0..12 * iters {
                                let schedules = all_schedules(&mut rng);
                                let outer = schedules[rng.index(schedules.len())];
                                let inner = schedules[rng.index(schedules.len())];
                                let nest_at = nest_points(&mut rng, 20_000);
                                if rng.below(2) == 0 {
                                    let inner_len = [2, 300][rng.index(2)];
                                    nested_loops(pool, outer, inner, &nest_at, inner_len);
                                } else {
                                    join_and_scope_inside(pool, outer, &nest_at, 1 + rng.index(4));
                                }
                            }
                        });
                    }
                });
            },
        );
    }
}

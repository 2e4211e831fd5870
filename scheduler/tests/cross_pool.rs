//! Every task runs exactly once when calls go across pools: a task of pool A
//! calls pool B, whose task calls A again (A → B → A), or A → B → C → A, with
//! `for_each_index` of every schedule, `join` and `scope` at each level.

mod common;
mod stress_support;

use scheduler::{Pool, Schedule};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use stress_support::{all_schedules, check_at_most_once, check_once, counters, stress_iters, Rng};

/// A seeded tree of calls; level `d` of the tree runs on pool `d mod pools`.
enum Plan {
    /// Counts leaf `id`.
    Leaf(usize),
    Join(Box<Plan>, Box<Plan>),
    Scope(Vec<Plan>),
    Loop(Schedule, Vec<Plan>),
}

/// A random tree of `depth` levels; leaves are numbered from `next_leaf`.
fn plan(rng: &mut Rng, depth: u32, next_leaf: &mut usize) -> Plan {
    if depth == 0 {
        *next_leaf += 1;
        return Plan::Leaf(*next_leaf - 1);
    }
    match rng.below(3) {
        0 => Plan::Join(
            Box::new(plan(rng, depth - 1, next_leaf)),
            Box::new(plan(rng, depth - 1, next_leaf)),
        ),
        1 => Plan::Scope(
            (0..1 + rng.below(3))
                .map(|_| plan(rng, depth - 1, next_leaf))
                .collect(),
        ),
        _ => {
            let schedules = all_schedules(rng);
            let schedule = schedules[rng.index(schedules.len())];
            // Mostly leaves, so that long loops are runs of fast tasks, with a
            // few subtrees that call the next pool.
            let len = [1, 2, 5, 2_000][rng.index(4)];
            let calls = 1 + rng.index(3);
            let mut children: Vec<Plan> = Vec::with_capacity(len);
            for i in 0..len {
                if i < calls {
                    children.push(plan(rng, depth - 1, next_leaf));
                } else {
                    children.push(Plan::Leaf(*next_leaf));
                    *next_leaf += 1;
                }
            }
            // Move the subtrees to random places in the loop.
            for i in 0..calls.min(len) {
                let j = rng.index(len);
                children.swap(i, j);
            }
            Plan::Loop(schedule, children)
        }
    }
}

/// Runs `plan` on `pools[level % pools.len()]`.
fn run(plan: &Plan, pools: &[Pool], level: usize, counts: &[AtomicU32]) {
    run_or_panic(plan, pools, level, counts, None);
}

/// Runs `plan` like [`run`]; leaf `panic_at` panics after it counted itself.
fn run_or_panic(
    plan: &Plan,
    pools: &[Pool],
    level: usize,
    counts: &[AtomicU32],
    panic_at: Option<usize>,
) {
    let pool = &pools[level % pools.len()];
    let run = |plan: &Plan, pools: &[Pool], level: usize, counts: &[AtomicU32]| {
        run_or_panic(plan, pools, level, counts, panic_at)
    };
    match plan {
        Plan::Leaf(id) => {
            counts[*id].fetch_add(1, Ordering::Relaxed);
            if panic_at == Some(*id) {
                panic!("boom at leaf {id}");
            }
        }
        Plan::Join(a, b) => {
            pool.join(
                || run(a, pools, level + 1, counts),
                || run(b, pools, level + 1, counts),
            );
        }
        Plan::Scope(children) => pool.scope(|s| {
            for child in children {
                s.spawn(move |_| run_or_panic(child, pools, level + 1, counts, panic_at));
            }
        }),
        Plan::Loop(schedule, children) => {
            pool.for_each_index(0..children.len(), *schedule, |_, i| {
                run(&children[i], pools, level + 1, counts)
            });
        }
    }
}

/// Random trees over `pools.len()` pools of the given sizes.
fn random_trees_across(sizes: &'static [usize], seed: u64, rounds: u64) {
    let what = format!("calls across pools of {sizes:?} workers");
    common::within(stress_support::hang_limit(), &what.clone(), move || {
        let pools: Vec<Pool> = sizes.iter().map(|&n| stress_support::pool(n)).collect();
        let mut rng = stress_support::seeded(seed);
        for round in 0..rounds * stress_iters() {
            let mut leaves = 0;
            let tree = plan(&mut rng, 4, &mut leaves);
            let counts = counters(leaves);
            // Start from outside the pools, or from inside a worker of the first.
            if round % 2 == 0 {
                run(&tree, &pools, 0, &counts);
            } else {
                pools[0].join(|| run(&tree, &pools, 0, &counts), || ());
            }
            check_once(&counts, &format!("{what}, round {round}"));
        }
    });
}

#[test]
fn calls_across_two_pools() {
    random_trees_across(&[1, 1], 50, 100);
    random_trees_across(&[2, 1], 51, 100);
    random_trees_across(&[2, 3], 52, 100);
}

#[test]
fn calls_across_three_pools() {
    random_trees_across(&[1, 1, 1], 60, 100);
    random_trees_across(&[2, 2, 2], 61, 100);
    random_trees_across(&[3, 1, 2], 62, 100);
}

/// A panic at a random leaf deep in a tree of nested calls (one pool, or
/// across two or three) reaches the caller; no leaf ran twice, and the same
/// tree then runs cleanly on the same pools, every leaf exactly once.
#[test]
fn a_panic_deep_in_nested_calls_reaches_the_caller() {
    common::quiet_boom_panics();
    for (k, sizes) in [&[2][..], &[3], &[2, 2], &[1, 2], &[2, 1, 3]]
        .into_iter()
        .enumerate()
    {
        let what = format!("a panic in calls across pools of {sizes:?} workers");
        common::within(stress_support::hang_limit(), &what.clone(), move || {
            let pools: Vec<Pool> = sizes.iter().map(|&n| stress_support::pool(n)).collect();
            let mut rng = stress_support::seeded(70 + k as u64);
            for round in 0..40 * stress_iters() {
                let mut leaves = 0;
                let tree = plan(&mut rng, 4, &mut leaves);
                let panic_at = rng.index(leaves);
                let counts = counters(leaves);
                let result = catch_unwind(AssertUnwindSafe(|| {
                    run_or_panic(&tree, &pools, 0, &counts, Some(panic_at))
                }));
                let payload = result.expect_err(&format!("{what}, round {round}: no panic"));
                assert_eq!(
                    payload.downcast_ref::<String>(),
                    Some(&format!("boom at leaf {panic_at}")),
                    "{what}, round {round}"
                );
                check_at_most_once(&counts, &format!("{what}, round {round}"));
                let counts = counters(leaves);
                run(&tree, &pools, 0, &counts);
                check_once(&counts, &format!("{what}, round {round}, clean run"));
            }
        });
    }
}

/// The shapes reported to deadlock: joins A → B → A on one-worker pools, and
/// `Static` loops A → B → A and A → B → C → A on two-worker pools.
#[test]
fn static_loops_and_joins_back_into_the_calling_pool() {
    common::within(stress_support::hang_limit(), "A -> B -> A joins", || {
        let (a, b) = (stress_support::pool(1), stress_support::pool(1));
        let got = a.join(|| b.join(|| a.join(|| 1, || 2), || 0), || 0);
        assert_eq!(got, (((1, 2), 0), 0));
    });
    for n in [2, 3] {
        common::within(
            stress_support::hang_limit(),
            &format!("Static loops around {n} pools"),
            move || {
                let pools: Vec<Pool> = (0..n).map(|_| stress_support::pool(2)).collect();
                let counts = counters(2 * 2 * 2 * 2);
                // Four levels of two-index Static loops, level d on pool d mod n.
                fn level(pools: &[Pool], d: usize, id: usize, counts: &[AtomicU32]) {
                    if d == 4 {
                        counts[id].fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    pools[d % pools.len()].for_each_index(0..2, Schedule::Static, |_, i| {
                        level(pools, d + 1, 2 * id + i, counts)
                    });
                }
                level(&pools, 0, 0, &counts);
                check_once(&counts, &format!("Static loops around {n} pools"));
            },
        );
    }
}

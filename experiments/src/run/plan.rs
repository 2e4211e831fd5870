//! The plan of a sweep: which cells exist, in which order runs happen, which shard runs what.
//!
//! A cell is (workload, strategy, workers, placement). The serial baseline is one cell per
//! workload and placement (workers 1): a pinned placement is compared with serial pinned
//! the same way, and the report builds each placement's lower bound from its own serial
//! runs. Runs are interleaved by rounds: round `k` runs
//! every cell once (A B C A B C ...), so that drift on a noisy machine spreads evenly over the
//! cells instead of landing on whichever ran last. The first `warmup` rounds are not counted.
//! Within a round, the serial cells come first: the parallel runs of repetition `r` are
//! compared with the serial run of the same round.
//!
//! Shards: `--shard i/n` runs the cells whose index in the plan is `i mod n`, plus the serial
//! cells of the workloads and placements they use (speedups are only ever against a serial run on the same
//! machine). `merge` keeps each serial cell's rows from the shard that owns it.

use super::config::Experiment;
use super::strategy::Strategy;
use std::fmt;
use std::hash::{Hash, Hasher};
use topology::placement::Placement;

/// One cell of the sweep.
///
/// Two cells are equal when their parts are; a placement hashes by its canonical name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Workload name.
    pub workload: String,
    /// The strategy.
    pub strategy: Strategy,
    /// Worker count (1 for serial).
    pub workers: usize,
    /// Where the workers go.
    pub placement: Placement,
}

impl Hash for Cell {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.workload.hash(state);
        self.strategy.hash(state);
        self.workers.hash(state);
        self.placement.to_string().hash(state);
    }
}

impl Cell {
    /// The cell's file stem: `<workload>__<strategy>__w<workers>__<placement>`, with `:` → `-`
    /// and any other character outside `[A-Za-z0-9._-]` → `_`.
    ///
    /// ```
    /// use wsbench::run::plan::Cell;
    /// let c = Cell { workload: "w".into(), strategy: "dynamic:16".parse().unwrap(), workers: 2, placement: "spread@node:0".parse().unwrap() };
    /// assert_eq!(c.file_stem(), "w__dynamic-16__w2__spread_node-0");
    /// ```
    pub fn file_stem(&self) -> String {
        wsbench_schema::file_stem(
            &self.workload,
            &self.strategy.to_string(),
            self.workers,
            &self.placement.to_string(),
        )
    }

    /// Whether this is a serial baseline cell.
    pub fn is_serial(&self) -> bool {
        self.strategy == Strategy::Serial
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} · {} · {}w · {}",
            self.workload, self.strategy, self.workers, self.placement
        )
    }
}

pub use wsbench_schema::Shard;

/// The cells of an experiment and the order they run in.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every cell of the experiment, in plan order (the order within a round).
    pub all_cells: Vec<Cell>,
    /// The cells this shard runs, in plan order.
    pub cells: Vec<Cell>,
    /// Uncounted rounds.
    pub warmup: usize,
    /// Counted rounds.
    pub repetitions: usize,
}

/// One scheduled run: a cell, and its round (`repetition` is `None` for warmup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    /// The cell.
    pub cell: &'a Cell,
    /// Counted repetition number, or `None` for a warmup run.
    pub repetition: Option<usize>,
}

impl Plan {
    /// All cells, in plan order: every workload's serial cell under every placement, then for each placement,
    /// worker count and parallel strategy, that cell of every workload — so the cells that
    /// differ only in their workload (two orders, recording on and off, the sizes of a
    /// sweep) run back to back, and the same warm pool serves consecutive runs.
    pub fn new(exp: &Experiment, shard: Shard) -> Plan {
        let mut all_cells = Vec::new();
        for p in &exp.placements {
            for w in &exp.workloads {
                all_cells.push(Cell {
                    workload: w.name.clone(),
                    strategy: Strategy::Serial,
                    workers: 1,
                    placement: p.clone(),
                });
            }
        }
        for p in &exp.placements {
            for &n in &exp.workers {
                for s in exp.parallel_strategies() {
                    for w in &exp.workloads {
                        all_cells.push(Cell {
                            workload: w.name.clone(),
                            strategy: *s,
                            workers: n,
                            placement: p.clone(),
                        });
                    }
                }
            }
        }
        let mine: Vec<bool> = (0..all_cells.len())
            .map(|i| i % shard.count == shard.index)
            .collect();
        let cells = all_cells
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                mine[*i]
                    || (c.is_serial()
                        && all_cells.iter().enumerate().any(|(j, o)| {
                            mine[j] && o.workload == c.workload && o.placement == c.placement
                        }))
            })
            .map(|(_, c)| c.clone())
            .collect();
        Plan {
            all_cells,
            cells,
            warmup: exp.warmup,
            repetitions: exp.repetitions,
        }
    }

    /// The shard that owns a cell (its rows are the ones `merge` keeps).
    pub fn owner(&self, cell: &Cell, shards: usize) -> Option<usize> {
        self.all_cells
            .iter()
            .position(|c| c == cell)
            .map(|i| i % shards)
    }

    /// Every run in order, rounds interleaved; `done(cell, repetition)` says a counted run
    /// is already recorded (resume), and cells with nothing left to do get no warmup either.
    pub fn steps(&self, done: impl Fn(&Cell, usize) -> bool) -> Vec<Step<'_>> {
        let pending: Vec<bool> = self
            .cells
            .iter()
            .map(|c| (0..self.repetitions).any(|r| !done(c, r)))
            .collect();
        let mut steps = Vec::new();
        for round in 0..self.warmup + self.repetitions {
            for (cell, &pending) in self.cells.iter().zip(&pending) {
                if !pending {
                    continue;
                }
                if round < self.warmup {
                    steps.push(Step {
                        cell,
                        repetition: None,
                    });
                } else {
                    let r = round - self.warmup;
                    if !done(cell, r) {
                        steps.push(Step {
                            cell,
                            repetition: Some(r),
                        });
                    }
                }
            }
        }
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::Experiment;

    fn exp() -> Experiment {
        Experiment::parse(
            "t.toml",
            r#"
name = "t"
repetitions = 2
warmup = 1
workers = [1, 2]
placements = ["none"]
strategies = ["static", "dynamic:2"]
[[workload]]
name = "a"
kind = "factorial"
n = 10
[[workload]]
name = "b"
kind = "factorial"
n = 12
"#,
        )
        .unwrap()
    }

    #[test]
    fn rounds_interleave_and_serial_comes_first() {
        let plan = Plan::new(&exp(), Shard::WHOLE);
        assert_eq!(plan.cells.len(), 2 * (1 + 2 * 2));
        let steps = plan.steps(|_, _| false);
        assert_eq!(steps.len(), plan.cells.len() * 3);
        assert!(steps[0].cell.is_serial() && steps[0].repetition.is_none());
        let n = plan.cells.len();
        assert_eq!(steps[n].cell, steps[0].cell);
        assert_eq!(steps[n].repetition, Some(0));
        assert_eq!(steps[2 * n + 1].repetition, Some(1));
    }

    #[test]
    fn serial_runs_under_every_placement() {
        let e = Experiment::parse(
            "t.toml",
            r#"
name = "t"
workers = [2]
placements = ["none", "spread"]
strategies = ["static"]
[[workload]]
name = "a"
kind = "factorial"
n = 10
"#,
        )
        .unwrap();
        let plan = Plan::new(&e, Shard::WHOLE);
        let serial: Vec<String> = plan
            .cells
            .iter()
            .filter(|c| c.is_serial())
            .map(|c| c.placement.to_string())
            .collect();
        assert_eq!(serial, ["none", "spread"]);
    }

    #[test]
    fn done_runs_are_skipped_and_finished_cells_lose_their_warmup() {
        let plan = Plan::new(&exp(), Shard::WHOLE);
        let first = plan.cells[1].clone();
        let steps = plan.steps(|c, r| *c == first || r == 0);
        assert!(steps.iter().all(|s| *s.cell != first));
        assert!(steps.iter().all(|s| s.repetition != Some(0)));
    }

    #[test]
    fn shards_cover_every_cell_once_plus_their_serial_baselines() {
        let e = exp();
        let whole = Plan::new(&e, Shard::WHOLE);
        let mut owned = 0;
        for i in 0..3 {
            let p = Plan::new(&e, Shard { index: i, count: 3 });
            for c in &p.cells {
                assert!(c.is_serial() || p.owner(c, 3) == Some(i));
                if p.owner(c, 3) == Some(i) {
                    owned += 1;
                }
                if !c.is_serial() {
                    assert!(p.cells.iter().any(|s| s.is_serial()
                        && s.workload == c.workload
                        && s.placement == c.placement));
                }
            }
        }
        assert_eq!(owned, whole.cells.len());
        assert!("3/3".parse::<Shard>().is_err() && "1/3".parse::<Shard>().is_ok());
    }

    #[test]
    fn file_stem_replaces_odd_characters() {
        assert_eq!(
            wsbench_schema::file_stem("w", "dynamic:16", 2, "cores:0,1"),
            "w__dynamic-16__w2__cores-0_1"
        );
        let c = Cell {
            workload: "w".into(),
            strategy: "dynamic:16".parse().unwrap(),
            workers: 2,
            placement: "list:0,2".parse().unwrap(),
        };
        assert_eq!(c.file_stem(), "w__dynamic-16__w2__list-0_2");
    }
}

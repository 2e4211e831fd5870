//! The plan of a sweep: which cells exist, in which order runs happen, which shard runs what.
//!
//! A cell is (workload, strategy, workers, placement). The serial baseline is one cell per
//! workload and placement (workers 1, pinned like worker 0 of that placement), so a pinned
//! placement is compared with a serial run pinned the same way. Runs are interleaved by
//! rounds: round `k` runs every cell once, so that drift on a noisy machine spreads evenly
//! over the cells instead of landing on whichever ran last. The first `warmup` rounds are
//! not counted.
//!
//! Within a round the order is shuffled (Fisher–Yates with a SplitMix64 stream seeded from
//! the config's `order_seed` and the round's number), so that no cell always runs after the
//! same predecessor or first in its round. The order depends on nothing else, so a resumed
//! sweep runs what is left in the order it would have run, and each row's `round_position`
//! can be recomputed. Paired workloads (`pairs`) are shuffled as units: the two cells that
//! differ only in their workload run back to back, the first workload of the pair first in
//! even repetitions and second in odd ones (ABBA across rounds; warmup rounds use AB).
//! The first round (a warmup round unless `warmup = 0`) runs the serial cells first, in
//! shuffled order: their checksums are the reference every other run is checked against.
//!
//! Shards: `--shard i/n` runs the cells whose index in the plan is `i mod n`, plus the serial
//! cells of the (workload, placement)s they use (speedups are only ever against a serial run
//! on the same machine). `merge` keeps each serial cell's rows from the shard that owns it.
//! A shard's round order is the shuffle of its own cells.

use super::config::Experiment;
use super::strategy::Strategy;
use std::fmt;
use std::hash::{Hash, Hasher};
use topology::placement::Placement;
use workloads::rng::SplitMix64;

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
    /// Seed of the order within each round.
    pub order_seed: u64,
    /// Paired workloads (run back to back, ABBA).
    pub pairs: Vec<[String; 2]>,
}

/// One scheduled run: a cell, and its round (`repetition` is `None` for warmup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    /// The cell.
    pub cell: &'a Cell,
    /// Counted repetition number, or `None` for a warmup run.
    pub repetition: Option<usize>,
    /// Position of this run in its round's order (0-based, over all the round's cells,
    /// done or not).
    pub position: usize,
}

impl Plan {
    /// All cells, in plan order (which decides the shards; rounds shuffle it): every
    /// workload's serial cell under every placement, then for each placement, worker count
    /// and parallel strategy, that cell of every workload.
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
        let strategies = exp.all_strategies();
        for p in &exp.placements {
            for &n in &exp.workers {
                for s in strategies.iter().filter(|s| **s != Strategy::Serial) {
                    for w in &exp.workloads {
                        if !exp.strategies_of(w).contains(s) {
                            continue;
                        }
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
            order_seed: exp.order_seed,
            pairs: exp.pairs.clone(),
        }
    }

    /// The index in [`Plan::cells`] of the cell paired with `cells[i]`, and whether
    /// `cells[i]` is the first of its pair.
    fn partner(&self, i: usize) -> Option<(usize, bool)> {
        let c = &self.cells[i];
        let (other, first) = self.pairs.iter().find_map(|[a, b]| {
            if c.workload == *a {
                Some((b, true))
            } else if c.workload == *b {
                Some((a, false))
            } else {
                None
            }
        })?;
        let j = self.cells.iter().position(|o| {
            o.workload == *other
                && o.strategy == c.strategy
                && o.workers == c.workers
                && o.placement == c.placement
        })?;
        Some((j, first))
    }

    /// The order of [`Plan::cells`] in round `round` (0-based, warmup rounds included):
    /// indices into `cells` (see the module documentation).
    pub fn round_order(&self, round: usize) -> Vec<usize> {
        // Units: a single cell, or a pair (first workload, second workload).
        let mut units: Vec<Vec<usize>> = Vec::new();
        for i in 0..self.cells.len() {
            match self.partner(i) {
                Some((j, true)) => units.push(vec![i, j]),
                Some((_, false)) => {}
                None => units.push(vec![i]),
            }
        }
        let mut rng = OrderRng::new(self.order_seed, round as u64);
        for k in (1..units.len()).rev() {
            let j = rng.below(k as u64 + 1) as usize;
            units.swap(k, j);
        }
        if round == 0 {
            // The serial runs' checksums are the reference every run is checked against.
            units.sort_by_key(|u| !self.cells[u[0]].is_serial());
        }
        let odd = round >= self.warmup && (round - self.warmup) % 2 == 1;
        if odd {
            for u in &mut units {
                u.reverse();
            }
        }
        units.concat()
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
            for (position, i) in self.round_order(round).into_iter().enumerate() {
                let cell = &self.cells[i];
                if !pending[i] {
                    continue;
                }
                let repetition = round.checked_sub(self.warmup);
                if repetition.is_some_and(|r| done(cell, r)) {
                    continue;
                }
                steps.push(Step {
                    cell,
                    repetition,
                    position,
                });
            }
        }
        steps
    }
}

/// The order stream of (seed, round): `workloads`' SplitMix64 (whose stream is fixed by its
/// definition, so a seed gives the same order in every version of wsbench), seeded from
/// both and advanced once.
pub(crate) struct OrderRng(SplitMix64);

impl OrderRng {
    pub(crate) fn new(seed: u64, round: u64) -> OrderRng {
        let mut g = SplitMix64::new(seed ^ round.wrapping_mul(0xD1B5_4A32_D192_ED03));
        g.next_u64();
        OrderRng(g)
    }

    /// Uniform in `0..n` (n ≥ 1), by rejection (no modulo bias).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.0.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::Experiment;

    const TEXT: &str = r#"
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
"#;

    fn exp() -> Experiment {
        Experiment::parse("t.toml", TEXT).unwrap()
    }

    #[test]
    fn order_seed_and_pairs_are_read_and_checked() {
        use crate::run::config::DEFAULT_ORDER_SEED;
        assert_eq!(exp().order_seed, DEFAULT_ORDER_SEED);
        let with = |keys: &str| {
            Experiment::parse("t.toml", &TEXT.replacen("\n", &format!("\n{keys}\n"), 1))
        };
        let e = with("order_seed = 7\npairs = [[\"b\", \"a\"]]").unwrap();
        assert_eq!(
            (e.order_seed, e.pairs),
            (7, vec![["b".to_string(), "a".to_string()]])
        );
        for (keys, problem) in [
            (
                "pairs = [[\"a\", \"c\"]]",
                "\"c\" is not a workload (workloads: a, b)",
            ),
            ("pairs = [[\"a\", \"a\"]]", "with itself"),
            (
                "pairs = [[\"a\", \"b\"], [\"b\", \"a\"]]",
                "\"b\" is in two pairs",
            ),
            ("pairs = [[\"a\"]]", "is not a pair"),
            ("order_seed = -1", "at least 0"),
        ] {
            let err = with(keys).unwrap_err();
            let key = keys.split(' ').next().unwrap();
            assert!(err.starts_with(&format!("t.toml:2: key `{key}`")), "{err}");
            assert!(err.contains(problem), "{err}");
        }
    }

    #[test]
    fn every_round_runs_every_cell_once_in_its_own_shuffled_order() {
        let plan = Plan::new(&exp(), Shard::WHOLE);
        assert_eq!(plan.cells.len(), 2 * (1 + 2 * 2));
        let steps = plan.steps(|_, _| false);
        let n = plan.cells.len();
        assert_eq!(steps.len(), n * 3);
        let mut orders = Vec::new();
        for (round, chunk) in steps.chunks(n).enumerate() {
            let mut cells: Vec<&Cell> = chunk.iter().map(|s| s.cell).collect();
            orders.push(cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
            let positions: Vec<usize> = chunk.iter().map(|s| s.position).collect();
            assert_eq!(positions, (0..n).collect::<Vec<_>>());
            let want = if round == 0 { None } else { Some(round - 1) };
            assert!(chunk.iter().all(|s| s.repetition == want));
            cells.sort_by_key(|c| c.to_string());
            cells.dedup();
            assert_eq!(cells.len(), n, "round {round} runs a cell twice");
        }
        assert!(
            orders[0] != orders[1] || orders[1] != orders[2],
            "{orders:?}"
        );
        // The first round starts with the serial cells (the checksum reference).
        assert!(steps[..2].iter().all(|s| s.cell.is_serial()));
        // Serial is not always first.
        let firsts: Vec<bool> = (0..20)
            .map(|r| plan.cells[plan.round_order(r)[0]].is_serial())
            .collect();
        assert!(firsts.iter().any(|f| !f), "{firsts:?}");
    }

    #[test]
    fn the_order_is_reproducible_from_the_seed_and_changes_with_it() {
        let e = exp();
        let a = Plan::new(&e, Shard::WHOLE);
        let b = Plan::new(&e, Shard::WHOLE);
        for r in 0..5 {
            assert_eq!(a.round_order(r), b.round_order(r));
        }
        let mut other = e.clone();
        other.order_seed += 1;
        let c = Plan::new(&other, Shard::WHOLE);
        assert!((0..5).any(|r| a.round_order(r) != c.round_order(r)));
        // A resumed sweep keeps each run's position.
        let all = a.steps(|_, _| false);
        let rest = a.steps(|c, r| r == 0 && c.is_serial());
        for s in &rest {
            assert!(all.iter().any(|t| t == s), "{s:?} moved on resume");
        }
    }

    #[test]
    fn paired_workloads_run_back_to_back_in_abba_order() {
        let mut e = exp();
        e.pairs = vec![["a".into(), "b".into()]];
        e.repetitions = 4;
        let plan = Plan::new(&e, Shard::WHOLE);
        let steps = plan.steps(|_, _| false);
        for s in steps.iter().filter(|s| s.repetition.is_some()) {
            let r = s.repetition.unwrap();
            let round: Vec<&Step> = steps.iter().filter(|t| t.repetition == Some(r)).collect();
            let k = round.iter().position(|t| t == &s).unwrap();
            // The partner is adjacent: after it when this one leads the round's pair order.
            let a_first = r % 2 == 0;
            let leads = (s.cell.workload == "a") == a_first;
            let partner = if leads { round[k + 1] } else { round[k - 1] };
            assert_ne!(partner.cell.workload, s.cell.workload);
            assert_eq!(
                (partner.cell.strategy, partner.cell.workers),
                (s.cell.strategy, s.cell.workers)
            );
        }
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

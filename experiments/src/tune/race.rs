//! The race: candidates measured in interleaved rounds, the clearly slower ones dropped,
//! until one is left, the rest are indistinguishable, or the budget is spent.
//!
//! Pure: it sees candidates only as indices and measurements only through a [`Measurer`],
//! so the same code races workloads on our pool, a user's command, and the fake measurers
//! of the tests (planted best, ties, outliers). Given the same measurements it makes the
//! same decisions, which is how `--resume` replays a folder's finished runs.
//!
//! **A round** measures every candidate still in the race once, in an order shuffled from
//! the seed and the round's number (the order stream of `run`'s plan), so that drift
//! spreads over the candidates and pairs within a round see the same machine.
//!
//! **Dropping** (after `min_rounds` rounds, at every round — a *look*): the current best
//! is the candidate with the lowest median cost. Every other candidate is tested for
//! "slower than the current best" by one of three tests ([`Test`]): F-race (the default;
//! Birattari et al., GECCO 2002, the racing method of irace): costs are ranked within
//! each round and rank sums compared with the best's by Conover's post-hoc test for the
//! Friedman design, whose variance is pooled over every candidate, so after 3 rounds it
//! has `2 (k − 1)` degrees of freedom and drops the clearly slower; ranks make a lone 2×
//! outlier run move a candidate a few places, not decide. Or the paired t-test on the
//! log ratios of one candidate to the best (it assumes roughly normal log ratios, and
//! drops only a candidate also slower in more than half the rounds; with `n − 1`
//! degrees of freedom it needs many rounds once Holm divides the level by many
//! candidates), or the exact, distribution-free sign test (no assumption, but at least
//! log2(1/threshold) rounds before anything can be dropped). Holm's
//! step-down procedure over
//! those candidates at level `α_look = (1 − confidence) / (look · (look + 1))` drops the
//! ones it rejects. As Σ 1/(look·(look+1)) = 1, a union bound over the looks and Holm's
//! control within each look give: a candidate that in every round is at least as likely
//! to be faster than slower against each other candidate is dropped with probability at
//! most `1 − confidence` over the whole race, whichever candidate is the current best at
//! each look — exactly for the sign test, for the t-test as far as its normality holds,
//! and for F-race as far as Conover's t approximation of the rank-sum differences holds
//! (rounds independent, rank variance alike across candidates). That is the guarantee;
//! it costs rounds.
//!
//! **Indistinguishable**: when every other candidate's ratio to the best has a median
//! interval ([`super::stats::median_interval`], at `1 − (1 − confidence)/m`, Bonferroni
//! over the m intervals) inside `[1/(1 + tie), 1 + tie]`, the race stops and reports
//! them as a tie: equal within `tie` at that confidence.
//!
//! **Failures** (a run that fails, times out, or yields no number) drop the candidate at
//! once, with the reason; its measurements are never averaged with anything.

use super::stats::{friedman_slower, median, median_interval, sign_test_slower, t_test_slower};
use crate::run::plan::OrderRng;

/// Measures candidates; the race's only view of the world.
pub trait Measurer {
    /// One measurement of candidate `candidate` in round `round`: its cost (lower is
    /// better, finite and > 0), or why it failed.
    fn measure(&mut self, candidate: usize, round: usize) -> Result<f64, Failure>;

    /// Whether a time budget is spent (checked before each round).
    fn out_of_time(&self) -> bool {
        false
    }

    /// Round `round` starts with `left` candidates (for a progress display).
    fn round_started(&mut self, round: usize, left: usize) {
        let _ = (round, left);
    }
}

/// Why a measurement gave no cost.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// This candidate failed (non-zero exit, timeout, missing metric): it is dropped.
    Candidate(String),
    /// The race must stop now (Ctrl-C, a checksum mismatch): nothing more runs.
    Abort(String),
}

/// The test that drops a candidate.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Test {
    /// F-race: ranks within each round, every alive candidate against the best by
    /// Conover's post-hoc test for the Friedman design ([`friedman_slower`]).
    #[default]
    Friedman,
    /// The paired t-test on log ratios (and slower in most rounds).
    T,
    /// The exact sign test.
    Sign,
}

impl Test {
    /// The p-value of "slower" for per-round ratios candidate / best.
    pub fn p_value(self, ratios: &[f64]) -> f64 {
        match self {
            Test::Sign => sign_test_slower(ratios),
            Test::Friedman => unreachable!("the Friedman test compares every candidate at once"),
            Test::T => {
                let slower = ratios.iter().filter(|&&r| r > 1.0).count();
                if 2 * slower <= ratios.len() {
                    1.0
                } else {
                    t_test_slower(ratios)
                }
            }
        }
    }
}

/// How a race is run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Confidence level of the drops (and of the tie), e.g. 0.95.
    pub confidence: f64,
    /// Rounds before the first look (at least 1).
    pub min_rounds: usize,
    /// The most rounds (`--exhaustive` runs exactly this many).
    pub max_rounds: usize,
    /// The most measurements in all; a round that would pass it does not start.
    pub max_runs: Option<usize>,
    /// Run every candidate `max_rounds` times, dropping nothing but failures.
    pub exhaustive: bool,
    /// Relative difference under which candidates count as a tie (0.01 = 1%).
    pub tie: f64,
    /// Seed of the order within rounds.
    pub seed: u64,
    /// The test that drops candidates.
    pub test: Test,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            confidence: 0.95,
            min_rounds: 3,
            max_rounds: 20,
            max_runs: None,
            exhaustive: false,
            tie: 0.01,
            seed: 1,
            test: Test::Friedman,
        }
    }
}

/// What became of a candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// Still in the race at the end.
    Alive,
    /// Dropped after `round` (0-based): slower than `against` by the test.
    Slower {
        /// The round after which it was dropped.
        round: usize,
        /// The current best it was compared with.
        against: usize,
        /// The test's p-value.
        p_value: f64,
        /// The Holm threshold it fell under.
        threshold: f64,
    },
    /// A measurement failed in `round`.
    Failed {
        /// The round of the failed run.
        round: usize,
        /// What went wrong.
        error: String,
    },
}

/// One candidate's race.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The cost of each round (`None`: not measured in that round).
    pub costs: Vec<Option<f64>>,
    /// Its fate.
    pub fate: Fate,
}

impl Entry {
    /// The costs it has, in round order.
    pub fn measured(&self) -> Vec<f64> {
        self.costs.iter().flatten().copied().collect()
    }

    /// Its median cost.
    pub fn median(&self) -> Option<f64> {
        median(&self.measured())
    }
}

/// Why the race ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// One candidate left.
    OneLeft,
    /// The candidates left are equal within the tie tolerance.
    Indistinguishable,
    /// The run or time budget is spent.
    Budget,
    /// `max_rounds` rounds ran (`--exhaustive` always ends so).
    MaxRounds,
    /// Nothing is left (every candidate failed).
    NoneLeft,
    /// Stopped by the measurer (interrupted, or a fatal error).
    Aborted(String),
}

/// A finished (or stopped) race.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Per candidate, in the order given.
    pub entries: Vec<Entry>,
    /// The winner: the lowest median among the candidates left.
    pub best: Option<usize>,
    /// The candidates left at the end, best first (more than one: not separated).
    pub left: Vec<usize>,
    /// Why it ended.
    pub end: End,
    /// Rounds started.
    pub rounds: usize,
    /// Measurements made (failed ones included).
    pub runs: usize,
}

impl Outcome {
    /// Candidate `c`'s per-round ratios to the winner, over the rounds both ran.
    pub fn ratios_to_best(&self, c: usize) -> Vec<f64> {
        let Some(b) = self.best else {
            return Vec::new();
        };
        paired_ratios(&self.entries[c], &self.entries[b])
    }

    /// The median interval of candidate `c`'s ratio to the winner at `confidence`.
    pub fn ratio_interval(&self, c: usize, confidence: f64) -> Option<(f64, f64)> {
        median_interval(&self.ratios_to_best(c), confidence)
    }
}

/// `a`'s cost over `b`'s, in each round both ran.
fn paired_ratios(a: &Entry, b: &Entry) -> Vec<f64> {
    a.costs
        .iter()
        .zip(&b.costs)
        .filter_map(|(x, y)| Some((*x)? / (*y)?))
        .collect()
}

/// Runs a race of `candidates` candidates.
pub fn race(candidates: usize, opts: &Options, m: &mut dyn Measurer) -> Outcome {
    let mut entries: Vec<Entry> = (0..candidates)
        .map(|_| Entry {
            costs: Vec::new(),
            fate: Fate::Alive,
        })
        .collect();
    let (mut runs, mut look, mut rounds) = (0, 0, 0);
    let end = loop {
        let alive = alive(&entries);
        if alive.is_empty() {
            break End::NoneLeft;
        }
        if !opts.exhaustive && alive.len() == 1 && rounds > 0 {
            break End::OneLeft;
        }
        if rounds >= opts.max_rounds {
            break End::MaxRounds;
        }
        if opts.max_runs.is_some_and(|b| runs + alive.len() > b) || m.out_of_time() {
            break End::Budget;
        }
        m.round_started(rounds, alive.len());
        if let Err(why) = one_round(&mut entries, rounds, opts.seed, &mut runs, m) {
            rounds += 1;
            break End::Aborted(why);
        }
        rounds += 1;
        if opts.exhaustive || rounds < opts.min_rounds.max(1) {
            continue;
        }
        look += 1;
        drop_slower(&mut entries, rounds - 1, look, opts);
        if alive_count(&entries) > 1 && indistinguishable(&entries, opts) {
            break End::Indistinguishable;
        }
    };
    let mut left = alive(&entries);
    left.sort_by(|&a, &b| cmp_median(&entries[a], &entries[b]));
    Outcome {
        best: left.first().copied(),
        entries,
        left,
        end,
        rounds,
        runs,
    }
}

fn alive(entries: &[Entry]) -> Vec<usize> {
    (0..entries.len())
        .filter(|&i| entries[i].fate == Fate::Alive)
        .collect()
}

fn alive_count(entries: &[Entry]) -> usize {
    entries.iter().filter(|e| e.fate == Fate::Alive).count()
}

fn cmp_median(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    let (x, y) = (a.median(), b.median());
    x.unwrap_or(f64::INFINITY)
        .total_cmp(&y.unwrap_or(f64::INFINITY))
}

/// The alive candidates in round `round`'s shuffled order.
pub fn round_order(alive: &[usize], seed: u64, round: usize) -> Vec<usize> {
    let mut order = alive.to_vec();
    let mut rng = OrderRng::new(seed, round as u64);
    for k in (1..order.len()).rev() {
        let j = rng.below(k as u64 + 1) as usize;
        order.swap(k, j);
    }
    order
}

/// Measures every alive candidate once; `Err` when the measurer aborts.
fn one_round(
    entries: &mut [Entry],
    round: usize,
    seed: u64,
    runs: &mut usize,
    m: &mut dyn Measurer,
) -> Result<(), String> {
    let order = round_order(&alive(entries), seed, round);
    for e in entries.iter_mut() {
        e.costs.push(None);
    }
    for i in order {
        *runs += 1;
        match m.measure(i, round) {
            Ok(c) if c.is_finite() && c > 0.0 => entries[i].costs[round] = Some(c),
            Ok(c) => {
                entries[i].fate = Fate::Failed {
                    round,
                    error: format!("measured {c}, not a positive number"),
                }
            }
            Err(Failure::Candidate(error)) => entries[i].fate = Fate::Failed { round, error },
            Err(Failure::Abort(why)) => return Err(why),
        }
    }
    Ok(())
}

/// One look: Holm's procedure over the sign tests against the current best.
fn drop_slower(entries: &mut [Entry], round: usize, look: usize, opts: &Options) {
    let alive = alive(entries);
    let Some(&best) = alive
        .iter()
        .min_by(|&&a, &&b| cmp_median(&entries[a], &entries[b]))
    else {
        return;
    };
    let alpha = (1.0 - opts.confidence) / (look * (look + 1)) as f64;
    let mut tests = p_values(entries, &alive, best, opts.test);
    tests.sort_by(|a, b| a.0.total_cmp(&b.0));
    let m = tests.len();
    for (j, &(p_value, c)) in tests.iter().enumerate() {
        let threshold = alpha / (m - j) as f64;
        if p_value > threshold {
            break;
        }
        entries[c].fate = Fate::Slower {
            round,
            against: best,
            p_value,
            threshold,
        };
    }
}

/// Each alive candidate's p-value of "slower than `best`" (not `best` itself).
fn p_values(entries: &[Entry], alive: &[usize], best: usize, test: Test) -> Vec<(f64, usize)> {
    if test == Test::Friedman {
        // The rounds every alive candidate ran (all of them, unless one was added late).
        let rounds = entries[best].costs.len();
        let blocks: Vec<Vec<f64>> = (0..rounds)
            .filter_map(|r| {
                alive
                    .iter()
                    .map(|&c| entries[c].costs.get(r).copied().flatten())
                    .collect()
            })
            .collect();
        let best_at = alive
            .iter()
            .position(|&c| c == best)
            .expect("best is alive");
        let p = friedman_slower(&blocks, best_at);
        return alive
            .iter()
            .zip(p)
            .filter(|(&c, _)| c != best)
            .map(|(&c, p)| (p, c))
            .collect();
    }
    alive
        .iter()
        .filter(|&&c| c != best)
        .map(|&c| (test.p_value(&paired_ratios(&entries[c], &entries[best])), c))
        .collect()
}

/// Whether every alive candidate's ratio to the current best is within the tie
/// tolerance at the (Bonferroni-adjusted) confidence.
fn indistinguishable(entries: &[Entry], opts: &Options) -> bool {
    let alive = alive(entries);
    let Some(&best) = alive
        .iter()
        .min_by(|&&a, &&b| cmp_median(&entries[a], &entries[b]))
    else {
        return false;
    };
    let others: Vec<usize> = alive.into_iter().filter(|&c| c != best).collect();
    let level = 1.0 - (1.0 - opts.confidence) / others.len().max(1) as f64;
    let (lo, hi) = (1.0 / (1.0 + opts.tie), 1.0 + opts.tie);
    others.iter().all(|&c| {
        median_interval(&paired_ratios(&entries[c], &entries[best]), level)
            .is_some_and(|(a, b)| a >= lo && b <= hi)
    })
}

#[cfg(test)]
mod tests;

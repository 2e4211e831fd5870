//! Distribution-free confidence intervals for medians, from order statistics.
//!
//! For `n` independent samples of a continuous quantity with median `m`, the number `B`
//! of samples below `m` is Binomial(n, ½) whatever the distribution, so the interval
//! between the `j`-th and the `k`-th smallest sample, `[x₍ⱼ₎, x₍ₖ₎]`, covers `m` with
//! probability exactly `P(j ≤ B < k)` (at least that when values tie). This needs no
//! resampling and gives the level an interval really has: with 5 samples the widest
//! interval, min–max, covers the median with probability 1 − 2/2⁵ = 93.75%, and no
//! interval from 5 samples reaches 95% (a percentile bootstrap of 5 samples returns
//! that same min–max and calls it 95%). See Hollander, Wolfe & Chicco, *Nonparametric
//! Statistical Methods*, 3rd ed., §3.6, or David & Nagaraja, *Order Statistics*, §7.1.
//!
//! Comparisons use **paired** samples: the runner interleaves the strategies, one run of
//! each per round, so slow drift of the machine hits every strategy of a round alike. A
//! comparison of A with B is the median of the per-round ratios A / B with the same
//! order-statistic interval on those ratios; a speedup is the comparison of serial with a
//! strategy (serial ÷ strategy per round, `runs.csv`'s `speedup` column).

/// The level the report asks of its intervals (each prints the level it reaches).
pub const MEDIAN_CI_LEVEL: f64 = 0.95;

use super::summary::{serial_of, CellSummary};
use super::sweeps::{Sweep, SweepLine};
use super::units::sig3;

/// Sample counts above this use log-space sums; up to it coverages are exact.
const EXACT_LIMIT: usize = 126;

/// A confidence interval of a median and the coverage it really has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MedianInterval {
    /// The `lower_rank`-th smallest sample.
    pub low: f64,
    /// The `upper_rank`-th smallest sample.
    pub high: f64,
    /// 1-based rank `j` of the lower bound.
    pub lower_rank: usize,
    /// 1-based rank `k = n + 1 − j` of the upper bound.
    pub upper_rank: usize,
    /// Number of samples.
    pub n: usize,
    /// Probability that the interval covers the median: `P(j ≤ B < k)`, B ~ Bin(n, ½).
    pub coverage: f64,
}

impl MedianInterval {
    /// The coverage in percent with one decimal, e.g. `93.8%`.
    pub fn level(&self) -> String {
        format!("{:.1}%", self.coverage * 100.0)
    }

    /// Which order statistics bound the interval, e.g. `min–max of 5`, `2nd–9th of 10`.
    pub fn ranks(&self) -> String {
        if self.n == 1 {
            return "1 sample".into();
        }
        if self.lower_rank == 1 {
            return format!("min–max of {}", self.n);
        }
        format!(
            "{}–{} of {}",
            ordinal(self.lower_rank),
            ordinal(self.upper_rank),
            self.n
        )
    }

    /// E.g. `93.8% CI (min–max of 5)`.
    pub fn label(&self) -> String {
        format!("{} CI ({})", self.level(), self.ranks())
    }

    /// Whether `x` lies in the interval (bounds included).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, …, `11th`, `12th`, `13th`, `21st`, ….
fn ordinal(i: usize) -> String {
    let suffix = match (i % 10, i % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{i}{suffix}")
}

/// Exact coverage of `[x₍ⱼ₎, x₍ₙ₊₁₋ⱼ₎]` for the median of `n` samples:
/// `P(j ≤ B ≤ n − j) = 1 − 2·P(B ≤ j − 1)`, B ~ Binomial(n, ½) (0 when `2j > n`).
///
/// ```
/// use wsbench_report::intervals::coverage;
/// assert_eq!(coverage(5, 1), 0.9375); // min–max of 5: 1 − 2/32
/// assert_eq!(coverage(3, 1), 0.75);
/// assert_eq!(coverage(10, 2), 1002.0 / 1024.0);
/// ```
pub fn coverage(n: usize, j: usize) -> f64 {
    if j == 0 || 2 * j > n {
        return 0.0;
    }
    if n <= EXACT_LIMIT {
        // Σ_{i<j} C(n, i) and 2^n as integers: exact up to the final division.
        let (mut binomial, mut below) = (1u128, 0u128);
        for i in 0..j {
            below += binomial;
            binomial = binomial * (n - i) as u128 / (i + 1) as u128;
        }
        let all = 1u128 << n;
        return (all - 2 * below) as f64 / all as f64;
    }
    let ln_half_n = n as f64 * std::f64::consts::LN_2;
    let (mut ln_binomial, mut below) = (0.0f64, 0.0f64);
    for i in 0..j {
        below += (ln_binomial - ln_half_n).exp();
        ln_binomial += ((n - i) as f64 / (i + 1) as f64).ln();
    }
    (1.0 - 2.0 * below).max(0.0)
}

/// The narrowest symmetric order-statistic interval of the median of `xs` whose
/// coverage is at least `level` (0–1); when no interval from this many samples reaches
/// `level`, the widest one (min–max) with the coverage it really has. `None` if empty.
///
/// ```
/// use wsbench_report::intervals::median_interval;
/// let ci = median_interval(&[12.0, 10.0, 30.0, 11.0, 13.0], 0.95).unwrap();
/// assert_eq!((ci.low, ci.high, ci.coverage), (10.0, 30.0, 0.9375));
/// assert_eq!(ci.label(), "93.8% CI (min–max of 5)");
/// ```
pub fn median_interval(xs: &[f64], level: f64) -> Option<MedianInterval> {
    if xs.is_empty() {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    // Coverage grows as j falls: take the largest j that still reaches the level.
    let j = (1..=n.div_ceil(2))
        .rev()
        .find(|&j| coverage(n, j) >= level)
        .unwrap_or(1);
    let k = n + 1 - j;
    Some(MedianInterval {
        low: sorted[j - 1],
        high: sorted[k - 1],
        lower_rank: j,
        upper_rank: k,
        n,
        coverage: coverage(n, j),
    })
}

/// The median of paired ratios and its order-statistic interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedRatio {
    /// Median of the per-round ratios.
    pub median: f64,
    /// Interval of that median, over the rounds both sides have.
    pub interval: MedianInterval,
}

/// Per-round ratios `numerator / denominator`, for the rounds both have (keys are the
/// round, e.g. `runs.csv`'s `repetition`) and whose denominator is positive.
pub fn paired_ratios<K: Ord>(numerator: &[(K, f64)], denominator: &[(K, f64)]) -> Vec<f64> {
    let by_round: std::collections::BTreeMap<&K, f64> =
        denominator.iter().map(|(k, v)| (k, *v)).collect();
    numerator
        .iter()
        .filter_map(|(k, a)| by_round.get(k).filter(|b| **b > 0.0).map(|b| a / b))
        .collect()
}

/// Median ratio `numerator / denominator` over paired rounds, with its interval at
/// `level` (see [`median_interval`]). `None` when no round has both.
///
/// ```
/// use wsbench_report::intervals::paired_ratio_interval;
/// let slow = [(0, 110.0), (1, 120.0), (2, 100.0)];
/// let fast = [(0, 100.0), (1, 100.0), (2, 100.0)];
/// let r = paired_ratio_interval(&slow, &fast, 0.95).unwrap();
/// assert_eq!(r.median, 1.1);
/// assert_eq!((r.interval.low, r.interval.high, r.interval.coverage), (1.0, 1.2, 0.75));
/// ```
pub fn paired_ratio_interval<K: Ord>(
    numerator: &[(K, f64)],
    denominator: &[(K, f64)],
    level: f64,
) -> Option<PairedRatio> {
    let ratios = paired_ratios(numerator, denominator);
    Some(PairedRatio {
        median: super::stats::median(&ratios)?,
        interval: median_interval(&ratios, level)?,
    })
}

/// Speedup of a strategy over serial: the median over rounds of serial ÷ strategy (the
/// serial run of the same round), with its interval; the same as
/// [`paired_ratio_interval`]`(serial, strategy, level)`.
pub fn speedup_interval<K: Ord>(
    serial: &[(K, f64)],
    strategy: &[(K, f64)],
    level: f64,
) -> Option<PairedRatio> {
    paired_ratio_interval(serial, strategy, level)
}

/// One size of a sweep: the size, then the `(round, time)` pairs of serial and of a
/// parallel strategy at that size.
pub type SizeRounds<K> = (u64, Vec<(K, f64)>, Vec<(K, f64)>);

/// Interval of a crossover size from per-round data: the crossover is estimated from each
/// round alone (that round's serial and parallel time at every size, as
/// [`super::stats::crossover`]), and the interval is the order-statistic interval of the
/// median of those per-round estimates. A round where parallel is faster at every size
/// counts as −∞ (below the smallest size), one where it is not faster at the largest size
/// as +∞, so an unbounded end says the sweep's range does not pin the crossover down.
///
/// `None` when no round has a pair at any size.
///
/// ```
/// use wsbench_report::intervals::crossover_interval;
/// // Three rounds; round 2 is noisy at size 200.
/// let serial = vec![(0, 10.0), (1, 10.0), (2, 10.0)];
/// let sizes = vec![
///     (100, serial.clone(), vec![(0, 12.0), (1, 12.0), (2, 12.0)]),
///     (200, serial.clone(), vec![(0, 9.0), (1, 9.0), (2, 11.0)]),
///     (300, serial, vec![(0, 8.0), (1, 8.0), (2, 8.0)]),
/// ];
/// let ci = crossover_interval(&sizes, 0.95).unwrap();
/// // Rounds 0 and 1 cross at 100 + 2/3 × 100; round 2 at 200 + 1/3 × 100.
/// assert_eq!((ci.low.round(), ci.high.round(), ci.coverage), (167.0, 233.0, 0.75));
/// ```
pub fn crossover_interval<K: Ord + Clone>(
    sizes: &[SizeRounds<K>],
    level: f64,
) -> Option<MedianInterval> {
    use super::stats::{crossover, Crossover};
    use std::collections::BTreeMap;
    let mut by_round: BTreeMap<K, Vec<(u64, f64, f64)>> = BTreeMap::new();
    for (size, serial, parallel) in sizes {
        let parallel: BTreeMap<&K, f64> = parallel.iter().map(|(k, v)| (k, *v)).collect();
        for (round, s) in serial {
            if let Some(p) = parallel.get(round) {
                by_round
                    .entry(round.clone())
                    .or_default()
                    .push((*size, *s, *p));
            }
        }
    }
    let estimates: Vec<f64> = by_round
        .values()
        .filter_map(|points| crossover(points))
        .map(|c| match c {
            Crossover::Always => f64::NEG_INFINITY,
            Crossover::Never => f64::INFINITY,
            Crossover::At { estimate, .. } => estimate,
        })
        .collect();
    median_interval(&estimates, level)
}

/// [`crossover_interval`] of one line of a size sweep, over the runs of the cells the line
/// was drawn from ([`sweep_rounds`]).
pub fn sweep_crossover_interval(
    cells: &[CellSummary],
    sweep: &Sweep,
    line: &SweepLine,
) -> Option<MedianInterval> {
    crossover_interval(&sweep_rounds(cells, sweep, line), MEDIAN_CI_LEVEL)
}

/// The per-round times a line of a size sweep was drawn from: per size, the runs of the
/// fastest placement of serial and of the line's strategy (its worker count and pool
/// timing), as the sweep's medians are chosen.
pub fn sweep_rounds(
    cells: &[CellSummary],
    sweep: &Sweep,
    line: &SweepLine,
) -> Vec<SizeRounds<String>> {
    let fastest = |strategy: &str, parallel: bool, size: u64| {
        cells
            .iter()
            .filter(|c| {
                c.key.machine == sweep.machine
                    && c.size == Some(size)
                    && c.key.strategy == strategy
                    && sweep.workloads.contains(&c.key.workload)
                    && (!parallel
                        || (c.key.workers == line.workers
                            && c.pool_in_timing == sweep.pool_in_timing))
            })
            .min_by(|a, b| a.median_ns.total_cmp(&b.median_ns))
    };
    sweep
        .sizes
        .iter()
        .filter_map(|&size| {
            let serial = fastest(serial_of(&line.strategy), false, size)?;
            let parallel = fastest(&line.strategy, true, size)?;
            Some((size, serial.rounds.clone(), parallel.rounds.clone()))
        })
        .collect()
}

/// The clause a report adds after a crossover: `; per-round crossovers 1620–1690 (93.8%)`,
/// with an unbounded end written as below the smallest or above the largest size measured
/// (`; per-round crossovers all below 200` when every round is faster everywhere);
/// empty for fewer than two rounds.
pub fn crossover_clause(ci: Option<&MedianInterval>, smallest: u64, largest: u64) -> String {
    let Some(ci) = ci.filter(|ci| ci.n > 1) else {
        return String::new();
    };
    let bound = |x: f64| size_bound(x, smallest, largest);
    if ci.low == ci.high {
        return format!("; per-round crossovers all {}", bound(ci.low));
    }
    format!(
        "; per-round crossovers {}–{} ({})",
        bound(ci.low),
        bound(ci.high),
        ci.level()
    )
}

/// A table cell: `low–high unit (coverage)` scaled by `scale` ns per unit, or `–` for a
/// single sample (no interval).
pub fn interval_cell(ci: &MedianInterval, scale: f64, unit: &str) -> String {
    if ci.n < 2 {
        return "–".into();
    }
    let (lo, hi) = (sig3(ci.low / scale), sig3(ci.high / scale));
    format!("{lo}–{hi} {unit} ({})", ci.level())
}

/// The clause a report adds after a slower strategy when its per-round ratio to the faster
/// one is within noise (the interval of the median ratio includes 1); `None` otherwise, or
/// when no round pairs them.
pub fn noise_clause<K: Ord>(slower: &[(K, f64)], faster: &[(K, f64)]) -> Option<String> {
    let r = paired_ratio_interval(slower, faster, MEDIAN_CI_LEVEL)?;
    let ci = r.interval;
    ci.contains(1.0).then(|| {
        format!(
            "; paired by round it takes {}–{}× as long ({} CI, {}), so this gap is within noise",
            sig3(ci.low),
            sig3(ci.high),
            ci.level(),
            ci.ranks()
        )
    })
}

/// A crossover size for the text: finite sizes as integers, an unbounded end as below the
/// smallest or above the largest size measured.
///
/// ```
/// use wsbench_report::intervals::size_bound;
/// assert_eq!(size_bound(232.4, 50, 2500), "232");
/// assert_eq!(size_bound(f64::INFINITY, 50, 2500), "above 2500");
/// ```
pub fn size_bound(x: f64, smallest: u64, largest: u64) -> String {
    if x == f64::NEG_INFINITY {
        format!("below {smallest}")
    } else if x == f64::INFINITY {
        format!("above {largest}")
    } else {
        format!("{x:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Coverage of the interval `median_interval` picks at 95%, and its ranks.
    fn pick(n: usize) -> (usize, usize, f64) {
        let xs: Vec<f64> = (1..=n).map(|i| i as f64).collect();
        let ci = median_interval(&xs, 0.95).unwrap();
        assert_eq!(
            (ci.low, ci.high),
            (ci.lower_rank as f64, ci.upper_rank as f64)
        );
        (ci.lower_rank, ci.upper_rank, ci.coverage)
    }

    #[test]
    fn coverages_worked_by_hand() {
        // n = 5: P(B ≤ 0) = 1/32, P(B ≤ 1) = 6/32.
        assert_eq!(coverage(5, 1), 30.0 / 32.0);
        assert_eq!(coverage(5, 2), 20.0 / 32.0);
        assert_eq!(coverage(5, 3), 0.0); // [x₍₃₎, x₍₃₎] is a point
                                         // n = 6: 1 − 2/64, 1 − 2·7/64, then C(6,3)/64 for [x₍₃₎, x₍₄₎].
        assert_eq!(coverage(6, 1), 62.0 / 64.0);
        assert_eq!(coverage(6, 2), 50.0 / 64.0);
        assert_eq!(coverage(6, 3), 20.0 / 64.0);
        // n = 9: Σ C(9, i<j) = 1, 10, 46.
        assert_eq!(coverage(9, 1), 510.0 / 512.0);
        assert_eq!(coverage(9, 2), 492.0 / 512.0);
        assert_eq!(coverage(9, 3), 420.0 / 512.0);
        // n = 10: Σ C(10, i<j) = 1, 11, 56.
        assert_eq!(coverage(10, 2), 1002.0 / 1024.0);
        assert_eq!(coverage(10, 3), 912.0 / 1024.0);
        // n = 20: Σ C(20, i<j) = 6196 (j = 5), 21700 (j = 6), 60460 (j = 7).
        assert_eq!(coverage(20, 5), 1_036_184.0 / 1_048_576.0);
        assert_eq!(coverage(20, 6), 1_005_176.0 / 1_048_576.0);
        assert_eq!(coverage(20, 7), 927_656.0 / 1_048_576.0);
        assert_eq!(coverage(1, 1), 0.0);
        assert_eq!(coverage(2, 1), 0.5);
        assert_eq!(coverage(3, 1), 0.75);
    }

    #[test]
    fn narrowest_interval_reaching_95_percent() {
        assert_eq!(pick(5), (1, 5, 0.9375)); // 95% unreachable: min–max
        assert_eq!(pick(3), (1, 3, 0.75));
        assert_eq!(pick(6), (1, 6, 0.96875));
        assert_eq!(pick(9), (2, 8, 492.0 / 512.0));
        assert_eq!(pick(10), (2, 9, 1002.0 / 1024.0));
        assert_eq!(pick(20), (6, 15, 1_005_176.0 / 1_048_576.0));
        assert_eq!(pick(1), (1, 1, 0.0));
    }

    #[test]
    fn labels_say_the_real_level_and_the_ranks() {
        let ci = |n: usize| {
            let xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
            median_interval(&xs, 0.95).unwrap().label()
        };
        assert_eq!(ci(5), "93.8% CI (min–max of 5)");
        assert_eq!(ci(3), "75.0% CI (min–max of 3)");
        assert_eq!(ci(10), "97.9% CI (2nd–9th of 10)");
        assert_eq!(ci(20), "95.9% CI (6th–15th of 20)");
        assert_eq!(ci(1), "0.0% CI (1 sample)");
        assert_eq!(ordinal(21), "21st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(23), "23rd");
    }

    #[test]
    fn interval_ignores_input_order_and_ties() {
        let ci = median_interval(&[3.0, 1.0, 2.0, 2.0, 9.0, 2.0], 0.95).unwrap();
        assert_eq!((ci.low, ci.high), (1.0, 9.0));
        assert!(ci.contains(2.0) && !ci.contains(9.5));
        let lower = median_interval(&[3.0, 1.0, 2.0, 2.0, 9.0, 2.0], 0.75).unwrap();
        assert_eq!((lower.low, lower.high, lower.coverage), (2.0, 3.0, 0.78125));
        assert_eq!(median_interval(&[], 0.95), None);
    }

    #[test]
    fn large_n_uses_log_space_and_agrees_with_exact() {
        // Beside the exact limit, the two sums agree to rounding.
        let log_space = |n: usize, j: usize| {
            let ln_half_n = n as f64 * std::f64::consts::LN_2;
            let (mut ln_c, mut below) = (0.0f64, 0.0f64);
            for i in 0..j {
                below += (ln_c - ln_half_n).exp();
                ln_c += ((n - i) as f64 / (i + 1) as f64).ln();
            }
            1.0 - 2.0 * below
        };
        for (n, j) in [(100, 40), (126, 50), (20, 7)] {
            assert!((coverage(n, j) - log_space(n, j)).abs() < 1e-12, "{n} {j}");
        }
        let c = coverage(1000, 469);
        assert!(c > 0.95 && c < 0.96, "{c}");
        let xs: Vec<f64> = (0..1000).map(f64::from).collect();
        let ci = median_interval(&xs, 0.95).unwrap();
        assert!(ci.coverage >= 0.95 && coverage(1000, ci.lower_rank + 1) < 0.95);
    }

    #[test]
    fn paired_ratios_pair_rounds_and_skip_the_unpaired() {
        let serial = [(0, 100.0), (1, 110.0), (2, 90.0), (3, 105.0), (4, 100.0)];
        let strategy = [(4, 25.0), (0, 50.0), (1, 50.0), (2, 45.0), (3, 70.0)];
        // Ratios 2.0, 2.2, 2.0, 1.5, 4.0: median 2.0, min–max 1.5–4.0 at 93.75%.
        let s = speedup_interval(&serial, &strategy, 0.95).unwrap();
        assert_eq!(s.median, 2.0);
        assert_eq!((s.interval.low, s.interval.high), (1.5, 4.0));
        assert_eq!(s.interval.coverage, 0.9375);
        // Round 9 has no partner, round 3's denominator is zero: both left out.
        let a = [(0, 10.0), (3, 10.0), (9, 10.0)];
        let b = [(0, 5.0), (3, 0.0)];
        assert_eq!(paired_ratios(&a, &b), vec![2.0]);
        assert_eq!(paired_ratio_interval(&a, &[(7, 1.0)], 0.95), None);
    }

    #[test]
    fn crossover_interval_from_per_round_crossovers() {
        // Five rounds over sizes 1000, 2000, 4000; serial 2× the size in ns.
        let serial = |size: f64| (0..5).map(|r| (r, 2.0 * size)).collect::<Vec<_>>();
        let parallel = |times: [f64; 5]| times.into_iter().enumerate().collect::<Vec<_>>();
        let sizes = vec![
            // Rounds 0–2 slower at 1000; round 3 faster (its crossover is "always").
            (
                1000,
                serial(1000.0),
                parallel([2100.0, 2200.0, 2300.0, 1900.0, 2500.0]),
            ),
            // Round 4 still slower at 2000.
            (
                2000,
                serial(2000.0),
                parallel([3000.0, 3000.0, 3000.0, 3000.0, 4100.0]),
            ),
            (4000, serial(4000.0), parallel([5000.0; 5])),
        ];
        let ci = crossover_interval(&sizes, 0.95).unwrap();
        // Per round: d = parallel − serial crosses 0 between 1000 and 2000 for rounds 0–2
        // (d: +100/+200/+300 → −1000), at −∞ for round 3, between 2000 and 4000 for
        // round 4 (d: +100 → −3000). Min–max of 5: −∞ … 2000 + 2000 × 100/3100.
        assert_eq!(ci.low, f64::NEG_INFINITY);
        assert!((ci.high - (2000.0 + 2000.0 * 100.0 / 3100.0)).abs() < 1e-9);
        assert_eq!((ci.n, ci.coverage), (5, 0.9375));
        let no_pairs: Vec<SizeRounds<u32>> = vec![(1, vec![(0, 1.0)], vec![(1, 1.0)])];
        assert_eq!(crossover_interval(&no_pairs, 0.95), None);
    }

    #[test]
    fn report_wording() {
        let ci = median_interval(&[1.0e6, 1.1e6, 1.2e6, 1.3e6, 1.5e6], 0.95).unwrap();
        assert_eq!(interval_cell(&ci, 1e6, "ms"), "1.00–1.50 ms (93.8%)");
        let one = median_interval(&[5.0], 0.95).unwrap();
        assert_eq!(interval_cell(&one, 1.0, "ns"), "–");
        // Per-round ratios 0.9, 1.1, 1.2: 75% interval 0.9–1.2 includes 1.
        let fast = [(0, 10.0), (1, 10.0), (2, 10.0)];
        let close = [(0, 9.0), (1, 11.0), (2, 12.0)];
        assert_eq!(
            noise_clause(&close, &fast).unwrap(),
            "; paired by round it takes 0.900–1.20× as long (75.0% CI, min–max of 3), \
             so this gap is within noise"
        );
        let slow = [(0, 11.0), (1, 12.0), (2, 13.0)];
        assert_eq!(noise_clause(&slow, &fast), None);
        let mut cross = median_interval(&[f64::NEG_INFINITY, 1500.0, 1700.4], 0.95).unwrap();
        assert_eq!(
            crossover_clause(Some(&cross), 1000, 4000),
            "; per-round crossovers below 1000–1700 (75.0%)"
        );
        cross.high = f64::INFINITY;
        assert_eq!(
            crossover_clause(Some(&cross), 1000, 4000),
            "; per-round crossovers below 1000–above 4000 (75.0%)"
        );
        assert_eq!(crossover_clause(None, 1, 2), "");
        let always = median_interval(&[f64::NEG_INFINITY; 5], 0.95).unwrap();
        assert_eq!(
            crossover_clause(Some(&always), 200, 2500),
            "; per-round crossovers all below 200"
        );
    }
}

//! A round bootstrap of a sweep's crossover size.
//!
//! The crossover the report states is read from the medians per size. Its uncertainty
//! comes from the rounds: the runner interleaves every cell once per round, so a round is
//! the unit to resample — whole rounds, every size and both strategies of a round together
//! (paired), so that what drifts between rounds is carried along. Each of `B` resamples
//! draws as many rounds as were run, with replacement, takes the medians per size over the
//! drawn rounds, and finds the crossover as [`crate::stats::crossover`] does (a resample
//! where parallel wins at every size counts as −∞, one where it does not win at the
//! largest size as +∞). The interval is the percentile interval of those `B` crossovers.
//!
//! That is a **percentile bootstrap**: its nominal level is only approximate, and with
//! five rounds it cannot be trusted far (a bootstrap of five values has at most 126
//! distinct resamples); the report labels it as such, with `B` and the seed, beside the
//! distribution-free interval of the per-round crossovers ([`crate::intervals`]). The
//! generator is SplitMix64 with a fixed seed, so a report is the same each time it is
//! drawn from the same CSVs.

use super::intervals::SizeRounds;
use super::stats::{crossover, median, Crossover};
use std::collections::{BTreeMap, BTreeSet};
use workloads::rng::SplitMix64;

/// Resamples per crossover.
pub const BOOTSTRAP_B: usize = 2000;
/// The generator's seed.
pub const BOOTSTRAP_SEED: u64 = 2012;
/// The nominal level of the percentile interval.
pub const BOOTSTRAP_LEVEL: f64 = 0.95;

/// A percentile-bootstrap interval and how it was drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapInterval {
    /// Lower percentile (may be −∞: parallel won at every size in those resamples).
    pub low: f64,
    /// Upper percentile (may be +∞: parallel did not win at the largest size).
    pub high: f64,
    /// Nominal level (e.g. 0.95).
    pub level: f64,
    /// Resamples.
    pub b: usize,
    /// Generator seed.
    pub seed: u64,
    /// Rounds resampled.
    pub rounds: usize,
}

/// `workloads`' SplitMix64 (Steele, Lea & Flood 2014), drawing indices to resample.
struct Resampler(SplitMix64);

impl Resampler {
    /// A uniform index below `n` (n > 0; the modulo bias is below 2⁻⁵⁰ for our n).
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }
}

/// The crossover of the medians over `draw` (round keys, repeats allowed).
fn crossover_of<K: Ord>(sizes: &[SizeRounds<K>], draw: &[&K]) -> Option<f64> {
    let points: Vec<(u64, f64, f64)> = sizes
        .iter()
        .filter_map(|(size, serial, parallel)| {
            let pick = |runs: &[(K, f64)]| {
                let by: BTreeMap<&K, f64> = runs.iter().map(|(k, v)| (k, *v)).collect();
                let xs: Vec<f64> = draw.iter().filter_map(|k| by.get(k).copied()).collect();
                median(&xs)
            };
            Some((*size, pick(serial)?, pick(parallel)?))
        })
        .collect();
    crossover(&points).map(|c| match c {
        Crossover::Always => f64::NEG_INFINITY,
        Crossover::Never => f64::INFINITY,
        Crossover::At { estimate, .. } => estimate,
    })
}

/// The `q`-quantile of sorted `xs` (nearest rank, 0 < q ≤ 1).
fn quantile(xs: &[f64], q: f64) -> f64 {
    let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    xs[rank - 1]
}

/// Percentile-bootstrap interval of the crossover size over whole rounds; `None` with
/// fewer than two rounds or no crossover in any resample.
///
/// ```
/// use wsbench_report::resample::crossover_bootstrap;
/// let serial: Vec<(u32, f64)> = (0..5).map(|r| (r, 10.0)).collect();
/// let sizes = vec![
///     (100, serial.clone(), (0..5).map(|r| (r, 12.0)).collect()),
///     (200, serial, (0..5).map(|r| (r, 8.0 + r as f64 * 0.1)).collect()),
/// ];
/// let ci = crossover_bootstrap(&sizes, 500, 1).unwrap();
/// assert!(ci.low > 100.0 && ci.high < 200.0 && ci.low <= ci.high);
/// ```
pub fn crossover_bootstrap<K: Ord + Clone>(
    sizes: &[SizeRounds<K>],
    b: usize,
    seed: u64,
) -> Option<BootstrapInterval> {
    let rounds: Vec<&K> = sizes
        .iter()
        .flat_map(|(_, s, p)| s.iter().chain(p).map(|(k, _)| k))
        .collect::<BTreeSet<&K>>()
        .into_iter()
        .collect();
    if rounds.len() < 2 || b == 0 {
        return None;
    }
    let mut rng = Resampler(SplitMix64::new(seed));
    let mut estimates: Vec<f64> = (0..b)
        .filter_map(|_| {
            let draw: Vec<&K> = (0..rounds.len())
                .map(|_| rounds[rng.below(rounds.len())])
                .collect();
            crossover_of(sizes, &draw)
        })
        .collect();
    if estimates.is_empty() {
        return None;
    }
    estimates.sort_by(f64::total_cmp);
    let tail = (1.0 - BOOTSTRAP_LEVEL) / 2.0;
    Some(BootstrapInterval {
        low: quantile(&estimates, tail),
        high: quantile(&estimates, 1.0 - tail),
        level: BOOTSTRAP_LEVEL,
        b,
        seed,
        rounds: rounds.len(),
    })
}

/// The clause a report adds after a crossover: `; round bootstrap 210–260`, an unbounded
/// end written as below the smallest or above the largest size measured (how it was drawn
/// is said once, by [`bootstrap_legend`]); empty without an interval.
pub fn bootstrap_clause(ci: Option<&BootstrapInterval>, smallest: u64, largest: u64) -> String {
    let Some(ci) = ci else {
        return String::new();
    };
    let bound = |x: f64| crate::intervals::size_bound(x, smallest, largest);
    if ci.low == ci.high {
        return format!("; round bootstrap all {}", bound(ci.low));
    }
    format!("; round bootstrap {}–{}", bound(ci.low), bound(ci.high))
}

/// How the report's round bootstraps are drawn, for its legend.
///
/// ```
/// assert_eq!(
///     wsbench_report::resample::bootstrap_legend(),
///     "percentile bootstrap, nominal 95%, B = 2000 resamples of whole rounds, SplitMix64 seed 2012"
/// );
/// ```
pub fn bootstrap_legend() -> String {
    format!(
        "percentile bootstrap, nominal {:.0}%, B = {BOOTSTRAP_B} resamples of whole rounds, \
         SplitMix64 seed {BOOTSTRAP_SEED}",
        BOOTSTRAP_LEVEL * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(parallel_at_200: [f64; 5]) -> Vec<SizeRounds<u32>> {
        let serial: Vec<(u32, f64)> = (0..5).map(|r| (r, 10.0)).collect();
        vec![
            (100, serial.clone(), (0..5).map(|r| (r, 12.0)).collect()),
            (
                200,
                serial.clone(),
                parallel_at_200
                    .iter()
                    .enumerate()
                    .map(|(r, v)| (r as u32, *v))
                    .collect(),
            ),
            (400, serial, (0..5).map(|r| (r, 5.0)).collect()),
        ]
    }

    #[test]
    fn identical_rounds_give_a_point_and_noisy_rounds_widen_it() {
        // Every round crosses at 100 + 2/3 × 100 when parallel takes 9 at 200.
        let same = crossover_bootstrap(&sizes([9.0; 5]), 200, 7).unwrap();
        assert_eq!(same.low, same.high);
        assert!((same.low - (100.0 + 200.0 / 3.0)).abs() < 1e-9);
        // Rounds disagree at 200: some resamples put the crossover past 200.
        let noisy = crossover_bootstrap(&sizes([9.0, 9.5, 11.0, 12.0, 9.0]), 2000, 7).unwrap();
        assert!(noisy.low < noisy.high, "{noisy:?}");
        assert!(noisy.high > 200.0 && noisy.low > 100.0, "{noisy:?}");
        assert_eq!((noisy.b, noisy.seed, noisy.rounds), (2000, 7, 5));
        // The same seed draws the same interval.
        assert_eq!(
            crossover_bootstrap(&sizes([9.0, 9.5, 11.0, 12.0, 9.0]), 2000, 7),
            Some(noisy)
        );
    }

    #[test]
    fn one_round_has_no_bootstrap_and_the_clause_names_its_draw() {
        let one: Vec<SizeRounds<u32>> = vec![(1, vec![(0, 1.0)], vec![(0, 2.0)])];
        assert_eq!(crossover_bootstrap(&one, 100, 1), None);
        let ci = BootstrapInterval {
            low: f64::NEG_INFINITY,
            high: 250.4,
            level: 0.95,
            b: 2000,
            seed: 2012,
            rounds: 5,
        };
        assert_eq!(
            bootstrap_clause(Some(&ci), 10, 2500),
            "; round bootstrap below 10–250"
        );
        assert_eq!(bootstrap_clause(None, 1, 2), "");
        let all = BootstrapInterval {
            low: f64::INFINITY,
            high: f64::INFINITY,
            ..ci
        };
        assert!(
            bootstrap_clause(Some(&all), 10, 2500).ends_with("; round bootstrap all above 2500")
        );
    }
}

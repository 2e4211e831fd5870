//! The statistics of the race, exact and distribution-free: the one-sided sign test on
//! paired per-round ratios, and the order-statistic interval of their median.
//!
//! Both only count how many rounds a candidate was slower or faster than the reference in
//! the same round, so a 2× outlier weighs as much as a 1% difference (one round), and
//! drift that slows every candidate of a round alike cancels in the ratio.

/// `P(X ≥ k)` for `X ~ Binomial(n, 1/2)`, computed in log space (exact up to rounding
/// for any `n`).
///
/// ```
/// use wsbench::tune::stats::binomial_upper_tail;
/// assert!((binomial_upper_tail(3, 3) - 0.125).abs() < 1e-12);
/// assert_eq!(binomial_upper_tail(3, 0), 1.0);
/// assert!((binomial_upper_tail(10, 8) - 56.0 / 1024.0).abs() < 1e-12);
/// ```
pub fn binomial_upper_tail(n: usize, k: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_c = 0.0; // ln C(n, i), built up from i = 0
    let mut terms = Vec::with_capacity(n + 1 - k);
    for i in 0..=n {
        if i > 0 {
            ln_c += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        if i >= k {
            terms.push(ln_c + ln_half_n);
        }
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
    (max + sum.ln()).exp().min(1.0)
}

/// The one-sided sign test of "the candidate is slower than the reference in more rounds
/// than not": from per-round ratios candidate / reference, the p-value
/// `P(Bin(n, 1/2) ≥ slower)` with `n` the rounds that were not exact ties.
///
/// ```
/// use wsbench::tune::stats::sign_test_slower;
/// assert!((sign_test_slower(&[1.1, 1.2, 1.05]) - 0.125).abs() < 1e-12);
/// assert_eq!(sign_test_slower(&[1.0, 1.0]), 1.0);
/// assert_eq!(sign_test_slower(&[0.9, 0.8]), 1.0);
/// ```
pub fn sign_test_slower(ratios: &[f64]) -> f64 {
    let slower = ratios.iter().filter(|&&r| r > 1.0).count();
    let faster = ratios.iter().filter(|&&r| r < 1.0).count();
    binomial_upper_tail(slower + faster, slower)
}

/// The one-sided paired t-test of "the candidate is slower" on the logarithms of the
/// per-round ratios candidate / reference: the p-value `P(T ≥ t)` with `n − 1` degrees of
/// freedom. It assumes the log ratios are roughly normal; an outlier round inflates
/// their spread and so makes the test more reluctant to drop, not less. `1.0` for fewer
/// than two ratios; ratios all equal (a deterministic metric) give 0 above 1, else 1.
///
/// ```
/// use wsbench::tune::stats::t_test_slower;
/// assert!(t_test_slower(&[2.0, 2.1, 1.9]) < 0.01);
/// assert!(t_test_slower(&[1.01, 0.99, 1.0]) > 0.3);
/// assert_eq!(t_test_slower(&[1.5]), 1.0);
/// ```
pub fn t_test_slower(ratios: &[f64]) -> f64 {
    let n = ratios.len();
    if n < 2 {
        return 1.0;
    }
    let logs: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
    let mean = logs.iter().sum::<f64>() / n as f64;
    let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    if !var.is_finite() {
        return 1.0;
    }
    if var <= 0.0 {
        // Every round gave the same ratio: certainly slower if above 1.
        return if mean > 0.0 { 0.0 } else { 1.0 };
    }
    let t = mean / (var / n as f64).sqrt();
    student_t_upper(t, (n - 1) as f64)
}

/// F-race's comparison (Birattari, Stützle, Paquete, Varrentrapp, GECCO 2002; as in
/// irace): `costs[r][j]` is candidate `j`'s cost in block (round) `r`, every candidate
/// measured in every block. Costs are ranked within each block (ties get their average
/// rank), and each candidate's rank sum is compared with that of `best` by Conover's
/// post-hoc test for the Friedman design (Conover, *Practical Nonparametric Statistics*,
/// 1999, §5.8): `t = (R_j − R_best) / sqrt(max(2 (n A − Σ R²) / ((n − 1)(k − 1)), n))` with
/// `(n − 1)(k − 1)` degrees of freedom. Returns the one-sided p-value of "slower than
/// `best`" per candidate (1 for `best` itself). Ranks make one 2× outlier run move a
/// candidate by at most a few places, and pooling the rank variance over every
/// candidate gives the test its degrees of freedom after 3 rounds.
///
/// ```
/// use wsbench::tune::stats::friedman_slower;
/// let rounds = vec![vec![1.0, 2.0, 1.01, 3.0], vec![1.0, 2.1, 0.99, 2.9], vec![1.0, 1.9, 1.02, 3.1]];
/// let p = friedman_slower(&rounds, 0);
/// assert!(p[3] < 0.01 && p[1] < 0.05 && p[2] > 0.2 && p[0] == 1.0);
/// ```
pub fn friedman_slower(costs: &[Vec<f64>], best: usize) -> Vec<f64> {
    let n = costs.len();
    let k = costs.first().map_or(0, Vec::len);
    if n < 2 || k < 2 {
        return vec![1.0; k];
    }
    let mut rank_sums = vec![0.0; k];
    let mut a = 0.0;
    for block in costs {
        for (j, r) in average_ranks(block).into_iter().enumerate() {
            rank_sums[j] += r;
            a += r * r;
        }
    }
    let sum_sq: f64 = rank_sums.iter().map(|r| r * r).sum();
    let df = ((n - 1) * (k - 1)) as f64;
    // Conover's variance of a rank-sum difference is pooled over every candidate, so when
    // most candidates are clearly apart it underestimates that of a close pair (tested:
    // an exact tie among five was then dropped in 47 of 200 races). It is floored at the
    // variance of the difference of two exchangeable neighbours, whose ranks swap at
    // random: ±1 per block, n over n blocks.
    let spread = (2.0 * (n as f64 * a - sum_sq) / df).max(n as f64);
    (0..k)
        .map(|j| {
            if j == best {
                return 1.0;
            }
            student_t_upper((rank_sums[j] - rank_sums[best]) / spread.sqrt(), df)
        })
        .collect()
}

/// Ranks 1..=len of `values`, ties sharing their average rank.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&x, &y| values[x].total_cmp(&values[y]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            ranks[o] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// `P(T ≥ t)` for Student's t with `df` degrees of freedom.
///
/// ```
/// use wsbench::tune::stats::student_t_upper;
/// assert!((student_t_upper(0.0, 5.0) - 0.5).abs() < 1e-12);
/// assert!((student_t_upper(2.015, 5.0) - 0.05).abs() < 1e-3);
/// assert!((student_t_upper(-6.965, 2.0) - 0.99).abs() < 1e-3);
/// ```
pub fn student_t_upper(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, x);
    if t >= 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

/// The regularized incomplete beta function `I_x(a, b)` (continued fraction, Lentz).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(b, a, 1.0 - x);
    }
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    d = 1.0 / if d.abs() < tiny { tiny } else { d };
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            d = 1.0 / if d.abs() < tiny { tiny } else { d };
            c = 1.0 + num / c;
            c = if c.abs() < tiny { tiny } else { c };
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    ln_front.exp() * h / a
}

/// `ln Γ(x)` for x > 0 (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The median (mean of the two middle values for an even count); the report's.
pub use wsbench_report::stats::median;

/// The distribution-free two-sided interval of the median of `values` at `confidence`:
/// the order statistics `[x(k), x(n−k+1)]` with the largest `k` such that
/// `P(Bin(n, 1/2) < k) ≤ (1 − confidence) / 2`. `None` when `n` is too small for any
/// such `k` (fewer than 6 values at 95%).
///
/// ```
/// use wsbench::tune::stats::median_interval;
/// let v: Vec<f64> = (1..=10).map(f64::from).collect();
/// assert_eq!(median_interval(&v, 0.95), Some((2.0, 9.0)));
/// assert_eq!(median_interval(&v[..5], 0.95), None);
/// ```
pub fn median_interval(values: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let n = values.len();
    let tail = (1.0 - confidence) / 2.0;
    // P(Bin(n, 1/2) ≤ k − 1) = P(Bin ≥ n − k + 1) by symmetry.
    let k = (1..=n / 2)
        .take_while(|&k| binomial_upper_tail(n, n - k + 1) <= tail)
        .last()?;
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Some((v[k - 1], v[n - k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_sums_to_one_and_is_symmetric() {
        for n in [1, 7, 40, 1500] {
            let total = binomial_upper_tail(n, 0);
            assert_eq!(total, 1.0);
            for k in 1..=n {
                let upper = binomial_upper_tail(n, k);
                let lower = binomial_upper_tail(n, n - k + 1); // P(X ≤ k − 1)
                assert!((upper + lower - 1.0).abs() < 1e-9, "n {n} k {k}");
            }
        }
        assert!(binomial_upper_tail(1500, 1500) > 0.0 || 0.5f64.powi(1500) == 0.0);
    }

    #[test]
    fn the_median_interval_covers_at_its_level() {
        // Uniform draws around a known median 0: the interval holds it in ≥ 95% of trials.
        let mut g = workloads::rng::SplitMix64::new(5);
        let mut covered = 0;
        for _ in 0..400 {
            let v: Vec<f64> = (0..15)
                .map(|_| (g.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
                .collect();
            let (lo, hi) = median_interval(&v, 0.95).unwrap();
            covered += usize::from(lo <= 0.0 && 0.0 <= hi);
        }
        assert!(covered >= 380, "{covered}/400");
    }
}

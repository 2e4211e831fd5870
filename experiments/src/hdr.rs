//! Percentiles and percentile-distribution text exactly as Java HdrHistogram computes them.
//!
//! The `hdrhistogram` crate stores the same buckets as the Java library, but two of its
//! reports differ from Java's by one bucket:
//!
//! * `value_at_percentile(p)` computes `ceil(p / 100 × N)` without first stepping `p`
//!   one ulp down, so where `p / 100 × N` rounds up past an integer (99.9 × 2000 gives
//!   1998.0000000000002) it returns the sample after the right one;
//! * its quantile iterator adds the ticks in quantiles (0.1 + 0.1 + 0.1 ≠ 0.3) where Java
//!   adds percents, so a bucket whose cumulative count lands exactly on a tick is reported
//!   one bucket later.
//!
//! [`value_at_percentile`] and [`percentile_distribution`] follow Java's
//! `AbstractHistogram.getValueAtPercentile`, `PercentileIterator` and
//! `outputPercentileDistribution` step for step, including Java's `%f` formatting
//! (half-up rounding of the shortest decimal representation), so that `.hgrm` files are
//! the ones the Java tools would write for the same histogram.

use hdrhistogram::Histogram;
use std::fmt::Write as _;

/// The largest double below `x` (Java's `Math.nextAfter(x, NEGATIVE_INFINITY)`).
fn next_down(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return x;
    }
    if x == 0.0 {
        return -f64::from_bits(1);
    }
    let bits = x.to_bits();
    f64::from_bits(if x > 0.0 { bits - 1 } else { bits + 1 })
}

/// The non-empty buckets in value order: (highest equivalent value, count).
fn recorded_buckets(h: &Histogram<u64>) -> impl Iterator<Item = (u64, u64)> + '_ {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
}

/// The value at `percentile` (0–100), as Java's `getValueAtPercentile`: the highest value
/// equivalent to the smallest recorded value that at least `percentile`% of the samples
/// are at or below (the lowest equivalent value for percentile 0); 0 when empty.
///
/// ```
/// let mut h = wsbench::run::record::new_histogram();
/// for v in 1..=2000u64 { h.record(v).unwrap(); }
/// assert_eq!(wsbench::hdr::value_at_percentile(&h, 99.9), 1998);
/// assert_eq!(wsbench::hdr::value_at_percentile(&h, 50.0), 1000);
/// assert_eq!(wsbench::hdr::value_at_percentile(&h, 100.0), 2000);
/// ```
pub fn value_at_percentile(h: &Histogram<u64>, percentile: f64) -> u64 {
    // One ulp down first, so that a product that rounds up past an integer does not
    // move the target count to the next sample.
    let requested = next_down(percentile).clamp(0.0, 100.0);
    let fp_count = (requested * h.len() as f64) / 100.0;
    let count_at_percentile = (fp_count.ceil() as u64).max(1);
    let mut total = 0u64;
    for (value, count) in recorded_buckets(h) {
        total += count;
        if total >= count_at_percentile {
            return if percentile == 0.0 {
                h.lowest_equivalent(value)
            } else {
                value
            };
        }
    }
    0
}

/// One row of a percentile distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentileRow {
    /// Highest equivalent value of the bucket the iteration stopped at.
    pub value: u64,
    /// The percentile level (0–100) the row was reported for.
    pub percentile: f64,
    /// Samples at or below `value`.
    pub total_count: u64,
}

/// The next percentile level after `level`: Java's `PercentileIterator`
/// `incrementIterationLevel`, with its integer casts and wrapping `long` product.
fn next_percentile_level(level: f64, ticks_per_half_distance: u32) -> f64 {
    let halvings = ((100.0 / (100.0 - level)).ln() / 2f64.ln()) as i64;
    let scale = 2f64.powf(halvings.wrapping_add(1) as f64) as i64;
    let reporting_ticks = i64::from(ticks_per_half_distance).wrapping_mul(scale);
    level + 100.0 / reporting_ticks as f64
}

/// The rows of Java's `PercentileIterator`: levels advance in percent by
/// `ticks_per_half_distance` ticks per half distance to 100%; a bucket is reported
/// once per level its cumulative percentile has reached; a final row at 100%.
pub fn percentile_rows(h: &Histogram<u64>, ticks_per_half_distance: u32) -> Vec<PercentileRow> {
    let total = h.len();
    let buckets: Vec<(u64, u64)> = recorded_buckets(h).collect();
    let mut rows = Vec::new();
    let (mut index, mut cumulative, mut fresh) = (0usize, 0u64, true);
    let mut level = 0.0f64;
    let mut reached_last = false;
    loop {
        // hasNext(): samples left, or one last step to 100%.
        if cumulative >= total {
            if reached_last || total == 0 {
                return rows;
            }
            level = 100.0;
            reached_last = true;
        }
        // next(): walk the buckets until one reaches the level.
        loop {
            let Some(&(value, count)) = buckets.get(index) else {
                return rows;
            };
            if fresh {
                cumulative += count;
                fresh = false;
            }
            if (100.0 * cumulative as f64) / total as f64 >= level {
                rows.push(PercentileRow {
                    value,
                    percentile: level,
                    total_count: cumulative,
                });
                level = next_percentile_level(level, ticks_per_half_distance);
                break;
            }
            index += 1;
            fresh = true;
        }
    }
}

/// Mean and standard deviation over the buckets' median equivalent values, summed in
/// value order as Java's `getMean` and `getStdDeviation` do.
fn mean_and_stdev(h: &Histogram<u64>) -> (f64, f64) {
    if h.is_empty() {
        return (0.0, 0.0);
    }
    let n = h.len() as f64;
    let mut sum = 0.0f64;
    for (value, count) in recorded_buckets(h) {
        sum += h.median_equivalent(value) as f64 * count as f64;
    }
    let mean = sum / n;
    let mut squares = 0.0f64;
    for (value, count) in recorded_buckets(h) {
        let deviation = h.median_equivalent(value) as f64 - mean;
        squares += deviation * deviation * count as f64;
    }
    (mean, (squares / n).sqrt())
}

/// Java's `outputPercentileDistribution(out, ticks_per_half_distance, unit_ratio)` text:
/// the `Value Percentile TotalCount 1/(1-Percentile)` header, one row per
/// [`percentile_rows`] row (values divided by `unit_ratio`, printed with as many decimals
/// as the histogram has significant digits) and the `#[Mean …]`, `#[Max …]`,
/// `#[Buckets …]` footer.
///
/// ```
/// let mut h = wsbench::run::record::new_histogram();
/// for v in 1..=100u64 { h.record(v * 1000).unwrap(); }
/// let text = wsbench::hdr::percentile_distribution(&h, 5, 1000.0);
/// assert!(text.starts_with("       Value     Percentile TotalCount 1/(1-Percentile)\n\n"));
/// assert!(text.contains("\n      50.015 0.500000000000         50           2.00\n"));
/// assert!(text.contains("#[Max     =      100.031, Total count    =          100]"));
/// ```
pub fn percentile_distribution(
    h: &Histogram<u64>,
    ticks_per_half_distance: u32,
    unit_ratio: f64,
) -> String {
    let digits = usize::from(h.sigfig());
    let fixed = |x: f64, width: usize| format!("{:>width$}", java_fixed(x, digits));
    let mut out = format!(
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    for row in percentile_rows(h, ticks_per_half_distance) {
        let value = fixed(row.value as f64 / unit_ratio, 12);
        let quantile = row.percentile / 100.0;
        let _ = write!(
            out,
            "{value} {:>2} {:>10}",
            java_fixed(quantile, 12),
            row.total_count
        );
        if row.percentile != 100.0 {
            let _ = write!(out, " {:>14}", java_fixed(1.0 / (1.0 - quantile), 2));
        }
        out.push('\n');
    }
    let (mean, stdev) = mean_and_stdev(h);
    let max = recorded_buckets(h).last().map_or(0, |(value, _)| value);
    let _ = writeln!(
        out,
        "#[Mean    = {}, StdDeviation   = {}]",
        fixed(mean / unit_ratio, 12),
        fixed(stdev / unit_ratio, 12)
    );
    let _ = writeln!(
        out,
        "#[Max     = {}, Total count    = {:>12}]",
        fixed(max as f64 / unit_ratio, 12),
        h.len()
    );
    let sub_buckets = (2 * 10u64.pow(u32::from(h.sigfig()))).next_power_of_two();
    let _ = writeln!(
        out,
        "#[Buckets = {:>12}, SubBuckets     = {sub_buckets:>12}]",
        h.buckets()
    );
    out
}

/// [`percentile_distribution`] preceded by a `#` comment line naming the unit of the
/// Value column (readers of `.hgrm` files, Java's and ours, skip `#` lines).
///
/// ```
/// let mut h = wsbench::run::record::new_histogram();
/// h.record(1500).unwrap();
/// let text = wsbench::hdr::percentile_distribution_with_unit(&h, 5, 1000.0, "µs (ns / 1000)");
/// assert!(text.starts_with("# Value unit: µs (ns / 1000)\n       Value     Percentile"));
/// ```
pub fn percentile_distribution_with_unit(
    h: &Histogram<u64>,
    ticks_per_half_distance: u32,
    unit_ratio: f64,
    unit: &str,
) -> String {
    format!(
        "# Value unit: {unit}\n{}",
        percentile_distribution(h, ticks_per_half_distance, unit_ratio)
    )
}

/// `x` with `decimals` digits after the point, as Java's `String.format("%.Nf", x)`:
/// the shortest decimal that reads back as `x`, rounded half up (Rust's `{:.N}` rounds
/// the exact binary value instead: 0.125 → "0.12" where Java prints "0.13").
///
/// ```
/// use wsbench::hdr::java_fixed;
/// assert_eq!(java_fixed(0.125, 2), "0.13");
/// assert_eq!(java_fixed(9.995, 2), "10.00");
/// assert_eq!(java_fixed(0.30000000000000004, 12), "0.300000000000");
/// assert_eq!(java_fixed(f64::INFINITY, 2), "Infinity");
/// ```
pub fn java_fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Shortest round-trip digits d1.d2d3…e{exp}: x = 0.d1d2d3… × 10^(exp + 1).
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let mut point = exp.parse::<i64>().expect("decimal exponent") + 1;
    let keep = point + decimals as i64;
    if keep < 0 {
        digits = vec![b'0'];
    } else if (keep as usize) < digits.len() {
        let round_up = digits[keep as usize] >= b'5';
        digits.truncate(keep as usize);
        if round_up && !increment(&mut digits) {
            digits.insert(0, b'1');
            point += 1;
        }
        if digits.is_empty() {
            digits.push(b'0');
        }
    }
    let digit_at = |i: i64| -> char {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .map_or('0', |d| char::from(*d))
    };
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if point <= 0 {
        out.push('0');
    } else {
        out.extend((0..point).map(digit_at));
    }
    if decimals > 0 {
        out.push('.');
        out.extend((point..point + decimals as i64).map(digit_at));
    }
    out
}

/// Adds one to a decimal digit string in place; false when it carried out of the first digit
/// (the digits are then all zeros).
fn increment(digits: &mut [u8]) -> bool {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests;

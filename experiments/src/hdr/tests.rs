//! Golden tests: [`super`] against an independent port of Java HdrHistogram.
//!
//! The reference below is ported from HdrHistogram/HdrHistogram (Java), commit
//! `de84b0a7de2378abfc405da503bf4898e84ea98e` (2.2.x, May 2024):
//! `AbstractHistogram.java` (bucket layout, `getValueAtPercentile`, `getMean`,
//! `getStdDeviation`), `AbstractHistogramIterator.java` (`next`) and
//! `PercentileIterator.java` (`hasNext`, `incrementIterationLevel`,
//! `reachedIterationLevel`). It keeps its own counts array with Java's index arithmetic
//! (lowest discernible value 1, 3 significant digits, as `run::record::new_histogram`)
//! and walks every index, empty ones included, so it shares nothing with the crate or
//! with `super` but the `%f` formatter, which has hand-worked cases of its own.

use super::*;
use crate::run::record::new_histogram;
use workloads::rng::SplitMix64;

/// Java's layout for lowestDiscernibleValue = 1 (unitMagnitude 0), 3 significant digits:
/// subBucketCount = 2048, subBucketHalfCount = 1024, leadingZeroCountBase = 64 - 0 - 11.
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = 10;
const SUB_BUCKET_HALF_COUNT: u64 = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT: u64 = 2 * SUB_BUCKET_HALF_COUNT;
const SUB_BUCKET_MASK: u64 = SUB_BUCKET_COUNT - 1;
const LEADING_ZERO_COUNT_BASE: u32 = 64 - 11;

struct JavaHistogram {
    counts: Vec<u64>,
    total_count: u64,
    max_value: u64,
}

fn bucket_index(value: u64) -> u32 {
    LEADING_ZERO_COUNT_BASE - (value | SUB_BUCKET_MASK).leading_zeros()
}

fn sub_bucket_index(value: u64, bucket: u32) -> u64 {
    value >> bucket
}

fn counts_array_index(value: u64) -> usize {
    let bucket = bucket_index(value);
    let sub_bucket = sub_bucket_index(value, bucket);
    (((u64::from(bucket) + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub_bucket
        - SUB_BUCKET_HALF_COUNT) as usize
}

fn value_from_index(index: usize) -> u64 {
    let mut bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) as i64 - 1;
    let mut sub_bucket = (index as u64 & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    if bucket < 0 {
        sub_bucket -= SUB_BUCKET_HALF_COUNT;
        bucket = 0;
    }
    sub_bucket << bucket
}

fn size_of_equivalent_value_range(value: u64) -> u64 {
    let bucket = bucket_index(value);
    let sub_bucket = sub_bucket_index(value, bucket);
    let adjusted = if sub_bucket >= SUB_BUCKET_COUNT {
        bucket + 1
    } else {
        bucket
    };
    1 << adjusted
}

fn lowest_equivalent_value(value: u64) -> u64 {
    let bucket = bucket_index(value);
    sub_bucket_index(value, bucket) << bucket
}

fn highest_equivalent_value(value: u64) -> u64 {
    lowest_equivalent_value(value) + size_of_equivalent_value_range(value) - 1
}

fn median_equivalent_value(value: u64) -> u64 {
    lowest_equivalent_value(value) + (size_of_equivalent_value_range(value) >> 1)
}

impl JavaHistogram {
    fn new(values: &[u64]) -> JavaHistogram {
        let mut h = JavaHistogram {
            counts: Vec::new(),
            total_count: 0,
            max_value: 0,
        };
        for &v in values {
            let i = counts_array_index(v);
            if h.counts.len() <= i {
                h.counts.resize(i + 1, 0);
            }
            h.counts[i] += 1;
            h.total_count += 1;
            h.max_value = h.max_value.max(v);
        }
        h
    }

    fn get_value_at_percentile(&self, percentile: f64) -> u64 {
        let down = if percentile == 0.0 {
            -f64::from_bits(1)
        } else {
            f64::from_bits(percentile.to_bits() - 1)
        };
        let requested_percentile = down.clamp(0.0, 100.0);
        let fp_count_at_percentile = (requested_percentile * self.total_count as f64) / 100.0;
        let count_at_percentile = (fp_count_at_percentile.ceil() as u64).max(1);
        let mut total_to_current_index = 0;
        for (i, count) in self.counts.iter().enumerate() {
            total_to_current_index += count;
            if total_to_current_index >= count_at_percentile {
                let value_at_index = value_from_index(i);
                return if percentile == 0.0 {
                    lowest_equivalent_value(value_at_index)
                } else {
                    highest_equivalent_value(value_at_index)
                };
            }
        }
        0
    }

    fn get_mean(&self) -> f64 {
        if self.total_count == 0 {
            return 0.0;
        }
        let mut total_value = 0.0;
        for (i, &count) in self.counts.iter().enumerate() {
            if count != 0 {
                total_value += median_equivalent_value(value_from_index(i)) as f64 * count as f64;
            }
        }
        total_value / self.total_count as f64
    }

    fn get_std_deviation(&self) -> f64 {
        if self.total_count == 0 {
            return 0.0;
        }
        let mean = self.get_mean();
        let mut geometric_deviation_total = 0.0;
        for (i, &count) in self.counts.iter().enumerate() {
            if count != 0 {
                let deviation = median_equivalent_value(value_from_index(i)) as f64 - mean;
                geometric_deviation_total += (deviation * deviation) * count as f64;
            }
        }
        (geometric_deviation_total / self.total_count as f64).sqrt()
    }
}

/// `PercentileIterator` over a [`JavaHistogram`], field for field.
struct JavaPercentileIterator<'a> {
    histogram: &'a JavaHistogram,
    ticks_per_half_distance: i64,
    percentile_level_to_iterate_to: f64,
    reached_last_recorded_value: bool,
    current_index: usize,
    fresh_sub_bucket: bool,
    count_at_this_value: u64,
    total_count_to_current_index: u64,
}

impl JavaPercentileIterator<'_> {
    fn has_next(&mut self) -> bool {
        if self.total_count_to_current_index < self.histogram.total_count {
            return true;
        }
        if !self.reached_last_recorded_value && self.histogram.total_count > 0 {
            self.percentile_level_to_iterate_to = 100.0;
            self.reached_last_recorded_value = true;
            return true;
        }
        false
    }

    /// (valueIteratedTo, percentileLevelIteratedTo, totalCountToThisValue)
    fn next(&mut self) -> (u64, f64, u64) {
        while self.current_index < self.histogram.counts.len() {
            self.count_at_this_value = self.histogram.counts[self.current_index];
            if self.fresh_sub_bucket {
                self.total_count_to_current_index += self.count_at_this_value;
                self.fresh_sub_bucket = false;
            }
            if self.reached_iteration_level() {
                let value = highest_equivalent_value(value_from_index(self.current_index));
                let level = self.percentile_level_to_iterate_to;
                self.increment_iteration_level();
                return (value, level, self.total_count_to_current_index);
            }
            self.current_index += 1;
            self.fresh_sub_bucket = true;
        }
        panic!("iterated past the counts array");
    }

    fn increment_iteration_level(&mut self) {
        let level = self.percentile_level_to_iterate_to;
        let exponent = ((100.0 / (100.0 - level)).ln() / 2f64.ln()) as i64 + 1;
        let percentile_reporting_ticks =
            self.ticks_per_half_distance * 2f64.powf(exponent as f64) as i64;
        self.percentile_level_to_iterate_to += 100.0 / percentile_reporting_ticks as f64;
    }

    fn reached_iteration_level(&self) -> bool {
        if self.count_at_this_value == 0 {
            return false;
        }
        let current_percentile =
            (100.0 * self.total_count_to_current_index as f64) / self.histogram.total_count as f64;
        current_percentile >= self.percentile_level_to_iterate_to
    }
}

/// `outputPercentileDistribution(out, ticks, ratio)` over the reference.
fn java_output(h: &JavaHistogram, ticks: u32, ratio: f64) -> String {
    let mut out = format!(
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    let mut it = JavaPercentileIterator {
        histogram: h,
        ticks_per_half_distance: i64::from(ticks),
        percentile_level_to_iterate_to: 0.0,
        reached_last_recorded_value: false,
        current_index: 0,
        fresh_sub_bucket: true,
        count_at_this_value: 0,
        total_count_to_current_index: 0,
    };
    let f3 = |x: f64| format!("{:>12}", java_fixed(x, 3));
    while it.has_next() {
        let (value, level, total) = it.next();
        let q = level / 100.0;
        if level != 100.0 {
            let inverse = java_fixed(1.0 / (1.0 - q), 2);
            let q = java_fixed(q, 12);
            out += &format!(
                "{} {q:>2} {total:>10} {inverse:>14}\n",
                f3(value as f64 / ratio)
            );
        } else {
            let q = java_fixed(q, 12);
            out += &format!("{} {q:>2} {total:>10}\n", f3(value as f64 / ratio));
        }
    }
    let max = if h.max_value == 0 {
        0
    } else {
        highest_equivalent_value(h.max_value)
    };
    out += &format!(
        "#[Mean    = {}, StdDeviation   = {}]\n",
        f3(h.get_mean() / ratio),
        f3(h.get_std_deviation() / ratio)
    );
    out += &format!(
        "#[Max     = {}, Total count    = {:>12}]\n",
        f3(max as f64 / ratio),
        h.total_count
    );
    // bucketCount for highestTrackableValue 3.6e12: 2048 << (b - 1) > 3.6e12 at b = 32.
    out += &format!("#[Buckets = {:>12}, SubBuckets     = {:>12}]\n", 32, 2048);
    out
}

/// Sample sets: seeded values spread over 1 ns – 1000 s, plus sets built to land
/// cumulative counts exactly on percentile ticks (distinct values, repeated values).
fn sample_sets() -> Vec<Vec<u64>> {
    let mut rng = SplitMix64::new(0x5EED_4D52_0000_0001);
    let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut sets = Vec::new();
    for n in [
        1usize, 2, 3, 5, 7, 10, 64, 100, 999, 1000, 2000, 4096, 100_000, 1_000_000,
    ] {
        sets.push((0..n).map(|_| 10f64.powf(unit() * 12.0) as u64).collect());
    }
    for n in [
        1u64, 2, 4, 5, 8, 10, 20, 40, 80, 100, 160, 1000, 2000, 10_000,
    ] {
        sets.push((1..=n).collect());
        sets.push((1..=n).map(|v| v * 1_000_003).collect());
    }
    // Few distinct values, many repeats each: several ticks per bucket.
    for (distinct, repeats) in [(3u64, 7u64), (4, 25), (10, 100), (1, 1000)] {
        sets.push(
            (1..=distinct)
                .flat_map(|v| std::iter::repeat(v * 977).take(repeats as usize))
                .collect(),
        );
    }
    sets
}

fn histogram_of(values: &[u64]) -> Histogram<u64> {
    let mut h = new_histogram();
    for &v in values {
        h.record(v).unwrap();
    }
    h
}

#[test]
fn value_at_percentile_matches_java() {
    let percentiles = [
        0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999, 100.0,
    ];
    for values in sample_sets() {
        let java = JavaHistogram::new(&values);
        let h = histogram_of(&values);
        for p in percentiles {
            assert_eq!(
                value_at_percentile(&h, p),
                java.get_value_at_percentile(p),
                "p{p} of {} samples",
                values.len()
            );
        }
    }
}

#[test]
fn percentile_distribution_matches_java() {
    for values in sample_sets() {
        let java = JavaHistogram::new(&values);
        let h = histogram_of(&values);
        for (ticks, ratio) in [(5, 1000.0), (5, 1.0), (1, 1000.0), (10, 1e6)] {
            assert_eq!(
                percentile_distribution(&h, ticks, ratio),
                java_output(&java, ticks, ratio),
                "{} samples, {ticks} ticks, ratio {ratio}",
                values.len()
            );
        }
    }
}

#[test]
fn p99_9_of_2000_distinct_samples_is_the_1998th() {
    let h = histogram_of(&(1..=2000).collect::<Vec<_>>());
    assert_eq!(value_at_percentile(&h, 99.9), 1998);
    assert_eq!(value_at_percentile(&h, 99.95), 1999);
    assert_eq!(value_at_percentile(&h, 0.0), 1);
    assert_eq!(value_at_percentile(&h, 0.05), 1);
    assert_eq!(value_at_percentile(&h, 150.0), 2000);
    let one = histogram_of(&[123_456_789]);
    for p in [0.0, 50.0, 100.0] {
        // 123_456_789 < 2^27: bucket 16, 2^16 values 123_404_288 ..= 123_469_823.
        let expected = if p == 0.0 { 123_404_288 } else { 123_469_823 };
        assert_eq!(value_at_percentile(&one, p), expected, "p{p}");
    }
    assert_eq!(value_at_percentile(&new_histogram(), 50.0), 0);
}

/// Ten distinct samples 1..=10: every cumulative count lands exactly on a tick (10%,
/// 20%, …), where Java reports the bucket itself (3 at 30%, not 4). Worked by hand from
/// `PercentileIterator`: ticks of 10% up to 50%, 5% to 75%, 2.5% to 87.5%, then 1.25%.
#[test]
fn exact_ticks_report_the_bucket_that_reaches_them() {
    let h = histogram_of(&(1..=10).collect::<Vec<_>>());
    let expected = "       Value     Percentile TotalCount 1/(1-Percentile)

       1.000 0.000000000000          1           1.00
       1.000 0.100000000000          1           1.11
       2.000 0.200000000000          2           1.25
       3.000 0.300000000000          3           1.43
       4.000 0.400000000000          4           1.67
       5.000 0.500000000000          5           2.00
       6.000 0.550000000000          6           2.22
       6.000 0.600000000000          6           2.50
       7.000 0.650000000000          7           2.86
       7.000 0.700000000000          7           3.33
       8.000 0.750000000000          8           4.00
       8.000 0.775000000000          8           4.44
       8.000 0.800000000000          8           5.00
       9.000 0.825000000000          9           5.71
       9.000 0.850000000000          9           6.67
       9.000 0.875000000000          9           8.00
       9.000 0.887500000000          9           8.89
       9.000 0.900000000000          9          10.00
      10.000 0.912500000000         10          11.43
      10.000 1.000000000000         10
#[Mean    =        5.500, StdDeviation   =        2.872]
#[Max     =       10.000, Total count    =           10]
#[Buckets =           32, SubBuckets     =         2048]
";
    assert_eq!(percentile_distribution(&h, 5, 1.0), expected);
}

#[test]
fn empty_histogram_has_header_and_zero_footer() {
    let text = percentile_distribution(&new_histogram(), 5, 1000.0);
    assert_eq!(
        text,
        "       Value     Percentile TotalCount 1/(1-Percentile)\n\n\
         #[Mean    =        0.000, StdDeviation   =        0.000]\n\
         #[Max     =        0.000, Total count    =            0]\n\
         #[Buckets =           32, SubBuckets     =         2048]\n"
    );
}

#[test]
fn java_fixed_rounds_the_shortest_decimal_half_up() {
    let cases: [(f64, usize, &str); 14] = [
        (0.0, 3, "0.000"),
        (1.0, 0, "1"),
        (0.5, 0, "1"),
        (0.125, 2, "0.13"),
        (1.2345, 3, "1.235"),
        (2.675, 2, "2.68"),
        (9.995, 2, "10.00"),
        (99.9996, 3, "100.000"),
        (0.0005, 3, "0.001"),
        (0.0004999, 3, "0.000"),
        (1e-9, 3, "0.000"),
        (123_456_789.0, 3, "123456789.000"),
        (1e22, 2, "10000000000000000000000.00"),
        (-1.5, 1, "-1.5"),
    ];
    for (x, n, want) in cases {
        assert_eq!(java_fixed(x, n), want, "{x} with {n} decimals");
    }
    assert_eq!(java_fixed(0.1 + 0.1 + 0.1, 12), "0.300000000000");
    assert_eq!(java_fixed(1.0 - 1.0 / 8192.0, 12), "0.999877929688");
    assert_eq!(java_fixed(f64::NAN, 2), "NaN");
    assert_eq!(java_fixed(f64::NEG_INFINITY, 2), "-Infinity");
}

#[test]
fn unit_line_precedes_the_java_text() {
    let h = histogram_of(&[1000, 2000, 3000]);
    let text = percentile_distribution_with_unit(&h, 5, 1000.0, "µs");
    let (first, rest) = text.split_once('\n').unwrap();
    assert_eq!(first, "# Value unit: µs");
    assert_eq!(rest, percentile_distribution(&h, 5, 1000.0));
}

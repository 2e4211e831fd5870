//! Deterministic number sets for the factorization workload, their orders, a
//! reader for a user's own list, and a summary of how uneven a set is.
//!
//! Every set is drawn from [`SplitMix64`] seeded with [`NumberSpec::seed`], so
//! the same spec gives the same numbers on every machine.
//!
//! The default set ([`NumberSpec::default`]) is the uneven one the experiments
//! use: 20,000 numbers, 2% of them *heavy* (primes or balanced semiprimes near
//! 2^40, ~2^19 trial divisions each) and the rest *cheap* (a small-prime part
//! times one ~20-bit prime, a few hundred divisions each). The heavy 2% carry
//! about 95% of the naive factorization work — the posts' "some numbers are
//! dramatically faster to factorize than others", made explicit. See
//! [`describe`] to measure any set.
//!
//! Why 2^40: the default set totals 194,569,905 trial divisions, which the
//! naive factorizer does serially in about 0.4 s in a release build (measured
//! 0.36–0.47 s on the 2-core development VM, AMD EPYC), so an experiment can
//! repeat it many times a minute while each heavy task (~0.5 ms) is still far
//! above scheduling overheads. For longer runs raise the size: `mixed:42`
//! doubles the work (383,273,614), `mixed:44` quadruples it (758,295,798); the
//! heavy share grows slightly (96.5%, 97.5%).

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::factor::{is_prime, trial_divisions};
use crate::rng::SplitMix64;
use crate::WorkloadError;

/// How the numbers of a set are drawn. `bits` is the size of the numbers (for
/// `Mixed`, of its heavy numbers).
///
/// Parsed from `KIND` or `KIND:BITS` (bits default to 40):
///
/// ```
/// use workloads::numbers::Generator;
/// assert_eq!("primes:36".parse::<Generator>().unwrap(), Generator::Primes { bits: 36 });
/// assert_eq!("mixed".parse::<Generator>().unwrap(), Generator::Mixed { bits: 40 });
/// assert_eq!(Generator::Smooth { bits: 50 }.to_string(), "smooth:50");
/// assert!("primes:99".parse::<Generator>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// Uniform in `[2^(bits-1), 2^bits)`: a natural, very uneven cost mix.
    Uniform {
        /// Size of the numbers.
        bits: u32,
    },
    /// Products of primes up to 97, below `2^bits`: all cheap (tens of divisions).
    Smooth {
        /// Upper bound on the size of the numbers.
        bits: u32,
    },
    /// Primes in `[¾·2^bits, 2^bits)`: all expensive, about `2^(bits/2-1)` divisions.
    Primes {
        /// Size of the numbers.
        bits: u32,
    },
    /// `p·q` with primes `p, q` in `[¾·2^h, 2^h)`, `h = bits/2`: as expensive as
    /// primes of the same size, with two factors to find.
    Semiprimes {
        /// Size of the numbers.
        bits: u32,
    },
    /// The uneven default: a [`NumberSpec::heavy_fraction`] of heavy numbers
    /// (half `Primes { bits }`, half `Semiprimes { bits }`), the rest cheap: a
    /// smooth part times one prime of `bits/2` bits (about `2^(bits/4 - 1)`
    /// divisions), below `2^bits`.
    Mixed {
        /// Size of the heavy numbers.
        bits: u32,
    },
}

impl Default for Generator {
    fn default() -> Self {
        Generator::Mixed { bits: 40 }
    }
}

const KINDS: &str = "allowed: uniform, smooth, primes, semiprimes, mixed, each optionally \
                     followed by :BITS (e.g. primes:36); BITS 8..=64, default 40";

impl Generator {
    /// The generator of kind `kind` with `bits` (default 40), checked.
    ///
    /// ```
    /// use workloads::numbers::Generator;
    /// assert_eq!(Generator::new("uniform", Some(30)).unwrap(), Generator::Uniform { bits: 30 });
    /// assert!(Generator::new("random", None).is_err());
    /// ```
    pub fn new(kind: &str, bits: Option<u32>) -> Result<Self, WorkloadError> {
        let b = bits.unwrap_or(40);
        let g = match kind {
            "uniform" => Generator::Uniform { bits: b },
            "smooth" => Generator::Smooth { bits: b },
            "primes" => Generator::Primes { bits: b },
            "semiprimes" => Generator::Semiprimes { bits: b },
            "mixed" => Generator::Mixed { bits: b },
            _ => return Err(WorkloadError::bad_value("number set kind", kind, KINDS)),
        };
        g.validate()?;
        Ok(g)
    }

    /// The kind's name (`uniform`, `smooth`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Generator::Uniform { .. } => "uniform",
            Generator::Smooth { .. } => "smooth",
            Generator::Primes { .. } => "primes",
            Generator::Semiprimes { .. } => "semiprimes",
            Generator::Mixed { .. } => "mixed",
        }
    }

    /// The size parameter.
    pub fn bits(&self) -> u32 {
        match *self {
            Generator::Uniform { bits }
            | Generator::Smooth { bits }
            | Generator::Primes { bits }
            | Generator::Semiprimes { bits }
            | Generator::Mixed { bits } => bits,
        }
    }

    /// Checks that `bits` is in `8..=64`.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        if (8..=64).contains(&self.bits()) {
            Ok(())
        } else {
            Err(WorkloadError::bad_value(
                "bits",
                format!("{}", self.bits()),
                format!("the {} set allows 8..=64", self.kind()),
            ))
        }
    }
}

impl fmt::Display for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.bits())
    }
}

impl FromStr for Generator {
    type Err = WorkloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None => Generator::new(s, None),
            Some((kind, bits)) => {
                let bits = bits
                    .parse()
                    .map_err(|_| WorkloadError::bad_value("number set", s, KINDS))?;
                Generator::new(kind, Some(bits))
            }
        }
    }
}

/// The order of a set's numbers, i.e. of the tasks. "Heavy" numbers are the
/// [`heavy_count`] costliest (by [`trial_divisions`]).
///
/// ```
/// use workloads::numbers::Order;
/// let o: Order = "heavy-last".parse().unwrap();
/// assert_eq!(o, Order::HeavyLast);
/// assert_eq!(o.to_string(), "heavy-last");
/// assert!("random".parse::<Order>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// A seeded random permutation (the default).
    #[default]
    Shuffled,
    /// Shuffled, then the heavy numbers moved to the end: the worst case for
    /// static chunking, whose last chunk gets all the work.
    HeavyLast,
    /// Shuffled, then the heavy numbers moved to the front.
    HeavyFirst,
    /// Cheapest first (ties in shuffled order).
    AscendingCost,
    /// Costliest first (ties in shuffled order): the classic LPT order.
    DescendingCost,
}

const ORDERS: [(Order, &str); 5] = [
    (Order::Shuffled, "shuffled"),
    (Order::HeavyLast, "heavy-last"),
    (Order::HeavyFirst, "heavy-first"),
    (Order::AscendingCost, "ascending-cost"),
    (Order::DescendingCost, "descending-cost"),
];

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = ORDERS.iter().find(|(o, _)| o == self).map(|(_, n)| *n);
        f.write_str(name.unwrap_or("?"))
    }
}

impl FromStr for Order {
    type Err = WorkloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ORDERS
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(o, _)| *o)
            .ok_or_else(|| {
                let names: Vec<&str> = ORDERS.iter().map(|(_, n)| *n).collect();
                WorkloadError::bad_value("order", s, format!("allowed: {}", names.join(", ")))
            })
    }
}

/// Everything that fixes a number set. `Default` is the experiments' uneven
/// set: `mixed:40`, 20,000 numbers, seed 2012, 2% heavy, shuffled.
///
/// ```
/// use workloads::numbers::{generate, NumberSpec, Order};
/// let spec = NumberSpec { count: 100, order: Order::HeavyLast, ..NumberSpec::default() };
/// spec.validate().unwrap();
/// let numbers = generate(&spec);
/// assert_eq!(numbers.len(), 100);
/// assert_eq!(numbers, generate(&spec)); // deterministic
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NumberSpec {
    /// How numbers are drawn.
    pub generator: Generator,
    /// How many numbers.
    pub count: usize,
    /// The seed of the [`SplitMix64`] stream.
    pub seed: u64,
    /// Share of heavy numbers, in `[0, 1]`: drawn heavy by `Mixed`, and moved by
    /// the `heavy-last`/`heavy-first` orders (see [`heavy_count`]).
    pub heavy_fraction: f64,
    /// The order of the numbers.
    pub order: Order,
}

impl Default for NumberSpec {
    fn default() -> Self {
        NumberSpec {
            generator: Generator::default(),
            count: 20_000,
            seed: 2012,
            heavy_fraction: 0.02,
            order: Order::Shuffled,
        }
    }
}

impl NumberSpec {
    /// Checks the spec; [`generate`] panics on a spec that fails this.
    ///
    /// ```
    /// use workloads::numbers::NumberSpec;
    /// let bad = NumberSpec { heavy_fraction: 1.5, ..NumberSpec::default() };
    /// assert!(bad.validate().unwrap_err().to_string().contains("0 and 1"));
    /// ```
    pub fn validate(&self) -> Result<(), WorkloadError> {
        self.generator.validate()?;
        if !(0.0..=1.0).contains(&self.heavy_fraction) {
            return Err(WorkloadError::bad_value(
                "heavy fraction",
                self.heavy_fraction.to_string(),
                "allowed: a number between 0 and 1 (e.g. 0.02)",
            ));
        }
        Ok(())
    }
}

/// How many numbers of a `count`-number set are heavy: `count × fraction`,
/// rounded to nearest.
///
/// ```
/// assert_eq!(workloads::numbers::heavy_count(20_000, 0.02), 400);
/// ```
pub fn heavy_count(count: usize, heavy_fraction: f64) -> usize {
    ((count as f64 * heavy_fraction).round() as usize).min(count)
}

/// The numbers of `spec`, in its order. Deterministic: same spec, same numbers.
///
/// # Panics
/// If `spec` fails [`NumberSpec::validate`].
pub fn generate(spec: &NumberSpec) -> Vec<u64> {
    if let Err(e) = spec.validate() {
        panic!("generate: {e}");
    }
    let mut rng = SplitMix64::new(spec.seed);
    let bits = spec.generator.bits();
    let mut numbers: Vec<u64> = match spec.generator {
        Generator::Uniform { .. } => (0..spec.count)
            .map(|_| rng.between(1 << (bits - 1), max_with_bits(bits)))
            .collect(),
        Generator::Smooth { .. } => (0..spec.count).map(|_| smooth(&mut rng, bits)).collect(),
        Generator::Primes { .. } => (0..spec.count).map(|_| prime(&mut rng, bits)).collect(),
        Generator::Semiprimes { .. } => {
            (0..spec.count).map(|_| semiprime(&mut rng, bits)).collect()
        }
        Generator::Mixed { .. } => {
            let heavy = heavy_count(spec.count, spec.heavy_fraction);
            let mut v: Vec<u64> = (0..heavy)
                .map(|i| {
                    if i % 2 == 0 {
                        prime(&mut rng, bits)
                    } else {
                        semiprime(&mut rng, bits)
                    }
                })
                .collect();
            let half = bits / 2;
            v.extend((heavy..spec.count).map(|_| {
                let q = prime(&mut rng, half);
                q * smooth(&mut rng, bits - half)
            }));
            v
        }
    };
    rng.shuffle(&mut numbers);
    apply_order(&mut numbers, spec.order, spec.heavy_fraction);
    numbers
}

/// Reorders shuffled `numbers` into `order` (stable, so ties keep the shuffle).
fn apply_order(numbers: &mut Vec<u64>, order: Order, heavy_fraction: f64) {
    if order == Order::Shuffled {
        return;
    }
    let costs = costs(numbers);
    let mut idx: Vec<usize> = (0..numbers.len()).collect();
    match order {
        Order::Shuffled => {}
        Order::AscendingCost => idx.sort_by_key(|&i| costs[i]),
        Order::DescendingCost => idx.sort_by_key(|&i| std::cmp::Reverse(costs[i])),
        Order::HeavyLast | Order::HeavyFirst => {
            let mut by_cost = idx.clone();
            by_cost.sort_by_key(|&i| std::cmp::Reverse(costs[i]));
            let mut heavy = vec![false; numbers.len()];
            for &i in &by_cost[..heavy_count(numbers.len(), heavy_fraction)] {
                heavy[i] = true;
            }
            let first_heavy = order == Order::HeavyFirst;
            idx.sort_by_key(|&i| heavy[i] != first_heavy);
        }
    }
    *numbers = idx.iter().map(|&i| numbers[i]).collect();
}

fn max_with_bits(bits: u32) -> u64 {
    u64::MAX >> (64 - bits)
}

/// A random prime in `[¾·2^bits, 2^bits)` (bits ≥ 2).
fn prime(rng: &mut SplitMix64, bits: u32) -> u64 {
    let low = 3u64 << (bits - 2);
    loop {
        let candidate = rng.between(low, max_with_bits(bits)) | 1;
        if is_prime(candidate) {
            return candidate;
        }
    }
}

/// `p·q`, `p` and `q` random primes of `bits/2` and `bits - bits/2` bits.
fn semiprime(rng: &mut SplitMix64, bits: u32) -> u64 {
    let half = bits / 2;
    prime(rng, half) * prime(rng, bits - half)
}

/// A product of random primes up to 97, below `2^bits`, of a random size
/// between `2^(bits/2)` and `2^bits`.
fn smooth(rng: &mut SplitMix64, bits: u32) -> u64 {
    const PRIMES: [u64; 25] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97,
    ];
    let target_bits = rng.between(u64::from(bits / 2), u64::from(bits)) as u32;
    let limit = max_with_bits(target_bits);
    let mut n = 1u64;
    loop {
        let p = PRIMES[rng.below(PRIMES.len() as u64) as usize];
        match n.checked_mul(p) {
            Some(m) if m <= limit => n = m,
            _ => return n,
        }
    }
}

/// The naive factorization cost ([`trial_divisions`]) of each number.
///
/// ```
/// assert_eq!(workloads::numbers::costs(&[8, 7]), vec![3, 2]);
/// ```
pub fn costs(numbers: &[u64]) -> Vec<u64> {
    numbers.iter().map(|&n| trial_divisions(n)).collect()
}

/// How uneven a set of task costs is.
#[derive(Debug, Clone, PartialEq)]
pub struct CostSummary {
    /// Number of tasks.
    pub count: usize,
    /// Sum of the costs.
    pub total: u64,
    /// The largest cost.
    pub max: u64,
    /// Share of `total` in the costliest 1% of tasks (at least one task), in `[0, 1]`.
    pub top1_share: f64,
    /// Share of `total` in the costliest 10% of tasks (at least one task), in `[0, 1]`.
    pub top10_share: f64,
}

/// Summarizes task costs: total, max, and the share of work in the costliest
/// 1% and 10% of tasks (`⌈count/100⌉` and `⌈count/10⌉` tasks).
///
/// ```
/// use workloads::numbers::describe;
/// let mut costs = vec![1u64; 99];
/// costs.push(901);
/// let s = describe(&costs);
/// assert_eq!((s.count, s.total, s.max), (100, 1000, 901));
/// assert!((s.top1_share - 0.901).abs() < 1e-12);
/// assert!((s.top10_share - 0.910).abs() < 1e-12);
/// ```
pub fn describe(costs: &[u64]) -> CostSummary {
    let mut sorted = costs.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let total: u64 = sorted.iter().sum();
    let share = |percent: usize| {
        let k = costs.len().div_ceil(100 / percent);
        let top: u64 = sorted[..k].iter().sum();
        if total == 0 {
            0.0
        } else {
            top as f64 / total as f64
        }
    };
    CostSummary {
        count: costs.len(),
        total,
        max: sorted.first().copied().unwrap_or(0),
        top1_share: share(1),
        top10_share: share(10),
    }
}

impl fmt::Display for CostSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "tasks: {}", self.count)?;
        writeln!(f, "total trial divisions: {}", self.total)?;
        writeln!(f, "max trial divisions: {}", self.max)?;
        writeln!(f, "work in heaviest 1%: {:.1}%", 100.0 * self.top1_share)?;
        write!(f, "work in heaviest 10%: {:.1}%", 100.0 * self.top10_share)
    }
}

/// Reads a user's number list: one decimal number per line; blank lines and
/// `#` comments (a whole line, or after the number) are ignored.
///
/// A bad line is an error naming the file, the line number, the text and what
/// is allowed.
///
/// ```
/// use std::io::Write;
/// let mut f = tempfile::NamedTempFile::new().unwrap();
/// writeln!(f, "# my numbers\n12\n\n97  # a prime\n").unwrap();
/// assert_eq!(workloads::numbers::read_numbers(f.path()).unwrap(), vec![12, 97]);
///
/// writeln!(f, "12x").unwrap();
/// let err = workloads::numbers::read_numbers(f.path()).unwrap_err().to_string();
/// assert!(err.contains(":6:") && err.contains("12x"), "{err}");
/// ```
pub fn read_numbers(path: &Path) -> Result<Vec<u64>, WorkloadError> {
    let text = std::fs::read_to_string(path).map_err(|source| WorkloadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut numbers = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let bad = |reason: &str| WorkloadError::BadLine {
            path: path.to_path_buf(),
            line: i + 1,
            text: content.to_string(),
            reason: reason.to_string(),
        };
        if !content.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("not a non-negative decimal integer"));
        }
        numbers.push(content.parse().map_err(|_| bad("too large for 64 bits"))?);
    }
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factor::factorize_fast;

    fn spec(count: usize) -> NumberSpec {
        NumberSpec {
            count,
            ..NumberSpec::default()
        }
    }

    #[test]
    fn same_seed_same_numbers_other_seed_different() {
        for g in [
            "uniform:40",
            "smooth:50",
            "primes:30",
            "semiprimes:40",
            "mixed",
        ] {
            let s = NumberSpec {
                generator: g.parse().unwrap(),
                count: 300,
                ..NumberSpec::default()
            };
            let other = NumberSpec {
                seed: 7,
                ..s.clone()
            };
            assert_eq!(generate(&s), generate(&s), "{g}");
            assert_ne!(generate(&s), generate(&other), "{g}");
        }
    }

    #[test]
    fn default_set_prefix_is_pinned() {
        // Guards the "identical numbers on every machine" promise: a change in
        // the generator shows up here, not silently in published results.
        let v = generate(&spec(20_000));
        assert_eq!(v.len(), 20_000);
        assert_eq!(
            v[..5],
            [
                216_978_286_630,
                199_965_453,
                5_873_057_567,
                9_056_507_585,
                1_176_987_013
            ]
        );
        assert_eq!(describe(&costs(&v)).total, 194_569_905);
    }

    #[test]
    fn generators_make_what_they_promise() {
        let make = |g: &str| {
            generate(&NumberSpec {
                generator: g.parse().unwrap(),
                count: 200,
                ..NumberSpec::default()
            })
        };
        for n in make("primes:36") {
            assert!(is_prime(n) && (3 << 34..1 << 36).contains(&n), "{n}");
        }
        for n in make("semiprimes:40") {
            let f = factorize_fast(n);
            assert_eq!(f.len(), 2, "{n}");
            assert!(f.iter().all(|p| (3 << 18..1 << 20).contains(p)), "{n}");
        }
        for n in make("smooth:50") {
            assert!(n < 1 << 50);
            assert!(factorize_fast(n).iter().all(|&p| p <= 97), "{n}");
        }
        for n in make("uniform:20") {
            assert!((1 << 19..1 << 20).contains(&n), "{n}");
        }
    }

    #[test]
    fn mixed_has_the_heavy_fraction_and_they_carry_the_work() {
        let s = spec(5_000);
        let numbers = generate(&s);
        let c = costs(&numbers);
        let heavy = c.iter().filter(|&&x| x > 100_000).count();
        assert_eq!(heavy, heavy_count(5_000, 0.02));
        let summary = describe(&c);
        let heavy_work: u64 = c.iter().filter(|&&x| x > 100_000).sum();
        // describe's top-1% is 50 tasks here; heavy numbers are 100 (2%).
        let top2: u64 = {
            let mut sorted = c.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            sorted[..heavy].iter().sum()
        };
        assert_eq!(top2, heavy_work);
        let share = heavy_work as f64 / summary.total as f64;
        assert!((0.93..0.97).contains(&share), "heavy share {share}");
    }

    #[test]
    fn describe_matches_a_direct_count() {
        let numbers = generate(&spec(2_000));
        let c = costs(&numbers);
        let s = describe(&c);
        let mut sorted = c.clone();
        sorted.sort_unstable();
        sorted.reverse();
        let total: u64 = c.iter().sum();
        assert_eq!(s.total, total);
        assert_eq!(s.max, sorted[0]);
        let top1 = sorted[..20].iter().sum::<u64>() as f64 / total as f64;
        let top10 = sorted[..200].iter().sum::<u64>() as f64 / total as f64;
        assert!((s.top1_share - top1).abs() < 1e-12);
        assert!((s.top10_share - top10).abs() < 1e-12);
        assert!(s.top1_share < s.top10_share && s.top10_share <= 1.0);
    }

    #[test]
    fn orders_are_permutations_with_the_promised_shape() {
        let base = generate(&spec(3_000));
        let k = heavy_count(3_000, 0.02);
        let mut sorted_base = base.clone();
        sorted_base.sort_unstable();
        for order in ORDERS.map(|(o, _)| o) {
            let v = generate(&NumberSpec {
                order,
                ..spec(3_000)
            });
            let mut s = v.clone();
            s.sort_unstable();
            assert_eq!(s, sorted_base, "{order} is not a permutation");
            let c = costs(&v);
            let min_heavy = {
                let mut d = c.clone();
                d.sort_unstable_by(|a, b| b.cmp(a));
                d[k - 1]
            };
            match order {
                Order::Shuffled => assert_eq!(v, base),
                Order::HeavyLast => {
                    assert!(c[..3_000 - k].iter().all(|&x| x < min_heavy));
                    assert!(c[3_000 - k..].iter().all(|&x| x >= min_heavy));
                }
                Order::HeavyFirst => {
                    assert!(c[..k].iter().all(|&x| x >= min_heavy));
                    assert!(c[k..].iter().all(|&x| x < min_heavy));
                }
                Order::AscendingCost => assert!(c.windows(2).all(|w| w[0] <= w[1])),
                Order::DescendingCost => assert!(c.windows(2).all(|w| w[0] >= w[1])),
            }
        }
    }

    #[test]
    fn bad_specs_are_named() {
        let e = "primes:7".parse::<Generator>().unwrap_err().to_string();
        assert!(e.contains("8..=64"), "{e}");
        let e = "prime".parse::<Generator>().unwrap_err().to_string();
        assert!(e.contains("\"prime\"") && e.contains("semiprimes"), "{e}");
        let e = "heavy".parse::<Order>().unwrap_err().to_string();
        assert!(
            e.contains("heavy-last") && e.contains("descending-cost"),
            "{e}"
        );
    }

    #[test]
    fn read_numbers_reports_file_line_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nums.txt");
        std::fs::write(&path, "1\n# c\n  \n18446744073709551615 # max\n").unwrap();
        assert_eq!(read_numbers(&path).unwrap(), vec![1, u64::MAX]);
        for (content, line, reason) in [
            ("1\n-5\n", 2, "not a non-negative"),
            ("1\n2\n18446744073709551616\n", 3, "too large"),
            ("0x10\n", 1, "not a non-negative"),
        ] {
            std::fs::write(&path, content).unwrap();
            let e = read_numbers(&path).unwrap_err().to_string();
            assert!(e.contains(&format!("nums.txt:{line}:")), "{e}");
            assert!(e.contains(reason) && e.contains("allowed"), "{e}");
        }
        let e = read_numbers(&dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }
}

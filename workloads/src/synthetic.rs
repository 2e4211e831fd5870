//! Synthetic tasks: a calibrated CPU spin whose durations follow a named
//! distribution, for experiments that need a known cost shape.
//!
//! A task spins on real arithmetic ([`spin`]: a dependent multiply–xorshift
//! chain the compiler cannot fold or vectorize) rather than sleeping, so it
//! occupies its core like real work. [`calibrate`] measures this machine's spin
//! rate once; durations are then turned into iteration counts.
//!
//! # Distribution syntax
//!
//! `NAME:KEY=VALUE,KEY=VALUE`, durations with a unit (`ns`, `us`, `ms`, `s`;
//! decimals allowed, e.g. `1.5ms`):
//!
//! | distribution | parameters | example |
//! |---|---|---|
//! | `fixed` | `time` | `fixed:time=10us` |
//! | `uniform` | `min`, `max` | `uniform:min=5us,max=50us` |
//! | `exponential` | `mean` | `exponential:mean=20us` |
//! | `bimodal` | `short`, `long`, `p_long` (probability of `long`, 0..=1) | `bimodal:short=10us,long=1ms,p_long=0.05` |
//! | `pareto` | `min`, `alpha` (> 0), optional `max` cap | `pareto:min=10us,alpha=1.5,max=10ms` |
//!
//! [`Distribution`]'s `Display` writes the same syntax back.

use std::fmt;
use std::hint::black_box;
use std::str::FromStr;
use std::time::Instant;

use crate::rng::SplitMix64;
use crate::WorkloadError;

/// A distribution of task durations, in nanoseconds. See the [module
/// docs](self) for the string syntax.
///
/// ```
/// use workloads::synthetic::Distribution;
/// let d: Distribution = "exponential:mean=20us".parse().unwrap();
/// assert_eq!(d, Distribution::Exponential { mean_ns: 20_000 });
/// assert_eq!(d.to_string(), "exponential:mean=20us");
/// let e = "exponential:avg=20us".parse::<Distribution>().unwrap_err().to_string();
/// assert!(e.contains("mean"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Every task takes `time_ns`.
    Fixed {
        /// The duration.
        time_ns: u64,
    },
    /// Uniform in `[min_ns, max_ns]`.
    Uniform {
        /// Shortest.
        min_ns: u64,
        /// Longest.
        max_ns: u64,
    },
    /// Exponential with mean `mean_ns`.
    Exponential {
        /// The mean.
        mean_ns: u64,
    },
    /// `long_ns` with probability `p_long`, else `short_ns`.
    Bimodal {
        /// The common duration.
        short_ns: u64,
        /// The rare duration.
        long_ns: u64,
        /// Probability of `long_ns`, in `[0, 1]`.
        p_long: f64,
    },
    /// Pareto (heavy tail) with scale `min_ns` and shape `alpha`, capped at
    /// `max_ns` when given. With `alpha <= 1` the mean is infinite: cap it.
    Pareto {
        /// The scale (smallest value).
        min_ns: u64,
        /// The shape; smaller is heavier-tailed.
        alpha: f64,
        /// Optional cap.
        max_ns: Option<u64>,
    },
}

const SYNTAX: &str = "allowed: fixed:time=T, uniform:min=T,max=T, exponential:mean=T, \
     bimodal:short=T,long=T,p_long=P, pareto:min=T,alpha=A[,max=T]; \
     T a duration with unit ns|us|ms|s (e.g. 20us, 1.5ms), P in 0..=1, A > 0";

/// Parses `20us`, `1.5ms`, `300ns`, `2s` into nanoseconds.
fn parse_duration(s: &str) -> Option<u64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(split);
    let scale = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    let v: f64 = num.parse().ok()?;
    let ns = (v * scale).round();
    (v.is_finite() && v >= 0.0 && ns < 1.8e19).then_some(ns as u64)
}

/// Writes nanoseconds in the largest unit that keeps them whole.
struct Dur(u64);

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (scale, unit) in [(1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us")] {
            if n != 0 && n % scale == 0 {
                return write!(f, "{}{unit}", n / scale);
            }
        }
        write!(f, "{n}ns")
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Distribution::Fixed { time_ns } => write!(f, "fixed:time={}", Dur(*time_ns)),
            Distribution::Uniform { min_ns, max_ns } => {
                write!(f, "uniform:min={},max={}", Dur(*min_ns), Dur(*max_ns))
            }
            Distribution::Exponential { mean_ns } => {
                write!(f, "exponential:mean={}", Dur(*mean_ns))
            }
            Distribution::Bimodal {
                short_ns,
                long_ns,
                p_long,
            } => write!(
                f,
                "bimodal:short={},long={},p_long={p_long}",
                Dur(*short_ns),
                Dur(*long_ns)
            ),
            Distribution::Pareto {
                min_ns,
                alpha,
                max_ns,
            } => {
                write!(f, "pareto:min={},alpha={alpha}", Dur(*min_ns))?;
                match max_ns {
                    Some(m) => write!(f, ",max={}", Dur(*m)),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A distribution string split into its name and `KEY=VALUE` parameters, with
/// the parameters checked against those the name allows.
struct Params<'a> {
    /// The whole string, quoted in errors.
    text: &'a str,
    /// The distribution's name (before the `:`).
    name: &'a str,
    /// The parameters in the order written; a repeated key's last value wins.
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    fn parse(text: &'a str) -> Result<Self, WorkloadError> {
        let (name, params) = text.split_once(':').unwrap_or((text, ""));
        let mut parsed = Params {
            text,
            name,
            pairs: Vec::new(),
        };
        for part in params.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| parsed.bad(&format!("`{part}` is not KEY=VALUE")))?;
            parsed.pairs.push((k.trim(), v.trim()));
        }
        let (required, optional): (&[&str], &[&str]) = match name {
            "fixed" => (&["time"], &[]),
            "uniform" => (&["min", "max"], &[]),
            "exponential" => (&["mean"], &[]),
            "bimodal" => (&["short", "long", "p_long"], &[]),
            "pareto" => (&["min", "alpha"], &["max"]),
            _ => return Err(parsed.bad(&format!("unknown distribution `{name}`"))),
        };
        for (k, _) in &parsed.pairs {
            if !required.contains(k) && !optional.contains(k) {
                return Err(parsed.bad(&format!("`{name}` has no parameter `{k}`")));
            }
        }
        Ok(parsed)
    }

    /// The error for this string: `why`, then the syntax.
    fn bad(&self, why: &str) -> WorkloadError {
        WorkloadError::bad_value(
            "task duration distribution",
            self.text,
            format!("{why}; {SYNTAX}"),
        )
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// The duration under `key`, if given.
    fn time(&self, key: &str) -> Result<Option<u64>, WorkloadError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_duration(v)
                .map(Some)
                .ok_or_else(|| self.bad(&format!("`{key}={v}` is not a duration"))),
        }
    }

    /// The duration under `key`, which must be given.
    fn need_time(&self, key: &str) -> Result<u64, WorkloadError> {
        self.time(key)?
            .ok_or_else(|| self.bad(&format!("`{}` needs `{key}`", self.name)))
    }

    /// The finite number under `key`, which must be given.
    fn need_f64(&self, key: &str) -> Result<f64, WorkloadError> {
        let v = self
            .get(key)
            .ok_or_else(|| self.bad(&format!("`{}` needs `{key}`", self.name)))?;
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.bad(&format!("`{key}={v}` is not a number")))
    }
}

impl FromStr for Distribution {
    type Err = WorkloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let p = Params::parse(s)?;
        let d = match p.name {
            "fixed" => Distribution::Fixed {
                time_ns: p.need_time("time")?,
            },
            "uniform" => {
                let (min_ns, max_ns) = (p.need_time("min")?, p.need_time("max")?);
                if min_ns > max_ns {
                    return Err(p.bad("min is larger than max"));
                }
                Distribution::Uniform { min_ns, max_ns }
            }
            "exponential" => Distribution::Exponential {
                mean_ns: p.need_time("mean")?,
            },
            "bimodal" => {
                let p_long = p.need_f64("p_long")?;
                if !(0.0..=1.0).contains(&p_long) {
                    return Err(p.bad("p_long must be in 0..=1"));
                }
                Distribution::Bimodal {
                    short_ns: p.need_time("short")?,
                    long_ns: p.need_time("long")?,
                    p_long,
                }
            }
            _ => {
                let alpha = p.need_f64("alpha")?;
                if alpha <= 0.0 {
                    return Err(p.bad("alpha must be > 0"));
                }
                let (min_ns, max_ns) = (p.need_time("min")?, p.time("max")?);
                if max_ns.is_some_and(|m| m < min_ns) {
                    return Err(p.bad("max is smaller than min"));
                }
                Distribution::Pareto {
                    min_ns,
                    alpha,
                    max_ns,
                }
            }
        };
        Ok(d)
    }
}

impl Distribution {
    /// One draw, in nanoseconds.
    fn sample(&self, rng: &mut SplitMix64) -> u64 {
        let to_ns = |x: f64| x.round().clamp(0.0, 1.8e19) as u64;
        match *self {
            Distribution::Fixed { time_ns } => time_ns,
            Distribution::Uniform { min_ns, max_ns } => rng.between(min_ns, max_ns),
            Distribution::Exponential { mean_ns } => {
                to_ns(-(mean_ns as f64) * (1.0 - rng.next_f64()).ln())
            }
            Distribution::Bimodal {
                short_ns,
                long_ns,
                p_long,
            } => {
                if rng.next_f64() < p_long {
                    long_ns
                } else {
                    short_ns
                }
            }
            Distribution::Pareto {
                min_ns,
                alpha,
                max_ns,
            } => {
                let x = to_ns(min_ns as f64 * (1.0 - rng.next_f64()).powf(-1.0 / alpha));
                max_ns.map_or(x, |m| x.min(m))
            }
        }
    }
}

/// `count` task durations in nanoseconds drawn from `dist`, deterministic for
/// a `seed`.
///
/// ```
/// use workloads::synthetic::durations_ns;
/// let d = durations_ns(&"uniform:min=1us,max=2us".parse().unwrap(), 1000, 9);
/// assert!(d.iter().all(|&ns| (1_000..=2_000).contains(&ns)));
/// assert_eq!(d, durations_ns(&"uniform:min=1us,max=2us".parse().unwrap(), 1000, 9));
/// ```
pub fn durations_ns(dist: &Distribution, count: usize, seed: u64) -> Vec<u64> {
    let mut rng = SplitMix64::new(seed);
    (0..count).map(|_| dist.sample(&mut rng)).collect()
}

/// Spins for `iterations` steps of a dependent multiply–xorshift chain and
/// returns its final value (so the work cannot be optimized away, and the
/// value can serve as a task result).
///
/// ```
/// use workloads::synthetic::spin;
/// assert_eq!(spin(1000), spin(1000));
/// assert_ne!(spin(1000), spin(1001));
/// ```
pub fn spin(iterations: u64) -> u64 {
    let mut x = black_box(0x2545_F491_4F6C_DD1D_u64);
    for _ in 0..black_box(iterations) {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1;
    }
    black_box(x)
}

/// Measures this machine's [`spin`] rate, in iterations per nanosecond.
///
/// Times spins of growing length until one takes at least 5 ms, then keeps the
/// fastest of five such runs (the one least disturbed by other processes).
/// Takes about 50 ms.
///
/// ```
/// let rate = workloads::synthetic::calibrate();
/// assert!(rate > 0.0 && rate.is_finite());
/// ```
pub fn calibrate() -> f64 {
    let time = |iterations: u64| {
        let start = Instant::now();
        black_box(spin(iterations));
        start.elapsed().as_nanos().max(1) as f64
    };
    let mut iterations = 1_000u64;
    while time(iterations) < 5e6 {
        iterations *= 2;
    }
    (0..5)
        .map(|_| iterations as f64 / time(iterations))
        .fold(0.0, f64::max)
}

/// The spin iterations that take `ns` nanoseconds at `iterations_per_ns`.
///
/// ```
/// assert_eq!(workloads::synthetic::iterations_for(1_000, 0.5), 500);
/// ```
pub fn iterations_for(ns: u64, iterations_per_ns: f64) -> u64 {
    (ns as f64 * iterations_per_ns).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_display_round_trip() {
        for s in [
            "fixed:time=10us",
            "uniform:min=5us,max=50us",
            "exponential:mean=20us",
            "bimodal:short=10us,long=1ms,p_long=0.05",
            "pareto:min=10us,alpha=1.5",
            "pareto:min=10us,alpha=1.5,max=10ms",
            "fixed:time=1500ns",
            "fixed:time=2s",
        ] {
            let d: Distribution = s.parse().unwrap();
            assert_eq!(d.to_string(), s);
            assert_eq!(d.to_string().parse::<Distribution>().unwrap(), d);
        }
        assert_eq!(
            "fixed:time=1.5ms".parse::<Distribution>().unwrap(),
            Distribution::Fixed { time_ns: 1_500_000 }
        );
    }

    #[test]
    fn bad_strings_say_what_is_allowed() {
        for (s, hint) in [
            ("gaussian:mean=1us", "unknown distribution"),
            ("fixed", "needs `time`"),
            ("fixed:time=10", "not a duration"),
            ("fixed:time=10parsecs", "not a duration"),
            ("uniform:min=5us,max=1us", "min is larger"),
            ("bimodal:short=1us,long=2us,p_long=2", "p_long"),
            ("pareto:min=1us,alpha=0", "alpha"),
            ("exponential:mean", "KEY=VALUE"),
            ("exponential:mean=1us,sd=2us", "no parameter `sd`"),
        ] {
            let e = s.parse::<Distribution>().unwrap_err().to_string();
            assert!(e.contains(hint) && e.contains("allowed"), "{s}: {e}");
        }
    }

    #[test]
    fn samples_have_the_right_shape() {
        let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64;
        let e = durations_ns(&"exponential:mean=20us".parse().unwrap(), 100_000, 1);
        assert!((mean(&e) - 20_000.0).abs() < 400.0, "{}", mean(&e));
        let b = durations_ns(
            &"bimodal:short=1us,long=1ms,p_long=0.1".parse().unwrap(),
            100_000,
            2,
        );
        let longs = b.iter().filter(|&&x| x == 1_000_000).count();
        assert!((9_000..11_000).contains(&longs), "{longs}");
        let p = durations_ns(
            &"pareto:min=10us,alpha=2,max=1ms".parse().unwrap(),
            100_000,
            3,
        );
        assert!(p.iter().all(|&x| (10_000..=1_000_000).contains(&x)));
        // alpha = 2: mean = 2·min (the cap barely matters).
        assert!((mean(&p) - 20_000.0).abs() < 1_000.0, "{}", mean(&p));
        assert!(durations_ns(&"fixed:time=7ns".parse().unwrap(), 10, 0)
            .iter()
            .all(|&x| x == 7));
    }
}

//! Statistics over repetitions: median and crossover.
//!
//! Benchmarks on a shared machine are noisy and repetitions are few (5–10), so the
//! report summarises a cell by its **median**; the interval of that median, and the
//! level it really has, come from order statistics ([`super::intervals`]).

/// The median of `xs` (mean of the two middle values for an even count); `None` if empty.
///
/// ```
/// use wsbench_report::stats::median;
/// assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
/// assert_eq!(median(&[]), None);
/// ```
pub fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Where a parallel strategy starts to beat serial in a sweep over problem size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossover {
    /// Parallel is faster at every size measured (the crossover lies below the smallest).
    Always,
    /// Parallel is faster from `size` on (and at every larger size measured), slower at `below`.
    /// `estimate` interpolates linearly where the time difference crosses zero between the two.
    At {
        /// The last size measured at which parallel was not faster.
        below: u64,
        /// The first size from which parallel is faster for good.
        size: u64,
        /// Linear interpolation of the zero crossing between `below` and `size`.
        estimate: f64,
    },
    /// Parallel is not faster at the largest size measured.
    Never,
}

/// Finds where parallel first beats serial *for good*: the smallest measured size
/// from which parallel is faster at every larger measured size.
///
/// `points` are `(size, serial_time, parallel_time)`, in any order; sizes must be
/// distinct. Returns `None` when there are no points.
///
/// ```
/// use wsbench_report::stats::{crossover, Crossover};
/// // slower, faster (a fluke), slower, faster, faster: "for good" starts at 400.
/// let pts = [(100, 1.0, 2.0), (200, 2.0, 1.9), (300, 3.0, 3.5), (400, 4.0, 3.0), (500, 5.0, 3.0)];
/// match crossover(&pts) {
///     Some(Crossover::At { below: 300, size: 400, estimate }) => assert!(estimate > 300.0 && estimate < 400.0),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn crossover(points: &[(u64, f64, f64)]) -> Option<Crossover> {
    if points.is_empty() {
        return None;
    }
    let mut pts = points.to_vec();
    pts.sort_by_key(|p| p.0);
    let faster = |p: &(u64, f64, f64)| p.2 < p.1;
    if !faster(pts.last().expect("non-empty")) {
        return Some(Crossover::Never);
    }
    // Walk back from the largest size while parallel stays faster.
    let mut first = pts.len() - 1;
    while first > 0 && faster(&pts[first - 1]) {
        first -= 1;
    }
    if first == 0 {
        return Some(Crossover::Always);
    }
    let (s0, serial0, par0) = pts[first - 1];
    let (s1, serial1, par1) = pts[first];
    // difference d = parallel - serial: d0 >= 0, d1 < 0; zero where the line crosses.
    let d0 = par0 - serial0;
    let d1 = par1 - serial1;
    let t = if d0 - d1 > 0.0 { d0 / (d0 - d1) } else { 1.0 };
    let estimate = s0 as f64 + t * (s1 - s0) as f64;
    Some(Crossover::At {
        below: s0,
        size: s1,
        estimate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_unsorted() {
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&[1.0, 2.0, 10.0, 20.0]), Some(6.0));
    }

    #[test]
    fn crossover_cases() {
        assert_eq!(crossover(&[]), None);
        // Parallel never faster.
        let never = [(100, 1.0, 2.0), (200, 2.0, 2.5)];
        assert_eq!(crossover(&never), Some(Crossover::Never));
        // Faster in the middle but not at the largest size: not "for good".
        let fluke = [(100, 1.0, 2.0), (200, 2.0, 1.0), (300, 3.0, 3.1)];
        assert_eq!(crossover(&fluke), Some(Crossover::Never));
        // Always faster.
        let always = [(100, 2.0, 1.0), (200, 4.0, 2.0)];
        assert_eq!(crossover(&always), Some(Crossover::Always));
        // Ties count as not faster.
        let tie = [(100, 1.0, 1.0), (200, 2.0, 1.0)];
        assert!(matches!(
            crossover(&tie),
            Some(Crossover::At {
                below: 100,
                size: 200,
                ..
            })
        ));
        // Interpolation: d = +1 at 1000, -1 at 1200 → 1100; input order irrelevant.
        let pts = [(1200, 10.0, 9.0), (1000, 8.0, 9.0), (800, 6.0, 8.0)];
        match crossover(&pts) {
            Some(Crossover::At {
                below,
                size,
                estimate,
            }) => {
                assert_eq!((below, size), (1000, 1200));
                assert!((estimate - 1100.0).abs() < 1e-9, "{estimate}");
            }
            other => panic!("{other:?}"),
        }
    }
}

//! Fibonacci by doubly recursive calls: `fib(n) = fib(n−1) + fib(n−2)`, joining the two
//! calls at every call with `n > cutoff` (cutoff 0: at every call that recurses), plain
//! recursion at or below it. Almost no work per call: a measure of a join's cost.

use super::join::Join;

/// The largest `n` (fib(50) makes 4·10^10 calls: hours).
pub const MAX_N: u64 = 50;

/// `fib(n)` with joins above `cutoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fib {
    /// The argument.
    pub n: u64,
    /// Calls with `n ≤ cutoff` recurse without joining.
    pub cutoff: u64,
}

/// `fib(n)` by plain double recursion.
///
/// ```
/// use workloads::recursive::fib::fib;
/// assert_eq!((0..10).map(fib).collect::<Vec<_>>(), [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
/// ```
pub fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn fib_join<J: Join>(n: u64, cutoff: u64, j: &mut J) -> u64 {
    if n < 2 {
        return n;
    }
    if n <= cutoff {
        return fib(n);
    }
    let (a, b) = j.join(
        |j| fib_join(n - 1, cutoff, j),
        |j| fib_join(n - 2, cutoff, j),
    );
    a + b
}

impl Fib {
    /// The number of calls the recursion makes: 2·fib(n+1) − 1.
    ///
    /// ```
    /// use workloads::recursive::fib::Fib;
    /// assert_eq!(Fib { n: 3, cutoff: 0 }.nodes(), 5); // fib 3, 2, 1, 0, 1
    /// ```
    pub fn nodes(&self) -> u64 {
        // fib(n+1) iteratively: fast for any n ≤ MAX_N.
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..=self.n {
            (a, b) = (b, a + b);
        }
        2 * a - 1
    }

    /// `fib(n)`, serially.
    pub fn serial(&self) -> u64 {
        fib(self.n)
    }

    /// `fib(n)`, joining above the cutoff.
    pub fn parallel<J: Join>(&self, j: &mut J) -> u64 {
        fib_join(self.n, self.cutoff, j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recursive::join::Serial;

    #[test]
    fn every_cutoff_gives_fib() {
        for cutoff in [0, 1, 5, 20] {
            assert_eq!(Fib { n: 20, cutoff }.parallel(&mut Serial), 6765);
        }
        assert_eq!(Fib { n: 20, cutoff: 0 }.serial(), 6765);
        assert_eq!(Fib { n: 0, cutoff: 0 }.nodes(), 1);
        assert_eq!(Fib { n: 1, cutoff: 0 }.nodes(), 1);
        assert_eq!(Fib { n: 20, cutoff: 0 }.nodes(), 2 * 10946 - 1);
    }
}

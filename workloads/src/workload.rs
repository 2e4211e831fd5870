//! The one face every workload shows the runner and the benches.
//!
//! A [`Workload`] is `len()` independent tasks, addressed by index. Running task
//! `i` returns a digest of its result; the run's checksum is the wrapping sum of
//! [`task_digest`]`(i, result)` (see [`crate::checksum`]), so a parallel run —
//! whatever the order and whichever worker ran what — must produce the same
//! checksum as [`serial_checksum`]. `predicted_cost` gives each task's work in
//! the workload's own unit, counted rather than timed, for lower bounds and
//! cost-aware orders.

use crate::checksum::{digest_values, task_digest};
use crate::factor::{fast_steps, trial_divisions, Method};
use crate::factorial::{factorial_cost, factorial_digest};
use crate::synthetic::{calibrate, iterations_for, spin};

/// Independent tasks `0..len()`, each runnable from any thread, any number of
/// times, always with the same result.
pub trait Workload: Send + Sync {
    /// The number of tasks.
    fn len(&self) -> usize;

    /// Whether there are no tasks.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Does task `index` and returns a digest of its result.
    fn run(&self, index: usize) -> u64;

    /// The work of task `index` in this workload's unit (see each type).
    fn predicted_cost(&self, index: usize) -> u64;

    /// The workload's size as results record it: the task count, or a recursive
    /// workload's node count.
    fn size(&self) -> usize {
        self.len()
    }

    /// The fork-join computation behind this workload, if it is one: fork-join strategies
    /// run its parallel body instead of its one task (see [`crate::recursive`]).
    fn recursive(&self) -> Option<&crate::recursive::Recursive> {
        None
    }
}

/// The checksum of running every task of `w` once, in order, on this thread:
/// the reference a parallel run's checksum must equal.
///
/// ```
/// use workloads::workload::{serial_checksum, Factorize, Workload};
/// use workloads::factor::Method;
/// use workloads::checksum::task_digest;
/// let w = Factorize::new(vec![12, 35, 97], Method::Naive);
/// // Any order, summed with wrapping adds, gives the same checksum.
/// let reversed = (0..w.len()).rev()
///     .fold(0u64, |sum, i| sum.wrapping_add(task_digest(i, w.run(i))));
/// assert_eq!(serial_checksum(&w), reversed);
/// // The two factorizers find the same factors, hence the same checksum.
/// assert_eq!(serial_checksum(&w), serial_checksum(&Factorize::new(vec![12, 35, 97], Method::Fast)));
/// ```
pub fn serial_checksum(w: &dyn Workload) -> u64 {
    (0..w.len()).fold(0u64, |sum, i| sum.wrapping_add(task_digest(i, w.run(i))))
}

/// Factorize each number of a list: the first seed post's workload.
///
/// Task `i` factorizes `numbers[i]` and returns [`digest_values`] of its prime
/// factors. Predicted cost, counted: [`trial_divisions`] for [`Method::Naive`],
/// [`fast_steps`] for [`Method::Fast`] (a much flatter cost profile).
///
/// ```
/// use workloads::workload::{Factorize, Workload};
/// use workloads::factor::Method;
/// let w = Factorize::new(vec![8, 7], Method::Naive);
/// assert_eq!(w.len(), 2);
/// assert_eq!(w.predicted_cost(0), 3);
/// ```
#[derive(Debug, Clone)]
pub struct Factorize {
    numbers: Vec<u64>,
    method: Method,
    costs: Vec<u64>,
}

impl Factorize {
    /// The workload over `numbers`, with `method`. Computes every task's
    /// predicted cost up front (microseconds per number).
    pub fn new(numbers: Vec<u64>, method: Method) -> Self {
        let costs = numbers
            .iter()
            .map(|&n| match method {
                Method::Naive => trial_divisions(n),
                Method::Fast => fast_steps(n),
            })
            .collect();
        Factorize {
            numbers,
            method,
            costs,
        }
    }

    /// The numbers, in task order.
    pub fn numbers(&self) -> &[u64] {
        &self.numbers
    }

    /// The factorization method.
    pub fn method(&self) -> Method {
        self.method
    }
}

impl Workload for Factorize {
    fn len(&self) -> usize {
        self.numbers.len()
    }
    fn run(&self, index: usize) -> u64 {
        digest_values(&self.method.factorize(self.numbers[index]))
    }
    fn predicted_cost(&self, index: usize) -> u64 {
        self.costs[index]
    }
}

/// Factorials `1!, 2!, …, n!`: the second seed post's workload.
///
/// Task `i` computes `(i+1)!` and returns [`factorial_digest`]. Predicted cost:
/// [`factorial_cost`], in word multiplications (grows about quadratically).
///
/// ```
/// use workloads::workload::{Factorial, Workload};
/// let w = Factorial::new(100);
/// assert_eq!(w.len(), 100);
/// assert_eq!(w.run(4), workloads::factorial::factorial_digest(5));
/// assert!(w.predicted_cost(99) > w.predicted_cost(9));
/// ```
#[derive(Debug, Clone)]
pub struct Factorial {
    costs: Vec<u64>,
}

impl Factorial {
    /// Tasks `1..=n`.
    pub fn new(n: u64) -> Self {
        // Running sums of the per-step cost, so all n costs take O(n).
        let mut log2_fact = 0.0f64;
        let mut cost = 0u64;
        let mut costs = Vec::with_capacity(n as usize);
        for i in 1..=n {
            if i >= 2 {
                log2_fact += ((i - 1) as f64).log2();
                cost += ((log2_fact / 64.0).ceil() as u64).max(1);
            }
            costs.push(cost);
        }
        debug_assert!(n == 0 || costs[n as usize - 1] == factorial_cost(n));
        Factorial { costs }
    }
}

impl Workload for Factorial {
    fn len(&self) -> usize {
        self.costs.len()
    }
    fn run(&self, index: usize) -> u64 {
        factorial_digest(index as u64 + 1)
    }
    fn predicted_cost(&self, index: usize) -> u64 {
        self.costs[index]
    }
}

/// Calibrated CPU spins of given durations.
///
/// Task `i` spins for about `durations_ns[i]` and returns the spin's final
/// value. Predicted cost: the duration, in nanoseconds. The iteration counts
/// are fixed when the workload is built, so every run of one instance gives
/// the same results (but another machine's calibration gives other values).
///
/// ```
/// use workloads::workload::{serial_checksum, Synthetic, Workload};
/// let w = Synthetic::with_rate(vec![1_000, 2_000], 1.0);
/// assert_eq!(w.predicted_cost(1), 2_000);
/// assert_eq!(serial_checksum(&w), serial_checksum(&w));
/// ```
#[derive(Debug, Clone)]
pub struct Synthetic {
    durations_ns: Vec<u64>,
    iterations: Vec<u64>,
    iterations_per_ns: f64,
    /// Sleep for the durations instead of spinning.
    sleep: bool,
}

impl Synthetic {
    /// Tasks that *sleep* for the given durations (no CPU used: what a scheduler decides
    /// without CPU contention, also with more workers than CPUs). A task's result is its
    /// duration.
    ///
    /// ```
    /// use workloads::workload::{Synthetic, Workload};
    /// let w = Synthetic::sleeping(vec![1_000, 2_000]);
    /// assert_eq!(w.run(1), 2_000);
    /// assert_eq!(w.predicted_cost(1), 2_000);
    /// ```
    pub fn sleeping(durations_ns: Vec<u64>) -> Self {
        Synthetic {
            sleep: true,
            ..Self::with_rate(durations_ns, 1.0)
        }
    }

    /// Tasks of the given durations, calibrated on this machine now ([`calibrate`]).
    pub fn new(durations_ns: Vec<u64>) -> Self {
        Self::with_rate(durations_ns, calibrate())
    }

    /// Tasks of the given durations at a known spin rate (iterations per ns).
    pub fn with_rate(durations_ns: Vec<u64>, iterations_per_ns: f64) -> Self {
        let iterations = durations_ns
            .iter()
            .map(|&ns| iterations_for(ns, iterations_per_ns))
            .collect();
        Synthetic {
            durations_ns,
            iterations,
            iterations_per_ns,
            sleep: false,
        }
    }

    /// The spin rate used, in iterations per nanosecond.
    pub fn iterations_per_ns(&self) -> f64 {
        self.iterations_per_ns
    }
}

impl Workload for Synthetic {
    fn len(&self) -> usize {
        self.durations_ns.len()
    }
    fn run(&self, index: usize) -> u64 {
        if self.sleep {
            let ns = self.durations_ns[index];
            std::thread::sleep(std::time::Duration::from_nanos(ns));
            return ns;
        }
        spin(self.iterations[index])
    }
    fn predicted_cost(&self, index: usize) -> u64 {
        self.durations_ns[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbers::{generate, NumberSpec};

    #[test]
    fn checksums_agree_across_methods_and_orders() {
        let numbers = generate(&NumberSpec {
            count: 300,
            ..NumberSpec::default()
        });
        let naive = Factorize::new(numbers.clone(), Method::Naive);
        let fast = Factorize::new(numbers, Method::Fast);
        assert_eq!(serial_checksum(&naive), serial_checksum(&fast));
        let strided: u64 = (0..2)
            .map(|start| {
                (start..fast.len())
                    .step_by(2)
                    .fold(0u64, |s, i| s.wrapping_add(task_digest(i, fast.run(i))))
            })
            .fold(0, u64::wrapping_add);
        assert_eq!(strided, serial_checksum(&fast));
    }

    #[test]
    fn a_task_run_twice_changes_the_checksum() {
        let w = Factorial::new(50);
        let good = serial_checksum(&w);
        let twice = good.wrapping_add(task_digest(7, w.run(7)));
        assert_ne!(good, twice);
    }

    #[test]
    fn factorial_costs_match_the_function() {
        let w = Factorial::new(300);
        for i in [0usize, 1, 2, 10, 299] {
            assert_eq!(w.predicted_cost(i), factorial_cost(i as u64 + 1));
        }
    }

    #[test]
    fn workloads_are_object_safe() {
        let ws: Vec<Box<dyn Workload>> = vec![
            Box::new(Factorize::new(vec![6], Method::Fast)),
            Box::new(Factorial::new(1)),
            Box::new(Synthetic::with_rate(vec![10], 1.0)),
        ];
        assert!(ws.iter().all(|w| w.len() == 1 && !w.is_empty()));
    }
}

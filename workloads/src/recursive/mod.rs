//! Recursive fork-join workloads: one computation that forks at every level, rather than
//! `n` independent tasks.
//!
//! * [`tree_sum`] — sum a binary tree of boxed nodes (complete, or skewed);
//! * [`fib`] — doubly recursive Fibonacci, joining above a cutoff;
//! * [`nqueens`] — count n-queens solutions, joining over each row's free columns;
//! * [`uts`] — Unbalanced Tree Search with UTS's SHA-1 splittable generator.
//!
//! Each has a serial implementation and a parallel body generic over [`join::Join`], so
//! the same code runs on every runtime (and on [`join::Serial`], as a check). A
//! [`Recursive`] holds one of them, built; as a [`Workload`] it is **one task**, the whole
//! computation run serially, so that the runner's serial baseline and checksum apply to it
//! unchanged, while fork-join strategies run [`Recursive::parallel`] instead (the runner
//! asks [`Workload::recursive`]). Its [`Workload::size`] is its node count: the unit of
//! ns-per-node figures.

pub mod fib;
pub mod join;
pub mod nqueens;
pub mod tree_sum;
pub mod uts;

use crate::checksum::digest_values;
use crate::workload::Workload;
use join::Join;

/// A built recursive workload.
#[derive(Debug)]
pub enum Recursive {
    /// [`tree_sum::TreeSum`]: the digest is the sum.
    TreeSum(tree_sum::TreeSum),
    /// [`fib::Fib`]: the digest is fib(n).
    Fib(fib::Fib),
    /// [`nqueens::NQueens`]: the digest is of (solutions, search nodes).
    NQueens(nqueens::NQueens),
    /// [`uts::Uts`]: the digest is of (nodes, leaves, depth).
    Uts(uts::Uts),
}

impl Recursive {
    /// The number of nodes (tree nodes, fib calls, n-queens partial placements, UTS tree
    /// nodes): the unit of per-node figures.
    pub fn nodes(&self) -> u64 {
        match self {
            Recursive::TreeSum(t) => t.nodes(),
            Recursive::Fib(f) => f.nodes(),
            Recursive::NQueens(q) => q.nodes(),
            Recursive::Uts(u) => u.counts().nodes,
        }
    }

    /// The result's digest, computed serially.
    pub fn serial(&self) -> u64 {
        match self {
            Recursive::TreeSum(t) => t.serial(),
            Recursive::Fib(f) => f.serial(),
            Recursive::NQueens(q) => {
                let (s, n) = q.serial();
                digest_values(&[s, n])
            }
            Recursive::Uts(u) => uts_digest(u.serial()),
        }
    }

    /// The result's digest, computed by the parallel body on `j`: equal to
    /// [`Recursive::serial`] on every correct runtime.
    ///
    /// ```
    /// use workloads::recursive::{join::Serial, fib::Fib, Recursive};
    /// let r = Recursive::Fib(Fib { n: 15, cutoff: 0 });
    /// assert_eq!(r.parallel(&mut Serial), r.serial());
    /// ```
    pub fn parallel<J: Join>(&self, j: &mut J) -> u64 {
        match self {
            Recursive::TreeSum(t) => t.parallel(j),
            Recursive::Fib(f) => f.parallel(j),
            Recursive::NQueens(q) => {
                let (s, n) = q.parallel(j);
                digest_values(&[s, n])
            }
            Recursive::Uts(u) => uts_digest(u.parallel(j)),
        }
    }
}

fn uts_digest(c: uts::Counts) -> u64 {
    digest_values(&[c.nodes, c.leaves, c.depth])
}

/// One task: the whole computation, serially (see the module documentation).
impl Workload for Recursive {
    fn len(&self) -> usize {
        1
    }
    fn run(&self, index: usize) -> u64 {
        assert_eq!(index, 0, "a recursive workload is one task");
        self.serial()
    }
    /// The node count.
    fn predicted_cost(&self, _index: usize) -> u64 {
        self.nodes()
    }
    fn size(&self) -> usize {
        self.nodes() as usize
    }
    fn recursive(&self) -> Option<&Recursive> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::join::{Rayon, Serial};
    use super::*;
    use crate::workload::serial_checksum;

    fn all() -> Vec<Recursive> {
        vec![
            Recursive::TreeSum(tree_sum::TreeSum::new(tree_sum::Shape::Complete {
                depth: 12,
            })),
            Recursive::TreeSum(tree_sum::TreeSum::new(tree_sum::Shape::Skewed {
                depth: 6,
                spine: 300,
            })),
            Recursive::Fib(fib::Fib { n: 22, cutoff: 0 }),
            Recursive::Fib(fib::Fib { n: 22, cutoff: 10 }),
            Recursive::NQueens(nqueens::NQueens::new(8)),
            Recursive::Uts(uts::Uts::new(uts::SAMPLES[0].params)),
        ]
    }

    #[test]
    fn every_runtime_computes_the_serial_result_at_two_workers() {
        let rayon = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let chili = chili::ThreadPool::with_config(chili::Config {
            thread_count: std::num::NonZeroUsize::new(2),
            ..chili::Config::default()
        });
        for r in all() {
            let expected = r.serial();
            assert_eq!(r.parallel(&mut Serial), expected, "{r:?}");
            assert_eq!(rayon.install(|| r.parallel(&mut Rayon)), expected);
            assert_eq!(r.parallel(&mut chili.scope()), expected);
            // As a workload: one task whose checksum is the serial result's.
            assert_eq!(r.len(), 1);
            assert_eq!(r.size() as u64, r.nodes());
            assert_eq!(
                serial_checksum(&r),
                crate::checksum::task_digest(0, expected)
            );
        }
    }
}

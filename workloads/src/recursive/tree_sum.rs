//! Tree sum: add up the values of a binary tree of boxed nodes, joining at every node
//! (the spice/chili benchmark).
//!
//! Two shapes ([`Shape`]):
//!
//! * **complete** of depth `d`: every node on levels 1..d−1 has two children, the nodes
//!   on level `d` none: 2^d − 1 nodes (depth 10: 1,023; depth 20: 1,048,575).
//! * **skewed** with branch depth `b` and spine `s`: a path of `s` spine nodes, each
//!   spine node's left child the next spine node (the last one has no left child) and
//!   its right child the root of a complete tree of depth `b`. s · 2^b nodes, depth s + b;
//!   the root's left subtree has depth s − 1 + b, its right subtree only b: one side is
//!   far deeper, and the work hangs off the spine in equal pieces, one level apart.
//!
//! Node values are SplitMix64-mixed construction indices, so the sum (wrapping) is a real
//! checksum: a subtree lost or counted twice changes it. Every node joins its two
//! subtrees, leaves included (two empty halves), as the benchmark does.

use super::join::Join;
use crate::checksum::mix64;

/// The largest complete depth or branch depth (2^24 − 1 nodes, about 0.5 GiB).
pub const MAX_DEPTH: u32 = 24;
/// The longest spine of a skewed tree (its recursion runs this deep on every runtime's
/// default thread stack).
pub const MAX_SPINE: u32 = 4096;

/// The shape of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Complete binary tree of this depth (1..=[`MAX_DEPTH`]).
    Complete {
        /// Levels.
        depth: u32,
    },
    /// A left spine of `spine` nodes, each with a complete tree of depth `depth` on its
    /// right (see the module documentation).
    Skewed {
        /// Depth of each complete branch (1..=[`MAX_DEPTH`]).
        depth: u32,
        /// Spine nodes (1..=[`MAX_SPINE`]).
        spine: u32,
    },
}

impl Shape {
    /// The number of nodes of a tree of this shape.
    ///
    /// ```
    /// use workloads::recursive::tree_sum::Shape;
    /// assert_eq!(Shape::Complete { depth: 10 }.nodes(), 1023);
    /// assert_eq!(Shape::Skewed { depth: 10, spine: 4 }.nodes(), 4 * 1024);
    /// ```
    pub fn nodes(self) -> u64 {
        match self {
            Shape::Complete { depth } => (1u64 << depth) - 1,
            Shape::Skewed { depth, spine } => u64::from(spine) << depth,
        }
    }
}

/// One node.
#[derive(Debug)]
pub struct Node {
    value: u64,
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

/// A built tree and its shape.
#[derive(Debug)]
pub struct TreeSum {
    shape: Shape,
    root: Box<Node>,
}

/// Builds a complete tree of `depth` levels, numbering nodes from `*next`.
fn complete(depth: u32, next: &mut u64) -> Box<Node> {
    *next += 1;
    let value = mix64(*next);
    let (left, right) = if depth > 1 {
        (
            Some(complete(depth - 1, next)),
            Some(complete(depth - 1, next)),
        )
    } else {
        (None, None)
    };
    Box::new(Node { value, left, right })
}

impl TreeSum {
    /// Builds the tree. Panics on a depth or spine out of range (the config checks them).
    pub fn new(shape: Shape) -> TreeSum {
        let mut next = 0u64;
        let root = match shape {
            Shape::Complete { depth } => {
                assert!((1..=MAX_DEPTH).contains(&depth), "depth {depth}");
                complete(depth, &mut next)
            }
            Shape::Skewed { depth, spine } => {
                assert!((1..=MAX_DEPTH).contains(&depth), "depth {depth}");
                assert!((1..=MAX_SPINE).contains(&spine), "spine {spine}");
                // Bottom-up, so that building needs no deep recursion.
                let mut below: Option<Box<Node>> = None;
                for _ in 0..spine {
                    next += 1;
                    let value = mix64(next);
                    let right = Some(complete(depth, &mut next));
                    below = Some(Box::new(Node {
                        value,
                        left: below,
                        right,
                    }));
                }
                below.expect("spine >= 1")
            }
        };
        TreeSum { shape, root }
    }

    /// The tree's shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The number of nodes.
    pub fn nodes(&self) -> u64 {
        self.shape.nodes()
    }

    /// The wrapping sum of every node's value, by plain recursion.
    pub fn serial(&self) -> u64 {
        sum_serial(&self.root)
    }

    /// The same sum, joining the two subtrees at every node.
    pub fn parallel<J: Join>(&self, j: &mut J) -> u64 {
        sum_parallel(&self.root, j)
    }
}

impl Drop for TreeSum {
    /// Unlinks the left spine iteratively, so that dropping a skewed tree does not recurse
    /// once per spine node.
    fn drop(&mut self) {
        let mut next = self.root.left.take();
        while let Some(mut node) = next {
            next = node.left.take();
        }
    }
}

fn sum_serial(n: &Node) -> u64 {
    let l = n.left.as_deref().map_or(0, sum_serial);
    let r = n.right.as_deref().map_or(0, sum_serial);
    n.value.wrapping_add(l).wrapping_add(r)
}

fn sum_parallel<J: Join>(n: &Node, j: &mut J) -> u64 {
    let (l, r) = j.join(
        |j| n.left.as_deref().map_or(0, |c| sum_parallel(c, j)),
        |j| n.right.as_deref().map_or(0, |c| sum_parallel(c, j)),
    );
    n.value.wrapping_add(l).wrapping_add(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recursive::join::Serial;

    fn count(n: &Node) -> u64 {
        1 + n.left.as_deref().map_or(0, count) + n.right.as_deref().map_or(0, count)
    }

    fn depth(n: &Node) -> u32 {
        1 + n
            .left
            .as_deref()
            .map_or(0, depth)
            .max(n.right.as_deref().map_or(0, depth))
    }

    #[test]
    fn shapes_have_the_documented_node_counts_and_depths() {
        for d in [1, 2, 10, 12] {
            let t = TreeSum::new(Shape::Complete { depth: d });
            assert_eq!(count(&t.root), (1 << d) - 1);
            assert_eq!(count(&t.root), t.nodes());
            assert_eq!(depth(&t.root), d);
        }
        let t = TreeSum::new(Shape::Skewed { depth: 3, spine: 5 });
        assert_eq!(count(&t.root), 5 * 8);
        assert_eq!(t.nodes(), 40);
        assert_eq!(depth(&t.root), 5 + 3);
        assert_eq!(depth(t.root.left.as_deref().unwrap()), 5 - 1 + 3);
        assert_eq!(depth(t.root.right.as_deref().unwrap()), 3);
    }

    #[test]
    fn parallel_body_gives_the_serial_sum_and_the_sum_sees_every_node() {
        let t = TreeSum::new(Shape::Skewed { depth: 4, spine: 7 });
        assert_eq!(t.parallel(&mut Serial), t.serial());
        let expected = (1..=t.nodes()).fold(0u64, |s, i| s.wrapping_add(mix64(i)));
        assert_eq!(t.serial(), expected);
    }
}

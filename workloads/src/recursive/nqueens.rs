//! N-queens: count the ways to place `n` non-attacking queens on an n×n board, one row
//! at a time, with bitmasks of the attacked columns and diagonals.
//!
//! The parallel body joins over the free squares of each row: the set of free columns
//! is halved (by count) until one column is left, and each half is searched in its own
//! branch. A search node is one partial placement (the empty board is the first); the
//! serial search visits the same nodes.

use super::join::Join;

/// The largest `n` (n = 16 has 14,772,512 solutions and takes minutes).
pub const MAX_N: u32 = 16;

/// An n-queens count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NQueens {
    n: u32,
    /// (solutions, search nodes), from a serial search at construction.
    counted: (u64, u64),
}

/// The board as the search sees it: which columns and diagonals are attacked.
#[derive(Debug, Clone, Copy)]
struct Board {
    all: u64,
    cols: u64,
    left: u64,
    right: u64,
}

impl Board {
    fn empty(n: u32) -> Board {
        Board {
            all: (1u64 << n) - 1,
            cols: 0,
            left: 0,
            right: 0,
        }
    }

    fn free(self) -> u64 {
        self.all & !(self.cols | self.left | self.right)
    }

    /// The board after a queen on column `bit` of this row, seen from the next row.
    fn place(self, bit: u64) -> Board {
        Board {
            all: self.all,
            cols: self.cols | bit,
            left: ((self.left | bit) << 1) & self.all,
            right: (self.right | bit) >> 1,
        }
    }
}

/// (solutions, nodes) below `b`, serially.
fn serial(b: Board) -> (u64, u64) {
    if b.cols == b.all {
        return (1, 1);
    }
    let (mut sols, mut nodes) = (0, 1);
    let mut free = b.free();
    while free != 0 {
        let bit = free & free.wrapping_neg();
        free ^= bit;
        let (s, n) = serial(b.place(bit));
        sols += s;
        nodes += n;
    }
    (sols, nodes)
}

fn node<J: Join>(b: Board, j: &mut J) -> (u64, u64) {
    if b.cols == b.all {
        return (1, 1);
    }
    let (s, n) = columns(b, b.free(), j);
    (s, n + 1)
}

/// (solutions, nodes) of placing this row's queen on each column of `free`.
fn columns<J: Join>(b: Board, free: u64, j: &mut J) -> (u64, u64) {
    let count = free.count_ones();
    match count {
        0 => (0, 0),
        1 => node(b.place(free), j),
        _ => {
            let mut low = 0u64;
            let mut rest = free;
            for _ in 0..count / 2 {
                let bit = rest & rest.wrapping_neg();
                low |= bit;
                rest ^= bit;
            }
            let ((s1, n1), (s2, n2)) = j.join(|j| columns(b, low, j), |j| columns(b, rest, j));
            (s1 + s2, n1 + n2)
        }
    }
}

impl NQueens {
    /// The problem for `n` (1..=[`MAX_N`]); counts it serially once, for
    /// [`NQueens::nodes`].
    pub fn new(n: u32) -> NQueens {
        assert!((1..=MAX_N).contains(&n), "n = {n}");
        NQueens {
            n,
            counted: serial(Board::empty(n)),
        }
    }

    /// The board size.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// The number of search nodes (partial placements, the empty board included).
    pub fn nodes(&self) -> u64 {
        self.counted.1
    }

    /// (solutions, nodes), serially.
    pub fn serial(&self) -> (u64, u64) {
        serial(Board::empty(self.n))
    }

    /// (solutions, nodes), joining over each row's free columns.
    pub fn parallel<J: Join>(&self, j: &mut J) -> (u64, u64) {
        node(Board::empty(self.n), j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recursive::join::Serial;

    /// OEIS A000170.
    const SOLUTIONS: [u64; 12] = [1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200];

    #[test]
    fn known_solution_counts() {
        for (i, &expected) in SOLUTIONS.iter().enumerate() {
            let q = NQueens::new(i as u32 + 1);
            assert_eq!(q.serial().0, expected, "n = {}", i + 1);
            assert_eq!(q.parallel(&mut Serial), q.serial(), "n = {}", i + 1);
        }
        // n = 4: the empty board, 4 + 6 + 4 + 2 partial placements... counted by hand:
        // row 1: 4; row 2: 6; row 3: 4 (only 2 lead on); row 4: 2 solutions.
        assert_eq!(NQueens::new(4).nodes(), 1 + 4 + 6 + 4 + 2);
    }
}

//! Our pool's steals during a traced run: one buffer per thief, filled by the pool's
//! steal hook (`PoolBuilder::on_steal`), which runs on the thief's own thread.
//!
//! Each buffer has exactly one writer (the thief), so a steal is a clock reading, two
//! relaxed stores into slots allocated when the pool was built, and a release store of
//! the length: no lock, no allocation, no shared cache line between thieves. The reader
//! runs after the pool call returned (the call's latch orders every steal before it) and
//! before the next one; [`StealLog::reset`] runs before the timed region. A thief whose
//! buffer is full only counts further steals ([`ThiefSteals::total`]), so the log says
//! how far it is complete.

use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use super::super::record::TaskClock;

/// Steals kept per thief per run (12 bytes each); later ones are only counted.
pub const MAX_STEALS_PER_WORKER: usize = 65_536;

/// One thief's steals.
struct Buffer {
    at: Box<[AtomicU64]>,
    victim: Box<[AtomicU32]>,
    len: AtomicUsize,
    total: AtomicU64,
}

/// Per-thief steal buffers of one pool, with the task clock they read.
pub struct StealLog {
    clock: TaskClock,
    thieves: Box<[CachePadded<Buffer>]>,
}

/// What one thief's buffer held after a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThiefSteals {
    /// `(raw clock reading, victim)` of the steals kept, in order.
    pub kept: Vec<(u64, usize)>,
    /// Every steal of the run, kept or not.
    pub total: u64,
}

impl StealLog {
    /// Buffers for `workers` thieves of [`MAX_STEALS_PER_WORKER`] steals each, reading `clock`.
    pub fn new(workers: usize, clock: TaskClock) -> StealLog {
        StealLog::with_capacity(workers, MAX_STEALS_PER_WORKER, clock)
    }

    /// Buffers of `per_thief` steals each (tests use small ones).
    pub fn with_capacity(workers: usize, per_thief: usize, clock: TaskClock) -> StealLog {
        StealLog {
            clock,
            thieves: (0..workers)
                .map(|_| {
                    CachePadded::new(Buffer {
                        at: (0..per_thief).map(|_| AtomicU64::new(0)).collect(),
                        victim: (0..per_thief).map(|_| AtomicU32::new(0)).collect(),
                        len: AtomicUsize::new(0),
                        total: AtomicU64::new(0),
                    })
                })
                .collect(),
        }
    }

    /// The steal hook: called on `thief`'s thread when it took work from `victim`.
    #[inline]
    pub fn note(&self, thief: usize, victim: usize) {
        let Some(b) = self.thieves.get(thief) else {
            return;
        };
        let at = self.clock.now();
        // Only this thread writes this buffer: plain loads and stores suffice.
        let n = b.len.load(Ordering::Relaxed);
        if n < b.at.len() {
            b.at[n].store(at, Ordering::Relaxed);
            b.victim[n].store(victim as u32, Ordering::Relaxed);
            b.len.store(n + 1, Ordering::Release);
        }
        b.total
            .store(b.total.load(Ordering::Relaxed) + 1, Ordering::Release);
    }

    /// Empties every buffer (before a run, outside its timed region).
    pub fn reset(&self) {
        for b in self.thieves.iter() {
            b.len.store(0, Ordering::Relaxed);
            b.total.store(0, Ordering::Relaxed);
        }
    }

    /// Every thief's steals (after the run).
    pub fn read(&self) -> Vec<ThiefSteals> {
        self.thieves
            .iter()
            .map(|b| {
                let n = b.len.load(Ordering::Acquire);
                ThiefSteals {
                    kept: (0..n)
                        .map(|i| {
                            (
                                b.at[i].load(Ordering::Relaxed),
                                b.victim[i].load(Ordering::Relaxed) as usize,
                            )
                        })
                        .collect(),
                    total: b.total.load(Ordering::Acquire),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::record::ClockKind;

    #[test]
    fn a_full_buffer_keeps_the_first_steals_and_counts_all() {
        let log = StealLog::with_capacity(2, 2, TaskClock::new(ClockKind::Instant));
        for v in [1, 1, 1] {
            log.note(0, v);
        }
        log.note(1, 0);
        log.note(7, 0); // not a worker: ignored
        let read = log.read();
        assert_eq!(read[0].kept.len(), 2);
        assert_eq!(read[0].total, 3);
        assert!(read[0].kept[0].0 <= read[0].kept[1].0);
        assert_eq!((read[1].kept[0].1, read[1].total), (0, 1));
        log.reset();
        assert_eq!(log.read(), vec![ThiefSteals::default(); 2]);
    }
}

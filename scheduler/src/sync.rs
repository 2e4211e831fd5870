//! The synchronization primitives the sleep protocol is written against.
//!
//! Under `--cfg loom` these are loom's model-checked versions, so the loom tests
//! in [`crate::sleep`] check *the same code* the pool runs; otherwise they are
//! `std`'s. Only the sleep module goes through this shim: crossbeam-deque is not
//! loom-aware, so the loom tests model the queues with a mock (see
//! `sleep/README.md`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicU64, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};

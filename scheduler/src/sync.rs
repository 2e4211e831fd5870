//! The synchronization primitives the sleep protocol and the Adaptive range
//! protocol are written against.
//!
//! Under `--cfg loom` these are loom's model-checked versions, so the loom tests
//! in [`crate::sleep`] and [`crate::adaptive`] check *the same code* the pool
//! runs; otherwise they are `std`'s. Only those two modules go through this
//! shim: crossbeam-deque is not loom-aware, so the sleep protocol's loom tests
//! model the queues with a mock (see `sleep/README.md`), and the Adaptive
//! models replace the worker by a model host (see `adaptive/README.md`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};

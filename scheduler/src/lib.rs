//! A work-stealing thread pool for scheduling experiments.
//!
//! (Module overview to be written with the pool.)
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod affinity;
pub mod placement;
pub mod topology;

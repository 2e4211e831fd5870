//! Deterministic uneven workloads for scheduling experiments.
#![deny(missing_docs)]

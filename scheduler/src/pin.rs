//! Pinning a worker thread to the CPU its builder named.
//!
//! The pool only pins: which CPU each worker gets (placements, topology,
//! nearest-first victim lists) is decided by the caller, e.g. with the
//! `topology` crate, and handed over through [`crate::PoolBuilder::pin_to`].

/// Pins the calling thread to OS CPU `cpu`; returns whether the OS accepted it.
pub(crate) fn pin_current_thread(cpu: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: cpu })
}

//! `wsbench tune`: the best placement, worker count and schedule, with evidence.
pub mod race;
pub mod stats;

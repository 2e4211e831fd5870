//! Why a placement could not be parsed or resolved.

use super::{MAX_WORKERS, SYNTAX};

/// Why a placement could not be parsed or resolved. Every message names the
/// offending value and says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// The string does not follow the syntax.
    #[error("placement `{spec}`, at character {position}: {reason}; expected {SYNTAX}")]
    Syntax {
        /// The whole placement string.
        spec: String,
        /// Where the problem starts: 1 for the first character.
        position: usize,
        /// What is wrong and what is allowed there.
        reason: String,
    },
    /// Zero workers were asked for.
    #[error("placement `{placement}`: the number of workers must be at least 1")]
    ZeroWorkers {
        /// The placement.
        placement: String,
    },
    /// More workers than places without `+oversubscribe`.
    #[error(
        "placement `{placement}` has {places} places (CPUs {cpus}) but {workers} workers were asked for; \
         ask for at most {places} or write `{placement}+oversubscribe`"
    )]
    TooManyWorkers {
        /// The placement.
        placement: String,
        /// Workers asked for.
        workers: usize,
        /// Places available.
        places: usize,
        /// The places, as a CPU list.
        cpus: String,
    },
    /// A listed CPU cannot be used.
    #[error("placement `{placement}`: CPU {cpu} {why}; allowed CPUs: {allowed}")]
    CpuUnavailable {
        /// The placement.
        placement: String,
        /// The CPU.
        cpu: usize,
        /// Why: does not exist, is offline, is not allowed, is outside a filter.
        why: String,
        /// The allowed CPUs, as a CPU list.
        allowed: String,
    },
    /// The filters (or the affinity mask) leave no CPU.
    #[error("placement `{placement}`: {reason}")]
    NoPlaces {
        /// The placement.
        placement: String,
        /// What is empty and what exists.
        reason: String,
    },
    /// More workers than any pool can have, even oversubscribed.
    #[error(
        "placement `{placement}`: {workers} workers is more than the {MAX_WORKERS} a pool can have"
    )]
    WorkersAboveLimit {
        /// The placement.
        placement: String,
        /// Workers asked for.
        workers: usize,
    },
    /// Two workers would share a CPU without `+oversubscribe` (OpenMP places).
    #[error(
        "placement `{placement}` with {workers} workers puts two of them on CPU {cpu} \
         ({places} places, CPUs {cpus}); ask for fewer workers or write `{placement}+oversubscribe`"
    )]
    SharedCpu {
        /// The placement.
        placement: String,
        /// Workers asked for.
        workers: usize,
        /// The first CPU that two workers would share.
        cpu: usize,
        /// How many places there are.
        places: usize,
        /// The CPUs of all places, as a CPU list.
        cpus: String,
    },
    /// A count of places above what the machine (after restrictions) has.
    #[error(
        "placement `{placement}`: {asked} {name} asked for but only {available} are allowed here{restricted}; \
         ask for at most {available}"
    )]
    NotEnoughPlaces {
        /// The placement.
        placement: String,
        /// The count written.
        asked: usize,
        /// The abstract name (`cores`, `sockets`…).
        name: &'static str,
        /// How many such places the allowed CPUs make.
        available: usize,
        /// " after @package:N" and the like, or empty.
        restricted: String,
    },
    /// OpenMP places group CPUs by a level whose membership is unknown.
    #[error(
        "placement `{placement}` groups CPUs by {level}, but CPU {cpu}'s {level} is unknown \
         (no sysfs topology); use threads, close, a CPU list or an explicit place list"
    )]
    UnknownLevel {
        /// The placement.
        placement: String,
        /// A CPU without that information.
        cpu: usize,
        /// The level: last-level cache, NUMA node, package.
        level: &'static str,
    },
    /// The placement needs core information the topology does not have.
    #[error(
        "placement `{placement}` needs to know which CPUs are SMT siblings, but CPU {cpu}'s core is unknown \
         (no sysfs topology); use threads, close or list:CPUS"
    )]
    UnknownTopology {
        /// The placement.
        placement: String,
        /// A CPU without core information.
        cpu: usize,
    },
}

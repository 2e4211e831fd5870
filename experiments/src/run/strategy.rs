//! The strategies a cell can run: the scheduler's schedules, rayon, and the serial baseline.

use std::fmt;
use std::str::FromStr;

use scheduler::Schedule;
use serde::{Deserialize, Serialize};

/// How one run spreads a workload's tasks over workers.
///
/// ```
/// use wsbench::run::strategy::Strategy;
/// assert_eq!("rayon-fine".parse::<Strategy>().unwrap(), Strategy::RayonFine);
/// assert_eq!("dynamic:16".parse::<Strategy>().unwrap().to_string(), "dynamic:16");
/// assert!("fastest".parse::<Strategy>().unwrap_err().contains("work-stealing"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Strategy {
    /// Every task in order on one thread: the baseline for speedup, lower bound and checksum.
    Serial,
    /// Our pool's `for_each_index` with this schedule.
    Pool(Schedule),
    /// rayon's `par_iter` on a rayon pool of the same size, pinned the same way.
    Rayon,
    /// As [`Strategy::Rayon`] with `with_max_len(1)`: one task per rayon job.
    RayonFine,
}

/// Every spelling accepted, for error messages.
pub const ALLOWED: &str = "serial, static, static-cyclic, dynamic, dynamic:K, guided, guided:K, \
work-stealing, work-stealing:G, adaptive, tss, tfss, fac2, mfsc, tap, fiss, viss, rnd, pls, af, awf-b, awf-c (each also NAME:K), rayon, rayon-fine (K, G ≥ 1; OMP_SCHEDULE's static,1 dynamic,K guided,K too)";

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "serial" => Ok(Strategy::Serial),
            "rayon" => Ok(Strategy::Rayon),
            "rayon-fine" => Ok(Strategy::RayonFine),
            other => other
                .parse::<Schedule>()
                .map(Strategy::Pool)
                .map_err(|e| format!("{s:?} is not a strategy ({e}); allowed: {ALLOWED}")),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Serial => f.write_str("serial"),
            Strategy::Pool(s) => write!(f, "{s}"),
            Strategy::Rayon => f.write_str("rayon"),
            Strategy::RayonFine => f.write_str("rayon-fine"),
        }
    }
}

impl TryFrom<String> for Strategy {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Strategy> for String {
    fn from(s: Strategy) -> String {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in crate::run::config::DEFAULT_STRATEGIES {
            let s: Strategy = name.parse().unwrap();
            assert_eq!(s.to_string().parse::<Strategy>().unwrap(), s);
        }
        assert!("fastest"
            .parse::<Strategy>()
            .unwrap_err()
            .contains("rayon-fine"));
    }
}

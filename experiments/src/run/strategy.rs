//! The strategies a cell can run: the scheduler's schedules, rayon, the serial baseline, and
//! the field's runtimes from `wsbench-baselines` (OpenMP's schedules and taskloop, chili).

use std::fmt;
use std::str::FromStr;

use scheduler::Schedule;
use serde::{Deserialize, Serialize};
use wsbench_baselines::OmpSchedule;

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
    /// `omp:SCHED`: GNU libgomp's `parallel for schedule(runtime)` with SCHED (written as
    /// `OMP_SCHEDULE` takes it) on a warm team of the same size, pinned the same way.
    Omp(OmpSchedule),
    /// `omp-taskloop:G`: libgomp's `taskloop grainsize(G)` inside `parallel`/`single`.
    OmpTaskloop(usize),
    /// `chili`: chili's heartbeat-scheduled `join`, halving the range to single indices
    /// (on a recursive workload: its parallel body on chili's `Scope::join`).
    Chili,
    /// `join`: a recursive workload's parallel body on our pool's `Pool::join`.
    Join,
    /// `halving`: our pool's `Pool::join` halving the index range down to single indices
    /// (chili's loop idiom, on our pool).
    Halving,
}

/// Every spelling accepted, for error messages.
pub const ALLOWED: &str = "serial, static, static-cyclic, dynamic, dynamic:K, guided, guided:K, \
work-stealing, work-stealing:G, adaptive, tss, tfss, fac2, mfsc, tap, fiss, viss, rnd, pls, af, \
awf-b, awf-c (each also NAME:K), rayon, rayon-fine, omp:SCHED (SCHED as OMP_SCHEDULE takes it: \
static, static,1, dynamic,K, guided,K, auto, nonmonotonic:dynamic,K, …), omp-taskloop:G, chili, \
halving, join (K, G ≥ 1; our own schedules also take OMP_SCHEDULE's static,1 dynamic,K guided,K)";

impl Strategy {
    /// Parses a strategy name; `openmp_missing` is why this build has no OpenMP (with how
    /// to get it), or `None` when it has. `omp:*` and `omp-taskloop:*` are refused with
    /// that reason, so a config naming them fails before anything runs.
    ///
    /// ```
    /// use wsbench::run::strategy::Strategy;
    /// assert!(Strategy::parse_with("omp:dynamic,1", None).is_ok());
    /// let e = Strategy::parse_with("omp:static", Some("OpenMP unavailable: no gcc")).unwrap_err();
    /// assert!(e.contains("no gcc"));
    /// assert_eq!(Strategy::parse_with("chili", Some("no gcc")), Ok(Strategy::Chili));
    /// ```
    pub fn parse_with(s: &str, openmp_missing: Option<&str>) -> Result<Strategy, String> {
        let t = s.trim();
        let needs_openmp = |r: Result<Strategy, String>| match (r, openmp_missing) {
            (Ok(_), Some(why)) => Err(format!("{s:?} cannot run in this build: {why}")),
            (r, _) => r,
        };
        if let Some(sched) = t.strip_prefix("omp:") {
            let parsed = sched.parse().map(Strategy::Omp);
            return needs_openmp(parsed.map_err(|e| format!("strategy {s:?}: {e}")));
        }
        if let Some(g) = t.strip_prefix("omp-taskloop:") {
            let g = match g.trim().parse::<usize>() {
                Ok(g) if g >= 1 => Ok(Strategy::OmpTaskloop(g)),
                _ => Err(format!(
                    "{s:?}: the grain size must be a whole number ≥ 1; allowed: {ALLOWED}"
                )),
            };
            return needs_openmp(g);
        }
        if t.starts_with("omp-llvm:") {
            return Err(format!(
                "{s:?} cannot run in this build: {}",
                wsbench_baselines::openmp::llvm_unavailable()
            ));
        }
        match t {
            "serial" => Ok(Strategy::Serial),
            "rayon" => Ok(Strategy::Rayon),
            "rayon-fine" => Ok(Strategy::RayonFine),
            "chili" => Ok(Strategy::Chili),
            "join" => Ok(Strategy::Join),
            "halving" => Ok(Strategy::Halving),
            other => other
                .parse::<Schedule>()
                .map(Strategy::Pool)
                .map_err(|e| format!("{s:?} is not a strategy ({e}); allowed: {ALLOWED}")),
        }
    }
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Strategy::parse_with(s, wsbench_baselines::openmp::unavailable().as_deref())
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Serial => f.write_str("serial"),
            Strategy::Pool(s) => write!(f, "{s}"),
            Strategy::Rayon => f.write_str("rayon"),
            Strategy::RayonFine => f.write_str("rayon-fine"),
            Strategy::Omp(s) => write!(f, "omp:{s}"),
            Strategy::OmpTaskloop(g) => write!(f, "omp-taskloop:{g}"),
            Strategy::Chili => f.write_str("chili"),
            Strategy::Join => f.write_str("join"),
            Strategy::Halving => f.write_str("halving"),
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

    const BASELINES: [&str; 11] = [
        "omp:static",
        "omp:static,1",
        "omp:dynamic,1",
        "omp:dynamic,16",
        "omp:guided",
        "omp:guided,4",
        "omp:nonmonotonic:dynamic,1",
        "omp:monotonic:static",
        "omp:auto",
        "omp-taskloop:4",
        "chili",
    ];

    #[test]
    fn baseline_names_round_trip_when_openmp_is_built() {
        for name in BASELINES {
            let s = Strategy::parse_with(name, None).unwrap();
            assert_eq!(s.to_string(), name);
            assert_eq!(Strategy::parse_with(&s.to_string(), None).unwrap(), s);
        }
        assert_eq!(
            Strategy::parse_with(" omp:Dynamic , 1 ", None).unwrap(),
            Strategy::parse_with("omp:dynamic,1", None).unwrap()
        );
    }

    #[test]
    fn openmp_strategies_are_refused_with_how_to_when_missing() {
        let why = "OpenMP unavailable: test; install gcc with libgomp";
        for name in BASELINES {
            let r = Strategy::parse_with(name, Some(why));
            if name == "chili" {
                assert_eq!(r, Ok(Strategy::Chili));
            } else {
                let e = r.unwrap_err();
                assert!(e.contains(why) && e.contains(name), "{e}");
            }
        }
        // The real build: refused exactly when the baselines crate says OpenMP is missing.
        let real = "omp:dynamic,1".parse::<Strategy>();
        match wsbench_baselines::openmp::unavailable() {
            Some(why) => assert!(real.unwrap_err().contains(&why)),
            None => assert!(real.is_ok()),
        }
    }

    #[test]
    fn bad_baseline_names_say_what_is_allowed() {
        for bad in [
            "omp:",
            "omp:fastest",
            "omp:dynamic,0",
            "omp-taskloop:0",
            "omp-taskloop:x",
        ] {
            let e = Strategy::parse_with(bad, None).unwrap_err();
            assert!(
                e.contains("allowed") && e.contains(&format!("{bad:?}")),
                "{e}"
            );
        }
        let e = Strategy::parse_with("omp-llvm:dynamic,1", None).unwrap_err();
        assert!(
            e.contains("libomp") && e.contains("omp-llvm:dynamic,1"),
            "{e}"
        );
    }
}

//! Which measured cells the model cannot be held to, decided from the measured runs
//! alone (never from the simulated value), so that `--validate` can report its error
//! with and without them and name every cell it leaves out.
//!
//! * **Interference**: the model gives a task the same cost wherever and whenever it
//!   runs (scaled by the serial run). When a cell's measured Σ task time differs from
//!   the serial run's by more than [`INFLATION_LIMIT`], the machine itself ran the same
//!   tasks at another speed during that cell (a worker time-sharing its CPU, a host
//!   taking the vCPU, frequency): the schedule is not what made it slower or faster.
//!   For a fixed schedule the same check is made per worker ([`slowest_worker`]): the
//!   model and the run give each worker the same indices.
//! * **Unstable**: when the middle half of a cell's repetitions spreads over more than
//!   [`SPREAD_LIMIT`] of their median, the median is one side of a coin chosen by the
//!   repetition count: a race between workers (rayon on heavy-last at p = 2 takes
//!   ~210 ms or ~400 ms depending on how the first steal lands, on every machine
//!   measured) or a noisy machine (tiny tasks at p = 1), not a property of the schedule.

/// Largest |Σ task (cell) / Σ task (serial) − 1| the model is held to.
pub const INFLATION_LIMIT: f64 = 0.10;

/// Largest interquartile range / median of a cell's repetitions the model is held to.
pub const SPREAD_LIMIT: f64 = 0.25;

/// Interquartile range / median of `v` (0 for fewer than two values): how far the
/// middle half of the repetitions disagree (one outlying repetition does not count).
pub fn spread(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let med = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    (s[3 * (n - 1) / 4] - s[(n - 1) / 4]) / med.max(1.0)
}

/// Why a cell is left out of the held-to summary, or `None`: `makespans` are its
/// measured repetitions, `inflation` its median Σ task time over the serial run's,
/// `slowest` (fixed schedules) [`slowest_worker`]'s ratio; `None` where unknown.
pub fn exclusion(
    makespans: &[f64],
    inflation: Option<f64>,
    slowest: Option<f64>,
) -> Option<String> {
    let off = |r: Option<f64>| r.filter(|r| (r - 1.0).abs() > INFLATION_LIMIT);
    if let Some(r) = off(inflation) {
        return Some(format!(
            "interference: Σ task time {:+.0}% vs serial",
            (r - 1.0) * 100.0
        ));
    }
    if let Some(r) = off(slowest) {
        return Some(format!(
            "interference: a worker's fixed tasks took {:+.0}% vs model",
            (r - 1.0) * 100.0
        ));
    }
    let s = spread(makespans);
    (s > SPREAD_LIMIT).then(|| {
        format!(
            "unstable: repetitions' interquartile range {:.0}% of median",
            s * 100.0
        )
    })
}

/// For a fixed schedule (the same indices on the same worker in the model and the
/// run): the median over repetitions of the largest measured / simulated busy time
/// among the workers that carry at least half the largest simulated load (those that
/// set the makespan). A worker whose fixed tasks took 2× the model's time shared its
/// CPU or lost it to the host; `None` without measured per-worker rows.
pub fn slowest_worker(simulated: &[f64], measured: &[Vec<f64>]) -> Option<f64> {
    let top = simulated.iter().cloned().fold(0.0, f64::max);
    if top <= 0.0 || measured.is_empty() {
        return None;
    }
    let mut per_rep: Vec<f64> = measured
        .iter()
        .map(|m| {
            simulated
                .iter()
                .zip(m)
                // 0: not recorded (a workload without latency recording).
                .filter(|(s, m)| **s >= top / 2.0 && **m > 0.0)
                .map(|(s, m)| m / s)
                .fold(0.0, f64::max)
        })
        .filter(|r| *r > 0.0)
        .collect();
    if per_rep.is_empty() {
        return None;
    }
    per_rep.sort_by(f64::total_cmp);
    Some(per_rep[per_rep.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bimodal_cell_is_a_race() {
        let runs = [229.0, 218.0, 410.0, 220.0, 401.0];
        assert!(exclusion(&runs, Some(1.0), None)
            .unwrap()
            .starts_with("unstable"));
    }

    #[test]
    fn one_outlying_repetition_is_not_unstable() {
        assert_eq!(
            exclusion(&[100.0, 101.0, 102.0, 103.0, 190.0], None, None),
            None
        );
    }

    #[test]
    fn slower_tasks_than_serial_are_interference() {
        let runs = [71.0, 73.0, 75.0];
        let why = exclusion(&runs, Some(1.11), None).unwrap();
        assert!(why.starts_with("interference"), "{why}");
        assert!(exclusion(&runs, Some(0.85), None).is_some());
        assert!(exclusion(&runs, None, Some(1.85))
            .unwrap()
            .contains("fixed tasks"));
    }

    #[test]
    fn a_worker_twice_as_slow_on_fixed_tasks_is_found() {
        let sim = [40.0, 40.0, 40.0, 2.0];
        let reps = vec![
            vec![75.0, 40.0, 41.0, 30.0],
            vec![74.0, 39.0, 73.0, 2.0],
            vec![41.0, 40.0, 40.0, 2.0],
        ];
        // The light worker's 15× is not looked at; the median repetition's worst is 74/40.
        assert_eq!(slowest_worker(&sim, &reps), Some(74.0 / 40.0));
        assert_eq!(slowest_worker(&sim, &[]), None);
        assert_eq!(slowest_worker(&sim, &[vec![0.0; 4]]), None);
    }

    #[test]
    fn a_steady_cell_is_held_to() {
        assert_eq!(
            exclusion(&[100.0, 104.0, 98.0], Some(1.03), Some(0.95)),
            None
        );
        assert_eq!(exclusion(&[100.0], None, None), None);
        assert_eq!(spread(&[]), 0.0);
    }
}

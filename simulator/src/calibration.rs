//! What each scheduler operation costs: the calibration file `wsbench calibrate`
//! writes (JSON), with the machine it was measured on.
//!
//! Every field is a median of many repetitions on that machine, except the
//! cache-line transfer costs at distances the machine does not have (a 2-core
//! VM has no second package): those take [`DEFAULT_TRANSFER_NS`] and are listed
//! as not measured in [`Calibration::measured_distances`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::machine::Dist;

/// Cache-line transfer costs used where the calibrating machine has no such
/// distance, in ns: SMT sibling, same last-level cache, same package (other
/// LLC), other package. Typical figures of current x86 servers' core-to-core
/// latency tables (order of magnitude, not a measurement of any machine here).
pub const DEFAULT_TRANSFER_NS: Transfers = Transfers {
    smt: 10.0,
    llc: 40.0,
    package: 80.0,
    remote: 150.0,
};

/// A cache-line transfer's cost by topology distance, in ns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transfers {
    /// Between SMT siblings (shared L1/L2).
    pub smt: f64,
    /// Between cores sharing the last-level cache.
    pub llc: f64,
    /// Between cores of one package with different last-level caches.
    pub package: f64,
    /// Between packages.
    pub remote: f64,
}

impl Transfers {
    /// The cost at distance `d` (0 on the same worker).
    pub fn at(&self, d: Dist) -> f64 {
        match d {
            Dist::Same => 0.0,
            Dist::Smt => self.smt,
            Dist::Llc => self.llc,
            Dist::Package => self.package,
            Dist::Remote => self.remote,
        }
    }
}

/// The cost of every operation the model charges, in ns, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The machine it was measured on (`meta.json`'s `machine.host` and CPU model).
    pub machine: serde_json::Value,
    /// When (UTC).
    pub measured_at: String,
    /// An atomic read-modify-write (fetch-add, CAS) on a line the thread already owns.
    pub atomic_local_ns: f64,
    /// Median ns per fetch-add on one shared counter by k threads at once (k = 1, 2, …
    /// up to the machine's CPUs, at most 8): the measurement the line model (a transfer
    /// per operation that finds the line elsewhere, contenders queueing) stands for.
    pub fetch_add_ns_by_contenders: BTreeMap<usize, f64>,
    /// A cache-line transfer by distance.
    pub transfer_ns: Transfers,
    /// The distances measured on the machine (the others are [`DEFAULT_TRANSFER_NS`]).
    pub measured_distances: Vec<String>,
    /// crossbeam-deque `Worker::push`.
    pub deque_push_ns: f64,
    /// crossbeam-deque `Worker::pop` of a job.
    pub deque_pop_ns: f64,
    /// crossbeam-deque `Stealer::steal` of a job (uncontended; the line transfer is extra).
    pub steal_ns: f64,
    /// A steal attempt on an empty deque.
    pub steal_empty_ns: f64,
    /// From a parked thread's unpark to its running again (wake-up latency).
    pub wake_ns: f64,
    /// Posting one participant job to a worker's inbox and notifying it.
    pub post_ns: f64,
    /// `std::thread::yield_now` with nothing else to run.
    pub yield_ns: f64,
    /// The per-index cost of a loop around a task body that does nothing.
    pub task_call_ns: f64,
    /// What one of our pool's heap jobs costs beyond its deque push and pop: the
    /// allocation, the call through its `JobRef`, the free and the call's latch
    /// (`work-stealing:1` around an empty body, one worker, per index, less
    /// `task_call_ns`, `deque_push_ns` and `deque_pop_ns`). Charged per chunk job.
    #[serde(default)]
    pub job_ns: f64,
    /// rayon's per-index cost around an empty body that reads its thread index (as
    /// the runner's rayon task does), one thread: charged per index instead of
    /// `task_call_ns` for rayon's strategies. Zero (not measured): `task_call_ns`.
    #[serde(default)]
    pub rayon_index_ns: f64,
    /// What one rayon `join` split costs beyond its deque push and pop
    /// (`with_max_len(1)` around the same body, one thread, per index, less
    /// `rayon_index_ns`, `deque_push_ns` and `deque_pop_ns`). Charged per split.
    #[serde(default)]
    pub rayon_split_ns: f64,
    /// ns per unit of each workload kind's predicted cost: `factorize-naive` (per trial
    /// division), `factorize-fast` (per step), `factorial` (per word multiplication),
    /// `synthetic` (per requested ns of spin), `sleep` (1: a sleep task's cost is its
    /// duration plus [`Calibration::sleep_overshoot_ns`]).
    pub ns_per_unit: BTreeMap<String, f64>,
    /// How much longer than asked a thread sleep takes (timer slack and wake-up), added
    /// to every sleep task.
    #[serde(default)]
    pub sleep_overshoot_ns: f64,
}

impl Calibration {
    /// Reads a calibration file, with a message naming it on failure.
    pub fn read(path: &std::path::Path) -> Result<Calibration, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read calibration file {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "calibration file {}: {e} (write one with `wsbench calibrate --out FILE`)",
                path.display()
            )
        })
    }

    /// The per-index call cost of rayon's strategies (`task_call_ns` where
    /// `rayon_index_ns` was not measured).
    pub fn rayon_call_ns(&self) -> f64 {
        if self.rayon_index_ns > 0.0 {
            self.rayon_index_ns
        } else {
            self.task_call_ns
        }
    }

    /// The cost of a transfer at distance `d`.
    pub fn transfer(&self, d: Dist) -> f64 {
        self.transfer_ns.at(d)
    }

    /// A calibration with round figures, for tests and examples (not a machine's).
    pub fn example() -> Calibration {
        Calibration {
            machine: serde_json::Value::Null,
            measured_at: "example".into(),
            atomic_local_ns: 5.0,
            fetch_add_ns_by_contenders: BTreeMap::new(),
            transfer_ns: DEFAULT_TRANSFER_NS,
            measured_distances: Vec::new(),
            deque_push_ns: 10.0,
            deque_pop_ns: 10.0,
            steal_ns: 30.0,
            steal_empty_ns: 10.0,
            wake_ns: 5_000.0,
            post_ns: 100.0,
            yield_ns: 500.0,
            task_call_ns: 2.0,
            job_ns: 20.0,
            rayon_index_ns: 3.0,
            rayon_split_ns: 20.0,
            ns_per_unit: BTreeMap::new(),
            sleep_overshoot_ns: 0.0,
        }
    }
}

//! The simulated machine: where each worker sits, and how far apart two workers are.

use topology::{Distance, Topology};

/// How far apart two workers are, for a cache-line transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dist {
    /// The same worker (or two workers on one CPU).
    Same,
    /// SMT siblings.
    Smt,
    /// Different cores sharing the last-level cache.
    Llc,
    /// The same package, different last-level caches.
    Package,
    /// Different packages (or unknown).
    Remote,
}

impl Dist {
    /// The name in calibration files.
    pub fn name(self) -> &'static str {
        match self {
            Dist::Same => "same",
            Dist::Smt => "smt",
            Dist::Llc => "llc",
            Dist::Package => "package",
            Dist::Remote => "remote",
        }
    }
}

/// Where one worker sits: ids of its CPU, core, last-level cache and package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The CPU.
    pub cpu: usize,
    /// The core.
    pub core: usize,
    /// The last-level cache.
    pub llc: usize,
    /// The package.
    pub package: usize,
}

/// The workers of a simulated run and their places.
#[derive(Debug, Clone)]
pub struct SimMachine {
    places: Vec<Place>,
    description: String,
}

impl SimMachine {
    /// Workers at the given places.
    pub fn new(places: Vec<Place>, description: String) -> SimMachine {
        assert!(!places.is_empty(), "a simulated machine needs a worker");
        SimMachine {
            places,
            description,
        }
    }

    /// `workers` workers on a real or snapshot topology, worker `w` on `cpus[w]`
    /// (wrapping around when there are more workers than CPUs: oversubscribed).
    pub fn from_topology(topo: &Topology, cpus: &[usize], workers: usize) -> SimMachine {
        assert!(!cpus.is_empty(), "no CPU to place workers on");
        let places = (0..workers)
            .map(|w| {
                let cpu = cpus[w % cpus.len()];
                let c = topo.cpu(cpu);
                let f = |x: Option<usize>| x.unwrap_or(usize::MAX);
                Place {
                    cpu,
                    core: c.map_or(usize::MAX - cpu, |c| f(c.core)),
                    llc: c.map_or(usize::MAX, |c| f(c.llc)),
                    package: c.map_or(usize::MAX, |c| f(c.package)),
                }
            })
            .collect();
        let model = topo.cpu_model().unwrap_or_else(|| "unknown CPU".into());
        SimMachine::new(
            places,
            format!("{workers} workers on {} CPUs of {model}", cpus.len()),
        )
    }

    /// A generated machine of `packages` × `cores` (per package, one LLC per
    /// package) × `threads` (per core), with `workers` workers spread over
    /// cores first (every core's first thread, then the second threads, …).
    ///
    /// ```
    /// use wsbench_simulator::machine::{Dist, SimMachine};
    /// let m = SimMachine::generated(2, 64, 2, 256);
    /// assert_eq!(m.workers(), 256);
    /// assert_eq!(m.distance(0, 128), Dist::Smt);
    /// assert_eq!(m.distance(0, 1), Dist::Llc);
    /// assert_eq!(m.distance(0, 64), Dist::Remote);
    /// ```
    pub fn generated(packages: usize, cores: usize, threads: usize, workers: usize) -> SimMachine {
        let total_cores = packages * cores;
        let cpus = total_cores * threads;
        let places = (0..workers)
            .map(|w| {
                let slot = w % cpus;
                let (thread, core) = (slot / total_cores, slot % total_cores);
                Place {
                    cpu: core * threads + thread,
                    core,
                    llc: core / cores,
                    package: core / cores,
                }
            })
            .collect();
        SimMachine::new(
            places,
            format!("{workers} workers on a generated {packages} packages × {cores} cores × {threads} threads"),
        )
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.places.len()
    }

    /// Worker `w`'s place.
    pub fn place(&self, w: usize) -> Place {
        self.places[w]
    }

    /// Worker → CPU, in the `Option` form of a measured run's worker → CPU map
    /// (every simulated worker sits on a CPU).
    pub fn worker_cpus(&self) -> Vec<Option<usize>> {
        (0..self.workers())
            .map(|w| Some(self.place(w).cpu))
            .collect()
    }

    /// What the machine is, in words.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// How far apart workers `a` and `b` are.
    pub fn distance(&self, a: usize, b: usize) -> Dist {
        let (x, y) = (self.places[a], self.places[b]);
        if a == b || x.cpu == y.cpu {
            Dist::Same
        } else if x.core == y.core {
            Dist::Smt
        } else if x.llc == y.llc && x.llc != usize::MAX {
            Dist::Llc
        } else if x.package == y.package && x.package != usize::MAX {
            Dist::Package
        } else {
            Dist::Remote
        }
    }

    /// Whether two workers share a CPU somewhere (more workers than CPUs).
    pub fn oversubscribed(&self) -> bool {
        let mut cpus: Vec<usize> = self.places.iter().map(|p| p.cpu).collect();
        cpus.sort_unstable();
        cpus.windows(2).any(|w| w[0] == w[1])
    }
}

/// A topology [`Distance`] as the model's [`Dist`].
pub fn dist_of(d: Distance) -> Dist {
    match d {
        Distance::SameCpu => Dist::Same,
        Distance::SameCore => Dist::Smt,
        Distance::SameLlc => Dist::Llc,
        Distance::SamePackageAndNode | Distance::SamePackage => Dist::Package,
        Distance::SameNode | Distance::Far => Dist::Remote,
    }
}

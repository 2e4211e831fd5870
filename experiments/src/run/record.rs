//! Per-task latency recording: one slot per worker, merged after the batch.
//!
//! The hot path touches only the running worker's own slot (cache-padded, indexed by the
//! worker index the scheduler or rayon hands the task), so workers never share a cache line
//! while recording. The slot sits behind an uncontended `Mutex` rather than an `UnsafeCell`:
//! it costs one uncontended lock per task (tens of nanoseconds against tasks of microseconds
//! and more) and stays sound even if some task were ever run by a thread outside the pool.
//! With recording off, a task adds its checksum digest to its worker's padded accumulator
//! with a plain load and store (no locked read-modify-write: each worker is the only writer
//! of its slot; were two threads ever to share one, a lost update would show as a checksum
//! mismatch, never as undefined behaviour). Every strategy, serial included, runs its tasks
//! through [`Recorders::run_task`].
//!
//! With tracing on (`trace = true`), the same locked section also appends the task's
//! [`RawTask`] to the worker's trace buffer, reserved before the timed region
//! ([`Recorders::start_trace`]): no further lock, no allocation; with tracing off the
//! buffer's capacity is 0 and the task pays one predictable branch (see `run/trace/`).
//!
//! Times come from [`TaskClock`]: the TSC through `quanta` where quanta really reads it
//! (it falls back to `CLOCK_MONOTONIC` without an invariant TSC, and then the TSC is not
//! chosen), otherwise `Instant` (see [`ClockCosts`] for what `meta.json` records on every
//! run). The run's makespan is read from the same clock as the task times, so a ratio of
//! the two (`lb_ratio`) never mixes clocks. A negative difference between two readings
//! (possible across CPUs whose counters disagree) is clamped to 0 and counted
//! ([`WorkerRecord::clamped`]).

use crossbeam_utils::CachePadded;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use workloads::checksum::task_digest;
use workloads::workload::Workload;

/// Which clock task timestamps use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockKind {
    /// `quanta::Clock::raw()` reading the CPU's counter (rdtsc), scaled to ns after the
    /// fact; chosen only where quanta uses the counter (invariant TSC and rdtscp on
    /// x86_64, the system counter on aarch64).
    Tsc,
    /// `std::time::Instant` (clock_gettime through the vDSO on Linux).
    Instant,
}

/// A cheap monotonic clock for task timestamps (raw ticks in, nanoseconds out). A clone
/// reads the same clock from the same origin (the steal log's copy, `run/trace/`).
#[derive(Clone)]
pub struct TaskClock {
    kind: ClockKind,
    tsc: quanta::Clock,
    origin: Instant,
}

impl TaskClock {
    /// A clock of the given kind.
    pub fn new(kind: ClockKind) -> TaskClock {
        TaskClock {
            kind,
            tsc: quanta::Clock::new(),
            origin: Instant::now(),
        }
    }

    /// Which clock this is.
    pub fn kind(&self) -> ClockKind {
        self.kind
    }

    /// A raw timestamp (ticks; only differences mean anything).
    #[inline]
    pub fn now(&self) -> u64 {
        match self.kind {
            ClockKind::Tsc => self.tsc.raw(),
            ClockKind::Instant => self.origin.elapsed().as_nanos() as u64,
        }
    }

    /// Nanoseconds from `start` to `end` (0 if `end` is earlier: see [`WorkerRecord::clamped`]).
    #[inline]
    pub fn ns(&self, start: u64, end: u64) -> u64 {
        if end <= start {
            return 0;
        }
        match self.kind {
            ClockKind::Tsc => self.tsc.delta_as_nanos(start, end),
            ClockKind::Instant => end - start,
        }
    }
}

/// What reading each clock costs on this machine, measured at start-up.
#[derive(Debug, Clone, Serialize)]
pub struct ClockCosts {
    /// ns per `Instant::now()` call (median of 9 batches of 200,000).
    pub instant_ns: f64,
    /// ns per `quanta::Clock::raw()` call, same method.
    pub tsc_ns: f64,
    /// ns per `sched_getcpu()` (the migration check), same method.
    pub current_cpu_ns: f64,
    /// The clock task times and makespans use: the TSC when quanta reads the counter
    /// (`quanta_counter`) and it is cheaper than `Instant`, else `Instant`.
    pub chosen: ClockKind,
    /// Whether quanta reads the CPU's counter; false where it silently falls back to
    /// `CLOCK_MONOTONIC` (no invariant TSC, common on virtual machines). Detected with the
    /// same CPUID test quanta makes (invariant TSC and rdtscp on x86_64).
    pub quanta_counter: bool,
    /// The TSC flags the kernel reports in `/proc/cpuinfo` (`constant_tsc`, `nonstop_tsc`
    /// where present; empty where the file cannot be read or lists neither).
    pub cpu_tsc_flags: Vec<String>,
    /// The kernel's clocksource (`/sys/devices/system/clocksource/clocksource0/
    /// current_clocksource`, e.g. `tsc`, `kvm-clock`), which `Instant` reads through;
    /// empty where it cannot be read.
    pub clocksource: String,
    /// ns per task of the whole recording path with the chosen clock: `sched_getcpu`, two
    /// timestamps, the slot's lock and three histogram records (same method).
    pub record_task_ns: f64,
}

fn per_call_ns(mut f: impl FnMut() -> u64) -> f64 {
    const CALLS: u32 = 200_000;
    let mut samples: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            let mut acc = 0u64;
            for _ in 0..CALLS {
                acc = acc.wrapping_add(f());
            }
            std::hint::black_box(acc);
            t.elapsed().as_nanos() as f64 / f64::from(CALLS)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

impl ClockCosts {
    /// Measures both clocks and the recording path (about 0.1 s) and picks the cheaper clock.
    pub fn measure() -> ClockCosts {
        let origin = Instant::now();
        let instant_ns = per_call_ns(|| origin.elapsed().as_nanos() as u64);
        let q = quanta::Clock::new();
        let tsc_ns = per_call_ns(|| q.raw());
        let current_cpu_ns = per_call_ns(|| topology::affinity::current_cpu().unwrap_or(0) as u64);
        let quanta_counter = quanta_reads_counter();
        let chosen = if quanta_counter && tsc_ns < instant_ns {
            ClockKind::Tsc
        } else {
            ClockKind::Instant
        };
        let clock = TaskClock::new(chosen);
        let mut rec = Recorders::new(1);
        rec.reset();
        rec.set_batch_start(clock.now());
        let mut i = 0u64;
        let record_task_ns = per_call_ns(|| {
            let on = topology::affinity::current_cpu();
            let s = clock.now();
            let e = clock.now();
            i += 1;
            rec.record(&clock, 0, s, e, on, i);
            0
        });
        ClockCosts {
            instant_ns,
            tsc_ns,
            current_cpu_ns,
            chosen,
            quanta_counter,
            cpu_tsc_flags: cpu_tsc_flags(),
            clocksource: std::fs::read_to_string(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource",
            )
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
            record_task_ns,
        }
    }
}

/// Whether `quanta::Clock` reads the CPU's counter: quanta's own test (its `detection`
/// module is private), CPUID's invariant-TSC bit and rdtscp on x86_64.
#[cfg(target_arch = "x86_64")]
fn quanta_reads_counter() -> bool {
    use std::arch::x86_64::__cpuid;
    // Leaves above the highest extended leaf are not read.
    if __cpuid(0x8000_0000).eax < 0x8000_0007 {
        return false;
    }
    let (apm, ext) = (__cpuid(0x8000_0007), __cpuid(0x8000_0001));
    let invariant_tsc = apm.edx & (1 << 8) != 0;
    let rdtscp = ext.edx & (1 << 27) != 0;
    invariant_tsc && rdtscp
}

/// Whether `quanta::Clock` reads the CPU's counter (aarch64: always, as quanta decides).
#[cfg(target_arch = "aarch64")]
fn quanta_reads_counter() -> bool {
    true
}

/// Whether `quanta::Clock` reads the CPU's counter (elsewhere: never).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn quanta_reads_counter() -> bool {
    false
}

/// `constant_tsc` and `nonstop_tsc` where `/proc/cpuinfo`'s first `flags` line has them.
fn cpu_tsc_flags() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags = text
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default();
    ["constant_tsc", "nonstop_tsc"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|w| w == *f))
        .map(String::from)
        .collect()
}

/// The three latency metrics, in the order files list them.
pub use wsbench_schema::units::METRICS;
use wsbench_schema::units::{RESPONSE, SERVICE, WAIT};

/// Histogram range: 1 ns to one hour at 3 significant digits (larger values saturate).
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000_000, 3).expect("constant bounds are valid")
}

/// Latency histograms of one run or one cell: wait, service, response (ns).
#[derive(Debug, Clone)]
pub struct Latency {
    /// Batch start → task start.
    pub wait: Histogram<u64>,
    /// Task start → task end.
    pub service: Histogram<u64>,
    /// Batch start → task end.
    pub response: Histogram<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            wait: new_histogram(),
            service: new_histogram(),
            response: new_histogram(),
        }
    }
}

impl Latency {
    /// The histograms with their metric names, in [`METRICS`] order.
    pub fn by_metric(&self) -> [(&'static str, &Histogram<u64>); 3] {
        [
            (WAIT, &self.wait),
            (SERVICE, &self.service),
            (RESPONSE, &self.response),
        ]
    }

    /// The histogram of a metric, mutable.
    pub fn metric_mut(&mut self, metric: &str) -> Option<&mut Histogram<u64>> {
        match metric {
            WAIT => Some(&mut self.wait),
            SERVICE => Some(&mut self.service),
            RESPONSE => Some(&mut self.response),
            _ => None,
        }
    }

    /// Adds another set into this one.
    pub fn add(&mut self, other: &Latency) {
        // Same bounds everywhere, so addition cannot fail.
        self.wait.add(&other.wait).expect("same bounds");
        self.service.add(&other.service).expect("same bounds");
        self.response.add(&other.response).expect("same bounds");
    }

    fn reset(&mut self) {
        self.wait.reset();
        self.service.reset();
        self.response.reset();
    }
}

/// What one worker recorded during one batch.
#[derive(Debug, Default)]
pub struct WorkerRecord {
    /// Latency histograms.
    pub latency: Latency,
    /// Tasks this worker ran.
    pub tasks: u64,
    /// Σ service time (ns).
    pub busy_ns: u64,
    /// CPU changes between this worker's consecutive task starts (`sched_getcpu` at each
    /// start): the migration count where the kernel's per-thread count cannot be read.
    pub cpu_changes: u64,
    /// CPU of the last task start.
    pub last_cpu: Option<usize>,
    /// Raw clock reading at the end of this worker's last task (0 before any).
    pub last_end: u64,
    /// Negative differences clamped to 0 (a task start before the batch start, or an end
    /// before its start: counters that disagree across CPUs).
    pub clamped: u64,
    /// Wrapping sum of this worker's task digests.
    pub checksum: u64,
    /// Traced tasks, in the order this worker ran them (tracing on).
    pub trace: Vec<RawTask>,
    /// How many tasks `trace` may hold in this run: 0 with tracing off.
    pub trace_cap: usize,
    /// Tasks not traced because `trace` was full.
    pub trace_dropped: u64,
}

/// One traced task as the hot path stores it: raw clock readings, converted after the run.
#[derive(Debug, Clone, Copy)]
pub struct RawTask {
    /// Raw clock reading at the task's start.
    pub start: u64,
    /// Raw clock reading at its end.
    pub end: u64,
    /// What it was: its index, and its node for recursive workloads.
    pub label: Label,
    /// `sched_getcpu` at its start (`u32::MAX`: unknown).
    pub cpu: u32,
}

/// What a task was: its index in the workload, and for recursive workloads a node label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// The task's index.
    pub index: u64,
    /// The node of a recursive workload (`None` for index workloads).
    pub node: Option<u64>,
}

/// One slot per worker, reused from run to run (histograms keep their memory, so the timed
/// region never page-faults on fresh counters).
pub struct Recorders {
    slots: Vec<CachePadded<Mutex<WorkerRecord>>>,
    sums: Vec<CachePadded<AtomicU64>>,
    batch_start: u64,
}

impl Recorders {
    /// Slots for `workers` workers.
    pub fn new(workers: usize) -> Recorders {
        Recorders {
            slots: (0..workers)
                .map(|_| CachePadded::new(Mutex::new(WorkerRecord::default())))
                .collect(),
            sums: (0..workers)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
            batch_start: 0,
        }
    }

    /// Number of slots.
    pub fn workers(&self) -> usize {
        self.slots.len()
    }

    /// Clears every slot (histograms keep their memory).
    pub fn reset(&mut self) {
        for s in &mut self.slots {
            let mut r = s.lock().unwrap_or_else(|p| p.into_inner());
            r.latency.reset();
            r.tasks = 0;
            r.busy_ns = 0;
            r.cpu_changes = 0;
            r.last_cpu = None;
            r.last_end = 0;
            r.clamped = 0;
            r.checksum = 0;
            r.trace.clear();
            r.trace_cap = 0;
            r.trace_dropped = 0;
        }
        for s in &self.sums {
            s.store(0, Ordering::Relaxed);
        }
    }

    /// The batch start set by [`Recorders::set_batch_start`] (raw clock reading).
    pub fn batch_start(&self) -> u64 {
        self.batch_start
    }

    /// Sets the batch start (the timed region's start), before any task runs.
    pub fn set_batch_start(&mut self, t: u64) {
        self.batch_start = t;
    }

    /// Turns tracing on for the next run: each worker's buffer holds up to `per_worker`
    /// tasks, its memory reserved now (before the timed region; kept for later runs).
    /// [`Recorders::reset`] turns it off again.
    pub fn start_trace(&mut self, per_worker: usize) {
        for s in &mut self.slots {
            let r = s.get_mut().unwrap_or_else(|p| p.into_inner());
            r.trace.clear();
            r.trace.reserve_exact(per_worker);
            r.trace_cap = per_worker;
            r.trace_dropped = 0;
        }
    }

    /// Hot path with recording on: one finished task (its label unknown: see
    /// [`Recorders::record_labelled`]).
    #[inline]
    pub fn record(
        &self,
        clock: &TaskClock,
        worker: usize,
        start: u64,
        end: u64,
        cpu: Option<usize>,
        digest: u64,
    ) {
        let label = Label {
            index: u64::MAX,
            node: None,
        };
        self.record_labelled(clock, worker, (start, end), cpu, digest, label);
    }

    /// Hot path with recording on: one finished task, `span` its raw start and end, with
    /// what it was (for the trace).
    #[inline]
    pub fn record_labelled(
        &self,
        clock: &TaskClock,
        worker: usize,
        span: (u64, u64),
        cpu: Option<usize>,
        digest: u64,
        label: Label,
    ) {
        let (start, end) = span;
        let wait = clock.ns(self.batch_start, start);
        let service = clock.ns(start, end);
        let response = clock.ns(self.batch_start, end);
        let clamped = u64::from(start < self.batch_start) + u64::from(end < start);
        let mut r = self.slots[worker].lock().unwrap_or_else(|p| p.into_inner());
        r.latency.wait.saturating_record(wait);
        r.latency.service.saturating_record(service);
        r.latency.response.saturating_record(response);
        r.tasks += 1;
        r.busy_ns += service;
        if r.last_cpu.is_some() && cpu.is_some() && r.last_cpu != cpu {
            r.cpu_changes += 1;
        }
        if cpu.is_some() {
            r.last_cpu = cpu;
        }
        r.last_end = r.last_end.max(end);
        r.clamped += clamped;
        r.checksum = r.checksum.wrapping_add(digest);
        if r.trace_cap != 0 {
            if r.trace.len() < r.trace_cap {
                let cpu = cpu.map_or(u32::MAX, |c| c as u32);
                r.trace.push(RawTask {
                    start,
                    end,
                    label,
                    cpu,
                });
            } else {
                r.trace_dropped += 1;
            }
        }
    }

    /// The one task body every strategy shares: runs task `i` of `work` on
    /// `worker`, timed and recorded when `latency`, else only its digest summed.
    /// Returns the service time in ns (0 without recording). Callers pass a
    /// constant `latency` where they can, so the branch folds away.
    #[inline]
    pub fn run_task(
        &self,
        clock: &TaskClock,
        worker: usize,
        latency: bool,
        work: &dyn Workload,
        i: usize,
    ) -> u64 {
        if latency {
            let on = topology::affinity::current_cpu();
            let s = clock.now();
            let r = work.run(i);
            let e = clock.now();
            let label = Label {
                index: i as u64,
                node: None,
            };
            self.record_labelled(clock, worker, (s, e), on, task_digest(i, r), label);
            clock.ns(s, e)
        } else {
            self.add_digest(worker, task_digest(i, work.run(i)));
            0
        }
    }

    /// Hot path with recording off: only the checksum, added to the worker's own
    /// accumulator with a plain load and store (see the module documentation).
    #[inline]
    pub fn add_digest(&self, worker: usize, digest: u64) {
        let sum = &self.sums[worker];
        sum.store(
            sum.load(Ordering::Relaxed).wrapping_add(digest),
            Ordering::Relaxed,
        );
    }

    /// The run's checksum: every worker's partial sum added up.
    pub fn checksum(&self) -> u64 {
        let mut sum = self
            .sums
            .iter()
            .fold(0u64, |a, s| a.wrapping_add(s.load(Ordering::Relaxed)));
        for s in &self.slots {
            sum = sum.wrapping_add(s.lock().unwrap_or_else(|p| p.into_inner()).checksum);
        }
        sum
    }

    /// Calls `f` with each worker's record, in worker order.
    pub fn for_each(&self, mut f: impl FnMut(usize, &WorkerRecord)) {
        for (w, s) in self.slots.iter().enumerate() {
            f(w, &s.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }

    /// All workers' histograms merged.
    pub fn merged(&self) -> Latency {
        let mut all = Latency::default();
        self.for_each(|_, r| all.add(&r.latency));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_merge_and_count_cpu_changes_and_clamps() {
        let clock = TaskClock::new(ClockKind::Instant);
        let mut rec = Recorders::new(2);
        rec.reset();
        rec.set_batch_start(100);
        rec.record(&clock, 0, 150, 400, Some(1), 5);
        rec.record(&clock, 0, 400, 450, Some(0), 0);
        rec.record(&clock, 0, 450, 460, Some(0), 0);
        rec.record(&clock, 1, 120, 130, Some(1), 7);
        // A start before the batch start and an end before the start: two clamps.
        rec.record(&clock, 1, 90, 80, None, 0);
        rec.add_digest(1, 1);
        assert_eq!(rec.checksum(), 13);
        let m = rec.merged();
        assert_eq!(m.response.len(), 5);
        assert_eq!(m.response.max(), m.response.highest_equivalent(360));
        let mut seen = Vec::new();
        rec.for_each(|_, r| seen.push((r.cpu_changes, r.clamped, r.last_end)));
        assert_eq!(seen, [(1, 0, 460), (0, 2, 130)]);
        rec.reset();
        assert_eq!(rec.checksum(), 0);
        assert_eq!(rec.merged().wait.len(), 0);
    }

    #[test]
    fn clocks_measure_positive_costs() {
        let c = ClockCosts::measure();
        assert!(c.instant_ns > 0.0 && c.tsc_ns > 0.0);
        let clock = TaskClock::new(c.chosen);
        let a = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = clock.now();
        assert!(clock.ns(a, b) >= 1_000_000);
    }
}

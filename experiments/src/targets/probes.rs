//! What the machine gave this process while a case ran: CPU time, time spent
//! waiting for a CPU, and how many CPUs' worth of work it can do right now.
//!
//! On a shared or virtual machine a slow case may be the machine's doing, not
//! the schedule's; these probes tell the two apart.

use std::time::{Duration, Instant};
use wsbench_report::stats::median;

/// CPU time used by this process so far (all threads), in seconds; NaN where
/// the clock cannot be read.
///
/// ```
/// let cpu = wsbench::targets::probes::process_cpu_seconds();
/// assert!(cpu >= 0.0);
/// ```
pub fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given, which lives
    // for the whole call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Time this process's threads spent runnable but waiting for a CPU, summed
/// over all of them, in ns (the second field of `/proc/self/task/*/schedstat`);
/// 0 where schedstat is missing.
///
/// If a case ran slowly while this stayed near zero, its threads were running,
/// not crowded out by other threads or by the machine.
///
/// ```
/// let before = wsbench::targets::probes::runqueue_wait_ns();
/// assert!(wsbench::targets::probes::runqueue_wait_ns() >= before);
/// ```
pub fn runqueue_wait_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

/// Measures how many CPUs' worth of work the machine gives this process.
///
/// p plain threads each spin a fixed loop of about 4 ms, against one thread
/// spinning it alone: p when all p CPUs are ours, about 1 when the machine has
/// taken all but one. A phase whose repetitions ran below p measured the
/// machine, not the schedules.
#[derive(Debug, Clone, Copy)]
pub struct CapacityProbe {
    p: usize,
    iters: u64,
}

impl CapacityProbe {
    /// A probe for `p` threads, its loop length calibrated on this thread now.
    pub fn new(p: usize) -> CapacityProbe {
        let probe = 1_000_000u64;
        let t = Instant::now();
        std::hint::black_box(spin(probe));
        let per = t.elapsed().as_secs_f64() / probe as f64;
        CapacityProbe {
            p,
            iters: ((4e-3 / per) as u64).max(10_000),
        }
    }

    /// The capacity now, in CPUs' worth (at most p).
    pub fn measure(&self) -> f64 {
        // Let the pools' idle workers park first: spinning ones would compete.
        std::thread::sleep(Duration::from_millis(5));
        // Both sides start and join threads, so that cost cancels out.
        let timed = |threads: usize| {
            let t = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| std::hint::black_box(spin(self.iters)));
                }
            });
            t.elapsed().as_secs_f64()
        };
        let one = timed(1);
        let all = timed(self.p);
        (self.p as f64 * one / all).min(self.p as f64)
    }
}

/// The capacity probe's fixed loop: `iters` dependent multiply-adds.
fn spin(iters: u64) -> u64 {
    let mut x = 0u64;
    for i in 0..iters {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
    }
    x
}

/// The line printed under a phase: the lowest and median capacity over its
/// repetitions, flagged when some repetition had less than p CPUs' worth.
pub fn capacity_line(p: usize, capacities: &[f64]) -> String {
    let min = capacities.iter().copied().fold(f64::MAX, f64::min);
    let med = median(capacities).unwrap_or(f64::NAN);
    let flag = if min < p as f64 - 0.5 {
        " -- LOW: some repetitions ran with less than p CPUs; read this phase as the machine's"
    } else {
        ""
    };
    format!("machine capacity (CPUs' worth, of p = {p}) per repetition: min {min:.2}, median {med:.2}{flag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let before = process_cpu_seconds();
        std::hint::black_box(spin(2_000_000));
        assert!(process_cpu_seconds() >= before);
    }

    #[test]
    fn capacity_line_flags_a_lost_cpu() {
        let full = capacity_line(2, &[2.0, 1.9, 2.0]);
        assert_eq!(
            full,
            "machine capacity (CPUs' worth, of p = 2) per repetition: min 1.90, median 2.00"
        );
        assert!(capacity_line(2, &[2.0, 1.0, 2.0]).ends_with("read this phase as the machine's"));
    }

    #[test]
    fn capacity_is_at_most_p() {
        let probe = CapacityProbe::new(2);
        let c = probe.measure();
        assert!(c > 0.0 && c <= 2.0, "{c}");
    }
}

//! Thin, safe wrappers over the operating system's CPU-affinity calls.
//!
//! `core_affinity` pins the calling thread; it cannot say which CPUs the process
//! may use *before* pinning (its list shrinks once a thread is pinned) nor where a
//! thread runs right now. Those two questions are answered here with `libc`.

/// The CPUs the calling thread may run on (`sched_getaffinity`), ascending.
///
/// This reflects cgroup cpusets and `taskset`. Call it once at start, before any
/// thread of the process is pinned. Returns `None` where the call is unsupported.
///
/// ```
/// if let Some(cpus) = topology::affinity::allowed_cpus() {
///     assert!(!cpus.is_empty());
/// }
/// ```
pub fn allowed_cpus() -> Option<Vec<usize>> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `cpu_set_t` is plain data; all-zero is a valid (empty) set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: we pass the true size of `set`, which the kernel fills in.
        let rc =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        if rc != 0 {
            return None;
        }
        let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `cpu < max` keeps CPU_ISSET inside the set.
        let cpus: Vec<usize> = (0..max)
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
            .collect();
        Some(cpus)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The CPU the calling thread is running on at this instant (`sched_getcpu`).
///
/// Used to count migrations: a task that runs on a CPU other than the one its
/// worker was pinned to. Returns `None` where unsupported.
///
/// ```
/// let _cpu: Option<usize> = topology::affinity::current_cpu();
/// ```
pub fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getcpu takes no arguments and only reads thread state.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Pins the calling thread to OS CPU `cpu`. Returns whether the OS accepted it.
pub fn pin_current(cpu: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: cpu })
}

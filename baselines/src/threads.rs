//! Linux thread ids and affinity for threads a runtime spawns without a start hook.

use std::collections::BTreeSet;

/// This thread's kernel id.
pub(crate) fn gettid() -> i32 {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { libc::gettid() }
}

/// The ids of this process's threads now.
pub(crate) fn task_ids() -> BTreeSet<i32> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A thread's name (`/proc/self/task/TID/comm`).
pub(crate) fn comm(tid: i32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
        .ok()
        .map(|s| s.trim_end().to_string())
}

/// The CPU thread `tid` last ran on (field 39 of its `stat`).
pub(crate) fn last_cpu(tid: i32) -> Option<usize> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // The name (field 2) may hold spaces; fields after its closing parenthesis do not.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(36)?.parse().ok()
}

/// Restricts thread `tid` to `cpus`; false when the kernel refuses (or `cpus` is empty).
pub(crate) fn pin_tid(tid: i32, cpus: &[usize]) -> bool {
    if cpus.is_empty() {
        return false;
    }
    // SAFETY: `cpu_set_t` is plain data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus {
        if c >= libc::CPU_SETSIZE as usize {
            return false;
        }
        // SAFETY: `c` is below CPU_SETSIZE, checked above.
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed; a bad tid is an error return.
    unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_thread_is_listed_with_its_name_and_cpu() {
        let tid = gettid();
        assert!(task_ids().contains(&tid));
        std::thread::Builder::new()
            .name("wsb-probe".into())
            .spawn(|| {
                let me = gettid();
                assert_eq!(comm(me).as_deref(), Some("wsb-probe"));
                assert!(last_cpu(me).is_some());
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(!pin_tid(tid, &[]));
    }
}

//! `wsbench topology --format omp|taskset|likwid`: a resolved placement in
//! another tool's words, so that a result can be reproduced with it.

use super::{plural, Format, Resolved};
use std::fmt::Write as _;
use topology::cpulist::format_list;

/// The other tool a format names, if it is one.
pub(super) fn other_tool(format: Format) -> Option<&'static str> {
    match format {
        Format::Omp => Some("omp"),
        Format::Taskset => Some("taskset"),
        Format::Likwid => Some("likwid"),
        Format::Text | Format::Csv | Format::Json => None,
    }
}

/// The worker → CPU map in OpenMP's, taskset's or likwid-pin's words: a
/// comment line saying what the tool does and does not reproduce, then the
/// line to put before the program's command.
pub(crate) fn reproduce(r: &Resolved, format: Format) -> String {
    let n = r.workers.len();
    let mut s = format!(
        "# wsbench placement {}, {}",
        r.placement,
        plural(n, "worker")
    );
    let cpus: Vec<usize> = r.workers.iter().flatten().copied().collect();
    if cpus.is_empty() {
        s.push_str(": workers are not pinned, so there is no binding to reproduce\n");
        if format == Format::Omp {
            let _ = writeln!(s, "OMP_PROC_BIND=false OMP_NUM_THREADS={n}");
        }
        return s;
    }
    let mut set = cpus.clone();
    set.sort_unstable();
    set.dedup();
    let shared = set.len() < cpus.len();
    match format {
        Format::Omp => {
            s.push_str("; OpenMP thread i runs where worker i runs (one place per thread)\n");
            if shared {
                s.push_str("# a CPU listed twice runs two threads, as it runs two workers\n");
            }
            let places: Vec<String> = cpus.iter().map(|c| format!("{{{c}}}")).collect();
            let _ = writeln!(
                s,
                "OMP_PLACES='{}' OMP_PROC_BIND=close OMP_NUM_THREADS={n}",
                places.join(",")
            );
        }
        Format::Taskset => {
            s.push('\n');
            s.push_str(
                "# taskset binds the whole process to this set of CPUs, not each thread to one: \
                 the OS may still move threads within it (--format omp or likwid pins each thread)\n",
            );
            let _ = writeln!(s, "taskset -c {}", format_list(&set));
        }
        _ => {
            s.push('\n');
            s.push_str(
                "# likwid-pin pins threads to this list in the order they are created, the main \
                 thread first; it skips the helper threads of Intel's and GNU's OpenMP itself \
                 (for other runtimes with helper threads, add a skip mask: -s 0x...)\n",
            );
            if shared {
                s.push_str("# a CPU listed twice runs two threads, as it runs two workers\n");
            }
            let list: Vec<String> = cpus.iter().map(usize::to_string).collect();
            let _ = writeln!(s, "likwid-pin -c {}", list.join(","));
        }
    }
    s
}

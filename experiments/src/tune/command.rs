//! Measuring the user's own program (`--command`): one run of the command per
//! measurement, through `sh -c`, with the candidate's placement and schedule in its
//! environment and its CPU affinity, so that an OpenMP or rayon program is tuned
//! without changes.
//!
//! * Placeholders in the command: `{workers}`, `{cpus}` (the CPU set as `taskset -c`
//!   takes it; unpinned, every CPU wsbench may use), `{omp_places}` (empty when unpinned),
//!   `{omp_proc_bind}`, `{schedule}` (the `OMP_SCHEDULE` value).
//! * Environment: `OMP_NUM_THREADS`, `OMP_SCHEDULE`, and for a pinned placement
//!   `OMP_PLACES` (one place per worker, in worker order) with `OMP_PROC_BIND=close`;
//!   unpinned (`none`): `OMP_PROC_BIND=false` and no `OMP_PLACES`.
//! * Affinity: the child's CPU mask is the candidate's CPU set (set between fork and exec,
//!   so the shell and everything it starts inherit it); unpinned keeps wsbench's own.
//! * The objective: the wall time from spawn to exit, or with `--metric REGEX` the number
//!   in the regex's first capture group of the program's standard output (then its
//!   error output). A non-zero exit, a run past `--timeout` (killed with its process
//!   group) or a missing metric fails the candidate; it is never averaged in.

use regex::Regex;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use topology::cpulist::format_list;

use super::race::Failure;
use super::space::{Candidate, Method};
use super::state::{Live, Measured};
use crate::run::sweep::INTERRUPTED;

/// The placeholders a command may use.
pub const PLACEHOLDERS: &str = "{workers}, {cpus}, {omp_places}, {omp_proc_bind}, {schedule}";

/// What the objective is.
#[derive(Debug, Clone)]
pub struct Objective {
    /// The metric's pattern (first capture group), or `None` for wall time.
    pub metric: Option<Regex>,
    /// Whether a larger metric is better (the cost is then its reciprocal).
    pub maximize: bool,
}

/// The live measurer of command mode.
pub struct CommandRunner {
    /// The command template.
    pub template: String,
    /// The candidates.
    pub candidates: Vec<Candidate>,
    /// The objective.
    pub objective: Objective,
    /// The longest a run may take.
    pub timeout: Duration,
    /// The end of a time budget.
    pub deadline: Option<Instant>,
}

/// The environment of a candidate's run: (name, value), and the values of the placeholders.
pub fn environment(c: &Candidate) -> Vec<(&'static str, String)> {
    let schedule = match &c.method {
        Method::OmpSchedule(s) => s.clone(),
        Method::Strategy(s, _) => s.to_string(),
    };
    let pinned: Vec<usize> = c.cpus.iter().flatten().copied().collect();
    let (places, bind) = if pinned.is_empty() {
        (String::new(), "false".to_string())
    } else {
        let p: Vec<String> = pinned.iter().map(|c| format!("{{{c}}}")).collect();
        (p.join(","), "close".to_string())
    };
    // Unpinned: {cpus} is every CPU this process may use (the child's mask is left as is).
    let mut set = if pinned.is_empty() {
        topology::affinity::allowed_cpus().unwrap_or_default()
    } else {
        pinned.clone()
    };
    set.sort_unstable();
    set.dedup();
    vec![
        ("OMP_NUM_THREADS", c.workers.to_string()),
        ("OMP_SCHEDULE", schedule),
        ("OMP_PLACES", places),
        ("OMP_PROC_BIND", bind),
        ("WSBENCH_CPUS", format_list(&set)),
    ]
}

/// The command line of a candidate: the template with its placeholders filled in.
pub fn command_line(template: &str, c: &Candidate) -> String {
    let env = environment(c);
    let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    template
        .replace("{workers}", &c.workers.to_string())
        .replace("{cpus}", &get("WSBENCH_CPUS").unwrap_or_default())
        .replace("{omp_places}", &get("OMP_PLACES").unwrap_or_default())
        .replace("{omp_proc_bind}", &get("OMP_PROC_BIND").unwrap_or_default())
        .replace("{schedule}", &get("OMP_SCHEDULE").unwrap_or_default())
}

/// Sets the calling (child) process's CPU mask to `cpus`.
fn set_affinity(cpus: &[usize]) -> std::io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET writes inside it for
    // CPUs below CPU_SETSIZE (larger ids are skipped), and sched_setaffinity reads
    // exactly size_of::<cpu_set_t>() bytes of it. Only async-signal-safe calls are made
    // (this runs between fork and exec).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &c in cpus.iter().filter(|&&c| c < libc::CPU_SETSIZE as usize) {
            libc::CPU_SET(c, &mut set);
        }
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// One run's result: exit status, wall time, output.
struct Ran {
    status: std::process::ExitStatus,
    wall: Duration,
    stdout: String,
    stderr: String,
}

impl CommandRunner {
    fn spawn(&self, c: &Candidate) -> Result<Ran, Failure> {
        let line = command_line(&self.template, c);
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&line).stdin(Stdio::null());
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in environment(c) {
            if k == "WSBENCH_CPUS" || (k == "OMP_PLACES" && v.is_empty()) {
                continue;
            }
            cmd.env(k, v);
        }
        cmd.env_remove("GOMP_CPU_AFFINITY").process_group(0);
        let pinned: Vec<usize> = c.cpus.iter().flatten().copied().collect();
        if !pinned.is_empty() {
            // SAFETY: the closure only calls `set_affinity`, which is async-signal-safe.
            unsafe {
                cmd.pre_exec(move || set_affinity(&pinned));
            }
        }
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| Failure::Abort(format!("cannot run `sh -c {line}`: {e}")))?;
        let pid = child.id() as libc::pid_t;
        let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut o = String::new();
            let mut e = String::new();
            let reader = std::thread::spawn(move || {
                if let Some(err) = err.as_mut() {
                    let _ = err.read_to_string(&mut e);
                }
                e
            });
            if let Some(out) = out.as_mut() {
                let _ = out.read_to_string(&mut o);
            }
            let status = child.wait();
            let wall = start.elapsed();
            let e = reader.join().unwrap_or_default();
            let _ = tx.send((status, wall, o, e));
        });
        match rx.recv_timeout(self.timeout) {
            Ok((Ok(status), wall, stdout, stderr)) => Ok(Ran {
                status,
                wall,
                stdout,
                stderr,
            }),
            Ok((Err(e), ..)) => Err(Failure::Candidate(format!("waiting for it: {e}"))),
            Err(_) => {
                // SAFETY: kill(2) on the child's process group (made by process_group(0)).
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                let _ = rx.recv();
                Err(Failure::Candidate(format!(
                    "timed out after {:?} (killed)",
                    self.timeout
                )))
            }
        }
    }

    /// The cost and raw value of a finished run, or why it does not count.
    fn objective(&self, ran: &Ran) -> Measured {
        if !ran.status.success() {
            let tail: String = ran
                .stderr
                .lines()
                .last()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            return Err(Failure::Candidate(format!(
                "{}; stderr: {tail}",
                ran.status
            )));
        }
        let Some(re) = &self.objective.metric else {
            let ns = ran.wall.as_nanos() as f64;
            return Ok((ns, ns));
        };
        let found = [&ran.stdout, &ran.stderr].iter().find_map(|text| {
            re.captures(text)?
                .get(1)?
                .as_str()
                .trim()
                .parse::<f64>()
                .ok()
        });
        match found {
            Some(v) if v.is_finite() && v > 0.0 => {
                Ok((if self.objective.maximize { 1.0 / v } else { v }, v))
            }
            Some(v) => Err(Failure::Candidate(format!(
                "the metric is {v}, not a positive number"
            ))),
            None => Err(Failure::Candidate(format!(
                "no metric: --metric {} found no number in the output",
                re.as_str()
            ))),
        }
    }
}

impl Live for CommandRunner {
    fn run(&mut self, c: usize, _round: usize) -> Measured {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(Failure::Abort("interrupted".into()));
        }
        let cand = self.candidates[c].clone();
        let ran = self.spawn(&cand)?;
        self.objective(&ran)
    }

    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

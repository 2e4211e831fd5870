//! A warm, pinned OpenMP team (GNU libgomp) running loops whose body is Rust.
//!
//! The team's leader (OpenMP thread 0) is a long-lived thread of its own — a one-worker
//! [`scheduler::Pool`] pinned to the first CPU — and every region is started from it and
//! waited for by the caller, as the caller of our pool or of rayon waits. libgomp keeps
//! one thread pool per thread that starts regions, so each [`OmpTeam`] owns its own
//! libgomp threads: created by [`OmpTeam::new`]'s empty region (the warm-up), reused by
//! every later region of the same size. Several teams of different sizes can therefore
//! live side by side without libgomp resizing one pool between them.
//!
//! Every region sets `omp_set_dynamic(0)` and `num_threads(p)` and is refused afterwards
//! if it still got fewer than `p` threads (`OMP_THREAD_LIMIT`). Each thread pins itself to
//! its CPU at the start of every region (cheap when already there; it survives libgomp
//! recreating a thread) and notes where it was at the start and at the end
//! ([`RegionReport`]). Environment variables libgomp reads (`OMP_WAIT_POLICY`,
//! `GOMP_SPINCOUNT`, …) act as usual; [`facts`] lists them for `meta.json`.

use std::collections::BTreeMap;
use std::fmt;

use scheduler::Pool;
use serde::Serialize;

use crate::panics::PanicSlot;
use crate::schedule::OmpSchedule;

/// Why a team could not be built or a region was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OmpError {
    /// This build has no OpenMP (the message says why and how to get it).
    Unavailable(String),
    /// The runtime gave a different team size, the leader could not be built, or a thread
    /// could not be pinned.
    Team(String),
}

impl fmt::Display for OmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OmpError::Unavailable(m) | OmpError::Team(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for OmpError {}

/// Why this build cannot run OpenMP strategies, with how to get them; `None` when it can.
///
/// ```
/// if let Some(why) = wsbench_baselines::openmp::unavailable() {
///     assert!(why.starts_with("OpenMP unavailable: ") && why.contains("libgomp"));
/// }
/// ```
pub fn unavailable() -> Option<String> {
    if cfg!(wsbench_no_openmp) {
        Some(format!(
            "OpenMP unavailable: {}; install gcc with libgomp (Debian: apt-get install gcc; \
             the C compiler, or $CC, must build and link with -fopenmp) and rebuild wsbench",
            env!("WSBENCH_OMP_REASON")
        ))
    } else {
        None
    }
}

/// Why `omp-llvm:SCHED` (LLVM's libomp) cannot run in this build.
pub fn llvm_unavailable() -> String {
    let found = env!("WSBENCH_LLVM_LIBOMP");
    let why = if found.is_empty() {
        "LLVM's libomp was not found when wsbench was built (Debian: apt-get install \
         libomp-dev, then rebuild)"
            .to_string()
    } else {
        format!("LLVM's libomp was found at {found} when wsbench was built")
    };
    format!(
        "{why}, and this build runs GNU libgomp only: two OpenMP runtimes in one process \
         export the same symbols, so omp-llvm needs a separately loaded shim that is not written"
    )
}

/// Where each thread of one region ran: `sched_getcpu` at its start (after pinning) and at
/// its end; `None` where the kernel did not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionReport {
    /// Threads the region had (always the team's size).
    pub threads: usize,
    /// CPU of each thread (by OpenMP thread number) once pinned, at the region's start.
    pub cpu_start: Vec<Option<usize>>,
    /// CPU of each thread at the region's end.
    pub cpu_end: Vec<Option<usize>>,
}

impl RegionReport {
    /// Threads seen off their pinned CPU at the start or the end of the region.
    pub fn moved(&self, pinned: &[Option<usize>]) -> usize {
        (0..self.threads)
            .filter(|&t| {
                let want = pinned.get(t).copied().flatten();
                want.is_some()
                    && [&self.cpu_start, &self.cpu_end]
                        .iter()
                        .any(|v| v.get(t).copied().flatten() != want)
            })
            .count()
    }

    fn from_raw(threads: usize, start: &[i32], end: &[i32]) -> RegionReport {
        let cpu = |v: &[i32]| v.iter().map(|&c| usize::try_from(c).ok()).collect();
        RegionReport {
            threads,
            cpu_start: cpu(start),
            cpu_end: cpu(end),
        }
    }
}

/// The runtime's facts for `meta.json`.
#[derive(Debug, Clone, Serialize)]
pub struct OmpFacts {
    /// Whether `omp:*` strategies can run in this build.
    pub available: bool,
    /// Why not, when they cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// `_OPENMP` as the shim was compiled (yyyymm of the OpenMP specification).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openmp_macro: Option<u32>,
    /// The C compiler that built the shim (`cc --version`, first line, at build time).
    pub compiler: String,
    /// The OpenMP runtime library loaded in this process (from `/proc/self/maps`, links
    /// resolved: libgomp's file name carries its version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_library: Option<String>,
    /// `OMP_WAIT_POLICY` as set, or `unset` (libgomp then spins a while before sleeping).
    pub wait_policy: String,
    /// Every `OMP_*` and `GOMP_*` variable in the environment.
    pub env: BTreeMap<String, String>,
    /// LLVM's libomp as found at build time (`omp-llvm` is not run either way).
    pub llvm_libomp: String,
}

/// What this process's OpenMP runtime is and how it is configured.
pub fn facts() -> OmpFacts {
    let env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("OMP_") || k.starts_with("GOMP_"))
        .collect();
    let llvm = env!("WSBENCH_LLVM_LIBOMP");
    OmpFacts {
        available: unavailable().is_none(),
        unavailable: unavailable(),
        openmp_macro: ffi::openmp_macro(),
        compiler: env!("WSBENCH_OMP_COMPILER").to_string(),
        runtime_library: loaded_library("libgomp"),
        wait_policy: env
            .get("OMP_WAIT_POLICY")
            .cloned()
            .unwrap_or_else(|| "unset".into()),
        env,
        llvm_libomp: if llvm.is_empty() {
            "not found at build time".into()
        } else {
            format!("found at build time: {llvm} (not used)")
        },
    }
}

/// The first mapped file whose name contains `name`, links resolved.
fn loaded_library(name: &str) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let path = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.rsplit('/').next().is_some_and(|f| f.contains(name)))?;
    let real = std::fs::canonicalize(path).ok()?;
    Some(real.display().to_string())
}

/// A warm OpenMP team of `p` threads pinned to a worker → CPU map.
pub struct OmpTeam {
    leader: Pool,
    cpus: Vec<Option<usize>>,
    c_cpus: Vec<i32>,
}

/// The context one region's callbacks get: the body and the slot for its first panic.
struct Ctx<'a> {
    body: &'a (dyn Fn(usize, usize) + Sync),
    panic: PanicSlot,
}

/// One index from C: runs the body, never lets a panic unwind into the C caller.
extern "C" fn trampoline(ctx: *mut std::ffi::c_void, thread: i32, index: usize) {
    // SAFETY: `ctx` is the `&Ctx` a region of this module passed to the shim, which calls
    // back only until that region returns, while the `Ctx` is alive on the caller's frame.
    let ctx = unsafe { &*(ctx as *const Ctx<'_>) };
    ctx.panic
        .call(|| (ctx.body)(usize::try_from(thread).unwrap_or(0), index));
}

/// Which loop a region runs.
#[derive(Clone, Copy)]
enum Loop {
    For(OmpSchedule),
    Taskloop(usize),
}

impl OmpTeam {
    /// A team of `cpus.len()` threads, thread `t` pinned to `cpus[t]` (`None`: not pinned),
    /// warmed by one empty region.
    pub fn new(cpus: &[Option<usize>]) -> Result<OmpTeam, OmpError> {
        if let Some(why) = unavailable() {
            return Err(OmpError::Unavailable(why));
        }
        if cpus.is_empty() || cpus.len() > i32::MAX as usize {
            return Err(OmpError::Team(format!(
                "an OpenMP team needs 1..={} threads, not {}",
                i32::MAX,
                cpus.len()
            )));
        }
        let leader = Pool::builder()
            .workers(1)
            .pin_to(vec![cpus[0]])
            .build()
            .map_err(|e| OmpError::Team(format!("starting the OpenMP leader thread: {e}")))?;
        let c_cpus = cpus
            .iter()
            .map(|c| c.and_then(|c| i32::try_from(c).ok()).unwrap_or(-1))
            .collect();
        let team = OmpTeam {
            leader,
            cpus: cpus.to_vec(),
            c_cpus,
        };
        let p = team.workers();
        let mut start = vec![-1i32; p];
        let got = team
            .leader
            .scope(|_| ffi::warm(p, &team.c_cpus, &mut start));
        team.check(got)?;
        Ok(team)
    }

    /// The team's size.
    pub fn workers(&self) -> usize {
        self.cpus.len()
    }

    /// Each thread's CPU (by OpenMP thread number).
    pub fn cpus(&self) -> &[Option<usize>] {
        &self.cpus
    }

    /// `parallel for schedule(runtime)` over `0..n` with `sched` as the run-sched-var;
    /// `body(thread, index)` runs once per index. A panic in `body` is re-raised here once
    /// the region has ended (the indices after it are skipped).
    pub fn for_each(
        &self,
        sched: &OmpSchedule,
        n: usize,
        body: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<RegionReport, OmpError> {
        self.region(Loop::For(*sched), n, body)
    }

    /// `taskloop grainsize(grain)` over `0..n`, generated by one thread inside
    /// `parallel`/`single`; otherwise as [`OmpTeam::for_each`].
    pub fn taskloop(
        &self,
        grain: usize,
        n: usize,
        body: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<RegionReport, OmpError> {
        self.region(Loop::Taskloop(grain.max(1)), n, body)
    }

    fn region(
        &self,
        what: Loop,
        n: usize,
        body: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<RegionReport, OmpError> {
        let p = self.workers();
        let ctx = Ctx {
            body,
            panic: PanicSlot::default(),
        };
        let (mut start, mut end) = (vec![-1i32; p], vec![-1i32; p]);
        let c_cpus = &self.c_cpus;
        let ctx_ref = &ctx;
        let got = self.leader.scope(|_| {
            let f = ffi::Region {
                cpus: c_cpus,
                body: trampoline,
                ctx: ctx_ref as *const Ctx<'_> as *mut std::ffi::c_void,
                n,
            };
            match what {
                Loop::For(s) => f.run_for(s.code(), s.chunk_arg(), &mut start, &mut end),
                Loop::Taskloop(g) => f.run_taskloop(g, &mut start, &mut end),
            }
        });
        ctx.panic.resume();
        self.check(got)?;
        Ok(RegionReport::from_raw(p, &start, &end))
    }

    /// A region's return value: the team size, or -1 when a thread could not be pinned.
    fn check(&self, got: i32) -> Result<(), OmpError> {
        let p = self.workers();
        match got {
            -1 => Err(OmpError::Team(format!(
                "an OpenMP thread could not be pinned to its CPU (map {:?})",
                self.cpus
            ))),
            g if usize::try_from(g) == Ok(p) => Ok(()),
            g => Err(OmpError::Team(format!(
                "asked libgomp for {p} threads and got {g} (is OMP_THREAD_LIMIT set?)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_counts_threads_seen_off_their_pinned_cpu() {
        let r = RegionReport::from_raw(3, &[0, 1, -1], &[0, 0, 5]);
        assert_eq!(r.cpu_start, [Some(0), Some(1), None]);
        // Thread 1 ended on CPU 0; thread 2 is not pinned.
        assert_eq!(r.moved(&[Some(0), Some(1), None]), 1);
        assert_eq!(r.moved(&[Some(0), Some(0), Some(5)]), 2);
        assert_eq!(r.moved(&[None, None, None]), 0);
    }

    #[test]
    fn the_loaded_runtime_is_found_by_name() {
        assert!(loaded_library("no-such-library-name").is_none());
        if unavailable().is_none() {
            // A binary that never starts a team may not load libgomp at all (--as-needed).
            OmpTeam::new(&[None]).unwrap();
            assert!(loaded_library("libgomp").unwrap().starts_with('/'));
        }
    }
}

#[cfg(not(wsbench_no_openmp))]
mod ffi {
    use std::ffi::c_void;

    /// The shim's callback: `(ctx, thread, index)`.
    pub(super) type Body = extern "C" fn(*mut c_void, i32, usize);

    extern "C" {
        fn wsb_openmp_macro() -> i32;
        fn wsb_omp_warm(p: i32, cpus: *const i32, cpu_start: *mut i32) -> i32;
        fn wsb_omp_for(
            p: i32,
            cpus: *const i32,
            kind: u32,
            chunk: i32,
            n: usize,
            body: Body,
            ctx: *mut c_void,
            cpu_start: *mut i32,
            cpu_end: *mut i32,
        ) -> i32;
        fn wsb_omp_taskloop(
            p: i32,
            cpus: *const i32,
            grain: usize,
            n: usize,
            body: Body,
            ctx: *mut c_void,
            cpu_start: *mut i32,
            cpu_end: *mut i32,
        ) -> i32;
    }

    pub(super) fn openmp_macro() -> Option<u32> {
        // SAFETY: returns a constant.
        u32::try_from(unsafe { wsb_openmp_macro() }).ok()
    }

    /// The empty warm-up region; `start` has one slot per CPU in `cpus`.
    pub(super) fn warm(p: usize, cpus: &[i32], start: &mut [i32]) -> i32 {
        assert!(cpus.len() == p && start.len() == p);
        // SAFETY: both arrays hold `p` ints; thread t < p touches only slot t.
        unsafe { wsb_omp_warm(p as i32, cpus.as_ptr(), start.as_mut_ptr()) }
    }

    /// One loop region's arguments.
    pub(super) struct Region<'a> {
        pub cpus: &'a [i32],
        pub body: Body,
        pub ctx: *mut c_void,
        pub n: usize,
    }

    impl Region<'_> {
        pub(super) fn run_for(&self, kind: u32, chunk: i32, s: &mut [i32], e: &mut [i32]) -> i32 {
            let p = self.cpus.len();
            assert!(s.len() == p && e.len() == p);
            // SAFETY: the arrays hold `p` ints (checked); `ctx` outlives the call (see
            // `trampoline`), and the shim calls `body` only before it returns.
            unsafe {
                let (cp, sp, ep) = (self.cpus.as_ptr(), s.as_mut_ptr(), e.as_mut_ptr());
                wsb_omp_for(
                    p as i32, cp, kind, chunk, self.n, self.body, self.ctx, sp, ep,
                )
            }
        }

        pub(super) fn run_taskloop(&self, grain: usize, s: &mut [i32], e: &mut [i32]) -> i32 {
            let p = self.cpus.len();
            assert!(s.len() == p && e.len() == p);
            // SAFETY: as in `run_for`.
            unsafe {
                let (cp, sp, ep) = (self.cpus.as_ptr(), s.as_mut_ptr(), e.as_mut_ptr());
                wsb_omp_taskloop(p as i32, cp, grain, self.n, self.body, self.ctx, sp, ep)
            }
        }
    }
}

/// Without OpenMP no team can be built, so no region is ever run.
#[cfg(wsbench_no_openmp)]
mod ffi {
    use std::ffi::c_void;

    pub(super) type Body = extern "C" fn(*mut c_void, i32, usize);

    pub(super) fn openmp_macro() -> Option<u32> {
        None
    }

    pub(super) fn warm(_: usize, _: &[i32], _: &mut [i32]) -> i32 {
        unreachable!("OmpTeam::new refuses to build a team without OpenMP")
    }

    /// The same arguments as with OpenMP, never read: no region runs in this build.
    #[allow(dead_code)]
    pub(super) struct Region<'a> {
        pub cpus: &'a [i32],
        pub body: Body,
        pub ctx: *mut c_void,
        pub n: usize,
    }

    impl Region<'_> {
        pub(super) fn run_for(&self, _: u32, _: i32, _: &mut [i32], _: &mut [i32]) -> i32 {
            unreachable!("OmpTeam::new refuses to build a team without OpenMP")
        }

        pub(super) fn run_taskloop(&self, _: usize, _: &mut [i32], _: &mut [i32]) -> i32 {
            unreachable!("OmpTeam::new refuses to build a team without OpenMP")
        }
    }
}

//! LB4OMP's dynamic loop scheduling (DLS) techniques on our workers.
//!
//! Korndörfer, Eleliemy, Mohammed and Ciorba, "LB4OMP: A Dynamic Load
//! Balancing Library for Multithreaded Applications", IEEE TPDS 33(4), 2022
//! (online 2021, doi:10.1109/TPDS.2021.3107775), put
//! the DLS catalogue into LLVM's OpenMP runtime. Here the same techniques run
//! as [`crate::Schedule::Dls`] on the pool's workers, beside our own
//! schedules. Each has its own module with the paper it comes from and its
//! chunk formula; the formulas follow LB4OMP's `kmp_dispatch.cpp`, and where
//! ours differ (no profiling run, a seeded RNG) the module says so.
//!
//! All are self-scheduling, as OpenMP's `dynamic` and `guided`: the call keeps
//! a shared counter of the next index not yet handed out. A participant that
//! needs work takes the next request number `k` (a second shared counter,
//! only for the techniques whose chunk depends on it), computes its chunk from
//! the technique's rule and claims `[lo, lo + chunk)` with a compare-and-swap
//! that stops at the end of the range (so the counter never wraps, whatever
//! the range or the chunk). Which indices run exactly once depends only on
//! that CAS; the formulas only size the chunks (at least 1, at most what is
//! left). The adaptive techniques time each chunk ([`timing`]); the others
//! run a chunk as a plain loop over its indices.

mod af;
mod awf;
mod fac2;
mod fiss;
mod mfsc;
mod pls;
mod rnd;
mod tap;
#[cfg(test)]
mod tests;
mod tfss;
mod timing;
mod tss;
mod viss;

use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use timing::{IterStats, Slots};

/// A dynamic loop scheduling technique of LB4OMP's catalogue (see
/// [`crate::Schedule::Dls`] and the table in `scheduler/README.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dls {
    /// `tss`: trapezoid self-scheduling (Tzen and Ni 1993): linearly shrinking chunks.
    Tss,
    /// `tfss`: trapezoid factoring self-scheduling (Chronopoulos et al. 2001):
    /// TSS's chunks averaged over batches of `p`.
    Tfss,
    /// `fac2`: factoring (Hummel, Schonberg, Flynn 1992), practical form: each
    /// batch of `p` chunks hands out half of the remaining work.
    Fac2,
    /// `mfsc`: LB4OMP's modified fixed-size chunking: one chunk size from `n` and `p`.
    Mfsc,
    /// `tap`: taper (Lucco 1992): guided, cut back by the measured variability.
    Tap,
    /// `fiss`: fixed increase size chunking (Philip and Das 1997).
    Fiss,
    /// `viss`: variable increase size chunking (Philip and Das 1997).
    Viss,
    /// `rnd`: chunk sizes drawn uniformly from `[1, K]` (seeded).
    Rnd,
    /// `pls`: performance-based loop scheduling (Shih, Yang, Tseng 2007): half
    /// the loop in `p` static parts, the rest as guided self-scheduling.
    Pls,
    /// `af`: adaptive factoring (Banicescu and Liu 2000): per-worker mean and
    /// variance of iterate times measured during the loop.
    Af,
    /// `awf-b`: adaptive weighted factoring (Cariño and Banicescu 2008), by batch.
    AwfB,
    /// `awf-c`: adaptive weighted factoring, by chunk.
    AwfC,
}

impl Dls {
    /// Every technique, in the order of the README's table.
    pub const ALL: [Dls; 12] = [
        Dls::Tss,
        Dls::Tfss,
        Dls::Fac2,
        Dls::Mfsc,
        Dls::Tap,
        Dls::Fiss,
        Dls::Viss,
        Dls::Rnd,
        Dls::Pls,
        Dls::Af,
        Dls::AwfB,
        Dls::AwfC,
    ];

    /// The technique's name in schedules, configs and CSV files (LB4OMP's,
    /// with `-` for `_`).
    pub fn name(self) -> &'static str {
        match self {
            Dls::Tss => "tss",
            Dls::Tfss => "tfss",
            Dls::Fac2 => "fac2",
            Dls::Mfsc => "mfsc",
            Dls::Tap => "tap",
            Dls::Fiss => "fiss",
            Dls::Viss => "viss",
            Dls::Rnd => "rnd",
            Dls::Pls => "pls",
            Dls::Af => "af",
            Dls::AwfB => "awf-b",
            Dls::AwfC => "awf-c",
        }
    }

    /// The technique called `name`, if any.
    pub fn from_name(name: &str) -> Option<Dls> {
        Dls::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A technique's fixed parameters for one loop, computed once per call.
#[derive(Clone, Copy, Debug)]
enum Rule {
    Tss(tss::Tss),
    Tfss(tfss::Tfss),
    Fac2,
    Mfsc(usize),
    Tap,
    Fiss(fiss::Fiss),
    Viss(viss::Viss),
    Rnd(rnd::Rnd),
    Pls(pls::Pls),
    Af,
    AwfB,
    AwfC,
}

/// What one participant keeps between its requests.
enum Local {
    /// The techniques without measurements.
    Plain,
    Tap(IterStats),
    Af(af::Worker),
    Awf(awf::Worker),
}

/// The shared state of one `for_each_index` call with a DLS technique.
pub(crate) struct DlsLoop {
    rule: Rule,
    /// The smallest chunk (the chunk argument; 1 when not given).
    min: usize,
    /// Number of indices.
    len: usize,
    /// Number of participants.
    parts: usize,
    /// The next offset not yet handed out.
    next: CachePadded<AtomicUsize>,
    /// The next request number, for the rules that count requests.
    steps: CachePadded<AtomicUsize>,
    /// Per-participant measurements; empty for the rules without.
    slots: Slots,
}

impl DlsLoop {
    /// The state of a call over `len` indices on `parts` participants;
    /// `chunk` is the technique's argument (0: not given).
    pub(crate) fn new(technique: Dls, chunk: usize, len: usize, parts: usize) -> Self {
        let (n, p, k) = (len, parts.max(1), chunk.max(1));
        let rule = match technique {
            Dls::Tss => Rule::Tss(tss::Tss::new(n, p, k)),
            Dls::Tfss => Rule::Tfss(tfss::Tfss::new(n, p, k)),
            Dls::Fac2 => Rule::Fac2,
            Dls::Mfsc => Rule::Mfsc(mfsc::chunk(n, p, k)),
            Dls::Tap => Rule::Tap,
            Dls::Fiss => Rule::Fiss(fiss::Fiss::new(n, p, k)),
            Dls::Viss => Rule::Viss(viss::Viss::new(n, p, k)),
            Dls::Rnd => Rule::Rnd(rnd::Rnd::new(n, p, chunk)),
            Dls::Pls => Rule::Pls(pls::Pls::new(n, p, k)),
            Dls::Af => Rule::Af,
            Dls::AwfB => Rule::AwfB,
            Dls::AwfC => Rule::AwfC,
        };
        let timed = matches!(rule, Rule::Tap | Rule::Af | Rule::AwfB | Rule::AwfC);
        DlsLoop {
            rule,
            min: k,
            len,
            parts: p,
            next: CachePadded::new(AtomicUsize::new(0)),
            steps: CachePadded::new(AtomicUsize::new(0)),
            slots: timing::slots(if timed { p } else { 0 }),
        }
    }

    /// Participant `w`'s share: requests chunks until the range is handed
    /// out, runs `run(offset)` for each offset of each; returns how many ran.
    pub(crate) fn participate(&self, w: usize, run: impl Fn(usize)) -> u64 {
        let mut local = self.local();
        let mut ran = 0;
        while let Some((lo, hi)) = self.request(w, &mut local) {
            if let Local::Plain = local {
                (lo..hi).for_each(&run);
            } else {
                let started = Instant::now();
                (lo..hi).for_each(&run);
                self.record(&mut local, w, hi - lo, timing::seconds(started.elapsed()));
            }
            ran += (hi - lo) as u64;
        }
        ran
    }

    /// A participant's state at its start.
    fn local(&self) -> Local {
        match self.rule {
            Rule::Tap => Local::Tap(IterStats::default()),
            Rule::Af => Local::Af(af::Worker::default()),
            Rule::AwfB | Rule::AwfC => Local::Awf(awf::Worker::default()),
            _ => Local::Plain,
        }
    }

    /// Whether a request takes a request number first (the rules that count them).
    fn counts_steps(&self) -> bool {
        matches!(
            self.rule,
            Rule::Tss(_)
                | Rule::Tfss(_)
                | Rule::Fac2
                | Rule::Fiss(_)
                | Rule::Viss(_)
                | Rule::Rnd(_)
                | Rule::Pls(_)
                | Rule::AwfB
        )
    }

    /// Participant `w`'s next chunk `(lo, hi)`; `None` once the range is handed out.
    fn request(&self, w: usize, local: &mut Local) -> Option<(usize, usize)> {
        let step = match self.counts_steps() {
            // Wraps only after 2^64 requests; a wrapped number only resizes chunks.
            true => self.steps.fetch_add(1, Ordering::Relaxed),
            false => 0,
        };
        match local {
            Local::Af(af) => {
                let remaining = self.len.saturating_sub(self.next.load(Ordering::Relaxed));
                af.plan(&self.slots, w, remaining, self.min);
            }
            Local::Awf(awf) => awf.plan(&self.slots),
            Local::Plain | Local::Tap(_) => {}
        }
        self.claim(|remaining| self.size(step, remaining, local))
    }

    /// Claims the next chunk, sized by `size(remaining)` and cut to
    /// `1..=remaining`; `None` once the range is handed out.
    fn claim(&self, size: impl Fn(usize) -> usize) -> Option<(usize, usize)> {
        let len = self.len;
        let mut lo = self.next.load(Ordering::Relaxed);
        loop {
            if lo >= len {
                return None;
            }
            let remaining = len - lo;
            let hi = lo + size(remaining).clamp(1, remaining);
            match self
                .next
                .compare_exchange_weak(lo, hi, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some((lo, hi)),
                Err(actual) => lo = actual,
            }
        }
    }

    /// The chunk of request `step` with `remaining` indices left (before the
    /// cut to what is left).
    fn size(&self, step: usize, remaining: usize, local: &Local) -> usize {
        let (n, p, min) = (self.len, self.parts, self.min);
        match (self.rule, local) {
            (Rule::Tss(tss), _) => tss.chunk(step),
            (Rule::Tfss(tfss), _) => tfss.chunk(step),
            (Rule::Fac2, _) => fac2::chunk(n, p, min, step),
            (Rule::Mfsc(chunk), _) => chunk,
            (Rule::Tap, _) => tap::chunk(remaining, p, tap::variability(&self.slots), min),
            (Rule::Fiss(fiss), _) => fiss.chunk(step),
            (Rule::Viss(viss), _) => viss.chunk(step),
            (Rule::Rnd(rnd), _) => rnd.chunk(step),
            (Rule::Pls(pls), _) => pls.chunk(step),
            (Rule::Af, Local::Af(af)) => af.size(),
            (Rule::AwfB, Local::Awf(awf)) => {
                awf::weighted(fac2::batch_chunk(n, p, step / p), awf.weight(), min)
            }
            (Rule::AwfC, Local::Awf(awf)) => {
                awf::weighted(remaining.div_ceil(2 * p), awf.weight(), min)
            }
            (rule, _) => unreachable!("DLS rule {rule:?} without its participant state"),
        }
    }

    /// Records that participant `w` ran `size` indices in `secs`.
    fn record(&self, local: &mut Local, w: usize, size: usize, secs: f64) {
        match local {
            Local::Plain => {}
            Local::Tap(stats) => {
                stats.add(size, secs);
                let (mean, sigma) = stats.mean_sigma();
                self.slots[w].set_mean_sigma(mean, sigma);
            }
            Local::Af(af) => af.ran(size, secs),
            Local::Awf(awf) => awf.ran(&self.slots, w, size, secs),
        }
    }
}

/// A technique's chunk sequence without threads: the same state and formulas a
/// call uses ([`DlsLoop`]), driven one request at a time by a model (the
/// simulator in `simulator/`), which says who asks and how long each chunk took.
pub struct DlsChunks {
    call: DlsLoop,
    locals: Vec<Local>,
}

impl DlsChunks {
    /// The sequence of a call over `len` indices on `parts` participants with
    /// the technique's chunk argument `chunk` (0: not given).
    pub fn new(technique: Dls, chunk: usize, len: usize, parts: usize) -> Self {
        let call = DlsLoop::new(technique, chunk, len, parts);
        let locals = (0..call.parts).map(|_| call.local()).collect();
        DlsChunks { call, locals }
    }

    /// Participant `w`'s next chunk `(lo, hi)` of offsets; `None` once all are
    /// handed out.
    pub fn next(&mut self, w: usize) -> Option<(usize, usize)> {
        self.call.request(w, &mut self.locals[w])
    }

    /// Participant `w` ran `size` offsets in `secs` seconds (what the timed
    /// techniques measure; the others ignore it).
    pub fn ran(&mut self, w: usize, size: usize, secs: f64) {
        self.call
            .record(&mut self.locals[w], w, size, secs.max(1e-9));
    }

    /// Whether a request first takes a request number (a fetch-add on a second
    /// shared counter) before the CAS that claims the chunk.
    pub fn counts_steps(&self) -> bool {
        self.call.counts_steps()
    }

    /// Whether the technique times its chunks (then [`DlsChunks::ran`] matters).
    pub fn timed(&self) -> bool {
        matches!(
            self.call.rule,
            Rule::Tap | Rule::Af | Rule::AwfB | Rule::AwfC
        )
    }
}

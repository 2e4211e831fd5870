//! OpenMP loop schedules, written exactly as `OMP_SCHEDULE` takes them.
//!
//! `[modifier:]kind[,chunk]`: kind `static`, `dynamic`, `guided` or `auto`; modifier
//! `monotonic` (any kind but `auto`) or `nonmonotonic` (`dynamic`, `guided`: OpenMP 4.5
//! allows it only there); chunk a whole number ≥ 1 (not with `auto`). As `OMP_SCHEDULE`,
//! case and spaces around the parts do not matter; [`OmpSchedule`]'s `Display` writes the
//! canonical lower-case spelling, which parses back to the same value.

use std::fmt;
use std::str::FromStr;

/// The schedule kind (OpenMP's `omp_sched_t` without the modifier bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OmpKind {
    /// `static`: chunks dealt round-robin before the loop starts (one block per thread
    /// without a chunk).
    Static,
    /// `dynamic`: each thread takes the next chunk from a shared counter (chunk 1 by default).
    Dynamic,
    /// `guided`: like dynamic, chunks shrinking with the remaining work (never below chunk).
    Guided,
    /// `auto`: the runtime chooses (libgomp: static).
    Auto,
}

impl OmpKind {
    /// `omp_sched_t`'s value for this kind.
    pub fn code(self) -> u32 {
        match self {
            OmpKind::Static => 1,
            OmpKind::Dynamic => 2,
            OmpKind::Guided => 3,
            OmpKind::Auto => 4,
        }
    }

    fn name(self) -> &'static str {
        match self {
            OmpKind::Static => "static",
            OmpKind::Dynamic => "dynamic",
            OmpKind::Guided => "guided",
            OmpKind::Auto => "auto",
        }
    }
}

/// The ordering modifier written before the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Monotonicity {
    /// `monotonic:` — each thread's chunks in increasing index order.
    Monotonic,
    /// `nonmonotonic:` — the runtime may hand chunks out of order.
    Nonmonotonic,
}

/// One `OMP_SCHEDULE` value: `static`, `static,1`, `dynamic,16`, `nonmonotonic:dynamic,1`, ….
///
/// ```
/// use wsbench_baselines::OmpSchedule;
/// let s: OmpSchedule = "nonmonotonic:dynamic,1".parse().unwrap();
/// assert_eq!(s.to_string(), "nonmonotonic:dynamic,1");
/// assert_eq!("Static , 1".parse::<OmpSchedule>().unwrap().to_string(), "static,1");
/// assert!("dynamic,0".parse::<OmpSchedule>().unwrap_err().contains("allowed"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OmpSchedule {
    /// The kind.
    pub kind: OmpKind,
    /// The chunk size; `None`: the kind's default.
    pub chunk: Option<u32>,
    /// The modifier, when one was written.
    pub modifier: Option<Monotonicity>,
}

/// What [`OmpSchedule`] accepts, for messages.
pub const ALLOWED: &str = "[monotonic:|nonmonotonic:]KIND[,CHUNK] as OMP_SCHEDULE takes it: \
KIND static, dynamic, guided or auto; CHUNK 1..=2147483647 (not with auto); nonmonotonic: only \
with dynamic or guided, monotonic: not with auto (e.g. static, static,1, dynamic,16, guided,4, \
nonmonotonic:dynamic,1, monotonic:static, auto)";

/// The most `omp_set_schedule` takes (its chunk is a C `int`).
const MAX_CHUNK: u32 = i32::MAX as u32;

impl OmpSchedule {
    /// The `omp_sched_t` value with the monotonic bit (`0x8000_0000`) where written.
    pub fn code(&self) -> u32 {
        let bit = match self.modifier {
            Some(Monotonicity::Monotonic) => 0x8000_0000,
            _ => 0,
        };
        self.kind.code() | bit
    }

    /// The chunk `omp_set_schedule` gets: 0 (the kind's default) when none was written.
    pub fn chunk_arg(&self) -> i32 {
        self.chunk.map_or(0, |c| c as i32)
    }
}

fn parse_kind(s: &str) -> Option<OmpKind> {
    let k = s.trim().to_ascii_lowercase();
    [
        OmpKind::Static,
        OmpKind::Dynamic,
        OmpKind::Guided,
        OmpKind::Auto,
    ]
    .into_iter()
    .find(|kind| kind.name() == k)
}

fn parse(s: &str) -> Result<OmpSchedule, String> {
    let (modifier, rest) = match s.split_once(':') {
        Some((m, rest)) => match m.trim().to_ascii_lowercase().as_str() {
            "monotonic" => (Some(Monotonicity::Monotonic), rest),
            "nonmonotonic" => (Some(Monotonicity::Nonmonotonic), rest),
            other => return Err(format!("unknown modifier {other:?}")),
        },
        None => (None, s),
    };
    let (kind, chunk) = match rest.split_once(',') {
        Some((k, c)) => (k, Some(c)),
        None => (rest, None),
    };
    let kind = parse_kind(kind).ok_or_else(|| format!("unknown kind {:?}", kind.trim()))?;
    let chunk = match chunk {
        None => None,
        Some(_) if kind == OmpKind::Auto => return Err("auto takes no chunk".into()),
        Some(c) => match c.trim().parse::<u32>() {
            Ok(c) if (1..=MAX_CHUNK).contains(&c) => Some(c),
            _ => return Err(format!("chunk {:?} is not in 1..={MAX_CHUNK}", c.trim())),
        },
    };
    match (modifier, kind) {
        (Some(Monotonicity::Nonmonotonic), OmpKind::Static | OmpKind::Auto) => {
            return Err(format!("nonmonotonic: does not go with {}", kind.name()))
        }
        (Some(Monotonicity::Monotonic), OmpKind::Auto) => {
            return Err("monotonic: does not go with auto".into())
        }
        _ => {}
    }
    Ok(OmpSchedule {
        kind,
        chunk,
        modifier,
    })
}

impl FromStr for OmpSchedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse(s)
            .map_err(|why| format!("{s:?} is not an OpenMP schedule: {why}; allowed: {ALLOWED}"))
    }
}

impl fmt::Display for OmpSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.modifier {
            Some(Monotonicity::Monotonic) => f.write_str("monotonic:")?,
            Some(Monotonicity::Nonmonotonic) => f.write_str("nonmonotonic:")?,
            None => {}
        }
        f.write_str(self.kind.name())?;
        if let Some(c) = self.chunk {
            write!(f, ",{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings the issue names, and a few more, each its own canonical form.
    const CANONICAL: [&str; 13] = [
        "static",
        "static,1",
        "dynamic",
        "dynamic,1",
        "dynamic,16",
        "guided",
        "guided,4",
        "auto",
        "monotonic:static",
        "monotonic:dynamic,1",
        "nonmonotonic:dynamic,1",
        "nonmonotonic:guided",
        "static,2147483647",
    ];

    #[test]
    fn canonical_spellings_round_trip() {
        for s in CANONICAL {
            let parsed: OmpSchedule = s.parse().unwrap();
            assert_eq!(parsed.to_string(), s);
            assert_eq!(parsed.to_string().parse::<OmpSchedule>().unwrap(), parsed);
        }
    }

    #[test]
    fn codes_match_omp_sched_t() {
        let s: OmpSchedule = "monotonic:dynamic,3".parse().unwrap();
        assert_eq!((s.code(), s.chunk_arg()), (0x8000_0002, 3));
        let s: OmpSchedule = "nonmonotonic:guided".parse().unwrap();
        assert_eq!((s.code(), s.chunk_arg()), (3, 0));
        assert_eq!("auto".parse::<OmpSchedule>().unwrap().code(), 4);
        assert_eq!("static".parse::<OmpSchedule>().unwrap().code(), 1);
    }

    #[test]
    fn case_and_spaces_as_omp_schedule_allows() {
        let s: OmpSchedule = " NonMonotonic : Dynamic , 8 ".parse().unwrap();
        assert_eq!(s.to_string(), "nonmonotonic:dynamic,8");
    }

    #[test]
    fn bad_input_names_what_is_allowed() {
        for bad in [
            "",
            "fastest",
            "dynamic,0",
            "dynamic,",
            "dynamic,-1",
            "dynamic,2147483648",
            "static,1,2",
            "auto,4",
            "nonmonotonic:static",
            "monotonic:auto",
            "sideways:dynamic",
            "dynamic:1",
        ] {
            let e = bad.parse::<OmpSchedule>().unwrap_err();
            assert!(
                e.contains("allowed") && e.contains("nonmonotonic:dynamic,1"),
                "{bad}: {e}"
            );
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }
}

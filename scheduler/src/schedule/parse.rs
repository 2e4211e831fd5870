//! Schedule names: parsing (ours, `OMP_SCHEDULE`'s and LB4OMP's spellings)
//! and display (always ours).

use super::Schedule;
use crate::dls::Dls;
use std::fmt;
use std::str::FromStr;

/// The accepted schedule syntax, for error messages.
pub const SCHEDULE_SYNTAX: &str = "static, static-cyclic, dynamic, dynamic:K, guided, guided:K, \
work-stealing, work-stealing:G, adaptive, LB4OMP's tss, tfss, fac2, mfsc, tap, fiss, viss, rnd, pls, af, awf-b, awf-c \
(each also NAME:K), or OMP_SCHEDULE's static,1 dynamic,K guided,K NAME,K (K, G integers >= 1)";

/// A schedule name that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid schedule `{input}`: {reason}; allowed: {SCHEDULE_SYNTAX}")]
pub struct ParseScheduleError {
    input: String,
    reason: String,
}

impl FromStr for Schedule {
    type Err = ParseScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| ParseScheduleError {
            input: text.to_string(),
            reason,
        };
        let text = text.trim();
        // OMP_SCHEDULE puts a comma where we put a colon.
        let (name, param, omp) = match (text.split_once(':'), text.split_once(',')) {
            (Some((name, param)), _) => (name, Some(param), false),
            (None, Some((name, param))) => (name, Some(param), true),
            (None, None) => (text, None, false),
        };
        let number = |default: usize| -> Result<usize, ParseScheduleError> {
            match param {
                None => Ok(default),
                Some(p) => match p.trim().parse::<usize>() {
                    Ok(0) => Err(err(format!("the parameter of `{name}` must be at least 1"))),
                    Ok(k) => Ok(k),
                    Err(_) => Err(err(format!("`{p}` is not a positive integer"))),
                },
            }
        };
        let no_param = |s: Schedule| match param {
            None => Ok(s),
            Some(_) => Err(err(format!("`{name}` takes no parameter"))),
        };
        if let Some(technique) = Dls::from_name(name) {
            let chunk = number(0)?;
            return Ok(Schedule::Dls { technique, chunk });
        }
        match name {
            "static" if omp => match number(1)? {
                1 => Ok(Schedule::StaticCyclic),
                k => Err(err(format!(
                    "OpenMP's `static,{k}` (block-cyclic chunks of {k}) is not one of our \
                     schedules; `static,1` is `static-cyclic`"
                ))),
            },
            "static-cyclic" | "work-stealing" | "adaptive" if omp => Err(err(format!(
                "`{name}` is not an OMP_SCHEDULE name; a parameter follows a colon"
            ))),
            "static" => no_param(Schedule::Static),
            "static-cyclic" => no_param(Schedule::StaticCyclic),
            "adaptive" => no_param(Schedule::Adaptive),
            "dynamic" => Ok(Schedule::Dynamic { chunk: number(1)? }),
            "guided" => Ok(Schedule::Guided {
                min_chunk: number(1)?,
            }),
            "work-stealing" => Ok(Schedule::WorkStealing { grain: number(1)? }),
            other => Err(err(format!("unknown schedule name `{other}`"))),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Static => f.write_str("static"),
            Schedule::StaticCyclic => f.write_str("static-cyclic"),
            Schedule::Dynamic { chunk } => write!(f, "dynamic:{chunk}"),
            Schedule::Guided { min_chunk: 1 } => f.write_str("guided"),
            Schedule::Guided { min_chunk } => write!(f, "guided:{min_chunk}"),
            Schedule::WorkStealing { grain } => write!(f, "work-stealing:{grain}"),
            Schedule::Adaptive => f.write_str("adaptive"),
            Schedule::Dls {
                technique,
                chunk: 0,
            } => f.write_str(technique.name()),
            Schedule::Dls { technique, chunk } => write!(f, "{}:{chunk}", technique.name()),
        }
    }
}

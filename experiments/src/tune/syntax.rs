//! The winner in every syntax a user needs: a wsbench config snippet, `Pool::builder()`
//! code, OpenMP's environment variables, `taskset -c` and `likwid-pin -c` (the last three
//! through `wsbench topology --format`'s own words).

use scheduler::Schedule;
use std::fmt::Write as _;

use super::space::{Candidate, Method};
use crate::run::policy::{Steal, Victims};
use crate::run::strategy::Strategy;
use crate::topology_cmd::reproduce::reproduce;
use crate::topology_cmd::{Format, Resolved};

/// The `OMP_SCHEDULE` value of a method, if OpenMP has one.
///
/// ```
/// use wsbench::tune::syntax::omp_schedule;
/// use wsbench::tune::space::Method;
/// let m = |s: &str| Method::Strategy(s.parse().unwrap(), Default::default());
/// assert_eq!(omp_schedule(&m("dynamic:16")).as_deref(), Some("dynamic,16"));
/// assert_eq!(omp_schedule(&m("static-cyclic")).as_deref(), Some("static,1"));
/// assert_eq!(omp_schedule(&m("adaptive")), None);
/// ```
pub fn omp_schedule(m: &Method) -> Option<String> {
    match m {
        Method::OmpSchedule(s) => Some(s.clone()),
        Method::Strategy(Strategy::Omp(s), _) => Some(s.to_string()),
        Method::Strategy(Strategy::Pool(s), _) => match s {
            Schedule::Static => Some("static".into()),
            Schedule::StaticCyclic => Some("static,1".into()),
            Schedule::Dynamic { chunk } => Some(format!("dynamic,{chunk}")),
            Schedule::Guided { min_chunk } => Some(format!("guided,{min_chunk}")),
            _ => None,
        },
        Method::Strategy(..) => None,
    }
}

/// A `wsbench` config snippet that runs the winner (config mode only).
pub fn config_snippet(c: &Candidate) -> Option<String> {
    let Method::Strategy(s, p) = &c.method else {
        return None;
    };
    Some(format!(
        "workers = [{}]\nplacements = [\"{}\"]\nstrategies = [\"serial\", \"{s}\"]\nvictim_order = \"{}\"\nsteal = \"{}\"\n",
        c.workers, c.placement, p.victim_order, p.steal
    ))
}

/// `Pool::builder()` code for the winner (our pool's schedules only).
pub fn pool_builder(c: &Candidate) -> Option<String> {
    let Method::Strategy(Strategy::Pool(s), p) = &c.method else {
        return None;
    };
    let pins: Vec<String> = c
        .cpus
        .iter()
        .map(|x| x.map_or("None".into(), |v| format!("Some({v})")))
        .collect();
    let victims = match p.victim_order {
        Victims::Random => "VictimOrder::Random".to_string(),
        Victims::RoundRobin => "VictimOrder::RoundRobin".to_string(),
        Victims::Topology => {
            "VictimOrder::Topology(topology::Topology::detect()?.victim_order(&pins))".to_string()
        }
    };
    let steal = match p.steal {
        Steal::One => "StealAmount::One",
        Steal::Half => "StealAmount::Half",
    };
    Some(format!(
        "use scheduler::{{Pool, Schedule, StealAmount, VictimOrder}};\n\
         let pins = vec![{}];\n\
         let pool = Pool::builder()\n    .workers({})\n    .pin_to(pins.clone())\n    .victim_order({victims})\n    .steal_amount({steal})\n    .build()?;\n\
         let schedule: Schedule = \"{s}\".parse()?;\n\
         pool.for_each_index(0..n, schedule, |ctx, i| work(ctx, i));\n",
        pins.join(", "),
        c.workers
    ))
}

/// The placement in OpenMP's, taskset's and likwid-pin's words, and `OMP_SCHEDULE`.
pub fn other_tools(c: &Candidate) -> String {
    let r = Resolved {
        placement: c.placement.clone(),
        workers: c.cpus.clone(),
    };
    let mut s = String::new();
    let omp = reproduce(&r, Format::Omp);
    match omp_schedule(&c.method) {
        Some(sched) => {
            let omp = omp.trim_end();
            let _ = writeln!(s, "{omp} OMP_SCHEDULE='{sched}'");
        }
        None => {
            s.push_str(&omp);
            let _ = writeln!(s, "# {} has no OMP_SCHEDULE equivalent", c.method);
        }
    }
    if c.cpus.iter().any(Option::is_some) {
        s.push_str(&reproduce(&r, Format::Taskset));
        s.push_str(&reproduce(&r, Format::Likwid));
    }
    s
}

/// Every syntax, as Markdown sections.
pub fn all(c: &Candidate) -> String {
    let mut s = String::new();
    if let Some(cfg) = config_snippet(c) {
        let _ = write!(s, "wsbench config:\n\n```toml\n{cfg}```\n\n");
    }
    if let Some(code) = pool_builder(c) {
        let _ = write!(s, "Our pool:\n\n```rust\n{code}```\n\n");
    }
    let _ = write!(
        s,
        "OpenMP, taskset, likwid-pin:\n\n```sh\n{}```\n",
        other_tools(c)
    );
    s
}

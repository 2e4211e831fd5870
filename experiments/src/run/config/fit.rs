//! Which strategies a workload can run, and each workload's own `strategies`.
//!
//! A recursive workload (`tree-sum`, `fib`, `nqueens`, `uts`) is one fork-join
//! computation: it runs `serial`, `join` (our pool), `rayon` and `chili` — the three
//! runtimes' `join` under its parallel body. A loop schedule on it (`static`,
//! `adaptive`, `omp:*`, `halving`, …) is a config error. A loop workload runs every
//! strategy but `join` (`rayon` and `chili` there mean their loop idioms, `halving` our
//! pool's recursive halving of the index range).
//!
//! A `[[workload]]` table may name its own `strategies`, replacing the experiment's for
//! its cells, so one experiment can hold both kinds. Without either list a recursive
//! workload runs [`RECURSIVE_DEFAULT`].

use toml::Spanned;

use super::file::{ConfigText, WorkloadFile};
use crate::run::strategy::Strategy;
use crate::run::workload::{KindName, WorkloadSpec};

/// What a recursive workload runs when neither it nor the experiment names strategies.
pub const RECURSIVE_DEFAULT: [Strategy; 4] = [
    Strategy::Serial,
    Strategy::Join,
    Strategy::Rayon,
    Strategy::Chili,
];

/// Whether a workload of `kind` can run `s`.
///
/// ```
/// use wsbench::run::config::fits;
/// use wsbench::run::workload::KindName;
/// assert!(fits(KindName::Fib, "join".parse().unwrap()));
/// assert!(!fits(KindName::Fib, "adaptive".parse().unwrap()));
/// assert!(!fits(KindName::Factorize, "join".parse().unwrap()));
/// assert!(fits(KindName::Factorize, "halving".parse().unwrap()));
/// ```
pub fn fits(kind: KindName, s: Strategy) -> bool {
    if kind.is_recursive() {
        RECURSIVE_DEFAULT.contains(&s)
    } else {
        s != Strategy::Join
    }
}

/// What a workload of `kind` may run, for messages.
fn allowed(kind: KindName) -> String {
    if kind.is_recursive() {
        format!(
            "kind = {:?} is a recursive workload, which runs serial, join, rayon and chili",
            kind.name()
        )
    } else {
        format!(
            "`join` runs recursive workloads only (tree-sum, fib, nqueens, uts); kind = {:?} \
             runs the loop strategies (every other one, `halving` for our pool's join)",
            kind.name()
        )
    }
}

/// The message for `s` on a workload of `kind` named `name`, at `key`.
fn misfit(
    src: &ConfigText,
    span: &std::ops::Range<usize>,
    key: &str,
    name: &str,
    kind: KindName,
    s: Strategy,
) -> String {
    src.err(
        span,
        key,
        format!(
            "workload {name:?} cannot run {s:?}: {}; name this workload's own `strategies` \
             in its [[workload]] table to run it with others",
            allowed(kind),
            s = s.to_string()
        ),
    )
}

/// A table's own `strategies`, checked against its kind: `serial` first, no duplicates.
pub(super) fn own_strategies(
    src: &ConfigText,
    w: &WorkloadFile,
    kind: KindName,
) -> Result<Option<Vec<String>>, String> {
    let Some(list) = &w.strategies else {
        return Ok(None);
    };
    if list.get_ref().is_empty() {
        return Err(src.err(
            &list.span(),
            "workload.strategies",
            "the list is empty; name at least one strategy (or leave the key out)",
        ));
    }
    let mut out = vec![Strategy::Serial];
    for s in list.get_ref() {
        let strategy: Strategy = s
            .get_ref()
            .parse()
            .map_err(|e| src.err(&s.span(), "workload.strategies", e))?;
        if !fits(kind, strategy) {
            let name = w.name.get_ref();
            return Err(misfit(
                src,
                &s.span(),
                "workload.strategies",
                name,
                kind,
                strategy,
            ));
        }
        if !out.contains(&strategy) {
            out.push(strategy);
        }
    }
    Ok(Some(out.iter().map(ToString::to_string).collect()))
}

/// Workloads without their own list: a recursive one gets [`RECURSIVE_DEFAULT`] when the
/// file names no experiment `strategies`; otherwise every experiment strategy must fit it.
pub(super) fn inherit(
    src: &ConfigText,
    listed: Option<&Spanned<Vec<Spanned<String>>>>,
    strategies: &[Strategy],
    workloads: &mut [WorkloadSpec],
) -> Result<(), String> {
    for w in workloads.iter_mut().filter(|w| w.strategies.is_none()) {
        let kind = w.kind.kind_name();
        let Some(list) = listed else {
            if kind.is_recursive() {
                w.strategies = Some(RECURSIVE_DEFAULT.to_vec());
            }
            continue;
        };
        if let Some(s) = strategies.iter().find(|s| !fits(kind, **s)) {
            let span = list
                .get_ref()
                .iter()
                .find(|x| x.get_ref().parse::<Strategy>().ok() == Some(*s))
                .map_or(list.span(), |x| x.span());
            return Err(misfit(src, &span, "strategies", &w.name, kind, *s));
        }
    }
    Ok(())
}

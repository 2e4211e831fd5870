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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::Experiment;

    const MIXED: &str = r#"name = "m"
workers = [2]
strategies = ["serial", "join", "rayon", "chili"]
[[workload]]
name = "t"
kind = "tree-sum"
depth = 10
[[workload]]
name = "u"
kind = "factorize"
count = 100
strategies = ["halving", "adaptive", "chili"]
"#;

    #[test]
    fn each_workload_runs_its_own_or_the_experiments_strategies() {
        let e = Experiment::parse("m.toml", MIXED).unwrap();
        let names = |w: usize| -> Vec<String> {
            e.strategies_of(&e.workloads[w])
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(names(0), ["serial", "join", "rayon", "chili"]);
        assert_eq!(names(1), ["serial", "halving", "adaptive", "chili"]);
        let all: Vec<String> = e.all_strategies().iter().map(ToString::to_string).collect();
        assert_eq!(
            all,
            ["serial", "join", "rayon", "chili", "halving", "adaptive"]
        );
        let plan = crate::run::plan::Plan::new(&e, crate::run::plan::Shard::WHOLE);
        // 2 serial + 3 tree-sum + 3 factorize cells at 2 workers.
        assert_eq!(plan.all_cells.len(), 8);
        assert!(!plan
            .all_cells
            .iter()
            .any(|c| c.workload == "t" && c.strategy == Strategy::Halving));
    }

    #[test]
    fn a_loop_schedule_on_a_recursive_workload_is_refused_naming_the_key() {
        let text = MIXED.replace("\"chili\"]\n[[", "\"chili\", \"adaptive\"]\n[[");
        let err = Experiment::parse("m.toml", &text).unwrap_err();
        assert!(err.starts_with("m.toml:3: key `strategies`"), "{err}");
        assert!(
            err.contains("\"t\"")
                && err.contains("\"adaptive\"")
                && err.contains("serial, join, rayon and chili"),
            "{err}"
        );
        for bad in ["static", "omp-taskloop:4", "halving", "rayon-fine"] {
            let text = MIXED
                .replace("[\"halving\"", &format!("[\"{bad}\""))
                .replace(
                    "kind = \"factorize\"\ncount = 100",
                    "kind = \"fib\"\nn = 10",
                );
            let err = Experiment::parse("m.toml", &text);
            if bad.starts_with("omp") && wsbench_baselines::openmp::unavailable().is_some() {
                continue;
            }
            let err = err.unwrap_err();
            assert!(
                err.starts_with("m.toml:12: key `workload.strategies`"),
                "{bad}: {err}"
            );
            assert!(err.contains("recursive"), "{err}");
        }
    }

    #[test]
    fn join_on_a_loop_workload_is_refused() {
        let text = MIXED.replace("[\"halving\"", "[\"join\"");
        let err = Experiment::parse("m.toml", &text).unwrap_err();
        assert!(
            err.starts_with("m.toml:12: key `workload.strategies`"),
            "{err}"
        );
        assert!(err.contains("recursive workloads only"), "{err}");
        let text = MIXED.replace("strategies = [\"halving\", \"adaptive\", \"chili\"]\n", "");
        let err = Experiment::parse("m.toml", &text).unwrap_err();
        assert!(err.starts_with("m.toml:3: key `strategies`"), "{err}");
    }

    #[test]
    fn recursive_workloads_default_to_the_fork_join_runtimes_and_record_no_latency() {
        let text = "name = \"r\"\n[[workload]]\nname = \"f\"\nkind = \"fib\"\nn = 20\n";
        let e = Experiment::parse("r.toml", text).unwrap();
        assert_eq!(e.strategies_of(&e.workloads[0]), RECURSIVE_DEFAULT);
        assert!(!e.workloads[0].latency);
        let err = Experiment::parse("r.toml", &format!("{text}latency = true\n")).unwrap_err();
        assert!(
            err.contains("workload.latency") && err.contains("recursive"),
            "{err}"
        );
    }

    #[test]
    fn bad_recursive_values_name_their_key_and_line() {
        let base = "name = \"r\"\n[[workload]]\nname = \"w\"\n";
        for (keys, key, what) in [
            (
                "kind = \"tree-sum\"\ndepth = 25",
                "workload.depth",
                "1..=24",
            ),
            (
                "kind = \"tree-sum\"\ndepth = 5\nshape = \"round\"",
                "workload.shape",
                "complete, skewed",
            ),
            (
                "kind = \"tree-sum\"\ndepth = 5\nspine = 4",
                "workload.spine",
                "skewed",
            ),
            (
                "kind = \"tree-sum\"\nshape = \"skewed\"",
                "workload.depth",
                "missing",
            ),
            ("kind = \"fib\"\nn = 51", "workload.n", "1..=50"),
            (
                "kind = \"fib\"\nn = 5\ncutoff = 6",
                "workload.cutoff",
                "0..=n",
            ),
            ("kind = \"nqueens\"\nn = 17", "workload.n", "1..=16"),
            (
                "kind = \"uts\"\ntree = \"t9\"",
                "workload.tree",
                "sample tree",
            ),
            (
                "kind = \"fib\"\nn = 5\ntree = \"t1\"",
                "workload.tree",
                "not used by kind",
            ),
            (
                "kind = \"uts\"\ntree = \"t1\"\nsizes = [1]",
                "workload.sizes",
                "recursive",
            ),
        ] {
            let err = Experiment::parse("r.toml", &format!("{base}{keys}\n")).unwrap_err();
            assert!(
                err.starts_with("r.toml:")
                    && err.contains(&format!("key `{key}`"))
                    && err.contains(what),
                "{keys}: {err}"
            );
        }
    }
}

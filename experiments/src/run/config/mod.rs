//! Experiment files: TOML in, a checked [`Experiment`] out.
//!
//! Parsing happens in two steps. serde + toml read the file into [`ExperimentFile`]
//! (`deny_unknown_fields`, so a misspelt key is an error that names it, with its line);
//! [`Experiment::from_file`] then checks every value that serde cannot (a strategy name, a
//! placement, a worker count of zero, keys that do not belong to a workload's kind) and
//! expands `sizes = [...]` sweeps into one workload per size. Every error names the file,
//! the key and its line, and lists what is allowed.
//!
//! The checked [`Experiment`] is typed data parsed once: it is what `meta.json` records as
//! "the config as run" (every value in its canonical spelling), and what `--resume` and
//! `merge` compare.
//!
//! * `file` — the file as written, and where each value is;
//! * `limits` — the largest values a key may take;
//! * `workers` — the `workers` key and `--workers`;
//! * `workloads` — `[[workload]]` tables into [`WorkloadSpec`]s.

mod file;
mod fit;
pub mod limits;
mod workers;
mod workloads;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use topology::placement::Placement;

use super::policy::{Steal, Victims};
use super::strategy::Strategy;
use super::workload::{KindName, WorkloadSpec};
use file::{choice, non_negative};
use workloads::{workload_specs, Inherited};

pub use file::{ConfigText, ExperimentFile};
pub use fit::{fits, RECURSIVE_DEFAULT};
pub use workers::{all_workers, parse_workers_arg};

/// The embedded default experiment (`wsbench run` with no file).
pub const DEFAULT_TOML: &str = include_str!("../../../configs/default.toml");

/// The strategies an experiment runs when its file names none.
pub const DEFAULT_STRATEGIES: [&str; 10] = [
    "serial",
    "static",
    "static-cyclic",
    "dynamic:1",
    "dynamic:16",
    "guided",
    "work-stealing:1",
    "adaptive",
    "rayon",
    "rayon-fine",
];

/// A checked experiment: every name valid, defaults filled in, sweeps expanded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// The experiment's name (also the default output folder
    /// `wsbench-results/<name>/<UTC timestamp>/`).
    pub name: String,
    /// Free text describing the experiment.
    pub description: String,
    /// Counted runs per cell.
    pub repetitions: usize,
    /// Uncounted runs per cell, before the counted ones.
    pub warmup: usize,
    /// Worker counts (ascending, no duplicates).
    pub workers: Vec<usize>,
    /// Placements (written in their canonical spelling), no duplicates.
    #[serde(with = "placement_names")]
    pub placements: Vec<Placement>,
    /// Strategies, no duplicates; [`Strategy::Serial`] is always first.
    pub strategies: Vec<Strategy>,
    /// Whether per-task latency is recorded (the default of every workload).
    pub latency: bool,
    /// Whether every task of every run is traced (the default of every workload;
    /// `run/trace/`); written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trace: bool,
    /// Whether pool creation is inside the timed region (the default of every workload).
    pub pool_in_timing: bool,
    /// Where our pool's thieves look first.
    #[serde(default)]
    pub victim_order: Victims,
    /// How much one steal from a deque takes.
    #[serde(default)]
    pub steal: Steal,
    /// Whether `--quick` shrank this experiment.
    pub quick: bool,
    /// The seed of the run order: each round runs its cells in an order shuffled from
    /// this seed and the round's number (see `plan`), the same on every resume.
    #[serde(default = "default_order_seed")]
    pub order_seed: u64,
    /// Paired workloads (`[A, B]`): each cell of A runs right next to the same cell of
    /// B, A first in even repetitions and B first in odd ones (ABBA), so that their
    /// paired ratio is not biased by drift or by which one runs first.
    #[serde(default)]
    pub pairs: Vec<[String; 2]>,
    /// The workloads, one per size of a sweep.
    pub workloads: Vec<WorkloadSpec>,
}

/// The order seed of a config that names none.
pub const DEFAULT_ORDER_SEED: u64 = 1;

fn default_order_seed() -> u64 {
    DEFAULT_ORDER_SEED
}

/// Placements as their canonical names (serde `with`).
mod placement_names {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use topology::placement::Placement;

    pub fn serialize<S: Serializer>(list: &[Placement], s: S) -> Result<S::Ok, S::Error> {
        let names: Vec<String> = list.iter().map(Placement::to_string).collect();
        names.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Placement>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|p| {
                p.parse::<Placement>()
                    .map_err(|e| serde::de::Error::custom(format!("placement {p:?}: {e}")))
            })
            .collect()
    }
}

/// What `--quick` does to an experiment (documented in the README).
pub mod quick {
    pub use crate::run::workload::quick::{DIVISOR, MIN_TASKS};
    /// Counted repetitions at most.
    pub const REPETITIONS: usize = 2;
    /// Warmup runs (none).
    pub const WARMUP: usize = 0;
}

impl Experiment {
    /// Parses and checks an experiment file. `name` is used in messages only.
    ///
    /// ```
    /// use wsbench::run::{config::Experiment, strategy::Strategy};
    /// let text = "name = \"x\"\nworkers = [2]\n[[workload]]\nname = \"f\"\nkind = \"factorial\"\nsizes = [10, 20]\n";
    /// let e = Experiment::parse("x.toml", text).unwrap();
    /// assert_eq!(e.strategies[0], Strategy::Serial);
    /// assert_eq!(e.workloads[1].name, "f-n20");
    /// let err = Experiment::parse("x.toml", &text.replace("[2]", "[0]")).unwrap_err();
    /// assert!(err.starts_with("x.toml:2: key `workers`"), "{err}");
    /// ```
    pub fn parse(name: &str, text: &str) -> Result<Experiment, String> {
        let src = ConfigText { name, text };
        let file: ExperimentFile = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        Experiment::from_file(&src, file)
    }

    /// Checks a parsed file (see the module documentation).
    pub fn from_file(src: &ConfigText, f: ExperimentFile) -> Result<Experiment, String> {
        let name = checked_name(src, &f.name)?;
        let repetitions = match &f.repetitions {
            Some(r) => non_negative(src, r, "repetitions", 1)? as usize,
            None => 5,
        };
        let warmup = match &f.warmup {
            Some(w) => non_negative(src, w, "warmup", 0)? as usize,
            None => 1,
        };
        let inherited = Inherited {
            pool_in_timing: f.pool_in_timing.unwrap_or(false),
            latency: f.latency.unwrap_or(true),
            trace: f.trace.unwrap_or(false),
        };
        let mut workloads = all_workloads(src, &f, inherited)?;
        let pairs = checked_pairs(src, f.pairs.as_ref(), &workloads)?;
        let strategies = strategies(src, f.strategies.as_ref())?;
        fit::inherit(src, f.strategies.as_ref(), &strategies, &mut workloads)?;
        Ok(Experiment {
            name,
            description: f.description.clone().unwrap_or_default(),
            repetitions,
            warmup,
            workers: workers::parse_workers(src, f.workers.as_ref())?,
            placements: placements(src, f.placements.as_ref())?,
            strategies,
            latency: inherited.latency,
            trace: inherited.trace,
            pool_in_timing: inherited.pool_in_timing,
            victim_order: choice(src, f.victim_order.as_ref(), "victim_order")?,
            steal: choice(src, f.steal.as_ref(), "steal")?,
            quick: f.quick.unwrap_or(false),
            order_seed: match &f.order_seed {
                Some(s) => non_negative(src, s, "order_seed", 0)?,
                None => DEFAULT_ORDER_SEED,
            },
            pairs,
            workloads,
        })
    }

    /// `--quick`: fewer repetitions, no warmup, a tenth of the tasks (see [`quick`]).
    pub fn make_quick(&mut self) {
        if self.quick {
            return;
        }
        self.quick = true;
        self.repetitions = self.repetitions.min(quick::REPETITIONS);
        self.warmup = quick::WARMUP;
        for w in &mut self.workloads {
            w.kind.make_quick();
        }
    }

    /// `--trace`: every workload traced (and so recorded), as `trace = true` at the top
    /// would have made it.
    pub fn trace_all(&mut self) {
        self.trace = true;
        for w in &mut self.workloads {
            w.trace = true;
            w.latency = true;
        }
    }

    /// The parallel strategies (everything but `serial`).
    pub fn parallel_strategies(&self) -> impl Iterator<Item = &Strategy> {
        self.strategies.iter().filter(|s| **s != Strategy::Serial)
    }

    /// The strategies `w` runs: its own list, else the experiment's.
    pub fn strategies_of<'a>(&'a self, w: &'a WorkloadSpec) -> &'a [Strategy] {
        w.strategies.as_deref().unwrap_or(&self.strategies)
    }

    /// Every strategy some workload runs, `serial` first, in the experiment's order and
    /// then the workloads' (the columns of the summary).
    pub fn all_strategies(&self) -> Vec<Strategy> {
        let mut out: Vec<Strategy> = vec![Strategy::Serial];
        for w in &self.workloads {
            for s in self.strategies_of(w) {
                if !out.contains(s) {
                    out.push(*s);
                }
            }
        }
        let rank = |s: &Strategy| self.strategies.iter().position(|x| x == s);
        out.sort_by_key(|s| (rank(s).is_none(), rank(s)));
        out
    }
}

/// The `pairs` key: pairs of two different workloads of the experiment, each workload in
/// at most one pair.
fn checked_pairs(
    src: &ConfigText,
    v: Option<&Spanned<Vec<Vec<String>>>>,
    workloads: &[WorkloadSpec],
) -> Result<Vec<[String; 2]>, String> {
    let Some(list) = v else {
        return Ok(Vec::new());
    };
    let names: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
    let mut used: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for pair in list.get_ref() {
        let problem = match pair.as_slice() {
            [a, b] if a == b => Some(format!("[{a:?}, {b:?}] pairs a workload with itself")),
            [a, b] => [a, b].into_iter().find_map(|n| {
                if !names.contains(&n.as_str()) {
                    Some(format!(
                        "{n:?} is not a workload (workloads: {})",
                        names.join(", ")
                    ))
                } else if used.contains(&n.as_str()) {
                    Some(format!("{n:?} is in two pairs; a workload may be in one"))
                } else {
                    None
                }
            }),
            _ => Some(format!("{pair:?} is not a pair; write [\"A\", \"B\"]")),
        };
        if let Some(p) = problem {
            return Err(src.err(&list.span(), "pairs", p));
        }
        used.extend([pair[0].as_str(), pair[1].as_str()]);
        out.push([pair[0].clone(), pair[1].clone()]);
    }
    Ok(out)
}

fn checked_name(src: &ConfigText, name: &Spanned<String>) -> Result<String, String> {
    let trimmed = name.get_ref().trim().to_string();
    if trimmed.is_empty() || trimmed.contains(['/', '\\']) || trimmed.starts_with('.') {
        return Err(src.err(
            &name.span(),
            "name",
            format!(
                "{:?} is not a usable folder name (non-empty, no slashes, not starting with '.')",
                name.get_ref()
            ),
        ));
    }
    Ok(trimmed)
}

/// The `placements` key: a non-empty list, duplicates dropped; `spread` when absent.
fn placements(
    src: &ConfigText,
    v: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Result<Vec<Placement>, String> {
    let Some(list) = v else {
        let spread = "spread".parse::<Placement>();
        return Ok(vec![
            spread.map_err(|e| format!("the default placement: {e}"))?
        ]);
    };
    if list.get_ref().is_empty() {
        return Err(src.err(
            &list.span(),
            "placements",
            "the list is empty; name at least one placement",
        ));
    }
    let mut out: Vec<Placement> = Vec::new();
    for p in list.get_ref() {
        let placement = p
            .get_ref()
            .parse::<Placement>()
            .map_err(|e| src.err(&p.span(), "placements", format!("{:?}: {e}", p.get_ref())))?;
        // Spellings of one placement are one placement.
        if !out.iter().any(|o| o.to_string() == placement.to_string()) {
            out.push(placement);
        }
    }
    Ok(out)
}

/// The `strategies` key: a non-empty list, duplicates dropped, [`Strategy::Serial`] first
/// (every cell's baseline: speedup, lower bound, checksum); the default list when absent.
fn strategies(
    src: &ConfigText,
    v: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Result<Vec<Strategy>, String> {
    let mut out: Vec<Strategy> = vec![Strategy::Serial];
    let Some(list) = v else {
        out.extend(
            DEFAULT_STRATEGIES
                .iter()
                .filter_map(|s| s.parse::<Strategy>().ok()),
        );
        out.dedup();
        return Ok(out);
    };
    if list.get_ref().is_empty() {
        return Err(src.err(
            &list.span(),
            "strategies",
            "the list is empty; name at least one strategy",
        ));
    }
    for s in list.get_ref() {
        let strategy: Strategy = s
            .get_ref()
            .parse()
            .map_err(|e| src.err(&s.span(), "strategies", e))?;
        if !out.contains(&strategy) {
            out.push(strategy);
        }
    }
    Ok(out)
}

/// Every `[[workload]]` table's workloads, names unique.
fn all_workloads(
    src: &ConfigText,
    f: &ExperimentFile,
    inherited: Inherited,
) -> Result<Vec<WorkloadSpec>, String> {
    if f.workloads.is_empty() {
        return Err(format!(
            "{}: no [[workload]] table; an experiment needs at least one (kinds: {})",
            src.name,
            KindName::allowed()
        ));
    }
    let mut out: Vec<WorkloadSpec> = Vec::new();
    for w in &f.workloads {
        for spec in workload_specs(src, w, inherited)? {
            if out.iter().any(|o| o.name == spec.name) {
                return Err(src.err(
                    &w.get_ref().name.span(),
                    "workload.name",
                    format!(
                        "{:?} is used twice; workload names must be unique",
                        spec.name
                    ),
                ));
            }
            out.push(spec);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::workload::WorkloadKind;

    const GOOD: &str = r#"
name = "t"
repetitions = 3
warmup = 0
workers = [2, 1]
placements = ["none"]
strategies = ["static", "dynamic:4", "rayon"]

[[workload]]
name = "w"
kind = "factorize"
generator = "mixed"
count = 100
order = "heavy-last"
seed = 7

[[workload]]
name = "f"
kind = "factorial"
sizes = [10, 20]
pool_in_timing = true
"#;

    #[test]
    fn good_file_parses_with_serial_first_and_sweep_expanded() {
        let e = Experiment::parse("good.toml", GOOD).unwrap();
        assert_eq!(e.workers, vec![1, 2]);
        assert_eq!(e.strategies[0], Strategy::Serial);
        assert!(e.strategies.contains(&"dynamic:4".parse().unwrap()));
        let names: Vec<_> = e.workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["w", "f-n10", "f-n20"]);
        assert!(matches!(&e.workloads[2].kind, WorkloadKind::Factorial(f) if f.n == 20));
        assert_eq!(e.workloads[2].sweep.as_deref(), Some("f"));
        assert!(e.workloads[2].pool_in_timing && !e.workloads[0].pool_in_timing);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = GOOD.replace("warmup = 0", "warmup = 0\nrepetitons = 2");
        let err = Experiment::parse("x.toml", &text).unwrap_err();
        assert!(err.contains("repetitons"), "{err}");
        assert!(err.contains("line 5"), "{err}");
    }

    #[test]
    fn bad_strategy_lists_the_allowed_ones() {
        let text = GOOD.replace("\"dynamic:4\"", "\"dynamc\"");
        let err = Experiment::parse("x.toml", &text).unwrap_err();
        assert!(err.starts_with("x.toml:7: key `strategies`"), "{err}");
        assert!(
            err.contains("dynamc") && err.contains("rayon-fine") && err.contains("work-stealing"),
            "{err}"
        );
    }

    #[test]
    fn stealing_policy_keys_default_and_are_checked() {
        let e = Experiment::parse("x.toml", GOOD).unwrap();
        assert_eq!((e.victim_order, e.steal), (Victims::Random, Steal::One));
        let text = GOOD.replacen("\n", "\nvictim_order = \"topology\"\nsteal = \"half\"\n", 1);
        let e = Experiment::parse("x.toml", &text).unwrap();
        assert_eq!((e.victim_order, e.steal), (Victims::Topology, Steal::Half));
        let text = GOOD.replacen("\n", "\nvictim_order = \"nearest\"\n", 1);
        let err = Experiment::parse("x.toml", &text).unwrap_err();
        assert_eq!(
            err,
            "x.toml:2: key `victim_order`: `nearest` is not allowed; expected one of: random, round-robin, topology"
        );
    }

    #[test]
    fn zero_workers_is_refused() {
        let text = GOOD.replace("[2, 1]", "[0, 1]");
        let err = Experiment::parse("x.toml", &text).unwrap_err();
        assert!(
            err.contains("workers") && err.contains("0 workers"),
            "{err}"
        );
    }

    #[test]
    fn key_of_another_kind_is_refused() {
        let text = GOOD.replace("sizes = [10, 20]", "sizes = [10]\ncount = 3");
        let err = Experiment::parse("x.toml", &text).unwrap_err();
        assert!(
            err.contains("workload.count") && err.contains("factorial") && err.contains(":21:"),
            "{err}"
        );
    }

    #[test]
    fn quick_shrinks() {
        let mut e = Experiment::parse("good.toml", GOOD).unwrap();
        e.make_quick();
        assert_eq!(e.repetitions, 2);
        assert!(matches!(&e.workloads[0].kind, WorkloadKind::Factorize(f) if f.count == Some(20)));
        assert!(e.quick);
    }

    #[test]
    fn embedded_default_parses() {
        let e = Experiment::parse("<embedded default>", DEFAULT_TOML).unwrap();
        assert_eq!(e.strategies.len(), 10);
    }

    const EVERY_KIND: &str = r#"
name = "k"
workers = [1]
[[workload]]
name = "numbers"
kind = "factorize"
generator = "primes"
bits = 36
count = 1000
order = "heavy-last"
method = "fast"
[[workload]]
name = "fact"
kind = "factorial"
n = 1000
[[workload]]
name = "spin"
kind = "synthetic"
distribution = "bimodal:short=1us,long=1ms,p_long=0.01"
count = 500
[[workload]]
name = "list"
kind = "file"
path = "numbers.txt"
[[workload]]
name = "tree"
kind = "tree-sum"
depth = 20
shape = "skewed"
spine = 100
[[workload]]
name = "fib"
kind = "fib"
n = 30
cutoff = 10
[[workload]]
name = "queens"
kind = "nqueens"
n = 11
[[workload]]
name = "uts"
kind = "uts"
tree = "binomial:b=2000,q=0.1225,m=8,seed=42"
"#;

    #[test]
    fn quick_shrinks_every_kind() {
        let mut e = Experiment::parse("k.toml", EVERY_KIND).unwrap();
        e.make_quick();
        let sizes: Vec<String> = e
            .workloads
            .iter()
            .map(|w| match &w.kind {
                WorkloadKind::Factorize(f) => format!("count {:?}", f.count),
                WorkloadKind::Factorial(f) => format!("n {}", f.n),
                WorkloadKind::Synthetic(s) => format!("count {:?}", s.count),
                WorkloadKind::File(f) => format!("limit {:?}", f.limit),
                WorkloadKind::TreeSum(t) => format!("{:?}", t.shape),
                WorkloadKind::Fib(f) => format!("n {} cutoff {}", f.fib.n, f.fib.cutoff),
                WorkloadKind::NQueens(q) => format!("n {}", q.n),
                WorkloadKind::Uts(u) => crate::run::workload::uts_tree_name(&u.params),
            })
            .collect();
        assert_eq!(
            sizes,
            [
                "count Some(100)",
                "n 100",
                "count Some(50)",
                "limit Some(200)",
                "Skewed { depth: 17, spine: 10 }",
                "n 25 cutoff 10",
                "n 9",
                "binomial:b=200,q=0.1225,m=8,seed=42",
            ]
        );
    }

    #[test]
    fn the_json_form_reads_back_as_the_same_experiment() {
        let mut e = Experiment::parse("k.toml", EVERY_KIND).unwrap();
        e.make_quick();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["workloads"][0]["generator"], "primes");
        assert_eq!(json["workloads"][0]["bits"], 36);
        assert_eq!(json["strategies"][0], "serial");
        assert_eq!(json["victim_order"], "random");
        let back: Experiment = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, e);
        assert_eq!(serde_json::to_value(&back).unwrap(), json);
    }

    #[test]
    fn a_bad_value_in_meta_json_names_the_workload_and_key() {
        let mut json =
            serde_json::to_value(Experiment::parse("k.toml", EVERY_KIND).unwrap()).unwrap();
        json["workloads"][0]["order"] = "sideways".into();
        let err = serde_json::from_value::<Experiment>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("workload \"numbers\": key `order`"), "{err}");
    }

    /// Every committed results folder's config still reads, and reads back the same.
    #[test]
    fn committed_results_configs_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../results");
        let mut metas = Vec::new();
        for group in ["reference", "scaling/16cpu-xeon-vm"] {
            let Ok(dirs) = std::fs::read_dir(root.join(group)) else {
                continue;
            };
            for d in dirs.flatten() {
                let path = wsbench_schema::Layout::new(d.path()).meta();
                if path.exists() {
                    metas.push(path);
                }
            }
        }
        assert!(!metas.is_empty(), "no meta.json under {}", root.display());
        for path in metas {
            let meta: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let e: Experiment = serde_json::from_value(meta["config"].clone())
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let again: Experiment =
                serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
            assert_eq!(again, e, "{}", path.display());
        }
    }
}

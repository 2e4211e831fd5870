//! Experiment files: TOML in, a checked [`Experiment`] out.
//!
//! Parsing happens in two steps. serde + toml read the file into [`ExperimentFile`]
//! (`deny_unknown_fields`, so a misspelt key is an error that names it, with its line);
//! [`Experiment::from_file`] then checks every value that serde cannot (a strategy name, a
//! placement, a worker count of zero, keys that do not belong to a workload's kind) and
//! expands `sizes = [...]` sweeps into one workload per size. Every error names the file,
//! the key and its line, and lists what is allowed.
//!
//! The checked [`Experiment`] is plain data: it is what `meta.json` records as "the config
//! as run", and what `--resume` and `merge` compare.

use serde::{Deserialize, Serialize};
use std::ops::Range;
use toml::Spanned;

use super::strategy::Strategy;

/// The embedded default experiment (`wsbench run` with no file).
pub const DEFAULT_TOML: &str = include_str!("../../configs/default.toml");

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

/// The workload kinds, as the `kind` key spells them.
pub const KINDS: [&str; 4] = ["factorize", "factorial", "synthetic", "file"];

/// An experiment file exactly as written (serde's view of it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    repetitions: Option<Spanned<i64>>,
    #[serde(default)]
    warmup: Option<Spanned<i64>>,
    #[serde(default)]
    workers: Option<Spanned<toml::Value>>,
    #[serde(default)]
    placements: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    strategies: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    latency: Option<bool>,
    #[serde(default)]
    pool_in_timing: Option<bool>,
    #[serde(default)]
    victim_order: Option<Spanned<String>>,
    #[serde(default)]
    steal: Option<Spanned<String>>,
    #[serde(default, rename = "workload")]
    workloads: Vec<Spanned<WorkloadFile>>,
}

/// One `[[workload]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadFile {
    name: Spanned<String>,
    kind: Spanned<String>,
    generator: Option<Spanned<String>>,
    count: Option<Spanned<i64>>,
    heavy_fraction: Option<Spanned<f64>>,
    order: Option<Spanned<String>>,
    seed: Option<Spanned<i64>>,
    bits: Option<Spanned<i64>>,
    method: Option<Spanned<String>>,
    n: Option<Spanned<i64>>,
    distribution: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    sizes: Option<Spanned<Vec<i64>>>,
    pool_in_timing: Option<bool>,
    latency: Option<bool>,
}

/// A checked experiment: every name valid, defaults filled in, sweeps expanded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// The experiment's name (also the default output folder `results/<name>/`).
    pub name: String,
    /// Free text describing the experiment.
    pub description: String,
    /// Counted runs per cell.
    pub repetitions: usize,
    /// Uncounted runs per cell, before the counted ones.
    pub warmup: usize,
    /// Worker counts (ascending, no duplicates).
    pub workers: Vec<usize>,
    /// Placements, in the topology part's syntax (canonical spelling).
    pub placements: Vec<String>,
    /// Strategies (canonical names); `serial` is always first.
    pub strategies: Vec<String>,
    /// Whether per-task latency is recorded (the default of every workload).
    pub latency: bool,
    /// Whether pool creation is inside the timed region (the default of every workload).
    pub pool_in_timing: bool,
    /// Where our pool's thieves look first: `random`, `round-robin` or `topology`
    /// (nearest first: SMT sibling, shared cache, package, anywhere).
    #[serde(default = "default_victim_order")]
    pub victim_order: String,
    /// How much one steal from a deque takes: `one` or `half`.
    #[serde(default = "default_steal")]
    pub steal: String,
    /// Whether `--quick` shrank this experiment.
    pub quick: bool,
    /// The workloads, one per size of a sweep.
    pub workloads: Vec<WorkloadSpec>,
}

/// A checked workload: the keys that apply to its kind, and its task count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadSpec {
    /// Unique name (a sweep's members are `<name>-n<size>`).
    pub name: String,
    /// `factorize`, `factorial`, `synthetic` or `file`.
    pub kind: String,
    /// factorize: the number generator (`mixed`, `uniform`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// factorize, synthetic: how many tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// factorize: share of heavy numbers in the mixed set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heavy_fraction: Option<f64>,
    /// factorize: task order (`shuffled`, `heavy-last`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// factorize, synthetic: generator seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// factorize: size in bits of the generator's (heavy) numbers (default 40).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// factorize, file: `naive` (the posts' trial division) or `fast`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// factorial: tasks are i = 1..=n.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// synthetic: the task-duration distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    /// file: numbers to factorize, one a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// file: keep only the first `limit` numbers (set by `--quick`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// The sweep this workload came from (the name before `-n<size>`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<String>,
    /// Whether pool creation (and shutdown) is inside the timed region for this workload's
    /// runs (the experiment's `pool_in_timing` unless the workload sets its own).
    pub pool_in_timing: bool,
    /// Whether per-task latency is recorded for this workload's runs (the experiment's
    /// `latency` unless the workload sets its own).
    pub latency: bool,
}

/// The keys each kind accepts (besides `name`, `kind` and `sizes`).
fn kind_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "factorize" => &[
            "generator",
            "count",
            "heavy_fraction",
            "order",
            "seed",
            "bits",
            "method",
        ],
        "factorial" => &["n"],
        "synthetic" => &["distribution", "count", "seed"],
        "file" => &["path", "method"],
        _ => &[],
    }
}

/// Where a problem is: the file's name and the text, to turn byte spans into lines.
pub struct Source<'a> {
    /// The file name as shown in messages (`<embedded default>` for the default).
    pub name: &'a str,
    /// The whole text.
    pub text: &'a str,
}

impl Source<'_> {
    /// 1-based line of a byte offset.
    pub fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text[..end].bytes().filter(|&b| b == b'\n').count() + 1
    }

    /// `file:line: key `k`: msg`.
    pub fn err(&self, span: &Range<usize>, key: &str, msg: impl std::fmt::Display) -> String {
        format!("{}:{}: key `{}`: {}", self.name, self.line(span), key, msg)
    }
}

/// What `--quick` does to an experiment (documented in the README).
pub mod quick {
    /// Counted repetitions at most.
    pub const REPETITIONS: usize = 2;
    /// Warmup runs (none).
    pub const WARMUP: usize = 0;
    /// Task counts are divided by this...
    pub const DIVISOR: usize = 10;
    /// ...but never made smaller than this (nor larger than they were).
    pub const MIN_TASKS: usize = 20;
}

fn shrink(n: usize) -> usize {
    (n / quick::DIVISOR).max(quick::MIN_TASKS).min(n)
}

fn non_negative(src: &Source, v: &Spanned<i64>, key: &str, min: i64) -> Result<u64, String> {
    let x = *v.get_ref();
    if x < min {
        return Err(src.err(
            &v.span(),
            key,
            format!("{x} is not allowed; it must be at least {min}"),
        ));
    }
    Ok(x as u64)
}

impl Experiment {
    /// Parses and checks an experiment file. `name` is used in messages only.
    ///
    /// ```
    /// use experiments::run::config::Experiment;
    /// let text = "name = \"x\"\nworkers = [2]\n[[workload]]\nname = \"f\"\nkind = \"factorial\"\nsizes = [10, 20]\n";
    /// let e = Experiment::parse("x.toml", text).unwrap();
    /// assert_eq!(e.strategies[0], "serial");
    /// assert_eq!(e.workloads[1].name, "f-n20");
    /// let err = Experiment::parse("x.toml", &text.replace("[2]", "[0]")).unwrap_err();
    /// assert!(err.starts_with("x.toml:2: key `workers`"), "{err}");
    /// ```
    pub fn parse(name: &str, text: &str) -> Result<Experiment, String> {
        let src = Source { name, text };
        let file: ExperimentFile = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        Experiment::from_file(&src, file)
    }

    /// Checks a parsed file (see the module documentation).
    pub fn from_file(src: &Source, f: ExperimentFile) -> Result<Experiment, String> {
        let name = f.name.get_ref().trim().to_string();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(src.err(
                &f.name.span(),
                "name",
                format!("{:?} is not a usable folder name (non-empty, no slashes, not starting with '.')", f.name.get_ref()),
            ));
        }
        let repetitions = match &f.repetitions {
            Some(r) => non_negative(src, r, "repetitions", 1)? as usize,
            None => 5,
        };
        let warmup = match &f.warmup {
            Some(w) => non_negative(src, w, "warmup", 0)? as usize,
            None => 1,
        };
        let workers = parse_workers(src, f.workers.as_ref())?;
        let placements = match &f.placements {
            None => vec!["spread".to_string()],
            Some(list) => {
                if list.get_ref().is_empty() {
                    return Err(src.err(
                        &list.span(),
                        "placements",
                        "the list is empty; name at least one placement",
                    ));
                }
                let mut out = Vec::new();
                for p in list.get_ref() {
                    let canon = super::strategy::canonical_placement(p.get_ref())
                        .map_err(|e| src.err(&p.span(), "placements", e))?;
                    if !out.contains(&canon) {
                        out.push(canon);
                    }
                }
                out
            }
        };
        let mut strategies: Vec<String> = Vec::new();
        match &f.strategies {
            None => strategies.extend(DEFAULT_STRATEGIES.iter().map(|s| s.to_string())),
            Some(list) => {
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
                    let canon = strategy.to_string();
                    if !strategies.contains(&canon) {
                        strategies.push(canon);
                    }
                }
            }
        }
        // The serial run is every cell's baseline (speedup, lower bound, checksum).
        strategies.retain(|s| s != "serial");
        strategies.insert(0, "serial".to_string());

        if f.workloads.is_empty() {
            return Err(format!(
                "{}: no [[workload]] table; an experiment needs at least one (kinds: {})",
                src.name,
                KINDS.join(", ")
            ));
        }
        let mut workloads: Vec<WorkloadSpec> = Vec::new();
        for w in &f.workloads {
            for mut spec in workload_specs(src, w)? {
                spec.pool_in_timing = w
                    .get_ref()
                    .pool_in_timing
                    .unwrap_or(f.pool_in_timing.unwrap_or(false));
                spec.latency = w.get_ref().latency.unwrap_or(f.latency.unwrap_or(true));
                if workloads.iter().any(|o| o.name == spec.name) {
                    return Err(src.err(
                        &w.get_ref().name.span(),
                        "workload.name",
                        format!(
                            "{:?} is used twice; workload names must be unique",
                            spec.name
                        ),
                    ));
                }
                workloads.push(spec);
            }
        }
        Ok(Experiment {
            name,
            description: f.description.unwrap_or_default(),
            repetitions,
            warmup,
            workers,
            placements,
            strategies,
            latency: f.latency.unwrap_or(true),
            pool_in_timing: f.pool_in_timing.unwrap_or(false),
            victim_order: one_of(src, f.victim_order.as_ref(), "victim_order", VICTIM_ORDERS)?,
            steal: one_of(src, f.steal.as_ref(), "steal", STEAL_AMOUNTS)?,
            quick: false,
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
            match w.kind.as_str() {
                "factorial" => w.n = w.n.map(|n| shrink(n as usize) as u64),
                "file" => w.limit = Some(w.limit.map_or(quick::MIN_TASKS * 10, shrink)),
                _ => w.count = w.count.map(shrink),
            }
        }
    }

    /// The parallel strategies (everything but `serial`).
    pub fn parallel_strategies(&self) -> impl Iterator<Item = &String> {
        self.strategies.iter().filter(|s| *s != "serial")
    }
}

fn parse_workers(src: &Source, v: Option<&Spanned<toml::Value>>) -> Result<Vec<usize>, String> {
    let allowed = "a list of worker counts ≥ 1 (e.g. [1, 2, 4]) or \"all\" (1, 2, ... up to every allowed CPU)";
    let Some(v) = v else {
        return Ok(all_workers());
    };
    let span = v.span();
    let mut out = match v.get_ref() {
        toml::Value::String(s) if s == "all" => all_workers(),
        toml::Value::Array(items) => {
            if items.is_empty() {
                return Err(src.err(
                    &span,
                    "workers",
                    format!("the list is empty; expected {allowed}"),
                ));
            }
            let mut out = Vec::new();
            for item in items {
                match item {
                    toml::Value::Integer(n) if *n >= 1 => out.push(*n as usize),
                    toml::Value::Integer(n) => {
                        return Err(src.err(
                            &span,
                            "workers",
                            format!("{n} workers is not allowed; expected {allowed}"),
                        ))
                    }
                    other => {
                        return Err(src.err(
                            &span,
                            "workers",
                            format!("{other} is not a worker count; expected {allowed}"),
                        ))
                    }
                }
            }
            out
        }
        toml::Value::Integer(n) if *n >= 1 => vec![*n as usize],
        other => {
            return Err(src.err(
                &span,
                "workers",
                format!("{other} is not allowed; expected {allowed}"),
            ))
        }
    };
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The values of `victim_order`; the first is the default.
pub const VICTIM_ORDERS: &[&str] = &["random", "round-robin", "topology"];
/// The values of `steal`; the first is the default.
pub const STEAL_AMOUNTS: &[&str] = &["one", "half"];

fn default_victim_order() -> String {
    VICTIM_ORDERS[0].to_string()
}

fn default_steal() -> String {
    STEAL_AMOUNTS[0].to_string()
}

/// A key that takes one of a few names (the first is the default when absent).
fn one_of(
    src: &Source,
    v: Option<&Spanned<String>>,
    key: &str,
    allowed: &[&str],
) -> Result<String, String> {
    let Some(v) = v else {
        return Ok(allowed[0].to_string());
    };
    if allowed.contains(&v.get_ref().as_str()) {
        return Ok(v.get_ref().clone());
    }
    Err(src.err(
        &v.span(),
        key,
        format!(
            "`{}` is not allowed; expected one of: {}",
            v.get_ref(),
            allowed.join(", ")
        ),
    ))
}

/// Parses `--workers` on the command line: `all` or a comma list of counts ≥ 1
/// (sorted, duplicates dropped), the same values the `workers` key takes.
///
/// ```
/// use experiments::run::config::parse_workers_arg;
/// assert_eq!(parse_workers_arg("8,2,4,2"), Ok(vec![2, 4, 8]));
/// assert!(parse_workers_arg("2,x").unwrap_err().contains("`x`"));
/// assert!(parse_workers_arg("0").is_err());
/// ```
pub fn parse_workers_arg(text: &str) -> Result<Vec<usize>, String> {
    let allowed = "`all` or a comma-separated list of worker counts ≥ 1 (e.g. 1,2,4,16)";
    if text.trim() == "all" {
        return Ok(all_workers());
    }
    let mut out = Vec::new();
    for item in text.split(',') {
        match item.trim().parse::<usize>() {
            Ok(n) if n >= 1 => out.push(n),
            _ => {
                return Err(format!(
                    "`{item}` is not a worker count; expected {allowed}"
                ))
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// `workers = "all"`: every count 1..=N for up to 16 allowed CPUs; beyond that powers of two and N.
pub fn all_workers() -> Vec<usize> {
    let n = topology::affinity::allowed_cpus().map_or(1, |c| c.len().max(1));
    if n <= 16 {
        return (1..=n).collect();
    }
    let mut out: Vec<usize> = std::iter::successors(Some(1usize), |x| Some(x * 2))
        .take_while(|&x| x < n)
        .collect();
    out.push(n);
    out
}

fn int(src: &Source, v: &Option<Spanned<i64>>, key: &str, min: i64) -> Result<Option<u64>, String> {
    v.as_ref()
        .map(|v| non_negative(src, v, key, min))
        .transpose()
}

fn workload_specs(src: &Source, sw: &Spanned<WorkloadFile>) -> Result<Vec<WorkloadSpec>, String> {
    let w = sw.get_ref();
    let name = w.name.get_ref().clone();
    if name.is_empty()
        || name.contains("__")
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(src.err(
            &w.name.span(),
            "workload.name",
            format!("{name:?} is not allowed; use letters, digits, '-', '_', '.' (no \"__\", which separates a cell's parts in file names)"),
        ));
    }
    let kind = w.kind.get_ref().as_str();
    if !KINDS.contains(&kind) {
        return Err(src.err(
            &w.kind.span(),
            "workload.kind",
            format!("{kind:?} is not a kind; allowed: {}", KINDS.join(", ")),
        ));
    }
    // Keys set in this table, with their spans, to reject the ones the kind does not use.
    let present: [(&str, Option<Range<usize>>); 10] = [
        ("generator", w.generator.as_ref().map(|v| v.span())),
        ("count", w.count.as_ref().map(|v| v.span())),
        (
            "heavy_fraction",
            w.heavy_fraction.as_ref().map(|v| v.span()),
        ),
        ("order", w.order.as_ref().map(|v| v.span())),
        ("seed", w.seed.as_ref().map(|v| v.span())),
        ("bits", w.bits.as_ref().map(|v| v.span())),
        ("method", w.method.as_ref().map(|v| v.span())),
        ("n", w.n.as_ref().map(|v| v.span())),
        ("distribution", w.distribution.as_ref().map(|v| v.span())),
        ("path", w.path.as_ref().map(|v| v.span())),
    ];
    let keys = kind_keys(kind);
    for (key, span) in &present {
        if let Some(span) = span {
            if !keys.contains(key) {
                return Err(src.err(
                    span,
                    &format!("workload.{key}"),
                    format!("not used by kind = {kind:?}; its keys are: name, kind, {}, sizes, pool_in_timing, latency", keys.join(", ")),
                ));
            }
        }
    }
    let s = |o: &Option<Spanned<String>>| o.as_ref().map(|v| v.get_ref().clone());
    let mut spec = WorkloadSpec {
        name: name.clone(),
        kind: kind.to_string(),
        generator: s(&w.generator),
        count: int(src, &w.count, "workload.count", 1)?.map(|x| x as usize),
        heavy_fraction: w.heavy_fraction.as_ref().map(|v| *v.get_ref()),
        order: s(&w.order),
        seed: int(src, &w.seed, "workload.seed", 0)?,
        bits: int(src, &w.bits, "workload.bits", 2)?.map(|x| x.min(64) as u32),
        method: s(&w.method),
        n: int(src, &w.n, "workload.n", 1)?,
        distribution: s(&w.distribution),
        path: s(&w.path),
        limit: None,
        sweep: None,
        pool_in_timing: false,
        latency: true,
    };
    if let Some(hf) = &w.heavy_fraction {
        if !(0.0..=1.0).contains(hf.get_ref()) {
            return Err(src.err(
                &hf.span(),
                "workload.heavy_fraction",
                format!("{} is not allowed; it must be within 0..=1", hf.get_ref()),
            ));
        }
    }
    if let Some(m) = &w.method {
        if !["naive", "fast"].contains(&m.get_ref().as_str()) {
            return Err(src.err(
                &m.span(),
                "workload.method",
                format!("{:?} is not a method; allowed: naive, fast", m.get_ref()),
            ));
        }
    }
    // Required keys per kind.
    let required: &[(&str, bool)] = match kind {
        "factorial" => &[("n", spec.n.is_some() || w.sizes.is_some())],
        "file" => &[("path", spec.path.is_some())],
        "synthetic" => &[("distribution", spec.distribution.is_some())],
        _ => &[],
    };
    for (key, ok) in required {
        if !ok {
            return Err(src.err(
                &sw.span(),
                &format!("workload.{key}"),
                format!("missing; kind = {kind:?} needs it"),
            ));
        }
    }
    // Values the workloads crate checks (generator, order, distribution, file lines).
    super::build::check_spec(&spec).map_err(|(key, msg)| {
        let span = present
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, s)| s.clone())
            .unwrap_or_else(|| sw.span());
        src.err(&span, &format!("workload.{key}"), msg)
    })?;
    let Some(sizes) = &w.sizes else {
        return Ok(vec![spec]);
    };
    if kind == "file" {
        return Err(src.err(
            &sizes.span(),
            "workload.sizes",
            "not used by kind = \"file\" (its size is the file's line count)",
        ));
    }
    if sizes.get_ref().is_empty() {
        return Err(src.err(
            &sizes.span(),
            "workload.sizes",
            "the list is empty; give task counts ≥ 1",
        ));
    }
    let mut out = Vec::new();
    for &size in sizes.get_ref() {
        if size < 1 {
            return Err(src.err(
                &sizes.span(),
                "workload.sizes",
                format!("{size} is not allowed; sizes are task counts ≥ 1"),
            ));
        }
        let mut member = spec.clone();
        member.name = format!("{name}-n{size}");
        member.sweep = Some(name.clone());
        if kind == "factorial" {
            member.n = Some(size as u64);
        } else {
            member.count = Some(size as usize);
        }
        out.push(member);
    }
    spec.sweep = Some(name);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(e.strategies[0], "serial");
        assert!(e.strategies.contains(&"dynamic:4".to_string()));
        let names: Vec<_> = e.workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["w", "f-n10", "f-n20"]);
        assert_eq!(e.workloads[2].n, Some(20));
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
        assert_eq!(
            (e.victim_order.as_str(), e.steal.as_str()),
            ("random", "one")
        );
        let text = GOOD.replacen("\n", "\nvictim_order = \"topology\"\nsteal = \"half\"\n", 1);
        let e = Experiment::parse("x.toml", &text).unwrap();
        assert_eq!(
            (e.victim_order.as_str(), e.steal.as_str()),
            ("topology", "half")
        );
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
        assert_eq!(e.workloads[0].count, Some(20));
        assert!(e.quick);
    }

    #[test]
    fn embedded_default_parses() {
        let e = Experiment::parse("<embedded default>", DEFAULT_TOML).unwrap();
        assert_eq!(e.strategies.len(), 10);
    }
}

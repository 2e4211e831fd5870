//! An experiment file exactly as written (serde's view of it), and where each value is.

use serde::{Deserialize, Serialize};
use std::ops::{Range, RangeInclusive};
use std::path::Path;
use toml::Spanned;

use super::super::policy::{Choice, Steal, Victims};
use super::super::workload::WorkloadRecord;
use super::Experiment;

/// An experiment file exactly as written (serde's view of it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) repetitions: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) warmup: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) workers: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) placements: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub(super) strategies: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub(super) latency: Option<bool>,
    #[serde(default)]
    pub(super) trace: Option<bool>,
    #[serde(default)]
    pub(super) pool_in_timing: Option<bool>,
    #[serde(default)]
    pub(super) victim_order: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) steal: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) order_seed: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) pairs: Option<Spanned<Vec<Vec<String>>>>,
    /// Set in what `--dry-run --quick` prints: `--quick` already shrank this experiment
    /// (and does not shrink it again).
    #[serde(default)]
    pub(super) quick: Option<bool>,
    #[serde(default, rename = "workload")]
    pub(super) workloads: Vec<Spanned<WorkloadFile>>,
}

/// One `[[workload]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkloadFile {
    pub(super) name: Spanned<String>,
    pub(super) kind: Spanned<String>,
    pub(super) generator: Option<Spanned<String>>,
    pub(super) count: Option<Spanned<i64>>,
    pub(super) heavy_fraction: Option<Spanned<f64>>,
    pub(super) order: Option<Spanned<String>>,
    pub(super) seed: Option<Spanned<i64>>,
    pub(super) bits: Option<Spanned<i64>>,
    pub(super) method: Option<Spanned<String>>,
    pub(super) n: Option<Spanned<i64>>,
    pub(super) distribution: Option<Spanned<String>>,
    pub(super) sleep: Option<Spanned<bool>>,
    pub(super) path: Option<Spanned<String>>,
    pub(super) limit: Option<Spanned<i64>>,
    pub(super) depth: Option<Spanned<i64>>,
    pub(super) shape: Option<Spanned<String>>,
    pub(super) spine: Option<Spanned<i64>>,
    pub(super) cutoff: Option<Spanned<i64>>,
    pub(super) tree: Option<Spanned<String>>,
    /// The workload's own strategies (replacing the experiment's for its cells).
    pub(super) strategies: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) sizes: Option<Spanned<Vec<i64>>>,
    /// The sweep a workload belongs to: what `sizes` sets on each member, and what
    /// `--dry-run` prints for each (a sweep printed expanded reads back as the same sweep).
    pub(super) sweep: Option<Spanned<String>>,
    pub(super) pool_in_timing: Option<bool>,
    pub(super) latency: Option<bool>,
    pub(super) trace: Option<bool>,
}

/// Where a problem is: the file's name and the text, to turn byte spans into lines.
pub struct ConfigText<'a> {
    /// The file name as shown in messages (`<embedded default>` for the default).
    pub name: &'a str,
    /// The whole text.
    pub text: &'a str,
}

impl ConfigText<'_> {
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

/// An integer key that must be at least `min`.
pub(super) fn non_negative(
    src: &ConfigText,
    v: &Spanned<i64>,
    key: &str,
    min: i64,
) -> Result<u64, String> {
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

/// An integer key that must be within `allowed`.
pub(super) fn bounded(
    src: &ConfigText,
    v: &Spanned<i64>,
    key: &str,
    allowed: RangeInclusive<i64>,
) -> Result<u64, String> {
    let x = *v.get_ref();
    if !allowed.contains(&x) {
        return Err(src.err(
            &v.span(),
            key,
            format!(
                "{x} is not allowed; it must be within {}..={}",
                allowed.start(),
                allowed.end()
            ),
        ));
    }
    Ok(x as u64)
}

/// An optional integer key that must be within `allowed`.
pub(super) fn int(
    src: &ConfigText,
    v: &Option<Spanned<i64>>,
    key: &str,
    allowed: RangeInclusive<i64>,
) -> Result<Option<u64>, String> {
    v.as_ref()
        .map(|v| bounded(src, v, key, allowed))
        .transpose()
}

/// A key that takes one of a few names (the first is the default when absent).
pub(super) fn choice<T: Choice>(
    src: &ConfigText,
    v: Option<&Spanned<String>>,
    key: &str,
) -> Result<T, String> {
    match v {
        None => Ok(T::ALL[0]),
        Some(v) => T::parse_name(v.get_ref()).map_err(|e| src.err(&v.span(), key, e)),
    }
}

/// An experiment in the words of its file (what `--dry-run` prints).
#[derive(Serialize)]
struct FileForm<'a> {
    name: &'a str,
    description: &'a str,
    repetitions: usize,
    warmup: usize,
    workers: &'a [usize],
    placements: Vec<String>,
    strategies: Vec<String>,
    latency: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    trace: bool,
    pool_in_timing: bool,
    victim_order: Victims,
    steal: Steal,
    order_seed: u64,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pairs: &'a [[String; 2]],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    quick: bool,
    #[serde(rename = "workload")]
    workloads: Vec<WorkloadRecord>,
}

impl Experiment {
    /// The experiment as a config file that reads back as this very experiment
    /// (`--dry-run`): defaults written out, each member of a sweep as its own table with
    /// its `sweep`, `quick = true` once `--quick` shrank it, and the path of a `file`
    /// workload made absolute (from `base`, the config file's folder), so that the text
    /// works wherever it is saved.
    ///
    /// ```
    /// use wsbench::run::config::Experiment;
    /// let text = "name = \"x\"\nworkers = [2]\n[[workload]]\nname = \"f\"\nkind = \"factorial\"\nsizes = [10, 20]\n";
    /// let mut e = Experiment::parse("x.toml", text).unwrap();
    /// e.make_quick();
    /// let printed = e.to_toml(std::path::Path::new("."));
    /// assert!(printed.contains("[[workload]]") && printed.contains("sweep = \"f\""), "{printed}");
    /// assert_eq!(Experiment::parse("printed", &printed).unwrap(), e);
    /// ```
    pub fn to_toml(&self, base: &Path) -> String {
        let workloads = self
            .workloads
            .iter()
            .map(|w| {
                let mut r = w.to_record();
                if let Some(p) = r.path.as_mut() {
                    let joined = base.join(&*p);
                    *p = std::path::absolute(&joined)
                        .unwrap_or(joined)
                        .display()
                        .to_string();
                }
                r
            })
            .collect();
        let form = FileForm {
            name: &self.name,
            description: &self.description,
            repetitions: self.repetitions,
            warmup: self.warmup,
            workers: &self.workers,
            placements: self.placements.iter().map(ToString::to_string).collect(),
            strategies: self.strategies.iter().map(ToString::to_string).collect(),
            latency: self.latency,
            trace: self.trace,
            pool_in_timing: self.pool_in_timing,
            victim_order: self.victim_order,
            steal: self.steal,
            order_seed: self.order_seed,
            pairs: &self.pairs,
            quick: self.quick,
            workloads,
        };
        toml::to_string_pretty(&form)
            .unwrap_or_else(|e| format!("# cannot print the experiment: {e}\n"))
    }
}

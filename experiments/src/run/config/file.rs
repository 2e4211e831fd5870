//! An experiment file exactly as written (serde's view of it), and where each value is.

use serde::Deserialize;
use std::ops::{Range, RangeInclusive};
use toml::Spanned;

use super::super::policy::Choice;

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
    pub(super) pool_in_timing: Option<bool>,
    #[serde(default)]
    pub(super) victim_order: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) steal: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) order_seed: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) pairs: Option<Spanned<Vec<Vec<String>>>>,
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
    pub(super) path: Option<Spanned<String>>,
    pub(super) sizes: Option<Spanned<Vec<i64>>>,
    pub(super) pool_in_timing: Option<bool>,
    pub(super) latency: Option<bool>,
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

//! `[[workload]]` tables: checked keys in, one [`WorkloadSpec`] per table (or per size of
//! a `sizes` sweep) out.
//!
//! The span-aware checks (which keys a kind takes, integer ranges, sizes) happen here;
//! the values themselves are checked once, by the kind's own module, when the table's
//! [`WorkloadRecord`] becomes a typed [`WorkloadSpec`].

use std::ops::Range;
use toml::Spanned;

use super::file::{int, ConfigText, WorkloadFile};
use super::limits;
use crate::run::workload::{KindName, SizeKey, WorkloadRecord, WorkloadSpec};

/// The settings every workload inherits from the experiment unless it sets its own.
#[derive(Debug, Clone, Copy)]
pub(super) struct Inherited {
    /// The experiment's `pool_in_timing`.
    pub pool_in_timing: bool,
    /// The experiment's `latency`.
    pub latency: bool,
    /// The experiment's `trace`.
    pub trace: bool,
}

/// One table's workloads: itself, or one per size of its sweep.
pub(super) fn workload_specs(
    src: &ConfigText,
    sw: &Spanned<WorkloadFile>,
    inherited: Inherited,
) -> Result<Vec<WorkloadSpec>, String> {
    let w = sw.get_ref();
    let name = checked_name(src, w)?;
    let kind = checked_kind(src, w)?;
    let present = present_keys(w);
    reject_foreign_keys(src, kind, &present)?;
    let mut record = record_of(src, w, name.clone(), kind)?;
    record.pool_in_timing = w.pool_in_timing.unwrap_or(inherited.pool_in_timing);
    if kind.is_recursive() && w.trace == Some(true) {
        return Err(src.err(
            &sw.span(),
            "workload.trace",
            format!(
                "not supported for kind = {:?} yet: its runs are one computation with no \
                 per-task recording; remove the key",
                kind.name()
            ),
        ));
    }
    record.trace = w.trace.unwrap_or(inherited.trace) && !kind.is_recursive();
    // A trace is built from the recording path's timestamps: tracing turns recording on,
    // unless the table itself says otherwise, which is a contradiction.
    record.latency = match (w.latency, record.trace) {
        _ if kind.is_recursive() => latency(src, w, kind, inherited)?,
        (Some(false), true) => {
            return Err(src.err(
                &sw.span(),
                "workload.latency",
                format!(
                    "workload {name:?} sets latency = false but is traced (trace = true); \
                     a trace needs per-task recording: drop one of the two"
                ),
            ))
        }
        (Some(l), _) => l,
        (None, trace) => inherited.latency || trace,
    };
    record.strategies = super::fit::own_strategies(src, w, kind)?;
    record.sweep = sweep_of(src, w)?;
    let records = match sizes(src, w, kind)? {
        None => vec![record],
        Some(sizes) => sizes
            .into_iter()
            .map(|(size_key, size)| sweep_member(&record, size_key, size))
            .collect(),
    };
    records
        .iter()
        .map(|r| {
            WorkloadSpec::from_record(r).map_err(|(key, msg)| {
                let span = present
                    .iter()
                    .find(|(k, _)| *k == key)
                    .and_then(|(_, s)| s.clone())
                    .unwrap_or_else(|| sw.span());
                src.err(&span, &format!("workload.{key}"), msg)
            })
        })
        .collect()
}

fn checked_name(src: &ConfigText, w: &WorkloadFile) -> Result<String, String> {
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
    Ok(name)
}

fn checked_kind(src: &ConfigText, w: &WorkloadFile) -> Result<KindName, String> {
    w.kind
        .get_ref()
        .parse()
        .map_err(|e| src.err(&w.kind.span(), "workload.kind", e))
}

/// The kind-specific keys set in a table, with their spans.
type Present = [(&'static str, Option<Range<usize>>); 17];

fn present_keys(w: &WorkloadFile) -> Present {
    [
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
        ("sleep", w.sleep.as_ref().map(|v| v.span())),
        ("path", w.path.as_ref().map(|v| v.span())),
        ("limit", w.limit.as_ref().map(|v| v.span())),
        ("depth", w.depth.as_ref().map(|v| v.span())),
        ("shape", w.shape.as_ref().map(|v| v.span())),
        ("spine", w.spine.as_ref().map(|v| v.span())),
        ("cutoff", w.cutoff.as_ref().map(|v| v.span())),
        ("tree", w.tree.as_ref().map(|v| v.span())),
    ]
}

fn reject_foreign_keys(src: &ConfigText, kind: KindName, present: &Present) -> Result<(), String> {
    let keys = kind.keys();
    for (key, span) in present {
        if let Some(span) = span {
            if !keys.contains(key) {
                return Err(src.err(
                    span,
                    &format!("workload.{key}"),
                    format!("not used by kind = {:?}; its keys are: name, kind, {}, sizes, pool_in_timing, latency, trace, strategies", kind.name(), keys.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

/// The table's `latency`, else the experiment's; a recursive workload records none (it is
/// one computation: no task latency, and its serial run's time is all the lower bound
/// needs), so `latency = true` on one is refused.
fn latency(
    src: &ConfigText,
    w: &WorkloadFile,
    kind: KindName,
    inherited: Inherited,
) -> Result<bool, String> {
    if !kind.is_recursive() {
        return Ok(w.latency.unwrap_or(inherited.latency));
    }
    if w.latency == Some(true) {
        return Err(src.err(
            &w.name.span(),
            "workload.latency",
            format!(
                "not allowed for kind = {:?}: a recursive workload is one computation and                  records no per-task latency; remove the key or set it to false",
                kind.name()
            ),
        ));
    }
    Ok(false)
}

/// The table's values, integers range-checked (the kind checks the rest).
fn record_of(
    src: &ConfigText,
    w: &WorkloadFile,
    name: String,
    kind: KindName,
) -> Result<WorkloadRecord, String> {
    let s = |o: &Option<Spanned<String>>| o.as_ref().map(|v| v.get_ref().clone());
    Ok(WorkloadRecord {
        name,
        kind: kind.name().to_string(),
        generator: s(&w.generator),
        count: int(src, &w.count, "workload.count", limits::TASKS)?.map(|x| x as usize),
        heavy_fraction: w.heavy_fraction.as_ref().map(|v| *v.get_ref()),
        order: s(&w.order),
        seed: int(src, &w.seed, "workload.seed", 0..=i64::MAX)?,
        bits: int(src, &w.bits, "workload.bits", limits::BITS)?.map(|x| x as u32),
        method: s(&w.method),
        n: int(src, &w.n, "workload.n", limits::FACTORIAL_N)?,
        distribution: s(&w.distribution),
        sleep: w.sleep.as_ref().map(|v| *v.get_ref()),
        path: s(&w.path),
        limit: int(src, &w.limit, "workload.limit", limits::TASKS)?.map(|x| x as usize),
        depth: int(src, &w.depth, "workload.depth", limits::TREE_DEPTH)?.map(|x| x as u32),
        shape: s(&w.shape),
        spine: int(src, &w.spine, "workload.spine", limits::SPINE)?.map(|x| x as u32),
        cutoff: int(src, &w.cutoff, "workload.cutoff", limits::CUTOFF)?,
        tree: s(&w.tree),
        ..WorkloadRecord::default()
    })
}

/// The `sweep` key (a member of a sweep, as `--dry-run` prints it), or `None`.
fn sweep_of(src: &ConfigText, w: &WorkloadFile) -> Result<Option<String>, String> {
    let Some(sweep) = &w.sweep else {
        return Ok(None);
    };
    let name = sweep.get_ref();
    if let Some(sizes) = &w.sizes {
        return Err(src.err(
            &sizes.span(),
            "workload.sizes",
            "not used with `sweep` (a table with `sweep` is one member of a sweep; `sizes` makes the members)",
        ));
    }
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(src.err(
            &sweep.span(),
            "workload.sweep",
            format!("{name:?} is not allowed; use letters, digits, '-', '_', '.'"),
        ));
    }
    Ok(Some(name.clone()))
}

/// The checked `sizes` of a sweep, or `None` without one.
fn sizes(
    src: &ConfigText,
    w: &WorkloadFile,
    kind: KindName,
) -> Result<Option<Vec<(SizeKey, u64)>>, String> {
    let Some(sizes) = &w.sizes else {
        return Ok(None);
    };
    let Some(size_key) = kind.size_key() else {
        return Err(src.err(
            &sizes.span(),
            "workload.sizes",
            format!(
                "not used by kind = {:?} ({})",
                kind.name(),
                if kind.is_recursive() {
                    "a recursive workload is one computation, not a task count to sweep"
                } else {
                    "its size is the file's line count"
                }
            ),
        ));
    };
    if sizes.get_ref().is_empty() {
        return Err(src.err(
            &sizes.span(),
            "workload.sizes",
            "the list is empty; give task counts ≥ 1",
        ));
    }
    let (allowed, what) = match size_key {
        SizeKey::Count => (limits::TASKS, "task counts (`count`)"),
        SizeKey::N => (limits::FACTORIAL_N, "factorial sizes (`n`)"),
    };
    let mut out = Vec::new();
    for &size in sizes.get_ref() {
        if !allowed.contains(&size) {
            return Err(src.err(
                &sizes.span(),
                "workload.sizes",
                format!(
                    "{size} is not allowed; sizes are {what} within {}",
                    limits::shown(&allowed)
                ),
            ));
        }
        out.push((size_key, size as u64));
    }
    Ok(Some(out))
}

/// One member of a sweep: `<name>-n<size>`, its size key set to `size`.
fn sweep_member(record: &WorkloadRecord, size_key: SizeKey, size: u64) -> WorkloadRecord {
    let mut member = record.clone();
    member.name = format!("{}-n{size}", record.name);
    member.sweep = Some(record.name.clone());
    size_key.set(&mut member, size);
    member
}

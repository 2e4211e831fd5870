//! Cost models checked against the measured serial task times.
//!
//! Two workload descriptions are models, not measurements: a synthetic task's time
//! (`fixed:time=100ns`) is nominal — the spin is calibrated once, before the runs — and
//! "the heavy 2% carry 95% of the work" counts trial divisions, not time. The report
//! sets each beside what serial measured: the mean time per task (median over serial runs
//! of Σ task time ÷ tasks; makespan ÷ tasks where latency recording was off, which adds
//! the loop's own cost) and, where the serial cell's pooled service-time histogram
//! exists, the share of the serial time spent in the heaviest tasks.

use super::load::{Distribution, ResultsDir};
use super::stats::median;
use super::summary::is_serial;
use super::units::{fmt_duration, sig3};
use std::fmt::Write;
use wsbench_schema::paths::META_JSON;

/// One workload's cost model and what serial measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCheck {
    /// Folder index.
    pub machine: usize,
    /// Workload name.
    pub workload: String,
    /// The model as the config states it (`fixed:time=100ns`, `mixed, 2% heavy`).
    pub model: String,
    /// The nominal time per task, for a fixed synthetic time (ns).
    pub nominal_ns: Option<f64>,
    /// Measured mean time per task (ns).
    pub measured_ns: Option<f64>,
    /// Whether `measured_ns` is makespan ÷ tasks (recording off) rather than Σ task time.
    pub from_makespan: bool,
    /// The heavy share the model names (e.g. 0.02), for factorization workloads.
    pub heavy_fraction: Option<f64>,
    /// The model's claim for the heavy share's part of the work, in its own unit.
    pub claim: Option<String>,
    /// Measured share of the serial time in the heaviest `heavy_fraction` of tasks.
    pub heavy_time_share: Option<f64>,
}

/// A duration as the configs write it (`100ns`, `1.5us`, `10µs`, `2ms`, `1s`) in ns.
///
/// ```
/// use wsbench_report::models::parse_duration_ns;
/// assert_eq!(parse_duration_ns("100ns"), Some(100.0));
/// assert_eq!(parse_duration_ns("1.5us"), Some(1500.0));
/// assert_eq!(parse_duration_ns("2ms"), Some(2e6));
/// assert_eq!(parse_duration_ns("7 parsecs"), None);
/// ```
pub fn parse_duration_ns(text: &str) -> Option<f64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    num.parse::<f64>().ok().map(|v| v * scale)
}

/// The share of the total of a distribution held by its top `fraction` of samples: the
/// percentile rows read as a step quantile function (each step's samples at the row's
/// value, HdrHistogram's resolution); `None` when the distribution is empty or all zero.
///
/// ```
/// use wsbench_report::models::top_share;
/// // 98% of tasks at 1, 2% at 50: the top 2% hold 100 of 198.
/// let d = vec![(1.0, 0.0), (1.0, 0.98), (50.0, 1.0)];
/// assert!((top_share(&d, 0.02).unwrap() - 100.0 / 198.0).abs() < 1e-12);
/// ```
pub fn top_share(dist: &Distribution, fraction: f64) -> Option<f64> {
    let cut = 1.0 - fraction;
    let (mut total, mut top, mut prev_q) = (0.0, 0.0, 0.0);
    for &(v, q) in dist {
        let dq = (q - prev_q).max(0.0);
        total += dq * v;
        top += (q - prev_q.max(cut)).max(0.0) * v;
        prev_q = q.max(prev_q);
    }
    (total > 0.0).then(|| top / total)
}

/// A share as a percentage with at most one decimal (`0.02` → `2`, `0.955` → `95.5`).
fn pct(x: f64) -> String {
    format!("{}", (x * 1000.0).round() / 10.0)
}

/// The workloads of a folder's `meta.json` config (`[]` when it has none).
fn config_workloads(dir: &ResultsDir) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.path.join(META_JSON)).unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|m| m["config"]["workloads"].as_array().cloned())
        .unwrap_or_default()
}

/// A workload's model: its statement, nominal time per task (ns), heavy share, and the
/// model's claim for that share.
type Model = (String, Option<f64>, Option<f64>, Option<String>);

/// The model of one configured workload; `None` for workloads without a cost model
/// (factorials).
fn model_of(w: &serde_json::Value) -> Option<Model> {
    match w["kind"].as_str()? {
        "synthetic" => {
            let dist = w["distribution"].as_str()?.to_string();
            let nominal = dist.strip_prefix("fixed:time=").and_then(parse_duration_ns);
            Some((dist, nominal, None, None))
        }
        "factorize" => {
            let generator = w["generator"].as_str().unwrap_or("mixed");
            let h = w["heavy_fraction"].as_f64().unwrap_or(0.02);
            let claim = (generator == "mixed").then(|| {
                "≈95% of trial divisions (workloads/src/numbers.rs, 20,000 numbers)".into()
            });
            let model = format!("{generator}, heaviest {}% by trial divisions", pct(h));
            Some((model, None, Some(h), claim))
        }
        _ => None,
    }
}

/// Every configured workload's model beside what serial measured, folder by folder.
pub fn model_checks(dirs: &[ResultsDir]) -> Vec<ModelCheck> {
    let mut out = Vec::new();
    for (machine, dir) in dirs.iter().enumerate() {
        for w in config_workloads(dir) {
            let (Some(name), Some((model, nominal_ns, heavy, claim))) =
                (w["name"].as_str(), model_of(&w))
            else {
                continue;
            };
            let serial: Vec<_> = dir
                .runs
                .iter()
                .filter(|r| {
                    r.cell.workload == name
                        && is_serial(&r.cell.strategy)
                        && r.checksum_ok != Some(false)
                })
                .collect();
            let Some(first) = serial.first() else {
                continue;
            };
            // With recording off the runner's task_sum_ns is the makespan itself.
            let from_makespan = serial
                .iter()
                .all(|r| r.latency == Some(false) || r.task_sum_ns.is_none());
            let per_task: Vec<f64> = serial
                .iter()
                .filter_map(|r| {
                    let tasks = r.tasks.or(r.size.map(|s| s as u64)).filter(|t| *t > 0)?;
                    Some(r.task_sum_ns.unwrap_or(r.makespan_ns) as f64 / tasks as f64)
                })
                .collect();
            let hist = dir
                .hgrm
                .get(&(first.cell.file_stem(), "service".to_string()));
            out.push(ModelCheck {
                machine,
                workload: name.to_string(),
                model,
                nominal_ns,
                measured_ns: median(&per_task),
                from_makespan,
                heavy_fraction: heavy,
                claim,
                heavy_time_share: heavy.zip(hist).and_then(|(h, d)| top_share(d, h)),
            });
        }
    }
    out
}

/// The report's section: one line per modelled workload; empty when none is modelled.
pub fn models_section(checks: &[ModelCheck], labels: &[String], multi: bool) -> String {
    if checks.is_empty() {
        return String::new();
    }
    let mut md = String::from("## Cost models against measured serial task times\n\n");
    md.push_str(
        "The workloads' costs are models: a synthetic task's time is nominal (its spin is \
         calibrated once, before the runs), and a factorization's heavy share counts trial \
         divisions, not time. Measured: the median over serial runs of Σ task time ÷ tasks \
         (marked † where latency recording was off: makespan ÷ tasks, loop cost included), \
         and the share of serial time in the heaviest tasks from the serial cell's pooled \
         service-time histogram (HdrHistogram resolution).\n\n",
    );
    let machine_col = if multi { " machine |" } else { "" };
    writeln!(
        md,
        "| workload |{machine_col} model | nominal per task | measured per task | measured ÷ nominal | model's heavy share | measured heavy share of time |"
    )
    .ok();
    writeln!(
        md,
        "|---|{}---|---:|---:|---:|---|---:|",
        if multi { "---|" } else { "" }
    )
    .ok();
    for c in checks {
        let dash = || "–".to_string();
        let machine = if multi {
            format!(" {} |", labels[c.machine])
        } else {
            String::new()
        };
        let measured = c.measured_ns.map_or_else(dash, |m| {
            format!(
                "{}{}",
                fmt_duration(m),
                if c.from_makespan { " †" } else { "" }
            )
        });
        let ratio = c
            .nominal_ns
            .zip(c.measured_ns)
            .map_or_else(dash, |(n, m)| format!("{}×", sig3(m / n)));
        let share = c
            .heavy_time_share
            .zip(c.heavy_fraction)
            .map_or_else(dash, |(s, h)| {
                format!("{}% in the heaviest {}%", pct(s), pct(h))
            });
        writeln!(
            md,
            "| `{}` |{machine} `{}` | {} | {measured} | {ratio} | {} | {share} |",
            c.workload,
            c.model,
            c.nominal_ns.map_or_else(dash, fmt_duration),
            c.claim.clone().unwrap_or_else(dash),
        )
        .ok();
    }
    md.push('\n');
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_share_splits_the_step_that_straddles_the_cut() {
        // Uniform 1..=4 in quarters; the top 10% lie in the last step (value 4).
        let d = vec![(1.0, 0.25), (2.0, 0.5), (3.0, 0.75), (4.0, 1.0)];
        let s = top_share(&d, 0.1).unwrap();
        assert!((s - 0.4 / 2.5).abs() < 1e-12, "{s}");
        // The top 30%: 0.25 × 4 + 0.05 × 3 over a mean of 2.5.
        let s = top_share(&d, 0.3).unwrap();
        assert!((s - 1.15 / 2.5).abs() < 1e-12, "{s}");
        assert_eq!(top_share(&vec![], 0.02), None);
    }

    #[test]
    fn the_section_sets_each_model_beside_the_serial_runs() {
        use crate::load::{CellKey, Keyed};
        use wsbench_schema::{Row, RunRow};
        let tmp = tempfile::tempdir().unwrap();
        let config = r#"{"config": {"workloads": [
            {"name": "tiny", "kind": "synthetic", "distribution": "fixed:time=100ns"},
            {"name": "mix", "kind": "factorize", "generator": "mixed", "heavy_fraction": 0.02},
            {"name": "fact", "kind": "factorial"}]}}"#;
        std::fs::write(tmp.path().join(META_JSON), config).unwrap();
        let run = |w: &str, rep: usize, makespan: u64, sum: Option<u64>, latency: bool| {
            let row = RunRow {
                workload: w.into(),
                strategy: "serial".into(),
                workers: 1,
                placement: "none".into(),
                repetition: rep,
                makespan_ns: makespan,
                task_sum_ns: sum,
                tasks: Some(1000),
                latency: Some(latency),
                ..Default::default()
            };
            Keyed {
                cell: CellKey::of(0, row.cell()),
                row,
            }
        };
        let mut hgrm = std::collections::BTreeMap::new();
        // 98% of tasks at 10 ns, 2% at 4,410 ns: the heaviest 2% hold 90% of the time.
        hgrm.insert(
            ("mix__serial__w1__none".to_string(), "service".to_string()),
            vec![(10.0, 0.0), (10.0, 0.98), (4410.0, 1.0)],
        );
        let dir = ResultsDir {
            path: tmp.path().to_path_buf(),
            meta: None,
            runs: vec![
                run("tiny", 0, 82_000, Some(82_000), false),
                run("tiny", 1, 90_000, Some(90_000), false),
                run("tiny", 2, 85_000, Some(85_000), false),
                run("mix", 0, 99_000, Some(98_000), true),
                run("fact", 0, 5, Some(5), true),
            ],
            latency: vec![],
            latency_cells: vec![],
            workers: vec![],
            hgrm,
            traces: Vec::new(),
            missing: vec![],
        };
        let checks = model_checks(&[dir]);
        assert_eq!(checks.len(), 2, "factorials have no model: {checks:?}");
        let md = models_section(&checks, &["M1".into()], false);
        assert!(
            md.contains("| `tiny` | `fixed:time=100ns` | 100 ns | 85.0 ns † | 0.850× | – | – |"),
            "{md}"
        );
        assert!(
            md.contains("| `mix` | `mixed, heaviest 2% by trial divisions` | – | 98.0 ns |"),
            "{md}"
        );
        assert!(md.contains("| 90% in the heaviest 2% |"), "{md}");
        assert_eq!(models_section(&[], &[], false), "");
    }

    #[test]
    fn models_from_the_config() {
        let syn = serde_json::json!({"kind": "synthetic", "distribution": "fixed:time=100ns"});
        assert_eq!(
            model_of(&syn),
            Some(("fixed:time=100ns".into(), Some(100.0), None, None))
        );
        let fac =
            serde_json::json!({"kind": "factorize", "generator": "mixed", "heavy_fraction": 0.02});
        let (model, _, h, claim) = model_of(&fac).unwrap();
        assert_eq!(
            (model.as_str(), h),
            ("mixed, heaviest 2% by trial divisions", Some(0.02))
        );
        assert!(claim.unwrap().starts_with("≈95% of trial divisions"));
        assert_eq!(model_of(&serde_json::json!({"kind": "factorial"})), None);
    }
}

//! `validation.csv` and `validation.md` of `wsbench simulate --validate`: the per-cell
//! errors ([`CellError`], the CSV's schema) and the markdown's four summaries (all
//! cells, held-to cells, at each cell's measured speed, against the measured median's
//! interval) with the table.

use std::path::Path;

use super::validate::{median, CellError};
use crate::error::{CliError, CliResult};
use wsbench_report::intervals::MEDIAN_CI_LEVEL;
use wsbench_schema::write_atomic;

/// Median and maximum |error| of `cells` (`error` picks which), and the three worst,
/// as one markdown line.
fn summary(cells: &[&CellError], error: impl Fn(&CellError) -> f64) -> String {
    let (med, max) = median_and_max(cells, &error);
    format!(
        "{} parallel cells: median absolute error {med:.1}%, maximum {max:.1}% (worst: {})",
        cells.len(),
        worst(cells, &error)
    )
}

/// Median and maximum of |`error`| over `cells` (0 and 0 for none).
fn median_and_max(cells: &[&CellError], error: impl Fn(&CellError) -> f64) -> (f64, f64) {
    let abs: Vec<f64> = cells.iter().map(|e| error(e).abs()).collect();
    let max = abs.iter().cloned().fold(0.0, f64::max);
    (median(&abs), max)
}

/// The three cells of largest |`error`|, e.g. `mixed-shuffled guided p=12 -13.1%; …`.
fn worst(cells: &[&CellError], error: impl Fn(&CellError) -> f64) -> String {
    let mut worst = cells.to_vec();
    worst.sort_by(|a, b| error(b).abs().total_cmp(&error(a).abs()));
    let worst: Vec<String> = worst
        .iter()
        .take(3)
        .map(|e| {
            format!(
                "{} {} p={} {:+.1}%",
                e.workload,
                e.strategy,
                e.workers,
                error(e)
            )
        })
        .collect();
    worst.join("; ")
}

/// `validation.csv` and `validation.md`.
pub(super) fn write_errors(out: &Path, dir: &Path, errors: &[CellError]) -> CliResult {
    let fail = |e: String| CliError::usage(format!("cannot write to {}: {e}", out.display()));
    // Whole or absent, as every results file (temporary name, fsync, rename).
    let mut w = csv::Writer::from_writer(Vec::new());
    for e in errors {
        w.serialize(e).map_err(|e| fail(e.to_string()))?;
    }
    let csv = w.into_inner().map_err(|e| fail(e.to_string()))?;
    write_atomic(&out.join("validation.csv"), &csv).map_err(|e| fail(e.to_string()))?;
    let parallel: Vec<&CellError> = errors.iter().filter(|e| e.strategy != "serial").collect();
    let held: Vec<&CellError> = parallel
        .iter()
        .copied()
        .filter(|e| e.excluded.is_empty())
        .collect();
    let by_error = |e: &CellError| e.error_percent;
    let (all, kept) = (summary(&parallel, by_error), summary(&held, by_error));
    let excluded = parallel.len() - held.len();
    let kept_line = format!("Without the {excluded} excluded cells: {kept}");
    let mut md = header(
        dir,
        &all,
        &kept_line,
        &at_speed(&held),
        &against_noise(&held),
    );
    md.push_str(
        "| workload | strategy | workers | placement | measured ms | interval ms (level) | simulated ms | error % | outside interval % | excluded | Σ task ÷ serial | error at that speed % |\n\
| --- | --- | ---: | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |\n",
    );
    for e in errors {
        md.push_str(&table_row(e));
    }
    write_atomic(&out.join("validation.md"), md.as_bytes()).map_err(|e| fail(e.to_string()))?;
    println!(
        "validation: {all}; without excluded: {kept} ({})",
        out.join("validation.md").display()
    );
    Ok(())
}

/// The third summary: the held-to cells that have a measured task speed, at that speed.
fn at_speed(held: &[&CellError]) -> String {
    let timed: Vec<&CellError> = held
        .iter()
        .copied()
        .filter(|e| e.speed_error_percent.is_some())
        .collect();
    if timed.is_empty() {
        return "no held-to cell qualifies (sleep workloads, or Σ task time not recorded)".into();
    }
    summary(&timed, |e| e.speed_error_percent.unwrap_or(0.0))
}

/// The fourth summary: how many held-to cells have the simulated median inside the
/// measured median's interval, and how far the others lie outside it.
fn against_noise(held: &[&CellError]) -> String {
    let outside: Vec<&CellError> = held
        .iter()
        .copied()
        .filter(|e| e.outside_interval_percent != 0.0)
        .collect();
    let levels = held.iter().map(|e| e.interval_level * 100.0);
    let (lo, hi) = levels.fold((f64::INFINITY, 0.0f64), |(lo, hi), l| {
        (lo.min(l), hi.max(l))
    });
    let coverage = if lo >= hi {
        format!("{hi:.1}%")
    } else {
        format!("{lo:.1}–{hi:.1}%")
    };
    let by = |e: &CellError| e.outside_interval_percent;
    let (med, max) = median_and_max(&outside, by);
    let rest = if outside.is_empty() {
        String::new()
    } else {
        format!(
            "; the other {} lie outside it by {med:.1}% (median) and at most {max:.1}% (worst: {})",
            outside.len(),
            worst(&outside, by)
        )
    };
    // Each interval misses the true median with probability 1 − coverage, so even a
    // model exact in every cell would land outside about this many.
    let expected: f64 = held.iter().map(|e| 1.0 - e.interval_level).sum();
    format!(
        "{} of {} held-to cells have the simulated median inside the measured median's interval \
(coverage {coverage}; a model exact in every cell would be outside in about {expected:.0}){rest}",
        held.len() - outside.len(),
        held.len(),
    )
}

/// `validation.md` up to the table: what is compared, and the four summaries.
fn header(dir: &Path, all: &str, kept: &str, at_speed: &str, noise: &str) -> String {
    format!(
        "# Simulated vs measured: {}\n\nMedian makespan per cell, simulated (`wsbench simulate --validate`) vs measured; \
error = (simulated − measured) / measured. Serial cells are left out of the summary: they are the scale of CPU-bound workloads (their error is 0 by construction); a sleep workload's tasks cost their durations plus the calibrated sleep overshoot, so its serial cell shows that estimate's error. \
A cell is marked *excluded* from the second line when its measured runs alone show what the model leaves out \
(interference: its Σ task time, or for a fixed schedule one worker's busy time against the model's, differs by more than {:.0}%; unstable: the middle half of its repetitions spreads over more than {:.0}% of their median); \
see `simulator/README.md`.\n\n**All: {all}.**\n\n**{kept}.**\n\n\
A diagnostic, not a prediction: the same held-to cells (CPU-bound workloads with Σ task time recorded) with the model's tasks run at the speed the machine had in each cell \
(`Σ task ÷ serial`: the cell's median measured Σ task time over the serial run's), which separates the schedule's model from the machine's speed: {at_speed}.\n\n\
Against the measurement's own noise: each cell's measured median has a distribution-free confidence interval from its repetitions' order statistics \
(the narrowest reaching {:.0}%, else min–max, with the coverage it really has); \
`outside interval %` is how far the simulated median lies beyond it, in percent of the measured median (0 inside). \
A cell inside its interval is one whose error the repetitions cannot tell from the machine's run-to-run variation; it does not make the model right. {noise}.\n\n",
        dir.display(),
        super::flags::INFLATION_LIMIT * 100.0,
        super::flags::SPREAD_LIMIT * 100.0,
        MEDIAN_CI_LEVEL * 100.0,
    )
}

/// One cell's line of the `validation.md` table.
fn table_row(e: &CellError) -> String {
    let ms = |ns: u64| ns as f64 / 1e6;
    format!(
        "| {} | {} | {} | {} | {:.3} | {:.3}–{:.3} ({:.1}%) | {:.3} | {:+.1} | {:+.1} | {} | {} | {} |\n",
        e.workload,
        e.strategy,
        e.workers,
        e.placement,
        ms(e.measured_ns),
        ms(e.measured_low_ns),
        ms(e.measured_high_ns),
        e.interval_level * 100.0,
        ms(e.simulated_ns),
        e.error_percent,
        e.outside_interval_percent,
        e.excluded,
        e.task_time_ratio
            .map_or(String::new(), |r| format!("{r:.3}")),
        e.speed_error_percent
            .map_or(String::new(), |x| format!("{x:+.1}"))
    )
}

//! The null check: a 1-worker cell cannot beat the lower bound.
//!
//! One worker runs every task one after another, like serial, plus the scheduler's
//! overhead, so its makespan cannot be shorter than the Σ task time of the serial runs:
//! its `lb_ratio` must be at least 1. Its true value sits just above 1 (the overhead), so
//! on a noisy machine about half of such cells show a median a little below 1 by chance;
//! the report lists those as "below 1 within noise". A cell whose order-statistic
//! interval of the median lies wholly below 1 is a **failed null check**: the bound or the
//! timing is off there (serial timed differently, different clocks, a drifting machine),
//! not the scheduler fast.

use super::summary::{is_serial, CellSummary};
use super::units::sig3;

/// The 1-worker parallel cells of `cells` that have an `lb_ratio`.
fn one_worker(cells: &[&CellSummary]) -> Vec<CellSummary> {
    cells
        .iter()
        .filter(|c| c.key.workers == 1 && !is_serial(&c.key.strategy) && c.lb_ratio.is_some())
        .map(|c| (*c).clone())
        .collect()
}

/// Whether a cell fails the null check: the interval of its median `lb_ratio` lies wholly
/// below 1 (with a single run: that run is below 1).
pub fn fails(c: &CellSummary) -> bool {
    match c.lb_ratio_ci {
        Some(ci) if ci.n > 1 => ci.high < 1.0,
        _ => c.lb_ratio.is_some_and(|r| r < 1.0),
    }
}

/// Whether a cell's median `lb_ratio` is below 1 while its interval reaches 1.
fn below_within_noise(c: &CellSummary) -> bool {
    !fails(c) && c.lb_ratio.is_some_and(|r| r < 1.0)
}

/// `strategy (placement) median x, CI lo–hi` for a sentence.
fn describe(c: &CellSummary) -> String {
    let mut s = format!(
        "{} ({}) median {}",
        c.key.strategy,
        c.key.placement,
        sig3(c.lb_ratio.unwrap_or(f64::NAN))
    );
    if let Some(ci) = c.lb_ratio_ci.filter(|ci| ci.n > 1) {
        s.push_str(&format!(
            ", {} CI {}–{}",
            ci.level(),
            sig3(ci.low),
            sig3(ci.high)
        ));
    }
    s
}

/// The report's sentence on the null check of one workload's cells, `None` when it has no
/// 1-worker parallel cell.
///
/// ```
/// # use wsbench_report::checks::null_check_sentence;
/// assert_eq!(null_check_sentence(&[]), None);
/// ```
pub fn null_check_sentence(cells: &[&CellSummary]) -> Option<String> {
    let ones = one_worker(cells);
    if ones.is_empty() {
        return None;
    }
    let failed: Vec<String> = ones.iter().filter(|c| fails(c)).map(describe).collect();
    let noisy: Vec<String> = ones
        .iter()
        .filter(|c| below_within_noise(c))
        .map(describe)
        .collect();
    let low = ones
        .iter()
        .filter_map(|c| c.lb_ratio)
        .fold(f64::INFINITY, f64::min);
    let mut s = if failed.is_empty() {
        format!(
            "Null check passed: no 1-worker cell ({}) has its lb_ratio interval wholly below 1 \
             (lowest median {}).",
            ones.len(),
            sig3(low)
        )
    } else {
        format!(
            "**Failed null check** ({} of {} 1-worker cells, interval wholly below 1): {}. One \
             worker cannot beat the serial task time, so the bound or the timing is off here, \
             not the scheduler fast.",
            failed.len(),
            ones.len(),
            failed.join("; ")
        )
    };
    if !noisy.is_empty() {
        s.push_str(&format!(
            " Median below 1 within noise ({}): {}.",
            noisy.len(),
            noisy.join("; ")
        ));
    }
    Some(s)
}

/// The report's null-check section over every cell (swept workloads included, which
/// have no table of their own): how many 1-worker cells, which failed, how many sit below 1
/// within noise. Empty when there is no 1-worker parallel cell.
pub fn null_check_section(cells: &[CellSummary], labels: &[String], multi: bool) -> String {
    let all: Vec<&CellSummary> = cells.iter().collect();
    let ones = one_worker(&all);
    if ones.is_empty() {
        return String::new();
    }
    let failed: Vec<String> = ones
        .iter()
        .filter(|c| fails(c))
        .map(|c| {
            let on = if multi {
                format!(" [{}]", labels[c.key.machine])
            } else {
                String::new()
            };
            format!("`{}`{on} {}", c.key.workload, describe(c))
        })
        .collect();
    let noisy = ones.iter().filter(|c| below_within_noise(c)).count();
    let mut md = String::from(
        "## Null check: 1-worker cells against the lower bound

",
    );
    md.push_str(&format!(
        "{} 1-worker cells; {} with the lb_ratio interval wholly below 1 (failed), {} with \
         the median below 1 but the interval reaching 1 (within noise).",
        ones.len(),
        failed.len(),
        noisy
    ));
    if !failed.is_empty() {
        md.push_str(&format!(" **Failed:** {}.", failed.join("; ")));
    }
    md.push_str("\n\n");
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intervals::{median_interval, MedianInterval};
    use crate::load::CellKey;

    fn cell(strategy: &str, workers: usize, ratios: &[f64]) -> CellSummary {
        let ci: MedianInterval = median_interval(&[1.0], 0.95).unwrap();
        CellSummary {
            key: CellKey {
                machine: 0,
                workload: "w".into(),
                strategy: strategy.into(),
                workers,
                placement: "none".into(),
            },
            makespans: vec![1.0],
            median_ns: 1.0,
            ci_ns: ci,
            rounds: vec![],
            min_ns: 1.0,
            max_ns: 1.0,
            speedup: None,
            speedup_ci: None,
            lb_ratio: crate::stats::median(ratios),
            lb_ratio_ci: median_interval(ratios, 0.95),
            lower_bound_ns: None,
            serial_placement: None,
            steals: None,
            percent_imbalance: None,
            cov: None,
            p50_response_ns: None,
            p99_response_ns: None,
            pooled_response: false,
            checksum_failures: 0,
            size: None,
            pool_in_timing: None,
            sweep: None,
        }
    }

    #[test]
    fn one_worker_below_one_fails_and_says_where_its_interval_lies() {
        let ok = cell("static", 1, &[1.01, 1.0, 1.02]);
        let serial = cell("serial", 1, &[0.9, 0.9, 0.9]); // serial is not checked
        let wide = cell("adaptive", 1, &[0.95, 0.98, 1.05]);
        let low = cell("rayon", 1, &[0.9, 0.92, 0.95]);
        let two = cell("rayon", 2, &[0.5, 0.5, 0.5]); // 2 workers may beat Σ
        let pass = null_check_sentence(&[&ok, &serial, &two]).unwrap();
        assert!(
            pass.starts_with("Null check passed: no 1-worker cell (1)"),
            "{pass}"
        );
        assert!(!pass.contains("within noise"), "{pass}");
        let s = null_check_sentence(&[&ok, &wide, &low, &serial]).unwrap();
        assert!(s.starts_with("**Failed null check** (1 of 3"), "{s}");
        assert!(
            s.contains(": rayon (none) median 0.920, 75.0% CI 0.900–0.950."),
            "{s}"
        );
        let noisy =
            "Median below 1 within noise (1): adaptive (none) median 0.980, 75.0% CI 0.950–1.05.";
        assert!(s.ends_with(noisy), "{s}");
        let one = cell("static", 1, &[0.99]);
        assert!(fails(&one) && !fails(&ok) && !fails(&wide));
        assert_eq!(null_check_sentence(&[&serial, &two]), None);
        let section = null_check_section(&[ok, wide, low, serial, two.clone()], &[], false);
        assert!(
            section.contains(
                "3 1-worker cells; 1 with the lb_ratio interval wholly below 1 (failed), 1 with"
            ),
            "{section}"
        );
        assert!(
            section.contains("**Failed:** `w` rayon (none) median 0.920"),
            "{section}"
        );
        assert_eq!(null_check_section(&[two], &[], false), "");
    }
}

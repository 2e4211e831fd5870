//! Tables and SVG figures from results folders (`wsbench report DIR [DIR...] [--out DIR]`).
//!
//! The report is drawn from the committed CSVs alone — nothing is re-run — so a
//! reviewer can regenerate it from a clone. Data flow, one module per step:
//!
//! 1. [`load`] reads each folder (`runs.csv` required; `meta.json`, `latency*.csv`,
//!    `workers.csv`, `hgrm/` optional) by column name;
//! 2. [`summary`] reduces each cell's repetitions to median, an order-statistic
//!    interval of it ([`intervals`]), speedup paired by round, lb_ratio against the
//!    lower bound built from every serial round ([`bound`]), steals and response
//!    percentiles; [`checks`] holds 1-worker cells to that bound (the null check) and
//!    [`models`] sets the workloads' cost models beside the measured serial task times;
//! 3. [`sweeps`] finds the sweeps over problem size and their crossovers, with a
//!    round bootstrap of each ([`resample`]);
//! 4. [`figures`] draws the SVGs and [`table`] writes `report.md`, which names
//!    every figure, or says why one was skipped. Both only present what the
//!    steps before computed.
//!
//! Several folders (one per machine) are compared in the same tables and
//! figures, each labelled `M1`, `M2`, … by its CPU model and host from `meta.json`.

#![deny(missing_docs)]

pub mod bound;
pub mod checks;
mod error;
pub mod figures;
pub mod header;
pub mod intervals;
pub mod load;
pub mod models;
pub mod resample;
pub mod stats;
pub mod summary;
pub mod sweeps;
pub mod table;
pub mod units;

pub use error::{ReportError, ReportResult};
use std::path::{Path, PathBuf};
use wsbench_schema::paths::REPORT_MD;
use wsbench_schema::write_atomic;

/// Loads each results folder (`M1`, `M2`, … in this order).
pub fn load_all(dirs: &[PathBuf]) -> ReportResult<Vec<load::ResultsDir>> {
    dirs.iter()
        .enumerate()
        .map(|(i, p)| load::ResultsDir::load(p, i))
        .collect()
}

/// Writes `report.md` and every figure for `dirs` into `out`; returns the path of `report.md`.
pub fn write_report(dirs: &[load::ResultsDir], out: &Path) -> ReportResult<PathBuf> {
    std::fs::create_dir_all(out).map_err(|e| {
        ReportError::usage(format!(
            "{}: cannot create the report folder: {e}",
            out.display()
        ))
    })?;
    remove_old_figures(out)?;
    let cells = summary::summarise(dirs);
    let machine_labels: Vec<String> = (1..=dirs.len()).map(|i| format!("M{i}")).collect();
    let mut strategies: Vec<String> = cells.iter().map(|c| c.key.strategy.clone()).collect();
    strategies.sort_by_key(|s| summary::strategy_rank(s));
    strategies.dedup();
    let input = figures::Input {
        dirs,
        cells: &cells,
        machine_labels: &machine_labels,
        out,
        palette: figures::Palette::new(strategies),
    };
    let outcomes = figures::render_all(&input)?;
    let text = table::render(dirs, &cells, &machine_labels, &outcomes);
    let path = out.join(REPORT_MD);
    write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// Removes the figures an earlier report wrote into `out`, so that a figure whose
/// data is gone (or renamed) does not linger beside the new report.md. Only files
/// named like ours (`makespan-*.svg`, …) are touched.
fn remove_old_figures(out: &Path) -> ReportResult {
    const PREFIXES: [&str; 5] = [
        "makespan-",
        "speedup-",
        "latency-",
        "workers-",
        "crossover-",
    ];
    for entry in std::fs::read_dir(out)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".svg") && PREFIXES.iter().any(|p| name.starts_with(p)) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

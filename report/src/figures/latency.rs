//! Figure 3: response-latency percentile curves per strategy, HdrHistogram style:
//! the x-axis is log10(1/(1−percentile)), labelled 50%, 90%, 99%, 99.9%, … so the
//! tail gets as much room as the body. One SVG per workload, at its largest
//! worker count.
//!
//! Source, best first: the cell's `hgrm/<cell>.response.hgrm` (every percentile
//! the histogram has), else `latency_cells.csv` (50…99.99), else the median over
//! runs of `latency.csv`. The 100th percentile has no place on this axis
//! (1/(1−1) = ∞) and is left out.

use super::{
    caption_font, check_written, draw_with_legend_below, plot_err, HouseMesh, Input, Mark, Outcome,
    TickedAxis, FIG_WIDTH,
};
use crate::load::CellKey;
use crate::load::Keyed;
use crate::stats::median;
use crate::summary::CellSummary;
use crate::units::{tick, unit_for};
use plotters::prelude::*;
use std::collections::BTreeMap;
use wsbench_schema::paths::{LATENCY_CELLS_CSV, LATENCY_CSV};
use wsbench_schema::units::RESPONSE;
use wsbench_schema::LatencyRow;

/// Percentile label for x = log10(1/(1−q)): 0 → "0%", 1 → "90%", 3 → "99.9%".
///
/// ```
/// use wsbench_report::figures::latency::percentile_label;
/// assert_eq!(percentile_label(2f64.log10()), "50%");
/// assert_eq!(percentile_label(1.0), "90%");
/// assert_eq!(percentile_label(3.0), "99.9%");
/// assert_eq!(percentile_label(5.0), "99.999%");
/// ```
pub fn percentile_label(x: f64) -> String {
    let q = 100.0 * (1.0 - 10f64.powf(-x));
    let s = format!("{q:.6}");
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

/// The response-latency curve of one cell: (x = log10(1/(1−q)), value ns), and its source.
fn curve(input: &Input, key: &CellKey) -> Option<(Vec<(f64, f64)>, &'static str)> {
    let dir = &input.dirs[key.machine];
    let to_x = |q: f64| -(1.0 - q).log10();
    if let Some(d) = dir.hgrm.get(&(key.file_stem(), RESPONSE.to_string())) {
        let pts: Vec<(f64, f64)> = d
            .iter()
            .filter(|(_, q)| *q < 1.0)
            .map(|(v, q)| (to_x(*q), *v))
            .collect();
        if pts.len() >= 2 {
            return Some((pts, "hgrm"));
        }
    }
    let from_rows = |rows: &[Keyed<LatencyRow>]| {
        let mut per: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| r.cell == *key && r.metric == RESPONSE)
        {
            let Some(percent) = r.percent().filter(|p| *p < 100.0) else {
                continue;
            };
            per.entry((percent * 1e4).round() as u64)
                .or_default()
                .push(r.value_ns as f64);
        }
        per.into_iter()
            .map(|(p, v)| (to_x(p as f64 / 1e6), median(&v).expect("non-empty")))
            .collect::<Vec<_>>()
    };
    let cells = from_rows(&dir.latency_cells);
    if cells.len() >= 2 {
        return Some((cells, LATENCY_CELLS_CSV));
    }
    let runs = from_rows(&dir.latency);
    (runs.len() >= 2).then_some((runs, LATENCY_CSV))
}

/// A cell, its curve (x, ns) and where the curve came from.
type Curve<'a> = (&'a CellKey, Vec<(f64, f64)>, &'static str);

/// Draws one latency figure per workload with latency data.
pub fn render(input: &Input) -> anyhow::Result<Outcome> {
    let mut files = Vec::new();
    for panel in input.panels() {
        let w = panel.title.clone();
        let mine: Vec<&CellSummary> = input.panel_cells(&panel);
        let Some(workers) = mine.iter().map(|c| c.key.workers).max() else {
            continue;
        };
        let at: Vec<&CellSummary> = mine
            .into_iter()
            .filter(|c| c.key.workers == workers)
            .collect();
        let curves: Vec<Curve> = at
            .iter()
            .filter_map(|c| curve(input, &c.key).map(|(p, s)| (&c.key, p, s)))
            .collect();
        if curves.is_empty() {
            continue;
        }
        let file = format!("latency-{}.svg", panel.file_stem);
        let path = input.out.join(&file);
        draw(input, &w, workers, &curves, &path)?;
        check_written(&path)?;
        let mut sources: Vec<&str> = curves.iter().map(|c| c.2).collect();
        sources.dedup();
        files.push((
            file,
            format!(
                "`{w}`, {workers} workers: response latency (batch start → task end) by percentile, from {}",
                sources.join(", ")
            ),
        ));
    }
    Ok(Outcome::of_files(
        "latency",
        files,
        None,
        "no response latency recorded (no hgrm/*.response.hgrm, latency_cells.csv or latency.csv rows; `latency = false` runs record none)",
    ))
}

fn draw(
    input: &Input,
    workload: &str,
    workers: usize,
    curves: &[Curve],
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let vary_placement = super::vary_placement(curves.iter().map(|c| c.0));
    let labelled: Vec<(String, &CellKey)> = curves
        .iter()
        .map(|c| (input.series_label(c.0, vary_placement, false), c.0))
        .collect();
    let colors = input.colors_for(&labelled);
    let max_x = curves
        .iter()
        .flat_map(|c| c.1.iter().map(|p| p.0))
        .fold(1.0, f64::max);
    let max_v = curves
        .iter()
        .flat_map(|c| c.1.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let unit = unit_for(max_v);
    let entries: Vec<(String, RGBColor, Mark)> = labelled
        .iter()
        .zip(&colors)
        .map(|((l, k), c)| (l.clone(), *c, super::machine_mark(k.machine)))
        .collect();
    draw_with_legend_below(path, &entries, |plot| {
        let mut ticks = vec![2f64.log10()];
        ticks.extend((1..=max_x.floor() as i32).map(f64::from));
        let caption = format!("{workload}, {workers} workers: response latency");
        let mut chart = ChartBuilder::on(plot)
            .caption(&caption, caption_font(&caption, FIG_WIDTH))
            .margin(12)
            .margin_right(28)
            .x_label_area_size(62)
            .y_label_area_size(84)
            .build_cartesian_2d(
                TickedAxis::new(0.0..max_x * 1.03, ticks),
                0.0..max_v / unit.ns * 1.06,
            )
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("percentile (log scale of 1/(1−p))")
            .y_desc(format!("response latency ({})", unit.name))
            .x_label_formatter(&|x| percentile_label(*x))
            .y_label_formatter(&|v| tick(*v))
            .house_style(0.1)
            .draw()
            .map_err(plot_err)?;
        for ((key, pts, _), color) in curves.iter().zip(colors) {
            let xy: Vec<(f64, f64)> = pts.iter().map(|(x, v)| (*x, v / unit.ns)).collect();
            super::draw_line(&mut chart, &xy, color, key.machine)?;
            if xy.len() <= 12 {
                chart
                    .draw_series(xy.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(plot_err)?;
            }
        }
        Ok(())
    })
}

//! Figure 2: speedup over serial vs worker count, one line per strategy, with the
//! ideal (speedup = workers) dashed. One SVG per workload. Python strategies are
//! measured against `py-serial`, Rust ones against `serial`.

use super::{
    caption_font, check_written, draw_legend_below, legend_below, plot_err, HouseMesh, Input, Mark,
    Outcome, TickedAxis, FIG_WIDTH, PLOT_HEIGHT,
};
use crate::report::load::CellKey;
use crate::report::summary::{is_serial, CellSummary};
use crate::report::units::tick;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// (machine, strategy rank, strategy, placement): one line of the figure.
type SeriesKey = (usize, (u8, String), String, String);

/// Draws one speedup figure per workload that has parallel cells with a serial baseline.
pub fn render(input: &Input) -> anyhow::Result<Outcome> {
    let mut files = Vec::new();
    let mut without = Vec::new();
    for panel in input.panels() {
        let cells: Vec<&CellSummary> = input
            .panel_cells(&panel)
            .into_iter()
            .filter(|c| !is_serial(&c.key.strategy) && c.speedup.is_some())
            .collect();
        let w = panel.title.clone();
        if cells.is_empty() {
            without.push(w);
            continue;
        }
        let file = format!("speedup-{}.svg", panel.file_stem);
        let path = input.out.join(&file);
        draw(input, &w, &cells, &path)?;
        check_written(&path)?;
        files.push((
            file,
            format!("`{w}`: speedup over serial (as in the table) vs workers; dashed: ideal"),
        ));
    }
    let skipped = (!without.is_empty()).then(|| {
        format!(
            "no parallel runs with a serial baseline for {}",
            without.join(", ")
        )
    });
    Ok(Outcome::of_files(
        "speedup",
        files,
        skipped,
        "no workload outside a size sweep (sweeps are drawn in the crossover figure)",
    ))
}

fn draw(
    input: &Input,
    workload: &str,
    cells: &[&CellSummary],
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let vary_placement = super::vary_placement(cells.iter().map(|c| &c.key));
    // One series per (strategy, placement, machine), points by workers.
    let mut series: BTreeMap<SeriesKey, Vec<(f64, f64)>> = BTreeMap::new();
    let mut keys: BTreeMap<SeriesKey, &CellKey> = BTreeMap::new();
    for c in cells {
        let k = (
            c.key.machine,
            crate::report::summary::strategy_rank(&c.key.strategy),
            c.key.strategy.clone(),
            c.key.placement.clone(),
        );
        series
            .entry(k.clone())
            .or_default()
            .push((c.key.workers as f64, c.speedup.expect("filtered")));
        keys.insert(k, &c.key);
    }
    let labelled: Vec<(String, &CellKey)> = keys
        .values()
        .map(|k| (input.series_label(k, vary_placement, false), *k))
        .collect();
    let colors = input.colors_for(&labelled);
    let max_w = cells.iter().map(|c| c.key.workers).max().unwrap_or(1) as f64;
    // Ticks at the worker counts measured (1 for the ideal line's start), thinned to ≤12.
    let mut counts: Vec<usize> = cells.iter().map(|c| c.key.workers).collect();
    counts.push(1);
    counts.sort_unstable();
    counts.dedup();
    let step = counts.len().div_ceil(12);
    let worker_ticks: Vec<f64> = counts.iter().step_by(step).map(|w| *w as f64).collect();
    // More workers than CPUs cannot go faster than the CPUs: the ideal line
    // flattens there (CPU count from meta.json's allowed_cpus, when all folders agree).
    let cpus = {
        let mut counts: Vec<Option<usize>> = input
            .dirs
            .iter()
            .map(|d| {
                d.meta
                    .as_ref()
                    .and_then(|m| m.machine.allowed_cpus.as_ref())
                    .map(|a| a.len())
            })
            .collect();
        counts.dedup();
        match counts.as_slice() {
            [Some(n)] if *n > 0 => Some(*n),
            _ => None,
        }
    };
    let ideal_label = match cpus {
        Some(n) if (n as f64) < max_w => format!("ideal (min(workers, {n} CPUs))"),
        _ => "ideal".to_string(),
    };
    let ideal_top = cpus.map_or(max_w, |n| max_w.min(n as f64));
    let max_s = cells
        .iter()
        .filter_map(|c| c.speedup)
        .fold(ideal_top, f64::max);
    let mut entries: Vec<(String, RGBColor, Mark)> = vec![(ideal_label, BLACK, Mark::Dashed)];
    entries.extend(
        labelled
            .iter()
            .zip(&colors)
            .map(|((l, k), c)| (l.clone(), *c, super::machine_mark(k.machine))),
    );
    let labels: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let (cols, legend_h) = legend_below(&labels);
    let root = SVGBackend::new(path, (FIG_WIDTH, PLOT_HEIGHT + legend_h)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (plot, legend) = root.split_vertically(PLOT_HEIGHT);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!("{workload}: speedup"),
            caption_font(&format!("{workload}: speedup"), FIG_WIDTH),
        )
        .margin(12)
        .x_label_area_size(62)
        .y_label_area_size(72)
        .build_cartesian_2d(
            TickedAxis::new(0.8..max_w + 0.2, worker_ticks),
            0.0..(max_s * 1.08).max(1.1),
        )
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("workers")
        .y_desc("speedup over serial (×)")
        .x_label_formatter(&|v| format!("{}", v.round() as i64))
        .y_label_formatter(&|v| tick(*v))
        .house_style(0.1)
        .draw()
        .map_err(plot_err)?;
    let mut ideal = vec![(1.0, 1.0), (max_w, max_w)];
    if let Some(n) = cpus.filter(|n| (*n as f64) < max_w) {
        ideal = vec![(1.0, 1.0), (n as f64, n as f64), (max_w, n as f64)];
    }
    chart
        .draw_series(DashedLineSeries::new(
            ideal,
            6,
            5,
            BLACK.mix(0.7).stroke_width(1),
        ))
        .map_err(plot_err)?;
    for (((machine, ..), pts), color) in series.into_iter().zip(colors) {
        let mut pts = pts;
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        super::draw_line(&mut chart, &pts, color, machine)?;
        chart
            .draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))
            .map_err(plot_err)?;
    }
    draw_legend_below(&legend, &entries, cols)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

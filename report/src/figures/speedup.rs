//! Figure 2: speedup over serial vs worker count, one line per strategy, with the
//! ideal (speedup = workers) dashed. One SVG per workload. Python strategies are
//! measured against `py-serial`, Rust ones against `serial`.

use super::{
    caption_font, check_written, draw_with_legend_below, plot_err, HouseMesh, Input, Mark, Outcome,
    TickedAxis, FIG_WIDTH,
};
use crate::load::CellKey;
use crate::summary::{is_serial, CellSummary};
use crate::units::tick;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// (machine, strategy rank, strategy, placement): one line of the figure.
type SeriesKey = (usize, (u8, String), String, String);

/// One line of the figure: the cell key that labels it, its points (workers, speedup).
type Line<'a> = (&'a CellKey, Vec<(f64, f64)>);

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
    let lines = lines_of(cells);
    let labelled: Vec<(String, &CellKey)> = lines
        .values()
        .map(|(k, _)| (input.series_label(k, vary_placement, false), *k))
        .collect();
    let colors = input.colors_for(&labelled);
    let max_w = cells.iter().map(|c| c.key.workers).max().unwrap_or(1) as f64;
    let ideal = Ideal::new(common_cpu_count(input), max_w);
    let max_s = cells
        .iter()
        .filter_map(|c| c.speedup)
        .fold(ideal.top, f64::max);
    let mut entries: Vec<(String, RGBColor, Mark)> =
        vec![(ideal.label.clone(), BLACK, Mark::Dashed)];
    entries.extend(
        labelled
            .iter()
            .zip(&colors)
            .map(|((l, k), c)| (l.clone(), *c, super::machine_mark(k.machine))),
    );
    draw_with_legend_below(path, &entries, |plot| {
        let caption = format!("{workload}: speedup");
        let mut chart = ChartBuilder::on(plot)
            .caption(&caption, caption_font(&caption, FIG_WIDTH))
            .margin(12)
            .x_label_area_size(62)
            .y_label_area_size(72)
            .build_cartesian_2d(
                TickedAxis::new(0.8..max_w + 0.2, worker_ticks(cells)),
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
        chart
            .draw_series(DashedLineSeries::new(
                ideal.points,
                6,
                5,
                BLACK.mix(0.7).stroke_width(1),
            ))
            .map_err(plot_err)?;
        for (((machine, ..), (_, mut pts)), color) in lines.into_iter().zip(colors) {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            super::draw_line(&mut chart, &pts, color, machine)?;
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))
                .map_err(plot_err)?;
        }
        Ok(())
    })
}

/// Each line's points (workers, speedup), and the cell key that labels it (the
/// line's last cell).
fn lines_of<'a>(cells: &[&'a CellSummary]) -> BTreeMap<SeriesKey, Line<'a>> {
    let mut lines: BTreeMap<SeriesKey, Line<'a>> = BTreeMap::new();
    for c in cells {
        let k = (
            c.key.machine,
            crate::summary::strategy_rank(&c.key.strategy),
            c.key.strategy.clone(),
            c.key.placement.clone(),
        );
        let line = lines.entry(k).or_insert_with(|| (&c.key, Vec::new()));
        line.0 = &c.key;
        line.1
            .push((c.key.workers as f64, c.speedup.expect("filtered")));
    }
    lines
}

/// Ticks at the worker counts measured (1 for the ideal line's start), thinned to ≤12.
fn worker_ticks(cells: &[&CellSummary]) -> Vec<f64> {
    let mut counts: Vec<usize> = cells.iter().map(|c| c.key.workers).collect();
    counts.push(1);
    counts.sort_unstable();
    counts.dedup();
    let step = counts.len().div_ceil(12);
    counts.iter().step_by(step).map(|w| *w as f64).collect()
}

/// The CPU count from meta.json's `allowed_cpus`, when every folder agrees.
fn common_cpu_count(input: &Input) -> Option<usize> {
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
}

/// The ideal speedup line: speedup = workers, flat beyond the CPU count (more
/// workers than CPUs cannot go faster than the CPUs).
struct Ideal {
    /// Its legend text.
    label: String,
    /// Its highest speedup.
    top: f64,
    /// Its corners, (workers, speedup).
    points: Vec<(f64, f64)>,
}

impl Ideal {
    fn new(cpus: Option<usize>, max_w: f64) -> Ideal {
        match cpus.filter(|n| (*n as f64) < max_w) {
            Some(n) => Ideal {
                label: format!("ideal (min(workers, {n} CPUs))"),
                top: n as f64,
                points: vec![(1.0, 1.0), (n as f64, n as f64), (max_w, n as f64)],
            },
            None => Ideal {
                label: "ideal".to_string(),
                top: max_w,
                points: vec![(1.0, 1.0), (max_w, max_w)],
            },
        }
    }
}

//! Figure 1: makespan per strategy, one horizontal bar per cell (median) with
//! min–max whiskers, grouped by worker count — the first post's bar chart, with
//! the spread of the repetitions shown instead of hidden. One SVG per workload.
//!
//! When the slowest cell is more than 50× the fastest (Python's threads beside
//! Rust), the time axis is logarithmic so both stay readable.

use super::{
    caption_font, check_written, plot_err, HouseMesh, Input, Outcome, TickedAxis, TICK_PX,
};
use crate::summary::CellSummary;
use crate::units::{tick, unit_for};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;

/// Width of the plot area beside the row labels, in px.
const PLOT_WIDTH: u32 = 420;
const ROW_PX: u32 = 30;

/// Draws one makespan figure per workload.
pub fn render(input: &Input) -> anyhow::Result<Outcome> {
    let mut files = Vec::new();
    for panel in input.panels() {
        let cells = input.panel_cells(&panel);
        if cells.is_empty() {
            continue;
        }
        let w = &panel.title;
        let file = format!("makespan-{}.svg", panel.file_stem);
        let path = input.out.join(&file);
        draw(input, w, &cells, &path)?;
        check_written(&path)?;
        files.push((
            file,
            format!("`{w}`: median makespan per strategy and worker count; whiskers span the fastest and slowest run"),
        ));
    }
    Ok(Outcome::of_files(
        "makespan",
        files,
        None,
        "no workload outside a size sweep (sweeps are drawn in the crossover figure)",
    ))
}

fn draw(input: &Input, workload: &str, cells: &[&CellSummary], path: &Path) -> anyhow::Result<()> {
    let vary_placement = super::vary_placement(cells.iter().map(|c| &c.key));
    let labels: Vec<String> = cells
        .iter()
        .map(|c| {
            let mut s = format!("w{} {}", c.key.workers, c.key.strategy);
            if vary_placement && !c.key.strategy.starts_with("py-") {
                s.push_str(&format!(" @{}", c.key.placement));
            }
            if input.machine_labels.len() > 1 {
                s.push_str(&format!(" [{}]", input.machine_labels[c.key.machine]));
            }
            s
        })
        .collect();
    let max_ns = cells.iter().map(|c| c.max_ns).fold(0.0, f64::max);
    let min_ns = cells.iter().map(|c| c.min_ns).fold(f64::INFINITY, f64::min);
    let unit = unit_for(max_ns);
    let runs: Vec<usize> = cells.iter().map(|c| c.makespans.len()).collect();
    let (rmin, rmax) = (
        *runs.iter().min().expect("cells"),
        *runs.iter().max().expect("cells"),
    );
    let n_text = if rmin == rmax {
        format!("{rmin}")
    } else {
        format!("{rmin}–{rmax}")
    };
    let caption = format!("{workload}: makespan, median of {n_text} runs");
    let height = 110 + ROW_PX * cells.len() as u32;
    let label_px =
        labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * TICK_PX * 48 / 100
            + 16;
    // The plot keeps its width however long the row labels are.
    let root = SVGBackend::new(path, (PLOT_WIDTH + label_px, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let log = min_ns > 0.0 && max_ns / min_ns > 50.0;
    let x_desc = if log {
        format!("makespan ({}, log scale); whiskers: min–max", unit.name)
    } else {
        format!("makespan ({}); whiskers: min–max", unit.name)
    };
    let lo = min_ns / unit.ns;
    let hi = max_ns / unit.ns;
    let bars = Bars {
        cells,
        labels: &labels,
        unit_ns: unit.ns,
        input,
        caption: &caption,
        x_desc: &x_desc,
        label_px,
        width: PLOT_WIDTH + label_px,
    };
    if log {
        bars.draw(
            &root,
            LogCoord::<f64>::from((lo / 1.6..hi * 1.4).log_scale()),
            lo / 1.6,
        )?;
    } else {
        bars.draw(&root, RangedCoordf64::from(0.0..hi * 1.06), 0.0)?;
    }
    root.present().map_err(plot_err)?;
    Ok(())
}

struct Bars<'a> {
    cells: &'a [&'a CellSummary],
    labels: &'a [String],
    unit_ns: f64,
    input: &'a Input<'a>,
    caption: &'a str,
    x_desc: &'a str,
    label_px: u32,
    width: u32,
}

impl Bars<'_> {
    /// Draws on any x coordinate (linear or log) whose values are in the chosen unit.
    fn draw<DB, X>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        x: X,
        base: f64,
    ) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let n = self.cells.len();
        let mut chart = ChartBuilder::on(root)
            .caption(self.caption, caption_font(self.caption, self.width))
            .margin(12)
            .margin_right(24)
            .x_label_area_size(62)
            .y_label_area_size(self.label_px)
            .build_cartesian_2d(
                x,
                TickedAxis::new(-0.5..n as f64 - 0.5, (0..n).map(|i| i as f64).collect()),
            )
            .map_err(plot_err)?;
        let labels = self.labels;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_label_formatter(&|v| {
                let i = v.round() as usize;
                labels
                    .get(n - 1 - i.min(n - 1))
                    .cloned()
                    .unwrap_or_default()
            })
            .x_labels(6)
            .x_label_formatter(&|v| tick(*v))
            .x_desc(self.x_desc)
            .house_style(0.12)
            .draw()
            .map_err(plot_err)?;
        for (r, c) in self.cells.iter().enumerate() {
            let row = n - 1 - r;
            let color = self.input.palette.color(&c.key.strategy);
            let med = c.median_ns / self.unit_ns;
            let y = row as f64;
            let bar = Rectangle::new([(base, y - 0.36), (med, y + 0.36)], color.mix(0.8).filled());
            chart.draw_series(std::iter::once(bar)).map_err(plot_err)?;
            let (lo, hi) = (c.min_ns / self.unit_ns, c.max_ns / self.unit_ns);
            let whisker = BLACK.stroke_width(1);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(lo, y), (hi, y)],
                    whisker,
                )))
                .map_err(plot_err)?;
            for end in [lo, hi] {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((end, y))
                            + PathElement::new(vec![(0, -5), (0, 5)], whisker),
                    ))
                    .map_err(plot_err)?;
            }
        }
        Ok(())
    }
}

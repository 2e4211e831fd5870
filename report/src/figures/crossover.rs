//! Figure 5: time vs problem size for serial and each parallel strategy, with the
//! **crossover** marked — the size from which parallel beats serial for good
//! (the second post's plot, whose crossover was ~1100 factorials with a pool of 5
//! processes created inside the timed region).
//!
//! The sweeps and their crossovers are found by [`crate::sweeps`]; this module
//! only draws them. Pool creation inside or outside the timed region
//! (`pool_in_timing`) gives separate figures, because it moves the crossover. Each
//! strategy is drawn at its largest worker count.

use super::{
    caption_font, check_written, draw_with_legend_below, plot_err, slug, HouseMesh, Input, Mark,
    Outcome, TickedAxis, FIG_WIDTH,
};
use crate::stats::Crossover;
use crate::sweeps::{find_sweeps, Sweep, MIN_SIZES};
use crate::units::{tick, unit_for};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// One line's points (problem size, makespan ns) and its colour.
type SizeLine = (Vec<(u64, f64)>, RGBColor);

/// Short legend text for a crossover.
fn short(c: &Option<Crossover>) -> String {
    match c {
        Some(Crossover::At { estimate, .. }) => format!(" (crossover ≈{estimate:.0})"),
        Some(Crossover::Always) => " (faster at every size)".into(),
        Some(Crossover::Never) => " (not faster at the largest size)".into(),
        None => " (no serial)".into(),
    }
}

/// Draws one figure per sweep and `pool_in_timing` setting.
pub fn render(input: &Input) -> anyhow::Result<Outcome> {
    let sweeps = find_sweeps(input.cells);
    if sweeps.is_empty() {
        return Ok(Outcome::skipped(
            "crossover",
            format!("no sweep over problem size (needs ≥{MIN_SIZES} workloads differing only in `size`)"),
        ));
    }
    let mut files = Vec::new();
    for s in &sweeps {
        let timing = match s.pool_in_timing {
            Some(true) => "pool-timed",
            Some(false) => "pool-warm",
            None => "pool-unknown",
        };
        let machine = if input.machine_labels.len() > 1 {
            format!("-{}", input.machine_labels[s.machine])
        } else {
            String::new()
        };
        let file = format!("crossover-{}-{timing}{machine}.svg", slug(&s.family));
        draw(input, s, &input.out.join(&file))?;
        check_written(&input.out.join(&file))?;
        let what = match s.pool_in_timing {
            Some(true) => "pool creation inside the timed region",
            Some(false) => "warm pool (creation not timed)",
            None => "pool timing not recorded",
        };
        files.push((
            file,
            format!(
                "`{}`: time vs problem size, {what}; dashed lines mark each strategy's crossover",
                s.family
            ),
        ));
    }
    Ok(Outcome {
        figure: "crossover",
        files,
        skipped: None,
    })
}

fn draw(input: &Input, s: &Sweep, path: &std::path::Path) -> anyhow::Result<()> {
    let (entries, series) = entries_and_series(input, s);
    let max_ns = series
        .iter()
        .flat_map(|(p, _)| p.iter().map(|x| x.1))
        .fold(0.0, f64::max);
    let min_ns = series
        .iter()
        .flat_map(|(p, _)| p.iter().map(|x| x.1))
        .fold(f64::INFINITY, f64::min);
    let unit = unit_for(max_ns);
    let (xmin, xmax) = (s.sizes[0] as f64, *s.sizes.last().expect("sizes") as f64);
    let timing = match s.pool_in_timing {
        Some(true) => "pool creation timed",
        Some(false) => "warm pool",
        None => "pool timing unknown",
    };
    let markers = crossover_markers(input, s);
    let xy: Vec<(Vec<(f64, f64)>, RGBColor)> = series
        .iter()
        .map(|(pts, c)| {
            (
                pts.iter().map(|(a, b)| (*a as f64, b / unit.ns)).collect(),
                *c,
            )
        })
        .collect();
    // A sweep over decades (the shipped one is 10..2500) needs log axes, or the
    // small sizes, where the crossover lies, are squeezed into one pixel column.
    let log_x = xmax / xmin > 20.0;
    let log_y = min_ns > 0.0 && max_ns / min_ns > 30.0;
    let chart = SweepChart {
        caption: format!("{}: time vs size ({timing})", s.family),
        x_desc: format!(
            "problem size (tasks){}",
            if log_x { ", log scale" } else { "" }
        ),
        y_desc: format!(
            "makespan ({}{})",
            unit.name,
            if log_y { ", log scale" } else { "" }
        ),
        series: &xy,
        markers: &markers,
    };
    let y_range = (min_ns / unit.ns, max_ns / unit.ns);
    draw_with_legend_below(path, &entries, |plot| {
        chart.draw_scaled(plot, (xmin, xmax), log_x, y_range, log_y)
    })
}

/// The legend entries and the points (size, ns) of each line: the serial
/// baselines, then each strategy with its crossover.
fn entries_and_series(input: &Input, s: &Sweep) -> (Vec<(String, RGBColor, Mark)>, Vec<SizeLine>) {
    let mut entries: Vec<(String, RGBColor, Mark)> = Vec::new();
    let mut series: Vec<SizeLine> = Vec::new();
    for (name, pts) in &s.serial {
        entries.push((name.clone(), input.palette.color(name), Mark::Line));
        series.push((pts.clone(), input.palette.color(name)));
    }
    for l in &s.lines {
        let color = input.palette.color(&l.strategy);
        entries.push((
            format!("{} w{}{}", l.strategy, l.workers, short(&l.crossover)),
            color,
            Mark::Line,
        ));
        series.push((l.points.clone(), color));
    }
    (entries, series)
}

/// Each crossover estimate with its strategy's colour.
fn crossover_markers(input: &Input, s: &Sweep) -> Vec<(f64, RGBColor)> {
    s.lines
        .iter()
        .filter_map(|l| match l.crossover {
            Some(Crossover::At { estimate, .. }) => {
                Some((estimate, input.palette.color(&l.strategy)))
            }
            _ => None,
        })
        .collect()
}

/// The sweep plot, drawable on linear or log axes.
struct SweepChart<'a> {
    caption: String,
    x_desc: String,
    y_desc: String,
    /// (points in (size, unit), colour) per line.
    series: &'a [(Vec<(f64, f64)>, RGBColor)],
    /// Crossover estimates, one dashed vertical line each.
    markers: &'a [(f64, RGBColor)],
}

impl SweepChart<'_> {
    /// Draws on log or linear axes: x over the sizes `x_range`, y up to the top of
    /// `y_range` (in the figure's unit; from its bottom on a log axis, else from 0).
    fn draw_scaled<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        (xmin, xmax): (f64, f64),
        log_x: bool,
        (ylo, yhi): (f64, f64),
        log_y: bool,
    ) -> anyhow::Result<()> {
        let xl = || TickedAxis::log(xmin / 1.15..xmax * 1.15);
        let xn = || RangedCoordf64::from(xmin..xmax);
        let yl = || TickedAxis::log(ylo / 1.3..yhi * 1.3);
        let yn = || RangedCoordf64::from(0.0..yhi * 1.08);
        match (log_x, log_y) {
            (true, true) => self.draw(area, xl(), yl(), ylo / 1.3, yhi * 1.3),
            (true, false) => self.draw(area, xl(), yn(), 0.0, yhi * 1.08),
            (false, true) => self.draw(area, xn(), yl(), ylo / 1.3, yhi * 1.3),
            (false, false) => self.draw(area, xn(), yn(), 0.0, yhi * 1.08),
        }
    }

    fn draw<DB, X, Y>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        x: X,
        y: Y,
        y_bottom: f64,
        y_top: f64,
    ) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(area)
            .caption(&self.caption, caption_font(&self.caption, FIG_WIDTH))
            .margin(12)
            .margin_right(34)
            .x_label_area_size(62)
            .y_label_area_size(84)
            .build_cartesian_2d(x, y)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .x_labels(6)
            .y_labels(8)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .house_style(0.1)
            .draw()
            .map_err(plot_err)?;
        for (pts, color) in self.series {
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(plot_err)?;
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                .map_err(plot_err)?;
        }
        for (estimate, color) in self.markers {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(*estimate, y_bottom), (*estimate, y_top)],
                    6,
                    4,
                    color.stroke_width(2),
                ))
                .map_err(plot_err)?;
        }
        Ok(())
    }
}

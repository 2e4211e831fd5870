//! The race of `wsbench tune`: each candidate's cost per round over the winner's median
//! cost (so the winner hovers at 1), one line per candidate, ending where it was dropped.
//! The candidates left at the end (the winner first) are coloured and named in the
//! legend; the dropped ones are drawn thin and grey. The analysis is `wsbench tune`'s
//! (experiments/src/tune/): this module only draws what it is given.

use super::{caption_font, draw_with_legend_below, plot_err, HouseMesh, Mark};
use plotters::prelude::*;
use std::path::Path;

/// The colours of the candidates left: the figures' Tableau palette without its grey
/// and olive (indices into [`super::PALETTE`]), so a race reads like the other figures.
const RACE_COLOURS: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 9];

fn race_colour(i: usize) -> RGBColor {
    super::PALETTE[RACE_COLOURS[i % RACE_COLOURS.len()]]
}

/// One candidate's line.
#[derive(Debug, Clone)]
pub struct RaceLine {
    /// Its name, for the legend.
    pub label: String,
    /// Cost / the winner's median cost, per round (`None`: not run that round).
    pub ratios: Vec<Option<f64>>,
    /// Whether it was still in the race at the end.
    pub left: bool,
}

/// Draws the race into `path` (an SVG); `lines` with the winner first among those left.
pub fn draw(path: &Path, title: &str, lines: &[RaceLine]) -> anyhow::Result<()> {
    let rounds = lines
        .iter()
        .map(|l| l.ratios.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let all = lines
        .iter()
        .flat_map(|l| l.ratios.iter().flatten().copied());
    let (lo, hi) = all.fold((1.0f64, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = (lo * 0.95, hi * 1.05);
    let shown: Vec<&RaceLine> = lines.iter().filter(|l| l.left).take(8).collect();
    let entries: Vec<(String, RGBColor, Mark)> = shown
        .iter()
        .enumerate()
        .map(|(i, l)| (l.label.clone(), race_colour(i), Mark::Line))
        .chain(std::iter::once((
            "dropped".to_string(),
            RGBColor(170, 170, 170),
            Mark::Line,
        )))
        .collect();
    draw_with_legend_below(path, &entries, |area| {
        let y = (lo..hi).log_scale();
        let mut chart = ChartBuilder::on(area)
            .caption(title, caption_font(title, super::FIG_WIDTH))
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(1f64..(rounds as f64).max(2.0), y)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house_style(0.1)
            .x_desc("round")
            .y_desc("cost / winner's median")
            .draw()
            .map_err(plot_err)?;
        let points = |l: &RaceLine| -> Vec<(f64, f64)> {
            l.ratios
                .iter()
                .enumerate()
                .filter_map(|(r, v)| Some((r as f64 + 1.0, (*v)?)))
                .collect()
        };
        for l in lines.iter().filter(|l| !l.left) {
            let grey = RGBColor(170, 170, 170);
            chart
                .draw_series(LineSeries::new(points(l), grey.stroke_width(1)))
                .map_err(plot_err)?;
        }
        for (i, l) in shown.iter().enumerate().rev() {
            let c = race_colour(i);
            chart
                .draw_series(LineSeries::new(points(l), c.stroke_width(2)))
                .map_err(plot_err)?;
        }
        Ok(())
    })
}

//! Figure 5: time vs problem size for serial and each parallel strategy, with the
//! **crossover** marked — the size from which parallel beats serial for good
//! (the second post's plot, whose crossover was ~1100 factorials with a pool of 5
//! processes created inside the timed region).
//!
//! A sweep is a set of workloads that differ only in size: runs.csv's `sweep`
//! column names it (the runner expands `sizes = [...]` into `<sweep>-n<size>`);
//! without that column, names that become equal when the size's digits are
//! replaced by `N` (`factorial-n500`, `factorial-n2500` → `factorial-nN`) form one. Pool creation inside or
//! outside the timed region (`pool_in_timing`) gives separate figures, because
//! it moves the crossover. Each strategy is drawn at its largest worker count.

use super::{
    caption_font, check_written, draw_legend_below, legend_below, plot_err, slug, HouseMesh, Input,
    Mark, Outcome, TickedAxis, FIG_WIDTH, PLOT_HEIGHT,
};
use crate::report::stats::{crossover, Crossover};
use crate::report::summary::{is_serial, serial_of, strategy_rank, CellSummary};
use crate::report::units::{tick, unit_for};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Fewest distinct sizes that make a sweep.
pub const MIN_SIZES: usize = 3;

/// One parallel strategy's line in a sweep.
#[derive(Debug, Clone)]
pub struct SweepLine {
    /// Strategy name.
    pub strategy: String,
    /// Worker count drawn (the largest measured).
    pub workers: usize,
    /// (size, median makespan ns), ascending size.
    pub points: Vec<(u64, f64)>,
    /// Where it beats serial for good.
    pub crossover: Option<Crossover>,
}

/// One sweep over problem size, for one `pool_in_timing` setting.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Folder index.
    pub machine: usize,
    /// Workload name with the size replaced by `N`.
    pub family: String,
    /// Whether pool creation was timed (`None` = not recorded).
    pub pool_in_timing: Option<bool>,
    /// Every size measured, ascending.
    pub sizes: Vec<u64>,
    /// The workloads that make up the sweep.
    pub workloads: Vec<String>,
    /// Serial medians per serial family (`serial`, `py-serial`): (size, ns).
    pub serial: BTreeMap<String, Vec<(u64, f64)>>,
    /// Parallel strategies.
    pub lines: Vec<SweepLine>,
}

/// The sweep family of a workload name: the last digit run equal to `size` becomes `N`.
///
/// ```
/// use experiments::report::figures::crossover::family;
/// assert_eq!(family("factorial-n500", 500), "factorial-nN");
/// assert_eq!(family("fact-5-n500", 500), "fact-5-nN");
/// assert_eq!(family("clustered", 20000), "clustered");
/// assert_eq!(family("x5000", 500), "x5000");
/// ```
pub fn family(name: &str, size: u64) -> String {
    let digits = size.to_string();
    let bytes = name.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if name[start..i] == digits {
                found = Some((start, i));
            }
        } else {
            i += 1;
        }
    }
    match found {
        Some((s, e)) => format!("{}N{}", &name[..s], &name[e..]),
        None => name.to_string(),
    }
}

/// Finds every sweep over size in `cells` (at least [`MIN_SIZES`] sizes).
pub fn find_sweeps(cells: &[CellSummary]) -> Vec<Sweep> {
    let mut groups: BTreeMap<(usize, String), Vec<&CellSummary>> = BTreeMap::new();
    for c in cells {
        let Some(size) = c.size else { continue };
        let fam = c
            .sweep
            .clone()
            .unwrap_or_else(|| family(&c.key.workload, size));
        groups.entry((c.key.machine, fam)).or_default().push(c);
    }
    let mut out = Vec::new();
    for ((machine, fam), members) in groups {
        let mut sizes: Vec<u64> = members.iter().filter_map(|c| c.size).collect();
        sizes.sort_unstable();
        sizes.dedup();
        if sizes.len() < MIN_SIZES {
            continue;
        }
        // Serial per size: the fastest placement's median (serial has no pool).
        let mut serial: BTreeMap<String, BTreeMap<u64, f64>> = BTreeMap::new();
        for c in members.iter().filter(|c| is_serial(&c.key.strategy)) {
            let e = serial
                .entry(c.key.strategy.clone())
                .or_default()
                .entry(c.size.expect("grouped by size"))
                .or_insert(f64::INFINITY);
            *e = e.min(c.median_ns);
        }
        let mut timings: Vec<Option<bool>> = members
            .iter()
            .filter(|c| !is_serial(&c.key.strategy))
            .map(|c| c.pool_in_timing)
            .collect();
        timings.sort();
        timings.dedup();
        for timing in timings {
            let par: Vec<&&CellSummary> = members
                .iter()
                .filter(|c| !is_serial(&c.key.strategy) && c.pool_in_timing == timing)
                .collect();
            let mut strategies: Vec<String> = par.iter().map(|c| c.key.strategy.clone()).collect();
            strategies.sort_by_key(|s| strategy_rank(s));
            strategies.dedup();
            let mut lines = Vec::new();
            for s in strategies {
                let mine: Vec<&&&CellSummary> =
                    par.iter().filter(|c| c.key.strategy == s).collect();
                let workers = mine.iter().map(|c| c.key.workers).max().expect("non-empty");
                let mut by_size: BTreeMap<u64, f64> = BTreeMap::new();
                for c in mine.iter().filter(|c| c.key.workers == workers) {
                    let e = by_size
                        .entry(c.size.expect("grouped by size"))
                        .or_insert(f64::INFINITY);
                    *e = e.min(c.median_ns);
                }
                let base = serial.get(serial_of(&s));
                let joint: Vec<(u64, f64, f64)> = by_size
                    .iter()
                    .filter_map(|(sz, p)| base.and_then(|b| b.get(sz)).map(|sv| (*sz, *sv, *p)))
                    .collect();
                lines.push(SweepLine {
                    strategy: s,
                    workers,
                    points: by_size.into_iter().collect(),
                    crossover: crossover(&joint),
                });
            }
            out.push(Sweep {
                machine,
                family: fam.clone(),
                pool_in_timing: timing,
                sizes: sizes.clone(),
                workloads: {
                    let mut w: Vec<String> =
                        members.iter().map(|c| c.key.workload.clone()).collect();
                    w.sort();
                    w.dedup();
                    w
                },
                serial: serial
                    .iter()
                    .map(|(k, v)| (k.clone(), v.iter().map(|(a, b)| (*a, *b)).collect()))
                    .collect(),
                lines,
            });
        }
    }
    out
}

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
    let mut entries: Vec<(String, RGBColor, Mark)> = Vec::new();
    let mut series: Vec<(Vec<(u64, f64)>, RGBColor)> = Vec::new();
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
    let max_ns = series
        .iter()
        .flat_map(|(p, _)| p.iter().map(|x| x.1))
        .fold(0.0, f64::max);
    let unit = unit_for(max_ns);
    let (xmin, xmax) = (s.sizes[0] as f64, *s.sizes.last().expect("sizes") as f64);
    let labels: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let (cols, legend_h) = legend_below(&labels);
    let root = SVGBackend::new(path, (FIG_WIDTH, PLOT_HEIGHT + legend_h)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (plot, legend) = root.split_vertically(PLOT_HEIGHT);
    let timing = match s.pool_in_timing {
        Some(true) => "pool creation timed",
        Some(false) => "warm pool",
        None => "pool timing unknown",
    };
    let min_ns = series
        .iter()
        .flat_map(|(p, _)| p.iter().map(|x| x.1))
        .fold(f64::INFINITY, f64::min);
    let markers: Vec<(f64, RGBColor)> = s
        .lines
        .iter()
        .filter_map(|l| match l.crossover {
            Some(Crossover::At { estimate, .. }) => {
                Some((estimate, input.palette.color(&l.strategy)))
            }
            _ => None,
        })
        .collect();
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
    let (ylo, yhi) = (min_ns / unit.ns, max_ns / unit.ns);
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
    let xl = || TickedAxis::log(xmin / 1.15..xmax * 1.15);
    let xn = || RangedCoordf64::from(xmin..xmax);
    let yl = || TickedAxis::log(ylo / 1.3..yhi * 1.3);
    let yn = || RangedCoordf64::from(0.0..yhi * 1.08);
    match (log_x, log_y) {
        (true, true) => chart.draw(&plot, xl(), yl(), ylo / 1.3, yhi * 1.3)?,
        (true, false) => chart.draw(&plot, xl(), yn(), 0.0, yhi * 1.08)?,
        (false, true) => chart.draw(&plot, xn(), yl(), ylo / 1.3, yhi * 1.3)?,
        (false, false) => chart.draw(&plot, xn(), yn(), 0.0, yhi * 1.08)?,
    }
    draw_legend_below(&legend, &entries, cols)?;
    root.present().map_err(plot_err)?;
    Ok(())
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

//! Figure 6: one Gantt chart per traced cell (`trace = true`), of its median repetition:
//! workers on the y axis, time since the timed region's start on the x axis, each task a
//! bar coloured by its duration (a sequential scale, log, with its legend), our pool's
//! steals as red ticks on the thief's row.
//!
//! A figure is about 900 px wide, so a bar narrower than a pixel is not drawn alone:
//! consecutive tasks of a worker that meet in one pixel column are drawn as one bar in
//! the colour of the longest of them (the longest is what the eye should find).

use super::{caption_font, check_written, plot_err, HouseMesh, Input, Outcome, TickedAxis};
use crate::load::read_trace;
use crate::units::{fmt_duration, tick, unit_for, TimeUnit};
use plotters::coord::Shift;
use plotters::prelude::*;
use wsbench_schema::trace::TraceFile;

/// Width of a figure (px).
const WIDTH: u32 = 960;
/// Width of the colour legend strip (px).
const LEGEND: u32 = 170;
/// Steal marks.
const STEAL: RGBColor = RGBColor(220, 20, 60);

/// One task (or several meeting in one pixel column): worker, start, end, duration (ns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// The worker's row.
    pub worker: usize,
    /// Start (ns from the region's start).
    pub start: f64,
    /// End (ns).
    pub end: f64,
    /// The duration that colours it (ns).
    pub cost: f64,
}

/// What one Gantt figure shows: a trace's median repetition.
#[derive(Debug, Clone)]
pub struct Gantt {
    /// `workload, strategy, W workers (placement)`.
    pub cell: String,
    /// The repetition drawn.
    pub repetition: usize,
    /// Rows.
    pub workers: usize,
    /// The run's makespan (ns).
    pub makespan: f64,
    /// One per task.
    pub bars: Vec<Bar>,
    /// (thief, time in ns) per steal.
    pub steals: Vec<(usize, f64)>,
    /// Where the trace stops being complete (ns), if it was cut.
    pub cut: Option<f64>,
    /// Tasks the run ran.
    pub tasks: u64,
}

impl Gantt {
    /// The median repetition of a trace file; `None` if it holds no repetition.
    pub fn of(file: &TraceFile) -> Option<Gantt> {
        let rep = file.median_repetition()?;
        let m = &file.metadata;
        let bars: Vec<Bar> = file
            .tasks_of(rep.repetition)
            .map(|e| {
                let start = e
                    .args
                    .start_ns
                    .map_or(e.ts.unwrap_or(0.0) * 1e3, |s| s as f64);
                let end = e
                    .args
                    .end_ns
                    .map_or(start + e.dur.unwrap_or(0.0) * 1e3, |s| s as f64);
                Bar {
                    worker: e.tid as usize,
                    start,
                    end,
                    cost: end - start,
                }
            })
            .collect();
        let workers = bars
            .iter()
            .map(|b| b.worker + 1)
            .max()
            .unwrap_or(0)
            .max(m.workers)
            .max(1);
        Some(Gantt {
            cell: format!(
                "{}, {}, {} workers ({})",
                m.workload, m.strategy, m.workers, m.placement
            ),
            repetition: rep.repetition,
            workers,
            makespan: rep.makespan_ns as f64,
            steals: file
                .steals_of(rep.repetition)
                .map(|e| (e.tid as usize, e.ts.unwrap_or(0.0) * 1e3))
                .collect(),
            cut: rep.traced_until_ns.map(|c| c as f64),
            tasks: rep.tasks,
            bars,
        })
    }

    /// The range of task durations the colour scale spans (ns, positive, lo < hi).
    pub fn cost_range(&self) -> (f64, f64) {
        let lo = self
            .bars
            .iter()
            .map(|b| b.cost)
            .fold(f64::INFINITY, f64::min);
        let hi = self.bars.iter().map(|b| b.cost).fold(0.0, f64::max);
        let lo = if lo.is_finite() { lo.max(1.0) } else { 1.0 };
        (lo, hi.max(lo * 10.0))
    }
}

/// The bars of one worker as drawn at `ns_per_px`: consecutive bars that meet in one
/// pixel column merged, in the colour (cost) of the longest.
///
/// ```
/// use wsbench_report::figures::gantt::{merge_in_pixels, Bar};
/// let b = |start, end| Bar { worker: 0, start, end, cost: end - start };
/// let merged = merge_in_pixels(vec![b(0.0, 1.0), b(1.0, 3.0), b(10.0, 20.0)], 5.0);
/// assert_eq!(merged, vec![Bar { worker: 0, start: 0.0, end: 3.0, cost: 2.0 }, b(10.0, 20.0)]);
/// ```
pub fn merge_in_pixels(mut bars: Vec<Bar>, ns_per_px: f64) -> Vec<Bar> {
    bars.sort_by(|a, b| a.start.total_cmp(&b.start));
    let px = |t: f64| (t / ns_per_px).floor();
    let mut out: Vec<Bar> = Vec::with_capacity(bars.len());
    for b in bars {
        match out.last_mut() {
            Some(g) if px(b.start) <= px(g.end) => {
                g.end = g.end.max(b.end);
                g.cost = g.cost.max(b.cost);
            }
            _ => out.push(b),
        }
    }
    out
}

/// A sequential colour (viridis) for `t` in 0..=1.
///
/// ```
/// use wsbench_report::figures::gantt::viridis;
/// assert_eq!(viridis(0.0), plotters::style::RGBColor(68, 1, 84));
/// assert_eq!(viridis(1.0), plotters::style::RGBColor(253, 231, 37));
/// ```
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Where `cost` sits on the log colour scale over `range`.
fn scale(cost: f64, (lo, hi): (f64, f64)) -> f64 {
    (cost.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln())
}

/// Draws a Gantt figure of every trace file of every folder.
pub fn render(input: &Input) -> anyhow::Result<Outcome> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let several = input.dirs.len() > 1;
    for (machine, dir) in input.dirs.iter().enumerate() {
        for path in &dir.traces {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let stem = name.trim_end_matches(".trace.json");
            let gantt = match read_trace(path) {
                Ok(file) => Gantt::of(&file),
                Err(e) => {
                    problems.push(format!("{e}"));
                    continue;
                }
            };
            let Some(g) = gantt else {
                problems.push(format!("{}: no repetition in it", path.display()));
                continue;
            };
            let prefix = if several {
                format!("m{}-", machine + 1)
            } else {
                String::new()
            };
            let file = format!("gantt-{prefix}{stem}.svg");
            draw(&g, &input.out.join(&file))?;
            files.push((file, caption(&g)));
        }
    }
    if files.is_empty() && problems.is_empty() {
        // No folder was traced: nothing to say.
        return Ok(Outcome {
            figure: "gantt",
            files,
            skipped: None,
        });
    }
    let skipped = (!problems.is_empty()).then(|| problems.join("; "));
    Ok(Outcome::of_files("gantt", files, skipped, "no trace"))
}

fn caption(g: &Gantt) -> String {
    let mut c = format!(
        "Gantt chart of {}, repetition {} (the median by makespan): each of its {} tasks a bar on its worker's row, coloured by its duration (log scale); red ticks: steals, on the thief's row",
        g.cell, g.repetition, g.tasks
    );
    if let Some(cut) = g.cut {
        c.push_str(&format!(
            "; the trace holds the tasks that started in the first {} (dashed line), {} of them",
            fmt_duration(cut),
            g.bars.len()
        ));
    }
    c
}

fn draw(g: &Gantt, path: &std::path::Path) -> anyhow::Result<()> {
    let row_px = (480 / g.workers as u32).clamp(6, 48);
    let height = (150 + row_px * g.workers as u32).max(320);
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let title = format!("{}: repetition {}", g.cell, g.repetition);
    let root = root
        .titled(&title, caption_font(&title, WIDTH))
        .map_err(plot_err)?;
    let (plot, legend) = root.split_horizontally(WIDTH - LEGEND);
    let range = g.cost_range();
    draw_bars(&plot, g, range)?;
    draw_colour_bar(&legend, range)?;
    root.present().map_err(plot_err)?;
    check_written(path)
}

/// The chart: one row per worker, the bars, the steals, the cut.
fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &Gantt,
    range: (f64, f64),
) -> anyhow::Result<()> {
    let end = g
        .bars
        .iter()
        .map(|b| b.end)
        .fold(g.makespan, f64::max)
        .max(1.0);
    let unit: TimeUnit = unit_for(end);
    let step = g.workers.div_ceil(16);
    let ticks: Vec<f64> = (0..g.workers).step_by(step).map(|w| w as f64).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(58)
        .y_label_area_size(70)
        .build_cartesian_2d(
            0.0..end / unit.ns,
            TickedAxis::new(-0.5..g.workers as f64 - 0.5, ticks),
        )
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(format!(
            "time since the timed region's start ({})",
            unit.name
        ))
        .y_desc("worker")
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| format!("{}", v.round() as i64))
        .house_style(0.1)
        .draw()
        .map_err(plot_err)?;
    let plot_px = f64::from(WIDTH - LEGEND - 90).max(1.0);
    let ns_per_px = end / plot_px;
    let half = 0.4;
    for w in 0..g.workers {
        let mine: Vec<Bar> = g.bars.iter().filter(|b| b.worker == w).copied().collect();
        let rects = merge_in_pixels(mine, ns_per_px).into_iter().map(|b| {
            let colour = viridis(scale(b.cost, range));
            let y = w as f64;
            let x1 = (b.end / unit.ns).max(b.start / unit.ns + ns_per_px / unit.ns * 0.5);
            Rectangle::new(
                [(b.start / unit.ns, y - half), (x1, y + half)],
                colour.filled(),
            )
        });
        chart.draw_series(rects).map_err(plot_err)?;
    }
    let steals = g.steals.iter().map(|&(w, t)| {
        let (x, y) = (t / unit.ns, w as f64);
        PathElement::new(vec![(x, y - 0.48), (x, y + 0.48)], STEAL.stroke_width(2))
    });
    chart.draw_series(steals).map_err(plot_err)?;
    if let Some(cut) = g.cut {
        let x = cut / unit.ns;
        let line = vec![(x, -0.5), (x, g.workers as f64 - 0.5)];
        chart
            .draw_series(DashedLineSeries::new(line, 6, 4, BLACK.stroke_width(2)))
            .map_err(plot_err)?;
    }
    Ok(())
}

/// The colour legend: the scale from the shortest to the longest task, log.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (lo, hi): (f64, f64),
) -> anyhow::Result<()> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(68)
        .margin_right(10)
        .caption("task duration", (super::FONT, 18))
        .y_label_area_size(100)
        .build_cartesian_2d(0.0..1.0, TickedAxis::log(lo..hi))
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_label_formatter(&|v| fmt_duration(*v))
        .house_style(0.0)
        .draw()
        .map_err(plot_err)?;
    const STEPS: usize = 64;
    let at = |k: usize| lo * (hi / lo).powf(k as f64 / STEPS as f64);
    let steps = (0..STEPS).map(|k| {
        let colour = viridis((k as f64 + 0.5) / STEPS as f64);
        Rectangle::new([(0.0, at(k)), (1.0, at(k + 1))], colour.filled())
    });
    chart.draw_series(steps).map_err(plot_err)?;
    Ok(())
}

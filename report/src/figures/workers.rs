//! Figure 4: per-worker busy and idle time for one run, stacked bars, static
//! chunking beside a balancing strategy — the imbalance at a glance.
//!
//! The run shown is the most imbalanced `static` run in `workers.csv`
//! (largest max/mean busy time, ≥2 workers); beside it the same cell (workload,
//! workers, placement, same repetition when present) under `adaptive`, or the
//! first of work-stealing, dynamic, guided, static-cyclic, rayon that was run.

use super::{
    caption_font, check_written, draw_legend, plot_err, slug, HouseMesh, Input, Mark, Outcome,
    TickedAxis, AXIS_PX,
};
use crate::load::{CellKey, Keyed};
use crate::units::{sig3, tick, unit_for, TimeUnit};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use wsbench_schema::WorkerRow;

/// One run's workers: (worker index, busy ns, idle ns), by worker index.
type RunWorkers = Vec<(usize, f64, f64)>;

/// The two runs figure 4 shows.
#[derive(Debug, Clone)]
pub struct Pick {
    /// The static run: its cell, repetition, workers.
    pub static_run: (CellKey, String, RunWorkers),
    /// The balancing counterpart, when one was run.
    pub other_run: Option<(CellKey, String, RunWorkers)>,
}

/// max busy / mean busy of one run (1.0 = perfectly balanced).
pub fn imbalance(run: &RunWorkers) -> f64 {
    let max = run.iter().map(|w| w.1).fold(0.0, f64::max);
    let mean = run.iter().map(|w| w.1).sum::<f64>() / run.len().max(1) as f64;
    if mean > 0.0 {
        max / mean
    } else {
        1.0
    }
}

fn runs_of(rows: &[Keyed<WorkerRow>]) -> BTreeMap<(CellKey, String), RunWorkers> {
    let mut out: BTreeMap<(CellKey, String), RunWorkers> = BTreeMap::new();
    for r in rows {
        // The loader kept only rows with both times.
        let (busy, idle) = (r.busy_ns.unwrap_or(0), r.idle_ns.unwrap_or(0));
        out.entry((r.cell.clone(), r.repetition.to_string()))
            .or_default()
            .push((r.worker, busy as f64, idle as f64));
    }
    for v in out.values_mut() {
        v.sort_by_key(|w| w.0);
    }
    out
}

/// The makespan of one run, from runs.csv.
fn run_makespan(input: &Input, key: &CellKey, repetition: &str) -> Option<f64> {
    input.dirs[key.machine]
        .runs
        .iter()
        .find(|r| r.cell == *key && r.repetition.to_string() == repetition)
        .map(|r| r.makespan_ns as f64)
}

/// Chooses the runs to show, or `None` when no static run with ≥2 workers exists.
pub fn pick(input: &Input) -> Option<Pick> {
    let all: BTreeMap<(CellKey, String), RunWorkers> = input
        .dirs
        .iter()
        .flat_map(|d| runs_of(&d.workers))
        .collect();
    let (worst_key, worst) = all
        .iter()
        .filter(|((k, _), w)| k.strategy == "static" && w.len() >= 2)
        .max_by(|a, b| imbalance(a.1).total_cmp(&imbalance(b.1)))?;
    let (cell, rep) = worst_key;
    let prefs = [
        "adaptive",
        "work-stealing",
        "dynamic",
        "guided",
        "static-cyclic",
        "rayon",
    ];
    let other_run = prefs.iter().find_map(|p| {
        let same_cell = |k: &CellKey| {
            k.strategy.split(':').next() == Some(*p)
                && k.machine == cell.machine
                && k.workload == cell.workload
                && k.workers == cell.workers
                && k.placement == cell.placement
        };
        all.iter()
            .filter(|((k, _), _)| same_cell(k))
            .min_by_key(|((_, r), _)| r != rep)
            .map(|((k, r), w)| (k.clone(), r.clone(), w.clone()))
    });
    Some(Pick {
        static_run: (cell.clone(), rep.clone(), worst.clone()),
        other_run,
    })
}

/// Draws figure 4.
pub fn render(input: &Input) -> anyhow::Result<Outcome> {
    if input.dirs.iter().all(|d| d.workers.is_empty()) {
        return Ok(Outcome::skipped("busy/idle", "no workers.csv rows"));
    }
    let Some(p) = pick(input) else {
        return Ok(Outcome::skipped(
            "busy/idle",
            "workers.csv has no `static` run with 2 or more workers",
        ));
    };
    let cell = &p.static_run.0;
    let file = format!("workers-{}-w{}.svg", slug(&cell.workload), cell.workers);
    let path = input.out.join(&file);
    let mut panels = vec![&p.static_run];
    if let Some(o) = &p.other_run {
        panels.push(o);
    }
    let makespans: Vec<Option<f64>> = panels
        .iter()
        .map(|p| run_makespan(input, &p.0, &p.1))
        .collect();
    draw(input, &panels, &makespans, &path)?;
    check_written(&path)?;
    let mut caption = format!(
        "`{}`, {} workers @{}: busy/idle per worker in static's most imbalanced run (repetition {}, max/mean busy {})",
        cell.workload,
        cell.workers,
        cell.placement,
        p.static_run.1,
        sig3(imbalance(&p.static_run.2))
    );
    match &p.other_run {
        Some((k, r, w)) => caption.push_str(&format!(
            " beside {} (repetition {r}, max/mean busy {})",
            k.strategy,
            sig3(imbalance(w))
        )),
        None => caption.push_str("; no balancing strategy was run in that cell"),
    }
    caption.push_str("; dashed: the run's makespan");
    // busy + idle should be about the makespan; say so when the CSV disagrees.
    let worst = panels
        .iter()
        .zip(&makespans)
        .filter_map(|(p, m)| {
            let m = (*m)?;
            let total = p.2.iter().map(|w| w.1 + w.2).fold(0.0, f64::max);
            (m > 0.0).then_some(total / m)
        })
        .fold(0.0, f64::max);
    if worst > 1.5 {
        caption.push_str(&format!(
            ". Note: a worker's recorded busy + idle is {}× the run's makespan, so workers.csv counts idle time outside the timed batch; compare busy times, not idle",
            sig3(worst)
        ));
    }
    Ok(Outcome {
        figure: "busy/idle",
        files: vec![(file, caption)],
        skipped: None,
    })
}

/// Width in px of one run's panel.
const PANEL_WIDTH: u32 = 300;
/// Colour of the busy part of a bar.
const BUSY: RGBColor = RGBColor(31, 119, 180);
/// Colour of the idle part of a bar.
const IDLE: RGBColor = RGBColor(200, 200, 200);

fn draw(
    input: &Input,
    panels: &[&(CellKey, String, RunWorkers)],
    makespans: &[Option<f64>],
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let max_total = panels
        .iter()
        .flat_map(|p| p.2.iter().map(|w| w.1 + w.2))
        .chain(makespans.iter().flatten().copied())
        .fold(0.0, f64::max);
    let unit = unit_for(max_total);
    let cell = &panels[0].0;
    let width = PANEL_WIDTH * panels.len() as u32;
    let root = SVGBackend::new(path, (width, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let machine = if input.machine_labels.len() > 1 {
        format!(" [{}]", input.machine_labels[cell.machine])
    } else {
        String::new()
    };
    let title = format!(
        "{}{machine}, {} workers: busy / idle per worker",
        cell.workload, cell.workers
    );
    let root = root
        .titled(&title, caption_font(&title, width))
        .map_err(plot_err)?;
    let (legend, body) = root.split_vertically(36);
    draw_legend_row(&legend)?;
    let y_max = max_total / unit.ns * 1.05;
    let areas = body.split_evenly((1, panels.len()));
    for ((area, (key, rep, run)), makespan) in areas
        .iter()
        .zip(panels.iter().map(|p| (&p.0, &p.1, &p.2)))
        .zip(makespans)
    {
        draw_run(area, key, rep, run, *makespan, &unit, y_max)?;
    }
    root.present().map_err(plot_err)?;
    Ok(())
}

/// The legend in one row, entries side by side.
fn draw_legend_row<DB: DrawingBackend>(legend: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
    let legend_entries = [
        ("busy".to_string(), BUSY, Mark::Box),
        ("idle".to_string(), IDLE, Mark::Box),
        ("makespan".to_string(), BLACK, Mark::Dashed),
    ];
    let thirds = legend.split_evenly((1, 3));
    for (area, entry) in thirds.iter().zip(&legend_entries) {
        draw_legend(&area.margin(0, 0, 20, 0), std::slice::from_ref(entry), 2)?;
    }
    Ok(())
}

/// One run's panel: a busy/idle bar per worker and the run's makespan dashed,
/// on a y axis up to `y_max` (in `unit`).
fn draw_run<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    key: &CellKey,
    rep: &str,
    run: &RunWorkers,
    makespan: Option<f64>,
    unit: &TimeUnit,
    y_max: f64,
) -> anyhow::Result<()> {
    let n = run.len();
    // At most ~16 worker labels: every k-th worker on wide pools.
    let step = n.div_ceil(16);
    let ticks: Vec<f64> = (0..n).step_by(step).map(|i| i as f64).collect();
    let panel_title = format!(
        "{}, rep {rep}: max/mean {}",
        key.strategy,
        sig3(imbalance(run))
    );
    let (font, size) = caption_font(&panel_title, PANEL_WIDTH);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel_title, (font, size.min(AXIS_PX)))
        .margin(10)
        .x_label_area_size(58)
        .y_label_area_size(80)
        .build_cartesian_2d(TickedAxis::new(-0.5..n as f64 - 0.5, ticks), 0.0..y_max)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("worker")
        .y_desc(format!("time ({})", unit.name))
        .x_label_formatter(&|v| format!("{}", v.round() as i64))
        .y_label_formatter(&|v| tick(*v))
        .house_style(0.1)
        .draw()
        .map_err(plot_err)?;
    for bar in busy_idle_bars(run, unit) {
        chart.draw_series(bar).map_err(plot_err)?;
    }
    if let Some(m) = makespan {
        let y = m / unit.ns;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(-0.5, y), (n as f64 - 0.5, y)],
                6,
                4,
                BLACK.stroke_width(2),
            ))
            .map_err(plot_err)?;
    }
    Ok(())
}

/// Each worker's stacked bar: busy from 0, idle on top of it, in `unit`.
fn busy_idle_bars(run: &RunWorkers, unit: &TimeUnit) -> Vec<[Rectangle<(f64, f64)>; 2]> {
    let half = if run.len() > 8 { 0.45 } else { 0.35 };
    run.iter()
        .enumerate()
        .map(|(i, (_, busy, idle))| {
            let b = busy / unit.ns;
            let t = (busy + idle) / unit.ns;
            let x = i as f64;
            [
                Rectangle::new([(x - half, 0.0), (x + half, b)], BUSY.filled()),
                Rectangle::new([(x - half, b), (x + half, t)], IDLE.filled()),
            ]
        })
        .collect()
}

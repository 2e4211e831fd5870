//! SVG figures, one module per figure, drawn with `plotters`' SVG backend.
//!
//! The SVG backend writes text as `<text>` elements and lets the viewer pick the
//! font, so no font library is linked (plotters is built without `ttf`). Every
//! figure is sized for a paper column (about 640 px wide, 15–18 px text, which is
//! 8–10 pt at 3.3 in), says its units on both axes, and keeps its legend in a
//! strip beside the plot so it never covers data. Colours are fixed per strategy
//! across all figures of one report.

pub mod crossover;
pub mod gantt;
pub mod latency;
pub mod makespan;
pub mod race;
pub mod speedup;
pub mod workers;

use plotters::chart::MeshStyle;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;

/// An f64 axis (linear, or logarithmic with [`TickedAxis::log`]) whose ticks sit
/// exactly where the figure says: at 0%, 50%, 90%, 99%… on the latency axis
/// (plotters' own would land on round x values such as 0.5, which are no
/// percentile anyone quotes), at each bar's row, and at 1-2-5 steps on log axes
/// (plotters' log axis labels every integer, and 70 80 90 100 run together).
pub struct TickedAxis<R = RangedCoordf64> {
    inner: R,
    ticks: Vec<f64>,
}

impl TickedAxis {
    /// A linear axis over `range` with ticks at `ticks`.
    pub fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> TickedAxis {
        TickedAxis {
            inner: range.into(),
            ticks,
        }
    }

    /// A logarithmic axis over `range` (positive) with ticks at 1-2-5 steps, at most 8.
    pub fn log(range: std::ops::Range<f64>) -> TickedAxis<LogCoord<f64>> {
        let ticks = log_ticks(range.start, range.end);
        TickedAxis {
            inner: range.log_scale().into(),
            ticks,
        }
    }
}

/// Ticks for a log axis over `lo..hi`: 1-2-5 steps, or 1-3, or powers of ten,
/// whichever first gives at most 8.
///
/// ```
/// use wsbench_report::figures::log_ticks;
/// assert_eq!(log_ticks(8.0, 300.0), vec![10.0, 20.0, 50.0, 100.0, 200.0]);
/// assert_eq!(log_ticks(0.5, 2e4), vec![1.0, 10.0, 100.0, 1000.0, 10000.0]);
/// ```
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo) {
        return Vec::new();
    }
    for steps in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0], &[1.0]] {
        let mut out = Vec::new();
        let mut decade = 10f64.powi(lo.log10().floor() as i32);
        while decade <= hi {
            for m in steps {
                let v = m * decade;
                // Round away binary noise (0.30000000000000004).
                let v = (v * 1e9).round() / 1e9;
                if v >= lo && v <= hi {
                    out.push(v);
                }
            }
            decade *= 10.0;
        }
        if out.len() <= 8 {
            return out;
        }
    }
    Vec::new()
}

impl<R: Ranged<ValueType = f64>> Ranged for TickedAxis<R> {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// What became of one figure: files written, or why it was skipped.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Which figure (e.g. "makespan").
    pub figure: &'static str,
    /// File names written into the report folder, with a one-line caption each.
    pub files: Vec<(String, String)>,
    /// Why nothing (or not everything) was drawn.
    pub skipped: Option<String>,
}

impl Outcome {
    fn skipped(figure: &'static str, why: impl Into<String>) -> Outcome {
        Outcome {
            figure,
            files: Vec::new(),
            skipped: Some(why.into()),
        }
    }

    /// The files one figure drew. With none, the figure is skipped: the reason is
    /// `skipped` when the caller has one, else `if_empty`.
    fn of_files(
        figure: &'static str,
        files: Vec<(String, String)>,
        skipped: Option<String>,
        if_empty: &str,
    ) -> Outcome {
        if files.is_empty() {
            return Outcome::skipped(figure, skipped.unwrap_or_else(|| if_empty.into()));
        }
        Outcome {
            figure,
            files,
            skipped,
        }
    }
}

/// The mesh style every figure shares: axis titles and tick labels in the house
/// font sizes, no light grid lines, a faint bold grid (`grid_alpha` of black).
pub(crate) trait HouseMesh {
    /// Applies the shared style; the figure still sets its own labels and formatters.
    fn house_style(&mut self, grid_alpha: f64) -> &mut Self;
}

impl<X: Ranged, Y: Ranged, DB: DrawingBackend> HouseMesh for MeshStyle<'_, '_, X, Y, DB> {
    fn house_style(&mut self, grid_alpha: f64) -> &mut Self {
        self.axis_desc_style((FONT, AXIS_PX))
            .label_style((FONT, TICK_PX))
            .max_light_lines(0)
            .bold_line_style(BLACK.mix(grid_alpha))
    }
}

/// Font family for every text element (the viewer resolves it; nothing is embedded).
pub const FONT: &str = "sans-serif";
/// Caption size as given to plotters (it writes `size / 1.24` px into the SVG: 22.6 px).
pub const CAPTION_PX: u32 = 28;
/// Axis description size (21 px in the SVG).
pub const AXIS_PX: u32 = 26;
/// Tick label and legend size (19.4 px in the SVG: 8 pt when a 560 px figure is
/// printed 3.3 in wide, a paper column).
pub const TICK_PX: u32 = 24;

/// Tableau-10 (colour-blind-aware), then five more distinct colours.
pub(crate) const PALETTE: [RGBColor; 15] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 128),
    RGBColor(128, 128, 0),
    RGBColor(0, 128, 128),
    RGBColor(128, 0, 0),
    RGBColor(60, 60, 60),
];

/// Fixed colours for every series label of one report, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    names: Vec<String>,
}

impl Palette {
    /// A palette over `names` (sorted as they should be coloured).
    pub fn new(names: impl IntoIterator<Item = String>) -> Palette {
        let mut p = Palette::default();
        for n in names {
            if !p.names.contains(&n) {
                p.names.push(n);
            }
        }
        p
    }

    /// The colour of `name` (black for `serial`, so the reference line stands out).
    pub fn color(&self, name: &str) -> RGBColor {
        if name == "serial" || name == "py-serial" {
            return BLACK;
        }
        let i = self.names.iter().position(|n| n == name).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    }
}

/// Turns any plotters error into an `anyhow` error (their types are generic per backend).
pub(crate) fn plot_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing a figure failed: {e:?}")
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    /// A line with a dot (a series).
    Line,
    /// A dashed line (a reference such as "ideal").
    Dashed,
    /// A filled box (bars).
    Box,
}

/// Width in px a legend needs for `labels` at [`TICK_PX`].
pub fn legend_width(labels: &[String]) -> u32 {
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    (44 + longest * TICK_PX * 48 / 100).clamp(90, 420)
}

/// Width of the line figures (speedup, latency, crossover) in px: 19.4 px text
/// prints at 8 pt when the figure is 3.3 in (a paper column) wide.
pub const FIG_WIDTH: u32 = 560;
/// Height of their plot area; the legend goes below it.
pub const PLOT_HEIGHT: u32 = 400;

/// The caption font for `text` in a figure `width` px wide: [`CAPTION_PX`], or
/// smaller so that a long workload name does not run off the edges.
pub fn caption_font(text: &str, width: u32) -> (&'static str, u32) {
    // plotters writes size / 1.24 px; a sans-serif glyph averages ~0.55 em.
    let chars = text.chars().count().max(1) as f64;
    let fit = (width.saturating_sub(24)) as f64 * 1.24 / (0.55 * chars);
    (FONT, (fit.floor() as u32).clamp(14, CAPTION_PX))
}

/// Columns and height (px) of a legend drawn below a [`FIG_WIDTH`] plot: two
/// columns when every label fits in half the width, else one.
pub fn legend_below(labels: &[String]) -> (u32, u32) {
    let cols = if legend_width(labels) <= FIG_WIDTH / 2 - 10 {
        2
    } else {
        1
    };
    let rows = (labels.len() as u32).div_ceil(cols);
    (cols, rows * (TICK_PX + 7) + 14)
}

/// Draws a legend below the plot, in `cols` columns filled top to bottom.
pub fn draw_legend_below<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, RGBColor, Mark)],
    cols: u32,
) -> anyhow::Result<()> {
    let area = area.margin(0, 0, 16, 0);
    let rows = entries.len().div_ceil(cols.max(1) as usize).max(1);
    let columns = area.split_evenly((1, cols.max(1) as usize));
    for (column, chunk) in columns.iter().zip(entries.chunks(rows)) {
        draw_legend(column, chunk, 4)?;
    }
    Ok(())
}

/// Draws a [`FIG_WIDTH`] figure into `path`: the plot (drawn by `plot` on a
/// [`PLOT_HEIGHT`] area) on top, a legend of `entries` below it.
pub(crate) fn draw_with_legend_below(
    path: &Path,
    entries: &[(String, RGBColor, Mark)],
    plot: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let labels: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let (cols, legend_h) = legend_below(&labels);
    let root = SVGBackend::new(path, (FIG_WIDTH, PLOT_HEIGHT + legend_h)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (plot_area, legend) = root.split_vertically(PLOT_HEIGHT);
    plot(&plot_area)?;
    draw_legend_below(&legend, entries, cols)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

/// Draws a legend (one entry a row) at the top of `area`.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, RGBColor, Mark)],
    top: i32,
) -> anyhow::Result<()> {
    let row = TICK_PX as i32 + 7;
    for (i, (label, color, mark)) in entries.iter().enumerate() {
        let y = top + i as i32 * row;
        let mid = y + row / 2 - 2;
        match mark {
            Mark::Line => {
                area.draw(&PathElement::new(
                    vec![(6, mid), (30, mid)],
                    color.stroke_width(2),
                ))
                .map_err(plot_err)?;
                area.draw(&Circle::new((18, mid), 3, color.filled()))
                    .map_err(plot_err)?;
            }
            Mark::Dashed => {
                for x in (6..30).step_by(8) {
                    area.draw(&PathElement::new(
                        vec![(x, mid), (x + 4, mid)],
                        color.stroke_width(2),
                    ))
                    .map_err(plot_err)?;
                }
            }
            Mark::Box => {
                area.draw(&Rectangle::new(
                    [(8, mid - 6), (28, mid + 6)],
                    color.filled(),
                ))
                .map_err(plot_err)?;
            }
        }
        area.draw(&Text::new(
            label.clone(),
            (36, y + 2),
            (FONT, TICK_PX).into_font().color(&BLACK),
        ))
        .map_err(plot_err)?;
    }
    Ok(())
}

/// A file-name-safe version of `s` (letters, digits, `.`, `_`, `-`).
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Checks the SVG backend wrote a non-empty file (plotters reports I/O errors late).
pub(crate) fn check_written(path: &Path) -> anyhow::Result<()> {
    let len = std::fs::metadata(path)?.len();
    anyhow::ensure!(len > 0, "{}: figure came out empty", path.display());
    Ok(())
}

/// One figure's worth of cells: a workload, or a workload under one placement.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Workload name.
    pub workload: String,
    /// The placement, when the workload ran under several.
    pub placement: Option<String>,
    /// Title text: `workload` or `workload @placement`.
    pub title: String,
    /// File-name part: slugs of workload (and placement).
    pub file_stem: String,
}

/// What every figure reads: the folders, the cell summaries, and where to write.
pub struct Input<'a> {
    /// The results folders, in command-line order (index = `CellKey::machine`).
    pub dirs: &'a [super::load::ResultsDir],
    /// Summaries of every cell.
    pub cells: &'a [super::summary::CellSummary],
    /// Short label per folder (`M1`, `M2`, …) used in legends when comparing machines.
    pub machine_labels: &'a [String],
    /// The report folder.
    pub out: &'a Path,
    /// Colours per strategy, shared by all figures.
    pub palette: Palette,
}

impl Input<'_> {
    /// Workload names in reading order (first appearance), except the members of
    /// sweeps over size, which figure 5 and the crossover table show instead.
    pub fn workloads(&self) -> Vec<String> {
        let swept: Vec<String> = crate::sweeps::find_sweeps(self.cells)
            .into_iter()
            .flat_map(|s| s.workloads)
            .collect();
        let mut out: Vec<String> = Vec::new();
        for c in self.cells {
            if !out.contains(&c.key.workload) && !swept.contains(&c.key.workload) {
                out.push(c.key.workload.clone());
            }
        }
        out
    }

    /// The figure panels: one per workload, or one per (workload, placement) when
    /// a workload ran under several placements (the affinity experiment), so that
    /// no figure carries strategies × placements lines.
    pub fn panels(&self) -> Vec<Panel> {
        let mut out = Vec::new();
        for w in self.workloads() {
            let mut placements: Vec<&str> = Vec::new();
            for c in self.cells.iter().filter(|c| c.key.workload == w) {
                // Python baselines do not pin (placement `none`): they join every
                // panel rather than make one of their own.
                if !super::summary::is_serial(&c.key.strategy)
                    && !c.key.strategy.starts_with("py-")
                    && !placements.contains(&c.key.placement.as_str())
                {
                    placements.push(&c.key.placement);
                }
            }
            if placements.len() <= 1 {
                out.push(Panel {
                    title: w.clone(),
                    file_stem: slug(&w),
                    workload: w,
                    placement: None,
                });
            } else {
                for p in placements {
                    out.push(Panel {
                        title: format!("{w} @{p}"),
                        file_stem: format!("{}-{}", slug(&w), slug(p)),
                        workload: w.clone(),
                        placement: Some(p.to_string()),
                    });
                }
            }
        }
        out
    }

    /// The cells of one panel; a per-placement panel borrows serial from another
    /// placement when serial was run under one placement only.
    pub fn panel_cells(&self, panel: &Panel) -> Vec<&super::summary::CellSummary> {
        let of_workload = || {
            self.cells
                .iter()
                .filter(|c| c.key.workload == panel.workload)
        };
        match &panel.placement {
            None => of_workload().collect(),
            Some(p) => {
                let mut cells: Vec<&super::summary::CellSummary> = of_workload()
                    .filter(|c| &c.key.placement == p || c.key.strategy.starts_with("py-"))
                    .collect();
                let has_serial = |s: &str| cells.iter().any(|c| c.key.strategy == s);
                let borrowed: Vec<&super::summary::CellSummary> = of_workload()
                    .filter(|c| super::summary::is_serial(&c.key.strategy))
                    .filter(|c| !has_serial(&c.key.strategy))
                    .collect();
                let mut seen: Vec<(usize, String)> = Vec::new();
                for c in borrowed {
                    let k = (c.key.machine, c.key.strategy.clone());
                    if !seen.contains(&k) {
                        seen.push(k);
                        cells.insert(0, c);
                    }
                }
                cells
            }
        }
    }

    /// The label of one series: the strategy, plus the placement and machine
    /// where a figure mixes several of them.
    pub fn series_label(
        &self,
        key: &super::load::CellKey,
        with_placement: bool,
        with_workers: bool,
    ) -> String {
        let mut s = key.strategy.clone();
        if with_workers {
            s.push_str(&format!(" w{}", key.workers));
        }
        if with_placement && !key.strategy.starts_with("py-") {
            s.push_str(&format!(" @{}", key.placement));
        }
        if self.machine_labels.len() > 1 {
            s.push_str(&format!(" [{}]", self.machine_labels[key.machine]));
        }
        s
    }

    /// Colours for a figure's series: by strategy when each strategy is one
    /// series (so colours match across figures), else by label.
    pub fn colors_for(&self, series: &[(String, &super::load::CellKey)]) -> Vec<RGBColor> {
        // Machines are told apart by line style (see [`draw_line`]), not colour.
        let one_per_strategy = {
            let mut seen: Vec<(&str, usize)> = Vec::new();
            series.iter().all(|(_, k)| {
                let fresh = !seen.contains(&(k.strategy.as_str(), k.machine));
                seen.push((&k.strategy, k.machine));
                fresh
            })
        };
        if one_per_strategy {
            series
                .iter()
                .map(|(_, k)| self.palette.color(&k.strategy))
                .collect()
        } else {
            let local = Palette::new(series.iter().map(|(l, _)| l.clone()));
            series.iter().map(|(l, _)| local.color(l)).collect()
        }
    }
}

/// How a series of folder `machine` is drawn in legends: solid for the first
/// folder, dashed for the others.
pub fn machine_mark(machine: usize) -> Mark {
    if machine == 0 {
        Mark::Line
    } else {
        Mark::Dashed
    }
}

/// Draws one series as a line: solid for the first folder, dashed for the others,
/// so that machines compared in one figure keep their strategy's colour.
pub(crate) fn draw_line<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    pts: &[(f64, f64)],
    color: RGBColor,
    machine: usize,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if machine == 0 {
        chart
            .draw_series(LineSeries::new(pts.to_vec(), color.stroke_width(2)))
            .map_err(plot_err)?;
    } else {
        chart
            .draw_series(DashedLineSeries::new(
                pts.to_vec(),
                7,
                4,
                color.stroke_width(2),
            ))
            .map_err(plot_err)?;
    }
    Ok(())
}

/// Whether the Rust cells among `keys` ran under more than one placement (Python
/// baselines do not pin, so their `none` does not count).
pub fn vary_placement<'a>(keys: impl Iterator<Item = &'a super::load::CellKey>) -> bool {
    let mut first: Option<&str> = None;
    for k in keys.filter(|k| !k.strategy.starts_with("py-")) {
        match first {
            None => first = Some(&k.placement),
            Some(p) if p != k.placement => return true,
            Some(_) => {}
        }
    }
    false
}

/// Runs every figure; a figure that fails to draw is an error, one without data is skipped.
pub fn render_all(input: &Input) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![
        makespan::render(input)?,
        speedup::render(input)?,
        latency::render(input)?,
        workers::render(input)?,
        crossover::render(input)?,
        gantt::render(input)?,
    ])
}

//! `report.md`: the experiment and machine in two lines ([`super::header`]), a table per workload,
//! one sentence per workload naming the best strategy, the crossover points,
//! and the list of figures (or why one was skipped).

use super::checks::{null_check_section, null_check_sentence};
use super::figures::Outcome;
use super::header::{header_lines, machine_name};
use super::intervals::{
    crossover_clause, interval_cell, noise_clause, sweep_crossover_interval, sweep_rounds,
    MedianInterval,
};
use super::load::ResultsDir;
use super::models::{model_checks, models_section};
use super::resample::{
    bootstrap_clause, bootstrap_legend, crossover_bootstrap, BOOTSTRAP_B, BOOTSTRAP_SEED,
};
use super::stats::Crossover;
use super::summary::{is_serial, CellSummary};
use super::sweeps::{find_sweeps, Sweep};
use super::units::{fmt_duration, sig3, unit_for};
use std::fmt::Write;

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| "–".into())
}

/// `x` with two decimals and `unit`, then its interval in brackets (`1.95× (1.90–2.00)`), with the interval's
/// coverage when it differs from `level` (the makespan interval's, stated in its column).
fn with_interval(x: Option<f64>, ci: Option<&MedianInterval>, level: f64, unit: &str) -> String {
    let f = |v: f64| format!("{v:.2}");
    let Some(x) = x else {
        return "–".into();
    };
    let mut s = format!("{}{unit}", f(x));
    if let Some(ci) = ci.filter(|ci| ci.n > 1) {
        write!(s, " ({}–{}", f(ci.low), f(ci.high)).ok();
        if (ci.coverage - level).abs() > 1e-9 {
            write!(s, ", {}", ci.level()).ok();
        }
        s.push(')');
    }
    s
}

/// The header of a response column: `pooled p99 response` when every cell's value is of
/// the pooled histogram, `median-run p99 response` when none is, else both named (the
/// median-run values marked `*`).
fn response_head(rows: &[&CellSummary], pct: &str) -> String {
    let pooled = rows.iter().filter(|c| c.pooled_response).count();
    if pooled == rows.len() {
        format!("pooled {pct} response")
    } else if pooled == 0 {
        format!("median-run {pct} response")
    } else {
        format!("{pct} response (pooled; * median-run)")
    }
}

/// One sentence naming the best strategy of a workload on one machine, at its
/// largest worker count, against the next best and against static.
fn best_sentence(workload: &str, cells: &[&CellSummary], machine: Option<&str>) -> Option<String> {
    let parallel: Vec<&&CellSummary> = cells
        .iter()
        .filter(|c| !is_serial(&c.key.strategy))
        .collect();
    let workers = parallel.iter().map(|c| c.key.workers).max()?;
    let mut at: Vec<&&CellSummary> = parallel
        .into_iter()
        .filter(|c| c.key.workers == workers)
        .collect();
    at.sort_by(|a, b| a.median_ns.total_cmp(&b.median_ns));
    // Best placement per strategy only: compare strategies, not placements.
    let mut seen = Vec::new();
    at.retain(|c| {
        let fresh = !seen.contains(&c.key.strategy);
        seen.push(c.key.strategy.clone());
        fresh
    });
    let best = at.first()?;
    let on = match machine {
        Some(m) => format!(" on {m}"),
        None => String::new(),
    };
    let mut s = format!(
        "**{workload}**{on}, {workers} workers: **{}** is fastest ({} median",
        best.key.strategy,
        fmt_duration(best.median_ns)
    );
    if let Some(sp) = best.speedup {
        write!(s, ", {}× serial", sig3(sp)).ok();
        if let Some(ci) = best.speedup_ci.filter(|ci| ci.n > 1) {
            let (lo, hi) = (sig3(ci.low), sig3(ci.high));
            write!(s, ", {} CI {lo}–{hi}×", ci.level()).ok();
        }
    }
    s.push(')');
    if let Some(next) = at.get(1) {
        let noise = noise_clause(&next.rounds, &best.rounds).unwrap_or_default();
        let ratio = next.median_ns / best.median_ns;
        let lead = if ratio < 1.005 {
            "level with".to_string()
        } else {
            format!("{}× faster than", sig3(ratio))
        };
        write!(
            s,
            ", {lead} the next best, {} ({}{})",
            next.key.strategy,
            fmt_duration(next.median_ns),
            noise
        )
        .ok();
    } else {
        s.push_str(", the only parallel strategy measured");
    }
    if best.key.strategy != "static" && at.get(1).map(|c| c.key.strategy.as_str()) != Some("static")
    {
        if let Some(st) = at.iter().find(|c| c.key.strategy == "static") {
            write!(
                s,
                ", and {}× faster than static ({})",
                sig3(st.median_ns / best.median_ns),
                fmt_duration(st.median_ns)
            )
            .ok();
        }
    }
    s.push('.');
    Some(s)
}

/// When serial ran under fewer placements than the parallel cells (an older folder): which
/// placement's serial runs the others' bound and speedup were taken from.
fn lent_serial_sentence(cells: &[&CellSummary]) -> Option<String> {
    let mut lent: Vec<(&str, &str)> = cells
        .iter()
        .filter_map(|c| Some((c.key.placement.as_str(), c.serial_placement.as_deref()?)))
        .collect();
    lent.sort_unstable();
    lent.dedup();
    let from = lent.first()?.1;
    let to: Vec<&str> = lent.iter().map(|(p, _)| *p).collect();
    Some(format!(
        "Serial did not run under {}: the bound and speedup there use serial under {from} \
         (rerun with a runner that runs serial under every placement).",
        to.join(", ")
    ))
}

/// When a workload ran under several placements (the affinity experiment): the
/// fastest cell of each placement at the largest worker count, fastest first.
fn placement_sentence(cells: &[&CellSummary]) -> Option<String> {
    let rust: Vec<&&CellSummary> = cells
        .iter()
        .filter(|c| !is_serial(&c.key.strategy) && !c.key.strategy.starts_with("py-"))
        .collect();
    let workers = rust.iter().map(|c| c.key.workers).max()?;
    let mut best: Vec<&CellSummary> = Vec::new();
    for c in rust.iter().filter(|c| c.key.workers == workers) {
        match best.iter_mut().find(|b| b.key.placement == c.key.placement) {
            Some(b) if b.median_ns <= c.median_ns => {}
            Some(b) => *b = c,
            None => best.push(c),
        }
    }
    if best.len() < 2 {
        return None;
    }
    best.sort_by(|a, b| a.median_ns.total_cmp(&b.median_ns));
    let parts: Vec<String> = best
        .iter()
        .map(|c| {
            format!(
                "{} {} ({})",
                c.key.placement,
                fmt_duration(c.median_ns),
                c.key.strategy
            )
        })
        .collect();
    Some(format!(
        "By placement, {workers} workers, fastest strategy each: {}; the slowest placement is {}× the fastest.",
        parts.join(", "),
        sig3(best.last()?.median_ns / best[0].median_ns)
    ))
}

/// One sentence comparing the Python baselines with Rust on the same workload,
/// when both were run: serial against serial, fastest against fastest.
fn python_vs_rust(cells: &[&CellSummary]) -> Option<String> {
    let find = |s: &str| cells.iter().find(|c| c.key.strategy == s);
    let (py, rs) = (find("py-serial")?, find("serial")?);
    let fastest = |python: bool| {
        cells
            .iter()
            .filter(|c| c.key.strategy.starts_with("py-") == python)
            .min_by(|a, b| a.median_ns.total_cmp(&b.median_ns))
    };
    let (fp, fr) = (fastest(true)?, fastest(false)?);
    Some(format!(
        "Python vs Rust on the same numbers: py-serial takes {} against Rust's serial {} ({}×); \
         the fastest Python run, {} with {} workers ({}), against the fastest Rust run, {} with {} workers ({}): {}×.",
        fmt_duration(py.median_ns),
        fmt_duration(rs.median_ns),
        sig3(py.median_ns / rs.median_ns),
        fp.key.strategy,
        fp.key.workers,
        fmt_duration(fp.median_ns),
        fr.key.strategy,
        fr.key.workers,
        fmt_duration(fr.median_ns),
        sig3(fp.median_ns / fr.median_ns),
    ))
}

fn crossover_text(c: &Option<Crossover>, sweep: &Sweep) -> String {
    match c {
        None => "no data".into(),
        Some(Crossover::Always) => {
            format!("faster at every size measured (from {})", sweep.sizes[0])
        }
        Some(Crossover::Never) => "not faster at the largest size measured".into(),
        Some(Crossover::At {
            below,
            size,
            estimate,
        }) => {
            format!(
                "bracket {below}–{size} (serial wins at {below}, parallel from {size} on; \
                 interpolated ≈{estimate:.0})"
            )
        }
    }
}

/// Median makespan per size of one sweep: serial and each strategy.
fn sweep_table(s: &Sweep, machine_labels: &[String], multi: bool) -> String {
    let mut md = String::new();
    let timed = match s.pool_in_timing {
        Some(true) => "pool creation timed",
        Some(false) => "warm pool",
        None => "pool timing not recorded",
    };
    let on = if multi {
        format!(" [{}]", machine_labels[s.machine])
    } else {
        String::new()
    };
    writeln!(md, "`{}`{on}, {timed} — median makespan:\n", s.family).ok();
    let mut head = vec!["size".to_string()];
    head.extend(s.serial.keys().cloned());
    head.extend(
        s.lines
            .iter()
            .map(|l| format!("{} w{}", l.strategy, l.workers)),
    );
    writeln!(md, "| {} |", head.join(" | ")).ok();
    writeln!(md, "|{}", "---:|".repeat(head.len())).ok();
    for size in &s.sizes {
        let find = |pts: &[(u64, f64)]| {
            pts.iter()
                .find(|p| p.0 == *size)
                .map(|p| fmt_duration(p.1))
                .unwrap_or_else(|| "–".into())
        };
        let mut cols = vec![size.to_string()];
        cols.extend(s.serial.values().map(|p| find(p)));
        cols.extend(s.lines.iter().map(|l| find(&l.points)));
        writeln!(md, "| {} |", cols.join(" | ")).ok();
    }
    md.push('\n');
    md
}

/// Renders the whole `report.md`.
pub fn render(
    dirs: &[ResultsDir],
    cells: &[CellSummary],
    machine_labels: &[String],
    figures: &[Outcome],
) -> String {
    let multi = dirs.len() > 1;
    let mut md = String::from("# wsbench report\n\n");
    for (i, d) in dirs.iter().enumerate() {
        if multi {
            writeln!(md, "{} — `{}`:  ", machine_labels[i], d.path.display()).ok();
        }
        md.push_str(&header_lines(d));
        md.push('\n');
    }
    md.push_str(
        "Makespan: median over repetitions; median CI: distribution-free interval of the median \
         between two order statistics of the runs (the narrowest whose coverage reaches 95%, \
         else min–max), with the coverage it really has in brackets (93.8% for 5 runs, 75.0% \
         for 3); speedup: median over rounds of serial ÷ makespan with serial from the same \
         round, under the same placement where serial ran under it (median serial ÷ median \
         makespan where no round pairs), `py-*` against `py-serial`; a gap \"within noise\": \
         the interval of the median per-round ratio of the two strategies includes 1; \
         lb_ratio: median of makespan ÷ lower bound (1.00 = perfect balance), the bound \
         max(median serial Σ task time ÷ usable CPUs, median serial longest task) built once \
         per workload and placement from every serial round (no longest-task term where \
         latency recording was off); the brackets after speedup and lb_ratio hold \
         order-statistic intervals of those medians, at the makespan interval's coverage \
         unless stated (lb_ratio's holds the bound fixed); a 1-worker cell whose lb_ratio \
         interval lies wholly below 1 is a failed null check; imbalance % (cov): medians over runs \
         of LB4OMP's percent imbalance, (max − mean) ÷ max × p ÷ (p − 1) × 100 over the \
         workers' finishing times, and of the coefficient of variation of per-worker busy \
         time (both need latency recording; – otherwise); steals: median per run; pooled p50/p99 \
         response: percentiles of the response-time histogram pooled over every repetition of \
         the cell (median-run: the median over runs of each run's percentile, where no pooled \
         file exists). Response runs from the batch's start to the task's end, so its tail \
         restates when the late tasks finish, not how long any task waited or ran.\n\n",
    );
    let sweeps = find_sweeps(cells);
    let swept: Vec<&str> = sweeps
        .iter()
        .flat_map(|s| s.workloads.iter().map(String::as_str))
        .collect();
    let mut workloads: Vec<&str> = Vec::new();
    for c in cells {
        if !workloads.contains(&c.key.workload.as_str())
            && !swept.contains(&c.key.workload.as_str())
        {
            workloads.push(&c.key.workload);
        }
    }
    let page = Page {
        dirs,
        cells,
        machine_labels,
        multi,
    };
    for w in &workloads {
        let rows: Vec<&CellSummary> = cells.iter().filter(|c| c.key.workload == *w).collect();
        md.push_str(&page.workload_section(w, &rows));
    }
    md.push_str(&null_check_section(cells, machine_labels, multi));
    md.push_str(&models_section(&model_checks(dirs), machine_labels, multi));
    if !sweeps.is_empty() {
        md.push_str(&page.crossover_section(&sweeps));
    }
    md.push_str(&figures_section(figures));
    let missing: Vec<String> = dirs
        .iter()
        .filter(|d| !d.missing.is_empty())
        .map(|d| format!("`{}` has no {}", d.path.display(), d.missing.join(", ")))
        .collect();
    if !missing.is_empty() {
        writeln!(md, "Not in the results: {}.\n", missing.join("; ")).ok();
    }
    md
}

/// What every section of the report needs to know about the folders.
struct Page<'a> {
    dirs: &'a [ResultsDir],
    /// Every cell's summary (the crossover intervals look across cells).
    cells: &'a [CellSummary],
    machine_labels: &'a [String],
    /// Several folders (machines) are compared.
    multi: bool,
}

/// The columns a workload's table shows beyond the fixed ones.
struct Varying {
    placement: bool,
    timing: bool,
}

impl Page<'_> {
    /// A workload's heading, table, sentences and checksum warning.
    fn workload_section(&self, w: &str, rows: &[&CellSummary]) -> String {
        let vary = Varying {
            placement: rows
                .iter()
                .any(|c| c.key.placement != rows[0].key.placement),
            timing: {
                // Serial has no pool: only parallel cells can differ in what was timed.
                let mut timings: Vec<Option<bool>> = rows
                    .iter()
                    .filter(|c| !is_serial(&c.key.strategy))
                    .map(|c| c.pool_in_timing)
                    .collect();
                timings.dedup();
                timings.len() > 1
            },
        };
        let mut md = String::new();
        writeln!(md, "## Workload `{w}`\n").ok();
        if let Some(size) = rows.iter().find_map(|c| c.size) {
            writeln!(md, "{size} tasks.\n").ok();
        }
        md.push_str(&self.workload_table(rows, &vary));
        md.push('\n');
        md.push_str(&self.workload_sentences(w, rows));
        let bad: usize = rows.iter().map(|c| c.checksum_failures).sum();
        if bad > 0 {
            writeln!(
                md,
                "**Warning:** {bad} run(s) of `{w}` reported a checksum mismatch against serial and are left out of every number above.\n"
            )
            .ok();
        }
        md
    }

    /// A workload's table: one line per cell.
    fn workload_table(&self, rows: &[&CellSummary], vary: &Varying) -> String {
        let mut head = vec!["strategy", "workers"];
        if vary.placement {
            head.push("placement");
        }
        if vary.timing {
            head.push("pool creation timed");
        }
        if self.multi {
            head.push("machine");
        }
        head.extend(["runs", "median makespan", "median CI (coverage)"]);
        let (p50, p99) = (response_head(rows, "p50"), response_head(rows, "p99"));
        head.extend([
            "speedup (CI)",
            "lb_ratio (CI)",
            "imbalance % (cov)",
            "steals",
            p50.as_str(),
            p99.as_str(),
        ]);
        let mut md = String::new();
        writeln!(md, "| {} |", head.join(" | ")).ok();
        let align: Vec<&str> = head
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { "---:" })
            .collect();
        writeln!(md, "| {} |", align.join(" | ")).ok();
        for c in rows {
            writeln!(md, "| {} |", self.cell_columns(c, vary).join(" | ")).ok();
        }
        md
    }

    /// One cell's line of a workload's table.
    fn cell_columns(&self, c: &CellSummary, vary: &Varying) -> Vec<String> {
        let mut cols = vec![c.key.strategy.to_string(), c.key.workers.to_string()];
        if vary.placement {
            cols.push(c.key.placement.clone());
        }
        if vary.timing {
            cols.push(match c.pool_in_timing {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "–".into(),
            });
        }
        if self.multi {
            cols.push(self.machine_labels[c.key.machine].clone());
        }
        let u = unit_for(c.median_ns);
        let mut runs = c.makespans.len().to_string();
        if c.checksum_failures > 0 {
            write!(runs, " (+{} bad checksum)", c.checksum_failures).ok();
        }
        let level = c.ci_ns.coverage;
        let star = if c.pooled_response { "" } else { "*" };
        let response = |x: Option<f64>| opt(x, |v| format!("{}{star}", fmt_duration(v)));
        cols.extend([
            runs,
            fmt_duration(c.median_ns),
            interval_cell(&c.ci_ns, u.ns, u.name),
            with_interval(c.speedup, c.speedup_ci.as_ref(), level, "×"),
            with_interval(c.lb_ratio, c.lb_ratio_ci.as_ref(), level, ""),
            imbalance_cell(c.percent_imbalance, c.cov),
            opt(c.steals, |x| format!("{x:.0}")),
            response(c.p50_response_ns),
            response(c.p99_response_ns),
        ]);
        cols
    }

    /// The sentences under a workload's table, per machine.
    fn workload_sentences(&self, w: &str, rows: &[&CellSummary]) -> String {
        let mut md = String::new();
        for m in 0..self.dirs.len() {
            let mine: Vec<&CellSummary> = rows
                .iter()
                .copied()
                .filter(|c| c.key.machine == m)
                .collect();
            let label = self.multi.then(|| {
                format!(
                    "{} ({})",
                    self.machine_labels[m],
                    machine_name(&self.dirs[m])
                )
            });
            let sentences = [
                best_sentence(w, &mine, label.as_deref()),
                placement_sentence(&mine),
                python_vs_rust(&mine),
                null_check_sentence(&mine),
                lent_serial_sentence(&mine),
            ];
            for s in sentences.into_iter().flatten() {
                writeln!(md, "{s}\n").ok();
            }
        }
        md
    }

    /// The crossover table and one median table per sweep.
    fn crossover_section(&self, sweeps: &[Sweep]) -> String {
        let mut md = String::from("## Crossover: where parallel beats serial for good\n\n");
        md.push_str(
            "The crossover is read from the medians per size: the bracket is the last size \
             where serial wins and the first from which parallel wins for good, and the \
             estimate interpolates linearly between them. Per-round crossovers: the crossover \
             of each round's runs alone; the range is the distribution-free order-statistic \
             interval of their median, with its coverage. Round bootstrap: whole rounds \
             resampled with replacement (every size and strategy of a round together), the \
             crossover of the medians found again in each resample, and the 2.5th–97.5th \
             percentiles of those crossovers; its 95% is nominal (approximate, and rough \
             with 5 rounds, where it comes close to the per-round range). A bracket wider \
             than the intervals asks for more sizes near the crossing. Round bootstrap: ",
        );
        md.push_str(&bootstrap_legend());
        md.push_str(".\n\n");
        md.push_str("| sweep | pool creation timed | strategy | workers | crossover |\n|---|---|---|---:|---|\n");
        for s in sweeps {
            for line in &s.lines {
                let timed = match s.pool_in_timing {
                    Some(true) => "yes",
                    Some(false) => "no (warm pool)",
                    None => "unknown",
                };
                let family = if self.multi {
                    format!("{} [{}]", s.family, self.machine_labels[s.machine])
                } else {
                    s.family.clone()
                };
                let ci = sweep_crossover_interval(self.cells, s, line);
                let rounds = sweep_rounds(self.cells, s, line);
                let boot = crossover_bootstrap(&rounds, BOOTSTRAP_B, BOOTSTRAP_SEED);
                let (lo, hi) = (s.sizes[0], s.sizes[s.sizes.len() - 1]);
                writeln!(
                    md,
                    "| `{family}` | {timed} | {} | {} | {}{}{} |",
                    line.strategy,
                    line.workers,
                    crossover_text(&line.crossover, s),
                    crossover_clause(ci.as_ref(), lo, hi),
                    bootstrap_clause(boot.as_ref(), lo, hi)
                )
                .ok();
            }
        }
        md.push('\n');
        for s in sweeps {
            md.push_str(&sweep_table(s, self.machine_labels, self.multi));
        }
        md
    }
}

/// The list of figures, and why any was skipped.
fn figures_section(figures: &[Outcome]) -> String {
    let mut md = String::from("## Figures\n\n");
    for f in figures {
        for (file, caption) in &f.files {
            writeln!(md, "- [{file}]({file}) — {caption}").ok();
        }
        if let Some(why) = &f.skipped {
            writeln!(md, "- {} figure skipped: {why}", f.figure).ok();
        }
    }
    md.push('\n');
    md
}

/// The imbalance column: `12.3 (0.045)`, either part `–` where not measured.
fn imbalance_cell(percent: Option<f64>, cov: Option<f64>) -> String {
    if percent.is_none() && cov.is_none() {
        return "–".into();
    }
    let p = percent.map_or("–".into(), |x| format!("{x:.1}"));
    let c = cov.map_or("–".into(), |x| format!("{x:.3}"));
    format!("{p} ({c})")
}

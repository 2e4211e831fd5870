//! `report.md`: the experiment and machine in two lines, a table per workload,
//! one sentence per workload naming the best strategy, the crossover points,
//! and the list of figures (or why one was skipped).

use super::figures::crossover::{find_sweeps, Sweep};
use super::figures::Outcome;
use super::intervals::{crossover_clause, interval_cell, noise_clause, sweep_crossover_interval};
use super::load::ResultsDir;
use super::stats::Crossover;
use super::summary::{is_serial, CellSummary};
use super::units::{fmt_duration, sig3, unit_for};
use serde_json::Value;
use std::fmt::Write;

/// Finds the first value under any of `keys`, searching `meta` depth-first.
fn find<'a>(meta: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    match meta {
        Value::Object(map) => {
            for k in keys {
                if let Some(v) = map.get(*k) {
                    if !v.is_null() {
                        return Some(v);
                    }
                }
            }
            map.values().find_map(|v| find(v, keys))
        }
        Value::Array(items) => items.iter().find_map(|v| find(v, keys)),
        _ => None,
    }
}

/// A meta value as short text: strings as they are, lists joined, objects as compact JSON.
fn show(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(show).collect::<Vec<_>>().join(" ")
        }
        // A list of command lines (each a list of words).
        Value::Array(items) if items.iter().all(Value::is_array) => {
            items.iter().map(show).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    };
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// The placement maps (`{"spread": {"1": [0], "2": [0, 1]}}`) as
/// `spread: 1 → [0], 2 → [0 1]`; any other shape as [`show`] writes it.
fn show_placements(v: &Value) -> String {
    let Value::Object(by_name) = v else {
        return show(v);
    };
    let mut parts = Vec::new();
    for (name, per) in by_name {
        match per {
            Value::Object(by_workers) => {
                let mut counts: Vec<(&String, &Value)> = by_workers.iter().collect();
                counts.sort_by_key(|(k, _)| k.parse::<usize>().unwrap_or(usize::MAX));
                let maps: Vec<String> = counts
                    .iter()
                    .map(|(k, cpus)| format!("{k} → [{}]", show(cpus)))
                    .collect();
                parts.push(format!("{name}: {}", maps.join(", ")));
            }
            other => parts.push(format!("{name}: {}", show(other))),
        }
    }
    parts.join("; ")
}

fn meta_text(meta: Option<&Value>, keys: &[&str]) -> Option<String> {
    meta.and_then(|m| find(m, keys)).map(show)
}

/// The experiment's name from `meta.json` (config.name first), else the folder name.
fn experiment_name(dir: &ResultsDir) -> String {
    let from_meta = dir.meta.as_ref().and_then(|m| {
        m.get("config")
            .and_then(|c| c.get("name"))
            .or_else(|| m.get("name"))
            .or_else(|| m.get("experiment"))
            .map(show)
    });
    from_meta.unwrap_or_else(|| {
        dir.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.path.display().to_string())
    })
}

/// `CPU model on host`, from `meta.json`, for labelling a machine.
pub fn machine_name(dir: &ResultsDir) -> String {
    let m = dir.meta.as_ref();
    let cpu = meta_text(m, &["cpu_model", "cpu", "model_name"]);
    let host = meta_text(m, &["host", "hostname"]);
    match (cpu, host) {
        (Some(c), Some(h)) => format!("{c} on {h}"),
        (Some(c), None) => c,
        (None, Some(h)) => h,
        (None, None) => "unknown machine (no cpu model in meta.json)".into(),
    }
}

/// The two header lines for one folder.
fn header_lines(dir: &ResultsDir) -> String {
    let m = dir.meta.as_ref();
    let Some(meta) = m else {
        return format!(
            "**Experiment** `{}` — no meta.json in {}: machine, build and placement unknown.\n",
            experiment_name(dir),
            dir.path.display()
        );
    };
    let mut first = vec![format!("**Experiment** `{}`", experiment_name(dir))];
    let config = meta.get("config").unwrap_or(meta);
    if let Some(r) = config.get("repetitions") {
        let warm = config
            .get("warmup")
            .map(|w| format!(" + {} warm-up", show(w)))
            .unwrap_or_default();
        first.push(format!("{} repetitions{warm}", show(r)));
    }
    let fields: [(&str, &[&str]); 6] = [
        ("status", &["status"]),
        ("started", &["start", "started", "start_time"]),
        ("ended", &["end", "ended", "end_time"]),
        ("git", &["git_commit", "commit"]),
        ("rustc", &["rustc", "rustc_version"]),
        ("profile", &["profile", "build_profile"]),
    ];
    for (label, keys) in fields {
        if let Some(v) = meta_text(m, keys) {
            if v.starts_with(label) {
                first.push(v);
            } else {
                first.push(format!("{label} {v}"));
            }
        }
    }
    if let Some(d) = m.and_then(|m| find(m, &["git_dirty", "dirty"])) {
        if d.as_bool() == Some(true) {
            first.push("uncommitted changes".into());
        }
    }
    if let Some(c) = meta_text(m, &["command_line", "command_lines", "command", "argv"]) {
        first.push(format!("`{c}`"));
    }
    let mut second = vec![format!("**Machine** {}", machine_name(dir))];
    let fields: [(&str, &[&str]); 4] = [
        ("kernel", &["kernel"]),
        ("SMT", &["smt"]),
        ("governor", &["governor"]),
        ("boost", &["boost"]),
    ];
    for (label, keys) in fields {
        if let Some(v) = meta_text(m, keys) {
            second.push(format!("{label} {v}"));
        }
    }
    // The runner keeps the worker → CPU maps under machine.placements (config.placements
    // only names them), so look there first.
    let placement = m
        .and_then(|m| m.get("machine").and_then(|mm| mm.get("placements")))
        .or_else(|| {
            m.and_then(|m| {
                find(
                    m,
                    &["placement_map", "placements", "placement", "worker_cpus"],
                )
            })
        })
        .map(show_placements)
        .unwrap_or_else(|| "unknown".into());
    second.push(format!("**placement** (workers → CPUs) {placement}"));
    format!("{}.  \n{}.\n", first.join(" · "), second.join(" · "))
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| "–".into())
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
            format!("faster from size {size} on (slower at {below}; interpolated ≈{estimate:.0})")
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
         for 3); speedup: median over repetitions of serial ÷ makespan \
         with serial from the same round (runs.csv `speedup`; median serial ÷ median makespan \
         where that column is empty; its interval, in the text, is the same interval on those \
         per-round ratios), `py-*` against `py-serial`; a gap \"within noise\": the interval of the \
         median per-round ratio of the two strategies includes 1; lb_ratio: median of makespan ÷ lower bound \
         (1.00 = perfect balance); steals: median per run; p50/p99: response latency \
         (batch start → task end) over all repetitions.\n\n",
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
    for w in &workloads {
        let rows: Vec<&CellSummary> = cells.iter().filter(|c| c.key.workload == *w).collect();
        let vary_placement = rows
            .iter()
            .any(|c| c.key.placement != rows[0].key.placement);
        // Serial has no pool: only parallel cells can differ in what was timed.
        let mut timings: Vec<Option<bool>> = rows
            .iter()
            .filter(|c| !is_serial(&c.key.strategy))
            .map(|c| c.pool_in_timing)
            .collect();
        timings.dedup();
        let vary_timing = timings.len() > 1;
        writeln!(md, "## Workload `{w}`\n").ok();
        if let Some(size) = rows.iter().find_map(|c| c.size) {
            writeln!(md, "{size} tasks.\n").ok();
        }
        let mut head = vec!["strategy", "workers"];
        if vary_placement {
            head.push("placement");
        }
        if vary_timing {
            head.push("pool creation timed");
        }
        if multi {
            head.push("machine");
        }
        head.extend([
            "runs",
            "median makespan",
            "median CI (coverage)",
            "speedup",
            "lb_ratio",
            "steals",
            "p50 response",
            "p99 response",
        ]);
        writeln!(md, "| {} |", head.join(" | ")).ok();
        let align: Vec<&str> = head
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { "---:" })
            .collect();
        writeln!(md, "| {} |", align.join(" | ")).ok();
        for c in &rows {
            let mut cols = vec![format!("{}", c.key.strategy), c.key.workers.to_string()];
            if vary_placement {
                cols.push(c.key.placement.clone());
            }
            if vary_timing {
                cols.push(match c.pool_in_timing {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "–".into(),
                });
            }
            if multi {
                cols.push(machine_labels[c.key.machine].clone());
            }
            let u = unit_for(c.median_ns);
            let mut runs = c.makespans.len().to_string();
            if c.checksum_failures > 0 {
                write!(runs, " (+{} bad checksum)", c.checksum_failures).ok();
            }
            cols.extend([
                runs,
                fmt_duration(c.median_ns),
                interval_cell(&c.ci_ns, u.ns, u.name),
                opt(c.speedup, |x| format!("{x:.2}×")),
                opt(c.lb_ratio, |x| format!("{x:.2}")),
                opt(c.steals, |x| format!("{x:.0}")),
                opt(c.p50_response_ns, fmt_duration),
                opt(c.p99_response_ns, fmt_duration),
            ]);
            writeln!(md, "| {} |", cols.join(" | ")).ok();
        }
        md.push('\n');
        for (m, _) in dirs.iter().enumerate() {
            let mine: Vec<&CellSummary> = rows
                .iter()
                .copied()
                .filter(|c| c.key.machine == m)
                .collect();
            let label =
                multi.then(|| format!("{} ({})", machine_labels[m], machine_name(&dirs[m])));
            if let Some(s) = best_sentence(w, &mine, label.as_deref()) {
                writeln!(md, "{s}\n").ok();
            }
            if let Some(s) = placement_sentence(&mine) {
                writeln!(md, "{s}\n").ok();
            }
            if let Some(s) = python_vs_rust(&mine) {
                writeln!(md, "{s}\n").ok();
            }
        }
        let bad: usize = rows.iter().map(|c| c.checksum_failures).sum();
        if bad > 0 {
            writeln!(
                md,
                "**Warning:** {bad} run(s) of `{w}` reported a checksum mismatch against serial and are left out of every number above.\n"
            )
            .ok();
        }
    }

    if !sweeps.is_empty() {
        md.push_str("## Crossover: where parallel beats serial for good\n\n");
        md.push_str("Per-round crossovers: the crossover of each round's runs alone; the range is the order-statistic interval of their median, with its coverage.\n\n");
        md.push_str("| sweep | pool creation timed | strategy | workers | crossover |\n|---|---|---|---:|---|\n");
        for s in &sweeps {
            for line in &s.lines {
                let timed = match s.pool_in_timing {
                    Some(true) => "yes",
                    Some(false) => "no (warm pool)",
                    None => "unknown",
                };
                let family = if multi {
                    format!("{} [{}]", s.family, machine_labels[s.machine])
                } else {
                    s.family.clone()
                };
                let ci = sweep_crossover_interval(cells, s, line);
                let (lo, hi) = (s.sizes[0], s.sizes[s.sizes.len() - 1]);
                writeln!(
                    md,
                    "| `{family}` | {timed} | {} | {} | {}{} |",
                    line.strategy,
                    line.workers,
                    crossover_text(&line.crossover, s),
                    crossover_clause(ci.as_ref(), lo, hi)
                )
                .ok();
            }
        }
        md.push('\n');
        for s in &sweeps {
            md.push_str(&sweep_table(s, machine_labels, multi));
        }
    }

    md.push_str("## Figures\n\n");
    for f in figures {
        for (file, caption) in &f.files {
            writeln!(md, "- [{file}]({file}) — {caption}").ok();
        }
        if let Some(why) = &f.skipped {
            writeln!(md, "- {} figure skipped: {why}", f.figure).ok();
        }
    }
    md.push('\n');

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

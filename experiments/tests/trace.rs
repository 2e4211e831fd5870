//! Per-task traces (`trace = true`, `--trace`): the files a traced sweep writes, read as a
//! trace viewer reads them (plain JSON), checked against `runs.csv`; a kill never leaves
//! a torn trace; the report draws one Gantt figure per traced cell.

mod common;

use common::{text, wsbench};

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wsbench_schema::trace::TraceFile;
use wsbench_schema::{file_stem, read_rows, Layout, RunRow};

const TASKS: usize = 400;

fn config(strategies: &str, repetitions: usize) -> String {
    format!(
        r#"
name = "traced"
repetitions = {repetitions}
warmup = 0
workers = [2]
placements = ["none"]
strategies = [{strategies}]
trace = true

[[workload]]
name = "uneven"
kind = "factorize"
count = {TASKS}
order = "heavy-last"
"#
    )
}

/// Every run of the folder, by cell stem: (repetition, makespan, steals).
fn runs_by_cell(dir: &Path) -> BTreeMap<String, Vec<(usize, u64, Option<u64>)>> {
    let rows: Vec<RunRow> = read_rows(&Layout::new(dir).runs()).unwrap();
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for r in rows {
        let stem = file_stem(&r.workload, &r.strategy, r.workers, &r.placement);
        out.entry(stem)
            .or_default()
            .push((r.repetition, r.makespan_ns, r.steals));
    }
    out
}

/// One cell's file, as JSON: the median repetition alone, one complete event per task
/// inside the run, named threads, and as many steals as the pool counted.
fn check_cell(path: &Path, runs: &[(usize, u64, Option<u64>)], workers: u64) {
    let what = path.display().to_string();
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(json["displayTimeUnit"], "ns", "{what}");
    let reps = json["metadata"]["repetitions"].as_array().unwrap();
    assert_eq!(reps.len(), 1, "{what}: the median repetition only");
    let rep = reps[0]["repetition"].as_u64().unwrap() as usize;
    assert_eq!(reps[0]["median"], true, "{what}");
    let mut by_makespan: Vec<(u64, usize)> = runs.iter().map(|r| (r.1, r.0)).collect();
    by_makespan.sort();
    assert_eq!(
        by_makespan[(by_makespan.len() - 1) / 2].1,
        rep,
        "{what}: not the median"
    );
    let (_, makespan, steals) = *runs.iter().find(|r| r.0 == rep).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    let pid = rep as u64 + 1;
    assert!(
        events.iter().all(|e| e["pid"] == pid),
        "{what}: another pid"
    );
    let allowed = topology::affinity::allowed_cpus().unwrap_or_default();
    let mut indices = BTreeSet::new();
    let tasks: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    for e in &tasks {
        let (start, end) = (e["args"]["start_ns"].as_u64(), e["args"]["end_ns"].as_u64());
        let (start, end) = (start.unwrap(), end.unwrap());
        assert!(
            start <= end && end <= makespan,
            "{what}: {e} outside 0..{makespan}"
        );
        let ts = e["ts"].as_f64().unwrap();
        assert!(
            (ts * 1e3 - start as f64).abs() < 1.0,
            "{what}: ts {ts} µs vs {start} ns"
        );
        assert!(e["dur"].as_f64().unwrap() >= 0.0 && e["tid"].as_u64().unwrap() < workers);
        let cpu = e["args"]["cpu"]
            .as_u64()
            .expect("sched_getcpu works on Linux") as usize;
        assert!(
            allowed.is_empty() || allowed.contains(&cpu),
            "{what}: cpu {cpu}"
        );
        assert!(
            indices.insert(e["args"]["index"].as_u64().unwrap()),
            "{what}: twice: {e}"
        );
    }
    assert_eq!(indices.len(), TASKS, "{what}: one complete event per task");
    assert_eq!(indices.last(), Some(&(TASKS as u64 - 1)), "{what}");
    let named: BTreeSet<u64> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| e["tid"].as_u64().unwrap())
        .collect();
    assert_eq!(named, (0..workers).collect(), "{what}: thread names");
    assert!(events.iter().any(|e| e["name"] == "process_name"), "{what}");
    let traced_steals = events.iter().filter(|e| e["ph"] == "i").count() as u64;
    assert_eq!(
        traced_steals,
        steals.unwrap_or(0),
        "{what}: steals vs runs.csv"
    );
}

#[test]
fn a_traced_sweep_writes_one_valid_trace_per_cell_and_the_report_draws_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("t.toml");
    let strategies = r#""static", "dynamic:1", "work-stealing:1", "adaptive", "rayon", "chili""#;
    std::fs::write(&cfg, config(strategies, 3)).unwrap();
    let dir = tmp.path().join("out");
    let o = wsbench(&["run", cfg.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let cells = runs_by_cell(&dir);
    assert_eq!(cells.len(), 7, "{cells:?}");
    for (stem, runs) in &cells {
        let workers = if stem.contains("__serial__") { 1 } else { 2 };
        check_cell(&Layout::new(&dir).trace(stem), runs, workers);
    }
    let report = tmp.path().join("report");
    let o = wsbench(&[
        "report",
        dir.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    for stem in cells.keys() {
        let svg = format!("gantt-{stem}.svg");
        let drawn = std::fs::read_to_string(report.join(&svg)).unwrap();
        assert!(drawn.contains("task duration"), "{svg}: no colour legend");
        assert!(
            md.contains(&format!("]({svg})")),
            "report.md does not link {svg}"
        );
    }
}

#[test]
fn trace_with_latency_off_in_the_same_table_is_refused_and_the_option_traces_all() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("t.toml");
    std::fs::write(
        &cfg,
        config("\"static\"", 1).replace("order =", "latency = false\norder ="),
    )
    .unwrap();
    let dir = tmp.path().join("out");
    let o = wsbench(&["run", cfg.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("key `workload.latency`") && text(&o).contains("trace"),
        "{}",
        text(&o)
    );
    assert!(!dir.exists());
    let untraced = config("\"static\"", 1).replace("trace = true\n", "latency = false\n");
    std::fs::write(&cfg, untraced).unwrap();
    let o = wsbench(&["run", cfg.to_str().unwrap(), "--trace", "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    let printed = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(printed.matches("trace = true").count(), 2, "{printed}");
    // The experiment's default stays; the workload, traced, records.
    let workload = printed.split("[[workload]]").nth(1).unwrap();
    assert!(workload.contains("latency = true"), "{printed}");
}

/// Every trace file a (killed) folder holds reads whole.
fn traces_read(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(Layout::new(dir).traces_dir()) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue; // a temporary file the kill left: never read as a trace
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        let file: Result<TraceFile, _> = serde_json::from_str(&text);
        assert!(file.is_ok(), "{name}: torn trace: {:?}", file.err());
        n += 1;
    }
    n
}

#[test]
fn a_kill_never_leaves_a_torn_trace_and_resume_completes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("t.toml");
    std::fs::write(&cfg, config(r#""work-stealing:1", "adaptive""#, 3)).unwrap();
    let dir = tmp.path().join("out");
    let started = Instant::now();
    let reference = tmp.path().join("whole");
    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--out",
        reference.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let whole = started.elapsed();
    for k in 1..=4u32 {
        let args: Vec<String> = if dir.join("meta.json").exists() {
            vec!["run".into(), "--resume".into(), dir.display().to_string()]
        } else {
            let (c, d) = (cfg.display().to_string(), dir.display().to_string());
            vec!["run".into(), c, "--out".into(), d]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_wsbench"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(f64::from(k) / 6.0) + Duration::from_millis(20));
        let _ = child.kill(); // SIGKILL, if still running
        child.wait().unwrap();
        traces_read(&dir);
    }
    let o = wsbench(&["run", "--resume", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(traces_read(&dir), 3);
    for (stem, runs) in &runs_by_cell(&dir) {
        let workers = if stem.contains("__serial__") { 1 } else { 2 };
        check_cell(&Layout::new(&dir).trace(stem), runs, workers);
    }
}

#[test]
fn merged_shards_keep_every_cells_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("t.toml");
    std::fs::write(&cfg, config(r#""static", "adaptive""#, 2)).unwrap();
    let mut args = vec!["merge".to_string()];
    for i in 0..2 {
        let d = tmp.path().join(format!("shard{i}")).display().to_string();
        let shard = format!("{i}/2");
        let o = wsbench(&["run", cfg.to_str().unwrap(), "--shard", &shard, "--out", &d]);
        assert!(o.status.success(), "{}", text(&o));
        args.push(d);
    }
    let merged = tmp.path().join("merged");
    args.extend(["--out".to_string(), merged.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = wsbench(&args);
    assert!(o.status.success(), "{}", text(&o));
    let cells = runs_by_cell(&merged);
    assert_eq!(cells.len(), 3, "{cells:?}");
    assert_eq!(traces_read(&merged), 3);
    for (stem, runs) in &cells {
        let workers = if stem.contains("__serial__") { 1 } else { 2 };
        check_cell(&Layout::new(&merged).trace(stem), runs, workers);
    }
}

//! `wsbench simulate` and `--validate`, end to end, with a calibration file written
//! here (round figures, so nothing depends on this machine's speed); `wsbench
//! calibrate` itself takes half a minute and is not run here.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{text, wsbench};
use wsbench_schema::{read_rows, LatencyRow, Layout, RunRow, Source, WorkerRow};
use wsbench_simulator::Calibration;

fn calibration(dir: &Path) -> String {
    let mut cal = Calibration::example();
    cal.ns_per_unit = BTreeMap::from(
        [
            ("factorize-naive", 8.0),
            ("factorize-fast", 6.0),
            ("factorial", 2.0),
            ("synthetic", 1.0),
            ("sleep", 1.0),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    let path = dir.join("cal.json");
    std::fs::write(&path, serde_json::to_string(&cal).unwrap()).unwrap();
    path.display().to_string()
}

const CONFIG: &str = r#"
name = "sim"
repetitions = 2
warmup = 0
workers = [1, 2]
strategies = ["serial", "static", "adaptive", "fac2", "rayon"]

[[workload]]
name = "fact"
kind = "factorial"
n = 300

[[workload]]
name = "naps"
kind = "synthetic"
distribution = "uniform:min=10us,max=100us"
count = 200
sleep = true
"#;

#[test]
fn simulate_writes_a_results_folder_of_simulated_rows_that_report_reads() {
    let dir = tempfile::tempdir().unwrap();
    let cal = calibration(dir.path());
    let config = dir.path().join("sim.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = dir.path().join("out");
    let o = wsbench(&[
        "simulate",
        config.to_str().unwrap(),
        "--generate",
        "2x32x2",
        "--workers",
        "1,64,256",
        "--calibration",
        &cal,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let rows: Vec<RunRow> = read_rows(&Layout::new(&out).runs()).unwrap();
    // 2 workloads × (serial + 4 strategies × 3 worker counts) × 2 repetitions.
    assert_eq!(rows.len(), 2 * (1 + 4 * 3) * 2);
    assert!(rows.iter().all(|r| r.source == Source::Simulated));
    assert!(rows.iter().all(|r| r.tasks == r.size.map(|s| s as u64)));
    // The whole folder reads as a committed results folder does.
    let files = Layout::new(&out);
    let workers: Vec<WorkerRow> = read_rows(&files.workers()).unwrap();
    assert_eq!(workers.len(), 2 * 4 * (1 + 64 + 256) * 2);
    read_rows::<LatencyRow>(&files.latency()).unwrap();
    read_rows::<LatencyRow>(&files.latency_cells()).unwrap();
    let meta = wsbench::run::meta::Meta::read(&out).unwrap();
    assert!(!meta.machine.placements.is_empty());
    let loaded = wsbench_report::load::ResultsDir::load(&out, 0).unwrap();
    assert_eq!(loaded.runs.len(), rows.len());
    let report = wsbench(&["report", out.to_str().unwrap()]);
    assert!(report.status.success(), "{}", text(&report));
    // Deterministic: the same command gives the same rows.
    let again = dir.path().join("again");
    let o = wsbench(&[
        "simulate",
        config.to_str().unwrap(),
        "--generate",
        "2x32x2",
        "--workers",
        "1,64,256",
        "--calibration",
        &cal,
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let rows2: Vec<RunRow> = read_rows(&Layout::new(&again).runs()).unwrap();
    assert_eq!(rows, rows2);
}

#[test]
fn validate_compares_every_cell_of_a_measured_folder() {
    let measured = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results/reference/default");
    let dir = tempfile::tempdir().unwrap();
    let cal = calibration(dir.path());
    let out = dir.path().join("val");
    let o = wsbench(&[
        "simulate",
        "--validate",
        measured.to_str().unwrap(),
        "--calibration",
        &cal,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(out.join("validation.md")).unwrap();
    assert!(md.contains("median absolute error"), "{md}");
    // Both summaries: all cells, and the cells the model is held to.
    assert!(
        md.contains("**All: ") && md.contains("excluded cells: "),
        "{md}"
    );
    // The diagnostic at each cell's measured task speed, a third summary.
    assert!(md.contains("error at that speed %"), "{md}");
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    assert!(
        csv.lines().next().unwrap().ends_with(
            ",excluded,task_time_ratio,speed_error_percent,\
measured_low_ns,measured_high_ns,interval_level,outside_interval_percent"
        ),
        "{csv}"
    );
    // The fourth summary: the simulated median against the measured median's interval.
    assert!(
        md.contains("held-to cells have the simulated median inside"),
        "{md}"
    );
    // Every parallel cell of this CPU-bound folder has its speed and the error at it:
    // (simulated × ratio − measured) / measured; serial cells have neither.
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (measured, simulated): (f64, f64) = (f[4].parse().unwrap(), f[5].parse().unwrap());
        if f[1] == "serial" {
            assert_eq!((f[8], f[9]), ("", ""), "{line}");
            continue;
        }
        let ratio: f64 = f[8].parse().unwrap();
        assert!((0.5..2.0).contains(&ratio), "{line}");
        let at_speed: f64 = f[9].parse().unwrap();
        let expected = (simulated * ratio - measured) / measured * 100.0;
        assert!((at_speed - expected).abs() < 1e-6, "{line}");
        // The interval holds the median; the distance outside it is 0 inside, else
        // the gap to the nearer end over the measured median.
        let (low, high): (f64, f64) = (f[10].parse().unwrap(), f[11].parse().unwrap());
        assert!(low <= measured && measured <= high, "{line}");
        // The default folder has 5 repetitions per cell: min–max, 1 − 2/2⁵.
        assert_eq!(f[12], "0.9375", "{line}");
        let outside: f64 = f[13].parse().unwrap();
        let gap = if simulated > high {
            simulated - high
        } else if simulated < low {
            simulated - low
        } else {
            0.0
        };
        assert!((outside - gap / measured * 100.0).abs() < 1e-3, "{line}");
    }
    // The folder names the simulator's build, as a measured folder names the runner's.
    let meta = std::fs::read_to_string(out.join("meta.json")).unwrap();
    assert!(
        meta.contains("\"commit\"") && meta.contains("\"rustc\""),
        "{meta}"
    );
    // Every measured cell is there (2 workloads × 10 strategies × workers 1, 2, but serial once).
    assert_eq!(csv.lines().count() - 1, 2 * (1 + 9 * 2), "{csv}");
}

#[test]
fn bad_input_is_one_message_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let cases: [(&[&str], &str); 2] = [
        (
            &["--generate", "2x0x2", "--calibration", "x"],
            "PACKAGES×CORES×THREADS",
        ),
        (
            &["--calibration", "/nonexistent/cal.json"],
            "cannot read calibration file",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["simulate"];
        all.extend_from_slice(args);
        all.extend(["--out", out.to_str().unwrap()]);
        let o = wsbench(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(says), "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{}", text(&o));
        assert!(!out.exists(), "nothing written on bad input");
    }
}

/// `simulate --trace` on `config` at 2 and 4 workers; the output folder.
fn simulate_traced(dir: &Path, config: &str, name: &str) -> std::path::PathBuf {
    let cal = calibration(dir);
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, config).unwrap();
    let out = dir.join(name);
    let o = wsbench(&[
        "simulate",
        path.to_str().unwrap(),
        "--generate",
        "1x4x1",
        "--workers",
        "2,4",
        "--calibration",
        &cal,
        "--trace",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    out
}

#[test]
fn trace_writes_each_cells_median_run_in_the_run_command_s_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = simulate_traced(dir.path(), CONFIG, "traced");
    let files = Layout::new(&out);
    let rows: Vec<RunRow> = read_rows(&files.runs()).unwrap();
    let mut cells = 0;
    for r in rows
        .iter()
        .filter(|r| r.strategy != "serial" && r.repetition == 0)
    {
        cells += 1;
        let stem = wsbench_schema::file_stem(&r.workload, &r.strategy, r.workers, &r.placement);
        let trace = wsbench::run::trace::chrome::read(&files.trace(&stem)).unwrap();
        let [rep] = &trace.metadata.repetitions[..] else {
            panic!("{stem}: not one repetition");
        };
        assert!(rep.median, "{stem}");
        // The run the file holds is the one in runs.csv, every task in it once.
        let row = rows
            .iter()
            .find(|x| {
                (&x.workload, &x.strategy, x.workers, x.repetition)
                    == (&r.workload, &r.strategy, r.workers, rep.repetition)
            })
            .unwrap();
        assert_eq!(rep.makespan_ns, row.makespan_ns, "{stem}");
        let tasks: Vec<_> = trace.trace_events.iter().filter(|e| e.ph == "X").collect();
        assert_eq!(Some(tasks.len() as u64), row.tasks, "{stem}");
        let mut indices: Vec<u64> = tasks.iter().map(|e| e.args.index.unwrap()).collect();
        indices.sort_unstable();
        indices.dedup();
        assert_eq!(
            Some(indices.len() as u64),
            row.tasks,
            "{stem}: a task twice"
        );
        assert_eq!(rep.traced_until_ns, None, "{stem}");
    }
    assert_eq!(cells, 2 * 4 * 2);
    // Deterministic: the same command writes the same trace files.
    let again = simulate_traced(dir.path(), CONFIG, "again");
    for entry in std::fs::read_dir(files.traces_dir()).unwrap() {
        let name = entry.unwrap().file_name();
        let a = std::fs::read(files.traces_dir().join(&name)).unwrap();
        let b = std::fs::read(Layout::new(&again).traces_dir().join(&name)).unwrap();
        assert!(a == b, "{name:?} differs between two runs");
    }
    let report = wsbench(&["report", out.to_str().unwrap()]);
    assert!(report.status.success(), "{}", text(&report));
}

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
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",excluded"), "{csv}");
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

//! Every results folder committed under `results/` still loads with the schema types:
//! as `--resume` and `merge` read it (rows and `meta.json` with the full config) and as
//! the report reads it.

use std::path::{Path, PathBuf};

use wsbench::run::meta::Meta;
use wsbench_report::load::ResultsDir;
use wsbench_schema::{read_rows, LatencyRow, Layout, RunRow, WorkerRow};

/// Every folder under `results/` that holds a `runs.csv`.
fn results_folders() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        if dir.join("runs.csv").is_file() {
            out.push(dir.to_path_buf());
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../results"),
        &mut out,
    );
    out.sort();
    out
}

#[test]
fn every_committed_folder_loads() {
    let folders = results_folders();
    assert!(folders.len() >= 10, "found only {folders:?}");
    for dir in &folders {
        let files = Layout::new(dir);
        let runs = read_rows::<RunRow>(&files.runs()).unwrap();
        assert!(!runs.is_empty(), "{}", dir.display());
        read_rows::<LatencyRow>(&files.latency()).unwrap();
        read_rows::<LatencyRow>(&files.latency_cells()).unwrap();
        read_rows::<WorkerRow>(&files.workers()).unwrap();
        let meta = Meta::read(dir).unwrap();
        assert!(!meta.machine.placements.is_empty(), "{}", dir.display());
        let loaded = ResultsDir::load(dir, 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.runs.len(), runs.len());
    }
}

//! Sharded sweeps run by the scripts (Slurm job array, GNU parallel / xargs) against an
//! unsharded run of the same config: the tests of `scripts/slurm-array.sbatch` and
//! `scripts/parallel-shards.sh`. Included with `#[path]` by those two test files only.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{text, wsbench};

/// The repository root (the scripts are run from there, as the README says).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("experiments/ has a parent")
        .to_path_buf()
}

/// The built `wsbench`, for the scripts' `WSBENCH`.
pub fn wsbench_bin() -> &'static str {
    env!("CARGO_BIN_EXE_wsbench")
}

/// The shipped default experiment cut to a few cells (two workloads, serial and three
/// strategies at 1 and 2 workers: 14 cells), written to `dir/tiny-default.toml`; run it
/// with `--quick`.
pub fn tiny_default_config(dir: &Path) -> PathBuf {
    let shipped =
        std::fs::read_to_string(repo_root().join("experiments/configs/default.toml")).unwrap();
    let mut replaced = 0;
    let lines: Vec<String> = shipped
        .lines()
        .map(|l| {
            if l.starts_with("strategies = ") {
                replaced += 1;
                r#"strategies = ["serial", "static", "dynamic:16", "work-stealing:1"]"#.into()
            } else if l.starts_with("workers = ") {
                replaced += 1;
                "workers = [1, 2]".into()
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_eq!(
        replaced, 2,
        "default.toml no longer has one `strategies = ` and one `workers = ` line"
    );
    let path = dir.join("tiny-default.toml");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The number of cells of [`tiny_default_config`].
pub const TINY_CELLS: usize = 2 * (1 + 3 * 2);
/// Repetitions of a `--quick` run.
pub const QUICK_REPS: usize = 2;

/// Runs `config` unsharded with `--quick` into `out`.
pub fn run_unsharded(config: &Path, out: &Path) {
    let o = wsbench(&[
        "run",
        config.to_str().unwrap(),
        "--quick",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "unsharded run failed:\n{}", text(&o));
}

/// Runs `script` with bash from the repository root, standard error into standard
/// output (one transcript, in order).
pub fn run_script(script: &str, env: &[(&str, &str)]) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!("exec 2>&1; {script}"))
        .current_dir(repo_root())
        .envs(env.iter().copied())
        .output()
        .expect("runs bash")
}

/// A runs.csv as (workload|strategy|workers|placement|repetition) → (checksum, checksum_ok).
fn runs_by_key(dir: &Path) -> BTreeMap<String, (String, String)> {
    let mut r = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| {
        h.iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("runs.csv has no {name} column"))
    };
    let key_cols: Vec<usize> = ["workload", "strategy", "workers", "placement", "repetition"]
        .iter()
        .map(|c| col(c))
        .collect();
    let (sum, ok) = (col("checksum"), col("checksum_ok"));
    let mut rows = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let key = key_cols
            .iter()
            .map(|i| &rec[*i])
            .collect::<Vec<_>>()
            .join("|");
        let before = rows.insert(key.clone(), (rec[sum].to_string(), rec[ok].to_string()));
        assert!(before.is_none(), "{}: {key} twice", dir.display());
    }
    rows
}

/// Checks that `merged` holds exactly the (cell, repetition) rows of `unsharded`, each
/// with a checksum that verified and equals the unsharded run's, and that its meta.json
/// says complete, merged from `shards` shards. Returns the comparison as text.
pub fn compare_with_unsharded(merged: &Path, unsharded: &Path, shards: usize) -> String {
    let m = runs_by_key(merged);
    let u = runs_by_key(unsharded);
    assert_eq!(
        u.len(),
        TINY_CELLS * QUICK_REPS,
        "unsharded run: wrong row count"
    );
    let only_merged: Vec<_> = m.keys().filter(|k| !u.contains_key(*k)).collect();
    let only_unsharded: Vec<_> = u.keys().filter(|k| !m.contains_key(*k)).collect();
    assert!(
        only_merged.is_empty() && only_unsharded.is_empty(),
        "the (cell, repetition) keys differ: only in merged {only_merged:?}, only unsharded {only_unsharded:?}"
    );
    for (k, (sum, ok)) in &m {
        assert_eq!(ok, "true", "merged {k}: checksum_ok is {ok}");
        assert_eq!(u[k].1, "true", "unsharded {k}: checksum_ok is {}", u[k].1);
        assert_eq!(
            sum, &u[k].0,
            "{k}: checksum {sum} merged, {} unsharded",
            u[k].0
        );
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["status"], "complete", "merged meta.json status");
    let from = meta["merged_from"].as_array().expect("merged_from");
    assert_eq!(from.len(), shards, "merged_from: {from:?}");
    let cells: std::collections::BTreeSet<_> =
        m.keys().map(|k| k.rsplit_once('|').unwrap().0).collect();
    format!(
        "comparison: merged {} and unsharded {}: the same {} (cell, repetition) keys \
         ({} cells × {} repetitions), every checksum_ok true, every checksum equal; \
         meta.json complete, merged from {} shards",
        merged.display(),
        unsharded.display(),
        m.len(),
        cells.len(),
        m.len() / cells.len(),
        from.len()
    )
}

//! The field's runtimes inside `wsbench run`: OpenMP's schedules and taskloop, and chili,
//! pass the checksum against serial on pinned and unpinned workers, warm and with the team
//! inside the timed region; OpenMP strategies are refused at config time, exit 2, when the
//! build has no OpenMP.

mod common;

use common::wsbench;

use std::path::Path;
use std::process::Output;

const TASKS: usize = 80;

fn config(strategies: &str) -> String {
    format!(
        r#"
name = "baselines-tiny"
repetitions = 2
warmup = 1
workers = [1, 2]
placements = ["spread", "none"]
strategies = [{strategies}]

[[workload]]
name = "mixed"
kind = "factorize"
generator = "mixed"
bits = 24
count = {TASKS}
order = "heavy-last"
seed = 5

[[workload]]
name = "cold-quiet"
kind = "factorize"
generator = "uniform"
bits = 10
count = {TASKS}
seed = 7
latency = false
pool_in_timing = true
"#
    )
}

fn run(dir: &Path, text: &str) -> Output {
    let cfg = dir.join("b.toml");
    std::fs::write(&cfg, text).unwrap();
    let out = dir.join("out");
    wsbench(&["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()])
}

#[test]
fn openmp_and_chili_runs_pass_the_checksum() {
    let openmp = wsbench_baselines::openmp::unavailable().is_none();
    let strategies = if openmp {
        r#""omp:dynamic,1", "omp:static", "omp-taskloop:4", "chili""#
    } else {
        r#""chili""#
    };
    let tmp = tempfile::tempdir().unwrap();
    let o = run(tmp.path(), &config(strategies));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = tmp.path().join("out");
    let mut r = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let at = |name: &str| h.iter().position(|c| c == name).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for row in r.records() {
        let row = row.unwrap();
        assert_eq!(&row[at("checksum_ok")], "true", "{row:?}");
        assert_eq!(&row[at("tasks")], TASKS.to_string().as_str(), "{row:?}");
        seen.insert(row[at("strategy")].to_string());
    }
    let want: Vec<&str> = strategies
        .split(", ")
        .map(|s| s.trim_matches('"'))
        .collect();
    for s in want {
        assert!(seen.contains(s), "no rows for {s}: {seen:?}");
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    let omp = &meta["machine"]["runtimes"]["openmp"];
    assert_eq!(omp["available"], openmp, "{omp}");
    assert!(omp["wait_policy"].is_string(), "{omp}");
    assert!(meta["machine"]["runtimes"]["chili"].is_string());
}

#[test]
fn openmp_strategies_are_refused_before_anything_is_written_when_missing() {
    let tmp = tempfile::tempdir().unwrap();
    // LLVM's libomp is never run by this build: always refused, with how to get it.
    let o = run(tmp.path(), &config(r#""omp-llvm:dynamic,1""#));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("strategies") && err.contains("libomp"),
        "{err}"
    );
    assert!(!tmp.path().join("out").exists());

    let o = run(tmp.path(), &config(r#""omp:dynamic,1", "chili""#));
    let err = String::from_utf8_lossy(&o.stderr);
    match wsbench_baselines::openmp::unavailable() {
        Some(why) => {
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(
                err.contains("OpenMP unavailable") && err.contains("install gcc"),
                "{err}"
            );
            assert!(err.contains(&why), "{err}");
            assert!(!tmp.path().join("out").exists());
        }
        None => assert!(o.status.success(), "{err}"),
    }
}

/// `wsbench run` with `OMP_WAIT_POLICY` set to `policy` (`None`: unset).
fn run_with_wait_policy(dir: &Path, strategies: &str, policy: Option<&str>) -> Output {
    let cfg = dir.join("w.toml");
    let text = config(strategies).replace("repetitions = 2", "repetitions = 1");
    std::fs::write(&cfg, text).unwrap();
    let out = tempfile::tempdir_in(dir).unwrap().keep().join("out");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_wsbench"));
    cmd.args(["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    match policy {
        Some(p) => cmd.env("OMP_WAIT_POLICY", p),
        None => cmd.env_remove("OMP_WAIT_POLICY"),
    };
    cmd.output().expect("runs wsbench")
}

#[test]
fn interleaving_openmp_with_spinning_threads_is_warned_about() {
    if let Some(why) = wsbench_baselines::openmp::unavailable() {
        eprintln!("skipped: no OpenMP in this build ({why})");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let warned = |o: &Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).contains("OMP_WAIT_POLICY is unset")
    };
    let mixed = r#""omp:static", "adaptive""#;
    assert!(warned(&run_with_wait_policy(tmp.path(), mixed, None)));
    assert!(!warned(&run_with_wait_policy(
        tmp.path(),
        mixed,
        Some("passive")
    )));
    // OpenMP alone (beside serial) slows no other strategy.
    assert!(!warned(&run_with_wait_policy(
        tmp.path(),
        r#""omp:static""#,
        None
    )));
}

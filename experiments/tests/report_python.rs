//! `scripts/python_baseline.py`: its self-test, a tiny measured run whose rows
//! `wsbench report` reads, the `--check-with` cross-check (against a stand-in
//! for `wsbench factor` built on coreutils' `factor`, which prints the same
//! `N: p1 p2 ...` lines), and its bad-input exit code. Skipped without python3.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/python_baseline.py")
}

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some("python3")
}

/// True (and says so) when python3 is missing: the caller skips its test.
fn no_python() -> bool {
    let missing = python().is_none();
    if missing {
        eprintln!("python3 not found: skipped");
    }
    missing
}

/// Fails the test, showing stderr, unless the command succeeded.
fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn run_py(args: &[&str]) -> Output {
    Command::new(python().unwrap())
        .arg(script())
        .args(args)
        .output()
        .expect("run python3")
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, body).unwrap();
    Command::new("chmod").arg("+x").arg(path).status().unwrap();
}

#[test]
fn self_test_passes() {
    if no_python() {
        return;
    }
    let out = run_py(&["--self-test"]);
    assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("self-test"));
}

#[test]
fn rows_follow_the_runs_schema_and_render_in_the_report() {
    if no_python() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let nums = tmp.path().join("numbers.txt");
    // Small, uneven: cheap numbers and a few with large prime factors.
    let list: Vec<String> = (0..24u64)
        .map(|i| {
            if i % 6 == 5 {
                10_007 * 100_003
            } else {
                1_000 + 7 * i
            }
            .to_string()
        })
        .collect();
    std::fs::write(&nums, format!("# a comment\n{}\n", list.join("\n"))).unwrap();
    let dir = tmp.path().join("py");
    let runs = dir.join("runs.csv");
    let mut args = vec![
        nums.to_str().unwrap(),
        "--out",
        runs.to_str().unwrap(),
        "--workload",
        "tiny",
        "--workers",
        "1,2",
        "--repetitions",
        "2",
        "--warmup",
        "0",
    ];
    let fake = tmp.path().join("fake-wsbench");
    if have("factor") {
        write_script(&fake, "#!/bin/sh\nshift\nexec factor\n");
        args.extend(["--check-with", fake.to_str().unwrap()]);
    }
    let out = run_py(&args);
    assert_success(&out);
    if have("factor") {
        assert!(String::from_utf8_lossy(&out.stderr).contains("all equal"));
    }
    let text = std::fs::read_to_string(&runs).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with(
        "workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,speedup,lb_ratio,steals,migrations,checksum_ok"
    ));
    // serial once per repetition + 4 strategies × 2 worker counts × 2 repetitions.
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2 + 4 * 2 * 2, "{text}");
    for s in [
        "py-serial",
        "py-threads",
        "py-processes",
        "py-pool",
        "py-pool-1",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("tiny,{s},"))),
            "{s}"
        );
    }
    assert!(
        rows.iter().all(|r| r.contains(",true,")),
        "a checksum was not ok: {text}"
    );

    // The bound uses the usable CPUs (`cpus`), py-serial rows carry their task times, and
    // python_baseline.json records the start method and the Python build.
    assert!(text
        .lines()
        .next()
        .unwrap()
        .ends_with(",task_sum_ns,task_max_ns,cpus"));
    let meta = std::fs::read_to_string(dir.join("python_baseline.json")).unwrap();
    for key in [
        "\"runs\"",
        "\"start_method\"",
        "\"python_build\"",
        "\"gil_enabled\"",
        "\"usable_cpus\"",
    ] {
        assert!(meta.contains(key), "{key} missing: {meta}");
    }

    // Appending keeps one header.
    let out = run_py(&[
        nums.to_str().unwrap(),
        "--out",
        runs.to_str().unwrap(),
        "--workload",
        "tiny",
        "--workers",
        "2",
        "--repetitions",
        "1",
        "--warmup",
        "0",
        "--strategies",
        "py-serial,py-pool-1",
    ]);
    assert_success(&out);
    let text = std::fs::read_to_string(&runs).unwrap();
    assert_eq!(text.matches("workload,strategy").count(), 1);
    assert_eq!(text.lines().count(), 1 + 18 + 2);

    // wsbench report reads them.
    let out = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(["report", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    let md = std::fs::read_to_string(dir.join("report/report.md")).unwrap();
    assert!(md.contains("| py-serial | 1 | 3 |"), "{md}");
    assert!(md.contains("| py-pool-1 | 2 | 3 |"), "{md}");
    // Both invocations are kept in python_baseline.json.
    let meta = std::fs::read_to_string(dir.join("python_baseline.json")).unwrap();
    assert_eq!(meta.matches("\"start_method\"").count(), 2, "{meta}");
    assert!(dir.join("report/makespan-tiny.svg").is_file());
}

#[test]
fn a_wrong_factorization_from_check_with_fails() {
    if no_python() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let nums = tmp.path().join("n.txt");
    std::fs::write(&nums, "12\n35\n").unwrap();
    let liar = tmp.path().join("liar");
    // Claims every number is prime.
    write_script(&liar, "#!/bin/sh\nwhile read n; do echo \"$n: $n\"; done\n");
    let runs = tmp.path().join("runs.csv");
    let out = run_py(&[
        nums.to_str().unwrap(),
        "--out",
        runs.to_str().unwrap(),
        "--check-with",
        liar.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("factorization mismatch at task 0"), "{err}");
    assert!(!runs.exists(), "nothing measured, nothing written");
}

#[test]
fn a_bad_number_line_is_a_usage_error() {
    if no_python() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let nums = tmp.path().join("n.txt");
    std::fs::write(&nums, "12\n3x5\n").unwrap();
    let runs = tmp.path().join("runs.csv");
    let out = run_py(&[nums.to_str().unwrap(), "--out", runs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("n.txt:2: `3x5` is not a whole number"),
        "{err}"
    );
}

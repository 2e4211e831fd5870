//! `wsbench targets`, run as the built binary: the sections' tables in the
//! format of `results/scheduler-targets/run*.md`, and bad options (exit 2, one
//! message naming what is allowed, no panic).
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run far longer than a quick one takes even on a loaded 2-core machine:
/// past it the run has hung, and the test fails instead of stalling CI.
const LIMIT: Duration = Duration::from_secs(300);

/// Runs `wsbench ARGS`; its exit code, stdout and stderr. Kills it and fails
/// past [`LIMIT`].
fn wsbench(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("start wsbench");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wsbench {args:?} still running after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p| std::fs::read_to_string(p).unwrap();
    (status.code(), read(&out_path), read(&err_path))
}

#[test]
fn quick_sections_print_their_tables() {
    let args = [
        "targets",
        "--quick",
        "--reps",
        "1",
        "--workers",
        "2",
        "--only",
        "wakeup,balance-sleep",
    ];
    let (code, out, err) = wsbench(&args);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("# wsbench scheduler targets (p = 2, 1 repetitions, quick, workers "),
        "{out}"
    );
    for line in [
        "## balance: 4,000 sleeping tasks, 2% sleep 2 ms, the rest 0 (CPU-load independent), p = 2",
        "| order | case | median ms | median x LB | min x LB | max x LB |",
        "## wake-up: a batch of p = 2 tiny tasks to a parked pool (5 ms idle before each), 50 samples each, interleaved",
        "| case | median us | p90 us | min us |",
    ] {
        assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    }
    for order in ["shuffled", "heavy-last"] {
        for case in ["serial (sum of task times)", "adaptive", "work-stealing:1"] {
            let row = format!("| {order} | {case} | ");
            assert!(out.contains(&row), "no row {row:?} in\n{out}");
        }
        let capacity =
            format!("{order}: machine capacity (CPUs' worth, of p = 2) per repetition: min ");
        assert!(out.contains(&capacity), "{out}");
    }
    for case in ["adaptive", "static", "rayon install+par_iter"] {
        assert!(
            out.contains(&format!("\n| {case} | ")),
            "no {case} row in\n{out}"
        );
    }
    assert!(out.contains("\nadaptive / rayon median ratio: "), "{out}");
    assert!(
        !out.contains("## overhead") && !out.contains("mixed set"),
        "{out}"
    );
}

#[test]
fn an_unknown_section_exits_2_naming_the_allowed_ones() {
    let (code, out, err) = wsbench(&["targets", "--only", "wakeup,nonsense"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("'nonsense'"), "{err}");
    assert!(
        err.contains("balance, balance-sleep, overhead, wakeup"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn zero_repetitions_or_workers_exit_2() {
    for args in [["targets", "--reps", "0"], ["targets", "--workers", "0"]] {
        let (code, out, err) = wsbench(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(out.is_empty() && err.contains("'0'"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

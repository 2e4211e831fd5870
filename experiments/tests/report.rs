//! `wsbench report` end to end, on the synthetic results folder in
//! `tests/data/report/fixture/` (written by `make_fixture.py` beside it; see its
//! header: synthetic numbers in the results schema of `schema/src/rows.rs`, not a measurement).

mod common;

use common::wsbench;

use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/report/fixture")
}

/// Copies the fixture into a fresh temporary folder (the report writes into it).
fn copy_fixture(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    copy(&fixture(), to);
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `wsbench report` with `args` and fails the test, showing stderr, unless it succeeds.
fn report_ok(args: &[&str]) {
    let out = wsbench(&[&["report"], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `runs` as `dir/runs.csv`, reports on `dir` (which must succeed) and
/// returns the report.md it wrote.
fn report_on_runs(dir: &Path, runs: &str) -> String {
    std::fs::write(dir.join("runs.csv"), runs).unwrap();
    report_ok(&[arg(dir)]);
    std::fs::read_to_string(dir.join("report/report.md")).unwrap()
}

#[test]
fn report_on_fixture_writes_tables_and_every_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    copy_fixture(&dir);
    report_ok(&[arg(&dir)]);
    let report = dir.join("report");
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();

    // Header lines from meta.json.
    assert!(
        md.contains("**Experiment** `report-fixture` · 5 repetitions + 1 warm-up"),
        "{md}"
    );
    assert!(
        md.contains("**Machine** Fixture CPU @ 2.0GHz on fixture-host"),
        "{md}"
    );
    assert!(md.contains("git 0000000"), "{md}");
    assert!(md.contains("`python3 make_fixture.py`"), "{md}");
    assert!(
        md.contains("spread: 1 → [0], 2 → [0 1], 4 → [0 1 0 1]"),
        "{md}"
    );
    // One table per workload, strategy × workers rows; the sweep members are not
    // listed one by one.
    assert!(md.contains("## Workload `clustered-shuffled`"));
    assert!(md.contains("## Workload `clustered-heavy-last`"));
    assert!(!md.contains("## Workload `factorial-cold-n200`"));
    assert!(md.contains(
        "| strategy | workers | runs | median makespan | median CI (coverage) | speedup (CI) | lb_ratio (CI) | imbalance % (cov) | steals | pooled p50 response | pooled p99 response |"
    ));
    let heavy = md
        .split("## Workload `clustered-heavy-last`")
        .nth(1)
        .unwrap();
    let static4 = heavy
        .lines()
        .find(|l| l.starts_with("| static | 4 | 5 |"))
        .expect("static w4 row");
    // The fixture's static-4 on heavy-last is ~2.8× the lower bound.
    assert!(static4.contains("| 2.8"), "{static4}");
    assert!(heavy
        .lines()
        .any(|l| l.starts_with("| serial | 1 | 5 |") && l.contains("1.00×")));
    // Best-strategy sentence names the winner and compares with static.
    assert!(
        heavy.contains("4 workers: **") && heavy.contains("faster than static"),
        "{heavy}"
    );
    // Crossover: cold pool crosses inside the sweep, warm pool is always faster.
    // The bracket: the last size where serial wins, the first from which parallel wins.
    assert!(md.contains(
        "| `factorial-cold` | yes | adaptive | 2 | bracket 1400–1700 (serial wins at 1400, parallel from 1700 on;"
    ));
    // With an interval of the per-round crossovers (5 rounds: min–max) and a round bootstrap.
    assert!(md.contains(
        "interpolated ≈1600); per-round crossovers 1581–1598 (93.8%); round bootstrap 1581–1601 |"
    ));
    // The round bootstrap names its draw once.
    assert!(
        md.contains("Round bootstrap: percentile bootstrap, nominal 95%, B = 2000"),
        "{md}"
    );
    assert!(md.contains(
        "(from 200); per-round crossovers all below 200; round bootstrap all below 200 |"
    ));
    assert!(
        md.contains("| `factorial-warm` | no (warm pool) | adaptive | 2 | faster at every size")
    );

    // Every figure, named in report.md, non-empty SVG with its axis labels.
    let expect = [
        ("makespan-clustered-heavy-last.svg", "makespan (ms)"),
        ("makespan-clustered-shuffled.svg", "whiskers: min–max"),
        (
            "speedup-clustered-heavy-last.svg",
            "speedup over serial (×)",
        ),
        ("latency-clustered-heavy-last.svg", "99.9%"),
        // .hgrm values are µs; scaled to ns they put the tail at ~285 ms.
        ("latency-clustered-heavy-last.svg", "response latency (ms)"),
        ("workers-clustered-heavy-last-w4.svg", "max/mean"),
        (
            "crossover-factorial-cold-pool-timed.svg",
            "problem size (tasks)",
        ),
        (
            "crossover-factorial-warm-pool-warm.svg",
            "makespan (ms, log scale)",
        ),
    ];
    for (file, label) in expect {
        let svg =
            std::fs::read_to_string(report.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{file}"
        );
        assert!(svg.contains(label), "{file} lacks `{label}`");
        assert!(
            md.contains(&format!("[{file}]({file})")),
            "report.md does not link {file}"
        );
    }
    // The busy/idle figure picks static's most imbalanced run and its adaptive counterpart.
    assert!(md.contains("static's most imbalanced run") && md.contains("beside adaptive"));
}

#[test]
fn report_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    copy_fixture(&dir);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let o = wsbench(&["report", arg(&dir), "--out", arg(out)]);
        assert!(o.status.success());
    }
    let read = |p: &Path| std::fs::read_to_string(p.join("report.md")).unwrap();
    assert_eq!(read(&a), read(&b));
}

#[test]
fn figures_without_data_are_skipped_and_said_so() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bare");
    std::fs::create_dir_all(&dir).unwrap();
    // runs.csv only, with just the required columns (readers look columns up by name).
    let md = report_on_runs(
        &dir,
        "strategy,workload,workers,placement,repetition,makespan_ns,extra\n\
         serial,w,1,none,0,1000000,x\nserial,w,1,none,1,1100000,x\n\
         static,w,2,none,0,700000,x\nstatic,w,2,none,1,650000,x\n",
    );
    assert!(md.contains("latency figure skipped"), "{md}");
    assert!(md.contains("busy/idle figure skipped"), "{md}");
    assert!(md.contains("crossover figure skipped"), "{md}");
    assert!(md.contains("no meta.json"), "{md}");
    assert!(md.contains("| static | 2 | 2 | 675 µs |"), "{md}");
    assert!(dir.join("report/makespan-w.svg").is_file());
    assert!(dir.join("report/speedup-w.svg").is_file());
}

#[test]
fn several_folders_compare_machines() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    copy_fixture(&a);
    copy_fixture(&b);
    let meta = std::fs::read_to_string(b.join("meta.json"))
        .unwrap()
        .replace("Fixture CPU @ 2.0GHz", "Other CPU");
    std::fs::write(b.join("meta.json"), meta).unwrap();
    let out_dir = tmp.path().join("cmp");
    report_ok(&[arg(&a), arg(&b), "--out", arg(&out_dir)]);
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("| strategy | workers | machine |"), "{md}");
    assert!(md.contains("on M2 (Other CPU on fixture-host)"), "{md}");
    assert!(out_dir
        .join("crossover-factorial-cold-pool-timed-M2.svg")
        .is_file());
}

#[test]
fn not_a_results_folder_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = wsbench(&["report", arg(tmp.path())]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a results folder: runs.csv is missing"),
        "{err}"
    );
    assert!(!err.contains("panicked"));

    let out = wsbench(&["report", arg(&tmp.path().join("nope"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such directory"));
}

#[test]
fn bad_csv_is_a_usage_error_naming_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("runs.csv"),
        "workload,strategy,workers,placement,repetition\nw,serial,1,none,0\n",
    )
    .unwrap();
    let out = wsbench(&["report", arg(dir)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing column `makespan_ns`"), "{err}");

    std::fs::write(
        dir.join("runs.csv"),
        "workload,strategy,workers,placement,repetition,makespan_ns\n\
         w,serial,1,none,0,100\nw,static,two,none,0,100\n",
    )
    .unwrap();
    let out = wsbench(&["report", arg(dir)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("runs.csv:3: column `workers`: `two` is not a whole number"),
        "{err}"
    );
    assert!(!dir.join("report/report.md").exists());
}

#[test]
fn runs_with_a_bad_checksum_are_left_out_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let md = report_on_runs(
        dir,
        "workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,speedup,lb_ratio,steals,migrations,checksum_ok\n\
         w,serial,1,none,0,2000000,,,,,,,true\n\
         w,static,2,none,0,1000000,,,,,,,true\n\
         w,static,2,none,1,1200000,,,,,,,true\n\
         w,static,2,none,2,10,,,,,,,false\n",
    );
    // The 10 ns run is not in the median (1.1 ms) nor in the speedup (2.0 / 1.1).
    assert!(
        md.contains("| static | 2 | 2 (+1 bad checksum) | 1.10 ms |"),
        "{md}"
    );
    assert!(md.contains("| 1.82× |"), "{md}");
    assert!(
        md.contains("1 run(s) of `w` reported a checksum mismatch"),
        "{md}"
    );
}

#[test]
fn python_and_rust_on_the_same_workload_are_compared() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let md = report_on_runs(
        dir,
        "workload,strategy,workers,placement,repetition,makespan_ns\n\
         w,serial,1,spread,0,10000000\nw,static,2,spread,0,6000000\nw,adaptive,2,spread,0,5000000\n\
         w,py-serial,1,none,0,1000000000\nw,py-pool,2,none,0,600000000\n",
    );
    assert!(
        md.contains("py-serial takes 1.00 s against Rust's serial 10.0 ms (100×)"),
        "{md}"
    );
    assert!(
        md.contains("py-pool with 2 workers (600 ms), against the fastest Rust run, adaptive with 2 workers (5.00 ms): 120×"),
        "{md}"
    );
    // Python's own speedup is against py-serial; Python's `none` does not split the figures.
    assert!(
        md.contains("| py-pool | 2 | none | 1 | 600 ms | – | 1.67× |"),
        "{md}"
    );
    assert!(dir.join("report/speedup-w.svg").is_file());
}

#[test]
fn several_placements_get_a_panel_each_and_a_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let md = report_on_runs(
        dir,
        "workload,strategy,workers,placement,repetition,makespan_ns\n\
         w,serial,1,cores,0,10000000\n\
         w,static,2,cores,0,6000000\nw,adaptive,2,cores,0,5000000\n\
         w,static,2,close,0,9000000\nw,adaptive,2,close,0,8000000\n",
    );
    assert!(
        md.contains("By placement, 2 workers, fastest strategy each: cores 5.00 ms (adaptive), close 8.00 ms (adaptive); the slowest placement is 1.60× the fastest."),
        "{md}"
    );
    for f in [
        "makespan-w-cores.svg",
        "makespan-w-close.svg",
        "speedup-w-close.svg",
    ] {
        assert!(dir.join("report").join(f).is_file(), "{f}");
    }
    // The close panel borrows serial from cores (serial ran under one placement).
    let svg = std::fs::read_to_string(dir.join("report/makespan-w-close.svg")).unwrap();
    assert!(svg.contains("w1 serial @cores"), "{svg}");
}

#[test]
fn a_second_report_removes_figures_the_data_no_longer_supports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let report = dir.join("report");
    std::fs::create_dir_all(&report).unwrap();
    std::fs::write(report.join("latency-gone.svg"), "<svg/>").unwrap();
    std::fs::write(report.join("notes.svg"), "<svg/>").unwrap();
    report_on_runs(
        dir,
        "workload,strategy,workers,placement,repetition,makespan_ns\nw,serial,1,none,0,100\n",
    );
    assert!(!report.join("latency-gone.svg").exists());
    assert!(report.join("notes.svg").exists(), "not ours: kept");
    assert!(report.join("makespan-w.svg").exists());
}

#[test]
fn speedup_is_the_median_of_per_round_speedups_when_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Round 0: serial 10 ms, static 5 ms (2×); round 1: serial 30 ms, static 10 ms (3×).
    // Median of the rounds' speedups: 2.5×; median ÷ median would say 20 / 7.5 = 2.67×.
    let md = report_on_runs(
        dir,
        "workload,strategy,workers,placement,repetition,makespan_ns,speedup\n\
         w,serial,1,none,0,10000000,1\nw,serial,1,none,1,30000000,1\n\
         w,static,2,none,0,5000000,2\nw,static,2,none,1,10000000,3\n",
    );
    assert!(
        md.contains("| static | 2 | 2 | 7.50 ms | 5.00–10.0 ms (50.0%) | 2.50× (2.00–3.00) |"),
        "{md}"
    );
}

//! `wsbench topology` end to end, on generated sysfs trees (--root) and on
//! this machine.

mod common;

use common::wsbench;

#[path = "../../topology/tests/support/mod.rs"]
mod topology_support;

use topology_support::{fixture, two_sockets, Style};

fn stdout_of(args: &[&str]) -> String {
    let out = wsbench(args);
    assert!(
        out.status.success(),
        "wsbench {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text_tree_marks_offline_cpus_and_smt() {
    let dir = fixture(&two_sockets(true), &[15], Style::Lists);
    let root = dir.path().to_str().unwrap();
    let text = stdout_of(&["topology", "--root", root]);
    assert!(text.contains("SMT: yes"), "{text}");
    assert!(text.contains("Package P#1"), "{text}");
    assert!(text.contains("Core L#0 (core_id 0): CPU 0, 8\n"), "{text}");
    assert!(
        text.contains("Core L#7 (core_id 3): CPU 7\n"),
        "CPU 15 is offline: {text}"
    );
    assert!(text.contains("Offline: 15"), "{text}");
}

#[test]
fn csv_has_one_row_per_cpu() {
    let dir = fixture(&two_sockets(false), &[3], Style::Lists);
    let csv = stdout_of(&[
        "topology",
        "--root",
        dir.path().to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("cpu,core,package,numa_node,llc,online,allowed"),
        "{header}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 16);
    assert!(
        rows[1].starts_with("1,0,0,0,0,true,true,"),
        "CPU 1 is in core 0 with CPU 0: {}",
        rows[1]
    );
    assert!(
        rows[3].starts_with("3,,,0,,false,false,"),
        "CPU 3 is offline: {}",
        rows[3]
    );
    assert!(rows[9].starts_with("9,4,1,1,1,true,true,"), "{}", rows[9]);
}

#[test]
fn placement_table_csv_and_json() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path().to_str().unwrap();

    let text = stdout_of(&[
        "topology",
        "--root",
        root,
        "--placement",
        "spread",
        "--workers",
        "4",
    ]);
    assert!(
        text.contains("Placement spread: 4 workers on 16 places"),
        "{text}"
    );
    assert!(text.contains("worker  cpu  core  package"), "{text}");
    assert!(text.contains("Idle allowed CPUs: 2-3,6-15"), "{text}");

    let csv = stdout_of(&[
        "topology",
        "--root",
        root,
        "--placement",
        "cores@package:1",
        "--format",
        "csv",
    ]);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("worker,cpu,core,package"));
    let cpus: Vec<&str> = lines.map(|l| l.split(',').nth(1).unwrap()).collect();
    assert_eq!(cpus, vec!["4", "5", "6", "7"]);

    let json = stdout_of(&[
        "topology",
        "--root",
        root,
        "--placement",
        "close",
        "--workers",
        "3",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let workers: Vec<u64> = value["placement"]["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["cpu"].as_u64().unwrap())
        .collect();
    assert_eq!(workers, vec![0, 8, 1]);
    assert_eq!(
        value["placement"]["victim_order"][0],
        serde_json::json!([1, 2])
    );
    assert_eq!(value["smt"], serde_json::json!(true));
    assert_eq!(value["cpus"].as_array().unwrap().len(), 16);
}

#[test]
fn bad_input_is_exit_code_2_with_one_clear_line() {
    let dir = fixture(&two_sockets(true), &[15], Style::Lists);
    let root = dir.path().to_str().unwrap();
    for (args, needle) in [
        (vec!["--placement", "sprd"], "unknown placement `sprd`"),
        (
            vec!["--placement", "cores", "--workers", "9"],
            "cores+oversubscribe",
        ),
        (
            vec!["--placement", "list:0,15"],
            "CPU 15 is offline; allowed CPUs: 0-14",
        ),
        (
            vec!["--placement", "cores@node:7"],
            "no allowed CPU matches @node:7",
        ),
        (vec!["--workers", "2"], "--workers needs --placement"),
        (vec!["--format", "omp"], "--format omp needs --placement"),
        (
            vec!["--placement", "spread@{0,x}"],
            "at character 11: expected a CPU number",
        ),
        (
            vec!["--placement", "cores(9)"],
            "9 cores asked for but only 8",
        ),
    ] {
        let mut all = vec!["topology", "--root", root];
        all.extend(args.iter());
        let out = wsbench(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {stderr}");
        assert!(
            stderr.starts_with("wsbench: ") && stderr.contains(needle),
            "{all:?}: {stderr}"
        );
        assert!(
            !stderr.contains("panicked") && stderr.lines().count() == 1,
            "{stderr}"
        );
    }
    let empty = tempfile::tempdir().unwrap();
    let out = wsbench(&["topology", "--root", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no CPUs under"));
}

/// `--format omp|taskset|likwid` on two SMT sockets (core c = CPUs c, c+8;
/// package 1 = CPUs 4-7,12-15).
#[test]
fn placement_in_other_tools_words() {
    let dir = fixture(&two_sockets(true), &[], Style::Lists);
    let root = dir.path().to_str().unwrap();
    let run = |placement: &str, workers: &str, format: &str| {
        stdout_of(&[
            "topology",
            "--root",
            root,
            "--placement",
            placement,
            "--workers",
            workers,
            "--format",
            format,
        ])
    };
    let omp = run("spread", "4", "omp");
    assert!(
        omp.ends_with("\nOMP_PLACES='{0},{4},{1},{5}' OMP_PROC_BIND=close OMP_NUM_THREADS=4\n"),
        "{omp}"
    );
    assert!(
        omp.starts_with("# wsbench placement spread, 4 workers"),
        "{omp}"
    );
    let omp = run("{0:4}:2:8", "8", "omp");
    assert!(
        omp.contains(
            "OMP_PLACES='{0},{1},{2},{3},{8},{9},{10},{11}' OMP_PROC_BIND=close OMP_NUM_THREADS=8"
        ),
        "{omp}"
    );
    let taskset = run("spread", "4", "taskset");
    assert!(taskset.ends_with("\ntaskset -c 0-1,4-5\n"), "{taskset}");
    assert!(taskset.contains("not each thread"), "{taskset}");
    let likwid = run("spread", "4", "likwid");
    assert!(likwid.ends_with("\nlikwid-pin -c 0,4,1,5\n"), "{likwid}");
    assert!(likwid.contains("skip mask"), "{likwid}");
    let shared = run("primary@cores+oversubscribe", "3", "likwid");
    assert!(shared.ends_with("\nlikwid-pin -c 0,8,0\n"), "{shared}");
    assert!(shared.contains("a CPU listed twice"), "{shared}");
    for format in ["omp", "taskset", "likwid"] {
        let none = run("none", "3", format);
        assert!(
            none.contains("not pinned, so there is no binding"),
            "{none}"
        );
        assert!(
            !none.contains("taskset -c")
                && !none.contains("likwid-pin -c")
                && !none.contains("OMP_PLACES"),
            "{none}"
        );
    }
}

#[test]
fn live_machine_lists_every_allowed_cpu() {
    let csv = stdout_of(&["topology", "--format", "csv"]);
    let allowed: Vec<usize> = csv
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(6) == Some("true"))
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(Some(allowed), topology::affinity::allowed_cpus());
}

//! `wsbench tune` end to end: the candidate set of a real 2-socket SMT machine's snapshot,
//! bad input, a small config race interrupted and resumed, and a small OpenMP program
//! tuned through `--command`.

mod common;

use common::{text, wsbench};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared_dir() -> PathBuf {
    match std::env::var_os("WSBENCH_SHARED_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// Unpacks a snapshot of ../shared/fixtures/hwloc-sysfs, or `None` (with a message).
fn snapshot(name: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let archive = shared_dir().join(format!("fixtures/hwloc-sysfs/{name}.tar.bz2"));
    if !archive.exists() {
        println!(
            "SKIPPED: {} not found (set WSBENCH_SHARED_DIR to the shared folder)",
            archive.display()
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new("tar")
        .arg("-xjf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .args([
            "--wildcards",
            "*/sys/devices/system/cpu/*",
            "*/sys/devices/system/node/*",
            "*/proc/*",
        ])
        .status()
        .expect("tar")
        .success();
    assert!(ok, "unpacking {name}");
    let root = dir.path().join(name);
    Some((dir, root))
}

#[test]
fn the_candidates_of_a_two_socket_smt_machine() {
    let Some((_dir, root)) = snapshot("32intel64-2p8co2t+8ve") else {
        return;
    };
    let root = root.to_str().unwrap();
    let out = wsbench(&[
        "tune",
        "--list",
        "--root",
        root,
        "--strategies",
        "static",
        "--no-policies",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    let rows: Vec<&str> = listing.lines().filter(|l| l.contains(" · ")).collect();
    // Worker counts 1, 2, 4, … 32; per count, each distinct worker → CPU map once.
    let per = |w: usize| {
        rows.iter()
            .filter(|r| r.contains(&format!("\t{w}w · ")))
            .count()
    };
    assert_eq!(
        [1, 2, 4, 8, 16, 32].map(per),
        [3, 6, 6, 6, 7, 3],
        "{listing}"
    );
    for expected in [
        "1w · spread · static (same CPUs as close, cores, spread@package:0, close@package:0, spread@node:0, close@node:0)",
        "2w · cores · static (same CPUs as spread@package:0, spread@node:0)",
        "16w · cores · static",
        "16w · spread@package:1 · static (same CPUs as spread@node:1)",
        "32w · close · static",
    ] {
        assert!(rows.iter().any(|r| r.ends_with(expected)), "{expected}\n{listing}");
    }
    // `cores` (SMT off) cannot hold 32 workers on 16 cores.
    assert!(!rows.iter().any(|r| r.contains("32w · cores")), "{listing}");
    assert!(listing.ends_with("31 candidates\n"), "{listing}");
    // The whole default space: 18 schedules, and with ≥ 2 workers work-stealing's 6 and
    // adaptive's 3 stealing policies: 3 maps × 18 + 28 maps × 25.
    let all = wsbench(&["tune", "--list", "--root", root]);
    assert!(text(&all).ends_with("754 candidates\n"), "{}", text(&all));
}

#[test]
fn bad_input_is_one_line_and_exit_code_2_before_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = out_dir.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--budget", "5x"],
            "--budget \"5x\": expected a duration",
        ),
        (vec!["--budget", "0runs"], "a number of runs ≥ 1"),
        (vec!["--confidence", "2"], "--confidence \"2\""),
        (vec!["--placements", "bogus"], "--placements:"),
        (vec!["--strategies", "fastest"], "--strategies:"),
        (
            vec!["--workers", "4096", "--placements", "cores"],
            "no candidate",
        ),
        (
            vec!["--command", "echo {bogus}"],
            "unknown placeholder {bogus}",
        ),
        (
            vec!["--command", "true", "--schedules", "fastest"],
            "--schedules:",
        ),
        (
            vec!["--command", "true", "--timeout", "soon"],
            "--timeout \"soon\"",
        ),
        (
            vec!["--command", "true", "--metric", "("],
            "--metric \"(\": not a regular expression",
        ),
    ] {
        let mut all = vec!["tune", "--out", out];
        all.extend(&args);
        let o = wsbench(&all);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {t}");
        assert!(t.contains(says), "{args:?}: {t}");
        assert_eq!(t.trim().lines().count(), 1, "{args:?}: {t}");
        assert!(!out_dir.join("tune-args.json").exists(), "{args:?}");
    }
    let o = wsbench(&["tune", "--resume", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("is it a `wsbench tune` folder?"));
}

const TINY: &str = r#"
name = "tiny"
[[workload]]
name = "f"
kind = "factorial"
n = 300
"#;

#[test]
fn a_config_race_stops_on_ctrl_c_and_resumes_to_the_same_end() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, TINY).unwrap();
    let out = dir.path().join("t");
    let o = out.to_str().unwrap();
    let common = [
        "--workers",
        "1,2",
        "--placements",
        "none",
        "--strategies",
        "static;dynamic:1",
        "--rounds",
        "4",
    ];
    let mut first = vec![
        "tune",
        config.to_str().unwrap(),
        "--out",
        o,
        "--stop-after",
        "5",
    ];
    first.extend(common);
    let r = wsbench(&first);
    assert_eq!(r.status.code(), Some(130), "{}", text(&r));
    assert!(text(&r).contains("--resume"), "{}", text(&r));
    let lines = std::fs::read_to_string(out.join("runs.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 5, "{lines}");
    let r = wsbench(&["tune", "--resume", o]);
    assert!(r.status.success(), "{}", text(&r));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tune.json")).unwrap()).unwrap();
    let best = &json["best"];
    assert!(
        best["workers"].as_u64().is_some() && best["placement"] == "none",
        "{json}"
    );
    assert!(["static", "dynamic:1"].contains(&best["strategy"].as_str().unwrap()));
    assert_eq!(json["candidate_count"], 4);
    let runs = json["runs"].as_u64().unwrap();
    let recorded = std::fs::read_to_string(out.join("runs.jsonl")).unwrap();
    assert_eq!(
        recorded.lines().count() as u64,
        runs,
        "every run once, the first 5 kept"
    );
    assert!(recorded.starts_with(&lines));
    for f in ["tune.md", "race.svg"] {
        assert!(out.join(f).exists(), "{f}");
    }
    assert!(text(&r).contains("Pool::builder()") && text(&r).contains("OMP_NUM_THREADS="));
}

/// A small OpenMP program: checks it got the environment it was promised, fails, hangs
/// or stays silent for some schedules, and prints a deterministic metric otherwise.
const OMP_PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    const char *sched = getenv("OMP_SCHEDULE");
    const char *n = getenv("OMP_NUM_THREADS");
    if (argc < 3 || !sched || !n || strcmp(n, argv[1]) || strcmp(sched, argv[2])) return 3;
    /* argv[3]: the shell's CPU mask as the kernel lists it; argv[4]: {cpus} */
    if (argc > 4 && strcmp(argv[3], argv[4])) return 4;
    if (!strcmp(sched, "guided")) return 1;
    if (!strcmp(sched, "dynamic,2")) return 0;
    if (!strcmp(sched, "static,2")) { sleep(30); return 0; }
    double sum = 0;
    #pragma omp parallel for schedule(runtime) reduction(+:sum)
    for (int i = 0; i < 100000; i++) sum += i * 0.5;
    int threads = omp_get_max_threads();
    printf("OMP_NUM_THREADS seen: %d, sum %.0f\n", threads, sum);
    printf("metric: %d\n", (threads == 1 ? 20 : 10) + (strcmp(sched, "static") == 0));
    return 0;
}
"#;

#[test]
fn a_command_is_tuned_with_its_environment_affinity_and_metric() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("prog.c");
    let exe = dir.path().join("prog");
    std::fs::write(&src, OMP_PROGRAM).unwrap();
    let built = Command::new("gcc")
        .args(["-O1", "-fopenmp", "-o"])
        .arg(&exe)
        .arg(&src)
        .output();
    match built {
        Ok(o) if o.status.success() => {}
        _ => {
            println!("SKIPPED: gcc cannot build OpenMP programs here (gcc -fopenmp failed)");
            return;
        }
    }
    let out = dir.path().join("t");
    // The shell reports the CPU mask it was started with (the program's own main thread
    // is bound to its first place by libgomp before main runs).
    let cmd = format!(
        "{} {{workers}} '{{schedule}}' \"$(awk '/Cpus_allowed_list/{{print $2}}' /proc/self/status)\" '{{cpus}}'",
        exe.display()
    );
    let r = wsbench(&[
        "tune",
        "--command",
        &cmd,
        "--out",
        out.to_str().unwrap(),
        "--workers",
        "1,2",
        "--placements",
        "spread",
        "--schedules",
        "static;dynamic,1;guided;dynamic,2;static,2",
        "--metric",
        r"metric: (\d+)",
        "--timeout",
        "1s",
        "--rounds",
        "6",
    ]);
    let all = text(&r);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tune.json")).unwrap_or_default())
            .unwrap_or_else(|_| panic!("{all}"));
    if wsbench::run::config::all_workers().len() < 2 {
        println!("SKIPPED the choice check: one CPU here");
        return;
    }
    assert!(r.status.success(), "{all}");
    assert_eq!(json["best"]["workers"], 2, "{json}");
    assert_eq!(json["best"]["strategy"], "dynamic,1", "{json}");
    let fate = |name: &str| {
        json["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["why_dropped"].as_str().unwrap_or("").to_string())
            .unwrap()
    };
    assert!(
        fate("2w · spread · OMP_SCHEDULE=guided").contains("exit status: 1"),
        "{json}"
    );
    assert!(
        fate("2w · spread · OMP_SCHEDULE=dynamic,2").contains("no metric"),
        "{json}"
    );
    assert!(
        fate("1w · spread · OMP_SCHEDULE=static,2").contains("timed out"),
        "{json}"
    );
    assert!(
        fate("1w · spread · OMP_SCHEDULE=static").contains("slower"),
        "{json}"
    );
    assert!(
        all.contains("OMP_SCHEDULE='dynamic,1'") && all.contains("OMP_PLACES='{0},{1}'"),
        "{all}"
    );
}

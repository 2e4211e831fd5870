//! Results folders under faults: two writers at once, torn or unterminated last rows,
//! write errors (a full disk). Each check ends with the folder holding exactly the
//! planned rows, none twice, none torn, and side files that agree with `runs.csv`.

mod common;

use common::{text, wsbench};

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs (and with them rows of `runs.csv`) a [`config`] plans: a serial and a static
/// cell, `reps` repetitions each.
fn planned(reps: usize) -> usize {
    2 * reps
}

/// A one-workload sweep; `n` sets how long each run takes.
fn config(reps: usize, n: usize) -> String {
    format!(
        r#"
name = "safety"
repetitions = {reps}
warmup = 0
workers = [2]
placements = ["none"]
strategies = ["static"]

[[workload]]
name = "fact"
kind = "factorial"
n = {n}
"#
    )
}

/// The data lines of a CSV file, header excluded.
fn lines(path: &Path) -> Vec<String> {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        s.is_empty() || s.ends_with('\n'),
        "{}: unterminated",
        path.display()
    );
    s.lines().skip(1).map(str::to_string).collect()
}

/// The run key (workload, strategy, workers, placement, repetition) of a row of a file
/// whose first five columns are those.
fn key(line: &str) -> String {
    line.split(',').take(5).collect::<Vec<_>>().join(",")
}

/// The folder holds exactly `rows` runs, none twice, every line of every row file whole
/// (as many fields as its header), and every `workers.csv` row's run in `runs.csv`.
fn assert_whole(dir: &Path, rows: usize) {
    for file in ["runs.csv", "workers.csv"] {
        let path = dir.join(file);
        let all = std::fs::read_to_string(&path).unwrap();
        let fields = all.lines().next().unwrap().split(',').count();
        for l in lines(&path) {
            assert_eq!(l.split(',').count(), fields, "{file}: torn row `{l}`");
        }
    }
    let runs: Vec<String> = lines(&dir.join("runs.csv"))
        .iter()
        .map(|l| key(l))
        .collect();
    let unique: HashSet<&String> = runs.iter().collect();
    assert_eq!(unique.len(), runs.len(), "duplicate rows: {runs:?}");
    assert_eq!(runs.len(), rows, "{runs:?}");
    let side: HashSet<String> = lines(&dir.join("workers.csv"))
        .iter()
        .map(|l| key(l))
        .collect();
    let runs: HashSet<String> = runs.into_iter().collect();
    assert_eq!(side, runs, "workers.csv and runs.csv disagree");
}

#[test]
fn a_second_run_into_a_held_folder_exits_2_naming_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("slow.toml");
    let reps = 8;
    std::fs::write(&cfg, config(reps, 1500)).unwrap();
    let out = tmp.path().join("out");
    let (cfg_s, out_s) = (cfg.to_str().unwrap(), out.to_str().unwrap());
    let mut first = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(["run", cfg_s, "--out", out_s])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Once runs.csv exists, the folder is locked and its meta.json written.
    while !out.join("runs.csv").exists() {
        assert!(
            Instant::now() < deadline,
            "the first run never locked its folder"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = first.id().to_string();
    for second in [
        vec!["run", cfg_s, "--out", out_s],
        vec!["run", cfg_s, "--resume", out_s],
    ] {
        let before = lines(&out.join("runs.csv")).len();
        let o = wsbench(&second);
        if first.try_wait().unwrap().is_some() {
            eprintln!("the first run ended before the second started; nothing to check");
            break;
        }
        assert_eq!(o.status.code(), Some(2), "{second:?}: {}", text(&o));
        let msg = text(&o);
        assert!(msg.contains("in use") && msg.contains(&pid), "{msg}");
        assert!(msg.contains("--out"), "the holder's command: {msg}");
        assert!(lines(&out.join("runs.csv")).len() >= before);
    }
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_whole(&out, planned(reps));
}

/// Cuts the file at `path` to `len` bytes.
fn cut(path: &Path, len: usize) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..len]).unwrap();
}

#[test]
fn a_torn_or_unterminated_last_row_is_dropped_and_run_again() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("small.toml");
    let reps = 3;
    std::fs::write(&cfg, config(reps, 200)).unwrap();
    let done = tmp.path().join("done");
    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--out",
        done.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_whole(&done, planned(reps));
    // (file, where its last row is cut: bytes kept of that row, counted from its start;
    // `None` = all but the final newline). A cut workers.csv is a crash before the run's
    // runs.csv row, so that row is removed too.
    let cases: [(&str, Option<usize>); 5] = [
        ("runs.csv", Some(1)),
        ("runs.csv", Some(20)),
        ("runs.csv", None),
        ("workers.csv", Some(10)),
        ("workers.csv", None),
    ];
    for (k, (file, keep)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(format!("case{k}"));
        std::fs::create_dir(&dir).unwrap();
        for e in std::fs::read_dir(&done).unwrap().flatten() {
            if e.path().is_file() {
                std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
            }
        }
        let path = dir.join(file);
        let all = std::fs::read_to_string(&path).unwrap();
        let last_start = all[..all.len() - 1].rfind('\n').unwrap() + 1;
        let len = keep.map_or(all.len() - 1, |n| last_start + n);
        cut(&path, len);
        let line = all[..last_start].lines().count() + 1;
        if file == "workers.csv" {
            let runs = dir.join("runs.csv");
            let all = std::fs::read_to_string(&runs).unwrap();
            cut(&runs, all[..all.len() - 1].rfind('\n').unwrap() + 1);
        }
        let o = wsbench(&[
            "run",
            cfg.to_str().unwrap(),
            "--resume",
            dir.to_str().unwrap(),
        ]);
        let msg = text(&o);
        assert!(o.status.success(), "case {k}: {msg}");
        assert!(
            msg.contains(&format!("{file}:{line}: incomplete last row dropped")),
            "case {k}: {msg}"
        );
        assert_whole(&dir, planned(reps));
    }
}

/// Mounts a tmpfs of `size` at `dir`; false (with a message) where that is not allowed.
fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: a full-disk test needs root to mount a tmpfs");
        return false;
    }
    let o = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .output();
    let ok = o.as_ref().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: cannot mount a tmpfs: {o:?}");
    }
    ok
}

/// Which write meets the full disk first changes from run to run (the histograms' sizes
/// follow the timings): a `.hgrm` rewrite, a row file, or now and then the interval log.
/// The interval log was appended without its path in the error, and a failed append left
/// part of a run's intervals behind (a torn line; an orphan `#repetition` comment that
/// shifted later runs' repetitions): it is now appended whole, with the path, and read
/// by its comments. Skipped, with a message, where a tmpfs cannot be mounted (not root).
#[test]
fn a_full_disk_names_enospc_and_the_file_leaves_no_torn_row_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("full.toml");
    let reps = 150;
    let toml = config(reps, 100).replace(r#"["static"]"#, r#"["static", "dynamic:4"]"#);
    std::fs::write(&cfg, toml).unwrap();
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    if !mount_tmpfs(&mnt, "300k") {
        return;
    }
    let out = mnt.join("out");
    let (cfg_s, out_s) = (cfg.to_str().unwrap(), out.to_str().unwrap());
    let o = wsbench(&["run", cfg_s, "--out", out_s]);
    let checks = std::panic::catch_unwind(|| {
        let msg = text(&o);
        assert_eq!(o.status.code(), Some(1), "{msg}");
        assert!(
            msg.contains("No space left on device (os error 28)"),
            "{msg}"
        );
        assert!(msg.contains(&format!("writing {out_s}/")), "{msg}");
        let runs = lines(&out.join("runs.csv")).len();
        assert!(runs < 3 * reps, "the disk never filled: {runs} rows");
        // The disk is still full: meta.json says so all the same.
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
        assert_eq!(meta["status"], "failed", "{meta}");
        let error = meta["error"].as_str().unwrap_or_default();
        assert!(error.contains("(os error 28)"), "{meta}");
        let grow = Command::new("mount")
            .args(["-o", "remount,size=20m"])
            .arg(&mnt)
            .status();
        assert!(grow.is_ok_and(|s| s.success()));
        let o = wsbench(&["run", cfg_s, "--resume", out_s]);
        assert!(o.status.success(), "{}", text(&o));
        // Serial, static at 2 workers, dynamic at 2 workers.
        assert_whole(&out, 3 * reps);
    });
    let _ = Command::new("umount").arg(&mnt).status();
    checks.unwrap();
}

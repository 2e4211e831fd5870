//! Running again what ran: `--dry-run` prints a config that runs as it is, `--resume DIR`
//! alone finishes a sweep (the command the interrupt message prints works as written),
//! synthetic workloads resume with the same tasks, and results go outside the repository
//! unless `--out` says otherwise.

mod common;

use common::text;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn wsbench(args: &[&str]) -> Output {
    wsbench_in(Path::new("."), args)
}

fn wsbench_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("runs wsbench")
}

fn meta(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap()
}

/// The `runs.csv` rows of a folder as maps column → value.
fn runs(dir: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The run keys of a folder's `runs.csv`, checked unique.
fn run_keys(dir: &Path) -> HashSet<String> {
    let rows = runs(dir);
    let keys: HashSet<String> = rows
        .iter()
        .map(|r| {
            ["workload", "strategy", "workers", "placement", "repetition"]
                .map(|c| r[c].as_str())
                .join(",")
        })
        .collect();
    assert_eq!(
        keys.len(),
        rows.len(),
        "duplicate rows in {}",
        dir.display()
    );
    keys
}

/// A dry run's experiment text, without its first line (which names the source).
fn dry_run(config: &Path, quick: bool) -> String {
    let mut args = vec!["run", config.to_str().unwrap(), "--dry-run"];
    if quick {
        args.push("--quick");
    }
    let o = wsbench(&args);
    assert!(o.status.success(), "{config:?}: {}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let (first, body) = out.split_once('\n').unwrap();
    assert!(first.starts_with('#'), "{first}");
    body.to_string()
}

#[test]
fn dry_run_prints_a_config_that_runs_as_it_is_for_every_shipped_config() {
    let tmp = tempfile::tempdir().unwrap();
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let mut seen = 0;
    for entry in std::fs::read_dir(&configs).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        seen += 1;
        for quick in [false, true] {
            let printed = dry_run(&path, quick);
            let again = tmp.path().join("printed.toml");
            std::fs::write(&again, &printed).unwrap();
            assert_eq!(dry_run(&again, false), printed, "{path:?}, quick {quick}");
            // A quick experiment is not shrunk twice.
            assert_eq!(dry_run(&again, quick), printed, "{path:?}, quick {quick}");
        }
    }
    assert!(seen >= 6, "{seen} configs in {}", configs.display());
}

/// A sweep that takes a few seconds: long enough to interrupt.
const SLOW: &str = r#"
name = "slow"
repetitions = 8
warmup = 0
workers = [2]
placements = ["none"]
strategies = ["static"]

[[workload]]
name = "fact"
kind = "factorial"
n = 15000
"#;

/// Waits until the folder's `runs.csv` holds at least one row.
fn wait_for_a_row(dir: &Path, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = std::fs::read_to_string(dir.join("runs.csv")).unwrap_or_default();
        if rows.lines().count() >= 2 {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "ended before a row");
        assert!(Instant::now() < deadline, "no row after 60 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The words of a command line as a POSIX shell reads them (plain words and
/// single-quoted parts, which is all the interrupt message writes).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[test]
fn the_interrupt_message_prints_a_command_that_finishes_the_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("slow.toml");
    std::fs::write(&cfg, SLOW).unwrap();
    let out = tmp.path().join("my results");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(["run", cfg.to_str().unwrap(), "--quick", "--workers", "1,2"])
        .args(["--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_a_row(&out, &mut child);
    // SAFETY: kill has no memory preconditions; the pid is our child's, not yet waited for.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let o = child.wait_with_output().unwrap();
    let msg = text(&o);
    assert_eq!(o.status.code(), Some(130), "{msg}");
    assert_eq!(meta(&out)["status"], "interrupted");
    let command = msg
        .split_once("finish with `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(c, _)| c)
        .unwrap_or_else(|| panic!("no command in: {msg}"));
    let words = shell_words(command);
    assert_eq!(words[1..3], ["run", "--resume"], "{command}");
    // A conflicting option is refused, naming the difference, and changes nothing.
    let before = run_keys(&out);
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    args.extend(["--workers", "2"]);
    let o = wsbench(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--workers 2: the folder's worker counts are 1,2"),
        "{}",
        text(&o)
    );
    assert_eq!(run_keys(&out), before);
    // The printed command, word for word.
    let o = Command::new(&words[0]).args(&words[1..]).output().unwrap();
    assert!(o.status.success(), "{command}: {}", text(&o));
    let m = meta(&out);
    assert_eq!(m["status"], "complete");
    assert_eq!(m["config"]["quick"], true);
    // Serial and static at 1 and 2 workers, 2 repetitions each (--quick).
    assert_eq!(run_keys(&out).len(), 3 * 2);
}

/// A small synthetic sweep, like the shipped overhead.toml: 3 repetitions after 1 warmup.
const SPIN: &str = r#"
name = "spin"
repetitions = 3
warmup = 1
workers = [2]
placements = ["none"]
strategies = ["static", "dynamic:16"]
latency = false

[[workload]]
name = "tiny"
kind = "synthetic"
distribution = "fixed:time=2us"
count = 2000
seed = 1
"#;

#[test]
fn a_synthetic_sweep_resumes_with_the_same_tasks() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("spin.toml");
    std::fs::write(&cfg, SPIN).unwrap();
    let out = tmp.path().join("out");
    let (cfg_s, out_s) = (cfg.to_str().unwrap(), out.to_str().unwrap());
    // Warmup (3 runs) and 2 counted runs.
    let o = wsbench(&["run", cfg_s, "--out", out_s, "--stop-after", "5"]);
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let rate = meta(&out)["spin_iterations_per_ns"].as_f64();
    assert!(rate.is_some_and(|r| r > 0.0), "{}", meta(&out));
    // Options or a config that differ from the folder's are refused, naming the difference.
    for (args, named) in [
        (
            vec!["run", "--resume", out_s, "--quick"],
            "--quick: the folder was started without it",
        ),
        (
            vec!["run", cfg_s, "--resume", out_s, "--workers", "1"],
            "(keys: workers)",
        ),
        (
            vec!["run", "--resume", out_s, "--repetitions", "4"],
            "--repetitions 4: the folder's is 3",
        ),
        (
            vec!["run", cfg_s, "--resume", out_s, "--repetitions", "4"],
            "(keys: repetitions)",
        ),
    ] {
        let o = wsbench(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(named), "{args:?}: {}", text(&o));
    }
    assert_eq!(runs(&out).len(), 2);
    // Twice: a second resume of a complete folder changes nothing.
    for _ in 0..2 {
        let o = wsbench(&["run", "--resume", out_s]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let m = meta(&out);
    assert_eq!(m["status"], "complete");
    assert_eq!(m["spin_iterations_per_ns"].as_f64(), rate);
    let rows = runs(&out);
    assert_eq!(rows.len(), 3 * 3);
    assert!(rows.iter().all(|r| r["checksum_ok"] == "true"), "{rows:?}");
    let sums: HashSet<&str> = rows.iter().map(|r| r["checksum"].as_str()).collect();
    assert_eq!(sums.len(), 1, "{sums:?}");
}

#[test]
fn without_out_results_go_to_wsbench_results_in_the_current_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("tiny.toml");
    let tiny = SLOW
        .replace("repetitions = 8", "repetitions = 1")
        .replace("n = 15000", "n = 20");
    std::fs::write(&cfg, tiny).unwrap();
    let o = wsbench_in(tmp.path(), &["run", "tiny.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let group = tmp.path().join("wsbench-results").join("slow");
    let folders: Vec<PathBuf> = std::fs::read_dir(&group)
        .unwrap_or_else(|e| panic!("{}: {e}; {}", group.display(), text(&o)))
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let shown = folders[0].strip_prefix(tmp.path()).unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains(&format!("results folder: {}", shown.display())),
        "{said}"
    );
    assert_eq!(meta(&folders[0])["status"], "complete");
    assert!(!tmp.path().join("results").exists());
    // A second run in the same second gets a folder of its own.
    let o = wsbench_in(tmp.path(), &["run", "tiny.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_dir(&group).unwrap().count(), 2);
}

#[test]
fn repetitions_on_the_command_line_replace_the_configs_and_are_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("spin.toml");
    std::fs::write(&cfg, SPIN).unwrap();
    let out = tmp.path().join("out");
    let (cfg_s, out_s) = (cfg.to_str().unwrap(), out.to_str().unwrap());
    let o = wsbench(&["run", cfg_s, "--repetitions", "5", "--out", out_s]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(meta(&out)["config"]["repetitions"], 5);
    // Serial, static and dynamic:16, 5 repetitions each, every one checked.
    let rows = runs(&out);
    assert_eq!(rows.len(), 3 * 5, "{rows:?}");
    assert!(rows.iter().all(|r| r["checksum_ok"] == "true"), "{rows:?}");
    // Resuming alone takes the count from the folder; saying it again is accepted.
    let o = wsbench(&["run", "--resume", out_s, "--repetitions", "5"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(runs(&out).len(), 3 * 5);
}

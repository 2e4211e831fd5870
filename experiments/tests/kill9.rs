//! `kill -9` at random points of a real sweep, then `--resume` until it completes: the
//! folder ends with exactly the planned rows, none twice, none torn, and side files
//! (`latency.csv`, `workers.csv`, the `.hlog` interval logs) that agree with `runs.csv`.
//!
//! The kill times are drawn from a seed: `WSBENCH_KILL9_SEED=N` repeats a run (the seed
//! is printed first, so a failure shows it); `WSBENCH_KILL9_KILLS` sets how many kills
//! (default 20).

mod common;

use common::text;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use workloads::rng::SplitMix64;

/// Latency recorded (interval logs, `latency.csv`), a synthetic workload (its spin rate
/// must be reused by every resume, or the checksums differ) and a factorial one.
const CONFIG: &str = r#"
name = "kill9"
repetitions = 4
warmup = 1
workers = [2]
placements = ["none"]
strategies = ["static", "work-stealing:1"]

[[workload]]
name = "fact"
kind = "factorial"
n = 400

[[workload]]
name = "spin"
kind = "synthetic"
distribution = "exponential:mean=20us"
count = 1000
seed = 3
"#;

/// SplitMix64: a seeded stream of kill times.
struct Rng(SplitMix64);

impl Rng {
    /// Uniform in [0, max).
    fn below(&mut self, max: Duration) -> Duration {
        let nanos = max.as_nanos().max(1) as u64;
        Duration::from_nanos(self.0.next_u64() % nanos)
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// `run CONFIG --out DIR` for a folder without `meta.json` (none yet, or a kill came
/// before it), else `run --resume DIR`.
fn args_for(cfg: &Path, dir: &Path) -> Vec<String> {
    let dir = dir.to_str().unwrap().to_string();
    if dir_has_meta(Path::new(&dir)) {
        vec!["run".into(), "--resume".into(), dir]
    } else {
        let cfg = cfg.to_str().unwrap().to_string();
        vec!["run".into(), cfg, "--out".into(), dir]
    }
}

fn dir_has_meta(dir: &Path) -> bool {
    dir.join("meta.json").exists()
}

fn wsbench(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(args)
        .output()
        .expect("runs wsbench")
}

/// The lines of a text file, each checked terminated.
fn lines(path: &Path) -> Vec<String> {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(s.ends_with('\n'), "{}: unterminated", path.display());
    s.lines().map(str::to_string).collect()
}

/// Rows per run key (workload, strategy, workers, placement, repetition) of a CSV file,
/// every row checked whole (as many fields as the header).
fn rows_per_run(path: &Path) -> BTreeMap<String, usize> {
    let all = lines(path);
    let fields = all[0].split(',').count();
    let mut out = BTreeMap::new();
    for l in &all[1..] {
        assert_eq!(
            l.split(',').count(),
            fields,
            "{}: torn row `{l}`",
            path.display()
        );
        let key = l.split(',').take(5).collect::<Vec<_>>().join(",");
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

/// Per cell stem: the repetitions whose interval triple (wait, service, response) is
/// whole in the cell's `.hlog`.
fn hlog_repetitions(dir: &Path) -> HashMap<String, HashSet<String>> {
    let mut out = HashMap::new();
    for e in std::fs::read_dir(dir.join("hgrm")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".hlog") else {
            continue;
        };
        let mut reps = HashSet::new();
        let mut current: Option<(String, Vec<String>)> = None;
        let mut close = |c: Option<(String, Vec<String>)>| {
            if let Some((rep, tags)) = c {
                if tags == ["wait", "service", "response"] {
                    reps.insert(rep);
                }
            }
        };
        for l in lines(&e.path()) {
            if let Some(rep) = l.strip_prefix("#repetition=") {
                close(current.take());
                current = Some((rep.to_string(), Vec::new()));
            } else if let Some(rest) = l.strip_prefix("Tag=") {
                assert_eq!(rest.split(',').count(), 5, "{name}: torn interval");
                let tag = rest.split(',').next().unwrap().to_string();
                current
                    .as_mut()
                    .expect("an interval after its comment")
                    .1
                    .push(tag);
            }
        }
        close(current.take());
        out.insert(stem.to_string(), reps);
    }
    out
}

/// The final folder against the reference folder of an uninterrupted run.
fn check(dir: &Path, reference: &Path) {
    let runs = rows_per_run(&dir.join("runs.csv"));
    let planned = rows_per_run(&reference.join("runs.csv"));
    assert!(runs.values().all(|&n| n == 1), "duplicate runs: {runs:?}");
    assert_eq!(
        runs.keys().collect::<Vec<_>>(),
        planned.keys().collect::<Vec<_>>()
    );
    for side in ["latency.csv", "workers.csv"] {
        assert_eq!(
            rows_per_run(&dir.join(side)),
            rows_per_run(&reference.join(side)),
            "{side} disagrees with runs.csv"
        );
    }
    // Every recorded run's intervals are in its cell's log (a run killed before its row
    // may have left an extra interval of a repetition run again: allowed, and ignored).
    let hlogs = hlog_repetitions(dir);
    for key in runs.keys() {
        let k: Vec<&str> = key.split(',').collect();
        let workers: usize = k[2].parse().unwrap();
        let stem = wsbench_schema::file_stem(k[0], k[1], workers, k[3]);
        let reps = hlogs.get(&stem).unwrap_or_else(|| panic!("no {stem}.hlog"));
        assert!(reps.contains(k[4]), "{stem}.hlog lacks repetition {}", k[4]);
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["status"], "complete");
    assert_eq!(meta["runs_recorded"], runs.len());
    let mut r = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let ok = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "checksum_ok")
        .unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        assert_eq!(&rec[ok], "true", "a checksum mismatch: {rec:?}");
    }
    for d in [dir.to_path_buf(), dir.join("hgrm")] {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            assert!(!name.contains(".tmp-"), "left behind: {name}");
        }
    }
}

#[test]
fn kill_9_at_random_points_then_resume_leaves_exactly_the_planned_rows() {
    let seed = env_number("WSBENCH_KILL9_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    let kills_wanted = env_number("WSBENCH_KILL9_KILLS").unwrap_or(20);
    eprintln!("kill -9 test: WSBENCH_KILL9_SEED={seed} WSBENCH_KILL9_KILLS={kills_wanted}");
    let mut rng = Rng(SplitMix64::new(seed));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("kill9.toml");
    std::fs::write(&cfg, CONFIG).unwrap();

    // An uninterrupted run: the planned rows, and how long a whole run takes.
    let reference = tmp.path().join("reference");
    let started = Instant::now();
    let o = wsbench(&args_for(&cfg, &reference));
    assert!(o.status.success(), "{}", text(&o));
    let whole = started.elapsed();

    let mut kills = 0;
    let mut folders = 0;
    while kills < kills_wanted {
        folders += 1;
        let dir = tmp.path().join(format!("killed-{folders}"));
        // Kill, resume, kill... until the kills are done or the folder completes.
        while kills < kills_wanted {
            let mut child = Command::new(env!("CARGO_BIN_EXE_wsbench"))
                .args(args_for(&cfg, &dir))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let at = rng.below(whole);
            std::thread::sleep(at);
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                continue;
            }
            let o = child.wait_with_output().unwrap();
            assert!(
                o.status.success(),
                "seed {seed}, folder {folders}: {}",
                text(&o)
            );
            break;
        }
        // Finish it.
        let o = wsbench(&args_for(&cfg, &dir));
        assert!(
            o.status.success(),
            "seed {seed}, folder {folders}: {}",
            text(&o)
        );
        check(&dir, &reference);
    }
    eprintln!("{kills} kills over {folders} folders; a whole run takes {whole:?}");
}

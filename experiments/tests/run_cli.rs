//! `wsbench run` and `wsbench merge` end to end, on tiny workloads: every output file's
//! format, resume after an interruption, shards and merge, and bad input.

mod common;

use common::wsbench;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::Histogram;

const TASKS: usize = 60;
const REPS: usize = 2;

fn config(strategies: &str) -> String {
    format!(
        r#"
name = "tiny"
repetitions = {REPS}
warmup = 1
workers = [1, 2]
placements = ["none"]
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
name = "fact"
kind = "factorial"
n = {TASKS}
"#
    )
}

const ALL: &str = r#""static", "static-cyclic", "dynamic:4", "guided", "work-stealing:1", "adaptive", "rayon", "rayon-fine""#;

fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// (workload, strategy, workers, placement, repetition) of every runs.csv row.
fn run_keys(dir: &Path) -> Vec<String> {
    let (h, rows) = csv_rows(&dir.join("runs.csv"));
    rows.iter()
        .map(|r| {
            (0..5)
                .map(|i| r[col(&h, &h[i])].clone())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// `wsbench run CONFIG --resume OUT` must fail with exit 2, naming the config key that differs.
fn assert_resume_refused(config: &Path, out: &Path, key: &str) {
    let o = wsbench(&[
        "run",
        config.to_str().unwrap(),
        "--resume",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(key), "{err}");
}

fn meta(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap()
}

/// Cells per workload: serial + 8 strategies × 2 worker counts.
const CELLS: usize = 2 * (1 + 8 * 2);

#[test]
fn a_run_writes_every_file_in_its_format() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), "tiny.toml", &config(ALL));
    let out = tmp.path().join("out");
    let o = wsbench(&["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(
            "| strategy | workers | makespan | speedup | lb_ratio | median run p99 response |"
        ),
        "{stdout}"
    );

    // runs.csv: the published columns first (`wsbench_schema::RunRow`), one row per counted run, every checksum ok.
    let (h, rows) = csv_rows(&out.join("runs.csv"));
    assert_eq!(
        h[..13].join(","),
        "workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,speedup,lb_ratio,steals,migrations,checksum_ok"
    );
    for name in [
        "failed_steals",
        "parks",
        "busy_ns",
        "idle_ns",
        "tasks",
        "size",
        "pool_in_timing",
        "latency",
        "checksum",
    ] {
        col(&h, name);
    }
    assert_eq!(rows.len(), CELLS * REPS);
    assert_eq!(
        run_keys(&out).into_iter().collect::<HashSet<_>>().len(),
        rows.len()
    );
    for r in &rows {
        assert_eq!(r[col(&h, "checksum_ok")], "true", "{r:?}");
        assert_eq!(r[col(&h, "tasks")], TASKS.to_string(), "{r:?}");
        let lb: u64 = r[col(&h, "lower_bound_ns")].parse().unwrap();
        let makespan: u64 = r[col(&h, "makespan_ns")].parse().unwrap();
        assert!(lb > 0 && makespan > 0);
        let allowed = topology::affinity::allowed_cpus().map_or(1, |c| c.len());
        let workers: usize = r[col(&h, "workers")].parse().unwrap();
        assert_eq!(
            r[col(&h, "cpus")],
            workers.min(allowed).to_string(),
            "{r:?}"
        );
        if r[col(&h, "strategy")] == "serial" {
            assert_eq!(r[col(&h, "workers")], "1");
            assert_eq!(r[col(&h, "speedup")], "1.0");
        }
    }

    // latency.csv: 3 metrics × 6 percentiles per run; latency_cells.csv the same per cell.
    let (h, rows) = csv_rows(&out.join("latency.csv"));
    assert_eq!(
        h.join(","),
        "workload,strategy,workers,placement,repetition,metric,percentile,value_ns"
    );
    assert_eq!(rows.len(), CELLS * REPS * 18);
    let pct: HashSet<&str> = rows.iter().map(|r| r[6].as_str()).collect();
    assert_eq!(
        pct,
        ["50", "90", "99", "99.9", "99.99", "100"]
            .into_iter()
            .collect()
    );
    let (_, cells) = csv_rows(&out.join("latency_cells.csv"));
    assert_eq!(cells.len(), CELLS * 18);
    assert!(cells.iter().all(|r| r[4] == "all"));

    // workers.csv: one row per worker per run.
    let (h, rows) = csv_rows(&out.join("workers.csv"));
    assert_eq!(h.join(","), "workload,strategy,workers,placement,repetition,worker,cpu,busy_ns,idle_ns,tasks,steals,parks,finish_ns,migrations");
    assert_eq!(rows.len(), 2 * REPS * (1 + 8 + 8 * 2));

    // meta.json.
    let m = meta(&out);
    assert_eq!(m["status"], "complete");
    assert_eq!(m["config"]["name"], "tiny");
    for key in [
        "rustc",
        "profile",
        "git",
        "cpu_model",
        "kernel",
        "smt",
        "governor",
        "boost",
        "topology",
        "placements",
        "clock",
    ] {
        assert!(
            !m["machine"][key].is_null(),
            "meta.json lacks machine.{key}"
        );
    }
    assert!(m["started"][0].as_str().unwrap().ends_with('Z'));

    // hgrm: parse the percentile distribution back; check rows and footer.
    let stem = "mixed__dynamic-4__w2__none";
    let text =
        std::fs::read_to_string(out.join("hgrm").join(format!("{stem}.response.hgrm"))).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("# Value unit: µs (ns / 1000)"));
    let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        head,
        ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]
    );
    let (mut last_p, mut last_count, mut last_value) = (0.0f64, 0u64, 0.0f64);
    let mut footer = Vec::new();
    for l in lines.filter(|l| !l.trim().is_empty()) {
        if l.starts_with("#[") {
            footer.push(l.to_string());
            continue;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        let (v, p, c): (f64, f64, u64) = (
            f[0].parse().unwrap(),
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
        );
        assert!(p >= last_p && c >= last_count && v >= last_value, "{l}");
        if p < 1.0 {
            let inv: f64 = f[3].parse().unwrap();
            assert!((inv - 1.0 / (1.0 - p)).abs() < 0.01 * inv, "{l}");
        }
        (last_p, last_count, last_value) = (p, c, v);
    }
    assert_eq!(last_p, 1.0);
    assert_eq!(last_count as usize, TASKS * REPS);
    assert_eq!(footer.len(), 3, "{text}");
    assert!(footer[0].starts_with("#[Mean    =") && footer[0].contains("StdDeviation   ="));
    let max: f64 = footer[1]["#[Max     =".len()..]
        .split(',')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((max - last_value).abs() < 1e-3, "{}", footer[1]);
    assert!(
        footer[1].ends_with(&format!("Total count    = {:>12}]", TASKS * REPS)),
        "{}",
        footer[1]
    );
    assert!(footer[2].starts_with("#[Buckets =") && footer[2].contains("SubBuckets     ="));

    // hlog: decode with the crate's own log iterator and deserializer.
    let bytes = std::fs::read(out.join("hgrm").join(format!("{stem}.hlog"))).unwrap();
    let mut de = Deserializer::new();
    let mut tags = Vec::new();
    for e in IntervalLogIterator::new(&bytes) {
        if let LogEntry::Interval(iv) = e.unwrap() {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(iv.encoded_histogram())
                .unwrap();
            let h: Histogram<u64> = de.deserialize(&mut raw.as_slice()).unwrap();
            assert_eq!(h.len() as usize, TASKS);
            tags.push(iv.tag().unwrap().as_str().to_string());
        }
    }
    assert_eq!(
        tags,
        ["wait", "service", "response", "wait", "service", "response"]
    );
}

#[test]
fn an_interrupted_sweep_resumes_without_repeats() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), "tiny.toml", &config(r#""static", "dynamic:2""#));
    let out = tmp.path().join("out");
    let cells = 2 * (1 + 2 * 2);
    // Warmup round (10 runs) + 4 counted runs, then "Ctrl-C".
    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--stop-after",
        "14",
    ]);
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    assert_eq!(meta(&out)["status"], "interrupted");
    assert_eq!(run_keys(&out).len(), 4);
    let hlog_before =
        std::fs::read_to_string(out.join("hgrm/mixed__serial__w1__none.hlog")).unwrap();
    assert_eq!(hlog_before.matches("Tag=wait").count(), 1);

    // Resuming with another config is refused and changes nothing.
    let other = write_config(tmp.path(), "other.toml", &config(r#""static""#));
    assert_resume_refused(&other, &out, "strategies");
    assert_eq!(run_keys(&out).len(), 4);

    // A run killed between its writes leaves rows with no runs.csv row: they must go.
    let orphan_lat = "mixed,static,2,none,1,wait,50,12345\n";
    let orphan_worker = "mixed,static,2,none,1,0,,1,1,1,0,0,,\n";
    for (file, row) in [("latency.csv", orphan_lat), ("workers.csv", orphan_worker)] {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(out.join(file))
            .unwrap();
        std::io::Write::write_all(&mut f, row.as_bytes()).unwrap();
    }

    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--resume",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let keys = run_keys(&out);
    assert_eq!(keys.len(), cells * REPS);
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        keys.len(),
        "duplicated runs"
    );
    let m = meta(&out);
    assert_eq!(m["status"], "complete");
    assert_eq!(m["command_lines"].as_array().unwrap().len(), 2);
    let (_, lat) = csv_rows(&out.join("latency.csv"));
    assert_eq!(lat.len(), cells * REPS * 18);
    assert!(
        !lat.iter().any(|r| r[7] == "12345"),
        "the orphan latency row survived"
    );
    let (_, workers) = csv_rows(&out.join("workers.csv"));
    assert_eq!(workers.len(), 2 * REPS * (1 + 2 + 2 * 2));
    let hlog = std::fs::read_to_string(out.join("hgrm/mixed__serial__w1__none.hlog")).unwrap();
    assert_eq!(hlog.matches("Tag=wait").count(), REPS);
    assert_eq!(hlog.matches("#[StartTime").count(), 1);
}

#[test]
fn shards_merge_into_one_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(tmp.path(), "tiny.toml", &config(r#""static", "adaptive""#));
    let cells = 2 * (1 + 2 * 2);
    let mut dirs = Vec::new();
    for i in 0..3 {
        let d = tmp.path().join(format!("shard{i}"));
        let o = wsbench(&[
            "run",
            cfg.to_str().unwrap(),
            "--quick",
            "--shard",
            &format!("{i}/3"),
            "--out",
            d.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        dirs.push(d);
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    let o = wsbench(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let keys = run_keys(&merged);
    assert_eq!(keys.len(), cells * REPS);
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), keys.len());
    assert_eq!(meta(&merged)["status"], "complete");
    assert_eq!(meta(&merged)["merged_from"].as_array().unwrap().len(), 3);
    let hgrms = std::fs::read_dir(merged.join("hgrm")).unwrap().count();
    assert_eq!(hgrms, cells * 4);

    // A missing shard, or shards of another experiment, are refused.
    let o = wsbench(&[
        "merge",
        dirs[0].to_str().unwrap(),
        "--out",
        tmp.path().join("m2").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing"));
    let other = write_config(tmp.path(), "other.toml", &config(r#""static""#));
    let d = tmp.path().join("other0");
    assert!(wsbench(&[
        "run",
        other.to_str().unwrap(),
        "--quick",
        "--shard",
        "1/3",
        "--out",
        d.to_str().unwrap()
    ])
    .status
    .success());
    let o = wsbench(&[
        "merge",
        dirs[0].to_str().unwrap(),
        d.to_str().unwrap(),
        dirs[2].to_str().unwrap(),
        "--out",
        tmp.path().join("m3").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("config differs"));
}

#[test]
fn bad_input_exits_2_with_a_message_and_leaves_no_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let good = config(r#""static""#);
    let numbers = tmp.path().join("numbers.txt");
    std::fs::write(&numbers, "12\n35\nseven\n").unwrap();
    let file_workload =
        format!("{good}\n[[workload]]\nname = \"list\"\nkind = \"file\"\npath = \"numbers.txt\"\n");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown key",
            good.replace("warmup = 1", "warmup = 1\nrepetitons = 3"),
            vec!["repetitons", "line 5"],
        ),
        (
            "bad strategy",
            good.replace(r#""static""#, r#""statik""#),
            vec!["statik", "key `strategies`", "rayon-fine"],
        ),
        (
            "zero workers",
            good.replace("[1, 2]", "[0, 2]"),
            vec!["workers", "0 workers"],
        ),
        (
            "bad placement",
            good.replace(r#"["none"]"#, r#"["everywhere"]"#),
            vec!["placements", "everywhere"],
        ),
        (
            "bad order",
            good.replace("heavy-last", "heaviest"),
            vec!["workload.order", "heaviest", "heavy-last"],
        ),
        (
            "bad file line",
            file_workload,
            vec!["numbers.txt:3", "seven"],
        ),
        (
            "malformed toml",
            good.replace("repetitions = 2", "repetitions = "),
            vec!["TOML parse error", "line 3"],
        ),
    ];
    for (what, text, needles) in cases {
        let cfg = write_config(tmp.path(), "bad.toml", &text);
        let out = tmp.path().join("out");
        let o = wsbench(&["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(
            err.starts_with("wsbench: ") && !err.contains("panicked") && !err.contains("backtrace"),
            "{what}: {err}"
        );
        for n in needles {
            assert!(err.contains(n), "{what}: message lacks {n:?}: {err}");
        }
        assert!(!out.exists(), "{what}: left an output folder");
    }
    // An unreadable config, an unwritable output folder, a bad shard.
    let o = wsbench(&["run", tmp.path().join("missing.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.toml"));
    let cfg = write_config(tmp.path(), "good.toml", &good);
    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--out",
        "/proc/wsbench-cannot-write-here",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--shard",
        "3/3",
        "--out",
        tmp.path().join("s").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("s").exists());
}

#[test]
fn a_checksum_mismatch_fails_loudly_and_keeps_the_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let text = config(r#""static", "dynamic:2""#).replace("warmup = 1", "warmup = 0");
    let cfg = write_config(tmp.path(), "tiny.toml", &text);
    let out = tmp.path().join("out");
    // Runs: serial mixed, serial fact, static 1w mixed, static 1w fact (corrupted).
    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--corrupt-run",
        "3",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("checksum mismatch"), "{err}");
    let (h, rows) = csv_rows(&out.join("runs.csv"));
    assert_eq!(rows.len(), 4);
    // The order within a round is shuffled (serial first in the first round): the
    // corrupted run is the fourth, whichever cell that is.
    let last = &rows[3];
    let cell = format!(
        "{} · {} · {}w · none",
        last[col(&h, "workload")],
        last[col(&h, "strategy")],
        last[col(&h, "workers")]
    );
    assert_ne!(last[col(&h, "strategy")], "serial");
    assert!(err.contains(&cell), "{cell}: {err}");
    let ok = col(&h, "checksum_ok");
    assert_eq!(
        rows.iter().map(|r| r[ok].as_str()).collect::<Vec<_>>(),
        ["true", "true", "true", "false"]
    );
    let m = meta(&out);
    assert_eq!(m["status"], "failed");
    assert!(m["error"].as_str().unwrap().contains("checksum mismatch"));
}

#[test]
fn workers_on_the_command_line_replace_the_configs() {
    let tmp = tempfile::tempdir().unwrap();
    // Also the stealing policy keys, with a schedule that steals.
    let text = config(r#""static", "work-stealing:1""#).replacen(
        "\n",
        "\nvictim_order = \"topology\"\nsteal = \"half\"\n",
        1,
    );
    let cfg = write_config(tmp.path(), "tiny.toml", &text);
    let out = tmp.path().join("out");
    let o = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--workers",
        "1,1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(meta(&out)["config"]["workers"], serde_json::json!([1]));
    assert_eq!(meta(&out)["config"]["victim_order"], "topology");
    assert_eq!(meta(&out)["config"]["steal"], "half");
    let (header, rows) = csv_rows(&out.join("runs.csv"));
    let workers: HashSet<String> = rows
        .iter()
        .filter(|r| r[col(&header, "strategy")] == "static")
        .map(|r| r[col(&header, "workers")].clone())
        .collect();
    assert_eq!(workers, HashSet::from(["1".to_string()]));
    // Resuming needs the same override: without it the config differs.
    assert_resume_refused(&cfg, &out, "workers");

    let bad = wsbench(&[
        "run",
        cfg.to_str().unwrap(),
        "--workers",
        "2,0",
        "--dry-run",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("`0` is not a worker count") && err.contains("1,2,4,16"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

//! Input that must be refused before anything is allocated or written: out-of-range
//! config values, `--workers`, damaged `merge` inputs and binary data on `factor`'s
//! standard input. Each exits 2 with one message naming where and what is allowed,
//! and creates no folder.

mod common;

use std::path::Path;
use std::process::Output;

const GOOD: &str = r#"name = "tiny"
repetitions = 1
warmup = 0
workers = [1]
placements = ["none"]
strategies = ["static"]

[[workload]]
name = "fact"
kind = "factorial"
n = 30

[[workload]]
name = "numbers"
kind = "factorize"
generator = "mixed"
bits = 24
count = 40
"#;

fn wsbench(args: &[&str], stdin: &[u8]) -> Output {
    common::wsbench_with_stdin(args, stdin)
}

/// Exit 2, one `wsbench:` or clap message with every needle, no panic.
fn assert_refused(what: &str, o: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{what}: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "{what}: message lacks {n:?}: {err}");
    }
}

#[test]
fn out_of_range_config_values_are_refused_before_any_folder_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let over = |from: &str, to: &str| GOOD.replace(from, to);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "100000 workers",
            over("workers = [1]", "workers = [100000]"),
            vec!["bad.toml:4", "key `workers`", "100000", "1..=4096"],
        ),
        (
            "100000 workers, oversubscribed",
            over("workers = [1]", "workers = [1, 100000]")
                .replace(r#"["none"]"#, r#"["spread+oversubscribe"]"#),
            vec!["bad.toml:4", "key `workers`", "100000", "1..=4096"],
        ),
        (
            "one count of workers",
            over("workers = [1]", "workers = 65536"),
            vec!["bad.toml:4", "key `workers`", "1..=4096"],
        ),
        (
            "huge factorial n",
            over("n = 30", "n = 100000000000"),
            vec!["bad.toml:11", "key `workload.n`", "1..=100000"],
        ),
        (
            "i64::MAX factorial n",
            over("n = 30", "n = 9223372036854775807"),
            vec!["bad.toml:11", "key `workload.n`", "1..=100000"],
        ),
        (
            "huge count",
            over("count = 40", "count = 100000000000"),
            vec!["bad.toml:18", "key `workload.count`", "1..=10000000"],
        ),
        (
            "bits = 100",
            over("bits = 24", "bits = 100"),
            vec!["bad.toml:17", "key `workload.bits`", "100", "8..=64"],
        ),
        (
            "bits = 4",
            over("bits = 24", "bits = 4"),
            vec!["bad.toml:17", "key `workload.bits`", "8..=64"],
        ),
        (
            "huge factorial sizes",
            over("n = 30", "sizes = [10, 1000000000]"),
            vec![
                "bad.toml:11",
                "key `workload.sizes`",
                "1000000000",
                "1..=100000",
            ],
        ),
        (
            "huge count sizes",
            over("count = 40", "sizes = [10, 99999999999]"),
            vec!["bad.toml:18", "key `workload.sizes`", "1..=10000000"],
        ),
        (
            "negative seed",
            over("count = 40", "count = 40\nseed = -1"),
            vec!["bad.toml:19", "key `workload.seed`", "-1"],
        ),
    ];
    for (what, text, needles) in cases {
        let cfg = tmp.path().join("bad.toml");
        std::fs::write(&cfg, text).unwrap();
        let out = tmp.path().join("out");
        let o = wsbench(
            &["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()],
            b"",
        );
        assert_refused(what, &o, &needles);
        assert!(!out.exists(), "{what}: left an output folder");
    }
}

/// `wsbench run GOOD --FLAG=V` for each of `values`: refused (exit 2, the message
/// naming `needles`) before any output folder exists.
fn assert_flag_values_refused(flag: &str, values: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("good.toml");
    std::fs::write(&cfg, GOOD).unwrap();
    let out = tmp.path().join("out");
    for v in values {
        let arg = format!("--{flag}={v}");
        let args = [
            "run",
            cfg.to_str().unwrap(),
            &arg,
            "--out",
            out.to_str().unwrap(),
        ];
        let o = wsbench(&args, b"");
        assert_refused(&arg, &o, needles);
        assert!(!out.exists(), "{arg}: left an output folder");
    }
}

#[test]
fn out_of_range_workers_on_the_command_line_are_refused() {
    let lists = ["100000", "1,4097", "0", "-3", "2,x", "18446744073709551616"];
    assert_flag_values_refused("workers", &lists, &["--workers", "1..=4096"]);
}

#[test]
fn out_of_range_repetitions_on_the_command_line_are_refused() {
    let counts = ["0", "-1", "x", "4294967296"];
    assert_flag_values_refused("repetitions", &counts, &["--repetitions"]);
}

#[test]
fn binary_data_on_factor_input_names_its_line() {
    let o = wsbench(&["factor"], b"12\n# note\n\x00\xff\xfe\x01\n35\n");
    assert_refused(
        "binary stdin",
        &o,
        &["standard input, line 3", "not text", "decimal integer"],
    );
    let o = wsbench(&["factor"], b"12\n\x00\n");
    assert_refused(
        "NUL line",
        &o,
        &["standard input, line 2", "decimal integer"],
    );
    let o = wsbench(&["factor"], b"12\r\n35\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "12: 2 2 3\n35: 5 7\n");
}

/// Two shards of GOOD, quick, in `dir/s0` and `dir/s1`.
fn two_shards(dir: &Path) {
    let cfg = dir.join("good.toml");
    std::fs::write(&cfg, GOOD).unwrap();
    for i in 0..2 {
        let o = wsbench(
            &[
                "run",
                cfg.to_str().unwrap(),
                "--quick",
                "--shard",
                &format!("{i}/2"),
                "--out",
                dir.join(format!("s{i}")).to_str().unwrap(),
            ],
            b"",
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn damaged_merge_inputs_are_refused_before_the_output_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_shards(dir);
    let s0 = dir.join("s0");
    let s1 = dir.join("s1");
    let merge = |a: &Path, b: &Path, out: &Path| {
        wsbench(
            &[
                "merge",
                a.to_str().unwrap(),
                b.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            b"",
        )
    };
    let out = dir.join("merged");

    // A hand-edited shard index out of range.
    let edited = dir.join("edited");
    copy_dir(&s0, &edited);
    let meta = std::fs::read_to_string(edited.join("meta.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&meta).unwrap();
    json["shard"]["index"] = 7.into();
    std::fs::write(edited.join("meta.json"), json.to_string()).unwrap();
    let o = merge(&edited, &s1, &out);
    assert_refused("shard 7/2", &o, &["meta.json", "shard 7/2", "out of range"]);
    assert!(!out.exists(), "shard 7/2: created --out");

    // A truncated row file: the reason, not just a row number.
    let cut = dir.join("cut");
    copy_dir(&s1, &cut);
    let runs = std::fs::read_to_string(cut.join("runs.csv")).unwrap();
    std::fs::write(cut.join("runs.csv"), &runs[..runs.len() - 40]).unwrap();
    let o = merge(&s0, &cut, &out);
    assert_refused(
        "truncated runs.csv",
        &o,
        &["runs.csv", "cannot be merged", "fields"],
    );
    assert!(!out.exists(), "truncated shard: created --out");

    // `--out` naming a regular file, or a folder with files in it.
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let o = merge(&s0, &s1, &file);
    assert_refused("--out file", &o, &["a-file", "is a file, not a folder"]);
    let busy = dir.join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("x"), "x").unwrap();
    let o = merge(&s0, &s1, &busy);
    assert_refused("--out busy", &o, &["busy", "not empty"]);

    // The good shards still merge.
    let o = merge(&s0, &s1, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

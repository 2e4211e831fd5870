//! A `kind = "file"` workload whose file holds binary data is refused like `wsbench factor`'s
//! standard input: exit 2, the file and line named, nothing written.

mod common;

const CONFIG: &str = r#"name = "tiny"
repetitions = 1
warmup = 0
workers = [1]
placements = ["none"]
strategies = ["static"]

[[workload]]
name = "nums"
kind = "file"
path = "nums.txt"
"#;

#[test]
fn binary_data_in_a_number_file_names_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bin.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    std::fs::write(
        tmp.path().join("nums.txt"),
        b"12\n# note\n\x00\xff\xfe\x01\n35\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = common::wsbench_with_stdin(
        &["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()],
        b"",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in ["nums.txt:3", "not text (binary data)", "decimal integer"] {
        assert!(err.contains(needle), "message lacks {needle:?}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "left an output folder");
}

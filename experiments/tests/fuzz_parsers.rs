//! Fuzzing of the input parsers: the experiment file (arbitrary text, and mutations of
//! every shipped config) and the number lists (`kind = "file"` workloads, `wsbench
//! factor`'s standard input). None may panic: every input is a value or an error.
//!
//! The case count is proptest's (`PROPTEST_CASES`, small by default for CI); raise it to
//! fuzz for longer, e.g. `PROPTEST_CASES=200000 cargo test --release --test fuzz_parsers`.

use std::path::Path;

use proptest::prelude::*;
use wsbench::run::config::Experiment;

/// The shipped configs, by file name.
fn shipped_configs() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no configs in {}", dir.display());
    out
}

/// Parses `text` as an experiment; a success must also survive `--quick` and a JSON
/// round trip (what `meta.json` records and `--resume` reads back).
fn parse_fully(text: &str) {
    if let Ok(mut e) = Experiment::parse("fuzz.toml", text) {
        let json = serde_json::to_value(&e).unwrap();
        let back: Experiment = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
        e.make_quick();
    }
}

/// Values that probe the bounds of integer and string keys.
fn odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("4097".to_string()),
        Just("100000".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("1e308".to_string()),
        Just("nan".to_string()),
        Just("\"\"".to_string()),
        Just("[]".to_string()),
        Just("\"all\"".to_string()),
        any::<i64>().prop_map(|x| x.to_string()),
        "[ -~]{0,12}",
    ]
}

/// One edit of a config text: cut it, delete or insert bytes, or replace a value.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, String),
    ReplaceValue(usize, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1..40usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), "[\\PC\n\\[\\]=\"#,]{1,20}").prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), odd_value()).prop_map(|(a, v)| Edit::ReplaceValue(a, v)),
    ]
}

/// The nearest char boundary at or below `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut i = at % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, e: &Edit) -> String {
    let mut t = text.to_string();
    match e {
        Edit::Truncate(at) => t.truncate(boundary(&t, *at)),
        Edit::Delete(at, n) => {
            let a = boundary(&t, *at);
            let b = boundary(&t, (a + n).min(t.len()));
            t.replace_range(a..b.max(a), "");
        }
        Edit::Insert(at, s) => t.insert_str(boundary(&t, *at), s),
        Edit::ReplaceValue(line, v) => {
            let lines: Vec<&str> = t.lines().collect();
            let n = line % lines.len().max(1);
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            if let Some(l) = out.get_mut(n) {
                if let Some(eq) = l.find('=') {
                    *l = format!("{}= {v}", &l[..eq]);
                }
            }
            t = out.join("\n");
        }
    }
    t
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics_the_config_parser(text in "\\PC*") {
        parse_fully(&text);
    }

    #[test]
    fn toml_ish_text_never_panics_the_config_parser(
        lines in proptest::collection::vec(
            prop_oneof![
                ("(name|workers|repetitions|warmup|placements|strategies|latency|steal|victim_order)", odd_value())
                    .prop_map(|(k, v)| format!("{k} = {v}")),
                ("(kind|count|n|bits|sizes|seed|generator|order|method|distribution|path|heavy_fraction)", odd_value())
                    .prop_map(|(k, v)| format!("{k} = {v}")),
                Just("[[workload]]".to_string()),
                Just("name = \"w\"".to_string()),
                Just("kind = \"factorial\"".to_string()),
                Just("kind = \"factorize\"".to_string()),
                Just("kind = \"synthetic\"".to_string()),
                "[ -~]{0,30}",
            ],
            0..16,
        )
    ) {
        parse_fully(&lines.join("\n"));
    }

    #[test]
    fn mutated_shipped_configs_never_panic_the_config_parser(
        which in any::<usize>(),
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        let configs = shipped_configs();
        let (_, text) = &configs[which % configs.len()];
        let mut t = text.clone();
        for e in &edits {
            t = apply(&t, e);
        }
        parse_fully(&t);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_number_list_readers(
        bytes in proptest::collection::vec(
            prop_oneof![any::<u8>(), Just(b'\n'), Just(b'#'), b'0'..=b'9'],
            0..200,
        )
    ) {
        let _ = wsbench::factor_cmd::read_numbers(&bytes[..]);
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, &bytes).unwrap();
        let _ = workloads::numbers::read_numbers(f.path());
    }
}

#[test]
fn every_shipped_config_still_parses() {
    for (name, text) in shipped_configs() {
        match (
            Experiment::parse(&name, &text),
            wsbench_baselines::openmp::unavailable(),
        ) {
            (Ok(_), _) => {}
            // A build without OpenMP refuses baselines.toml's omp:* strategies, as it should.
            (Err(e), Some(why)) if e.contains(&why) => {}
            (Err(e), _) => panic!("{name}: {e}"),
        }
    }
}

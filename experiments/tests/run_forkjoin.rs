//! The shipped fork-join experiment end to end (`--quick`): every recursive workload on
//! our pool's join, rayon and chili, and halving on the uneven set, each run checked
//! against serial; the report renders it. A loop schedule on a recursive workload is
//! refused, exit 2, before any folder is made.

mod common;

use common::{text, wsbench};

use std::collections::BTreeSet;
use std::path::Path;

fn forkjoin() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs/forkjoin.toml")
        .display()
        .to_string()
}

#[test]
fn the_quick_forkjoin_experiment_runs_checks_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = wsbench(&[
        "run",
        &forkjoin(),
        "--quick",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut r = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let at = |name: &str| h.iter().position(|c| c == name).unwrap();
    let mut cells = BTreeSet::new();
    for row in r.records() {
        let row = row.unwrap();
        assert_eq!(&row[at("checksum_ok")], "true", "{row:?}");
        cells.insert((
            row[at("workload")].to_string(),
            row[at("strategy")].to_string(),
        ));
        if row[at("workload")].starts_with("tree-sum-d10") {
            // --quick: depth 7.
            assert_eq!(&row[at("size")], "127", "{row:?}");
        }
    }
    for w in [
        "tree-sum-d10",
        "tree-sum-d20",
        "tree-sum-skewed",
        "fib-30",
        "nqueens-11",
        "uts-t1",
        "uts-t3-like",
    ] {
        for s in ["serial", "join", "rayon", "chili"] {
            assert!(
                cells.contains(&(w.to_string(), s.to_string())),
                "{w} {s}: {cells:?}"
            );
        }
        assert!(!cells.contains(&(w.to_string(), "halving".to_string())));
    }
    for s in ["serial", "halving", "chili", "rayon", "adaptive"] {
        assert!(
            cells.contains(&("uneven-heavy-last".to_string(), s.to_string())),
            "{s}"
        );
    }
    let o = wsbench(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(out.join("report/report.md")).unwrap();
    assert!(md.contains("## Workload `tree-sum-d20`"), "{md}");
    assert!(md.contains("## Workload `uneven-heavy-last`"), "{md}");
}

#[test]
fn a_loop_schedule_on_a_recursive_workload_exits_2_before_any_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bad.toml");
    std::fs::write(
        &cfg,
        "name = \"bad\"\nstrategies = [\"join\", \"static\"]\n[[workload]]\nname = \"t\"\nkind = \"tree-sum\"\ndepth = 5\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = wsbench(&["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("bad.toml:2: key `strategies`")
            && msg.contains("\"static\"")
            && msg.contains("serial, join, rayon and chili"),
        "{msg}"
    );
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(!out.exists());
}

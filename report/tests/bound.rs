//! The lower bound from every serial round, the null check and the speedup pairing, on a
//! results folder written here (old columns only, as older folders and the Python
//! baseline write them, and with the newer `task_sum_ns`/`cpus` columns).

use std::path::Path;
use wsbench_report::{load_all, summary::summarise, write_report};

const HEADER: &str = "workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,speedup,lb_ratio,task_sum_ns,task_max_ns,cpus\n";

/// Serial under `none` only; three rounds with one outlying serial round (its Σ 500).
fn folder(dir: &Path) {
    let mut csv = String::from(HEADER);
    let serial = [1000, 500, 1010];
    for (r, s) in serial.iter().enumerate() {
        // runs.csv's own per-round lb_ratio, as the runner writes it.
        csv += &format!("w,serial,1,none,{r},{s},{s},{s},1.0,1.0,{s},100,1\n");
        let one = 990 + r as u64;
        let lb = *s as f64;
        csv += &format!(
            "w,static,1,none,{r},{one},{s},{s},{},{},,,1\n",
            *s as f64 / one as f64,
            one as f64 / lb
        );
        csv += &format!("w,static,2,spread,{r},520,,,,,,,2\n");
    }
    std::fs::write(dir.join("runs.csv"), csv).unwrap();
}

#[test]
fn bound_comes_from_every_serial_round_and_the_null_check_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path());
    let dirs = load_all(&[tmp.path().to_path_buf()]).unwrap();
    let cells = summarise(&dirs);
    let get = |s: &str, w: usize| {
        cells
            .iter()
            .find(|c| c.key.strategy == s && c.key.workers == w)
            .unwrap()
    };
    // Bound = median Σ = 1000 for every round, not the round's own serial (500 in round 1,
    // whose per-round lb_ratio 991/500 = 1.98 would have been the median's neighbour).
    let one = get("static", 1);
    assert_eq!(one.lower_bound_ns, Some(1000.0));
    assert_eq!(one.lb_ratio, Some(0.991));
    let ci = one.lb_ratio_ci.unwrap();
    assert_eq!((ci.low, ci.high), (0.99, 0.992));
    // 2 workers under `spread`: Σ / 2 = 500 beats the max term (100); serial lent from `none`.
    let two = get("static", 2);
    assert_eq!(two.lower_bound_ns, Some(500.0));
    assert_eq!(two.serial_placement.as_deref(), Some("none"));
    // Speedup paired by round: 1000/520, 500/520, 1010/520 → median 1000/520.
    assert_eq!(two.speedup, Some(1000.0 / 520.0));
    assert_eq!(two.speedup_ci.unwrap().low, 500.0 / 520.0);

    let out = tmp.path().join("report");
    let md = std::fs::read_to_string(write_report(&dirs, &out).unwrap()).unwrap();
    assert!(
        md.contains("**Failed null check** (1 of 1 1-worker cells"),
        "{md}"
    );
    assert!(
        md.contains("static (none) median 0.991, 75.0% CI 0.990–0.992"),
        "{md}"
    );
    assert!(md.contains("Serial did not run under spread"), "{md}");
    assert!(
        md.contains("1 1-worker cells; 1 with the lb_ratio interval wholly below 1 (failed)"),
        "{md}"
    );
    assert!(md.contains("| 1.92× (0.96–1.94) |"), "{md}");
    assert!(md.contains("| 0.99 (0.99–0.99) |"), "{md}");
}

#[test]
fn old_columns_only_still_report() {
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = String::from("workload,strategy,workers,placement,repetition,makespan_ns\n");
    for r in 0..3 {
        csv += &format!("w,serial,1,none,{r},1000\nw,dynamic:1,4,none,{r},400\n");
    }
    std::fs::write(tmp.path().join("runs.csv"), csv).unwrap();
    let dirs = load_all(&[tmp.path().to_path_buf()]).unwrap();
    let cells = summarise(&dirs);
    let four = cells.iter().find(|c| c.key.workers == 4).unwrap();
    // No cpus column, no meta.json: p = the worker count; no task times: Σ = serial makespan.
    assert_eq!(four.lower_bound_ns, Some(250.0));
    assert_eq!(four.lb_ratio, Some(1.6));
    assert_eq!(four.speedup, Some(2.5));
    write_report(&dirs, &tmp.path().join("report")).unwrap();
}

//! `scripts/parallel-shards.sh`, the sharded sweep for machines without Slurm: the tiny
//! default sweep in shards with xargs -P (always) and with GNU parallel (when installed),
//! merged, must hold the same (cell, repetition) rows with the same checksums as an
//! unsharded run. A few seconds; part of the normal suite.

mod common;
#[path = "common/shards.rs"]
mod shards;

use common::text;
use shards::{compare_with_unsharded, run_script, run_unsharded, tiny_default_config, wsbench_bin};

fn has_gnu_parallel() -> bool {
    std::process::Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("GNU"))
}

#[test]
fn parallel_and_xargs_shards_match_an_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tiny_default_config(tmp.path());
    let unsharded = tmp.path().join("unsharded");
    run_unsharded(&config, &unsharded);

    let mut runners = vec![("xargs", 2)];
    if has_gnu_parallel() {
        runners.push(("parallel", 3));
    } else {
        println!("GNU parallel is not installed: only the xargs path is tested");
    }
    for (runner, n) in runners {
        let out = tmp.path().join(runner);
        let o = run_script(
            &format!("scripts/parallel-shards.sh {} {n}", config.display()),
            &[
                ("RUNNER", runner),
                ("JOBS", "2"),
                ("OUT", out.to_str().unwrap()),
                ("WSBENCH", wsbench_bin()),
                ("WSBENCH_RUN_ARGS", "--quick"),
            ],
        );
        let transcript = text(&o);
        println!("{transcript}");
        assert!(o.status.success(), "{runner}: parallel-shards.sh failed");
        assert!(
            transcript.contains(&format!("with {runner}, into")),
            "{runner}: another runner was used"
        );
        println!(
            "{}",
            compare_with_unsharded(&out.join("merged"), &unsharded, n)
        );
    }

    // Bad input: one message, exit 2, nothing written.
    let out = tmp.path().join("bad");
    let o = run_script(
        "scripts/parallel-shards.sh experiments/configs/default.toml 0",
        &[("OUT", out.to_str().unwrap()), ("WSBENCH", wsbench_bin())],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("SHARDS: '0' is not a positive whole number"));
    assert!(!out.exists());
}

//! `scripts/slurm-array.sbatch` on a real Slurm: `scripts/slurm-local.sh` starts a
//! one-node Slurm (munged, slurmctld, slurmd on localhost), the tiny default sweep is
//! submitted as a 3-task job array plus a dependent merge job, and the merged folder must
//! hold the same (cell, repetition) rows with the same checksums as an unsharded run.
//!
//! Runs only with `SLURM_TEST=1`, as root, with Debian's slurm-wlm and munge installed
//! (`apt-get install -y slurm-wlm munge`; the test never installs anything itself);
//! otherwise it says why it skipped and passes. CI sets no SLURM_TEST. By hand:
//! `SLURM_TEST=1 cargo test --release -p wsbench --test slurm -- --nocapture`.

mod common;
#[path = "common/shards.rs"]
mod shards;

use std::process::Command;

use common::text;
use shards::{compare_with_unsharded, run_script, run_unsharded, tiny_default_config, wsbench_bin};

const SHARDS: usize = 3;

/// Why this machine cannot run the test, if it cannot.
fn skip_reason() -> Option<String> {
    if std::env::var("SLURM_TEST").as_deref() != Ok("1") {
        return Some(
            "SLURM_TEST is not 1 (it starts daemons as root: opt in with SLURM_TEST=1)".into(),
        );
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not root (slurm-local.sh runs munged, slurmctld and slurmd as root)".into());
    }
    let path = std::env::var("PATH").unwrap_or_default() + ":/usr/sbin:/sbin";
    for daemon in ["munged", "slurmctld", "slurmd", "sbatch"] {
        if !std::env::split_paths(&path).any(|d| d.join(daemon).is_file()) {
            return Some(format!(
                "{daemon} not found (install Debian's packages: apt-get install -y slurm-wlm munge)"
            ));
        }
    }
    None
}

/// What the session inside the local Slurm runs: the submission, then what Slurm says.
const SESSION: &str = r#"set -euo pipefail
echo "== sinfo"
sinfo
sinfo -N -o "%N %T %c %m %P"
echo "== scripts/slurm-array.sbatch $CONFIG $SHARDS  (WAIT=1, WSBENCH_RUN_ARGS=$WSBENCH_RUN_ARGS)"
scripts/slurm-array.sbatch "$CONFIG" "$SHARDS"
echo "== squeue -t all (finished jobs stay in slurmctld's memory for 300 s)"
squeue -t all -o "%.8i %.30j %.10T %.8M %.4C %N"
echo "== sacct"
sacct -X -o JobID,JobName,State,ExitCode,Elapsed ||
  echo "(sacct: no accounting storage in this one-node setup; the job completion log follows)"
echo "== jobcomp/filetxt log"
sed 's/ \(UserId\|GroupId\|Partition\|TimeLimit\|NodeCnt\|ProcCnt\|WorkDir\|ReservationName\|Tres\|Account\|QOS\|WcKey\|Cluster\|SubmitTime\|EligibleTime\|DerivedExitCode\)=[^ ]*//g' \
  "$SLURM_LOCAL_DIR/log/jobcomp.txt"
echo "== first lines of each job's output ($OUT/logs/)"
for f in "$OUT"/logs/*; do echo "-- $(basename "$f")"; head -n 2 "$f"; done
"#;

#[test]
fn slurm_array_sweep_matches_an_unsharded_run() {
    if let Some(why) = skip_reason() {
        eprintln!("slurm test skipped: {why}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let config = tiny_default_config(tmp.path());
    let unsharded = tmp.path().join("unsharded");
    run_unsharded(&config, &unsharded);

    let out = tmp.path().join("slurm");
    let session = tmp.path().join("session.sh");
    std::fs::write(&session, SESSION).unwrap();
    let shards = SHARDS.to_string();
    let o = run_script(
        &format!(
            "timeout 600 scripts/slurm-local.sh exec bash {}",
            session.display()
        ),
        &[
            ("CONFIG", config.to_str().unwrap()),
            ("SHARDS", &shards),
            ("OUT", out.to_str().unwrap()),
            ("WSBENCH", wsbench_bin()),
            ("WSBENCH_RUN_ARGS", "--quick"),
            ("WAIT", "1"),
            ("SLURM_LOCAL_NO_INSTALL", "1"),
        ],
    );
    let transcript = text(&o);
    println!("{transcript}");
    assert!(o.status.success(), "the Slurm session failed");
    assert!(transcript.contains(": COMPLETED"), "no completed merge job");
    for i in 0..SHARDS {
        let logs = std::fs::read_dir(out.join("logs")).unwrap();
        let log = logs
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(&format!("_{i}.out")))
            .unwrap_or_else(|| panic!("no log of array task {i}"));
        let first = std::fs::read_to_string(&log).unwrap();
        assert!(
            first.starts_with(&format!("array task {i} of {SHARDS} on ")),
            "{}: {first}",
            log.display()
        );
    }
    println!(
        "{}",
        compare_with_unsharded(&out.join("merged"), &unsharded, SHARDS)
    );
}

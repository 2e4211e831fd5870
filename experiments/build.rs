//! Records what this binary is built from (git commit, uncommitted changes,
//! compiler), so `meta.json` says so wherever the binary later runs: a cluster
//! node or a lent machine may have no git checkout or no compiler at all.

use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    // Rebuild this record when a commit is made or any source the binary is
    // made of changes (a missing path, as in a git worktree, means every build).
    for path in [
        "../.git/HEAD",
        "../.git/index",
        "src",
        "../scheduler/src",
        "../workloads/src",
        "../Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = output("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = match output("git", &["status", "--porcelain", "--untracked-files=no"]) {
        Some(s) => (!s.is_empty()).to_string(),
        None => "unknown".into(),
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc = output(&rustc, &["-V"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=WSBENCH_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=WSBENCH_BUILD_DIRTY={dirty}");
    println!("cargo:rustc-env=WSBENCH_BUILD_RUSTC={rustc}");
}

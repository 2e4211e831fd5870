//! `meta.json`: everything a reviewer needs to trust and rerun a results folder.
//!
//! Machine facts are read from the places Linux keeps them; anything unreadable is the
//! string `"unknown"` rather than a guess.

use serde_json::{json, Value};
use wsbench_schema::machine::{read_cpu_model, smt_active, smt_text};
use wsbench_schema::meta::Git;
use wsbench_schema::{Machine, PlacementMap};

use super::config::Experiment;

/// The contents of `meta.json` as the runner reads and writes it (the schema's [`wsbench_schema::Meta`]
/// with the full experiment as its config).
pub type Meta = wsbench_schema::Meta<Experiment>;

/// Now, UTC, RFC 3339 with seconds.
pub fn utc_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".into())
}

/// A folder-name timestamp: `2026-11-22T18-42-11Z`.
pub fn folder_timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]-[minute]-[second]Z");
    now.format(&fmt).unwrap_or_else(|_| "unknown-time".into())
}

fn read_trim(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// The git commit and dirty flag of the source tree this binary was built from,
/// recorded at build time (`build.rs`), so they stay true wherever it runs.
fn git() -> Git {
    let dirty = match env!("WSBENCH_BUILD_DIRTY") {
        "true" => json!(true),
        "false" => json!(false),
        _ => json!("unknown"),
    };
    Git {
        commit: env!("WSBENCH_BUILD_COMMIT").into(),
        dirty,
    }
}

/// Turbo/boost state: `cpufreq/boost` (1 = on) or intel_pstate's `no_turbo` (0 = on).
fn boost() -> String {
    let b = read_trim("/sys/devices/system/cpu/cpufreq/boost");
    if b != "unknown" {
        return if b == "1" { "on".into() } else { "off".into() };
    }
    match read_trim("/sys/devices/system/cpu/intel_pstate/no_turbo").as_str() {
        "0" => "on".into(),
        "1" => "off".into(),
        _ => "unknown".into(),
    }
}

/// The build and the machine: rustc, profile, CPU, kernel, SMT, governor, boost, topology,
/// where each placement puts its workers, and the clock costs.
pub fn machine(placements: PlacementMap, topology: Value, clock: Value) -> Machine {
    Machine {
        allowed_cpus: topology::affinity::allowed_cpus(),
        arch: Some(std::env::consts::ARCH.into()),
        boost: Some(boost()),
        build: Some(crate::build_info::build()),
        clock,
        cpu_model: Some(read_cpu_model().unwrap_or_else(|| "unknown".into())),
        git: Some(git()),
        governor: Some(read_trim(
            "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
        )),
        host: Some(super::host::read_host("/".as_ref(), std::env::vars_os())),
        hostname: Some(read_trim("/proc/sys/kernel/hostname")),
        kernel: Some(read_trim("/proc/sys/kernel/osrelease")),
        os: Some(std::env::consts::OS.into()),
        placements,
        profile: Some(
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .into(),
        ),
        rustc: Some(env!("WSBENCH_BUILD_RUSTC").into()),
        runtimes: Some(json!({
            "openmp": wsbench_baselines::facts(),
            "chili": wsbench_baselines::chili_runner::describe(),
        })),
        smt: Some(smt_text(smt_active()).into()),
        topology,
        usable_cpus: topology::usable::usable_cpus(std::path::Path::new("/"))
            .ok()
            .map(|u| u.to_string()),
    }
}

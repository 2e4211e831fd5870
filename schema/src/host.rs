//! The build and the host facts of `meta.json` (`machine.build`, `machine.host`): what the
//! ACM artifact checklists and hyperfine/criterion exports ask of a measurement.
//!
//! Every field is optional: `null` means the runner could not read it (no such file, not
//! permitted, not Linux), and a file written before a field existed still loads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How the binary was built, recorded at build time (so it stays true wherever it runs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Build {
    /// wsbench's version.
    pub version: Option<String>,
    /// The commit HEAD named when it was built.
    pub commit: Option<String>,
    /// Whether tracked files differed from that commit.
    pub dirty: Option<bool>,
    /// `rustc -V` of the compiler that built it.
    pub rustc: Option<String>,
    /// The target triple.
    pub target: Option<String>,
    /// The host triple of the compiler (differs from `target` when cross-compiled).
    pub host: Option<String>,
    /// The Cargo profile's name (`release`, `dev`, or a custom one; `cargo bench` shows `release`).
    pub profile: Option<String>,
    /// The profile's `opt-level`.
    pub opt_level: Option<String>,
    /// The profile's `debug` setting (`line-tables-only`, `true`, `false` …).
    pub debug: Option<String>,
    /// The profile's `lto` (`false` is Cargo's default: thin, local to each crate).
    pub lto: Option<String>,
    /// The profile's `codegen-units`.
    pub codegen_units: Option<String>,
    /// The RUSTFLAGS Cargo passed to rustc (empty: none).
    pub rustflags: Option<String>,
    /// The target features enabled (comma-separated; `target-cpu=native` shows here).
    pub target_features: Option<String>,
    /// The crate's enabled Cargo features.
    pub features: Vec<String>,
    /// The CI service that built it, if any.
    pub ci: Option<String>,
    /// Each crate the binary depends on (directly or not) → its version in Cargo.lock;
    /// a crate locked at two versions lists both, comma-separated. Cargo.lock does not say
    /// which are dev-dependencies or for other platforms, so those are listed too.
    pub dependencies: BTreeMap<String, String>,
}

/// The CPU as `/proc/cpuinfo` describes its first processor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cpu {
    /// `vendor_id` (x86), e.g. `GenuineIntel`.
    pub vendor: Option<String>,
    /// `cpu family`.
    pub family: Option<String>,
    /// `model` (the number).
    pub model: Option<String>,
    /// `stepping`.
    pub stepping: Option<String>,
    /// `microcode` revision.
    pub microcode: Option<String>,
    /// `cpu MHz` at the time it was read (it moves with frequency scaling).
    pub mhz: Option<f64>,
    /// `cpufreq/cpuinfo_max_freq` of CPU 0, in MHz.
    pub max_mhz: Option<f64>,
    /// The flags that bear on timing here (`constant_tsc`, `nonstop_tsc`, `tsc_known_freq`,
    /// `hypervisor` …) → whether the CPU has them; absent when cpuinfo lists no flags.
    pub flags: BTreeMap<String, bool>,
}

/// One cache of CPU 0 (`/sys/devices/system/cpu/cpu0/cache/indexN`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cache {
    /// 1, 2, 3 …
    pub level: Option<u32>,
    /// `Data`, `Instruction` or `Unified`.
    pub kind: Option<String>,
    /// Size as sysfs writes it (`48K`, `2048K`, `32M`).
    pub size: Option<String>,
    /// The CPUs that share it (a cpulist, e.g. `0-1`).
    pub shared_cpus: Option<String>,
}

/// Whether the machine is virtual, and which hypervisor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hypervisor {
    /// The `hypervisor` flag of `/proc/cpuinfo` (set by every x86 hypervisor).
    pub cpu_flag: Option<bool>,
    /// Which one, as far as the machine says: `/sys/hypervisor/type`, else the DMI vendor
    /// or product, else the CPUID signature (`kvm`, `qemu`, `vmware`, `microsoft`, `xen`,
    /// `oracle`, `amazon`, `google` …, as `systemd-detect-virt` names them).
    pub kind: Option<String>,
    /// The hypervisor's CPUID signature (leaf `0x40000000`, e.g. `KVMKVMKVM`; x86 only).
    pub cpuid_signature: Option<String>,
    /// `/sys/class/dmi/id/sys_vendor`.
    pub dmi_vendor: Option<String>,
    /// `/sys/class/dmi/id/product_name`.
    pub dmi_product: Option<String>,
}

/// What the kernel was told and how it keeps time and memory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Kernel {
    /// `/proc/sys/kernel/version` (build number and date).
    pub version: Option<String>,
    /// `/proc/cmdline`.
    pub cmdline: Option<String>,
    /// The `isolcpus=` of the command line (null: not given or not readable).
    pub isolcpus: Option<String>,
    /// The `nohz_full=` of the command line (null: not given or not readable).
    pub nohz_full: Option<String>,
    /// The clock source (`tsc`, `kvm-clock`, `hpet` …).
    pub clocksource: Option<String>,
    /// Transparent huge pages: the selected `enabled` mode (`always`, `madvise`, `never`).
    pub thp_enabled: Option<String>,
    /// Transparent huge pages: the selected `defrag` mode.
    pub thp_defrag: Option<String>,
    /// `/proc/sys/kernel/numa_balancing` (`0` off, `1` on, `2` memory tiering).
    pub numa_balancing: Option<String>,
}

/// The host as the runner found it at the start of the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Host {
    /// The CPU.
    pub cpu: Cpu,
    /// CPU 0's caches, in sysfs order.
    pub caches: Vec<Cache>,
    /// `MemTotal` of `/proc/meminfo`, in bytes.
    pub memory_bytes: Option<u64>,
    /// Virtual or not.
    pub hypervisor: Hypervisor,
    /// The kernel's settings.
    pub kernel: Kernel,
    /// The 1, 5 and 15 minute load averages when the run started (`/proc/loadavg`).
    pub load_average: Option<[f64; 3]>,
    /// The environment variables that change scheduling or allocation (`OMP_*`, `GOMP_*`,
    /// `KMP_*`, `RAYON_*`, `MALLOC_*`, `GLIBC_TUNABLES`, `LD_PRELOAD`, `RUST_MIN_STACK`,
    /// `WSBENCH_*`) → their values.
    pub env: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_partial_object_loads_with_defaults() {
        let h: Host = serde_json::from_str(r#"{"cpu": {"family": "6"}}"#).unwrap();
        assert_eq!(h.cpu.family.as_deref(), Some("6"));
        assert_eq!(h.memory_bytes, None);
        let b: Build = serde_json::from_str("{}").unwrap();
        assert_eq!(b, Build::default());
    }
}

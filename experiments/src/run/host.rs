//! The host facts of `meta.json` (`machine.host`), read from `/proc` and `/sys` under a
//! root folder (`/` on a live machine, a fake tree in tests).
//!
//! Every read is bounded (a file that never ends, like a device, cannot stall the run) and
//! every fact is optional: anything unreadable is `None` (`null` in the file), never a panic
//! and never a guess.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::Path;

use wsbench_schema::host::{Cache, Cpu, Host, Hypervisor, Kernel};

/// The most bytes read from one file: enough for a first processor's block of
/// `/proc/cpuinfo` (about 2 KiB with its flags) and any one-line sysfs file.
const READ_LIMIT: u64 = 64 * 1024;

/// The cpuinfo flags that bear on timing: whether the TSC ticks at one rate through
/// frequency changes and sleep states, whether its rate is known, and whether this is a VM.
const FLAGS: [&str; 7] = [
    "constant_tsc",
    "nonstop_tsc",
    "tsc_known_freq",
    "tsc_reliable",
    "rdtscp",
    "hypervisor",
    "ht",
];

/// Environment variables that change how threads are scheduled or memory is allocated.
const ENV_PREFIXES: [&str; 6] = ["OMP_", "GOMP_", "KMP_", "RAYON_", "MALLOC_", "WSBENCH_"];
const ENV_NAMES: [&str; 3] = ["GLIBC_TUNABLES", "LD_PRELOAD", "RUST_MIN_STACK"];

/// Reads `rel` under `root`, at most [`READ_LIMIT`] bytes, as text with trailing NULs and
/// whitespace trimmed (some snapshot tools write them); `None` if unreadable or empty.
fn read(root: &Path, rel: &str) -> Option<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(root.join(rel))
        .ok()?
        .take(READ_LIMIT)
        .read_to_end(&mut bytes)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!text.is_empty()).then(|| text.to_string())
}

/// The value of the first of `keys` in one cpuinfo block (`key\t: value`).
fn field(block: &str, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        block.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == *key)
                .then(|| v.trim().to_string())
                .filter(|v| !v.is_empty())
        })
    })
}

/// The CPU of the first processor block of `/proc/cpuinfo` (x86 keys, else ARM's).
pub fn cpu(cpuinfo: &str) -> Cpu {
    let block = cpuinfo.split("\n\n").next().unwrap_or("");
    let flags = field(block, &["flags", "Features"]).map(|f| {
        let have: Vec<&str> = f.split_whitespace().collect();
        FLAGS
            .iter()
            .map(|&name| (name.to_string(), have.contains(&name)))
            .collect()
    });
    Cpu {
        vendor: field(block, &["vendor_id", "CPU implementer"]),
        family: field(block, &["cpu family", "CPU architecture"]),
        model: field(block, &["model", "CPU part"]),
        stepping: field(block, &["stepping", "CPU revision"]),
        microcode: field(block, &["microcode"]),
        mhz: field(block, &["cpu MHz"]).and_then(|m| m.parse().ok()),
        max_mhz: None,
        flags: flags.unwrap_or_default(),
    }
}

/// CPU 0's caches, `index0` … until the first missing one.
fn caches(root: &Path) -> Vec<Cache> {
    (0..16)
        .map(|i| format!("sys/devices/system/cpu/cpu0/cache/index{i}"))
        .take_while(|dir| root.join(dir).is_dir())
        .map(|dir| Cache {
            level: read(root, &format!("{dir}/level")).and_then(|l| l.parse().ok()),
            kind: read(root, &format!("{dir}/type")),
            size: read(root, &format!("{dir}/size")),
            shared_cpus: read(root, &format!("{dir}/shared_cpu_list")),
        })
        .collect()
}

/// `MemTotal` of `/proc/meminfo` in bytes (the file says kB, meaning KiB).
pub fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The hypervisor a DMI vendor and product name point to, as `systemd-detect-virt` names it.
pub fn dmi_kind(vendor: &str, product: &str) -> Option<String> {
    let known = [
        ("QEMU", "qemu"),
        ("KVM", "kvm"),
        ("VMware", "vmware"),
        ("innotek", "oracle"),
        ("Xen", "xen"),
        ("Bochs", "bochs"),
        ("Parallels", "parallels"),
        ("Amazon EC2", "amazon"),
        ("Google", "google"),
    ];
    for text in [vendor, product] {
        if let Some((_, kind)) = known.iter().find(|(k, _)| text.starts_with(k)) {
            return Some(kind.to_string());
        }
    }
    (vendor.starts_with("Microsoft") && product.starts_with("Virtual Machine"))
        .then(|| "microsoft".into())
}

/// The hypervisor a CPUID signature names.
pub fn signature_kind(signature: &str) -> Option<String> {
    let known = [
        ("KVMKVMKVM", "kvm"),
        ("TCGTCGTCGTCG", "qemu"),
        ("Microsoft Hv", "microsoft"),
        ("VMwareVMware", "vmware"),
        ("XenVMMXenVMM", "xen"),
        ("VBoxVBoxVBox", "oracle"),
        ("ACRNACRNACRN", "acrn"),
        ("bhyve bhyve", "bhyve"),
        ("QNXQVMBSQG", "qnx"),
    ];
    known
        .iter()
        .find(|(sig, _)| signature.starts_with(sig))
        .map(|(_, kind)| kind.to_string())
}

/// The hypervisor's CPUID signature (leaf `0x40000000`), asked only of a CPU whose
/// cpuinfo has the `hypervisor` flag: on bare metal that leaf returns unrelated data.
#[cfg(target_arch = "x86_64")]
fn cpuid_signature() -> Option<String> {
    // Safe to call in newer Rust, `unsafe` in the rust-version this workspace supports.
    #[allow(unused_unsafe)]
    // SAFETY: every x86_64 CPU has the CPUID instruction; it only writes registers.
    let r = unsafe { std::arch::x86_64::__cpuid(0x4000_0000) };
    let bytes: Vec<u8> = [r.ebx, r.ecx, r.edx]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(not(target_arch = "x86_64"))]
fn cpuid_signature() -> Option<String> {
    None
}

/// `live`: `root` is this machine's `/`, so its CPU may be asked directly.
fn hypervisor(root: &Path, cpu_flag: Option<bool>, live: bool) -> Hypervisor {
    let dmi_vendor = read(root, "sys/class/dmi/id/sys_vendor");
    let dmi_product = read(root, "sys/class/dmi/id/product_name");
    let cpuid_signature = if live && cpu_flag == Some(true) {
        cpuid_signature()
    } else {
        None
    };
    let kind = read(root, "sys/hypervisor/type")
        .or_else(|| {
            dmi_kind(
                dmi_vendor.as_deref().unwrap_or(""),
                dmi_product.as_deref().unwrap_or(""),
            )
        })
        .or_else(|| signature_kind(cpuid_signature.as_deref()?));
    Hypervisor {
        cpu_flag,
        kind,
        cpuid_signature,
        dmi_vendor,
        dmi_product,
    }
}

/// The selected mode of a sysfs choice file: `always [madvise] never` → `madvise`.
pub fn selected(text: &str) -> String {
    text.split_whitespace()
        .find_map(|w| w.strip_prefix('[')?.strip_suffix(']'))
        .unwrap_or(text)
        .to_string()
}

/// The value of `key=` on a kernel command line (the last one, as the kernel reads it).
pub fn cmdline_value(cmdline: &str, key: &str) -> Option<String> {
    cmdline
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .next_back()
}

fn kernel(root: &Path) -> Kernel {
    let cmdline = read(root, "proc/cmdline");
    let on_cmdline = |key| cmdline.as_deref().and_then(|c| cmdline_value(c, key));
    let thp = |file| {
        read(root, &format!("sys/kernel/mm/transparent_hugepage/{file}")).map(|t| selected(&t))
    };
    Kernel {
        version: read(root, "proc/sys/kernel/version"),
        isolcpus: on_cmdline("isolcpus"),
        nohz_full: on_cmdline("nohz_full"),
        cmdline,
        clocksource: read(
            root,
            "sys/devices/system/clocksource/clocksource0/current_clocksource",
        ),
        thp_enabled: thp("enabled"),
        thp_defrag: thp("defrag"),
        numa_balancing: read(root, "proc/sys/kernel/numa_balancing"),
    }
}

/// The 1, 5 and 15 minute load averages of `/proc/loadavg`.
pub fn load_average(loadavg: &str) -> Option<[f64; 3]> {
    let mut it = loadavg.split_whitespace().map(|w| w.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

/// The variables of `vars` that change scheduling or allocation ([`ENV_PREFIXES`],
/// [`ENV_NAMES`]); values that are not UTF-8 are kept lossily.
pub fn scheduling_env(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> BTreeMap<String, String> {
    vars.into_iter()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .filter(|(k, _)| {
            ENV_NAMES.contains(&k.as_str()) || ENV_PREFIXES.iter().any(|p| k.starts_with(p))
        })
        .collect()
}

/// The host under `root` (`/` on a live machine, whose CPU is then asked for its
/// hypervisor signature too), with the environment `vars`.
pub fn read_host(root: &Path, vars: impl IntoIterator<Item = (OsString, OsString)>) -> Host {
    let mut cpu = read(root, "proc/cpuinfo")
        .map(|c| cpu(&c))
        .unwrap_or_default();
    cpu.max_mhz = read(root, "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        .and_then(|k| k.parse::<f64>().ok())
        .map(|khz| khz / 1000.0);
    let cpu_flag = cpu.flags.get("hypervisor").copied();
    Host {
        caches: caches(root),
        memory_bytes: read(root, "proc/meminfo").and_then(|m| mem_total(&m)),
        hypervisor: hypervisor(root, cpu_flag, root == Path::new("/")),
        kernel: kernel(root),
        load_average: read(root, "proc/loadavg").and_then(|l| load_average(&l)),
        env: scheduling_env(vars),
        cpu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const CPUINFO: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n\
        model\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\nstepping\t: 4\n\
        microcode\t: 0x2006e05\ncpu MHz\t\t: 2394.374\nflags\t\t: fpu tsc constant_tsc rdtscp \
        nonstop_tsc hypervisor tsc_known_freq\n\nprocessor\t: 1\nvendor_id\t: Other\n";

    fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, content) in files {
            let path: PathBuf = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    #[test]
    fn cpuinfo_gives_identity_speed_and_flags_of_the_first_processor() {
        let c = cpu(CPUINFO);
        assert_eq!(c.vendor.as_deref(), Some("GenuineIntel"));
        assert_eq!(c.family.as_deref(), Some("6"));
        assert_eq!(c.model.as_deref(), Some("85"));
        assert_eq!(c.stepping.as_deref(), Some("4"));
        assert_eq!(c.microcode.as_deref(), Some("0x2006e05"));
        assert_eq!(c.mhz, Some(2394.374));
        assert!(c.flags["constant_tsc"]);
        assert!(!c.flags["tsc_reliable"]);
        assert!(c.flags["hypervisor"]);
        // No flags line (a truncated file): no flags, not "all false".
        assert!(cpu("processor\t: 0\nmodel\t: 1\n").flags.is_empty());
    }

    #[test]
    fn a_full_fake_tree_is_read_whole() {
        let root = tree(&[
            ("proc/cpuinfo", CPUINFO.as_bytes()),
            (
                "proc/meminfo",
                b"MemTotal:       16318912 kB\nMemFree: 1 kB\n",
            ),
            ("proc/loadavg", b"0.52 1.50 2.00 1/467 12345\n"),
            (
                "proc/cmdline",
                b"BOOT_IMAGE=/vmlinuz ro isolcpus=2-3 nohz_full=2-3\n",
            ),
            ("proc/sys/kernel/numa_balancing", b"1\n"),
            ("proc/sys/kernel/version", b"#1 SMP PREEMPT_DYNAMIC\n"),
            (
                "sys/devices/system/clocksource/clocksource0/current_clocksource",
                b"tsc\n",
            ),
            (
                "sys/kernel/mm/transparent_hugepage/enabled",
                b"always [madvise] never\n",
            ),
            (
                "sys/kernel/mm/transparent_hugepage/defrag",
                b"[always] defer madvise never\n",
            ),
            (
                "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
                b"3700000\n",
            ),
            ("sys/devices/system/cpu/cpu0/cache/index0/level", b"1\n"),
            ("sys/devices/system/cpu/cpu0/cache/index0/type", b"Data\n"),
            ("sys/devices/system/cpu/cpu0/cache/index0/size", b"32K\n\0"),
            (
                "sys/devices/system/cpu/cpu0/cache/index0/shared_cpu_list",
                b"0-1\n",
            ),
            ("sys/devices/system/cpu/cpu0/cache/index1/level", b"3\n"),
            ("sys/devices/system/cpu/cpu0/cache/index1/size", b"28160K\n"),
            ("sys/class/dmi/id/sys_vendor", b"QEMU\n"),
            (
                "sys/class/dmi/id/product_name",
                b"Standard PC (i440FX + PIIX, 1996)\n",
            ),
        ]);
        let env = [
            ("OMP_NUM_THREADS", "4"),
            ("HOME", "/root"),
            ("RAYON_NUM_THREADS", "2"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let h = read_host(root.path(), env);
        assert_eq!(h.cpu.max_mhz, Some(3700.0));
        assert_eq!(h.memory_bytes, Some(16318912 * 1024));
        assert_eq!(h.load_average, Some([0.52, 1.5, 2.0]));
        assert_eq!(h.kernel.isolcpus.as_deref(), Some("2-3"));
        assert_eq!(h.kernel.nohz_full.as_deref(), Some("2-3"));
        assert_eq!(h.kernel.numa_balancing.as_deref(), Some("1"));
        assert_eq!(h.kernel.clocksource.as_deref(), Some("tsc"));
        assert_eq!(h.kernel.thp_enabled.as_deref(), Some("madvise"));
        assert_eq!(h.kernel.thp_defrag.as_deref(), Some("always"));
        assert_eq!(h.caches.len(), 2);
        assert_eq!(h.caches[0].size.as_deref(), Some("32K"));
        assert_eq!(h.caches[1].level, Some(3));
        assert_eq!(h.caches[1].kind, None);
        assert_eq!(h.hypervisor.cpu_flag, Some(true));
        assert_eq!(h.hypervisor.kind.as_deref(), Some("qemu"));
        assert_eq!(
            h.env.keys().collect::<Vec<_>>(),
            ["OMP_NUM_THREADS", "RAYON_NUM_THREADS"]
        );
    }

    #[test]
    fn an_empty_tree_gives_nulls_not_a_panic() {
        let root = tree(&[
            ("proc/loadavg", b"garbage\n"),
            ("proc/meminfo", b"MemTotal: x kB\n"),
        ]);
        let h = read_host(root.path(), []);
        assert_eq!(h.cpu, Cpu::default());
        assert_eq!(h.memory_bytes, None);
        assert_eq!(h.load_average, None);
        assert_eq!(h.kernel, Kernel::default());
        assert_eq!(h.hypervisor, Hypervisor::default());
        assert!(h.caches.is_empty() && h.env.is_empty());
    }

    #[test]
    fn sysfs_hypervisor_type_wins_and_microsoft_needs_its_product() {
        let root = tree(&[
            ("sys/hypervisor/type", b"xen\n"),
            ("sys/class/dmi/id/sys_vendor", b"QEMU\n"),
        ]);
        assert_eq!(
            read_host(root.path(), []).hypervisor.kind.as_deref(),
            Some("xen")
        );
        assert_eq!(
            dmi_kind("Microsoft Corporation", "Virtual Machine").as_deref(),
            Some("microsoft")
        );
        assert_eq!(dmi_kind("Microsoft Corporation", "Surface Book"), None);
        assert_eq!(dmi_kind("Dell Inc.", "PowerEdge R640"), None);
        assert_eq!(signature_kind("KVMKVMKVM").as_deref(), Some("kvm"));
        assert_eq!(signature_kind("GenuineIntel"), None);
    }

    #[test]
    fn reads_are_bounded_and_non_utf8_is_kept_lossily() {
        let big = vec![b'x'; 200 * 1024];
        let root = tree(&[
            ("proc/cmdline", &big),
            ("proc/sys/kernel/version", b"#1 \xff\xfe\n"),
        ]);
        let k = read_host(root.path(), []).kernel;
        assert_eq!(k.cmdline.map(|c| c.len()), Some(READ_LIMIT as usize));
        assert_eq!(k.version.as_deref(), Some("#1 \u{fffd}\u{fffd}"));
    }

    #[test]
    fn small_parsers() {
        assert_eq!(selected("never"), "never");
        assert_eq!(
            cmdline_value("a=1 isolcpus=1 isolcpus=domain,2-3", "isolcpus").as_deref(),
            Some("domain,2-3")
        );
        assert_eq!(cmdline_value("quiet", "isolcpus"), None);
        assert_eq!(mem_total("MemTotal: 99999999999999999999 kB"), None);
    }
}

//! How the machine is described in `meta.json`: one definition of the CPU model and
//! SMT texts, used by the runner for `machine` and for its topology.

/// The CPU model in `/proc/cpuinfo`'s text: the first `model name` (x86), `Processor`
/// (older ARM) or `cpu model` (MIPS) line.
///
/// ```
/// use wsbench_schema::machine::cpu_model;
/// assert_eq!(cpu_model("processor\t: 0\nmodel name\t: Fixture CPU @ 2.0GHz\n"), Some("Fixture CPU @ 2.0GHz".into()));
/// assert_eq!(cpu_model("processor\t: 0\n"), None);
/// ```
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|l| {
            l.starts_with("model name") || l.starts_with("Processor") || l.starts_with("cpu model")
        })
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The SMT state as `meta.json` writes it: `on`, `off` or `unknown`.
///
/// ```
/// use wsbench_schema::machine::smt_text;
/// assert_eq!(smt_text(Some(true)), "on");
/// assert_eq!(smt_text(None), "unknown");
/// ```
pub fn smt_text(smt: Option<bool>) -> &'static str {
    match smt {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    }
}

/// The kernel's SMT switch, `/sys/devices/system/cpu/smt/active` (`1` on, `0` off).
pub fn smt_active() -> Option<bool> {
    match std::fs::read_to_string("/sys/devices/system/cpu/smt/active")
        .ok()?
        .trim()
    {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

/// The machine's CPU model, from `/proc/cpuinfo`.
pub fn read_cpu_model() -> Option<String> {
    cpu_model(&std::fs::read_to_string("/proc/cpuinfo").ok()?)
}

//! The two header lines of a folder in `report.md`: the experiment and its run (name,
//! repetitions, status, times, build, command lines), then the machine (CPU, host,
//! kernel, SMT, governor, boost, each placement's worker → CPU map), from `meta.json`.

use super::load::ResultsDir;
use wsbench_schema::{ConfigHeader, Meta, PlacementMap};

/// At most 200 characters of `s`, with `…` where it was cut.
fn short(s: String) -> String {
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// The placement maps as `spread: 1 → [0], 2 → [0 1]`, placements by name and worker
/// counts ascending (`null` for a worker that is not pinned).
fn show_placements(map: &PlacementMap) -> String {
    let parts: Vec<String> = map
        .iter()
        .map(|(name, by_workers)| {
            let maps: Vec<String> = by_workers
                .iter()
                .map(|(n, cpus)| {
                    let cpus: Vec<String> = cpus
                        .iter()
                        .map(|c| c.map_or("null".to_string(), |c| c.to_string()))
                        .collect();
                    format!("{n} → [{}]", short(cpus.join(" ")))
                })
                .collect();
            format!("{name}: {}", maps.join(", "))
        })
        .collect();
    parts.join("; ")
}

/// The experiment's name from `meta.json`, else the folder name.
fn experiment_name(dir: &ResultsDir) -> String {
    let from_meta = dir.meta.as_ref().and_then(|m| m.config.name.clone());
    from_meta.map(short).unwrap_or_else(|| {
        dir.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.path.display().to_string())
    })
}

/// `CPU model on host`, from `meta.json`, for labelling a machine.
pub fn machine_name(dir: &ResultsDir) -> String {
    let m = dir.meta.as_ref().map(|m| &m.machine);
    let cpu = m.and_then(|m| m.cpu_model.clone()).map(short);
    let host = m.and_then(|m| m.hostname.clone()).map(short);
    match (cpu, host) {
        (Some(c), Some(h)) => format!("{c} on {h}"),
        (Some(c), None) => c,
        (None, Some(h)) => h,
        (None, None) => "unknown machine (no cpu model in meta.json)".into(),
    }
}

/// The first header line's facts: repetitions, status, times, build, command lines.
fn run_facts(meta: &Meta<ConfigHeader>) -> Vec<String> {
    let mut facts = Vec::new();
    if let Some(r) = meta.config.repetitions {
        let warm = meta
            .config
            .warmup
            .map(|w| format!(" + {w} warm-up"))
            .unwrap_or_default();
        facts.push(format!("{r} repetitions{warm}"));
    }
    let git = meta.machine.git.as_ref();
    let started = (!meta.started.is_empty()).then(|| meta.started.join(" "));
    let fields = [
        ("status", meta.status.map(|s| s.to_string())),
        ("started", started),
        ("ended", meta.ended.clone()),
        ("git", git.map(|g| g.commit.clone())),
        ("rustc", meta.machine.rustc.clone()),
        ("profile", meta.machine.profile.clone()),
    ];
    for (label, value) in fields {
        let Some(v) = value.map(short) else {
            continue;
        };
        // rustc's version text already starts with `rustc`.
        if v.starts_with(label) {
            facts.push(v);
        } else {
            facts.push(format!("{label} {v}"));
        }
    }
    if git.is_some_and(|g| g.dirty.as_bool() == Some(true)) {
        facts.push("uncommitted changes".into());
    }
    if !meta.command_lines.is_empty() {
        let lines: Vec<String> = meta.command_lines.iter().map(|l| l.join(" ")).collect();
        facts.push(format!("`{}`", short(lines.join("; "))));
    }
    facts
}

/// The two header lines for one folder.
pub fn header_lines(dir: &ResultsDir) -> String {
    let Some(meta) = &dir.meta else {
        return format!(
            "**Experiment** `{}` — no meta.json in {}: machine, build and placement unknown.\n",
            experiment_name(dir),
            dir.path.display()
        );
    };
    let mut first = vec![format!("**Experiment** `{}`", experiment_name(dir))];
    first.extend(run_facts(meta));
    let mut second = vec![format!("**Machine** {}", machine_name(dir))];
    let m = &meta.machine;
    let fields = [
        ("kernel", &m.kernel),
        ("SMT", &m.smt),
        ("governor", &m.governor),
        ("boost", &m.boost),
    ];
    for (label, value) in fields {
        if let Some(v) = value {
            second.push(format!("{label} {}", short(v.clone())));
        }
    }
    let placement = if m.placements.is_empty() {
        "unknown".to_string()
    } else {
        show_placements(&m.placements)
    };
    second.push(format!("**placement** (workers → CPUs) {placement}"));
    format!("{}.  \n{}.\n", first.join(" · "), second.join(" · "))
}

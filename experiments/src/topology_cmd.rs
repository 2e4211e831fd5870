//! `wsbench topology`: the machine as the scheduler sees it, and where a
//! placement puts workers.
//!
//! Without `--placement`: the tree package → last-level cache → core → CPUs
//! (text, in the spirit of hwloc's `lstopo`), or one row per CPU (csv), or
//! everything (json). With `--placement`: one row per worker, the CPUs that
//! stay idle, and (json) each worker's victim order for topology-aware stealing;
//! or (`--format omp|taskset|likwid`) the same worker → CPU map in another
//! tool's words, so that a result can be reproduced with OpenMP, taskset or
//! likwid-pin.
//!
//! `--root DIR` reads a sysfs snapshot instead of the live machine (every
//! online CPU then counts as allowed); the live machine is intersected with
//! this process's affinity mask (`taskset`, cgroup cpusets).

pub(crate) mod reproduce;

use crate::error::{CliError, CliResult};
use reproduce::{other_tool, reproduce};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use topology::cpulist::format_list;
use topology::placement::{Kind, Placement};
use topology::{Core, Cpu, Source, Topology};

/// Arguments of `wsbench topology`.
#[derive(Debug, clap::Args)]
pub struct TopologyArgs {
    /// Read sysfs under DIR (DIR/sys/devices/system/cpu/...), e.g. an unpacked
    /// snapshot, instead of the live machine.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Show where this placement puts workers: none, threads, cores, close
    /// (compact), spread (scatter), a CPU list (0-3,8 or list:0-3,8) or mask
    /// (0xff), OpenMP places (cores(4), sockets, {0:4}:2:8) and BIND@PLACES
    /// (spread@cores); modifiers @package:N, @node:N, +oversubscribe. See
    /// topology/README.md.
    #[arg(long, value_name = "SPEC")]
    pub placement: Option<String>,
    /// Number of workers for --placement (default: one per place).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How `wsbench topology` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A tree (or, with --placement, a table) for people.
    Text,
    /// One row per CPU (or, with --placement, per worker).
    Csv,
    /// Everything, for scripts and meta.json.
    Json,
    /// With --placement: `OMP_PLACES`, `OMP_PROC_BIND` and `OMP_NUM_THREADS`
    /// that pin OpenMP thread i where worker i runs.
    Omp,
    /// With --placement: a `taskset -c` line (binds the process, not each thread).
    Taskset,
    /// With --placement: a `likwid-pin -c` line (threads pinned in creation order).
    Likwid,
}

/// A placement resolved on a topology, ready to print.
pub(crate) struct Resolved {
    pub(crate) placement: Placement,
    pub(crate) workers: Vec<Option<usize>>,
}

/// Runs `wsbench topology`.
pub fn main(args: TopologyArgs) -> CliResult {
    if args.workers.is_some() && args.placement.is_none() {
        return Err(CliError::usage(
            "--workers needs --placement (e.g. --placement cores --workers 4)",
        ));
    }
    if let (Some(name), None) = (other_tool(args.format), &args.placement) {
        return Err(CliError::usage(format!(
            "--format {name} needs --placement (e.g. --placement spread --workers 4 --format {name})"
        )));
    }
    let topo = match &args.root {
        Some(root) => Topology::from_root(root)
            .map_err(|e| CliError::usage(format!("--root {}: {e}", root.display())))?,
        None => Topology::detect().map_err(|e| CliError::Failed(e.into()))?,
    };
    let resolved = match &args.placement {
        Some(spec) => Some(resolve(&topo, spec, args.workers)?),
        None => None,
    };
    let out = match (args.format, &resolved) {
        (Format::Text, None) => text_tree(&topo),
        (Format::Text, Some(r)) => text_placement(&topo, r),
        (Format::Csv, None) => csv_cpus(&topo)?,
        (Format::Csv, Some(r)) => csv_workers(&topo, r)?,
        (Format::Omp | Format::Taskset | Format::Likwid, Some(r)) => reproduce(r, args.format),
        (Format::Omp | Format::Taskset | Format::Likwid, None) => String::new(),
        (Format::Json, r) => {
            let mut value = topology_json(&topo);
            if let Some(r) = r {
                value["placement"] = placement_json(&topo, &r.placement, &r.workers);
            }
            serde_json::to_string_pretty(&value).map_err(|e| CliError::Failed(e.into()))? + "\n"
        }
    };
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        // `wsbench topology | head` is fine.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn resolve(topo: &Topology, spec: &str, workers: Option<usize>) -> CliResult<Resolved> {
    let placement: Placement = spec
        .parse()
        .map_err(|e| CliError::usage(format!("--placement: {e}")))?;
    let workers = placement
        .resolve(topo, workers)
        .map_err(|e| CliError::usage(format!("--placement: {e}")))?;
    Ok(Resolved { placement, workers })
}

/// Allowed CPUs no worker is pinned to (none for `none`, which pins nothing).
fn idle_cpus(topo: &Topology, placement: &Placement, workers: &[Option<usize>]) -> Vec<usize> {
    match placement.kind {
        Kind::None => Vec::new(),
        _ => topo
            .allowed_cpus()
            .into_iter()
            .filter(|cpu| !workers.contains(&Some(*cpu)))
            .collect(),
    }
}

fn opt(value: Option<usize>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// One line: model, counts, SMT.
fn summary(topo: &Topology) -> String {
    let online = topo.cpus().iter().filter(|c| c.online).count();
    let mut s = format!(
        "Machine: {}; {} online of {}, {} allowed; {}, {}, {}",
        topo.cpu_model()
            .unwrap_or_else(|| "unknown CPU model".into()),
        plural(online, "CPU"),
        topo.cpus().len(),
        topo.allowed_cpus().len(),
        plural(topo.cores().len(), "core"),
        plural(topo.packages().len(), "package"),
        plural(topo.numa_nodes().len(), "NUMA node"),
    );
    s.push('\n');
    match topo.source() {
        Source::Sysfs(root) if root.as_os_str() == "/" => {}
        Source::Sysfs(root) => {
            let _ = writeln!(s, "Source: sysfs under {}", root.display());
        }
        Source::CoreAffinity => {
            s.push_str("Source: core_affinity only (no sysfs): cores, packages and SMT unknown\n")
        }
    }
    let max_threads = topo.cores().iter().map(|c| c.cpus.len()).max().unwrap_or(0);
    s.push_str(&match topo.smt() {
        Some(true) => format!("SMT: yes (up to {max_threads} hardware threads per core)\n"),
        Some(false) => "SMT: no (one hardware thread per core)\n".to_string(),
        None => "SMT: unknown\n".to_string(),
    });
    s
}

/// The lstopo-like tree: package → LLC → core → CPUs.
fn text_tree(topo: &Topology) -> String {
    let mut s = summary(topo);
    let mut last_package = None;
    let mut last_llc = None;
    for core in topo.cores() {
        if last_package != Some(core.package) {
            last_package = Some(core.package);
            last_llc = None;
            s.push_str(&package_line(topo, core.package));
        }
        if last_llc != Some(core.llc) {
            last_llc = Some(core.llc);
            s.push_str(&llc_line(topo, core.llc));
        }
        s.push_str(&core_line(topo, core));
    }
    s.push_str(&cpus_outside_tree(topo));
    s
}

/// The NUMA nodes of `cpus`, sorted, each once.
fn numa_nodes_of(topo: &Topology, cpus: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut nodes: Vec<usize> = cpus
        .filter_map(|id| topo.cpu(id).and_then(|c| c.numa_node))
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

/// `nodes` as a CPU-list-style range, or "unknown" when there are none.
fn node_list(nodes: &[usize]) -> String {
    if nodes.is_empty() {
        "unknown".into()
    } else {
        format_list(nodes)
    }
}

/// The tree's line for a package, with its NUMA nodes.
fn package_line(topo: &Topology, package: Option<usize>) -> String {
    let members = topo
        .cores()
        .iter()
        .filter(|c| c.package == package)
        .flat_map(|c| c.cpus.iter().copied());
    let nodes = numa_nodes_of(topo, members);
    let name = package.map_or_else(
        || "Package (unknown)".to_string(),
        |p| format!("Package P#{p}"),
    );
    format!("{name}  NUMA node {}\n", node_list(&nodes))
}

/// The tree's line for a last-level cache, with its CPUs and NUMA nodes.
fn llc_line(topo: &Topology, llc: Option<usize>) -> String {
    match llc {
        Some(llc) => {
            let cpus = &topo.llcs()[llc];
            let nodes = numa_nodes_of(topo, cpus.iter().copied());
            format!(
                "  LLC L#{llc}  CPUs {}  NUMA node {}\n",
                format_list(cpus),
                node_list(&nodes)
            )
        }
        None => "  LLC unknown\n".to_string(),
    }
}

/// The tree's line for a core, with its CPUs (those outside the affinity mask marked).
fn core_line(topo: &Topology, core: &Core) -> String {
    let cpu_label = |id: usize| match topo.cpu(id) {
        Some(cpu) if !cpu.allowed => format!("{id} (not allowed)"),
        _ => id.to_string(),
    };
    let core_id = topo.cpu(core.cpus[0]).and_then(|c| c.core_id);
    let cpus: Vec<String> = core.cpus.iter().map(|&id| cpu_label(id)).collect();
    format!(
        "    Core L#{} (core_id {}): CPU {}\n",
        core.index,
        core_id.map_or_else(|| "?".into(), |c| c.to_string()),
        cpus.join(", ")
    )
}

/// The lines after the tree: online CPUs of unknown core, offline CPUs, and
/// online CPUs outside the affinity mask (each line only when there are some).
fn cpus_outside_tree(topo: &Topology) -> String {
    let mut s = String::new();
    let unknown: Vec<usize> = topo
        .cpus()
        .iter()
        .filter(|c| c.online && c.core.is_none())
        .map(|c| c.id)
        .collect();
    if !unknown.is_empty() {
        let allowed: Vec<usize> = unknown
            .iter()
            .copied()
            .filter(|&id| topo.cpu(id).is_some_and(|c| c.allowed))
            .collect();
        let _ = writeln!(
            s,
            "CPUs of unknown core: {} (allowed: {})",
            format_list(&unknown),
            format_list(&allowed)
        );
    }
    let offline = topo.offline_cpus();
    if !offline.is_empty() {
        let _ = writeln!(s, "Offline: {}", format_list(&offline));
    }
    let disallowed: Vec<usize> = topo
        .cpus()
        .iter()
        .filter(|c| c.online && !c.allowed)
        .map(|c| c.id)
        .collect();
    if !disallowed.is_empty() {
        let _ = writeln!(
            s,
            "Not allowed (affinity mask or cgroup cpuset): {}",
            format_list(&disallowed)
        );
    }
    s
}

/// The per-worker table and the idle CPUs.
fn text_placement(topo: &Topology, r: &Resolved) -> String {
    let mut s = summary(topo);
    // `resolve` already succeeded, so `places` does too.
    let places = r.placement.places(topo).map_or(0, |p| p.len());
    let _ = writeln!(
        s,
        "Placement {}: {} on {}",
        r.placement,
        plural(r.workers.len(), "worker"),
        plural(places, "place")
    );
    s.push_str(&worker_table(topo, &r.workers));
    if r.placement.kind == Kind::None {
        s.push_str("Workers are not pinned: the OS decides where they run.\n");
    } else {
        s.push_str(&pinning_notes(topo, r));
    }
    s
}

/// One right-aligned row per worker: its CPU and where that CPU sits.
fn worker_table(topo: &Topology, workers: &[Option<usize>]) -> String {
    let header = [
        "worker", "cpu", "core", "package", "node", "llc", "siblings",
    ];
    let rows: Vec<[String; 7]> = workers
        .iter()
        .enumerate()
        .map(|(worker, cpu)| {
            let info = cpu.and_then(|id| topo.cpu(id));
            [
                worker.to_string(),
                cpu.map_or_else(|| "-".into(), |c| c.to_string()),
                opt(info.and_then(|c| c.core)),
                opt(info.and_then(|c| c.package)),
                opt(info.and_then(|c| c.numa_node)),
                opt(info.and_then(|c| c.llc)),
                info.map(|c| format_list(&c.siblings)).unwrap_or_default(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut l = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        l.truncate(l.trim_end().len());
        l + "\n"
    };
    let mut s = line(header.to_vec());
    for row in &rows {
        s.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    s
}

/// For pinned workers: the CPUs that run more than one, and the allowed CPUs none runs on.
fn pinning_notes(topo: &Topology, r: &Resolved) -> String {
    let mut s = String::new();
    let mut shared: Vec<usize> = r.workers.iter().flatten().copied().collect();
    shared.sort_unstable();
    let mut doubled: Vec<usize> = shared
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    if !doubled.is_empty() {
        doubled.dedup();
        let _ = writeln!(
            s,
            "Oversubscribed: CPUs {} run more than one worker",
            format_list(&doubled)
        );
    }
    let idle = idle_cpus(topo, &r.placement, &r.workers);
    let _ = writeln!(
        s,
        "Idle allowed CPUs: {}",
        if idle.is_empty() {
            "none".to_string()
        } else {
            format_list(&idle)
        }
    );
    s
}

fn csv_text(header: &[&str], rows: Vec<Vec<String>>) -> CliResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| CliError::Failed(e.into());
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(&row).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| CliError::Failed(anyhow::anyhow!("writing csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| CliError::Failed(e.into()))
}

/// One row per CPU.
fn csv_cpus(topo: &Topology) -> CliResult<String> {
    let header = [
        "cpu",
        "core",
        "package",
        "numa_node",
        "llc",
        "online",
        "allowed",
        "core_id",
        "die",
        "cluster",
        "siblings",
    ];
    let rows = topo
        .cpus()
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                opt(c.core),
                opt(c.package),
                opt(c.numa_node),
                opt(c.llc),
                c.online.to_string(),
                c.allowed.to_string(),
                opt(c.core_id),
                opt(c.die),
                opt(c.cluster),
                format_list(&c.siblings),
            ]
        })
        .collect();
    csv_text(&header, rows)
}

/// One row per worker.
fn csv_workers(topo: &Topology, r: &Resolved) -> CliResult<String> {
    let header = [
        "worker",
        "cpu",
        "core",
        "package",
        "numa_node",
        "llc",
        "siblings",
        "placement",
    ];
    let spec = r.placement.to_string();
    let rows = r
        .workers
        .iter()
        .enumerate()
        .map(|(worker, cpu)| {
            let info = cpu.and_then(|id| topo.cpu(id));
            vec![
                worker.to_string(),
                opt(*cpu),
                opt(info.and_then(|c| c.core)),
                opt(info.and_then(|c| c.package)),
                opt(info.and_then(|c| c.numa_node)),
                opt(info.and_then(|c| c.llc)),
                info.map(|c| format_list(&c.siblings)).unwrap_or_default(),
                spec.clone(),
            ]
        })
        .collect();
    csv_text(&header, rows)
}

/// One CPU as JSON: its ids and where it sits (shared by `--format json` and
/// `meta.json`'s `machine.topology`).
pub fn cpu_json(c: &Cpu) -> Value {
    json!({
        "id": c.id, "online": c.online, "allowed": c.allowed, "core": c.core, "core_id": c.core_id,
        "package": c.package, "die": c.die, "cluster": c.cluster, "numa_node": c.numa_node,
        "llc": c.llc, "siblings": c.siblings,
    })
}

/// The whole topology as JSON (`wsbench topology --format json`).
pub fn topology_json(topo: &Topology) -> Value {
    let source = match topo.source() {
        Source::Sysfs(root) => json!({ "kind": "sysfs", "root": root.display().to_string() }),
        Source::CoreAffinity => json!({ "kind": "core_affinity" }),
    };
    json!({
        "source": source,
        "cpu_model": topo.cpu_model(),
        "smt": topo.smt(),
        "packages": topo.packages(),
        "numa_nodes": topo.numa_nodes(),
        "allowed_cpus": topo.allowed_cpus(),
        "cpus": topo.cpus().iter().map(cpu_json).collect::<Vec<_>>(),
        "cores": topo.cores().iter().map(|c| json!({
            "index": c.index, "package": c.package, "llc": c.llc, "cpus": c.cpus,
        })).collect::<Vec<_>>(),
        "llcs": topo.llcs(),
    })
}

/// A resolved placement as JSON: the worker → CPU map, the idle allowed CPUs,
/// and each worker's victim order (nearest first).
pub fn placement_json(topo: &Topology, placement: &Placement, workers: &[Option<usize>]) -> Value {
    let idle = idle_cpus(topo, placement, workers);
    json!({
        "spec": placement.to_string(),
        "workers": workers.iter().enumerate().map(|(w, cpu)| {
            let info = cpu.and_then(|id| topo.cpu(id));
            json!({
                "worker": w, "cpu": cpu, "core": info.and_then(|c| c.core),
                "package": info.and_then(|c| c.package), "numa_node": info.and_then(|c| c.numa_node),
                "llc": info.and_then(|c| c.llc),
            })
        }).collect::<Vec<_>>(),
        "idle_cpus": idle,
        "victim_order": topo.victim_order(workers),
    })
}

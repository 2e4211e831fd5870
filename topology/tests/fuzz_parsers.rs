//! Fuzzing every parser of the crate with proptest: CPU lists, CPU masks,
//! placement strings (keywords, `list:` and bare taskset lists and masks,
//! OpenMP places and `BIND@PLACES`, `@package:N`, `@node:N`, `+oversubscribe`)
//! with their resolution, and each kind of sysfs, procfs and cgroup file the
//! crate reads, inside a whole tree. Inputs are arbitrary strings and bytes,
//! plus strings built from each grammar's own pieces and small mutations of
//! valid files, which reach past the first check. None may panic; every error
//! must be a message.
//!
//! CI runs proptest's default case count. For a long run:
//! `PROPTEST_CASES=200000 cargo test -p topology --release --test fuzz_parsers`.

mod support;

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use support::{fixture, hybrid, two_sockets, Style};
use topology::cpulist::{format_list, parse_list, parse_mask, MAX_CPU};
use topology::placement::{Placement, PlacementError};
use topology::usable::UsableCpus;
use topology::{cgroup, Topology};

/// Text made of a grammar's pieces: `pieces` joined in any order.
fn from_pieces(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pieces), 0..12).prop_map(|parts| parts.concat())
}

const LIST_PIECES: &[&str] = &[
    "0",
    "1",
    "7",
    "15",
    "65536",
    "65537",
    "99999999999999999999999",
    "-",
    ",",
    ":",
    ":0",
    " ",
    "\n",
    "\t",
    "\0",
    "x",
    "+1",
    "-1",
    "é",
];

const MASK_PIECES: &[&str] = &[
    "0",
    "f",
    "F",
    "ff",
    "00000000",
    "ffffffff",
    "123456789",
    ",",
    " ",
    "\n",
    "\0",
    "0x",
    "g",
    "ß",
];

const PLACEMENT_PIECES: &[&str] = &[
    "none",
    "threads",
    "cores",
    "close",
    "compact",
    "spread",
    "scatter",
    "SPREAD",
    "list:",
    "@package:",
    "@node:",
    "@socket:",
    "+oversubscribe",
    "+",
    "@",
    ":",
    "0",
    "1",
    "3",
    "0-15",
    "0-15:2",
    "99999999999999999999",
    ",",
    "-",
    " ",
    "\0",
    "ü",
    // OpenMP places and bindings, taskset masks.
    "primary",
    "master",
    "sockets",
    "ll_caches",
    "numa_domains",
    "THREADS",
    "(",
    ")",
    "(4)",
    "(65537)",
    "{",
    "}",
    "{0:4}",
    "{0:4:2}",
    "{0,!1}",
    ":8:4",
    ":2:-8",
    ":65536",
    ":0",
    "!",
    "!{0}",
    "0x",
    "0xff",
    "f",
    "close@",
    "spread@",
];

/// `BIND@` and an OpenMP place list built from its grammar, with numbers
/// small and large, strides negative and zero, and exclusions.
fn openmp_place_list() -> impl Strategy<Value = String> {
    let number = prop_oneof![0usize..20, Just(65536), Just(70000)];
    let stride = prop_oneof![-20i64..20, Just(65537)];
    let interval = (
        number.clone(),
        prop::option::of((0usize..6, prop::option::of(stride.clone()))),
        any::<bool>(),
    )
        .prop_map(|(first, rest, negate)| match (negate, rest) {
            (true, _) => format!("!{first}"),
            (false, None) => first.to_string(),
            (false, Some((len, None))) => format!("{first}:{len}"),
            (false, Some((len, Some(s)))) => format!("{first}:{len}:{s}"),
        });
    let place = prop::collection::vec(interval, 1..4).prop_map(|r| format!("{{{}}}", r.join(",")));
    let place_interval = (
        place,
        prop::option::of((0usize..5, prop::option::of(stride))),
        any::<bool>(),
    )
        .prop_map(|(place, rest, negate)| match (negate, rest) {
            (true, _) => format!("!{place}"),
            (false, None) => place,
            (false, Some((len, None))) => format!("{place}:{len}"),
            (false, Some((len, Some(s)))) => format!("{place}:{len}:{s}"),
        });
    let bind = prop::sample::select(&["", "close@", "spread@", "primary@", "master@"][..]);
    let suffix = prop::sample::select(&["", "+oversubscribe", "@node:0", "@package:1"][..]);
    (bind, prop::collection::vec(place_interval, 1..4), suffix)
        .prop_map(|(bind, places, suffix)| format!("{bind}{}{suffix}", places.join(",")))
}

fn assert_message(error: &str) {
    assert!(!error.trim().is_empty(), "an empty error message");
}

/// A 16-CPU machine allowed on CPUs 2-12 (so `list:` and filters can fail).
fn machine() -> &'static Topology {
    static MACHINE: OnceLock<Topology> = OnceLock::new();
    MACHINE.get_or_init(|| {
        let dir = fixture(&two_sockets(true), &[15], Style::Lists);
        let topo = Topology::from_root(dir.path()).unwrap();
        topo.with_allowed(&(2..=12).collect::<Vec<_>>())
    })
}

proptest! {
    #[test]
    fn cpu_lists(text in prop_oneof![any::<String>(), from_pieces(LIST_PIECES)]) {
        match parse_list(&text) {
            Ok(cpus) => {
                prop_assert!(cpus.len() <= MAX_CPU + 1 && cpus.iter().all(|&c| c <= MAX_CPU));
                prop_assert_eq!(parse_list(&format_list(&cpus)).unwrap(), cpus);
            }
            Err(e) => assert_message(&e),
        }
    }

    #[test]
    fn cpu_masks(text in prop_oneof![any::<String>(), from_pieces(MASK_PIECES)]) {
        match parse_mask(&text) {
            Ok(cpus) => {
                prop_assert!(cpus.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(cpus.iter().all(|&c| c < MAX_CPU + 64));
            }
            Err(e) => assert_message(&e),
        }
    }

    #[test]
    fn placements(
        text in prop_oneof![any::<String>(), from_pieces(PLACEMENT_PIECES)],
        workers in prop_oneof![Just(None), (0usize..40).prop_map(Some), any::<usize>().prop_map(Some)],
    ) {
        match text.parse::<Placement>() {
            Ok(placement) => {
                let again: Placement = placement.to_string().parse().unwrap();
                prop_assert_eq!(&again, &placement);
                match placement.resolve(machine(), workers) {
                    Ok(cpus) => {
                        prop_assert_eq!(cpus.len(), workers.unwrap_or(cpus.len()));
                        let allowed = machine().allowed_cpus();
                        prop_assert!(cpus.iter().flatten().all(|c| allowed.contains(c)));
                        if !placement.oversubscribe {
                            let mut pinned: Vec<usize> = cpus.iter().flatten().copied().collect();
                            pinned.sort_unstable();
                            prop_assert!(pinned.windows(2).all(|w| w[0] != w[1]), "{:?}", cpus);
                        }
                    }
                    Err(e) => assert_message(&e.to_string()),
                }
            }
            Err(e) => {
                let message = e.to_string();
                assert_message(&message);
                if matches!(e, PlacementError::Syntax { .. }) {
                    prop_assert!(message.contains("at character"), "{}", message);
                }
            }
        }
    }

    #[test]
    fn openmp_place_lists(
        text in openmp_place_list(),
        workers in prop_oneof![Just(None), (0usize..40).prop_map(Some)],
    ) {
        match text.parse::<Placement>() {
            Ok(placement) => {
                let again: Placement = placement.to_string().parse().unwrap();
                prop_assert_eq!(&again, &placement);
                if let Err(e) = placement.resolve(machine(), workers) {
                    assert_message(&e.to_string());
                }
            }
            Err(e) => assert_message(&e.to_string()),
        }
    }
}

/// A tree with every kind of file the crate reads, and the files to fuzz in it.
struct Tree {
    dir: tempfile::TempDir,
    targets: Vec<PathBuf>,
}

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The modern kernel's files plus cgroup v2 and v1 files (`Style::Lists`),
/// or the old kernel's hex masks (`Style::Masks`).
fn tree(style: Style) -> Tree {
    let dir = fixture(&hybrid(), &[7], style);
    let root = dir.path();
    let mut targets: Vec<&str> = vec![
        "sys/devices/system/cpu/cpu1/topology/core_id",
        "sys/devices/system/cpu/cpu1/topology/physical_package_id",
        "sys/devices/system/cpu/cpu1/topology/die_id",
        "sys/devices/system/cpu/cpu1/topology/cluster_id",
        "sys/devices/system/cpu/cpu1/cache/index3/level",
        "sys/devices/system/cpu/cpu1/cache/index3/type",
        "sys/devices/system/node/node0/cpulist",
        "proc/cpuinfo",
    ];
    if style == Style::Masks {
        targets.extend([
            "sys/devices/system/cpu/cpu1/topology/thread_siblings",
            "sys/devices/system/cpu/cpu1/cache/index3/shared_cpu_map",
        ]);
    } else {
        write(
            root,
            "proc/self/cgroup",
            "5:cpu,cpuacct:/job\n3:cpuset:/job\n0::/job\n",
        );
        write(
            root,
            "proc/self/mountinfo",
            "30 24 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n\
             32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n",
        );
        write(root, "proc/self/cpuset", "/job\n");
        write(root, "sys/fs/cgroup/cpuset.cpus.effective", "0-7\n");
        write(root, "sys/fs/cgroup/job/cpuset.cpus.effective", "1-6\n");
        write(root, "sys/fs/cgroup/job/cpu.max", "300000 100000\n");
        write(root, "sys/fs/cgroup/cpu/job/cpu.cfs_quota_us", "200000\n");
        write(root, "sys/fs/cgroup/cpu/job/cpu.cfs_period_us", "100000\n");
        targets.extend([
            "sys/devices/system/cpu/online",
            "sys/devices/system/cpu/cpu1/topology/core_cpus_list",
            "sys/devices/system/cpu/cpu1/cache/index3/shared_cpu_list",
            "proc/self/cgroup",
            "proc/self/mountinfo",
            "proc/self/cpuset",
            "sys/fs/cgroup/job/cpuset.cpus.effective",
            "sys/fs/cgroup/job/cpu.max",
            "sys/fs/cgroup/cpu/job/cpu.cfs_quota_us",
            "sys/fs/cgroup/cpu/job/cpu.cfs_period_us",
        ]);
    }
    let targets = targets.into_iter().map(|t| root.join(t)).collect();
    Tree { dir, targets }
}

/// Edits of a valid file: (position, byte, 0 = insert / 1 = replace / 2 = delete).
type Edits = Vec<(usize, u8, u8)>;

fn edited(mut bytes: Vec<u8>, edits: &Edits) -> Vec<u8> {
    for &(position, byte, op) in edits {
        let at = position % (bytes.len() + 1);
        match op {
            0 => bytes.insert(at, byte),
            _ if at == bytes.len() => bytes.push(byte),
            1 => bytes[at] = byte,
            _ => drop(bytes.remove(at)),
        }
    }
    bytes
}

/// Content for a target: arbitrary bytes, or the file's valid content edited.
fn content() -> impl Strategy<Value = Result<Vec<u8>, Edits>> {
    let edits = prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..4);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..48).prop_map(Ok),
        edits.prop_map(Err),
    ]
}

/// Writes `content` into target `index`, reads the whole tree (topology,
/// cpuset, quota, usable CPUs), and puts the file back.
fn read_with(
    tree: &Tree,
    index: usize,
    content: Result<Vec<u8>, Edits>,
) -> Result<(), TestCaseError> {
    let target = &tree.targets[index % tree.targets.len()];
    let original = std::fs::read(target).ok();
    let bytes = match content {
        Ok(bytes) => bytes,
        Err(edits) => edited(original.clone().unwrap_or_default(), &edits),
    };
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(target, &bytes).unwrap();
    let _restore = Restore { target, original };
    let root = tree.dir.path();
    match Topology::from_root(root) {
        Ok(topo) => match UsableCpus::of(&topo, root) {
            Ok(usable) => prop_assert!(usable.parallelism <= usable.cpus.len().max(1)),
            Err(e) => assert_message(&e.to_string()),
        },
        Err(e) => assert_message(&e.to_string()),
    }
    if let Err(e) = cgroup::cpuset(root) {
        assert_message(&e.to_string());
    }
    Ok(())
}

/// Puts a fuzzed file back as it was, also when the case fails, so that the
/// shrinking cases start from the valid tree.
struct Restore<'a> {
    target: &'a Path,
    original: Option<Vec<u8>>,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        match &self.original {
            Some(original) => std::fs::write(self.target, original).unwrap(),
            None => std::fs::remove_file(self.target).unwrap(),
        }
    }
}

/// Runs `read_with` on one tree for as many cases as proptest is configured
/// for (`PROPTEST_CASES`), then removes the tree.
fn fuzz_tree(style: Style) {
    let tree = tree(style);
    let mut runner = proptest::test_runner::TestRunner::default();
    let result = runner.run(&(any::<usize>(), content()), |(index, content)| {
        read_with(&tree, index, content)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn sysfs_procfs_and_cgroup_files() {
    fuzz_tree(Style::Lists);
}

#[test]
fn old_kernel_hex_mask_files() {
    fuzz_tree(Style::Masks);
}

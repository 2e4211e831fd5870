//! Snapshot tools leave NUL bytes and stray whitespace in the files they
//! copy; hwloc reads such files as C strings with `strtoul`, so they must read
//! exactly like the clean ones: every kind of file this crate reads (`online`,
//! the `*_list` files, hex masks, ids, cache levels and types, node lists,
//! `/proc/cpuinfo`), in both the modern and the old-kernel style.

mod support;

use std::path::Path;
use support::{fixture, two_sockets, Style};
use topology::Topology;

/// What the topology says, without where it was read from.
fn facts(topo: &Topology) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        topo.cpus(),
        topo.cores(),
        topo.llcs(),
        topo.cpu_model(),
        topo.allowed_cpus()
    )
}

/// Rewrites every file under `dir` as `before` + its content without
/// surrounding whitespace + `after`; returns how many files it rewrote.
fn pad_every_file(dir: &Path, before: &str, after: &str) -> usize {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            count += pad_every_file(&path, before, after);
        } else {
            let content = std::fs::read_to_string(&path).unwrap();
            let padded = format!("{before}{}{after}", content.trim());
            std::fs::write(&path, padded).unwrap();
            count += 1;
        }
    }
    count
}

const PADDINGS: [(&str, &str); 9] = [
    ("", "\0"),
    ("", "\n\0\0"),
    ("", "   "),
    ("", "\r\n"),
    ("", "\n\0garbage after the terminator"),
    ("", "\t \n"),
    (" ", "\n"),
    ("\n", "\0\0\0\0"),
    ("", ""),
];

/// Removes every `core_cpus_list`, so that `thread_siblings_list` (what
/// kernels before 5.x have) is read instead.
fn without_core_cpus_list(root: &Path) {
    for cpu in 0..16 {
        let file = root.join(format!(
            "sys/devices/system/cpu/cpu{cpu}/topology/core_cpus_list"
        ));
        if file.exists() {
            std::fs::remove_file(file).unwrap();
        }
    }
}

fn check_style(style: Style, older_lists: bool) {
    let clean = fixture(&two_sockets(true), &[3], style);
    let expected = facts(&Topology::from_root(clean.path()).unwrap());
    for (before, after) in PADDINGS {
        let dir = fixture(&two_sockets(true), &[3], style);
        if older_lists {
            without_core_cpus_list(dir.path());
        }
        let files = pad_every_file(dir.path(), before, after);
        assert!(files > 100, "{files} files");
        let topo = Topology::from_root(dir.path())
            .unwrap_or_else(|e| panic!("{style:?}, {before:?} + content + {after:?}: {e}"));
        assert_eq!(
            facts(&topo),
            expected,
            "{style:?}, {before:?} + content + {after:?}"
        );
    }
}

#[test]
fn lists_ids_levels_and_types_with_nul_and_whitespace_read_like_clean_ones() {
    check_style(Style::Lists, false);
    check_style(Style::Lists, true);
}

#[test]
fn hex_masks_with_nul_and_whitespace_read_like_clean_ones() {
    check_style(Style::Masks, false);
}

#[test]
fn what_is_not_whitespace_or_after_a_nul_is_still_an_error() {
    let dir = fixture(&two_sockets(false), &[], Style::Lists);
    let core_id = dir
        .path()
        .join("sys/devices/system/cpu/cpu3/topology/core_id");
    std::fs::write(&core_id, "1 2\n").unwrap();
    let err = Topology::from_root(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("cpu3/topology/core_id") && err.contains("`1 2`"),
        "{err}"
    );

    std::fs::write(&core_id, b"\xff\xfe1\n").unwrap();
    let err = Topology::from_root(dir.path()).unwrap_err().to_string();
    assert!(err.contains("`\\xff\\xfe1` is not text"), "{err}");

    std::fs::write(&core_id, "1\n").unwrap();
    let online = dir.path().join("sys/devices/system/cpu/online");
    std::fs::write(&online, "0-15\n\n0-3").unwrap();
    let err = Topology::from_root(dir.path()).unwrap_err().to_string();
    assert!(err.contains("cpu/online"), "{err}");
}

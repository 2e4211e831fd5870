//! Unit tests of the placement parser and its helpers.

use super::*;
use proptest::prelude::*;

#[test]
fn aliases_parse_to_the_canonical_names() {
    assert_eq!("compact".parse::<Placement>().unwrap().kind, Kind::Close);
    assert_eq!("scatter".parse::<Placement>().unwrap().kind, Kind::Spread);
    assert_eq!(" Cores ".parse::<Placement>().unwrap().kind, Kind::Cores);
}

#[test]
fn lists_keep_their_order_and_strides() {
    let p: Placement = "list:8,0-2,10-14:2".parse().unwrap();
    assert_eq!(p.kind, Kind::List(vec![8, 0, 1, 2, 10, 12, 14]));
    assert_eq!(p.to_string(), "list:8,0-2,10,12,14");
}

#[test]
fn syntax_errors_name_the_problem_and_the_syntax() {
    for (spec, needle) in [
        ("", "empty"),
        ("sprad", "unknown placement `sprad`"),
        ("list:", "at least one CPU"),
        ("list:0-3,x", "`x`"),
        ("list:1,1", "listed twice"),
        ("cores@socket:1", "unknown restriction"),
        ("cores@package", "@package:N"),
        ("cores@node:x", "not a number"),
        ("cores+turbo", "unknown modifier"),
        ("cores+oversubscribe+oversubscribe", "twice"),
        ("none@node:0", "pins nothing"),
    ] {
        let msg = spec.parse::<Placement>().unwrap_err().to_string();
        assert!(msg.contains(needle), "{spec:?}: {msg}");
        assert!(
            msg.contains("list:0-3,8,10-11"),
            "{spec:?} should show the syntax: {msg}"
        );
    }
}

#[test]
fn openmp_places_bindings_and_taskset_forms() {
    let omp = |places, bind| Kind::Omp(OmpPlacement { places, bind });
    for (spec, kind, written) in [
        (
            "cores(4)",
            omp(Places::Abstract(AbstractName::Cores, Some(4)), Bind::Close),
            "close@cores(4)",
        ),
        (
            "spread@cores",
            omp(Places::Abstract(AbstractName::Cores, None), Bind::Spread),
            "spread@cores",
        ),
        (
            "Master@SOCKETS",
            omp(Places::Abstract(AbstractName::Sockets, None), Bind::Primary),
            "primary@sockets",
        ),
        (
            "primary",
            omp(Places::Abstract(AbstractName::Threads, None), Bind::Primary),
            "primary@threads",
        ),
        (
            "ll_caches",
            omp(Places::Abstract(AbstractName::LlCaches, None), Bind::Close),
            "close@ll_caches",
        ),
        (
            "numa_domains(2)",
            omp(
                Places::Abstract(AbstractName::NumaDomains, Some(2)),
                Bind::Close,
            ),
            "close@numa_domains(2)",
        ),
        (
            "{0:2}:2:8",
            omp(Places::Explicit(vec![vec![0, 1], vec![8, 9]]), Bind::Close),
            "close@{0:2}:2:8",
        ),
        (
            "spread@0-3",
            omp(
                Places::Explicit(vec![vec![0], vec![1], vec![2], vec![3]]),
                Bind::Spread,
            ),
            "spread@{0}:4",
        ),
        (
            "close@0x5",
            omp(Places::Explicit(vec![vec![0], vec![2]]), Bind::Close),
            "close@{0}:2:2",
        ),
        ("0-3,8", Kind::List(vec![0, 1, 2, 3, 8]), "list:0-3,8"),
        ("0-14:7", Kind::List(vec![0, 7, 14]), "list:0,7,14"),
        ("0,2", Kind::List(vec![0, 2]), "list:0,2"),
        ("0x11", Kind::List(vec![0, 4]), "list:0,4"),
    ] {
        let p: Placement = spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert_eq!(p.kind, kind, "{spec}");
        assert_eq!(p.to_string(), written, "{spec}");
    }
    let p: Placement = "spread@cores(2)@node:1+oversubscribe".parse().unwrap();
    assert_eq!(p.filters, vec![Filter::Node(1)]);
    assert!(p.oversubscribe);
    // The keywords keep their meaning: `close@node:0` is a restriction, not places.
    assert_eq!(
        "close@node:0".parse::<Placement>().unwrap().kind,
        Kind::Close
    );
}

#[test]
fn syntax_errors_say_where() {
    for (spec, position, needle) in [
        ("  sprad", 3, "unknown placement `sprad`"),
        ("cores@node:x", 12, "not a number"),
        ("cores+turbo", 7, "unknown modifier"),
        ("spread@{0,x}", 11, "expected a CPU number"),
        ("spread@chiplets", 8, "neither OpenMP places"),
        ("cores(0)", 7, "at least 1"),
        ("{0:4}:2:8:1", 10, "between places"),
        ("0-3,x", 5, "`x`"),
        ("0xfg", 4, "not a hexadecimal digit"),
        ("spread@node:0@cores", 15, "@package:N or @node:N"),
        ("ü@cores", 1, "unknown placement"),
        ("ü+x", 3, "unknown modifier"),
    ] {
        match spec.parse::<Placement>().unwrap_err() {
            PlacementError::Syntax {
                position: got,
                reason,
                ..
            } => {
                assert_eq!(got, position, "{spec}: {reason}");
                assert!(reason.contains(needle), "{spec}: {reason}");
            }
            other => panic!("{spec}: {other}"),
        }
    }
}

#[test]
fn duplicates_are_fine_when_oversubscribed() {
    let p: Placement = "list:1,1+oversubscribe".parse().unwrap();
    assert_eq!(p.kind, Kind::List(vec![1, 1]));
}

#[test]
fn interleave_takes_one_from_each_group_in_turn() {
    assert_eq!(
        order::interleave(vec![vec![1, 2, 3], vec![10], vec![20, 21]]),
        vec![1, 10, 20, 2, 21, 3]
    );
}

fn any_bind() -> impl Strategy<Value = Bind> {
    prop_oneof![Just(Bind::Close), Just(Bind::Spread), Just(Bind::Primary)]
}

fn any_places() -> impl Strategy<Value = Places> {
    let name = prop_oneof![
        Just(AbstractName::Threads),
        Just(AbstractName::Cores),
        Just(AbstractName::LlCaches),
        Just(AbstractName::NumaDomains),
        Just(AbstractName::Sockets),
    ];
    let place = proptest::collection::btree_set(0usize..64, 1..5)
        .prop_map(|set| set.into_iter().rev().collect::<Vec<_>>());
    prop_oneof![
        (name, proptest::option::of(1usize..100)).prop_map(|(n, c)| Places::Abstract(n, c)),
        proptest::collection::vec(place, 1..6).prop_map(Places::Explicit),
    ]
}

fn any_placement() -> impl Strategy<Value = Placement> {
    let kind = prop_oneof![
        Just(Kind::None),
        Just(Kind::Threads),
        Just(Kind::Cores),
        Just(Kind::Close),
        Just(Kind::Spread),
        proptest::collection::vec(0usize..64, 1..10).prop_map(Kind::List),
        (any_places(), any_bind())
            .prop_map(|(places, bind)| Kind::Omp(OmpPlacement { places, bind })),
    ];
    let filter = prop_oneof![
        (0usize..4).prop_map(Filter::Package),
        (0usize..4).prop_map(Filter::Node)
    ];
    (kind, proptest::collection::vec(filter, 0..3), any::<bool>()).prop_map(
        |(kind, filters, oversubscribe)| {
            let filters = if kind == Kind::None {
                Vec::new()
            } else {
                filters
            };
            Placement {
                kind,
                filters,
                oversubscribe: true,
            }
            .with_oversubscribe(oversubscribe)
        },
    )
}

impl Placement {
    fn with_oversubscribe(mut self, on: bool) -> Self {
        // Lists with duplicates only parse when oversubscribed.
        let has_dup = matches!(&self.kind, Kind::List(c) if c.iter().enumerate().any(|(i, x)| c[..i].contains(x)));
        self.oversubscribe = on || has_dup;
        self
    }
}

proptest! {
    #[test]
    fn display_round_trips(p in any_placement()) {
        prop_assert_eq!(p.to_string().parse::<Placement>().unwrap(), p);
    }
}

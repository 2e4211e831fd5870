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
fn duplicates_are_fine_when_oversubscribed() {
    let p: Placement = "list:1,1+oversubscribe".parse().unwrap();
    assert_eq!(p.kind, Kind::List(vec![1, 1]));
}

#[test]
fn interleave_takes_one_from_each_group_in_turn() {
    assert_eq!(
        interleave(vec![vec![1, 2, 3], vec![10], vec![20, 21]]),
        vec![1, 10, 20, 2, 21, 3]
    );
}

fn any_placement() -> impl Strategy<Value = Placement> {
    let kind = prop_oneof![
        Just(Kind::None),
        Just(Kind::Threads),
        Just(Kind::Cores),
        Just(Kind::Close),
        Just(Kind::Spread),
        proptest::collection::vec(0usize..64, 1..10).prop_map(Kind::List),
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

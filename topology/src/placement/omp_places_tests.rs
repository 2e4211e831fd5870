//! Unit tests of the OpenMP place-list parser and writer.

use super::*;
use proptest::prelude::*;

fn places(text: &str) -> Vec<Vec<usize>> {
    parse_place_list(text, 0).unwrap_or_else(|e| panic!("{text}: {} at {}", e.reason, e.at))
}

fn error(text: &str) -> SyntaxAt {
    match parse_place_list(text, 0) {
        Ok(p) => panic!("{text} parsed as {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn the_specification_examples() {
    // OpenMP 5.2, 21.1.6: three equivalent ways to write four places of four CPUs.
    let four = vec![
        vec![0, 1, 2, 3],
        vec![4, 5, 6, 7],
        vec![8, 9, 10, 11],
        vec![12, 13, 14, 15],
    ];
    assert_eq!(
        places("{0,1,2,3},{4,5,6,7},{8,9,10,11},{12,13,14,15}"),
        four
    );
    assert_eq!(places("{0:4},{4:4},{8:4},{12:4}"), four);
    assert_eq!(places("{0:4}:4:4"), four);
    // A place interval, a strided resource interval, bare CPUs.
    assert_eq!(places("{0:4}:8:4").len(), 8);
    assert_eq!(places("{0:4}:8:4")[7], vec![28, 29, 30, 31]);
    assert_eq!(places("{0:4:2}"), vec![vec![0, 2, 4, 6]]);
    assert_eq!(places("0:4"), vec![vec![0], vec![1], vec![2], vec![3]]);
    assert_eq!(places("3:3:-1"), vec![vec![3], vec![2], vec![1]]);
    assert_eq!(
        places(" { 0 , 8 } : 2 , 7 "),
        vec![vec![0, 8], vec![1, 9], vec![7]]
    );
}

#[test]
fn exclusion_as_libgomp_does_it() {
    // `!N` inside braces removes N wherever it is written.
    assert_eq!(places("{!2,0:4}"), vec![vec![0, 1, 3]]);
    // `!place` removes an equal place listed before it.
    assert_eq!(places("{0:2}:3:2,!{3,2}"), vec![vec![0, 1], vec![4, 5]]);
    assert!(error("{0},!{1}").reason.contains("no place before it"));
    assert!(error("{0},!{0}").reason.contains("every place was removed"));
    assert!(error("{0},!{0}:2").reason.contains("takes no `:LEN`"));
    assert!(error("{!1:2,3}").reason.contains("takes no `:NUM`"));
    assert!(error("{0,!0}").reason.contains("empty"));
    // A CPU listed twice in a place is one CPU.
    assert_eq!(places("{0,0:2}"), vec![vec![0, 1]]);
}

#[test]
fn errors_point_at_the_offending_character() {
    for (text, at, needle) in [
        ("{0,1", 4, "expected `,` or `}`"),
        ("{0,x}", 3, "expected a CPU number"),
        ("{}", 1, "expected a CPU number"),
        ("{0}:0", 4, "at least 1"),
        ("{0}:2:x", 6, "may be negative"),
        ("{0} {1}", 4, "expected `,` between places"),
        ("{70000}", 1, "above 65536"),
        ("{0:99999999999999999999999}", 3, "above"),
        ("{0}:3:-1", 0, "outside 0"),
        ("{65536}:2", 0, "outside 0"),
        (
            "{0:65536}:65536",
            0,
            "more than 65536 places or 1048576 CPUs",
        ),
        ("{0}:65537", 4, "above 65536"),
    ] {
        let e = error(text);
        assert_eq!(e.at, at, "{text}: {}", e.reason);
        assert!(e.reason.contains(needle), "{text}: {}", e.reason);
    }
}

#[test]
fn abstract_names_and_counts() {
    let parsed = |t: &str| parse_abstract(t, 0).map(|r| r.map_err(|e| (e.at, e.reason)));
    assert_eq!(parsed("cores"), Some(Ok((AbstractName::Cores, None))));
    assert_eq!(
        parsed("LL_Caches( 2 )"),
        Some(Ok((AbstractName::LlCaches, Some(2))))
    );
    assert_eq!(
        parsed("numa_domains(1)"),
        Some(Ok((AbstractName::NumaDomains, Some(1))))
    );
    assert_eq!(parsed("sockets"), Some(Ok((AbstractName::Sockets, None))));
    assert_eq!(parsed("{0}"), None);
    assert_eq!(parsed("chiplets"), None);
    for (text, at, needle) in [
        ("cores(0)", 6, "at least 1"),
        ("cores(4", 7, "expected `)`"),
        ("cores4", 5, "only a count in parentheses"),
        ("threads(2)x", 10, "nothing may follow"),
        ("sockets()", 8, "expected the count of places"),
    ] {
        let (got_at, reason) = parsed(text).unwrap().unwrap_err();
        assert_eq!(got_at, at, "{text}: {reason}");
        assert!(reason.contains(needle), "{text}: {reason}");
    }
}

#[test]
fn written_compactly() {
    for (places_text, written) in [
        ("{0:4}:8:4", "{0:4}:8:4"),
        ("{0},{2},{4},{6}", "{0}:4:2"),
        ("{0,1,2,3},{4,5,6,7}", "{0:4}:2:4"),
        ("{0,8},{1,9},{7}", "{0,8}:2,{7}"),
        ("{0:4:2}", "{0:4:2}"),
        ("{5,3}", "{5,3}"),
        ("{9,6,3,0}", "{9:4:-3}"),
        ("{0},{0}", "{0}:2:0"),
        ("{3},{1}", "{3}:2:-2"),
    ] {
        assert_eq!(
            format_place_list(&places(places_text)),
            written,
            "{places_text}"
        );
    }
}

/// Places as the parser makes them: non-empty, each CPU once per place.
fn any_places() -> impl Strategy<Value = Vec<Vec<usize>>> {
    let place = prop::collection::vec(0usize..40, 1..6).prop_map(|mut cpus| {
        let mut seen = std::collections::HashSet::new();
        cpus.retain(|c| seen.insert(*c));
        cpus
    });
    prop::collection::vec(place, 1..8)
}

proptest! {
    #[test]
    fn format_then_parse_round_trips(list in any_places()) {
        prop_assert_eq!(places(&format_place_list(&list)), list);
    }
}

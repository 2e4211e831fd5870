//! From a placement string to a [`Placement`]: the keywords, `BIND@PLACES`,
//! the `@package:N`/`@node:N` restrictions and `+oversubscribe`. Every error
//! says where in the string it is (a character position) and what is allowed.

use super::omp_places::{parse_abstract, parse_place_list};
use super::taskset::{is_taskset_list, parse_cpus, parse_mask};
use super::{AbstractName, Bind, Filter, Kind, OmpPlacement, Placement, PlacementError, Places};
use std::str::FromStr;

/// A syntax error: the byte offset in the whole placement where it starts,
/// and what is wrong there.
#[derive(Debug)]
pub(super) struct SyntaxAt {
    /// Byte offset in the placement string.
    pub(super) at: usize,
    /// What is wrong and what is allowed.
    pub(super) reason: String,
}

impl SyntaxAt {
    pub(super) fn new(at: usize, reason: String) -> Self {
        SyntaxAt { at, reason }
    }
}

impl FromStr for Placement {
    type Err = PlacementError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        parse(spec).map_err(|e| PlacementError::Syntax {
            spec: spec.to_string(),
            position: spec.char_indices().take_while(|&(i, _)| i < e.at).count() + 1,
            reason: e.reason,
        })
    }
}

/// Splits `text` (found at offset `at`) on `separator`: each piece trimmed,
/// with its offset.
fn pieces(text: &str, at: usize, separator: char) -> Vec<(usize, &str)> {
    let mut offset = at;
    text.split(separator)
        .map(|piece| {
            let start = offset + (piece.len() - piece.trim_start().len());
            offset += piece.len() + separator.len_utf8();
            (start, piece.trim())
        })
        .collect()
}

fn parse(spec: &str) -> Result<Placement, SyntaxAt> {
    let mut plus = pieces(spec, 0, '+').into_iter();
    let (main_at, main) = plus.next().unwrap_or((0, ""));
    let oversubscribe = parse_modifiers(plus)?;
    let mut at_parts = pieces(main, main_at, '@').into_iter();
    let (base_at, base) = at_parts.next().unwrap_or((main_at, ""));
    let bind = bind_word(base);
    let mut kind = parse_base(base, base_at, oversubscribe)?;
    let mut filters = Vec::new();
    for (index, (at, part)) in at_parts.enumerate() {
        match (index, bind, is_filter(part)) {
            (0, Some(bind), false) => {
                let places = parse_bound_places(part, at)?;
                kind = Kind::Omp(OmpPlacement { places, bind });
            }
            _ => filters.push(parse_filter(part, at)?),
        }
    }
    if kind == Kind::None && !filters.is_empty() {
        return Err(SyntaxAt::new(
            base_at,
            "`none` pins nothing, so it takes no @package/@node".into(),
        ));
    }
    Ok(Placement {
        kind,
        filters,
        oversubscribe,
    })
}

/// The `+…` modifiers: whether `+oversubscribe` is given.
fn parse_modifiers<'a>(
    modifiers: impl Iterator<Item = (usize, &'a str)>,
) -> Result<bool, SyntaxAt> {
    let mut oversubscribe = false;
    for (at, modifier) in modifiers {
        match modifier {
            "oversubscribe" if !oversubscribe => oversubscribe = true,
            "oversubscribe" => {
                return Err(SyntaxAt::new(at, "`+oversubscribe` is given twice".into()))
            }
            other => {
                return Err(SyntaxAt::new(
                    at,
                    format!("unknown modifier `+{other}` (only +oversubscribe exists)"),
                ))
            }
        }
    }
    Ok(oversubscribe)
}

/// The OpenMP binding a base word names, which may be followed by `@PLACES`.
fn bind_word(base: &str) -> Option<Bind> {
    match base.to_ascii_lowercase().as_str() {
        "close" => Some(Bind::Close),
        "spread" => Some(Bind::Spread),
        "primary" | "master" => Some(Bind::Primary),
        _ => None,
    }
}

/// Whether an `@` part is a restriction (`package:N`, `node:N`, or a
/// misspelt one such as `socket:1`) rather than places.
fn is_filter(part: &str) -> bool {
    match part.split_once(':') {
        Some((what, _)) => what.trim().chars().all(|c| c.is_ascii_alphabetic()),
        None => matches!(part, "package" | "node"),
    }
}

/// Places as text: what [`parse_place_text`] recognized.
enum PlaceText {
    Abstract(AbstractName, Option<usize>),
    Explicit(Vec<Vec<usize>>),
    Cpus(Vec<usize>),
}

/// An abstract name, a taskset list or mask, or an OpenMP place list;
/// `None` when the text starts like none of them.
fn parse_place_text(text: &str, at: usize) -> Option<Result<PlaceText, SyntaxAt>> {
    if let Some(parsed) = parse_abstract(text, at) {
        return Some(parsed.map(|(name, count)| PlaceText::Abstract(name, count)));
    }
    if text
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case("list:"))
    {
        if text[5..].trim().is_empty() {
            return Some(Err(SyntaxAt::new(
                at + 5,
                "`list:` needs at least one CPU, as in list:0-3".into(),
            )));
        }
        return Some(parse_cpus(&text[5..], at + 5).map(PlaceText::Cpus));
    }
    if text.starts_with("0x") || text.starts_with("0X") {
        return Some(parse_mask(text, at).map(PlaceText::Cpus));
    }
    if !text.starts_with(|c: char| c.is_ascii_digit() || "{!".contains(c)) {
        return None;
    }
    Some(if is_taskset_list(text) {
        parse_cpus(text, at).map(PlaceText::Cpus)
    } else {
        parse_place_list(text, at).map(PlaceText::Explicit)
    })
}

/// The base: a keyword, a binding word alone, or places (which bind `close`).
fn parse_base(base: &str, at: usize, oversubscribe: bool) -> Result<Kind, SyntaxAt> {
    let keyword = match base.to_ascii_lowercase().as_str() {
        "" => return Err(SyntaxAt::new(at, "the placement is empty".into())),
        "none" => Some(Kind::None),
        "close" | "compact" => Some(Kind::Close),
        "spread" | "scatter" => Some(Kind::Spread),
        "threads" => Some(Kind::Threads),
        "cores" => Some(Kind::Cores),
        "primary" | "master" => Some(Kind::Omp(OmpPlacement {
            places: Places::Abstract(AbstractName::Threads, None),
            bind: Bind::Primary,
        })),
        _ => None,
    };
    if let Some(kind) = keyword {
        return Ok(kind);
    }
    let close = |places| {
        Kind::Omp(OmpPlacement {
            places,
            bind: Bind::Close,
        })
    };
    match parse_place_text(base, at) {
        Some(Ok(PlaceText::Abstract(name, count))) => Ok(close(Places::Abstract(name, count))),
        Some(Ok(PlaceText::Explicit(places))) => Ok(close(Places::Explicit(places))),
        Some(Ok(PlaceText::Cpus(cpus))) => {
            check_duplicates(&cpus, at, oversubscribe)?;
            Ok(Kind::List(cpus))
        }
        Some(Err(e)) => Err(e),
        None => Err(SyntaxAt::new(at, format!("unknown placement `{base}`"))),
    }
}

/// A CPU listed twice is two workers on one CPU: it needs `+oversubscribe`.
fn check_duplicates(cpus: &[usize], at: usize, oversubscribe: bool) -> Result<(), SyntaxAt> {
    if oversubscribe {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::new();
    match cpus.iter().find(|&&cpu| !seen.insert(cpu)) {
        Some(dup) => Err(SyntaxAt::new(
            at,
            format!("CPU {dup} is listed twice; two workers on one CPU need +oversubscribe"),
        )),
        None => Ok(()),
    }
}

/// The places after `BIND@`: anything [`parse_place_text`] takes; CPU lists
/// and masks become one place per CPU.
fn parse_bound_places(text: &str, at: usize) -> Result<Places, SyntaxAt> {
    match parse_place_text(text, at) {
        Some(Ok(PlaceText::Abstract(name, count))) => Ok(Places::Abstract(name, count)),
        Some(Ok(PlaceText::Explicit(places))) => Ok(Places::Explicit(places)),
        Some(Ok(PlaceText::Cpus(cpus))) => Ok(Places::Explicit(
            cpus.into_iter().map(|cpu| vec![cpu]).collect(),
        )),
        Some(Err(e)) => Err(e),
        None => Err(SyntaxAt::new(
            at,
            format!(
                "`@{text}` is neither OpenMP places (threads, cores, ll_caches, numa_domains, \
                 sockets, each with an optional (N), or a list such as {{0:4}}:2:8) nor a CPU list"
            ),
        )),
    }
}

/// One `@package:N` or `@node:N` restriction (without the `@`).
fn parse_filter(filter: &str, at: usize) -> Result<Filter, SyntaxAt> {
    let (what, number) = filter
        .split_once(':')
        .ok_or_else(|| SyntaxAt::new(at, format!("`@{filter}` should be @package:N or @node:N")))?;
    let number_at = at + what.len() + 1 + (number.len() - number.trim_start().len());
    let number: usize = number.trim().parse().map_err(|_| {
        SyntaxAt::new(
            number_at,
            format!("`@{filter}`: `{}` is not a number", number.trim()),
        )
    })?;
    match what.trim() {
        "package" => Ok(Filter::Package(number)),
        "node" => Ok(Filter::Node(number)),
        other => Err(SyntaxAt::new(
            at,
            format!("unknown restriction `@{other}` (use @package:N or @node:N)"),
        )),
    }
}

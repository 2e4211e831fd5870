//! OpenMP's `OMP_PLACES` syntax (OpenMP 5.2, section 21.1.6): abstract names
//! with an optional count, and explicit place lists, parsed into places (each
//! a list of OS CPUs) and written back in a compact form that parses to the
//! same places.
//!
//! ```text
//! place-list   := place-interval ( "," place-interval )*
//! place-interval := place [ ":" LEN [ ":" STRIDE ] ] | "!" place
//! place        := "{" res-list "}" | RES
//! res-list     := res-interval ( "," res-interval )*
//! res-interval := RES [ ":" NUM [ ":" STRIDE ] ] | "!" RES
//! abstract     := threads | cores | ll_caches | numa_domains | sockets, each [ "(" COUNT ")" ]
//! ```
//!
//! `RES` is a CPU number; `LEN`, `NUM` and `COUNT` are at least 1; `STRIDE`
//! may be negative or zero (both default to 1). As in GNU libgomp, `!RES`
//! removes a CPU from its place whatever its position in the braces, `!place`
//! removes an equal place listed before it, and a place lists each CPU once.

use super::parse::SyntaxAt;
use super::AbstractName;
use crate::cpulist::MAX_CPU;

/// The most places an explicit list may expand to (libgomp's limit).
pub const MAX_PLACES: usize = 1 << 16;

/// The most CPUs all places of an explicit list may name together, so that
/// `{0:65536}:65536` is refused before it allocates.
pub const MAX_PLACE_CPUS: usize = 1 << 20;

/// What an explicit place list allows, for the error messages.
const PLACE_LIST: &str =
    "places such as {0,1},{2:2} or {0:4}:8:4 (PLACE:LEN:STRIDE), CPUs N or N:NUM:STRIDE inside braces, `!` to exclude";

/// An abstract name and its count, from text such as `cores(4)` or
/// `SOCKETS`; `None` when the text does not start with one of the names.
pub(super) fn parse_abstract(
    text: &str,
    at: usize,
) -> Option<Result<(AbstractName, Option<usize>), SyntaxAt>> {
    let word_end = text
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
        .unwrap_or(text.len());
    let name = match text[..word_end].to_ascii_lowercase().as_str() {
        "threads" => AbstractName::Threads,
        "cores" => AbstractName::Cores,
        "ll_caches" => AbstractName::LlCaches,
        "numa_domains" => AbstractName::NumaDomains,
        "sockets" => AbstractName::Sockets,
        _ => return None,
    };
    let mut cursor = Cursor::new(&text[word_end..], at + word_end);
    cursor.skip_ws();
    if cursor.done() {
        return Some(Ok((name, None)));
    }
    Some(count_in_parens(&mut cursor, name.word()).map(|count| (name, Some(count))))
}

/// `( COUNT )` and the end of the text.
fn count_in_parens(cursor: &mut Cursor, word: &str) -> Result<usize, SyntaxAt> {
    if !cursor.eat('(') {
        return Err(cursor.error(format!(
            "after `{word}` only a count in parentheses may follow, as in {word}(4)"
        )));
    }
    cursor.skip_ws();
    let count = cursor.positive("the count of places")?;
    cursor.skip_ws();
    if !cursor.eat(')') {
        return Err(cursor.error(format!("expected `)` to close {word}({count}")));
    }
    cursor.skip_ws();
    if !cursor.done() {
        return Err(cursor.error(format!("nothing may follow {word}({count})")));
    }
    Ok(count)
}

/// An explicit place list, expanded: one entry per place, each its CPUs in
/// the order written, each CPU once.
pub(super) fn parse_place_list(text: &str, at: usize) -> Result<Vec<Vec<usize>>, SyntaxAt> {
    let mut cursor = Cursor::new(text, at);
    let mut places: Vec<Vec<usize>> = Vec::new();
    let mut total = 0usize;
    loop {
        cursor.skip_ws();
        let start = cursor.position();
        let negate = cursor.eat('!');
        let place = parse_place(&mut cursor)?;
        cursor.skip_ws();
        if negate {
            if cursor.peek() == Some(':') {
                return Err(cursor.error("a place removed with `!` takes no `:LEN`".into()));
            }
            remove_place(&mut places, &place, start)?;
        } else {
            let (len, stride) = cursor.len_and_stride("the number of places")?;
            if places.len() + len > MAX_PLACES || total + len * place.len() > MAX_PLACE_CPUS {
                return Err(SyntaxAt::new(
                    start,
                    format!(
                        "the list expands to more than {MAX_PLACES} places or {MAX_PLACE_CPUS} CPUs in all"
                    ),
                ));
            }
            for k in 0..len {
                let shift = k as i64 * stride;
                let moved = place
                    .iter()
                    .map(|&cpu| shifted(cpu, shift, start))
                    .collect::<Result<Vec<_>, _>>()?;
                places.push(moved);
            }
            total += len * place.len();
        }
        cursor.skip_ws();
        if cursor.done() {
            break;
        }
        if !cursor.eat(',') {
            return Err(cursor.error(format!("expected `,` between places; {PLACE_LIST}")));
        }
    }
    if places.is_empty() {
        return Err(SyntaxAt::new(at, "every place was removed with `!`".into()));
    }
    Ok(places)
}

/// Removes the first place of `places` equal to `place` as a set (`!place`).
fn remove_place(places: &mut Vec<Vec<usize>>, place: &[usize], at: usize) -> Result<(), SyntaxAt> {
    let mut wanted = place.to_vec();
    wanted.sort_unstable();
    let found = places.iter().position(|p| {
        let mut p = p.clone();
        p.sort_unstable();
        p == wanted
    });
    match found {
        Some(index) => {
            places.remove(index);
            Ok(())
        }
        None => Err(SyntaxAt::new(
            at,
            format!(
                "`!` removes the place {} but no place before it has exactly these CPUs",
                format_place(place)
            ),
        )),
    }
}

/// `cpu + shift`, which must stay a CPU number.
fn shifted(cpu: usize, shift: i64, at: usize) -> Result<usize, SyntaxAt> {
    let moved = cpu as i64 + shift;
    if (0..=MAX_CPU as i64).contains(&moved) {
        Ok(moved as usize)
    } else {
        Err(SyntaxAt::new(
            at,
            format!("the stride moves CPU {cpu} to {moved}, outside 0 to {MAX_CPU}"),
        ))
    }
}

/// `{ res-list }` or a bare CPU number.
fn parse_place(cursor: &mut Cursor) -> Result<Vec<usize>, SyntaxAt> {
    cursor.skip_ws();
    let start = cursor.position();
    if !cursor.eat('{') {
        return Ok(vec![cursor.cpu()?]);
    }
    let mut cpus = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut removed = Vec::new();
    loop {
        cursor.skip_ws();
        if cursor.eat('!') {
            cursor.skip_ws();
            removed.push(cursor.cpu()?);
            cursor.skip_ws();
            if cursor.peek() == Some(':') {
                return Err(cursor.error("an excluded CPU `!N` takes no `:NUM`".into()));
            }
        } else {
            let first = cursor.cpu()?;
            cursor.skip_ws();
            let (num, stride) = cursor.len_and_stride("the number of CPUs")?;
            for k in 0..num {
                let cpu = shifted(first, k as i64 * stride, start)?;
                if seen.insert(cpu) {
                    cpus.push(cpu);
                }
            }
        }
        cursor.skip_ws();
        if cursor.eat('}') {
            break;
        }
        if !cursor.eat(',') {
            return Err(cursor.error("expected `,` or `}` inside a place".into()));
        }
    }
    cpus.retain(|cpu| !removed.contains(cpu));
    if cpus.is_empty() {
        return Err(SyntaxAt::new(start, "the place is empty".into()));
    }
    Ok(cpus)
}

/// Writes places as an explicit list that [`parse_place_list`] reads back
/// to the same places: runs of places that are shifts of each other by one
/// stride become `{…}:LEN:STRIDE`, runs of CPUs with one stride `N:NUM:STRIDE`.
pub(super) fn format_place_list(places: &[Vec<usize>]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < places.len() {
        let step = |a: &Vec<usize>, b: &Vec<usize>| -> Option<i64> {
            let d = *b.first()? as i64 - *a.first()? as i64;
            (a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| y as i64 - x as i64 == d))
                .then_some(d)
        };
        let stride = places.get(i + 1).and_then(|next| step(&places[i], next));
        let mut j = i + 1;
        if let Some(d) = stride {
            while j < places.len() && step(&places[j - 1], &places[j]) == Some(d) {
                j += 1;
            }
        }
        parts.push(match (j - i, stride) {
            (1, _) | (_, None) => format_place(&places[i]),
            (len, Some(1)) => format!("{}:{len}", format_place(&places[i])),
            (len, Some(d)) => format!("{}:{len}:{d}", format_place(&places[i])),
        });
        i = j;
    }
    parts.join(",")
}

/// One place in braces, runs of CPUs with one stride as `N:NUM[:STRIDE]`.
fn format_place(cpus: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let d = cpus.get(i + 1).map(|&next| next as i64 - cpus[i] as i64);
        let mut j = i + 1;
        while let Some(d) = d {
            if j < cpus.len() && cpus[j] as i64 - cpus[j - 1] as i64 == d {
                j += 1;
            } else {
                break;
            }
        }
        // Two CPUs read as well written out, unless they are neighbours.
        parts.push(match (j - i, d) {
            (1, _) | (_, None) => cpus[i].to_string(),
            (2, Some(d)) if d != 1 => {
                j = i + 1;
                cpus[i].to_string()
            }
            (num, Some(1)) => format!("{}:{num}", cpus[i]),
            (num, Some(d)) => format!("{}:{num}:{d}", cpus[i]),
        });
        i = j;
    }
    format!("{{{}}}", parts.join(","))
}

/// A position in the text being parsed; errors carry the byte offset in the
/// whole placement.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str, at: usize) -> Self {
        Cursor { text, pos: 0, at }
    }

    fn position(&self) -> usize {
        self.at + self.pos
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn done(&self) -> bool {
        self.pos == self.text.len()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += self.peek().map_or(0, char::len_utf8);
        }
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.pos += c.len_utf8();
        }
        found
    }

    fn error(&self, reason: String) -> SyntaxAt {
        let found = match self.peek() {
            Some(c) => format!("found `{c}`"),
            None => "found the end".to_string(),
        };
        SyntaxAt::new(self.position(), format!("{reason} ({found})"))
    }

    /// Digits, with an optional leading `-` when `signed`; bounded by `limit`.
    fn number(&mut self, what: &str, signed: bool, limit: usize) -> Result<i64, SyntaxAt> {
        let start = self.pos;
        let negative = signed && self.eat('-');
        let digits = self.text[self.pos..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.text.len() - self.pos);
        if digits == 0 {
            self.pos = start;
            let sign = if signed {
                "an integer (may be negative)"
            } else {
                "a whole number"
            };
            return Err(self.error(format!("expected {what}: {sign}")));
        }
        let text = &self.text[self.pos..self.pos + digits];
        let value = text.parse::<usize>().ok().filter(|&v| v <= limit);
        let Some(value) = value else {
            self.pos = start;
            return Err(self.error(format!("{what} `{text}` is above {limit}")));
        };
        self.pos += digits;
        Ok(if negative {
            -(value as i64)
        } else {
            value as i64
        })
    }

    fn cpu(&mut self) -> Result<usize, SyntaxAt> {
        Ok(self.number("a CPU number", false, MAX_CPU)? as usize)
    }

    fn positive(&mut self, what: &str) -> Result<usize, SyntaxAt> {
        let start = self.pos;
        let value = self.number(what, false, MAX_PLACES)? as usize;
        if value == 0 {
            self.pos = start;
            return Err(self.error(format!("{what} must be at least 1")));
        }
        Ok(value)
    }

    /// `[ ":" COUNT [ ":" STRIDE ] ]`, defaults (1, 1).
    fn len_and_stride(&mut self, what: &str) -> Result<(usize, i64), SyntaxAt> {
        if !self.eat(':') {
            return Ok((1, 1));
        }
        self.skip_ws();
        let len = self.positive(what)?;
        self.skip_ws();
        if !self.eat(':') {
            return Ok((len, 1));
        }
        self.skip_ws();
        let stride = self.number("the stride", true, MAX_CPU + 1)?;
        Ok((len, stride))
    }
}

#[cfg(test)]
#[path = "omp_places_tests.rs"]
mod tests;

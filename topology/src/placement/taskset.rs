//! taskset's two ways to write CPUs: a list (`0-3,8`, `0-14:2`, as
//! `taskset -c` takes it) and a hexadecimal mask (`0xff`, as `taskset` takes
//! it without `-c`). Errors carry the byte offset of the entry at fault.

use super::parse::SyntaxAt;
use crate::cpulist::{parse_list, MAX_CPU};

/// What a taskset list entry may be, for the error messages.
const LIST_ENTRY: &str = "N, M-N or M-N:S (every S-th CPU from M to N)";

/// The CPUs of a taskset list, in the order written. `at` is the offset of
/// `text` in the whole placement, so that errors point into it.
///
/// Each entry is parsed on its own so that an error names its position; the
/// total is bounded as [`parse_list`] bounds it.
pub(super) fn parse_cpus(text: &str, at: usize) -> Result<Vec<usize>, SyntaxAt> {
    let mut cpus = Vec::new();
    let mut offset = 0;
    for entry in text.split(',') {
        let entry_at = at + offset + (entry.len() - entry.trim_start().len());
        offset += entry.len() + 1;
        if entry.trim().is_empty() {
            return Err(SyntaxAt::new(
                entry_at,
                format!("an empty entry in the CPU list; each entry is {LIST_ENTRY}"),
            ));
        }
        let more = parse_list(entry).map_err(|e| SyntaxAt::new(entry_at, e))?;
        if cpus.len() + more.len() > MAX_CPU + 1 {
            return Err(SyntaxAt::new(
                entry_at,
                format!(
                    "the CPU list names more than {} CPUs in all (repeats counted)",
                    MAX_CPU + 1
                ),
            ));
        }
        cpus.extend(more);
    }
    Ok(cpus)
}

/// The CPUs of a mask such as `0xff` or `0x1_0000_0001` (`_` between digits
/// is allowed, for long masks), ascending. `text` starts with `0x` or `0X`.
pub(super) fn parse_mask(text: &str, at: usize) -> Result<Vec<usize>, SyntaxAt> {
    let digits = &text[2..];
    let most = (MAX_CPU + 1).div_ceil(4);
    let mut cpus = Vec::new();
    let mut bit = 0usize;
    // From the least significant digit: CPUs 0-3 are the last digit.
    for (index, c) in digits.char_indices().rev() {
        if c == '_' {
            continue;
        }
        let Some(value) = c.to_digit(16) else {
            return Err(SyntaxAt::new(
                at + 2 + index,
                format!("`{c}` is not a hexadecimal digit; a mask is 0x followed by 0-9, a-f"),
            ));
        };
        if bit / 4 >= most {
            return Err(SyntaxAt::new(
                at,
                format!("the mask has more than {most} hexadecimal digits (CPU {MAX_CPU} is the largest)"),
            ));
        }
        cpus.extend((0..4).filter(|b| value & (1 << b) != 0).map(|b| bit + b));
        bit += 4;
    }
    if bit == 0 {
        return Err(SyntaxAt::new(
            at,
            "`0x` needs hexadecimal digits, as in 0xff".into(),
        ));
    }
    cpus.sort_unstable();
    if cpus.is_empty() {
        return Err(SyntaxAt::new(at, "the mask selects no CPU".into()));
    }
    if let Some(&too_big) = cpus.iter().find(|&&c| c > MAX_CPU) {
        return Err(SyntaxAt::new(
            at,
            format!("the mask selects CPU {too_big}, above the largest supported number {MAX_CPU}"),
        ));
    }
    Ok(cpus)
}

/// Whether CPU-list text is taskset's (`0-3,8`, `0-14:2`) rather than an
/// OpenMP place list (`{0:4}`, `0:4`, `!3`): OpenMP's has braces or `!`, or an
/// entry `N:LEN` without a range before the colon. The two agree on plain
/// numbers (`0,2,4`), which are read as taskset's.
pub(super) fn is_taskset_list(text: &str) -> bool {
    if text.contains(['{', '}', '!']) {
        return false;
    }
    text.split(',').all(|entry| match entry.split_once(':') {
        Some((range, _)) => range.contains('-'),
        None => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_masks_and_their_positions() {
        assert_eq!(parse_cpus("0-3,8", 0).unwrap(), vec![0, 1, 2, 3, 8]);
        assert_eq!(parse_cpus("0-14:4", 0).unwrap(), vec![0, 4, 8, 12]);
        let e = parse_cpus("0-3, x", 10).unwrap_err();
        assert_eq!(e.at, 15, "{}", e.reason);
        assert!(e.reason.contains("`x`"), "{}", e.reason);
        assert_eq!(parse_cpus("1,,2", 0).unwrap_err().at, 2);
        assert_eq!(parse_mask("0xff", 0).unwrap(), (0..8).collect::<Vec<_>>());
        assert_eq!(parse_mask("0x1_0001", 0).unwrap(), vec![0, 16]);
        assert_eq!(parse_mask("0x1g", 3).unwrap_err().at, 6);
        assert!(parse_mask("0x", 0).unwrap_err().reason.contains("needs"));
        assert!(parse_mask("0x0", 0).unwrap_err().reason.contains("no CPU"));
        let huge = format!("0x{}", "f".repeat(20_000));
        assert!(parse_mask(&huge, 0).unwrap_err().reason.contains("digits"));
        let above = format!("0x2{}", "0".repeat(16_384));
        assert!(parse_mask(&above, 0).unwrap_err().reason.contains("above"));
    }

    #[test]
    fn taskset_or_openmp() {
        for taskset in ["0-3,8", "0-14:2", "0,2,4", "5"] {
            assert!(is_taskset_list(taskset), "{taskset}");
        }
        for omp in ["{0:4}", "0:4", "0-3,4:2", "!3", "{0},{1}"] {
            assert!(!is_taskset_list(omp), "{omp}");
        }
    }
}

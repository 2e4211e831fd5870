//! CPU lists and CPU masks, the two ways Linux writes a set of CPUs.
//!
//! * A **list** is what `taskset -c`, `/sys/devices/system/cpu/online` and the
//!   `*_list` files use: `0-3,8,10-11`. We also accept taskset's stride form
//!   `M-N:S` (every S-th CPU from M to N), e.g. `0-14:2` = the even CPUs up to 14.
//! * A **mask** is what old kernels write in `thread_siblings`, `core_siblings`
//!   and `shared_cpu_map`: hexadecimal, comma-separated 32-bit groups, most
//!   significant group first (`00000000,00000101` = CPUs 0 and 8).
//!
//! Both parsers are strict: a malformed entry is an error that quotes it, so a
//! bad fixture or a typo in a placement never silently becomes "no CPUs".

/// The largest CPU number we accept. Linux's `NR_CPUS` tops out at 8192 today;
/// the margin keeps a typo like `0-99999999` from allocating gigabytes.
pub const MAX_CPU: usize = 1 << 16;

/// Parses a CPU list such as `0-3,8,10-11` or `0-14:2` into the CPUs in the
/// order written (ranges ascending). Whitespace around entries and a trailing
/// newline are ignored; the empty string is the empty set. A list naming more
/// than [`MAX_CPU`]` + 1` CPUs in all (repeats counted) is an error, so that
/// `0-65536,0-65536,...` cannot allocate without bound.
///
/// ```
/// use topology::cpulist::parse_list;
/// assert_eq!(parse_list("0-3,8,10-11").unwrap(), vec![0, 1, 2, 3, 8, 10, 11]);
/// assert_eq!(parse_list("0-7:3").unwrap(), vec![0, 3, 6]);
/// assert_eq!(parse_list("\n").unwrap(), Vec::<usize>::new());
/// assert!(parse_list("3-1").is_err());
/// ```
pub fn parse_list(text: &str) -> Result<Vec<usize>, String> {
    let text = text.trim();
    let mut cpus = Vec::new();
    if text.is_empty() {
        return Ok(cpus);
    }
    for entry in text.split(',') {
        let entry = entry.trim();
        let (range, stride) = match entry.split_once(':') {
            Some((range, stride)) => {
                let stride = parse_number(stride, entry)?;
                if stride == 0 {
                    return Err(format!(
                        "`{entry}`: the stride after `:` must be at least 1"
                    ));
                }
                (range, Some(stride))
            }
            None => (entry, None),
        };
        match range.split_once('-') {
            Some((first, last)) => {
                let first = parse_number(first, entry)?;
                let last = parse_number(last, entry)?;
                if first > last {
                    return Err(format!(
                        "`{entry}`: range start {first} is above its end {last}"
                    ));
                }
                let stride = stride.unwrap_or(1);
                if cpus.len() + (last - first) / stride > MAX_CPU {
                    return Err(too_many());
                }
                cpus.extend((first..=last).step_by(stride));
            }
            None => {
                if stride.is_some() {
                    return Err(format!("`{entry}`: a stride needs a range, as in `0-15:2`"));
                }
                if cpus.len() > MAX_CPU {
                    return Err(too_many());
                }
                cpus.push(parse_number(range, entry)?);
            }
        }
    }
    Ok(cpus)
}

fn too_many() -> String {
    format!(
        "the list names more than {} CPUs in all (repeats counted)",
        MAX_CPU + 1
    )
}

fn parse_number(text: &str, entry: &str) -> Result<usize, String> {
    let text = text.trim();
    let n: usize = text.parse().map_err(|_| {
        format!("`{entry}`: `{text}` is not a CPU number (expected N, M-N or M-N:S)")
    })?;
    if n > MAX_CPU {
        return Err(format!(
            "`{entry}`: CPU {n} is above the largest supported number {MAX_CPU}"
        ));
    }
    Ok(n)
}

/// Parses a Linux CPU mask (`shared_cpu_map`, `thread_siblings`…): hexadecimal
/// 32-bit groups separated by commas, most significant first. Returns the set
/// CPUs, ascending.
///
/// ```
/// use topology::cpulist::parse_mask;
/// assert_eq!(parse_mask("00000000,00000101").unwrap(), vec![0, 8]);
/// assert_eq!(parse_mask("1,00000000").unwrap(), vec![32]);
/// assert!(parse_mask("xyz").is_err());
/// ```
pub fn parse_mask(text: &str) -> Result<Vec<usize>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty CPU mask".to_string());
    }
    let groups: Vec<&str> = text.split(',').collect();
    if groups.len() * 32 > MAX_CPU + 32 {
        return Err(format!(
            "CPU mask `{text}` has more groups than the {MAX_CPU} CPUs supported"
        ));
    }
    let mut cpus = Vec::new();
    // The last group holds CPUs 0-31, the one before 32-63, and so on.
    for (group_index, group) in groups.iter().rev().enumerate() {
        let group = group.trim();
        let bits = if group.len() <= 8 {
            u32::from_str_radix(group, 16).ok()
        } else {
            None
        };
        let bits =
            bits.ok_or_else(|| format!("CPU mask `{text}`: `{group}` is not a 32-bit hex group"))?;
        cpus.extend(
            (0..32)
                .filter(|bit| bits & (1 << bit) != 0)
                .map(|bit| group_index * 32 + bit),
        );
    }
    cpus.sort_unstable();
    Ok(cpus)
}

/// Writes CPUs as a compact list, `0-3,8,10-11`: runs of consecutive ascending
/// numbers become ranges, everything else is kept in the given order, so that
/// [`parse_list`] gives back exactly the input.
///
/// ```
/// use topology::cpulist::{format_list, parse_list};
/// assert_eq!(format_list(&[0, 1, 2, 3, 8, 10, 11]), "0-3,8,10-11");
/// assert_eq!(format_list(&[5, 4]), "5,4");
/// assert_eq!(parse_list(&format_list(&[9, 1, 2])).unwrap(), vec![9, 1, 2]);
/// ```
pub fn format_list(cpus: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if j == i {
            out.push_str(&cpus[i].to_string());
        } else {
            out.push_str(&format!("{}-{}", cpus[i], cpus[j]));
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lists_with_spaces_strides_and_single_cpus() {
        assert_eq!(
            parse_list(" 0-2 , 7 ,9-13:2\n").unwrap(),
            vec![0, 1, 2, 7, 9, 11, 13]
        );
        assert_eq!(parse_list("5").unwrap(), vec![5]);
        assert_eq!(parse_list("4-4").unwrap(), vec![4]);
    }

    #[test]
    fn list_errors_quote_the_entry() {
        let e = parse_list("0-3,x").unwrap_err();
        assert!(e.contains("`x`"), "{e}");
        assert!(parse_list("0-3:0").unwrap_err().contains("stride"));
        assert!(parse_list("3:2")
            .unwrap_err()
            .contains("stride needs a range"));
        assert!(parse_list("0-999999999").unwrap_err().contains("largest"));
        assert_eq!(parse_list("0-65536").unwrap().len(), MAX_CPU + 1);
        assert!(parse_list("0-65536,0").unwrap_err().contains("in all"));
        assert!(parse_list(&"0,".repeat(MAX_CPU + 2))
            .unwrap_err()
            .contains("in all"));
        assert!(parse_list("1,,2").is_err());
        assert!(parse_list("-1").is_err());
    }

    #[test]
    fn masks_across_groups() {
        assert_eq!(
            parse_mask("0000,00000000,00000000,00010001\n").unwrap(),
            vec![0, 16]
        );
        assert_eq!(
            parse_mask("ff000000,00000000").unwrap(),
            (56..64).collect::<Vec<_>>()
        );
        assert_eq!(parse_mask("00000000").unwrap(), Vec::<usize>::new());
        assert!(parse_mask("123456789").is_err());
        assert!(parse_mask("").is_err());
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(cpus in proptest::collection::vec(0usize..300, 0..40)) {
            prop_assert_eq!(parse_list(&format_list(&cpus)).unwrap(), cpus);
        }

        #[test]
        fn mask_of_a_set_parses_back(set in proptest::collection::btree_set(0usize..256, 0..40)) {
            let mut groups = [0u32; 8];
            for &cpu in &set {
                groups[cpu / 32] |= 1 << (cpu % 32);
            }
            let text: Vec<String> = groups.iter().rev().map(|g| format!("{g:08x}")).collect();
            prop_assert_eq!(parse_mask(&text.join(",")).unwrap(), set.into_iter().collect::<Vec<_>>());
        }
    }
}

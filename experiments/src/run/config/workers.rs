//! Worker counts: the `workers` key and `--workers` on the command line.

use toml::Spanned;

use super::file::ConfigText;
use super::limits::{self, WORKERS};

/// The `workers` key: a list of counts ≥ 1, one count, or `"all"` (the default).
pub(super) fn parse_workers(
    src: &ConfigText,
    v: Option<&Spanned<toml::Value>>,
) -> Result<Vec<usize>, String> {
    let allowed = format!(
        "a list of worker counts within {} (e.g. [1, 2, 4]) or \"all\" (1, 2, ... up to every allowed CPU)",
        limits::shown(&WORKERS)
    );
    let Some(v) = v else {
        return Ok(all_workers());
    };
    let span = v.span();
    // One count, with what to say of a value that is not a number at all.
    let count = |value: &toml::Value, not_a_count: &str| match value {
        toml::Value::Integer(n) if WORKERS.contains(n) => Ok(*n as usize),
        toml::Value::Integer(n) => Err(src.err(
            &span,
            "workers",
            format!("{n} workers is not allowed; expected {allowed}"),
        )),
        other => Err(src.err(
            &span,
            "workers",
            format!("{other} {not_a_count}; expected {allowed}"),
        )),
    };
    let mut out = match v.get_ref() {
        toml::Value::String(s) if s == "all" => all_workers(),
        toml::Value::Array(items) if items.is_empty() => {
            return Err(src.err(
                &span,
                "workers",
                format!("the list is empty; expected {allowed}"),
            ));
        }
        toml::Value::Array(items) => items
            .iter()
            .map(|item| count(item, "is not a worker count"))
            .collect::<Result<Vec<_>, _>>()?,
        value => vec![count(value, "is not allowed")?],
    };
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Parses `--workers` on the command line: `all` or a comma list of counts ≥ 1
/// (sorted, duplicates dropped), the same values the `workers` key takes.
///
/// ```
/// use wsbench::run::config::parse_workers_arg;
/// assert_eq!(parse_workers_arg("8,2,4,2"), Ok(vec![2, 4, 8]));
/// assert!(parse_workers_arg("2,x").unwrap_err().contains("`x`"));
/// assert!(parse_workers_arg("0").is_err());
/// assert!(parse_workers_arg("100000").unwrap_err().contains("1..=4096"));
/// ```
pub fn parse_workers_arg(text: &str) -> Result<Vec<usize>, String> {
    let allowed = format!(
        "`all` or a comma-separated list of worker counts within {} (e.g. 1,2,4,16)",
        limits::shown(&WORKERS)
    );
    if text.trim() == "all" {
        return Ok(all_workers());
    }
    let mut out = Vec::new();
    for item in text.split(',') {
        match item.trim().parse::<i64>() {
            Ok(n) if WORKERS.contains(&n) => out.push(n as usize),
            _ => {
                return Err(format!(
                    "`{item}` is not a worker count; expected {allowed}"
                ))
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// `workers = "all"`: every count 1..=N for up to 16 usable CPUs; beyond that powers of two and N.
///
/// N is how many CPUs the process can keep busy at once: the CPUs online, in
/// its cgroup cpuset and affinity mask, and no more than its cgroup CPU quota
/// allows (as `std::thread::available_parallelism` counts);
/// `meta.json`'s `machine.usable_cpus` says which limit applied.
pub fn all_workers() -> Vec<usize> {
    let n = match topology::usable::usable_cpus(std::path::Path::new("/")) {
        Ok(usable) => usable.parallelism.max(1),
        Err(_) => topology::affinity::allowed_cpus().map_or(1, |c| c.len().max(1)),
    };
    if n <= 16 {
        return (1..=n).collect();
    }
    let mut out: Vec<usize> = std::iter::successors(Some(1usize), |x| Some(x * 2))
        .take_while(|&x| x < n)
        .collect();
    out.push(n);
    out
}

//! `wsbench factor` and `wsbench workload generate|describe`, run as the built
//! binary: output format, determinism, and bad input (exit 2, one message, no panic).
mod common;

use std::process::Output;

use workloads::factor::{is_prime, trial_divisions};
use workloads::numbers::{costs, describe};

fn wsbench(args: &[&str], stdin: Option<&str>) -> Output {
    common::wsbench_with_stdin(args, stdin.unwrap_or_default().as_bytes())
}

fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = wsbench(args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "wsbench {args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must be refused as bad input; returns its stderr.
fn usage_error(args: &[&str], stdin: Option<&str>) -> String {
    let out = wsbench(args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "wsbench {args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "wsbench {args:?} printed output");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("wsbench: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr
}

fn numbers(text: &str) -> Vec<u64> {
    text.lines().map(|l| l.parse().unwrap()).collect()
}

#[test]
fn factor_prints_factors_ascending_with_multiplicity() {
    let out = ok(
        &[
            "factor",
            "12",
            "0",
            "1",
            "97",
            "18446744073709551615",
            "9223372036854775808",
        ],
        None,
    );
    let two63 = vec!["2"; 63].join(" ");
    assert_eq!(
        out,
        format!(
            "12: 2 2 3\n0:\n1:\n97: 97\n\
             18446744073709551615: 3 5 17 257 641 65537 6700417\n\
             9223372036854775808: {two63}\n"
        )
    );
}

#[test]
fn factor_fast_handles_a_large_prime_and_agrees_with_naive() {
    let out = ok(
        &["factor", "--method", "fast", "18446744073709551557"],
        None,
    );
    assert_eq!(out, "18446744073709551557: 18446744073709551557\n");
    let list = ["360", "1000003", "999983000037", "4611686018427387904"];
    let naive = ok(&[&["factor"][..], &list[..]].concat(), None);
    let fast = ok(
        &[&["factor", "--method", "fast"][..], &list[..]].concat(),
        None,
    );
    assert_eq!(naive, fast);
}

#[test]
fn factor_reads_stdin_with_comments_and_blank_lines() {
    let out = ok(&["factor"], Some("12\n# a comment\n\n 35  # trailing\n"));
    assert_eq!(out, "12: 2 2 3\n35: 5 7\n");
}

#[test]
fn factor_rejects_bad_numbers() {
    let e = usage_error(&["factor", "12", "12x"], None);
    assert!(e.contains("\"12x\"") && e.contains("allowed"), "{e}");
    let e = usage_error(&["factor", "18446744073709551616"], None);
    assert!(e.contains("too large"), "{e}");
    let e = usage_error(&["factor", "--", "-3"], None);
    assert!(e.contains("\"-3\""), "{e}");
    let e = usage_error(&["factor"], Some("7\n\nseven\n"));
    assert!(e.contains("line 3") && e.contains("\"seven\""), "{e}");
    let e = usage_error(&["factor", "--method", "quick", "5"], None);
    assert!(e.contains("quick") && e.contains("naive, fast"), "{e}");
}

#[test]
fn generate_is_deterministic_and_seeded() {
    let args = ["workload", "generate", "--count", "500", "--seed", "7"];
    let a = ok(&args, None);
    assert_eq!(a, ok(&args, None));
    assert_eq!(numbers(&a).len(), 500);
    let b = ok(
        &["workload", "generate", "--count", "500", "--seed", "8"],
        None,
    );
    assert_ne!(a, b);
}

#[test]
fn generate_default_set_is_the_documented_one() {
    let out = ok(&["workload", "generate"], None);
    let v = numbers(&out);
    assert_eq!(v.len(), 20_000);
    assert_eq!(v[..2], [216_978_286_630, 199_965_453]);
    // The same set as `--kind mixed --count 20000 --seed 2012 --heavy-fraction 0.02`.
    let explicit = ok(
        &[
            "workload",
            "generate",
            "--kind",
            "mixed",
            "--count",
            "20000",
            "--seed",
            "2012",
            "--heavy-fraction",
            "0.02",
            "--order",
            "shuffled",
        ],
        None,
    );
    assert_eq!(out, explicit);
}

#[test]
fn generate_kinds_and_heavy_last() {
    let primes = numbers(&ok(
        &[
            "workload", "generate", "--kind", "primes", "--bits", "30", "--count", "50",
        ],
        None,
    ));
    assert!(primes.iter().all(|&p| is_prime(p) && p < 1 << 30));
    let same = ok(
        &[
            "workload",
            "generate",
            "--kind",
            "primes:30",
            "--count",
            "50",
        ],
        None,
    );
    assert_eq!(primes, numbers(&same));

    let v = numbers(&ok(
        &[
            "workload",
            "generate",
            "--count",
            "1000",
            "--order",
            "heavy-last",
        ],
        None,
    ));
    let c: Vec<u64> = v.iter().map(|&n| trial_divisions(n)).collect();
    // 2% of 1000 = 20 heavy numbers, all at the end.
    let lightest_heavy = *c[980..].iter().min().unwrap();
    let heaviest_light = *c[..980].iter().max().unwrap();
    assert!(
        heaviest_light < lightest_heavy,
        "{heaviest_light} vs {lightest_heavy}"
    );
}

#[test]
fn describe_matches_the_generated_set() {
    let args = ["--count", "3000", "--seed", "5", "--order", "heavy-first"];
    let v = numbers(&ok(
        &[&["workload", "generate"][..], &args[..]].concat(),
        None,
    ));
    let text = ok(&[&["workload", "describe"][..], &args[..]].concat(), None);
    let s = describe(&costs(&v));
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key:?} in {text}"))
            .to_string()
    };
    assert_eq!(line("tasks:"), "tasks: 3000");
    assert_eq!(
        line("total trial divisions:"),
        format!("total trial divisions: {}", s.total)
    );
    assert_eq!(
        line("max trial divisions:"),
        format!("max trial divisions: {}", s.max)
    );
    assert_eq!(
        line("work in heaviest 1%"),
        format!(
            "work in heaviest 1% (30 tasks): {:.1}%",
            100.0 * s.top1_share
        )
    );
    assert_eq!(
        line("work in heaviest 10%"),
        format!(
            "work in heaviest 10% (300 tasks): {:.1}%",
            100.0 * s.top10_share
        )
    );
}

#[test]
fn describe_reads_a_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.txt");
    std::fs::write(&path, "# mine\n8\n7 # prime\n\n").unwrap();
    let p = path.to_str().unwrap();
    let text = ok(&["workload", "describe", "--from", p], None);
    assert!(
        text.contains("tasks: 2\n") && text.contains("total trial divisions: 5\n"),
        "{text}"
    );

    std::fs::write(&path, "8\n7\nseven\n").unwrap();
    let e = usage_error(&["workload", "describe", "--from", p], None);
    assert!(
        e.contains("mine.txt:3:") && e.contains("seven") && e.contains("allowed"),
        "{e}"
    );
}

#[test]
fn workload_rejects_bad_options() {
    let e = usage_error(&["workload", "generate", "--order", "worst"], None);
    assert!(e.contains("\"worst\"") && e.contains("heavy-last"), "{e}");
    let e = usage_error(&["workload", "generate", "--kind", "fibonacci"], None);
    assert!(e.contains("fibonacci") && e.contains("semiprimes"), "{e}");
    let e = usage_error(&["workload", "describe", "--bits", "80"], None);
    assert!(e.contains("80") && e.contains("8..=64"), "{e}");
    let e = usage_error(&["workload", "generate", "--heavy-fraction", "1.5"], None);
    assert!(e.contains("1.5") && e.contains("between 0 and 1"), "{e}");
    let e = usage_error(
        &[
            "workload",
            "generate",
            "--kind",
            "primes:30",
            "--bits",
            "20",
        ],
        None,
    );
    assert!(e.contains("--bits"), "{e}");
}

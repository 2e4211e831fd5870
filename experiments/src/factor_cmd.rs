//! `wsbench factor [N ...]`: print each number's prime factors, `N: p1 p2 ...`.
//!
//! Numbers come from the arguments, or from standard input one a line (blank
//! lines and `#` comments ignored) when there are none. The naive method is the
//! seed post's trial division — a prime near 2^64 takes it ~2^31 divisions
//! (seconds), so a note on stderr suggests `--method fast` for such numbers.
use std::io::{self, BufRead, Write};

use workloads::factor::{trial_divisions, Method};

use crate::error::{CliError, CliResult};
use crate::workload_cmd::ignore_broken_pipe;

/// Arguments of `wsbench factor`.
#[derive(Debug, clap::Args)]
pub struct FactorArgs {
    /// Numbers to factorize (decimal, 0..=18446744073709551615); read from
    /// standard input, one a line, when none are given.
    pub numbers: Vec<String>,
    /// naive (the posts' trial division) or fast (Miller–Rabin + Pollard rho).
    #[arg(long, default_value = "naive")]
    pub method: String,
}

const ALLOWED: &str = "allowed: a decimal integer 0..=18446744073709551615";

/// Naive factorizations above this many divisions (about a second) get a note.
const SLOW_NOTE_DIVISIONS: u64 = 1 << 29;

fn parse(text: &str, where_: &str) -> CliResult<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CliError::usage(format!(
            "{where_}: {text:?} is not a number; {ALLOWED}"
        )));
    }
    text.parse().map_err(|_| {
        CliError::usage(format!(
            "{where_}: {text:?} is too large for 64 bits; {ALLOWED}"
        ))
    })
}

/// The numbers of `input`, one a line (blank lines and `#` comments ignored); a line
/// that is not text (binary data) is refused with its line number, as a bad number is.
pub fn read_numbers(input: impl BufRead) -> CliResult<Vec<u64>> {
    let mut v = Vec::new();
    for (i, line) in input.split(b'\n').enumerate() {
        let where_ = format!("standard input, line {}", i + 1);
        let line = line?;
        let Ok(line) = std::str::from_utf8(&line) else {
            return Err(CliError::usage(format!(
                "{where_}: not text (binary data); {ALLOWED}, one a line"
            )));
        };
        let text = line.split('#').next().unwrap_or("").trim();
        if !text.is_empty() {
            v.push(parse(text, &where_)?);
        }
    }
    Ok(v)
}

/// Runs `wsbench factor`.
pub fn main(args: FactorArgs) -> CliResult {
    let method: Method = args.method.parse().map_err(CliError::usage)?;
    let numbers: Vec<u64> = if args.numbers.is_empty() {
        read_numbers(io::stdin().lock())?
    } else {
        // Check every argument before printing anything.
        args.numbers
            .iter()
            .map(|a| parse(a.trim(), "argument"))
            .collect::<CliResult<_>>()?
    };
    let mut out = io::stdout().lock();
    for n in numbers {
        if method == Method::Naive && trial_divisions(n) > SLOW_NOTE_DIVISIONS {
            eprintln!(
                "wsbench: note: naive factorization of {n} takes {} trial divisions \
                 (seconds); --method fast is instant",
                trial_divisions(n)
            );
        }
        let factors: Vec<String> = method.factorize(n).iter().map(u64::to_string).collect();
        let line = if factors.is_empty() {
            format!("{n}:")
        } else {
            format!("{n}: {}", factors.join(" "))
        };
        if let Err(e) = writeln!(out, "{line}") {
            return ignore_broken_pipe(Err(e));
        }
    }
    Ok(())
}

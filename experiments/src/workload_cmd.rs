//! `wsbench workload generate|describe`: print a deterministic number set, or
//! how uneven it is.
//!
//! Both verbs take the same options, so `describe` always describes exactly
//! what `generate` prints. Costs are the naive factorizer's trial divisions,
//! counted (not timed) by [`workloads::factor::trial_divisions`].
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use workloads::numbers::{
    costs, describe, generate, heavy_count, read_numbers, Generator, NumberSpec, Order,
};

use crate::error::{CliError, CliResult};

/// Arguments of `wsbench workload`.
#[derive(Debug, clap::Args)]
pub struct WorkloadArgs {
    /// What to do with the number set.
    #[command(subcommand)]
    pub action: WorkloadAction,
}

/// The `wsbench workload` verbs.
#[derive(Debug, clap::Subcommand)]
pub enum WorkloadAction {
    /// Print the numbers of a set, one a line (same arguments, same output).
    Generate(SetArgs),
    /// Print a set's size, total and max trial divisions, and the share of work
    /// in its heaviest tasks.
    Describe(DescribeArgs),
}

/// The options that fix a number set (see `workloads::numbers`).
#[derive(Debug, Clone, clap::Args)]
pub struct SetArgs {
    /// uniform, smooth, primes, semiprimes or mixed (optionally KIND:BITS).
    #[arg(long, default_value = "mixed")]
    pub kind: String,
    /// Size of the numbers in bits, 8..=64 (for mixed: of the heavy ones) [default: 40].
    #[arg(long)]
    pub bits: Option<u32>,
    /// How many numbers.
    #[arg(long, default_value_t = 20_000)]
    pub count: usize,
    /// Seed of the SplitMix64 stream.
    #[arg(long, default_value_t = 2012)]
    pub seed: u64,
    /// Share of heavy numbers (mixed), and of numbers moved by heavy-last/heavy-first.
    #[arg(long, default_value_t = 0.02)]
    pub heavy_fraction: f64,
    /// shuffled, heavy-last, heavy-first, ascending-cost or descending-cost.
    #[arg(long, default_value = "shuffled")]
    pub order: String,
}

/// Arguments of `wsbench workload describe`.
#[derive(Debug, Clone, clap::Args)]
pub struct DescribeArgs {
    /// The set to describe.
    #[command(flatten)]
    pub set: SetArgs,
    /// Describe the numbers of this file instead (one a line, `#` comments).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

impl SetArgs {
    /// The checked [`NumberSpec`] these options name.
    pub fn spec(&self) -> CliResult<NumberSpec> {
        let generator = match self.bits {
            None => self.kind.parse::<Generator>(),
            Some(_) if self.kind.contains(':') => {
                return Err(CliError::usage(format!(
                    "--kind {} already gives the bits; drop --bits or write --kind {}",
                    self.kind,
                    self.kind.split(':').next().unwrap_or_default()
                )))
            }
            Some(bits) => Generator::new(&self.kind, Some(bits)),
        }
        .map_err(CliError::usage)?;
        let order: Order = self.order.parse().map_err(CliError::usage)?;
        let spec = NumberSpec {
            generator,
            count: self.count,
            seed: self.seed,
            heavy_fraction: self.heavy_fraction,
            order,
        };
        spec.validate().map_err(CliError::usage)?;
        Ok(spec)
    }
}

/// Runs `wsbench workload`.
pub fn main(args: WorkloadArgs) -> CliResult {
    match args.action {
        WorkloadAction::Generate(set) => {
            let numbers = generate(&set.spec()?);
            let mut out = BufWriter::new(io::stdout().lock());
            let written = numbers
                .iter()
                .try_for_each(|n| writeln!(out, "{n}"))
                .and_then(|()| out.flush());
            ignore_broken_pipe(written)
        }
        WorkloadAction::Describe(d) => {
            let spec = d.set.spec()?;
            let (source, numbers) = match &d.from {
                Some(path) => (
                    format!("file {}", path.display()),
                    read_numbers(path).map_err(CliError::usage)?,
                ),
                None => (
                    format!(
                        "{} set: {} numbers, seed {}, heavy fraction {}, order {}",
                        spec.generator, spec.count, spec.seed, spec.heavy_fraction, spec.order
                    ),
                    generate(&spec),
                ),
            };
            let text = describe_text(&source, &numbers, spec.heavy_fraction);
            ignore_broken_pipe(io::stdout().lock().write_all(text.as_bytes()))
        }
    }
}

/// The `describe` report for `numbers`.
fn describe_text(source: &str, numbers: &[u64], heavy_fraction: f64) -> String {
    let c = costs(numbers);
    let s = describe(&c);
    let n = s.count;
    let mean = if n == 0 {
        0.0
    } else {
        s.total as f64 / n as f64
    };
    let heavy = heavy_count(n, heavy_fraction);
    let heavy_share = {
        let mut sorted = c.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let top: u64 = sorted[..heavy].iter().sum();
        if s.total == 0 {
            0.0
        } else {
            top as f64 / s.total as f64
        }
    };
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    format!(
        "{source}\n\
         cost unit: trial divisions of the naive factorizer (counted, not timed)\n\
         tasks: {n}\n\
         total trial divisions: {}\n\
         mean trial divisions: {mean:.0}\n\
         max trial divisions: {}\n\
         work in heaviest 1% ({} tasks): {}\n\
         work in heaviest {} ({heavy} tasks, the heavy fraction): {}\n\
         work in heaviest 10% ({} tasks): {}\n",
        s.total,
        s.max,
        n.div_ceil(100),
        pct(s.top1_share),
        pct(heavy_fraction),
        pct(heavy_share),
        n.div_ceil(10),
        pct(s.top10_share),
    )
}

/// A closed pipe (`wsbench workload generate | head`) is not an error.
pub(crate) fn ignore_broken_pipe(result: io::Result<()>) -> CliResult {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

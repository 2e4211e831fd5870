//! From a checked [`WorkloadSpec`] to a runnable [`Workload`] (the workloads crate's types).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use workloads::factor::Method;
use workloads::numbers::{generate, read_numbers, Generator, NumberSpec, Order};
use workloads::synthetic::{calibrate, durations_ns, Distribution};
use workloads::workload::{Factorial, Factorize, Synthetic, Workload};

use super::config::WorkloadSpec;

/// Default task count of `factorize` and `synthetic` workloads without `count`.
pub const DEFAULT_COUNT: usize = 20_000;

fn generator(spec: &WorkloadSpec) -> Result<Generator, (&'static str, String)> {
    let name = spec.generator.as_deref().unwrap_or("mixed");
    let g = match spec.bits {
        Some(bits) => Generator::new(name, Some(bits)),
        None => name.parse::<Generator>(),
    };
    g.map_err(|e| ("generator", e.to_string()))
}

fn method(spec: &WorkloadSpec) -> Method {
    spec.method
        .as_deref()
        .and_then(|m| m.parse().ok())
        .unwrap_or_default()
}

fn number_spec(spec: &WorkloadSpec) -> Result<NumberSpec, (&'static str, String)> {
    let d = NumberSpec::default();
    let order = match &spec.order {
        Some(o) => o.parse::<Order>().map_err(|e| ("order", e.to_string()))?,
        None => d.order,
    };
    let ns = NumberSpec {
        generator: generator(spec)?,
        count: spec.count.unwrap_or(DEFAULT_COUNT),
        seed: spec.seed.unwrap_or(d.seed),
        heavy_fraction: spec.heavy_fraction.unwrap_or(d.heavy_fraction),
        order,
    };
    ns.validate().map_err(|e| ("generator", e.to_string()))?;
    Ok(ns)
}

/// Checks the values the workloads crate parses (generator, order, distribution), without
/// generating anything. The error names the key.
pub fn check_spec(spec: &WorkloadSpec) -> Result<(), (&'static str, String)> {
    match spec.kind.as_str() {
        "factorize" => number_spec(spec).map(|_| ()),
        "synthetic" => spec
            .distribution
            .as_deref()
            .unwrap_or_default()
            .parse::<Distribution>()
            .map(|_| ())
            .map_err(|e| ("distribution", e.to_string())),
        _ => Ok(()),
    }
}

/// The spin rate of synthetic tasks, calibrated once per process.
fn spin_rate() -> f64 {
    static RATE: OnceLock<f64> = OnceLock::new();
    *RATE.get_or_init(calibrate)
}

/// Builds the workload (generates its numbers, reads its file). `base` is the folder that
/// relative `path`s are read from (the config file's folder). Errors name the file and line.
pub fn build(spec: &WorkloadSpec, base: &Path) -> Result<Arc<dyn Workload>, String> {
    let at = |(key, msg): (&str, String)| format!("workload {:?}: key `{key}`: {msg}", spec.name);
    Ok(match spec.kind.as_str() {
        "factorize" => Arc::new(Factorize::new(
            generate(&number_spec(spec).map_err(at)?),
            method(spec),
        )),
        "factorial" => Arc::new(Factorial::new(spec.n.unwrap_or(1))),
        "synthetic" => {
            let dist: Distribution = spec
                .distribution
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(|e| at(("distribution", format!("{e}"))))?;
            let d = durations_ns(
                &dist,
                spec.count.unwrap_or(DEFAULT_COUNT),
                spec.seed.unwrap_or(2012),
            );
            Arc::new(Synthetic::with_rate(d, spin_rate()))
        }
        "file" => {
            let path = base.join(spec.path.as_deref().unwrap_or_default());
            let mut numbers =
                read_numbers(&path).map_err(|e| format!("workload {:?}: {e}", spec.name))?;
            if numbers.is_empty() {
                return Err(format!(
                    "workload {:?}: {} holds no numbers",
                    spec.name,
                    path.display()
                ));
            }
            if let Some(limit) = spec.limit {
                numbers.truncate(limit);
            }
            Arc::new(Factorize::new(numbers, method(spec)))
        }
        other => return Err(format!("workload {:?}: unknown kind {other:?}", spec.name)),
    })
}

//! `kind = "factorize"`: factorize generated numbers (the seed posts' workload).

use std::sync::Arc;

use workloads::factor::Method;
use workloads::numbers::{generate, Generator, NumberSpec, Order};
use workloads::workload::{Factorize, Workload};

use super::{quick, KeyError, SizeKey, WorkloadRecord, DEFAULT_COUNT};

/// A `factorize` workload's keys; `None` where the file leaves the default.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorizeSpec {
    /// The number generator, with its bits (`generator` and `bits`; default `mixed:40`).
    pub generator: Option<Generator>,
    /// How many tasks (default [`DEFAULT_COUNT`]).
    pub count: Option<usize>,
    /// Share of heavy numbers, in `0..=1`.
    pub heavy_fraction: Option<f64>,
    /// Task order.
    pub order: Option<Order>,
    /// Generator seed.
    pub seed: Option<u64>,
    /// `naive` (the posts' trial division) or `fast`.
    pub method: Option<Method>,
}

impl FactorizeSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "factorize";
    /// The key a `sizes` sweep sets (one member per size).
    pub const SIZE: Option<SizeKey> = Some(SizeKey::Count);
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &[
        "generator",
        "count",
        "heavy_fraction",
        "order",
        "seed",
        "bits",
        "method",
    ];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        if let Some(hf) = r.heavy_fraction {
            if !(0.0..=1.0).contains(&hf) {
                return Err((
                    "heavy_fraction",
                    format!("{hf} is not allowed; it must be within 0..=1"),
                ));
            }
        }
        let method = super::method(r)?;
        let order = r
            .order
            .as_deref()
            .map(|o| o.parse::<Order>().map_err(|e| ("order", e.to_string())))
            .transpose()?;
        let generator = match (&r.generator, r.bits) {
            (None, None) => None,
            (name, bits) => {
                let name = name.as_deref().unwrap_or("mixed");
                let g = match bits {
                    Some(bits) => Generator::new(name, Some(bits)),
                    None => name.parse::<Generator>(),
                };
                Some(g.map_err(|e| ("generator", e.to_string()))?)
            }
        };
        let spec = FactorizeSpec {
            generator,
            count: r.count,
            heavy_fraction: r.heavy_fraction,
            order,
            seed: r.seed,
            method,
        };
        spec.number_spec()
            .validate()
            .map_err(|e| ("generator", e.to_string()))?;
        Ok(spec)
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        if let Some(g) = &self.generator {
            r.generator = Some(g.kind().to_string());
            let default_bits = Generator::default().bits();
            r.bits = (g.bits() != default_bits).then_some(g.bits());
        }
        r.count = self.count;
        r.heavy_fraction = self.heavy_fraction;
        r.order = self.order.map(|o| o.to_string());
        r.seed = self.seed;
        r.method = self.method.map(|m| m.to_string());
    }

    /// The numbers to generate, defaults filled in.
    pub fn number_spec(&self) -> NumberSpec {
        let d = NumberSpec::default();
        NumberSpec {
            generator: self.generator.unwrap_or(d.generator),
            count: self.count.unwrap_or(DEFAULT_COUNT),
            seed: self.seed.unwrap_or(d.seed),
            heavy_fraction: self.heavy_fraction.unwrap_or(d.heavy_fraction),
            order: self.order.unwrap_or(d.order),
        }
    }

    /// `--quick`: a tenth of the tasks, where the file sets `count`.
    pub(super) fn make_quick(&mut self) {
        self.count = self.count.map(quick::shrink);
    }

    pub(super) fn build(&self) -> Result<Arc<dyn Workload>, KeyError> {
        let spec = self.number_spec();
        spec.validate().map_err(|e| ("generator", e.to_string()))?;
        Ok(Arc::new(Factorize::new(
            generate(&spec),
            self.method.unwrap_or_default(),
        )))
    }
}

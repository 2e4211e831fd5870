//! Human units for nanosecond values, shared by the tables and the figures.

/// A time unit for an axis or a table: its name and how many nanoseconds it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeUnit {
    /// `ns`, `µs`, `ms` or `s`.
    pub name: &'static str,
    /// Nanoseconds per unit.
    pub ns: f64,
}

const UNITS: [TimeUnit; 4] = [
    TimeUnit {
        name: "ns",
        ns: 1.0,
    },
    TimeUnit {
        name: "µs",
        ns: 1e3,
    },
    TimeUnit {
        name: "ms",
        ns: 1e6,
    },
    TimeUnit { name: "s", ns: 1e9 },
];

/// The largest unit in which `ns` is at least 1 (so axis numbers stay below 1000).
///
/// ```
/// use wsbench_report::units::unit_for;
/// assert_eq!(unit_for(2.5e6).name, "ms");
/// assert_eq!(unit_for(999.0).name, "ns");
/// assert_eq!(unit_for(3e10).name, "s");
/// ```
pub fn unit_for(ns: f64) -> TimeUnit {
    UNITS
        .iter()
        .rev()
        .find(|u| ns.abs() >= u.ns)
        .copied()
        .unwrap_or(UNITS[0])
}

/// `ns` with three significant digits in its own unit: `12.3 ms`, `1.05 s`, `850 µs`.
///
/// ```
/// use wsbench_report::units::fmt_duration;
/// assert_eq!(fmt_duration(12_345_678.0), "12.3 ms");
/// assert_eq!(fmt_duration(1_050_000_000.0), "1.05 s");
/// assert_eq!(fmt_duration(850_000.0), "850 µs");
/// ```
pub fn fmt_duration(ns: f64) -> String {
    let u = unit_for(ns);
    format!("{} {}", sig3(ns / u.ns), u.name)
}

/// `x` with three significant digits (no exponent for 0.001..1e6).
///
/// ```
/// use wsbench_report::units::sig3;
/// assert_eq!(sig3(1.23456), "1.23");
/// assert_eq!(sig3(123.456), "123");
/// assert_eq!(sig3(0.0), "0");
/// ```
pub fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = x.abs().log10().floor() as i32;
    let decimals = (2 - digits).clamp(0, 6) as usize;
    format!("{x:.decimals$}")
}

/// An axis tick label: the value in `unit`, with only as many decimals as the
/// tick spacing needs (`0`, `0.5`, `1`, … not `0.500000`).
pub fn tick(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

//! Units and fixed value sets of the results files.

/// Nanoseconds per value unit in `.hgrm` files: they hold microseconds, the human unit
/// HdrHistogram's plotter expects; every CSV column and the `.hlog` histograms hold ns.
pub const HGRM_NS_PER_UNIT: f64 = 1000.0;

/// The `wait` metric: batch start → task start.
pub const WAIT: &str = "wait";
/// The `service` metric: task start → task end.
pub const SERVICE: &str = "service";
/// The `response` metric: batch start → task end.
pub const RESPONSE: &str = "response";
/// The latency metrics, in the order the runner writes them.
pub const METRICS: [&str; 3] = [WAIT, SERVICE, RESPONSE];

/// The percentiles `latency.csv` and `latency_cells.csv` list: the `percentile` column's
/// text and its value in percent.
pub const PERCENTILES: [(&str, f64); 6] = [
    ("50", 50.0),
    ("90", 90.0),
    ("99", 99.0),
    ("99.9", 99.9),
    ("99.99", 99.99),
    ("100", 100.0),
];

/// The `repetition` of a `latency_cells.csv` row: every repetition of the cell.
pub const ALL_REPETITIONS: &str = "all";

//! Every path of a results folder, built in one place.

use std::path::{Path, PathBuf};

use crate::units::METRICS;

/// `runs.csv`: one row per counted run ([`crate::RunRow`]).
pub const RUNS_CSV: &str = "runs.csv";
/// `latency.csv`: per-run percentiles ([`crate::LatencyRow`]).
pub const LATENCY_CSV: &str = "latency.csv";
/// `latency_cells.csv`: percentiles over every repetition of a cell ([`crate::LatencyRow`]).
pub const LATENCY_CELLS_CSV: &str = "latency_cells.csv";
/// `workers.csv`: one row per worker per run ([`crate::WorkerRow`]).
pub const WORKERS_CSV: &str = "workers.csv";
/// `meta.json` ([`crate::Meta`]).
pub const META_JSON: &str = "meta.json";
/// The folder of the histogram files.
pub const HGRM_DIR: &str = "hgrm";
/// The folder of the per-task trace files (`trace = true`).
pub const TRACES_DIR: &str = "traces";
/// Where `wsbench run` puts its results folder without `--out`:
/// `wsbench-results/<experiment name>/<UTC timestamp>/`, relative to the current folder.
pub const DEFAULT_OUT_DIR: &str = "wsbench-results";
/// The folder `wsbench report` writes into by default.
pub const REPORT_DIR: &str = "report";
/// The report's text, inside the report folder.
pub const REPORT_MD: &str = "report.md";

/// Every file the runner writes into a results folder, as the READMEs' file tables name
/// them (`<cell>` is [`file_stem`], `<metric>` one of [`METRICS`]).
pub const FILES: [&str; 8] = [
    RUNS_CSV,
    LATENCY_CSV,
    LATENCY_CELLS_CSV,
    WORKERS_CSV,
    "hgrm/<cell>.<metric>.hgrm",
    "hgrm/<cell>.hlog",
    "traces/<cell>.trace.json",
    META_JSON,
];

/// The file stem of a cell's `.hgrm`/`.hlog` files:
/// `<workload>__<strategy>__w<workers>__<placement>`, with `:` → `-` and any other
/// character outside `[A-Za-z0-9._-]` → `_`.
///
/// ```
/// use wsbench_schema::file_stem;
/// assert_eq!(file_stem("w", "dynamic:16", 2, "spread@node:0"), "w__dynamic-16__w2__spread_node-0");
/// assert_eq!(file_stem("clustered set", "static", 4, "cores(0,1)"), "clustered_set__static__w4__cores_0_1_");
/// ```
pub fn file_stem(workload: &str, strategy: &str, workers: usize, placement: &str) -> String {
    format!("{workload}__{strategy}__w{workers}__{placement}")
        .chars()
        .map(|c| match c {
            ':' => '-',
            c if c.is_ascii_alphanumeric() || "._-".contains(c) => c,
            _ => '_',
        })
        .collect()
}

/// The paths of one results folder.
///
/// ```
/// use std::path::Path;
/// use wsbench_schema::Layout;
/// let dir = Layout::new("out");
/// assert_eq!(dir.hgrm("w__static__w2__none", "response"), Path::new("out/hgrm/w__static__w2__none.response.hgrm"));
/// assert_eq!(dir.hlog("w__static__w2__none"), Path::new("out/hgrm/w__static__w2__none.hlog"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The results folder at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Layout {
        Layout { root: root.into() }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `runs.csv`.
    pub fn runs(&self) -> PathBuf {
        self.root.join(RUNS_CSV)
    }

    /// `latency.csv`.
    pub fn latency(&self) -> PathBuf {
        self.root.join(LATENCY_CSV)
    }

    /// `latency_cells.csv`.
    pub fn latency_cells(&self) -> PathBuf {
        self.root.join(LATENCY_CELLS_CSV)
    }

    /// `workers.csv`.
    pub fn workers(&self) -> PathBuf {
        self.root.join(WORKERS_CSV)
    }

    /// `meta.json`.
    pub fn meta(&self) -> PathBuf {
        self.root.join(META_JSON)
    }

    /// `hgrm/`.
    pub fn hgrm_dir(&self) -> PathBuf {
        self.root.join(HGRM_DIR)
    }

    /// `hgrm/<stem>.hlog`: a cell's interval log.
    pub fn hlog(&self, stem: &str) -> PathBuf {
        self.hgrm_dir().join(format!("{stem}.hlog"))
    }

    /// `hgrm/<stem>.<metric>.hgrm`: a cell's percentile distribution of one metric.
    pub fn hgrm(&self, stem: &str, metric: &str) -> PathBuf {
        self.hgrm_dir().join(format!("{stem}.{metric}.hgrm"))
    }

    /// `traces/`.
    pub fn traces_dir(&self) -> PathBuf {
        self.root.join(TRACES_DIR)
    }

    /// `traces/<stem>.trace.json`: a cell's per-task trace (Chrome trace event format,
    /// [`crate::trace::TraceFile`]).
    ///
    /// ```
    /// use std::path::Path;
    /// let dir = wsbench_schema::Layout::new("out");
    /// assert_eq!(dir.trace("w__static__w2__none"), Path::new("out/traces/w__static__w2__none.trace.json"));
    /// ```
    pub fn trace(&self, stem: &str) -> PathBuf {
        self.traces_dir().join(format!("{stem}.trace.json"))
    }

    /// Every histogram file a cell can have: its interval log, then one `.hgrm` per metric.
    pub fn cell_files(&self, stem: &str) -> Vec<PathBuf> {
        std::iter::once(self.hlog(stem))
            .chain(METRICS.iter().map(|m| self.hgrm(stem, m)))
            .collect()
    }

    /// The default report folder, `report/`.
    pub fn report_dir(&self) -> PathBuf {
        self.root.join(REPORT_DIR)
    }
}

/// The `(stem, metric)` of an `.hgrm` file name, or `None` for any other name.
///
/// ```
/// use wsbench_schema::paths::parse_hgrm_name;
/// assert_eq!(parse_hgrm_name("w__static__w2__none.wait.hgrm"), Some(("w__static__w2__none", "wait")));
/// assert_eq!(parse_hgrm_name("w__static__w2__none.hlog"), None);
/// ```
pub fn parse_hgrm_name(name: &str) -> Option<(&str, &str)> {
    name.strip_suffix(".hgrm")?.rsplit_once('.')
}

//! The results folder of a `wsbench run`: one definition of its files, written by the
//! runner and read by `--resume`, `wsbench merge` and `wsbench report`.
//!
//! | file | module | one row per |
//! | --- | --- | --- |
//! | `runs.csv` | [`RunRow`] | counted run |
//! | `latency.csv` | [`LatencyRow`] | run × metric × percentile |
//! | `latency_cells.csv` | [`LatencyRow`] (`repetition = all`) | cell × metric × percentile |
//! | `workers.csv` | [`WorkerRow`] | run × worker |
//! | `hgrm/<cell>.<metric>.hgrm` | [`units::HGRM_NS_PER_UNIT`] | cell × metric |
//! | `hgrm/<cell>.hlog` | [`paths::Layout::hlog`] | cell |
//! | `meta.json` | [`Meta`] | folder |
//! | `traces/<cell>.trace.json` | [`trace::TraceFile`] | cell (`trace = true`) |
//!
//! Every path is built by [`Layout`]; `<cell>` is [`file_stem`]. Every column is
//! documented once, on its field; the column tables of `results/README.md` are generated
//! from those comments ([`rows::markdown_table`]) and a test fails when they differ.
//!
//! ```
//! use wsbench_schema::{Layout, Row, RunRow};
//! let dir = Layout::new("results/x");
//! assert!(dir.runs().ends_with("runs.csv"));
//! assert_eq!(RunRow::COLUMNS[0].name, "workload");
//! ```
#![deny(missing_docs)]

pub mod host;
pub mod io;
pub mod machine;
pub mod meta;
pub mod paths;
pub mod rows;
pub mod trace;
pub mod units;

pub use io::{drop_unterminated_line, read_rows, write_atomic, write_rows_atomic, Appender, Error};
pub use meta::{ConfigHeader, Machine, Meta, PlacementMap, RunStatus, Shard};
pub use paths::{file_stem, Layout};
pub use rows::{CellRef, Column, LatencyRow, Row, RunRow, Source, WorkerRow};

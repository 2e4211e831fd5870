//! `kind = "file"`: factorize the numbers of a file, one a line.

use std::path::Path;
use std::sync::Arc;

use workloads::factor::Method;
use workloads::numbers::read_numbers;
use workloads::workload::{Factorize, Workload};

use super::{quick, KeyError, SizeKey, WorkloadRecord};

/// A `file` workload's keys.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSpec {
    /// The file, relative to the config file's folder.
    pub path: String,
    /// `naive` (the default) or `fast`.
    pub method: Option<Method>,
    /// Keep only the first `limit` numbers (set by `--quick`).
    pub limit: Option<usize>,
}

impl FileSpec {
    /// The `kind` key.
    pub const KIND: &'static str = "file";
    /// The key a `sizes` sweep sets (none: its size is the file's line count).
    pub const SIZE: Option<SizeKey> = None;
    /// The keys of this kind.
    pub const KEYS: &'static [&'static str] = &["path", "method", "limit"];

    pub(super) fn from_record(r: &WorkloadRecord) -> Result<Self, KeyError> {
        let method = super::method(r)?;
        let path = r
            .path
            .clone()
            .ok_or(("path", format!("missing; kind = {:?} needs it", Self::KIND)))?;
        Ok(FileSpec {
            path,
            method,
            limit: r.limit,
        })
    }

    pub(super) fn write_record(&self, r: &mut WorkloadRecord) {
        r.path = Some(self.path.clone());
        r.method = self.method.map(|m| m.to_string());
        r.limit = self.limit;
    }

    /// `--quick`: the first 200 numbers (a tenth of an earlier limit).
    pub(super) fn make_quick(&mut self) {
        self.limit = Some(self.limit.map_or(quick::MIN_TASKS * 10, quick::shrink));
    }

    pub(super) fn build(&self, base: &Path) -> Result<Arc<dyn Workload>, String> {
        let path = base.join(&self.path);
        let mut numbers = read_numbers(&path).map_err(|e| e.to_string())?;
        if numbers.is_empty() {
            return Err(format!("{} holds no numbers", path.display()));
        }
        if let Some(limit) = self.limit {
            numbers.truncate(limit);
        }
        Ok(Arc::new(Factorize::new(
            numbers,
            self.method.unwrap_or_default(),
        )))
    }
}

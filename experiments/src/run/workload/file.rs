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
        let mut numbers =
            read_numbers(&path).map_err(|e| binary_line(&path).unwrap_or_else(|| e.to_string()))?;
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

/// For a number file that failed to read: its first line that is not text (not UTF-8), in
/// the words `wsbench factor` uses for its standard input; the reader's own error only says
/// "stream did not contain valid UTF-8". `None` if every line is text (another failure).
fn binary_line(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let line = bytes
        .split(|&b| b == b'\n')
        .position(|l| std::str::from_utf8(l).is_err())?;
    Some(format!(
        "{}:{}: not text (binary data); allowed: one decimal integer 0..=18446744073709551615 \
         per line, blank lines, and `#` comments",
        path.display(),
        line + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_data_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.txt");
        std::fs::write(&path, b"12\n# ok\n\xff\xfe\n35\n").unwrap();
        let spec = FileSpec {
            path: "n.txt".into(),
            method: None,
            limit: None,
        };
        let err = spec
            .build(dir.path())
            .err()
            .expect("binary data is refused");
        assert!(err.contains("n.txt:3: not text (binary data)"), "{err}");
        std::fs::write(&path, b"12\n35\n").unwrap();
        assert!(spec.build(dir.path()).is_ok());
        assert_eq!(binary_line(&dir.path().join("missing")), None);
    }
}

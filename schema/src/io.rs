//! Reading and writing the files of a results folder so that nothing is lost or torn.
//!
//! * Row files (`runs.csv`, `latency.csv`, `workers.csv`) are appended ([`Appender`]) and
//!   flushed after every run.
//! * Whole files (`meta.json`, `latency_cells.csv`, `.hgrm`) are written to a temporary
//!   name in the same folder and renamed over the old one ([`write_atomic`]).
//! * `meta.json` must still say how a sweep ended when the disk is full, where the
//!   temporary copy cannot be made: [`write_atomic_or_in_place`] then overwrites the old
//!   file in place, which needs no new space when the new text is not longer (the runner
//!   leaves room for it: [`crate::Meta::write`]).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::rows::Row;

/// A results file that cannot be read or written: the message names the file, and for a
/// bad value its line, column and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    fn at(path: &Path, what: impl fmt::Display) -> Error {
        Error(format!("{}: {what}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error(message)
    }
}

/// Reads every row of the CSV file at `path` (none if the file does not exist).
///
/// Columns are matched by name; a missing [`Row::REQUIRED`] column, or a value that is
/// not of its column's type, is an error naming the file, line and column.
///
/// ```
/// use wsbench_schema::{read_rows, WorkerRow};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("workers.csv");
/// std::fs::write(&path, "workload,strategy,workers,placement,repetition,worker\nw,static,two,none,0,0\n").unwrap();
/// let err = read_rows::<WorkerRow>(&path).unwrap_err().to_string();
/// assert!(err.ends_with("workers.csv:2: column `workers`: `two` is not a whole number"), "{err}");
/// ```
pub fn read_rows<T: Row>(path: &Path) -> Result<Vec<T>, Error> {
    // An empty file is one a crash left before its header was written.
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Ok(Vec::new());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| Error::at(path, format_args!("cannot read: {e}")))?;
    let header = reader
        .headers()
        .map_err(|e| Error::at(path, format_args!("bad header: {e}")))?
        .clone();
    for name in T::REQUIRED {
        if !header.iter().any(|h| h == *name) {
            let all = header.iter().collect::<Vec<_>>().join(",");
            return Err(Error::at(
                path,
                format_args!("missing column `{name}` (header is `{all}`)"),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::at(path, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let row = record
            .deserialize::<T>(Some(&header))
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    bad_value(path, line, &header, &record, err)
                }
                _ => Error::at(path, format_args!("{line}: {e}")),
            })?;
        rows.push(row);
    }
    Ok(rows)
}

/// The message for a value that does not fit its column.
fn bad_value(
    path: &Path,
    line: u64,
    header: &csv::StringRecord,
    record: &csv::StringRecord,
    e: &csv::DeserializeError,
) -> Error {
    use csv::DeserializeErrorKind as Kind;
    let expected = match e.kind() {
        Kind::ParseInt(_) => "a whole number",
        Kind::ParseFloat(_) => "a number",
        Kind::ParseBool(_) => "true or false",
        _ => return Error::at(path, format_args!("{line}: {e}")),
    };
    let field = e.field().map(|f| f as usize);
    let column = field.and_then(|f| header.get(f)).unwrap_or("?");
    let value = field.and_then(|f| record.get(f)).unwrap_or("");
    Error(format!(
        "{}:{line}: column `{column}`: `{value}` is not {expected}",
        path.display()
    ))
}

/// Cuts an unterminated last line (a row torn by a crash mid-write, or a file whose final
/// newline is missing) off the file at `path`; returns its 1-based line number, or `None`
/// when the file is absent, empty or ends in a newline.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("runs.csv");
/// std::fs::write(&p, "a,b\n1,2\n3,").unwrap();
/// assert_eq!(wsbench_schema::drop_unterminated_line(&p).unwrap(), Some(3));
/// assert_eq!(std::fs::read(&p).unwrap(), b"a,b\n1,2\n");
/// assert_eq!(wsbench_schema::drop_unterminated_line(&p).unwrap(), None);
/// ```
pub fn drop_unterminated_line(path: &Path) -> Result<Option<u64>, Error> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::at(path, format_args!("reading: {e}"))),
    };
    if matches!(bytes.last(), None | Some(b'\n')) {
        return Ok(None);
    }
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = bytes[..keep].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(keep as u64).and_then(|()| f.sync_all()))
        .map_err(|e| {
            Error::at(
                path,
                format_args!("cutting its unterminated last line: {e}"),
            )
        })?;
    Ok(Some(line))
}

/// A row file that rows are appended to, each call's rows as one whole write.
///
/// A write that fails (a full disk) is undone: the file is cut back to its length before
/// it, so it never ends in a torn row.
pub struct Appender {
    path: PathBuf,
    file: File,
}

/// Where an [`Appender`]'s bytes go: a file, or in tests one that fails.
trait Sink: Write {
    /// The current length.
    fn len(&self) -> std::io::Result<u64>;
    /// Cuts back to `len` bytes.
    fn truncate(&mut self, len: u64) -> std::io::Result<()>;
}

impl Sink for File {
    fn len(&self) -> std::io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.set_len(len)
    }
}

/// Appends `bytes` whole, or on error cuts the sink back to where it was.
fn append_whole(sink: &mut impl Sink, bytes: &[u8]) -> std::io::Result<()> {
    let before = sink.len()?;
    let written = sink.write_all(bytes).and_then(|()| sink.flush());
    if written.is_err() {
        let _ = sink.truncate(before);
    }
    written
}

/// The CSV text of `rows`, header first if asked.
fn csv_bytes<T: Row>(header: bool, rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    if header {
        w.write_record(T::header())?;
    }
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The error of a failed write to `path`.
fn write_error(path: &Path, e: impl fmt::Display) -> Error {
    Error(format!("writing {}: {e}", path.display()))
}

impl Appender {
    /// Opens a row file for appending, writing the header first if it is empty, and a
    /// newline first if its last line is unterminated (a row never joins another).
    pub fn open<T: Row>(path: &Path) -> Result<Appender, Error> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|e| Error::at(path, format_args!("opening for appending: {e}")))?;
        let len = file.metadata().map_err(|e| Error::at(path, e))?.len();
        if len == 0 {
            let header = csv_bytes::<T>(true, &[]).map_err(|e| write_error(path, e))?;
            append_whole(&mut file, &header).map_err(|e| write_error(path, e))?;
        } else if last_byte(&mut file, len).map_err(|e| Error::at(path, e))? != b'\n' {
            append_whole(&mut file, b"\n").map_err(|e| write_error(path, e))?;
        }
        Ok(Appender {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends rows, all or none of them, in one write.
    pub fn push<T: Row>(&mut self, rows: &[T]) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let bytes = csv_bytes(false, rows).map_err(|e| write_error(&self.path, e))?;
        append_whole(&mut self.file, &bytes).map_err(|e| write_error(&self.path, e))
    }

    /// Nothing left to write: [`Appender::push`] hands its rows to the OS whole. Kept so
    /// that callers say where a run's rows end.
    pub fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// The byte at `len - 1` of a file of `len` bytes.
fn last_byte(file: &mut File, len: u64) -> std::io::Result<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let mut b = [0u8];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut b)?;
    Ok(b[0])
}

/// Writes a whole file: temporary name in the same folder, fsync, rename.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("m.json");
/// wsbench_schema::write_atomic(&p, b"one").unwrap();
/// wsbench_schema::write_atomic(&p, b"two").unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"two");
/// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| write_error(path, e))
}

/// Like [`write_atomic`], but when that fails (a full disk has no room for the temporary
/// copy) and the file at `path` is at least as long as `bytes`, overwrites it in place,
/// padded with spaces to its old length (JSON and CSV readers skip trailing whitespace
/// at the end of the text). Returns whether it fell back to writing in place.
///
/// A crash during the in-place write can leave a mixture of old and new text: it is the
/// last resort, for a file that would otherwise keep saying something false.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("m.json");
/// std::fs::write(&p, "{\"status\": \"running\"}       ").unwrap();
/// assert_eq!(wsbench_schema::io::write_atomic_or_in_place(&p, b"{\"status\": \"failed\"}").unwrap(), false);
/// ```
pub fn write_atomic_or_in_place(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    in_place_fallback(path, bytes, write_atomic)
}

/// [`write_atomic_or_in_place`] with the atomic write given (tests inject one that fails).
pub(crate) fn in_place_fallback(
    path: &Path,
    bytes: &[u8],
    atomic: impl FnOnce(&Path, &[u8]) -> Result<(), Error>,
) -> Result<bool, Error> {
    let Err(first) = atomic(path, bytes) else {
        return Ok(false);
    };
    let old_len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(_) => return Err(first),
    };
    if (bytes.len() as u64) > old_len {
        return Err(Error(format!(
            "{first} (and the new text, {} bytes, is longer than the old file, {old_len} bytes, so it cannot overwrite it in place)",
            bytes.len()
        )));
    }
    let mut padded = bytes.to_vec();
    padded.resize(old_len as usize, b' ');
    let written = OpenOptions::new().write(true).open(path).and_then(|mut f| {
        f.write_all(&padded)?;
        f.sync_all()
    });
    written
        .map(|()| true)
        .map_err(|e| Error(format!("{first}; overwriting it in place: {e}")))
}

/// Writes whole rows as a CSV file, atomically.
pub fn write_rows_atomic<T: Row>(path: &Path, rows: &[T]) -> Result<(), Error> {
    let bytes = csv_bytes(true, rows).map_err(|e| write_error(path, e))?;
    write_atomic(path, &bytes)
}

/// Serializes `value` as pretty JSON and writes it atomically.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::at(path, e))?;
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{LatencyRow, RunRow};

    #[test]
    fn rows_round_trip_and_extra_columns_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        let row = RunRow {
            workload: "w".into(),
            strategy: "static".into(),
            workers: 2,
            placement: "spread".into(),
            makespan_ns: 10,
            speedup: Some(1.5),
            checksum_ok: Some(true),
            sweep: Some("f".into()),
            ..RunRow::default()
        };
        let mut a = Appender::open::<RunRow>(&path).unwrap();
        a.push(std::slice::from_ref(&row)).unwrap();
        a.flush().unwrap();
        drop(a);
        assert_eq!(read_rows::<RunRow>(&path).unwrap(), vec![row]);
        std::fs::write(
            &path,
            "strategy,workload,workers,placement,repetition,makespan_ns,extra\nserial,w,1,none,0,100,x\n",
        )
        .unwrap();
        let back = read_rows::<RunRow>(&path).unwrap();
        assert_eq!(back[0].makespan_ns, 100);
        assert_eq!(back[0].pool_in_timing, None);
        assert_eq!(back[0].sweep, None);
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latency.csv");
        std::fs::write(&path, "workload,strategy,workers,placement,metric\n").unwrap();
        let err = read_rows::<LatencyRow>(&path).unwrap_err().to_string();
        assert!(err.contains("missing column `percentile`"), "{err}");
    }

    #[test]
    fn an_append_starts_on_a_fresh_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        let row = RunRow::default();
        let mut a = Appender::open::<RunRow>(&path).unwrap();
        a.push(std::slice::from_ref(&row)).unwrap();
        a.flush().unwrap();
        drop(a);
        let whole = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, whole.trim_end()).unwrap();
        let mut a = Appender::open::<RunRow>(&path).unwrap();
        a.push(std::slice::from_ref(&row)).unwrap();
        a.flush().unwrap();
        assert_eq!(read_rows::<RunRow>(&path).unwrap(), vec![row.clone(), row]);
    }

    /// A sink that fails (`ENOSPC`) once it holds `room` bytes.
    struct FullDisk {
        bytes: Vec<u8>,
        room: usize,
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.room.saturating_sub(self.bytes.len()));
            if n == 0 && !buf.is_empty() {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            self.bytes.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink for FullDisk {
        fn len(&self) -> std::io::Result<u64> {
            Ok(self.bytes.len() as u64)
        }
        fn truncate(&mut self, len: u64) -> std::io::Result<()> {
            self.bytes.truncate(len as usize);
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_leaves_only_whole_rows_for_every_failure_point() {
        let rows: Vec<RunRow> = (0..3)
            .map(|i| RunRow {
                workload: format!("w{i}"),
                ..RunRow::default()
            })
            .collect();
        let header = csv_bytes::<RunRow>(true, &[]).unwrap();
        let body = csv_bytes(false, &rows).unwrap();
        let total = header.len() + 3 * body.len();
        for room in 0..=total {
            let mut sink = FullDisk {
                bytes: Vec::new(),
                room,
            };
            let chunks = [&header[..], &body, &body, &body];
            // The file is exactly the chunks whose write succeeded: none torn.
            let expected: Vec<u8> = chunks
                .iter()
                .filter(|b| append_whole(&mut sink, b).is_ok())
                .flat_map(|b| b.iter().copied())
                .collect();
            assert_eq!(sink.bytes, expected, "room {room}");
            assert_eq!(expected.len() == total, room >= total, "room {room}");
            if room < total {
                let err = append_whole(&mut sink, &header).unwrap_err();
                assert_eq!(err.raw_os_error(), Some(28), "room {room}");
            }
        }
    }

    #[test]
    fn an_absent_or_empty_file_has_no_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        assert!(read_rows::<RunRow>(&path).unwrap().is_empty());
        std::fs::write(&path, "").unwrap();
        assert!(read_rows::<RunRow>(&path).unwrap().is_empty());
    }

    /// An atomic write that fails as on a full disk.
    pub(crate) fn no_space(path: &Path, _: &[u8]) -> Result<(), Error> {
        Err(write_error(path, std::io::Error::from_raw_os_error(28)))
    }

    #[test]
    fn a_full_disk_overwrites_in_place_when_the_new_text_fits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.json");
        let old = "{\"status\": \"running\"}\n          ";
        std::fs::write(&path, old).unwrap();
        let in_place = in_place_fallback(&path, b"{\"status\": \"failed\"}", no_space).unwrap();
        assert!(in_place);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), old.len());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["status"], "failed");
        // Longer than the old file: the first error, with why it could not fall back.
        let long = vec![b' '; 100];
        let err = in_place_fallback(&path, &long, no_space)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("(os error 28)") && err.contains("longer than the old file"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        // No old file: nothing to overwrite.
        let absent = dir.path().join("absent.json");
        let err = in_place_fallback(&absent, b"{}", no_space).unwrap_err();
        assert!(err.to_string().contains("(os error 28)"), "{err}");
        assert!(!absent.exists());
    }
}

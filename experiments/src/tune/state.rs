//! The state of a tune folder: `runs.jsonl`, one JSON line per finished measurement,
//! appended and flushed as each run ends. A line cut short by a kill is not a whole row:
//! it is ignored and cut off before the next append, so a killed tune loses at most the
//! run in flight. `--resume` feeds the recorded measurements back to the race ([`Replay`]),
//! which then decides exactly as it did and measures only what is missing.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::race::{Failure, Measurer};

/// The state file's name inside the folder.
pub const RUNS_FILE: &str = "runs.jsonl";

/// One finished measurement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunLine {
    /// The candidate's index in the candidate list.
    pub candidate: usize,
    /// The candidate as displayed (checked on resume).
    pub name: String,
    /// Round (0-based).
    pub round: usize,
    /// The cost (lower is better), when it succeeded.
    pub cost: Option<f64>,
    /// The raw value the cost came from (wall ns, the metric, or Σ makespan ns).
    pub value: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Reads the whole lines of `dir/runs.jsonl` and cuts off a partial last line.
pub fn load(dir: &Path) -> anyhow::Result<Vec<RunLine>> {
    let path = dir.join(RUNS_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let whole = text.rfind('\n').map_or(0, |i| i + 1);
    if whole < text.len() {
        let f = OpenOptions::new().write(true).open(&path)?;
        f.set_len(whole as u64)?;
    }
    text[..whole]
        .lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| anyhow::anyhow!("{}: line {}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// The open state file.
pub struct Log {
    file: File,
    path: PathBuf,
}

impl Log {
    /// Opens `dir/runs.jsonl` for appending.
    pub fn open(dir: &Path) -> anyhow::Result<Log> {
        let path = dir.join(RUNS_FILE);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Log { file, path })
    }

    /// Appends one whole line and flushes it to the file.
    pub fn append(&mut self, line: &RunLine) -> anyhow::Result<()> {
        let mut text = serde_json::to_string(line)?;
        text.push('\n');
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.path.display()))
    }
}

/// What a live measurement gives: the cost, and the raw value it came from.
pub type Measured = Result<(f64, f64), Failure>;

/// A measurer of real runs: candidate index, round → measurement.
pub trait Live {
    /// Measures candidate `c` in round `round`.
    fn run(&mut self, c: usize, round: usize) -> Measured;
    /// Whether a time budget is spent.
    fn out_of_time(&self) -> bool {
        false
    }
}

/// Replays recorded measurements, measures the rest live and records them.
pub struct Replay<'a> {
    /// Recorded lines by (candidate, round).
    pub recorded: HashMap<(usize, usize), RunLine>,
    /// The live measurer.
    pub live: &'a mut dyn Live,
    /// Where new lines go.
    pub log: Log,
    /// Candidate names, for the lines.
    pub names: Vec<String>,
    /// Called after every measurement (the progress bar), with whether it ran live.
    pub after: Box<dyn FnMut(bool) + 'a>,
    /// Called as each round starts, with its number and the candidates left.
    pub round: Box<dyn FnMut(usize, usize) + 'a>,
}

impl Measurer for Replay<'_> {
    fn measure(&mut self, c: usize, round: usize) -> Result<f64, Failure> {
        if let Some(l) = self.recorded.remove(&(c, round)) {
            (self.after)(false);
            return match (l.cost, l.error) {
                (Some(cost), _) => Ok(cost),
                (None, e) => Err(Failure::Candidate(e.unwrap_or_default())),
            };
        }
        let got = self.live.run(c, round);
        let (cost, value, error) = match &got {
            Ok((cost, value)) => (Some(*cost), Some(*value), None),
            Err(Failure::Candidate(e)) => (None, None, Some(e.clone())),
            Err(Failure::Abort(e)) => return Err(Failure::Abort(e.clone())),
        };
        let line = RunLine {
            candidate: c,
            name: self.names[c].clone(),
            round,
            cost,
            value,
            error,
        };
        if let Err(e) = self.log.append(&line) {
            return Err(Failure::Abort(format!("{e:#}")));
        }
        (self.after)(true);
        got.map(|(cost, _)| cost)
    }

    fn out_of_time(&self) -> bool {
        self.live.out_of_time()
    }

    fn round_started(&mut self, round: usize, left: usize) {
        (self.round)(round, left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_cut_short_by_a_kill_is_dropped_and_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let line = |round| RunLine {
            candidate: 1,
            name: "c".into(),
            round,
            cost: Some(2.0),
            value: Some(2.0),
            error: None,
        };
        let mut log = Log::open(dir.path()).unwrap();
        log.append(&line(0)).unwrap();
        log.append(&line(1)).unwrap();
        drop(log);
        let path = dir.path().join(RUNS_FILE);
        let mut text = std::fs::read_to_string(&path).unwrap();
        let whole = text.len();
        text.push_str("{\"candidate\":1,\"na");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(load(dir.path()).unwrap(), vec![line(0), line(1)]);
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, whole);
        let mut log = Log::open(dir.path()).unwrap();
        log.append(&line(2)).unwrap();
        assert_eq!(load(dir.path()).unwrap().len(), 3);
    }
}

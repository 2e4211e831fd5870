//! How a report fails: the input is not a results folder it can read (the
//! user's to fix: the CLI exits 2), or writing the report failed.

/// Why `write_report` or loading a results folder failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A folder or file that is not what the report reads, named with what is wrong.
    #[error("{0}")]
    Input(String),
    /// A failure while writing the report (I/O, a figure that could not be drawn).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl ReportError {
    /// An input error built from anything printable.
    pub fn usage(msg: impl std::fmt::Display) -> Self {
        ReportError::Input(msg.to_string())
    }
}

impl From<std::io::Error> for ReportError {
    fn from(e: std::io::Error) -> Self {
        ReportError::Failed(e.into())
    }
}

impl From<wsbench_schema::Error> for ReportError {
    fn from(e: wsbench_schema::Error) -> Self {
        ReportError::Failed(e.into())
    }
}

/// The result type of the report's functions.
pub type ReportResult<T = ()> = Result<T, ReportError>;

//! How `wsbench` fails: one clear message, and an exit code that says why.
//!
//! * [`CliError::Usage`] — bad input (a config key, a placement, a file line):
//!   exit code 2, no backtrace. The message says what, where, and what is allowed.
//! * [`CliError::Interrupted`] — Ctrl-C honoured after the current run: exit 130.
//! * [`CliError::Failed`] — anything else that went wrong while working: exit 1.

use std::process::ExitCode;

/// An error that ends a `wsbench` command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input from the user; exit code 2.
    #[error("{0}")]
    Usage(String),
    /// The user interrupted the command; exit code 130.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// A failure while working (I/O, a checksum mismatch…); exit code 1.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl CliError {
    /// Shorthand for a usage error built from anything printable.
    pub fn usage(msg: impl std::fmt::Display) -> Self {
        CliError::Usage(msg.to_string())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Interrupted(_) => ExitCode::from(130),
            CliError::Failed(_) => ExitCode::from(1),
        }
    }
}

/// A results file that cannot be read or written while working (the report and
/// `--resume` turn a bad input file into a usage error themselves).
impl From<wsbench_schema::Error> for CliError {
    fn from(e: wsbench_schema::Error) -> Self {
        CliError::Failed(e.into())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Failed(e.into())
    }
}

/// The result type of every `wsbench` command.
pub type CliResult<T = ()> = Result<T, CliError>;

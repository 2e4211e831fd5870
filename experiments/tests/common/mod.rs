//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the built `wsbench` with `args`, feeding `stdin` to its standard input.
pub fn wsbench_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs wsbench");
    // A command that does not read its input may close it first.
    let _ = child.stdin.take().expect("piped").write_all(stdin);
    child.wait_with_output().expect("wsbench ends")
}

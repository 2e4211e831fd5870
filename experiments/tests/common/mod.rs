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

/// Runs the built `wsbench` with `args` and waits for it.
pub fn wsbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(args)
        .output()
        .expect("runs wsbench")
}

/// A finished command's standard output followed by its standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

//! Builds the OpenMP shim (`c/omp_shim.c`) against GNU libgomp when the C compiler can.
//!
//! A probe program (`c/probe.c`, everything the shim uses) is compiled *and linked* with
//! `-fopenmp` first. If that fails, or `WSBENCH_NO_OPENMP` is set, the build still
//! succeeds: it sets `cfg(wsbench_no_openmp)` and records why in `WSBENCH_OMP_REASON`, and
//! the crate refuses every OpenMP strategy with that reason and how to get OpenMP.
//! LLVM's libomp is only detected (`WSBENCH_LLVM_LIBOMP`: its path, or empty).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wsbench_no_openmp)");
    for f in ["c/omp_shim.c", "c/probe.c", "build.rs"] {
        println!("cargo:rerun-if-changed={f}");
    }
    for v in ["WSBENCH_NO_OPENMP", "CC", "CFLAGS"] {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let compiler = cc::Build::new().get_compiler();
    let cc_path = compiler.path().to_path_buf();
    println!(
        "cargo:rustc-env=WSBENCH_OMP_COMPILER={}",
        first_line(&cc_path, &["--version"]).unwrap_or_else(|| cc_path.display().to_string())
    );
    println!(
        "cargo:rustc-env=WSBENCH_LLVM_LIBOMP={}",
        found_library(&cc_path, "libomp.so").unwrap_or_default()
    );
    let reason = match std::env::var("WSBENCH_NO_OPENMP") {
        Ok(v) if !v.is_empty() => Err("WSBENCH_NO_OPENMP was set when wsbench was built".into()),
        _ => probe(&compiler, &out).and_then(|()| build_shim(&cc_path)),
    };
    match reason {
        Ok(()) => println!("cargo:rustc-env=WSBENCH_OMP_REASON="),
        Err(why) => {
            println!("cargo:warning=OpenMP strategies disabled: {why}");
            println!("cargo:rustc-cfg=wsbench_no_openmp");
            println!("cargo:rustc-env=WSBENCH_OMP_REASON={}", one_line(&why));
        }
    }
}

/// Compiles and links `c/probe.c` with `-fopenmp`; the compiler's first error line if not.
fn probe(compiler: &cc::Tool, out: &Path) -> Result<(), String> {
    let exe = out.join("wsbench-omp-probe");
    let mut cmd = compiler.to_command();
    cmd.arg("-fopenmp").arg("c/probe.c").arg("-o").arg(&exe);
    let res = cmd
        .output()
        .map_err(|e| format!("cannot run the C compiler {:?}: {e}", compiler.path()))?;
    if res.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&res.stderr);
    let first = err
        .lines()
        .find(|l| l.contains("error"))
        .or_else(|| err.lines().next())
        .unwrap_or("no message");
    Err(format!(
        "the C compiler {:?} cannot build and link an OpenMP program with -fopenmp ({})",
        compiler.path(),
        first.trim()
    ))
}

/// Compiles the shim and links it and libgomp into the crate.
fn build_shim(cc_path: &Path) -> Result<(), String> {
    cc::Build::new()
        .file("c/omp_shim.c")
        .flag("-fopenmp")
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true)
        .try_compile("wsbench_omp_shim")
        .map_err(|e| format!("compiling c/omp_shim.c: {e}"))?;
    // gcc's own library folder holds libgomp.so (the linker is often not told -fopenmp).
    if let Some(lib) = found_library(cc_path, "libgomp.so") {
        if let Some(dir) = Path::new(&lib).parent() {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
    }
    println!("cargo:rustc-link-lib=dylib=gomp");
    Ok(())
}

/// `cc -print-file-name=NAME`: an absolute path when the compiler's search finds it.
fn found_library(cc_path: &Path, name: &str) -> Option<String> {
    let p = first_line(cc_path, &[&format!("-print-file-name={name}")])?;
    Path::new(&p).is_absolute().then_some(p)
}

fn first_line(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

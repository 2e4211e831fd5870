//! Records what this binary is built from, so `meta.json` and `--version` say so wherever the
//! binary later runs (a cluster node or a lent machine may have no checkout or compiler).
//!
//! The `built` crate writes the toolchain and profile facts (`OUT_DIR/built.rs`: target,
//! opt-level, debug, features, `rustc -V` …). Its `git2` feature is not used: it compiles
//! libgit2 from C, and its `cargo-lock` feature pulls in `url` and ICU (about 35 crates, some
//! newer than this workspace's rust-version). This script adds, in `OUT_DIR/wsbench_build.rs`,
//! what `built` leaves out: the commit and dirty flag, LTO and codegen units, RUSTFLAGS, and
//! the versions Cargo.lock resolves for every crate the binary depends on.
//!
//! Git is asked read-only: `git --no-optional-locks status` neither rewrites nor locks
//! `.git/index`, and the index is not watched. Watching it made the first cargo command after
//! any `git status` rebuild this crate (and `git status` here rewrote it). The script watches
//! what changes the answers: HEAD and the branch it points to (a commit), and the sources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every workspace crate: a change under its `src` may change the dirty flag.
const MEMBERS: [&str; 6] = [
    "scheduler",
    "topology",
    "workloads",
    "schema",
    "report",
    "experiments",
];

fn output(dir: &Path, cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// An absolute path from git's answer, which may be relative to `dir`.
fn absolute(dir: &Path, p: String) -> PathBuf {
    let p = PathBuf::from(p);
    if p.is_absolute() {
        p
    } else {
        dir.join(p)
    }
}

/// The commit, the dirty flag, and the files whose change means either may have changed.
/// In a `git worktree`, `.git` is a file: the HEAD is in the worktree's own git dir, the
/// branches in the common one.
fn git(dir: &Path) -> (Option<String>, Option<bool>, Vec<PathBuf>) {
    let Some(git_dir) = output(dir, "git", &["rev-parse", "--git-dir"]) else {
        return (None, None, Vec::new());
    };
    let git_dir = absolute(dir, git_dir);
    let common = output(dir, "git", &["rev-parse", "--git-common-dir"])
        .map(|c| absolute(dir, c))
        .unwrap_or_else(|| git_dir.clone());
    let mut watch = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    if let Ok(head) = std::fs::read_to_string(git_dir.join("HEAD")) {
        if let Some(r) = head.trim().strip_prefix("ref: ") {
            watch.push(common.join(r));
        }
    }
    // A watched path that does not exist reruns the script at every build.
    watch.retain(|p| p.exists());
    let commit = output(dir, "git", &["rev-parse", "HEAD"]);
    let status = [
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=no",
    ];
    let dirty = output(dir, "git", &status).map(|s| !s.is_empty());
    (commit, dirty, watch)
}

/// The `[profile.NAME]` keys of the workspace manifest (`key = value`, quotes removed).
fn profile_keys(manifest: &str, name: &str) -> BTreeMap<String, String> {
    let header = format!("[profile.{name}]");
    let mut keys = BTreeMap::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
        } else if let (true, Some((k, v))) = (inside, line.split_once('=')) {
            let v = v.split('#').next().unwrap_or("").trim().trim_matches('"');
            keys.insert(k.trim().to_string(), v.to_string());
        }
    }
    keys
}

/// A profile setting: `CARGO_PROFILE_<NAME>_<KEY>`, else the manifest's `[profile.NAME]`,
/// else the profile it inherits from, else Cargo's default.
fn profile_setting(
    manifest: &str,
    profile: &str,
    key: &str,
    default: &dyn Fn(&str) -> String,
) -> String {
    let mut name = profile.to_string();
    for _ in 0..8 {
        let var = format!(
            "CARGO_PROFILE_{}_{}",
            name.to_uppercase().replace('-', "_"),
            key.to_uppercase().replace('-', "_")
        );
        println!("cargo:rerun-if-env-changed={var}");
        if let Ok(v) = std::env::var(&var) {
            return v;
        }
        let keys = profile_keys(manifest, &name);
        if let Some(v) = keys.get(key) {
            return v.clone();
        }
        name = match (keys.get("inherits"), name.as_str()) {
            (Some(parent), _) => parent.clone(),
            (None, "bench") => "release".into(),
            (None, "test") => "dev".into(),
            _ => break,
        };
    }
    default(&name)
}

/// The profile's name, from the output folder (`target/[TRIPLE/]NAME/build/…/out`;
/// `debug` is the folder of `dev`). Cargo's `PROFILE` only says release or debug.
fn profile_name(out_dir: &Path) -> String {
    let dir = out_dir.ancestors().nth(3).and_then(Path::file_name);
    match dir.and_then(|d| d.to_str()) {
        Some("debug") | None => "dev".into(),
        Some(d) => d.into(),
    }
}

/// One `[[package]]` of Cargo.lock: name, version, whether it has a source (path crates
/// have none), and its dependencies (`name` or `name version`).
type Locked = (String, String, bool, Vec<String>);

fn parse_lock(lock: &str) -> Vec<Locked> {
    let mut packages: Vec<Locked> = Vec::new();
    let mut in_deps = false;
    for line in lock.lines().map(str::trim) {
        let value = |l: &str| {
            l.split_once('=')
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        };
        if line == "[[package]]" {
            packages.push(Default::default());
            in_deps = false;
        } else if let Some(p) = packages.last_mut() {
            if in_deps {
                in_deps = line != "]";
                if in_deps {
                    p.3.push(line.trim_end_matches(',').trim_matches('"').to_string());
                }
            } else if line.starts_with("name =") {
                p.0 = value(line).unwrap_or_default();
            } else if line.starts_with("version =") {
                p.1 = value(line).unwrap_or_default();
            } else if line.starts_with("source =") {
                p.2 = true;
            } else if line.starts_with("dependencies = [") {
                in_deps = !line.ends_with(']');
            }
        }
    }
    packages
}

/// The locked version of every crate `root` depends on, directly or not (dev-dependencies
/// included: Cargo.lock does not tell them apart); a crate locked at two versions lists both.
fn dependencies(lock: &str, root: &str) -> BTreeMap<String, String> {
    let packages = parse_lock(lock);
    let find = |dep: &str| {
        let mut it = dep.split(' ');
        let (name, version) = (it.next().unwrap_or(""), it.next());
        packages
            .iter()
            .position(|p| p.0 == name && version.map_or(true, |v| p.1 == v))
    };
    let mut seen = BTreeSet::new();
    let mut todo: Vec<usize> = find(root).into_iter().collect();
    while let Some(i) = todo.pop() {
        if seen.insert(i) {
            todo.extend(packages[i].3.iter().filter_map(|d| find(d)));
        }
    }
    let mut versions: BTreeMap<String, String> = BTreeMap::new();
    for p in seen.iter().map(|&i| &packages[i]).filter(|p| p.2) {
        versions
            .entry(p.0.clone())
            .and_modify(|v| *v = format!("{v}, {}", p.1))
            .or_insert_with(|| p.1.clone());
    }
    versions
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let root = manifest_dir.join("..");
    if let Err(e) = built::write_built_file() {
        println!("cargo:warning=built: {e}");
    }
    let (commit, dirty, watch) = git(&manifest_dir);
    for path in watch {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    for m in MEMBERS {
        println!("cargo:rerun-if-changed=../{m}/src");
        println!("cargo:rerun-if-changed=../{m}/Cargo.toml");
    }
    for path in ["../Cargo.toml", "../Cargo.lock", "configs", "build.rs"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let profile = profile_name(&out_dir);
    let release = |p: &str| p == "release" || p == "bench";
    let lto = profile_setting(&manifest, &profile, "lto", &|_| "false".into());
    let units = profile_setting(&manifest, &profile, "codegen-units", &|p| {
        if release(p) { "16" } else { "256" }.into()
    });
    let debug = profile_setting(&manifest, &profile, "debug", &|_| {
        std::env::var("DEBUG").unwrap_or_default()
    });
    let rustflags = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .unwrap_or_default()
        .replace('\x1f', " ");
    let target_features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let deps = dependencies(&lock, &std::env::var("CARGO_PKG_NAME").unwrap_or_default());
    let rustc = built_rustc(&out_dir);
    let text = format!(
        "/// The commit HEAD named (None: not built from a git checkout).\n\
         pub const GIT_COMMIT: Option<&str> = {commit:?};\n\
         /// Whether tracked files differed from that commit (None: unknown).\n\
         pub const GIT_DIRTY: Option<bool> = {dirty:?};\n\
         /// The Cargo profile's name.\npub const PROFILE_NAME: &str = {profile:?};\n\
         /// The profile's `lto`.\npub const LTO: &str = {lto:?};\n\
         /// The profile's `codegen-units`.\npub const CODEGEN_UNITS: &str = {units:?};\n\
         /// The profile's `debug`.\npub const DEBUG_SETTING: &str = {debug:?};\n\
         /// The RUSTFLAGS Cargo passed.\npub const RUSTFLAGS: &str = {rustflags:?};\n\
         /// The target features enabled.\npub const TARGET_FEATURES: &str = {target_features:?};\n\
         /// Each dependency's locked version(s).\n\
         pub const DEPENDENCIES: &[(&str, &str)] = &{:?};\n",
        deps.iter().collect::<Vec<_>>()
    );
    if let Err(e) = std::fs::write(out_dir.join("wsbench_build.rs"), text) {
        println!("cargo:warning=writing wsbench_build.rs: {e}");
    }
    let short = commit.as_deref().map_or("unknown commit".into(), |c| {
        let plus = if dirty == Some(true) { "+dirty" } else { "" };
        format!("commit {}{plus}", &c[..c.len().min(12)])
    });
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rustc-env=WSBENCH_VERSION_LINE={version} ({short}, {rustc})");
    let dirty = dirty.map_or("unknown".into(), |d| d.to_string());
    println!(
        "cargo:rustc-env=WSBENCH_BUILD_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!("cargo:rustc-env=WSBENCH_BUILD_DIRTY={dirty}");
    println!("cargo:rustc-env=WSBENCH_BUILD_RUSTC={rustc}");
}

/// `rustc -V`, as `built` recorded it (so both agree), else asked here.
fn built_rustc(out_dir: &Path) -> String {
    let built = std::fs::read_to_string(out_dir.join("built.rs")).unwrap_or_default();
    let from_built = built
        .lines()
        .find(|l| l.contains("RUSTC_VERSION:"))
        .and_then(|l| l.split('"').nth(1))
        .map(str::to_string);
    from_built
        .or_else(|| {
            let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
            output(Path::new("."), &rustc, &["-V"])
        })
        .unwrap_or_else(|| "unknown".into())
}

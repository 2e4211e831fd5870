//! How this binary was built (`build.rs` records it at build time), for `--version` and
//! `meta.json`'s `machine.build`.

use wsbench_schema::host::Build;

/// What the `built` crate wrote: target, profile, opt-level, features, `rustc -V` ….
#[allow(dead_code, clippy::all)]
mod built_info {
    include!(concat!(env!("OUT_DIR"), "/built.rs"));
}

/// What `build.rs` adds: commit, dirty flag, LTO, codegen units, RUSTFLAGS, dependencies.
#[allow(dead_code, clippy::all)]
mod local {
    include!(concat!(env!("OUT_DIR"), "/wsbench_build.rs"));
}

/// `--version`'s text: the version, the commit (`+dirty` when tracked files differed from
/// it) and the compiler, e.g. `0.1.0 (commit 035bbaf1c2d3+dirty, rustc 1.95.0 (…))`.
pub const VERSION_LINE: &str = env!("WSBENCH_VERSION_LINE");

/// The build as `meta.json` records it.
pub fn build() -> Build {
    let text = |s: &str| Some(s.to_string());
    Build {
        version: text(built_info::PKG_VERSION),
        commit: local::GIT_COMMIT.map(str::to_string),
        dirty: local::GIT_DIRTY,
        rustc: text(built_info::RUSTC_VERSION),
        target: text(built_info::TARGET),
        host: text(built_info::HOST),
        profile: text(local::PROFILE_NAME),
        opt_level: text(built_info::OPT_LEVEL),
        debug: text(local::DEBUG_SETTING),
        lto: text(local::LTO),
        codegen_units: text(local::CODEGEN_UNITS),
        rustflags: text(local::RUSTFLAGS),
        target_features: text(local::TARGET_FEATURES),
        features: built_info::FEATURES_LOWERCASE
            .iter()
            .map(|f| f.to_string())
            .collect(),
        ci: built_info::CI_PLATFORM.map(str::to_string),
        dependencies: local::DEPENDENCIES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_build_names_the_compared_baselines_and_the_profile() {
        let b = super::build();
        for dep in [
            "rayon",
            "crossbeam-deque",
            "core_affinity",
            "hdrhistogram",
            "clap",
        ] {
            assert!(
                b.dependencies.contains_key(dep),
                "{dep} missing: {:?}",
                b.dependencies
            );
        }
        assert!(
            !b.dependencies.contains_key("scheduler"),
            "path crates are ours, not dependencies"
        );
        assert!(b.rustc.as_deref().unwrap_or("").starts_with("rustc "));
        assert!(b.target.is_some() && b.lto.is_some() && b.codegen_units.is_some());
        assert!(super::VERSION_LINE.starts_with(env!("CARGO_PKG_VERSION")));
    }
}

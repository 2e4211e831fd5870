#!/usr/bin/env bash
# The whole test suite, as CI runs it: unit, integration, doc and property tests
# (release build: the stress and property tests run many thousands of cases), then
# the loom model of the pool's sleep/wake protocol in its own target folder.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --release
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
  cargo test -p scheduler --release --lib -- loom

#!/bin/bash
# A sharded wsbench sweep without Slurm: every shard with GNU parallel (xargs -P when
# parallel is not installed), then `wsbench merge`. The same folders as
# scripts/slurm-array.sbatch:
#
#   scripts/parallel-shards.sh CONFIG.toml [SHARDS]
#   # -> $OUT/shards/<i>-of-<n>/ per shard, $OUT/merged/ (the sweep), $OUT/logs/<i>.out
#
# Variables:
#   SHARDS=2                         shards (the second argument wins)
#   JOBS=1                           shards running at once (per machine with parallel's
#                                    --sshloginfile). Shards sharing a machine time each
#                                    other: raise it only for smoke tests
#   OUT=results/<config name>        where shards/, merged/ and logs/ go; must not hold a
#                                    merged/ folder yet
#   WSBENCH=target/release/wsbench   the binary (made absolute)
#   WSBENCH_RUN_ARGS=                extra `wsbench run` options, e.g. "--quick --workers 1,2"
#   RUNNER=parallel|xargs            default: parallel when installed, else xargs
#   PARALLEL_ARGS=                   extra GNU parallel options, e.g. "--sshloginfile hosts
#                                    --workdir $PWD" to spread the shards over machines
#                                    that share this folder (not for xargs)
#
# A shard that was interrupted is finished with --resume when the script runs again with
# the same OUT; finished shards are left as they are. The merge runs only when every shard
# succeeded. Exit codes: 2 bad usage, 1 a shard or the merge failed.
set -euo pipefail

fail() {
  echo "parallel-shards: $*" >&2
  exit 2
}

# One shard (what each parallel or xargs job runs): run it, or finish it after an interruption.
one_shard() {
  local config=$1 count=$2 index=$3 dir extra
  dir="$OUT/shards/$index-of-$count"
  read -ra extra <<<"${WSBENCH_RUN_ARGS:-}"
  if [ -f "$dir/meta.json" ] && grep -q '"status": *"complete"' "$dir/meta.json"; then
    echo "shard $index/$count: already complete in $dir"
  elif [ -f "$dir/meta.json" ]; then
    "$WSBENCH" run "$config" --resume "$dir"
  else
    "$WSBENCH" run "$config" --shard "$index/$count" --out "$dir" "${extra[@]}"
  fi >"$OUT/logs/$index.out" 2>&1 || {
    echo "shard $index/$count failed; its output ($OUT/logs/$index.out) ends:" >&2
    tail -n 5 "$OUT/logs/$index.out" >&2
    return 1
  }
  echo "shard $index/$count done: $dir"
}

if [ "${1:-}" = --one-shard ]; then
  shift
  one_shard "$@"
  exit
fi

{ [ $# -ge 1 ] && [ $# -le 2 ]; } || fail "usage: scripts/parallel-shards.sh CONFIG.toml [SHARDS]"
config=$1
shards=${2:-${SHARDS:-2}}
jobs=${JOBS:-1}
[ -f "$config" ] || fail "$config: no such config file"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || fail "SHARDS: '$shards' is not a positive whole number"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || fail "JOBS: '$jobs' is not a positive whole number"
config=$(realpath "$config")
name=$(basename "$config" .toml)
OUT=$(realpath -m "${OUT:-results/$name}")
WSBENCH=$(realpath "${WSBENCH:-target/release/wsbench}") ||
  fail "no wsbench binary (build it: cargo build --release -p wsbench, or set WSBENCH)"
read -ra run_extra <<<"${WSBENCH_RUN_ARGS:-}"
# A bad config or option fails here, with wsbench's message, before any folder exists.
"$WSBENCH" run "$config" --dry-run --shard "0/$shards" "${run_extra[@]}" >/dev/null ||
  fail "wsbench refuses $config with WSBENCH_RUN_ARGS='${WSBENCH_RUN_ARGS:-}' (above); nothing run"
export OUT WSBENCH WSBENCH_RUN_ARGS=${WSBENCH_RUN_ARGS:-}
[ -e "$OUT/merged" ] && fail "$OUT/merged already exists; set OUT to a new folder"
runner=${RUNNER:-}
if [ -z "$runner" ]; then
  if command -v parallel >/dev/null; then
    runner=parallel
  else
    runner="xargs"
    echo "parallel-shards: GNU parallel is not installed; running the shards with xargs -P $jobs"
  fi
fi
mkdir -p "$OUT/logs"
self=$(realpath "$0")
echo "parallel-shards: $shards shards of $config, $jobs at a time, with $runner, into $OUT"
case "$runner" in
parallel)
  read -ra pargs <<<"${PARALLEL_ARGS:-}"
  seq 0 $((shards - 1)) |
    parallel --will-cite --halt soon,fail=1 -j "$jobs" "${pargs[@]}" \
      "$self" --one-shard "$config" "$shards" {}
  ;;
xargs)
  [ -z "${PARALLEL_ARGS:-}" ] || fail "PARALLEL_ARGS is for GNU parallel; xargs takes none"
  seq 0 $((shards - 1)) | xargs -P "$jobs" -I{} "$self" --one-shard "$config" "$shards" {}
  ;;
*) fail "RUNNER: '$runner' is not parallel or xargs" ;;
esac
"$WSBENCH" merge "$OUT"/shards/*-of-"$shards" --out "$OUT/merged"

#!/usr/bin/env bash
# Reproduce every figure and table: run each shipped experiment config, the Python
# baseline on the very same number list, then the reports.
#
#   scripts/reproduce.sh            # full run (tens of minutes on 2 cores)
#   scripts/reproduce.sh --quick    # smoke test in a few minutes (fewer tasks and repetitions)
#   OUT=somewhere scripts/reproduce.sh   # where result folders go (default: wsbench-results/reproduced,
#                                        # ignored by git; committed results get an explicit OUT=results/...)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=""
case "${1:-}" in
  --quick) quick="--quick" ;;
  "") ;;
  *) echo "usage: scripts/reproduce.sh [--quick]" >&2; exit 2 ;;
esac
out="${OUT:-wsbench-results/reproduced}"
mkdir -p "$out"

cargo build --release --bin wsbench
wsbench=target/release/wsbench
# libgomp's threads otherwise spin after each OpenMP run and slow the next, interleaved
# run of another strategy (baselines/README.md, Limits); a value the caller set is kept.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"

configs=(default seed-threads-vs-processes seed-factorial-crossover affinity overhead latency-overhead
         baselines forkjoin trace-overhead sleep-oversubscribed)
for c in "${configs[@]}"; do
  echo "== wsbench run $c"
  if [ "$c" = default ]; then
    "$wsbench" run $quick --out "$out/$c"
  else
    "$wsbench" run "experiments/configs/$c.toml" $quick --out "$out/$c"
  fi
done

# The seed posts' own Python programs on the very numbers of the first seed experiment
# (its shuffled workload), appended to that experiment's runs.csv so the report draws
# them in the same tables and figures.
if command -v python3 >/dev/null 2>&1; then
  echo "== python baseline"
  reps=5; count=2000
  [ -n "$quick" ] && reps=1 && count=200   # --quick divides task counts by 10
  "$wsbench" workload generate --kind uniform --bits 40 --count "$count" --seed 2012 \
    --heavy-fraction 0.05 --order shuffled > "$out/seed-threads-vs-processes/numbers.txt"
  # Unpinned (placement none, like the Rust cells of this experiment), then pinned where
  # the posts' programs allow it (placement pinned); python_baseline.json keeps both.
  for pin in "" --pin; do
    python3 scripts/python_baseline.py "$out/seed-threads-vs-processes/numbers.txt" \
      --out "$out/seed-threads-vs-processes/runs.csv" --workload uniform40-shuffled \
      --workers 2,4,8 --repetitions "$reps" $pin --check-with "$wsbench"
  done
else
  echo "python3 not found: skipping the Python baseline" >&2
fi

for c in "${configs[@]}"; do
  echo "== wsbench report $c"
  "$wsbench" report "$out/$c"
done
echo "reports: $out/*/report/report.md"

#!/usr/bin/env bash
# The scaling experiments, for a machine with more CPUs than the 2-core development VM:
# the shipped experiments at worker counts up to every allowed CPU, the Python baseline at
# the same process counts, and the scheduler's targets (`wsbench targets`) at several p.
#
#   scripts/scaling.sh                         # everything, into results/scaling/<N>cpu-<host>/
#   scripts/scaling.sh default,targets         # only these steps
#   OUT=dir WSBENCH=bin/wsbench scripts/scaling.sh
#                                              # a prebuilt binary, for a machine without cargo
#   REPS=11 scripts/scaling.sh default         # more repetitions than the configs' (tighter
#                                              # medians on a noisy machine: `--repetitions`)
#
# Steps: topology default seed-threads-vs-processes seed-factorial-crossover affinity
#        overhead latency-overhead python targets report
# STEP_TIMEOUT (seconds, default none) stops a step after that long with SIGTERM: wsbench
# finishes the run in hand, marks the folder `interrupted`, and keeps every row measured.
# Finish it later with `wsbench run CONFIG --workers ... --resume DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

all_steps="topology default seed-threads-vs-processes seed-factorial-crossover affinity overhead latency-overhead python targets report"
steps="${1:-$all_steps}"
steps=" ${steps//,/ } "
for s in $steps; do
  case " $all_steps " in *" $s "*) ;; *) echo "scaling.sh: unknown step \`$s\`; steps: $all_steps" >&2; exit 2 ;; esac
done
want() { [[ "$steps" == *" $1 "* ]]; }

if [ -z "${WSBENCH:-}" ]; then
  cargo build --release --bin wsbench
  WSBENCH=target/release/wsbench
fi
n=$(nproc) # the CPUs this process may use (its affinity mask), as `workers = "all"` counts them
out="${OUT:-results/scaling/${n}cpu-$(hostname -s)}"
mkdir -p "$out"
echo "scaling: $n allowed CPUs, results in $out"

# Worker counts: powers of two below N, and N (the shipped "all" is every count 1..=N).
pow2=""; for ((w = 1; w < n; w *= 2)); do pow2+="$w,"; done; pow2+="$n"
stop() { if [ -n "${STEP_TIMEOUT:-}" ]; then timeout -s TERM "$STEP_TIMEOUT" "$@"; else "$@"; fi; }

run() { # run CONFIG WORKERS: one shipped experiment into $out/CONFIG
  local c="$1" workers="$2" cfg=()
  [ "$c" = default ] || cfg=("experiments/configs/$c.toml")
  echo "== wsbench run $c --workers $workers"
  local status=0
  local reps=()
  [ -z "${REPS:-}" ] || reps=(--repetitions "$REPS")
  stop "$WSBENCH" run "${cfg[@]}" --workers "$workers" "${reps[@]}" --out "$out/$c" || status=$?
  [ "$status" = 0 ] || echo "   $c ended with status $status (see $out/$c/meta.json)" >&2
}

if want topology; then
  "$WSBENCH" topology >"$out/topology.txt"
  "$WSBENCH" topology --format json >"$out/topology.json"
  scripts/snapshot-sysfs.sh "$out/sysfs" >/dev/null
  tar czf "$out/sysfs.tar.gz" -C "$out" sysfs && rm -rf "$out/sysfs"
fi
want default && run default all
# The post's splits (2/4/8), the whole machine, and twice the machine (oversubscribed).
want seed-threads-vs-processes && run seed-threads-vs-processes "2,4,8,$n,$((2 * n))"
want seed-factorial-crossover && run seed-factorial-crossover "$pow2"
want affinity && run affinity "$pow2"
want overhead && run overhead "$pow2"
want latency-overhead && run latency-overhead "1,$n"

if want python; then
  if command -v python3 >/dev/null 2>&1 && [ -d "$out/seed-threads-vs-processes" ]; then
    echo "== python baseline (workers 2,4,8,$n)"
    "$WSBENCH" workload generate --kind uniform --bits 40 --count 2000 --seed 2012 \
      --heavy-fraction 0.05 --order shuffled >"$out/seed-threads-vs-processes/numbers.txt"
    for pin in "" --pin; do
      stop python3 scripts/python_baseline.py "$out/seed-threads-vs-processes/numbers.txt" \
        --out "$out/seed-threads-vs-processes/runs.csv" --workload uniform40-shuffled \
        --workers "2,4,8,$n" --repetitions 5 $pin --check-with "$WSBENCH" || true
    done
  else
    echo "python baseline skipped (no python3, or no seed-threads-vs-processes results)" >&2
  fi
fi

if want targets; then
  mkdir -p "$out/targets"
  for p in $(echo "2,4,8,$n" | tr , '\n' | sort -nu); do
    [ "$p" -le "$n" ] || continue
    echo "== wsbench targets --workers $p"
    stop "$WSBENCH" targets --workers "$p" >"$out/targets/p$p.md" || true
  done
  python3 - "$out/targets/meta.json" "$n" "$WSBENCH" <<'EOF' || true
import json, platform, subprocess, sys, datetime
def sh(*a):
    try: return subprocess.run(a, capture_output=True, text=True).stdout.strip()
    except OSError: return None
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), None)
json.dump({
    "what": "wsbench targets --workers P, one file per P (pP.md)",
    "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    "allowed_cpus": int(sys.argv[2]), "cpu_model": model, "kernel": platform.release(),
    "hostname": platform.node(),
    "binary": sys.argv[3],
    "checkout_git_commit": sh("git", "rev-parse", "HEAD"),
    "checkout_git_dirty": bool(sh("git", "status", "--porcelain")),
}, open(sys.argv[1], "w"), indent=2)
EOF
fi

if want report; then
  for d in "$out"/*/; do
    [ -f "$d/meta.json" ] && [ -f "$d/runs.csv" ] || continue
    echo "== wsbench report $d"
    "$WSBENCH" report "$d" || echo "   report of $d failed" >&2
  done
fi
echo "scaling results: $out"

#!/bin/bash
# Writes results/slurm/local-run.txt: what scripts/slurm-array.sbatch does on a real (one-node)
# Slurm, as root on a machine with Debian's slurm-wlm and munge (scripts/slurm-local.sh
# installs them when missing). Three parts, each with a fresh Slurm from slurm-local.sh:
#   1. the Slurm test (a 3-task array + merge, compared with an unsharded run);
#   2. a failed array task: Slurm cancels the merge job, the submission exits 1;
#   3. a requeued array task (scontrol requeue while it runs): SIGTERM stops wsbench after
#      its current run, the task starts again and finishes the shard with --resume.
# About 4 minutes on 2 CPUs, most of it part 3 (full repetitions so that the requeue lands
# mid-shard, and Slurm's hold on a requeued job). Timings in it mean nothing.
#
#   scripts/slurm-transcript.sh [OUTPUT]   # default results/slurm/local-run.txt
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/slurm/local-run.txt}
[ "$(id -u)" = 0 ] || {
  echo "slurm-transcript: needs root (a local Slurm)" >&2
  exit 2
}
cargo build --release -p wsbench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"
# The Slurm test's sweep: the default experiment cut to 14 cells.
sed -e 's/^strategies = .*/strategies = ["serial", "static", "dynamic:16", "work-stealing:1"]/' \
  -e 's/^workers = .*/workers = [1, 2]/' experiments/configs/default.toml >"$work/tiny.toml"
wsbench=$PWD/target/release/wsbench

header() {
  local dirty=""
  [ -z "$(git status --porcelain --untracked-files=no -- . ":(exclude)$out")" ] || dirty=" (with uncommitted changes)"
  echo "# scripts/slurm-array.sbatch on a one-node Slurm started by scripts/slurm-local.sh"
  echo "# made by: scripts/slurm-transcript.sh"
  echo "# date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit:  $(git rev-parse --short HEAD)$dirty"
  # shellcheck source=/dev/null
  echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $(free -g | awk '/Mem:/{print $2}') GiB," \
    "$(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r), PID 1: $(cat /proc/1/comm)"
  echo "# slurm:   $(dpkg-query -W -f='slurm-wlm ${Version}' slurm-wlm 2>/dev/null || sinfo -V)," \
    "$(dpkg-query -W -f='munge ${Version}' munge 2>/dev/null || munged -V)"
  echo "# The sweep: experiments/configs/default.toml cut to strategies serial, static, dynamic:16,"
  echo "# work-stealing:1 at workers 1,2 (14 cells). Timings in the logs mean nothing (a shared machine)."
}

part1() {
  echo
  echo "# ---- 1. SLURM_TEST=1 cargo test --release -p wsbench --test slurm -- --nocapture"
  SLURM_TEST=1 cargo test --release -p wsbench --test slurm -- --nocapture 2>&1 |
    grep -v '^ *\(Compiling\|Finished\|Running\)'
}

part2() {
  # wsbench, except that shard 1/2 fails.
  cat >"$work/flaky-wsbench" <<EOF
#!/bin/bash
case " \$* " in *" 1/2 "*) echo "flaky-wsbench: shard 1/2 fails on purpose" >&2; exit 1;; esac
exec $wsbench "\$@"
EOF
  chmod +x "$work/flaky-wsbench"
  echo
  echo "# ---- 2. a failed array task: Slurm cancels the merge job (afterok, --kill-on-invalid-dep=yes)"
  echo "# WSBENCH=flaky-wsbench (the same binary, but exits 1 when its arguments hold '1/2') WSBENCH_RUN_ARGS=--quick WAIT=1 \\"
  echo "#   scripts/slurm-local.sh exec scripts/slurm-array.sbatch tiny.toml 2"
  local rc=0
  OUT=$work/fail WSBENCH=$work/flaky-wsbench WSBENCH_RUN_ARGS=--quick WAIT=1 \
    scripts/slurm-local.sh exec scripts/slurm-array.sbatch "$work/tiny.toml" 2 2>&1 || rc=$?
  echo "exit status: $rc"
  for l in "$work"/fail/logs/*; do
    echo "-- logs/$(basename "$l")"
    cat "$l"
  done | grep -v '^|\|^$\|placement spread' || true
  echo "-- merged/ exists: $([ -e "$work/fail/merged" ] && echo yes || echo no)"
}

part3() {
  cat >"$work/requeue.sh" <<'EOF'
set -euo pipefail
scripts/slurm-array.sbatch "$CONFIG" 2
# Once array task 0 has written 5 rows, requeue it: Slurm sends SIGTERM and starts it again.
n=0
for _ in $(seq 120); do
  [ -f "$OUT/shards/0-of-2/runs.csv" ] && n=$(($(wc -l <"$OUT/shards/0-of-2/runs.csv") - 1))
  [ "$n" -ge 5 ] && break
  sleep 0.5
done
echo "== $(date -u +%H:%M:%S) array task 0 has $n rows: scontrol requeue 1_0"
scontrol requeue 1_0
sleep 2
squeue -o "%.8i %.22j %.10T %r"
for _ in $(seq 600); do
  s=$(scontrol show job -o 2 | grep -o 'JobState=[A-Z]*' | cut -d= -f2 || true)
  case $s in COMPLETED | CANCELLED | FAILED) break ;; esac
  sleep 1
done
echo "== $(date -u +%H:%M:%S) merge job: $s"
squeue -t all -o "%.8i %.22j %.10T %.8M"
scontrol show job -o 1_0 | grep -o 'JobState=[^ ]*\|Restarts=[0-9]*' | tr '\n' ' '
echo
EOF
  echo
  echo "# ---- 3. a requeued array task finishes its shard with --resume"
  echo "# scripts/slurm-local.sh exec: slurm-array.sbatch tiny.toml 2 (full repetitions), scontrol requeue 1_0 once it has 5 rows"
  OUT=$work/rq WSBENCH=$wsbench CONFIG=$work/tiny.toml \
    scripts/slurm-local.sh exec bash "$work/requeue.sh" 2>&1
  for l in "$work"/rq/logs/*; do
    echo "-- logs/$(basename "$l")"
    cat "$l"
  done | grep -v '^|\|^$\|placement spread' || true
  python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print("shard 0 meta.json: status", m["status"], "| started", m["started"])
for c in m["command_lines"]: print("  command line:", " ".join(c[1:]))' "$work/rq/shards/0-of-2/meta.json"
}

{
  header
  part1
  part2
  part3
} >"$out"
echo "wrote $out"

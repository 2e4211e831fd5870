#!/bin/bash
# A single-node Slurm on this machine, to run scripts/slurm-array.sbatch without a cluster:
# Debian's slurm-wlm and munge (installed with apt-get when missing; needs root), one
# munged, one slurmctld and one slurmd on localhost, every file under one folder. No
# systemd needed: the daemons are started directly and stopped by their process ids.
#
#   scripts/slurm-local.sh exec COMMAND [ARGS...]  # start in a temporary folder, run COMMAND
#                                                  # with SLURM_CONF set, stop (also on error or Ctrl-C)
#   scripts/slurm-local.sh start DIR               # start with every file in DIR (new or empty) and
#                                                  # leave it running; then: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-local.sh stop DIR                # stop what `start DIR` started
#
# Variables:
#   SLURM_LOCAL_PORT=6817       slurmctld's port; slurmd listens on the next one
#   SLURM_LOCAL_NO_INSTALL=1    fail (exit 3) instead of installing missing packages
#   SLURM_LOCAL_TIMEOUT=60      seconds to wait for the node to show as idle
#
# Exit codes: 2 usage, 3 Slurm cannot be installed or started here (the log lines that say
# why are printed), otherwise COMMAND's.
#
# The configuration is the smallest that runs in a container: no cgroups
# (proctrack/linuxproc, task/none), no accounting database (sacct has nothing to show;
# finished jobs are in DIR/log/jobcomp.txt and in `scontrol show job` for 5 minutes).
set -euo pipefail

usage() {
  sed -n '7,12p' "$0" >&2
  exit 2
}

die() {
  echo "slurm-local: $*" >&2
  exit 3
}

# Installs slurm-wlm and munge with apt-get when a daemon or client is missing.
install_if_missing() {
  local missing=()
  for c in munged slurmctld slurmd sbatch sinfo; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "${SLURM_LOCAL_NO_INSTALL:-}" = 1 ] && die "not installed: ${missing[*]} (SLURM_LOCAL_NO_INSTALL=1)"
  [ "$(id -u)" = 0 ] || die "not installed: ${missing[*]}; installing needs root (apt-get install slurm-wlm munge)"
  echo "slurm-local: installing slurm-wlm and munge (missing: ${missing[*]})" >&2
  # policy-rc.d in containers stops the packages' services from starting; we start ours.
  DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge >&2 ||
    die "apt-get install -y slurm-wlm munge failed (no package registry reachable?)"
}

# Writes DIR/slurm.conf for one node named localhost with this machine's CPUs and memory.
write_config() {
  local dir=$1 port=$2 hw
  # `slurmd -C` prints the node line as slurmd will detect it; a larger count in the
  # config would drain the node.
  hw=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')
  [ -n "$hw" ] || hw="CPUs=$(nproc)"
  cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh: a single-node Slurm for testing.
ClusterName=wsbench-local
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

# Starts DAEMON ARGS in the background, in its own session, and records its pid.
spawn() {
  local dir=$1 name=$2
  shift 2
  setsid "$@" >"$dir/log/$name.out" 2>&1 </dev/null &
  echo "$name $!" >>"$dir/run/pids"
}

# Prints the last log lines of every daemon, then fails.
startup_failed() {
  local dir=$1
  shift
  echo "slurm-local: $*" >&2
  for f in "$dir"/log/*; do
    [ -f "$f" ] || continue
    echo "--- $f (last 20 lines)" >&2
    tail -n 20 "$f" >&2
  done
  stop "$dir"
  exit 3
}

# Starts munged, slurmctld and slurmd with every file under DIR; waits for the node to be idle.
start() {
  local dir=$1 port=${SLURM_LOCAL_PORT:-6817} timeout=${SLURM_LOCAL_TIMEOUT:-60}
  [ "$(id -u)" = 0 ] || die "a local Slurm needs root (its daemons run as root here)"
  install_if_missing
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty; name a new or empty folder"
  dir=$(cd "$dir" && pwd)
  # munged refuses a key or socket folder that others can write to.
  chmod 700 "$dir"
  mkdir -p "$dir"/{munge,state,spool,run,log}
  write_config "$dir" "$port"
  export SLURM_CONF=$dir/slurm.conf

  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  spawn "$dir" munged munged --foreground --force --key-file="$dir/munge/munge.key" \
    --socket="$dir/munge/munge.socket" --pid-file="$dir/run/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
  for _ in $(seq 50); do
    [ -S "$dir/munge/munge.socket" ] && break
    sleep 0.1
  done
  [ -S "$dir/munge/munge.socket" ] || startup_failed "$dir" "munged did not open its socket"

  spawn "$dir" slurmctld slurmctld -D -f "$SLURM_CONF"
  spawn "$dir" slurmd slurmd -D -N localhost -f "$SLURM_CONF"
  local state="" waited=0
  while [ "$waited" -lt "$timeout" ]; do
    state=$(sinfo -h -N -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    while read -r name pid; do
      kill -0 "$pid" 2>/dev/null || startup_failed "$dir" "$name exited during startup"
    done <"$dir/run/pids"
    sleep 1
    waited=$((waited + 1))
  done
  [ "$state" = idle ] || startup_failed "$dir" "the node is not idle after ${timeout}s (state: '${state:-no answer}')"
  echo "slurm-local: Slurm $(sinfo -V | cut -d' ' -f2) running in $dir (SLURM_CONF=$SLURM_CONF)" >&2
  sinfo >&2
}

# Stops every daemon `start DIR` started (by pid: SIGTERM, then SIGKILL after 10 s).
stop() {
  local dir=$1 name pid
  [ -f "$dir/run/pids" ] || return 0
  # slurmd and slurmctld first, munged last (they talk to it while shutting down).
  tac "$dir/run/pids" | while read -r name pid; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    true
  done
  rm -f "$dir/run/pids"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
start)
  [ $# -eq 1 ] || usage
  start "$1"
  echo "export SLURM_CONF=$(cd "$1" && pwd)/slurm.conf"
  ;;
stop)
  [ $# -eq 1 ] || usage
  stop "$1"
  ;;
exec)
  [ $# -ge 1 ] || usage
  dir=$(mktemp -d "${TMPDIR:-/tmp}/slurm-local.XXXXXX")
  trap 'stop "$dir"; rm -rf "$dir"' EXIT
  trap 'exit 130' INT TERM
  start "$dir"
  SLURM_LOCAL_DIR=$dir "$@"
  ;;
*) usage ;;
esac

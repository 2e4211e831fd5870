#!/usr/bin/env bash
# Copy the sysfs and procfs files that wsbench's topology detection reads into DEST, as a
# fixture tree (`Topology::from_root(DEST)` reads it as if it were `/`):
#
#   scripts/snapshot-sysfs.sh DEST
#
# Files are copied with `cat`, not tar: sysfs reports every file as 4096 bytes long, and
# tar pads the short real contents with zeros. Only what detection reads is copied.
set -euo pipefail
dest="${1:?usage: scripts/snapshot-sysfs.sh DEST}"
mkdir -p "$dest"

copy() { # copy one file, keeping its path below /
  local f="$1"
  [ -r "$f" ] || return 0
  mkdir -p "$dest$(dirname "$f")"
  cat "$f" >"$dest$f" 2>/dev/null || rm -f "$dest$f"
}

cpu=/sys/devices/system/cpu
for f in online possible present; do copy "$cpu/$f"; done
for d in "$cpu"/cpu[0-9]*; do
  copy "$d/online"
  for f in "$d"/topology/*; do copy "$f"; done
  for c in "$d"/cache/index*; do
    for f in level type shared_cpu_list shared_cpu_map; do copy "$c/$f"; done
  done
done
for n in /sys/devices/system/node/node[0-9]*; do
  [ -d "$n" ] || continue
  copy "$n/cpulist"
  copy "$n/cpumap"
done
copy /sys/devices/system/node/online
copy /proc/cpuinfo
echo "sysfs snapshot: $dest ($(find "$dest" -type f | wc -l) files)"

#!/usr/bin/env python3
"""Nanoseconds per node (or per task) of each cell of a results folder, as a Markdown table.

For recursive workloads (tree-sum, fib, nqueens, uts) `size` in runs.csv is the node
count, so median makespan / size is the ns per node (and per join) that the spice/chili
tree-sum table quotes; for a loop workload it is ns per task. Reads runs.csv by column
name; rows whose checksum failed are left out. Stdlib only.

Usage: python3 scripts/per_node.py RESULTS_DIR [--workload PREFIX]
"""

import argparse
import csv
import os
import statistics
from collections import defaultdict


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--workload", default="", help="only workloads starting with this")
    a = ap.parse_args()
    cells = defaultdict(list)
    sizes = {}
    strategies = []
    with open(os.path.join(a.dir, "runs.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r.get("checksum_ok") == "false" or not r["workload"].startswith(a.workload):
                continue
            size = int(r["size"] or 0)
            if size <= 0:
                continue
            sizes[r["workload"]] = size
            cells[(r["workload"], int(r["workers"]), r["strategy"])].append(
                int(r["makespan_ns"]) / size
            )
            if r["strategy"] not in strategies:
                strategies.append(r["strategy"])
    rows = sorted({(w, p) for (w, p, _) in cells})
    print("| workload | nodes/tasks | workers | " + " | ".join(strategies) + " |")
    print("|---|---:|---:|" + "---:|" * len(strategies))
    for w, p in rows:
        vals = []
        for s in strategies:
            xs = cells.get((w, p, s)) or (cells.get((w, 1, s)) if s == "serial" else None)
            vals.append(f"{statistics.median(xs):.1f}" if xs else "–")
        print(f"| {w} | {sizes[w]:,} | {p} | " + " | ".join(vals) + " |")
    print("\nns per node (recursive) or per task (loops): median makespan ÷ size over the"
          " counted repetitions; serial is its 1-worker cell on every line.")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Paired makespan ratios of two workloads of one results folder (a config's `pairs`).

    scripts/pair_ratio.py RESULTS_DIR A B [A2 B2 ...]

For every cell (strategy, workers, placement) run with both workloads A and B, the
ratio A / B of the two runs of each repetition (they ran next to each other, ABBA), the
median of those per cell, and the median over cells with the count of cells above 1.
Standard library only; reads runs.csv by column name.
"""
import csv
import statistics
import sys
from collections import defaultdict


def main(argv):
    if len(argv) < 4 or len(argv) % 2:
        sys.exit(__doc__)
    runs = defaultdict(dict)
    with open(f"{argv[1]}/runs.csv", newline="") as f:
        for r in csv.DictReader(f):
            cell = (r["strategy"], r["workers"], r["placement"])
            runs[(r["workload"], cell)][r["repetition"]] = float(r["makespan_ns"])
    per_cell = []
    for a, b in zip(argv[2::2], argv[3::2]):
        cells = sorted({c for (w, c) in runs if w == a} & {c for (w, c) in runs if w == b})
        for cell in cells:
            ra, rb = runs[(a, cell)], runs[(b, cell)]
            ratios = [ra[k] / rb[k] for k in sorted(ra.keys() & rb.keys()) if rb[k] > 0]
            if ratios:
                m = statistics.median(ratios)
                per_cell.append(m)
                print(f"{a} / {b}  {cell[0]:>16} w{cell[1]:>3} {cell[2]}: "
                      f"median {m:.4f} over {len(ratios)} rounds "
                      f"(min {min(ratios):.4f}, max {max(ratios):.4f})")
    if not per_cell:
        sys.exit("no cell ran with both workloads")
    above = sum(1 for m in per_cell if m > 1)
    print(f"median over {len(per_cell)} cells: {statistics.median(per_cell):.4f} "
          f"({above} cells above 1)")


if __name__ == "__main__":
    main(sys.argv)

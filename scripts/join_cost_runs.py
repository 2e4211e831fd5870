#!/usr/bin/env python3
"""Runs the `join_cost` example in N separate processes and summarises them.

One process of `join_cost` interleaves serial, our pool, rayon and chili and
prints medians of 11 rounds; from process to process on a shared VM the whole
table moves by up to 1.5x (the host's load changes), so one table is not a
measurement. This runs N processes one after another and prints, per cell, the
median over processes of each column and of the per-process ratio of our join
to chili's (with its min and max), which is what the fork-join issue's
"no slower than chili" target is judged on.

usage: scripts/join_cost_runs.py [--cpu CPU] N [join_cost arguments...]
       (build first: cargo build --release -p scheduler --example join_cost)
--cpu runs every process under `taskset -c CPU`: with one worker and
`--cpu-time`, all runtimes then share one CPU and only their own work counts.
"""
import statistics
import subprocess
import sys

BIN = "target/release/examples/join_cost"


def run_once(prefix, args):
    out = subprocess.run(prefix + [BIN] + args, capture_output=True, text=True, check=True).stdout
    header, rows = None, {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "depth":
            header = cells
        elif cells[0].isdigit():
            rows[(int(cells[0]), int(cells[1]))] = [float(c) for c in cells[2:]]
    return header, rows


def main():
    argv, prefix = sys.argv[1:], []
    if argv[0] == "--cpu":
        prefix, argv = ["taskset", "-c", argv[1]], argv[2:]
    n, args = int(argv[0]), argv[1:]
    runs, header = [], None
    for _ in range(n):
        header, rows = run_once(prefix, args)
        runs.append(rows)
    names = header[2:]
    ours, chili = names.index("wsbench Pool::join"), names.index("chili Scope::join")
    print(f"# {' '.join(prefix + [BIN] + args)}: {n} processes; each cell the median over processes of")
    print("# the process's median of 11 interleaved rounds (ns per node); last column the")
    print("# per-process ratio of our join to chili's: median (min-max)")
    print("| depth | workers | " + " | ".join(names) + " | ours / chili |")
    print("|---|---|" + "---|" * (len(names) + 1))
    for cell in sorted(runs[0]):
        values = [r[cell] for r in runs]
        medians = [statistics.median(v[k] for v in values) for k in range(len(names))]
        ratios = [v[ours] / v[chili] for v in values]
        print(
            f"| {cell[0]} | {cell[1]} | "
            + " | ".join(f"{m:.1f}" for m in medians)
            + f" | {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |"
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Optional: restyle wsbench's main figures with matplotlib, as PDF with Type 42 fonts.

`wsbench report` draws every figure (SVG) without this script; nothing depends on
it. It is a starting point for authors who want their paper's fonts, sizes or
colours: it reads the same results folder (runs.csv by column name) and writes

  makespan-<workload>.pdf   median makespan per strategy × workers, min–max whiskers
  speedup-<workload>.pdf    speedup over serial (median / median) vs workers, ideal dashed
  crossover-<sweep>-<pool-timed|pool-warm>.pdf   time vs size, serial and each strategy

Type 42 (TrueType) fonts are embedded, which many publishers require instead of
Type 3. Needs matplotlib (pip install matplotlib); everything else is stdlib.

Usage: python3 scripts/plot.py RESULTS_DIR [--out DIR] [--format pdf|png|svg]
"""

import argparse
import csv
import os
import re
import statistics
import sys
from collections import defaultdict


def load_runs(folder):
    path = os.path.join(folder, "runs.csv")
    if not os.path.isfile(path):
        sys.exit(f"plot.py: {folder}: not a results folder (runs.csv is missing)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows, 2):
        try:
            r["workers"] = int(r["workers"])
            r["makespan_ns"] = float(r["makespan_ns"])
        except (KeyError, ValueError) as e:
            sys.exit(f"plot.py: {path}:{i}: bad workers/makespan_ns ({e})")
    return [r for r in rows if r.get("checksum_ok", "true") != "false"]


def serial_of(strategy):
    return "py-serial" if strategy.startswith("py-") else "serial"


def is_serial(strategy):
    return strategy in ("serial", "py-serial")


def slug(s):
    return re.sub(r"[^A-Za-z0-9._-]", "_", s)


def cells(rows):
    """(workload, strategy, workers, placement, pool_in_timing) -> makespans."""
    out = defaultdict(list)
    for r in rows:
        key = (r["workload"], r["strategy"], r["workers"], r["placement"], r.get("pool_in_timing", ""))
        out[key].append(r["makespan_ns"])
    return out


def unit(ns):
    for name, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return name, scale
    return "ns", 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--out", help="output folder (default FOLDER/report/plots)")
    ap.add_argument("--format", default="pdf", choices=["pdf", "png", "svg"])
    args = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot.py: needs matplotlib (pip install matplotlib); `wsbench report` needs nothing")
    matplotlib.rcParams.update({
        "pdf.fonttype": 42, "ps.fonttype": 42,  # TrueType, not Type 3
        "font.size": 8, "axes.labelsize": 8, "legend.fontsize": 7,
        "figure.figsize": (3.3, 2.4), "figure.dpi": 150, "savefig.bbox": "tight",
    })
    rows = load_runs(args.folder)
    out = args.out or os.path.join(args.folder, "report", "plots")
    os.makedirs(out, exist_ok=True)
    by_cell = cells(rows)
    med = {k: statistics.median(v) for k, v in by_cell.items()}
    sweep_of = {r["workload"]: r.get("sweep", "") for r in rows}
    size_of = {r["workload"]: int(r["size"]) for r in rows if r.get("size", "").isdigit()}
    written = []

    workloads = [w for w in dict.fromkeys(r["workload"] for r in rows) if not sweep_of.get(w)]
    for w in workloads:
        keys = sorted((k for k in by_cell if k[0] == w), key=lambda k: (k[2], k[1], k[3]))
        u, scale = unit(max(max(by_cell[k]) for k in keys))
        fig, ax = plt.subplots(figsize=(3.3, 0.25 * len(keys) + 0.8))
        ys = range(len(keys))[::-1]
        meds = [med[k] / scale for k in keys]
        lo = [med[k] / scale - min(by_cell[k]) / scale for k in keys]
        hi = [max(by_cell[k]) / scale - med[k] / scale for k in keys]
        ax.barh(list(ys), meds, xerr=[lo, hi], capsize=2, color="C0", alpha=0.8)
        ax.set_yticks(list(ys), [f"w{k[2]} {k[1]}" for k in keys])
        ax.set_xlabel(f"makespan ({u}); whiskers: min–max")
        ax.set_title(w)
        name = os.path.join(out, f"makespan-{slug(w)}.{args.format}")
        fig.savefig(name)
        plt.close(fig)
        written.append(name)

        fig, ax = plt.subplots()
        series = defaultdict(list)
        for k in keys:
            if is_serial(k[1]):
                continue
            base = [v for kk, v in med.items() if kk[0] == w and kk[1] == serial_of(k[1])]
            if base:
                series[(k[1], k[3])].append((k[2], min(base) / med[k]))
        if not series:
            plt.close(fig)
            continue
        maxw = max(p[0] for s in series.values() for p in s)
        ax.plot([1, maxw], [1, maxw], "k--", lw=0.8, label="ideal")
        for (strategy, placement), pts in series.items():
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=strategy)
        ax.set_xlabel("workers")
        ax.set_ylabel("speedup over serial (×)")
        ax.set_title(w)
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
        name = os.path.join(out, f"speedup-{slug(w)}.{args.format}")
        fig.savefig(name)
        plt.close(fig)
        written.append(name)

    sweeps = defaultdict(list)
    for k in by_cell:
        if sweep_of.get(k[0]) and k[0] in size_of:
            sweeps[sweep_of[k[0]]].append(k)
    for sweep, keys in sweeps.items():
        for timed in sorted({k[4] for k in keys if not is_serial(k[1])}):
            fig, ax = plt.subplots()
            lines = defaultdict(dict)
            for k in keys:
                if is_serial(k[1]) or k[4] == timed:
                    lines[k[1]][size_of[k[0]]] = min(med[k], lines[k[1]].get(size_of[k[0]], float("inf")))
            u, scale = unit(max(v for l in lines.values() for v in l.values()))
            for strategy, pts in sorted(lines.items(), key=lambda x: not is_serial(x[0])):
                xs = sorted(pts)
                ax.plot(xs, [pts[x] / scale for x in xs], marker="o", ms=3,
                        color="k" if is_serial(strategy) else None, label=strategy)
            sizes = sorted({size_of[k[0]] for k in keys})
            if sizes[-1] / max(sizes[0], 1) > 20:
                ax.set_xscale("log")
                ax.set_yscale("log")
            ax.set_xlabel("problem size (tasks)")
            ax.set_ylabel(f"makespan ({u})")
            ax.set_title(f"{sweep} ({'pool creation timed' if timed == 'true' else 'warm pool'})")
            ax.legend(frameon=False)
            name = os.path.join(out, f"crossover-{slug(sweep)}-{'pool-timed' if timed == 'true' else 'pool-warm'}.{args.format}")
            fig.savefig(name)
            plt.close(fig)
            written.append(name)
    for n in written:
        print(n)


if __name__ == "__main__":
    main()

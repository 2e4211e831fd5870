#!/usr/bin/env python3
"""Writes the synthetic results folder `fixture/` that the report tests read.

Synthetic, deterministic numbers (random.Random(2012)) shaped like a real run:
static chunking is imbalanced on the heavy-last order, balancing strategies are
near the lower bound, and a factorial sweep has a crossover. It follows the
results schema exactly (schema/src/rows.rs: column order, extra columns). It is NOT a result:
meta.json says so. Run: python3 make_fixture.py (rewrites fixture/).
"""
import json, math, os, random, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixture")
rng = random.Random(2012)
RUNS_HEAD = ("workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,speedup,"
             "lb_ratio,steals,migrations,checksum_ok,failed_steals,parks,busy_ns,idle_ns,tasks,size,"
             "pool_in_timing,latency,checksum,task_sum_ns,task_max_ns,sweep")
LAT_HEAD = "workload,strategy,workers,placement,repetition,metric,percentile,value_ns"
WRK_HEAD = "workload,strategy,workers,placement,repetition,worker,cpu,busy_ns,idle_ns,tasks,steals,parks"
PCTS = [50, 90, 99, 99.9, 99.99, 100]
REPS = 5


def stem(w, s, n, p):
    raw = f"{w}__{s}__w{n}__{p}"
    return "".join("-" if c == ":" else c if (c.isalnum() or c in "._-") else "_" for c in raw)


def quantiles(samples, q):
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))]


def hgrm(samples_ns):
    """HdrHistogram percentile text in microseconds, as the runner writes it."""
    s = sorted(x / 1000 for x in samples_ns)
    lines = ["       Value     Percentile TotalCount 1/(1-Percentile)", ""]
    k = 0
    while True:
        q = 1 - 0.5 ** (k / 5)
        if q >= 1 - 1 / len(s):
            break
        idx = min(len(s) - 1, int(q * len(s)))
        inv = 1 / (1 - q)
        lines.append(f"{s[idx]:12.3f} {q:14.12f} {idx + 1:10d} {inv:14.2f}")
        k += 1
    lines.append(f"{s[-1]:12.3f} {1.0:14.12f} {len(s):10d}")
    mean = sum(s) / len(s)
    sd = math.sqrt(sum((x - mean) ** 2 for x in s) / len(s))
    lines.append(f"#[Mean    = {mean:12.3f}, StdDeviation   = {sd:12.3f}]")
    lines.append(f"#[Max     = {s[-1]:12.3f}, Total count    = {len(s):12d}]")
    lines.append("#[Buckets =           22, SubBuckets     =         2048]")
    return "\n".join(lines) + "\n"


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "hgrm"))
    runs, lat, latc, wrk = [RUNS_HEAD], [LAT_HEAD], [LAT_HEAD], [WRK_HEAD]
    # Uneven factorization: two orders, workers 1..2 (and 4 to show a curve).
    for wl, heavy_last in [("clustered-shuffled", False), ("clustered-heavy-last", True)]:
        size = 2000
        serial_ns = 400e6
        round_serial = {}
        task_max = 40e6
        for strategy, workers in [("serial", 1)] + [(s, w) for w in (2, 4) for s in
                                                    ("static", "dynamic:1", "work-stealing:1", "adaptive", "rayon")]:
            lb = max(serial_ns / workers, task_max)
            if strategy == "serial":
                eff = 1.0
            elif strategy == "static":
                eff = (1.9 if heavy_last else 1.15) if workers == 2 else (2.8 if heavy_last else 1.3)
            else:
                eff = {"dynamic:1": 1.04, "work-stealing:1": 1.03, "adaptive": 1.02, "rayon": 1.05}[strategy]
            all_resp = []
            for rep in range(REPS):
                m = (serial_ns if strategy == "serial" else lb * eff) * (1 + rng.uniform(0, 0.04))
                if strategy == "serial":
                    round_serial[rep] = m  # like the runner: serial_ns = the same round's serial
                s_ns = round_serial[rep]
                steals = 0 if strategy in ("serial", "static") else rng.randint(20, 60) * workers
                runs.append(f"{wl},{strategy},{workers},spread,{rep},{m:.0f},{lb:.0f},{s_ns:.0f},"
                            f"{s_ns / m:.4f},{m / lb:.4f},{steals},0,true,{steals // 3},{workers},"
                            f"{m * workers * 0.97:.0f},{m * workers * 0.03:.0f},{size},{size},false,true,"
                            f"1234567,,,")
                # per-worker busy/idle
                if strategy == "static":
                    shares = [1.0] + [1 / eff + rng.uniform(-0.05, 0.05) for _ in range(workers - 1)]
                    if heavy_last:
                        shares.reverse()
                else:
                    shares = [1 / eff + rng.uniform(-0.01, 0.01) for _ in range(workers)]
                if strategy == "serial":
                    wrk.append(f"{wl},serial,1,spread,{rep},0,0,,,{size},,")
                    shares = []
                for wi in range(len(shares)):
                    busy = m * min(1.0, shares[wi])
                    wrk.append(f"{wl},{strategy},{workers},spread,{rep},{wi},{wi % 2},{busy:.0f},{m - busy:.0f},"
                               f"{size // workers},{steals // workers},{1}")
                resp = [m * (i + rng.random()) / 300 for i in range(300)]
                all_resp += resp
                for metric in ("wait", "service", "response"):
                    for p in PCTS:
                        v = quantiles(resp, p / 100) * (0.5 if metric != "response" else 1)
                        lat.append(f"{wl},{strategy},{workers},spread,{rep},{metric},{p},{v:.0f}")
            for metric in ("wait", "service", "response"):
                samples = [x * (0.5 if metric != "response" else 1) for x in all_resp]
                for p in PCTS:
                    latc.append(f"{wl},{strategy},{workers},spread,all,{metric},{p},{quantiles(samples, p / 100):.0f}")
                with open(os.path.join(OUT, "hgrm", stem(wl, strategy, workers, "spread") + f".{metric}.hgrm"), "w") as f:
                    f.write(hgrm(samples))
    # Factorial sweep: pool creation timed (cold) and not (warm); crossover near 1100 cold.
    for kind, timed, startup in [("cold", "true", 30e6), ("warm", "false", 0.3e6)]:
        for n in range(200, 2001, 300):
            wl = f"factorial-{kind}-n{n}"
            serial_ns = 25.0 * n * n
            round_serial = {}
            for strategy, workers in [("serial", 1), ("static", 2), ("adaptive", 2)]:
                for rep in range(REPS):
                    if strategy == "serial":
                        m = serial_ns
                    else:
                        m = startup + serial_ns / (1.6 if strategy == "static" else 1.9)
                    m *= 1 + rng.uniform(0, 0.03)
                    if strategy == "serial":
                        round_serial[rep] = m
                    s_ns = round_serial[rep]
                    runs.append(f"{wl},{strategy},{workers},spread,{rep},{m:.0f},{serial_ns / workers:.0f},"
                                f"{s_ns:.0f},{s_ns / m:.4f},{m / (serial_ns / workers):.4f},0,0,true,"
                                f"0,0,0,0,{n},{n},{timed},false,99,,,factorial-{kind}")
    for name, rows in [("runs.csv", runs), ("latency.csv", lat), ("latency_cells.csv", latc), ("workers.csv", wrk)]:
        with open(os.path.join(OUT, name), "w") as f:
            f.write("\n".join(rows) + "\n")
    # Shaped like the runner's meta.json (experiments/src/run/meta.rs).
    meta = {
        "status": "complete",
        "note": "SYNTHETIC FIXTURE for wsbench report tests, not a measurement",
        "config": {"name": "report-fixture", "repetitions": REPS, "warmup": 1},
        "shard": {"index": 0, "count": 1},
        "merged_from": [],
        "command_lines": [["python3", "make_fixture.py"]],
        "wsbench_version": "0.1.0",
        "started": ["2026-11-22T18:00:00Z"],
        "ended": "2026-11-22T18:01:00Z",
        "runs_recorded": len(runs) - 1,
        "error": None,
        "machine": {
            "rustc": "rustc 1.95.0", "profile": "release",
            "git": {"commit": "0000000", "dirty": False},
            "hostname": "fixture-host", "cpu_model": "Fixture CPU @ 2.0GHz", "kernel": "6.1.0",
            "smt": "off", "governor": "unknown", "boost": "unknown",
            "placements": {"spread": {"1": [0], "2": [0, 1], "4": [0, 1, 0, 1]}},
        },
    }
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()

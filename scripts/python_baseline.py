#!/usr/bin/env python3
"""The seed posts' own Python systems, measured beside wsbench on the same numbers.

Runs the first post's naive factorizer over a number list (as written by
`wsbench workload generate ... > file`, one number a line) with

  py-serial     serial_factorizer: a loop in one process
  py-threads    threaded_factorizer: threading.Thread, static chunks of ceil(n/p)
  py-processes  mp_factorizer: multiprocessing.Process + Queue, static chunks
  py-pool       multiprocessing.Pool.map, default chunksize
  py-pool-1     multiprocessing.Pool.map, chunksize=1 (one task at a time: dynamic)

over a list of worker counts and repetitions, and appends one row per counted run
to a runs.csv in wsbench's schema (schema/src/rows.rs; results/README.md#columns),
so `wsbench report` draws them in the same tables and figures. Creation of threads, processes and pools is inside
the timed region, as in both posts (pool_in_timing = true).

Columns: lower_bound_ns = max(sum of per-task times / p, max per-task time) from
the py-serial run of the same repetition (each task timed on its own), with p the
CPUs the workers can use at once (min(workers, CPUs in the affinity mask), the
`cpus` column): the runner's definition, so 8 processes on 2 CPUs are measured
against a 2-CPU bound (under the GIL py-threads cannot use more than one CPU at a
time, and its lb_ratio says so). `wsbench report` rebuilds the bound from every
py-serial run (the medians of task_sum_ns and task_max_ns); the per-row values
here are the same-repetition ones. serial_ns/speedup/lb_ratio against that run;
checksum = a digest of every
(task index, factor list) computed by this script, in hex like the runner's
(comparable between py-* rows, not with Rust's checksums); checksum_ok = equal
to py-serial's. Scheduler columns (steals, parks, busy/idle, ...) are left
empty: Python does not report them. --check-with WSBENCH compares the factorizations with `WSBENCH factor`.

The factorizer is the post's factorize_naive, with the one fix Python 3 needs:
integer division (n //= p; the post's n = n / p makes floats and wrong factors
beyond 2**53). Standard library only.

--pin pins worker k to the k-th CPU of the affinity mask (round robin) where the
posts' programs allow it: each thread and each Process calls os.sched_setaffinity
first, a Pool's processes in its initializer (the posts' code is otherwise
unchanged; the placement column becomes `pinned`). --start-method picks the
multiprocessing start method (default: the platform's, which Python 3.14 changes
on Linux from fork to forkserver); the one used, the Python build and the CPU map
are written to python_baseline.json. Fewer than 5 repetitions draws a warning.

Usage:
  python3 scripts/python_baseline.py NUMBERS --out runs.csv [--workload NAME]
      [--workers 2,4,8] [--repetitions 5] [--warmup 1] [--placement none]
      [--pin] [--start-method fork|spawn|forkserver]
      [--strategies py-serial,py-threads,py-processes,py-pool,py-pool-1]
      [--check-with target/release/wsbench]
  python3 scripts/python_baseline.py --self-test
"""

import argparse
import csv
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time

STRATEGIES = ["py-serial", "py-threads", "py-processes", "py-pool", "py-pool-1"]
HEADER = ("workload,strategy,workers,placement,repetition,makespan_ns,lower_bound_ns,serial_ns,"
          "speedup,lb_ratio,steals,migrations,checksum_ok,failed_steals,parks,busy_ns,idle_ns,"
          "tasks,size,pool_in_timing,latency,checksum,task_sum_ns,task_max_ns,cpus").split(",")
MIN_REPETITIONS = 5
MASK = (1 << 64) - 1


class UsageError(Exception):
    """Bad input: one message, exit code 2."""


def factorize_naive(n):
    """The first post's naive trial division, with integer division."""
    if n < 2:
        return []
    factors = []
    p = 2
    while True:
        if n == 1:
            return factors
        r = n % p
        if r == 0:
            factors.append(p)
            n //= p
        elif p * p >= n:
            factors.append(n)
            return factors
        elif p > 2:
            # Advance in steps of 2 over odd numbers
            p += 2
        else:
            # If p == 2, get to 3
            p += 1


# --- where workers run ----------------------------------------------------------

class Setup:
    """How the systems start their workers: the multiprocessing context (start method)
    and, when pinning, the CPUs worker k is pinned to (cpus[k % len(cpus)])."""

    def __init__(self, start_method=None, pin=False):
        self.ctx = multiprocessing.get_context(start_method)
        self.start_method = self.ctx.get_start_method()
        # Read before anything is pinned: pinning the main thread narrows its mask.
        self.usable = usable_cpu_list()
        self.cpus = self.usable if pin else None

    def cpu_of(self, k):
        return None if self.cpus is None else self.cpus[k % len(self.cpus)]


def usable_cpu_list():
    """The CPUs this process may run on, ascending (all of os.cpu_count() where the
    platform has no affinity mask)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def usable_cpus(workers, usable):
    """How many CPUs `workers` workers can use at once on the CPUs `usable`: the lower
    bound's p."""
    return max(1, min(workers, len(usable)))


def pin_self(cpu):
    """Pins the calling thread (pid 0 = the caller on Linux) to `cpu`; no-op for None."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _pool_init(counter, cpus):
    """Pool initializer: the k-th process to start pins itself to cpus[k % len]."""
    with counter.get_lock():
        k = counter.value
        counter.value += 1
    pin_self(cpus[k % len(cpus)])


# --- the posts' systems; each returns {task index: factors} -------------------

def serial_factorizer(nums):
    return {i: factorize_naive(n) for i, n in enumerate(nums)}


def serial_timed(nums):
    """Serial, timing each task on its own (for the lower bound)."""
    out, times = {}, []
    clock = time.perf_counter_ns
    for i, n in enumerate(nums):
        t0 = clock()
        out[i] = factorize_naive(n)
        times.append(clock() - t0)
    return out, times


def _chunks(nums, parts):
    size = int(math.ceil(len(nums) / float(parts)))
    return [(size * i, nums[size * i:size * (i + 1)]) for i in range(parts)]


def _thread_worker(start, nums, outdict, cpu=None):
    pin_self(cpu)
    for k, n in enumerate(nums):
        outdict[start + k] = factorize_naive(n)


def threaded_factorizer(nums, nthreads, setup):
    outs = [{} for _ in range(nthreads)]
    threads = []
    for i, (start, chunk) in enumerate(_chunks(nums, nthreads)):
        t = threading.Thread(target=_thread_worker, args=(start, chunk, outs[i], setup.cpu_of(i)))
        threads.append(t)
        t.start()
    for t in threads:
        t.join()
    return {k: v for d in outs for k, v in d.items()}


def _process_worker(start, nums, out_q, cpu=None):
    pin_self(cpu)
    out_q.put({start + k: factorize_naive(n) for k, n in enumerate(nums)})


def mp_factorizer(nums, nprocs, setup):
    out_q = setup.ctx.Queue()
    procs = []
    for i, (start, chunk) in enumerate(_chunks(nums, nprocs)):
        p = setup.ctx.Process(target=_process_worker, args=(start, chunk, out_q, setup.cpu_of(i)))
        procs.append(p)
        p.start()
    result = {}
    for _ in range(nprocs):
        result.update(out_q.get())
    # join after the queue is drained (multiprocessing docs: joining first can deadlock)
    for p in procs:
        p.join()
    return result


def pool_factorizer(nums, nprocs, setup, chunksize=None):
    if setup.cpus is None:
        pool = setup.ctx.Pool(processes=nprocs)
    else:
        counter = setup.ctx.Value("i", 0)
        pool = setup.ctx.Pool(processes=nprocs, initializer=_pool_init, initargs=(counter, setup.cpus))
    try:
        results = pool.map(factorize_naive, nums, chunksize)
    finally:
        pool.close()
        pool.join()
    return dict(enumerate(results))


def run_strategy(strategy, nums, workers, setup=None):
    setup = setup or Setup()
    if strategy == "py-serial":
        return serial_factorizer(nums)
    if strategy == "py-threads":
        return threaded_factorizer(nums, workers, setup)
    if strategy == "py-processes":
        return mp_factorizer(nums, workers, setup)
    if strategy == "py-pool":
        return pool_factorizer(nums, workers, setup)
    if strategy == "py-pool-1":
        return pool_factorizer(nums, workers, setup, 1)
    raise UsageError(f"unknown strategy {strategy!r}; allowed: {', '.join(STRATEGIES)}")


# --- checksums, input, output --------------------------------------------------

def _mix(z):
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def checksum(results, count):
    """Wrapping sum over tasks of a digest of (index, factors); every index must be present."""
    missing = [i for i in range(count) if i not in results]
    if missing or len(results) != count:
        raise RuntimeError(f"{len(missing)} task(s) missing from the results (first: {missing[:3]})")
    total = 0
    for i in range(count):
        h = _mix(i)
        for f in results[i]:
            h = _mix(h ^ (f & MASK) ^ (f >> 64))
        total = (total + h) & MASK
    return total


def read_numbers(path):
    nums = []
    try:
        with open(path) as f:
            for lineno, line in enumerate(f, 1):
                text = line.strip()
                if not text or text.startswith("#"):
                    continue
                try:
                    n = int(text)
                except ValueError:
                    raise UsageError(f"{path}:{lineno}: `{text}` is not a whole number "
                                     "(one non-negative integer a line; # starts a comment)")
                if n < 0:
                    raise UsageError(f"{path}:{lineno}: `{text}` is negative (allowed: 0 and up)")
                nums.append(n)
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}")
    if not nums:
        raise UsageError(f"{path}: no numbers in the file")
    return nums


def check_with(wsbench, nums, expected):
    """Compares our factorizations with `WSBENCH factor` (stdin, one a line; prints `N: p1 p2 ...`)."""
    proc = subprocess.run([wsbench, "factor"], input="\n".join(map(str, nums)) + "\n",
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{wsbench} factor failed ({proc.returncode}): {proc.stderr.strip()}")
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    if len(lines) != len(nums):
        raise RuntimeError(f"{wsbench} factor printed {len(lines)} lines for {len(nums)} numbers")
    for i, (n, line) in enumerate(zip(nums, lines)):
        head, _, tail = line.partition(":")
        theirs = [int(x) for x in tail.split()]
        if head.strip() != str(n) or sorted(theirs) != sorted(expected[i]):
            raise RuntimeError(f"factorization mismatch at task {i}: we have {n}: "
                               f"{' '.join(map(str, expected[i]))}; {wsbench} factor says `{line}`")
    return len(nums)


class RowWriter:
    """Appends rows to runs.csv in its existing header's column order (or creates it)."""

    def __init__(self, path):
        self.path = path
        exists = os.path.isfile(path) and os.path.getsize(path) > 0
        if exists:
            with open(path, newline="") as f:
                header = next(csv.reader(f), None)
            if not header or "makespan_ns" not in header or "strategy" not in header:
                raise UsageError(f"{path}: exists but its header is not a runs.csv header")
            self.columns = header
        else:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self.columns = HEADER
        self.file = open(path, "a", newline="")
        self.writer = csv.writer(self.file, lineterminator="\n")
        if not exists:
            self.writer.writerow(self.columns)
            self.file.flush()

    def write(self, row):
        self.writer.writerow(["" if row.get(c) is None else row.get(c) for c in self.columns])
        self.file.flush()  # each finished run is kept even if a later one fails

    def close(self):
        self.file.close()


def measure(args):
    nums = read_numbers(args.numbers)
    workload = args.workload or os.path.splitext(os.path.basename(args.numbers))[0]
    strategies = [s for s in args.strategies.split(",") if s]
    for s in strategies:
        if s not in STRATEGIES:
            raise UsageError(f"--strategies: unknown strategy {s!r}; allowed: {', '.join(STRATEGIES)}")
    try:
        workers = sorted({int(w) for w in args.workers.split(",") if w})
    except ValueError:
        raise UsageError(f"--workers: `{args.workers}` is not a comma-separated list of whole numbers")
    if not workers or min(workers) < 1:
        raise UsageError("--workers: worker counts must be 1 or more")
    if args.repetitions < 1 or args.warmup < 0:
        raise UsageError("--repetitions must be 1 or more and --warmup 0 or more")
    if args.repetitions < MIN_REPETITIONS:
        print(f"python_baseline: warning: {args.repetitions} repetitions: fewer than "
              f"{MIN_REPETITIONS} give no median interval worth quoting (min–max of 3 covers "
              "the median 75% of the time)", file=sys.stderr)
    setup = Setup(args.start_method, args.pin)
    placement = args.placement or ("pinned" if args.pin else "none")

    reference, _ = serial_timed(nums)
    if args.check_with:
        n = check_with(args.check_with, nums, reference)
        print(f"checked {n} factorizations against `{args.check_with} factor`: all equal", file=sys.stderr)
    expected = checksum(reference, len(nums))

    pin_self(setup.cpu_of(0))  # serial runs where worker 0 does
    cells = [("py-serial", 1)] if "py-serial" in strategies else []
    cells += [(s, w) for w in workers for s in strategies if s != "py-serial"]
    out = RowWriter(args.out)
    clock = time.perf_counter_ns
    try:
        for rep in range(-args.warmup, args.repetitions):
            # Serial first in each repetition: its per-task times give the lower bound.
            t0 = clock()
            res, task_ns = serial_timed(nums)
            serial_ns = clock() - t0
            serial_ok = checksum(res, len(nums)) == expected
            for strategy, w in cells:
                if strategy == "py-serial":
                    makespan = serial_ns
                else:
                    t0 = clock()
                    res = run_strategy(strategy, nums, w, setup)
                    makespan = clock() - t0
                digest = checksum(res, len(nums))
                if rep < 0:
                    continue
                p = usable_cpus(w, setup.usable)
                lb = max(sum(task_ns) / p, max(task_ns))
                serial_row = strategy == "py-serial"
                out.write({
                    "workload": workload, "strategy": strategy, "workers": w,
                    "placement": placement, "repetition": rep,
                    "makespan_ns": makespan, "lower_bound_ns": round(lb),
                    "serial_ns": serial_ns, "speedup": f"{serial_ns / makespan:.4f}",
                    "lb_ratio": f"{makespan / lb:.4f}",
                    "checksum_ok": "true" if digest == expected and serial_ok else "false",
                    "tasks": len(nums), "size": len(nums),
                    "pool_in_timing": "false" if strategy == "py-serial" else "true",
                    "latency": "false", "checksum": f"{digest:016x}",
                    "task_sum_ns": sum(task_ns) if serial_row else None,
                    "task_max_ns": max(task_ns) if serial_row else None,
                    "cpus": p,
                })
                print(f"rep {rep} {strategy:13} w{w:<3} {makespan / 1e6:10.1f} ms  "
                      f"speedup {serial_ns / makespan:5.2f}  lb_ratio {makespan / lb:5.2f}", file=sys.stderr)
                if digest != expected:
                    raise RuntimeError(f"{strategy} w{w} rep {rep}: checksum {digest} differs from serial {expected}")
    finally:
        out.close()
    return setup


def self_test():
    """Fast checks of the factorizer, every strategy and the CSV writer (a few seconds)."""
    assert factorize_naive(0) == [] and factorize_naive(1) == []
    assert factorize_naive(2) == [2] and factorize_naive(97) == [97]
    assert factorize_naive(360) == [2, 2, 2, 3, 3, 5]
    assert factorize_naive(1000003 * 999983) == [999983, 1000003]
    # Beyond 2**53 true division (the post's n = n / p) loses digits; // does not.
    assert factorize_naive(2**60 * 3) == [2] * 60 + [3]
    nums = [360, 97, 1000003 * 999983, 2**20, 600851475143, 1, 0, 12]
    expected = serial_factorizer(nums)
    want = checksum(expected, len(nums))
    for setup in (Setup(), Setup("spawn", pin=True)):
        for s in STRATEGIES:
            for w in (1, 3):
                got = run_strategy(s, nums, w, setup)
                assert got == expected, f"{s} w{w} {setup.start_method}: {got} != {expected}"
                assert checksum(got, len(nums)) == want
    assert usable_cpus(8, [0, 1]) == 2 and usable_cpus(1, [0, 1]) == 1 and usable_cpus(2, [3]) == 1
    assert build_info()["implementation"] == platform.python_implementation()
    try:
        checksum({0: [1]}, 2)
        raise AssertionError("missing task not detected")
    except RuntimeError:
        pass
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "runs.csv")
        w = RowWriter(path)
        w.write({"workload": "x", "strategy": "py-serial", "workers": 1, "makespan_ns": 5})
        w.close()
        with open(path) as f:
            rows = list(csv.DictReader(f))
        assert list(rows[0].keys()) == HEADER and rows[0]["makespan_ns"] == "5"
    print("self-test: 5 strategies x 2 worker counts, unpinned and pinned (spawn), agree with "
          "serial; checksum, CSV and build info ok")


def _utc_now():
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def build_info():
    """The Python build: version, implementation, compiler, build flags, and whether the
    GIL is disabled (free-threaded builds) and enabled now."""
    import sysconfig
    gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return {
        "version": sys.version,
        "version_info": list(sys.version_info),
        "implementation": platform.python_implementation(),
        "compiler": platform.python_compiler(),
        "build": list(platform.python_build()),
        "executable": sys.executable,
        "gil_disabled_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": gil_enabled() if gil_enabled else True,
        "config_args": sysconfig.get_config_var("CONFIG_ARGS"),
        "platform_tag": sysconfig.get_platform(),
    }


def write_meta(args, started, setup):
    """Writes python_baseline.json beside the runs.csv: where and how the py-* rows
    were measured (the runner's meta.json describes only its own rows)."""
    import hashlib
    import json
    with open(args.numbers, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    meta = {
        "command_line": [sys.executable] + sys.argv,
        "python": sys.version,
        "implementation": platform.python_implementation(),
        "python_build": build_info(),
        "start_method": setup.start_method,
        "pinned": setup.cpus is not None,
        "cpu_map": (None if setup.cpus is None else
                    "worker k -> CPU %s[k mod %d]; serial on %d" % (setup.cpus, len(setup.cpus), setup.cpus[0])),
        "usable_cpus": setup.usable,
        "lower_bound": "max(sum of py-serial task times / p, longest py-serial task), "
                       "p = min(workers, usable CPUs)",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "placement": args.placement or ("pinned" if args.pin else "none"),
        "numbers": {"path": args.numbers, "sha256": digest},
        "workload": args.workload,
        "workers": args.workers,
        "repetitions": args.repetitions,
        "warmup": args.warmup,
        "strategies": args.strategies,
        "checked_with": args.check_with,
        "started": started,
        "ended": _utc_now(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(args.out)), "python_baseline.json")
    # Several invocations may append to one runs.csv (unpinned, then pinned): the file
    # keeps one entry per invocation under "runs", oldest first.
    runs = []
    if os.path.isfile(path):
        try:
            with open(path) as f:
                old = json.load(f)
            runs = old["runs"] if isinstance(old, dict) and "runs" in old else [old]
        except (OSError, ValueError):
            runs = []
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"runs": runs + [meta]}, f, indent=1)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("numbers", nargs="?", help="number list, one a line (wsbench workload generate ... > file)")
    ap.add_argument("--out", help="runs.csv to append to (created with a header if absent)")
    ap.add_argument("--workload", help="workload name in the rows (default: the file's stem); "
                    "use the runner's name to share its tables and figures")
    ap.add_argument("--workers", default="2,4,8", help="comma-separated worker counts (default 2,4,8: the post's)")
    ap.add_argument("--repetitions", type=int, default=5, help="counted runs per cell (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="uncounted runs per cell first (default 1)")
    ap.add_argument("--placement", help="placement column value (default: none, or pinned with --pin)")
    ap.add_argument("--pin", action="store_true",
                    help="pin worker k to the k-th allowed CPU (round robin): threads and processes "
                         "pin themselves, a Pool's processes in its initializer")
    ap.add_argument("--start-method", choices=["fork", "spawn", "forkserver"],
                    help="multiprocessing start method (default: the platform's); recorded in python_baseline.json")
    ap.add_argument("--strategies", default=",".join(STRATEGIES), help="comma-separated subset of " + ", ".join(STRATEGIES))
    ap.add_argument("--check-with", metavar="WSBENCH", help="path to wsbench: compare factorizations with `wsbench factor`")
    ap.add_argument("--self-test", action="store_true", help="run the built-in checks and exit")
    args = ap.parse_args(argv)
    try:
        if args.self_test:
            self_test()
            return 0
        if not args.numbers or not args.out:
            raise UsageError("give a NUMBERS file and --out runs.csv (or --self-test)")
        started = _utc_now()
        setup = measure(args)
        write_meta(args, started, setup)
        return 0
    except UsageError as e:
        print(f"python_baseline: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:
        print(f"python_baseline: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

//! `wsbench calibrate`: what each scheduler operation costs on this machine, for
//! the simulator (`wsbench simulate`), measured with the real primitives (the
//! pool, crossbeam's deques, std's atomics and parking) as medians of many
//! repetitions, and written with the machine's identity (`meta.json`'s host
//! reader). Cache-line transfers are measured at every distance this machine
//! has between two allowed CPUs; the others keep the simulator's documented
//! defaults and are listed as not measured.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Instant;

use anyhow::anyhow;
use serde_json::json;
use topology::Topology;
use workloads::factor::Method;
use workloads::numbers::{generate, NumberSpec};
use workloads::workload::{Factorial, Factorize, Synthetic, Workload};
use wsbench_simulator::calibration::DEFAULT_TRANSFER_NS;
use wsbench_simulator::machine::{dist_of, Dist};
use wsbench_simulator::Calibration;

use crate::error::{CliError, CliResult};

/// Arguments of `wsbench calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Where to write the calibration (JSON).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Runs `wsbench calibrate`.
pub fn main(args: CalibrateArgs) -> CliResult {
    let cal = measure()?;
    let text = serde_json::to_string_pretty(&cal).map_err(|e| CliError::Failed(e.into()))?;
    std::fs::write(&args.out, text + "\n")
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", args.out.display())))?;
    eprintln!("wsbench: calibration written to {}", args.out.display());
    Ok(())
}

/// The median of `reps` runs of `f`, each returning ns per operation.
fn median(reps: usize, mut f: impl FnMut() -> f64) -> f64 {
    let mut v: Vec<f64> = (0..reps).map(|_| f()).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// ns per call of `op`, over `n` calls.
fn per_op(n: usize, mut op: impl FnMut(usize)) -> f64 {
    let t = Instant::now();
    for i in 0..n {
        op(i);
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

/// Measures this machine (takes about half a minute).
pub fn measure() -> CliResult<Calibration> {
    let topo =
        Topology::detect().map_err(|e| CliError::Failed(anyhow!("detecting the topology: {e}")))?;
    let cpus = topo.allowed_cpus();
    eprintln!(
        "wsbench: calibrating on {} CPUs (about half a minute)",
        cpus.len()
    );
    let fetch_add_ns_by_contenders = contended(&cpus);
    // One thread alone: the line stays in its cache.
    let atomic_local_ns = fetch_add_ns_by_contenders.get(&1).copied().unwrap_or(5.0);
    let (transfer_ns, measured) = transfers(&topo, &cpus);
    let mut cal = Calibration {
        machine: machine_identity(&topo),
        measured_at: crate::run::meta::utc_now(),
        atomic_local_ns,
        fetch_add_ns_by_contenders,
        transfer_ns,
        measured_distances: measured,
        wake_ns: wake_latency(),
        yield_ns: median(15, || per_op(10_000, |_| std::thread::yield_now())),
        task_call_ns: task_call(),
        ns_per_unit: units(),
        sleep_overshoot_ns: sleep_overshoot(),
        ..Calibration::example()
    };
    deque_costs(&mut cal);
    job_costs(&mut cal);
    Ok(cal)
}

/// Where this was measured: the host facts `meta.json` records, the CPU model and count.
fn machine_identity(topo: &Topology) -> serde_json::Value {
    json!({
        "host": crate::run::host::read_host("/".as_ref(), std::env::vars_os()),
        "cpu_model": topo.cpu_model(),
        "allowed_cpus": topo.allowed_cpus().len(),
        "hostname": std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|s| s.trim().to_string()),
    })
}

/// ns per fetch-add on one counter by k threads at once, k = 1 ..= min(CPUs, 8).
fn contended(cpus: &[usize]) -> BTreeMap<usize, f64> {
    (1..=cpus.len().min(8))
        .map(|k| {
            let ns = median(7, || {
                let counter = Arc::new(AtomicUsize::new(0));
                let barrier = Arc::new(Barrier::new(k));
                let ops = 200_000;
                let threads: Vec<_> = (0..k)
                    .map(|t| {
                        let (c, b, cpu) = (counter.clone(), barrier.clone(), cpus[t]);
                        std::thread::spawn(move || {
                            topology::affinity::pin_current(cpu);
                            b.wait();
                            per_op(ops, |_| {
                                c.fetch_add(1, Ordering::Relaxed);
                            })
                        })
                    })
                    .collect();
                let per: Vec<f64> = threads
                    .into_iter()
                    .map(|h| h.join().unwrap_or(0.0))
                    .collect();
                per.iter().sum::<f64>() / k as f64
            });
            (k, ns)
        })
        .collect()
}

/// A cache-line transfer at each distance between two allowed CPUs (ping-pong round
/// trip / 2); the rest are the simulator's defaults.
fn transfers(
    topo: &Topology,
    cpus: &[usize],
) -> (wsbench_simulator::calibration::Transfers, Vec<String>) {
    let mut t = DEFAULT_TRANSFER_NS;
    let mut measured = Vec::new();
    let mut seen = Vec::new();
    for (i, &a) in cpus.iter().enumerate() {
        for &b in &cpus[i + 1..] {
            let d = dist_of(topo.distance(a, b));
            if d == Dist::Same || seen.contains(&d) {
                continue;
            }
            seen.push(d);
            // On threads of their own: pinning must not stay on the caller.
            let ns = std::thread::spawn(move || median(3, || ping_pong(a, b)))
                .join()
                .unwrap_or(f64::NAN);
            match d {
                Dist::Smt => t.smt = ns,
                Dist::Llc => t.llc = ns,
                Dist::Package => t.package = ns,
                Dist::Remote => t.remote = ns,
                Dist::Same => {}
            }
            measured.push(d.name().to_string());
        }
    }
    (t, measured)
}

/// Half a round trip of a flag bounced between threads pinned to `a` and `b`: the
/// median over batches of round trips, so that a batch in which one thread was
/// descheduled (a loaded or virtual machine) does not count.
fn ping_pong(a: usize, b: usize) -> f64 {
    const BATCH: usize = 200;
    const BATCHES: usize = 101;
    let rounds = BATCH * BATCHES;
    let flag = Arc::new(AtomicUsize::new(0));
    let f = flag.clone();
    let other = std::thread::spawn(move || {
        topology::affinity::pin_current(b);
        for r in 0..rounds {
            while f.load(Ordering::Acquire) != 2 * r + 1 {
                std::hint::spin_loop();
            }
            f.store(2 * r + 2, Ordering::Release);
        }
    });
    topology::affinity::pin_current(a);
    let mut batches = Vec::with_capacity(BATCHES);
    for k in 0..BATCHES {
        let start = Instant::now();
        for r in k * BATCH..(k + 1) * BATCH {
            flag.store(2 * r + 1, Ordering::Release);
            while flag.load(Ordering::Acquire) != 2 * r + 2 {
                std::hint::spin_loop();
            }
        }
        batches.push(start.elapsed().as_nanos() as f64 / (2 * BATCH) as f64);
    }
    let _ = other.join();
    batches.sort_by(f64::total_cmp);
    batches[BATCHES / 2]
}

/// From `unpark` to the parked thread running again (median of many).
fn wake_latency() -> f64 {
    median(201, || {
        let ready = Arc::new(AtomicBool::new(false));
        let r = ready.clone();
        let sleeper = std::thread::spawn(move || {
            r.store(true, Ordering::Release);
            std::thread::park();
            Instant::now()
        });
        while !ready.load(Ordering::Acquire) {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
        let sent = Instant::now();
        sleeper.thread().unpark();
        let woke = sleeper.join().unwrap_or(sent);
        woke.duration_since(sent).as_nanos() as f64
    })
}

/// crossbeam-deque push, pop, steal and an empty steal, and an inbox post (a push on a
/// crossbeam injector and an unpark of a running thread).
fn deque_costs(cal: &mut Calibration) {
    use crossbeam_deque::{Injector, Worker};
    let n = 100_000;
    cal.deque_push_ns = median(11, || {
        let w = Worker::new_lifo();
        let ns = per_op(n, |i| w.push(black_box(i)));
        black_box(w.pop());
        ns
    });
    cal.deque_pop_ns = median(11, || {
        let w = Worker::new_lifo();
        (0..n).for_each(|i| w.push(i));
        per_op(n, |_| {
            black_box(w.pop());
        })
    });
    cal.steal_ns = median(11, || {
        let w = Worker::new_lifo();
        (0..n).for_each(|i| w.push(i));
        let s = w.stealer();
        per_op(n, |_| {
            let _ = black_box(s.steal());
        })
    });
    let empty = Worker::<usize>::new_lifo().stealer();
    cal.steal_empty_ns = median(11, || {
        per_op(n, |_| {
            let _ = black_box(empty.steal());
        })
    });
    let me = std::thread::current();
    cal.post_ns = median(11, || {
        let q = Injector::new();
        per_op(n, |i| {
            q.push(black_box(i));
            me.unpark();
        })
    });
    std::thread::park_timeout(std::time::Duration::from_millis(1));
}

/// The per-index cost of our pool's loop around an empty body (one worker, static).
fn task_call() -> f64 {
    let Ok(pool) = scheduler::Pool::builder().workers(1).build() else {
        return Calibration::example().task_call_ns;
    };
    let n = 1_000_000;
    median(11, || {
        let t = Instant::now();
        pool.for_each_index(0..n, scheduler::Schedule::Static, |_, i| {
            black_box(i);
        });
        t.elapsed().as_nanos() as f64 / n as f64
    })
}

/// What a job costs beyond its deque push and pop: our pool's heap job
/// (`work-stealing:1`) and a rayon split (`with_max_len(1)`), each around an
/// empty body on one thread, per index, less the loop's and the deque's costs
/// measured before (see the fields of [`Calibration`]).
fn job_costs(cal: &mut Calibration) {
    use rayon::prelude::*;
    let deque = cal.deque_push_ns + cal.deque_pop_ns;
    if let Ok(pool) = scheduler::Pool::builder().workers(1).build() {
        let n = 200_000;
        let per_index = median(7, || {
            let t = Instant::now();
            let schedule = scheduler::Schedule::WorkStealing { grain: 1 };
            pool.for_each_index(0..n, schedule, |_, i| {
                black_box(i);
            });
            t.elapsed().as_nanos() as f64 / n as f64
        });
        cal.job_ns = (per_index - cal.task_call_ns - deque).max(0.0);
    }
    let Ok(rayon) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else {
        return;
    };
    // The runner's rayon task reads its thread index: so does this body.
    let body = |i: usize| {
        black_box(rayon::current_thread_index());
        black_box(i);
    };
    let per_index = |n: usize, fine: bool| {
        median(7, || {
            let t = Instant::now();
            rayon.install(|| match fine {
                true => (0..n).into_par_iter().with_max_len(1).for_each(body),
                false => (0..n).into_par_iter().for_each(body),
            });
            t.elapsed().as_nanos() as f64 / n as f64
        })
    };
    cal.rayon_index_ns = per_index(1_000_000, false);
    cal.rayon_split_ns = (per_index(200_000, true) - cal.rayon_index_ns - deque).max(0.0);
}

/// How much longer than asked a 200 µs sleep takes (median).
fn sleep_overshoot() -> f64 {
    let asked = std::time::Duration::from_micros(200);
    median(101, || {
        let t = Instant::now();
        std::thread::sleep(asked);
        (t.elapsed().as_nanos() as f64 - asked.as_nanos() as f64).max(0.0)
    })
}

/// ns per unit of each workload kind's predicted cost, from running its tasks (a sleep
/// task's unit is its requested ns: 1).
fn units() -> BTreeMap<String, f64> {
    let numbers = generate(&NumberSpec {
        count: 400,
        ..NumberSpec::default()
    });
    let kinds: Vec<(&str, Box<dyn Workload>)> = vec![
        (
            "factorize-naive",
            Box::new(Factorize::new(numbers.clone(), Method::Naive)),
        ),
        (
            "factorize-fast",
            Box::new(Factorize::new(numbers, Method::Fast)),
        ),
        ("factorial", Box::new(Factorial::new(3_000))),
        ("synthetic", Box::new(Synthetic::new(vec![20_000; 500]))),
    ];
    let mut units: BTreeMap<String, f64> = kinds
        .into_iter()
        .map(|(name, w)| {
            let units: u64 = (0..w.len()).map(|i| w.predicted_cost(i)).sum();
            let ns = median(5, || {
                let t = Instant::now();
                (0..w.len()).for_each(|i| {
                    black_box(w.run(i));
                });
                t.elapsed().as_nanos() as f64
            });
            (name.to_string(), ns / units.max(1) as f64)
        })
        .collect();
    units.insert("sleep".into(), 1.0);
    units
}

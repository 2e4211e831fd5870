//! What one `join` costs: the spice/chili tree-sum benchmark (sum a complete
//! binary tree of boxed nodes with a join at every node), in one process,
//! interleaved, medians of 11 repetitions, ns per node — serial, our pool,
//! rayon and chili at 1 and 2 workers (or the counts given).
//!
//! `cargo run --release -p scheduler --example join_cost -- [DEPTH…] [--workers 1,2] [--cpu-time]`
//!
//! `--cpu-time` times the CPU time of the thread running the loop instead of
//! wall time: with one worker, that is what a loaded machine cannot distort.

use std::time::Instant;

struct Node {
    value: u64,
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

fn tree(depth: u32, next: &mut u64) -> Option<Box<Node>> {
    if depth == 0 {
        return None;
    }
    *next += 1;
    let value = *next;
    Some(Box::new(Node {
        value,
        left: tree(depth - 1, next),
        right: tree(depth - 1, next),
    }))
}

/// Left subtree first, as the tree was allocated.
fn serial_left_first(node: &Node) -> u64 {
    let l = node.left.as_deref().map_or(0, serial_left_first);
    let r = node.right.as_deref().map_or(0, serial_left_first);
    node.value + l + r
}

/// Right subtree first: the order in which chili's join and ours run the two
/// halves when nobody steals (about twice as fast on a deep tree here).
fn serial_right_first(node: &Node) -> u64 {
    let r = node.right.as_deref().map_or(0, serial_right_first);
    let l = node.left.as_deref().map_or(0, serial_right_first);
    node.value + l + r
}

fn ours(pool: &scheduler::Pool, node: &Node) -> u64 {
    let (l, r) = pool.join(
        || node.left.as_deref().map_or(0, |n| ours(pool, n)),
        || node.right.as_deref().map_or(0, |n| ours(pool, n)),
    );
    node.value + l + r
}

fn with_rayon(node: &Node) -> u64 {
    let (l, r) = rayon::join(
        || node.left.as_deref().map_or(0, with_rayon),
        || node.right.as_deref().map_or(0, with_rayon),
    );
    node.value + l + r
}

fn with_chili(scope: &mut chili::Scope<'_>, node: &Node) -> u64 {
    let (l, r) = scope.join(
        |s| node.left.as_deref().map_or(0, |n| with_chili(s, n)),
        |s| node.right.as_deref().map_or(0, |n| with_chili(s, n)),
    );
    node.value + l + r
}

/// CPU time of the calling thread, in ns.
fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Command-line options.
struct Options {
    depths: Vec<u32>,
    workers: Vec<usize>,
    cpu_time: bool,
    /// Print our pool's counters (steals, frames shared, parks) per cell.
    stats: bool,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Options {
        depths: Vec::new(),
        workers: vec![1, 2],
        cpu_time: false,
        stats: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--cpu-time" {
            o.cpu_time = true;
        } else if a == "--stats" {
            o.stats = true;
        } else if a == "--workers" {
            let list = it.next().expect("--workers needs a list, e.g. 1,2");
            o.workers = list
                .split(',')
                .map(|w| w.parse().expect("a worker count"))
                .collect();
        } else {
            o.depths.push(a.parse::<u32>().expect("a tree depth"));
        }
    }
    if o.depths.is_empty() {
        o.depths = vec![10, 20];
    }
    o
}

/// The three runtimes, each with `p` threads.
struct Runtimes {
    pool: scheduler::Pool,
    rayon: rayon::ThreadPool,
    chili: chili::ThreadPool,
}

/// Column order of the table.
const NAMES: [&str; 5] = [
    "serial (left first)",
    "serial (right first)",
    "wsbench Pool::join",
    "rayon::join",
    "chili Scope::join",
];

/// ns per node of runtime `k` (in [`NAMES`] order) over `reps` sums of `root`:
/// one entry into the runtime, the loop inside; with `cpu_time`, the CPU time
/// of the thread that runs the loop (p = 1 on a loaded machine), else wall time.
fn measure(rt: &Runtimes, k: usize, root: &Node, reps: usize, cpu_time: bool) -> (f64, Vec<u64>) {
    let timed = |f: &dyn Fn() -> u64| -> (Vec<u64>, f64) {
        let cpu0 = thread_cpu_ns();
        let sums = (0..reps).map(|_| f()).collect();
        (sums, thread_cpu_ns() - cpu0)
    };
    let start = Instant::now();
    let (sums, cpu_ns) = match k {
        0 => timed(&|| serial_left_first(root)),
        1 => timed(&|| serial_right_first(root)),
        2 => rt.pool.scope(|_| timed(&|| ours(&rt.pool, root))),
        3 => rt.rayon.install(|| timed(&|| with_rayon(root))),
        _ => {
            let scope = std::cell::RefCell::new(rt.chili.scope());
            timed(&|| with_chili(&mut scope.borrow_mut(), root))
        }
    };
    let ns = if cpu_time {
        cpu_ns
    } else {
        start.elapsed().as_nanos() as f64
    };
    (ns, sums)
}

fn main() {
    let o = options();
    println!("| depth | workers | {} |", NAMES.join(" | "));
    println!("|---|---|{}", "---|".repeat(NAMES.len()));
    for &depth in &o.depths {
        let root = tree(depth, &mut 0).expect("depth ≥ 1");
        let nodes = (1u64 << depth) - 1;
        let expect = nodes * (nodes + 1) / 2;
        let reps = if depth <= 12 { 2000 } else { 1 };
        for &p in &o.workers {
            let rt = Runtimes {
                pool: scheduler::Pool::builder().workers(p).build().unwrap(),
                rayon: rayon::ThreadPoolBuilder::new()
                    .num_threads(p)
                    .build()
                    .unwrap(),
                chili: chili::ThreadPool::with_config(chili::Config {
                    thread_count: std::num::NonZeroUsize::new(p),
                    ..Default::default()
                }),
            };
            rt.pool.reset_stats();
            let mut times = vec![Vec::new(); NAMES.len()];
            for _ in 0..11 {
                for (k, t) in times.iter_mut().enumerate() {
                    let (ns, sums) = measure(&rt, k, &root, reps, o.cpu_time);
                    assert!(
                        sums.iter().all(|&s| s == expect),
                        "{} summed wrong",
                        NAMES[k]
                    );
                    t.push(ns / (reps as f64 * nodes as f64));
                }
            }
            let cells: Vec<String> = times
                .into_iter()
                .map(|t| format!("{:.1}", median(t)))
                .collect();
            println!("| {depth} | {p} | {} |", cells.join(" | "));
            if o.stats {
                eprintln!(
                    "depth {depth}, p {p}, our pool: {:?}",
                    rt.pool.stats().total()
                );
            }
        }
    }
}

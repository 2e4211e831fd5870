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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut depths = Vec::new();
    let mut workers = vec![1, 2];
    let mut cpu_time = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--cpu-time" {
            cpu_time = true;
        } else if a == "--workers" {
            let list = it.next().expect("--workers needs a list, e.g. 1,2");
            workers = list
                .split(',')
                .map(|w| w.parse().expect("a worker count"))
                .collect();
        } else {
            depths.push(a.parse::<u32>().expect("a tree depth"));
        }
    }
    if depths.is_empty() {
        depths = vec![10, 20];
    }
    println!("| depth | workers | serial (left first) | serial (right first) | wsbench Pool::join | rayon::join | chili Scope::join |");
    println!("|---|---|---|---|---|---|---|");
    for &depth in &depths {
        let root = tree(depth, &mut 0).expect("depth ≥ 1");
        let nodes = (1u64 << depth) - 1;
        let expect = nodes * (nodes + 1) / 2;
        let reps = if depth <= 12 { 2000 } else { 1 };
        for &p in &workers {
            let pool = scheduler::Pool::builder().workers(p).build().unwrap();
            let rp = rayon::ThreadPoolBuilder::new()
                .num_threads(p)
                .build()
                .unwrap();
            let cp = chili::ThreadPool::with_config(chili::Config {
                thread_count: std::num::NonZeroUsize::new(p),
                ..Default::default()
            });
            let mut times = [Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
            for _ in 0..11 {
                for (k, t) in times.iter_mut().enumerate() {
                    // One entry into each runtime per repetition, the loop inside;
                    // with --cpu-time, the CPU time of the thread that runs the
                    // loop (p = 1 on a loaded machine), else the wall time.
                    let timed = |f: &dyn Fn() -> u64| -> (Vec<u64>, f64) {
                        let (cpu0, wall0) = (thread_cpu_ns(), Instant::now());
                        let sums = (0..reps).map(|_| f()).collect();
                        let ns = if cpu_time {
                            thread_cpu_ns() - cpu0
                        } else {
                            wall0.elapsed().as_nanos() as f64
                        };
                        (sums, ns)
                    };
                    let start = Instant::now();
                    let (sums, inner_ns) = match k {
                        0 => timed(&|| serial_left_first(&root)),
                        4 => timed(&|| serial_right_first(&root)),
                        1 => pool.scope(|_| timed(&|| ours(&pool, &root))),
                        2 => rp.install(|| timed(&|| with_rayon(&root))),
                        3 => {
                            let scope = std::cell::RefCell::new(cp.scope());
                            timed(&|| with_chili(&mut scope.borrow_mut(), &root))
                        }
                        _ => unreachable!("five runtimes"),
                    };
                    let ns = if cpu_time {
                        inner_ns
                    } else {
                        start.elapsed().as_nanos() as f64
                    };
                    t.push(ns / (reps as f64 * nodes as f64));
                    assert!(
                        sums.iter().all(|&s| s == expect),
                        "runtime {k} summed wrong"
                    );
                }
            }
            let m: Vec<f64> = times.into_iter().map(median).collect();
            println!(
                "| {depth} | {p} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
                m[0], m[4], m[1], m[2], m[3]
            );
        }
    }
}

//! Tree sum (the spice/chili benchmark): a complete binary tree of boxed nodes, a join at
//! every node, on one thread (serial recursion) and on our pool (`Pool::join`), rayon
//! (`rayon::join`) and chili (`Scope::join`) with 1 and 2 workers; depths 10 (1,023 nodes)
//! and 20 (1,048,575 nodes). Throughput is in nodes, so criterion's time per element is
//! the ns per node the table gives.
//!
//! `cargo bench -p wsbench --bench treesum` (a few minutes; run it on a quiet machine).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scheduler::Pool;
use workloads::recursive::join::Rayon;
use workloads::recursive::tree_sum::{Shape, TreeSum};
use wsbench::run::recursive_runs::PoolJoin;
use wsbench_baselines::ChiliTeam;

fn treesum(c: &mut Criterion) {
    for depth in [10u32, 20] {
        let tree = TreeSum::new(Shape::Complete { depth });
        let expected = tree.serial();
        let mut g = c.benchmark_group(format!("tree-sum-d{depth}"));
        g.throughput(Throughput::Elements(tree.nodes()));
        if depth >= 20 {
            g.sample_size(20);
        }
        g.bench_function("serial", |b| b.iter(|| tree.serial()));
        for p in [1usize, 2] {
            let pool = Pool::builder().workers(p).build().expect("pool");
            assert_eq!(tree.parallel(&mut PoolJoin(&pool)), expected);
            g.bench_with_input(BenchmarkId::new("pool-join", p), &p, |b, _| {
                b.iter(|| tree.parallel(&mut PoolJoin(&pool)))
            });
            let rayon = rayon::ThreadPoolBuilder::new()
                .num_threads(p)
                .build()
                .expect("rayon pool");
            assert_eq!(rayon.install(|| tree.parallel(&mut Rayon)), expected);
            g.bench_with_input(BenchmarkId::new("rayon-join", p), &p, |b, _| {
                b.iter(|| rayon.install(|| tree.parallel(&mut Rayon)))
            });
            let chili = ChiliTeam::new(&vec![None; p]).expect("chili team");
            assert_eq!(chili.run(|s| tree.parallel(s)), expected);
            g.bench_with_input(BenchmarkId::new("chili-join", p), &p, |b, _| {
                b.iter(|| chili.run(|s| tree.parallel(s)))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, treesum);
criterion_main!(benches);

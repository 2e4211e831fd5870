//! Wake-up: the latency of a batch of p tiny tasks handed to a parked pool,
//! beside rayon and beside the machine's floor: p plain threads blocked in a
//! channel receive, woken by a send, each answering on a shared channel (two
//! futex wake-ups per thread, no scheduler). No pool can wake a parked thread
//! faster than that floor.

use super::{median, Setup};
use anyhow::Context;
use rayon::prelude::*;
use scheduler::Schedule;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

/// The task body: next to nothing, so the batch's time is the wake-up.
fn tiny(i: usize) {
    std::hint::black_box(i.wrapping_mul(31));
}

/// The wake-up section: `samples` of each case, interleaved, 5 ms idle before each.
pub(super) fn run(setup: &Setup, samples: usize) -> anyhow::Result<()> {
    let p = setup.p;
    println!("\n## wake-up: a batch of p = {p} tiny tasks to a parked pool (5 ms idle before each), {samples} samples each, interleaved");
    let floor = Floor::start(p);
    let (pool, rp) = (&setup.pool, &setup.rayon);
    let [mut ours, mut ours_static, mut theirs, mut all, mut one] =
        std::array::from_fn(|_| Vec::with_capacity(samples));
    for _ in 0..samples {
        all.push(after_idle_us(|| floor.wake_all())?);
        one.push(after_idle_us(|| floor.wake_one())?);
        ours_static.push(after_idle_us(|| {
            pool.for_each_index(0..p, Schedule::Static, |_, i| tiny(i));
            Ok(())
        })?);
        ours.push(after_idle_us(|| {
            pool.for_each_index(0..p, Schedule::Adaptive, |_, i| tiny(i));
            Ok(())
        })?);
        theirs.push(after_idle_us(|| {
            rp.install(|| (0..p).into_par_iter().for_each(tiny));
            Ok(())
        })?);
    }
    println!("| case | median us | p90 us | min us |");
    println!("|---|---|---|---|");
    for (name, v) in [
        ("adaptive", &ours),
        ("static", &ours_static),
        ("rayon install+par_iter", &theirs),
        ("floor: p blocked std threads, channel wake + reply", &all),
        ("floor: 1 blocked std thread, channel wake + reply", &one),
    ] {
        let (m, p90, min) = (median(v), nearest_rank(v, 0.9), nearest_rank(v, 0.0));
        println!("| {name} | {m:.1} | {p90:.1} | {min:.1} |");
    }
    println!(
        "adaptive / rayon median ratio: {:.2}",
        median(&ours) / median(&theirs)
    );
    Ok(())
}

/// Sleeps 5 ms (so every thread parks), then times `f`, in µs.
fn after_idle_us(f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    std::thread::sleep(Duration::from_millis(5));
    let t = Instant::now();
    f()?;
    Ok(t.elapsed().as_secs_f64() * 1e6)
}

/// The `q`-quantile (0..=1) of `v` by nearest rank; NaN when empty.
fn nearest_rank(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut sorted = v.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// p plain threads, each blocked in its own channel until woken; they exit
/// when the floor is dropped.
struct Floor {
    go: Vec<Sender<()>>,
    done: Receiver<()>,
}

impl Floor {
    fn start(p: usize) -> Floor {
        let (done_tx, done) = channel::<()>();
        let go = (0..p)
            .map(|i| {
                let (tx, rx) = channel::<()>();
                let done = done_tx.clone();
                std::thread::spawn(move || {
                    while rx.recv().is_ok() {
                        tiny(i);
                        if done.send(()).is_err() {
                            break;
                        }
                    }
                });
                tx
            })
            .collect();
        Floor { go, done }
    }

    /// Wakes every thread and waits for all their replies.
    fn wake_all(&self) -> anyhow::Result<()> {
        for tx in &self.go {
            tx.send(()).context("a floor thread is gone")?;
        }
        for _ in &self.go {
            self.done.recv().context("a floor thread is gone")?;
        }
        Ok(())
    }

    /// Wakes the first thread and waits for its reply.
    fn wake_one(&self) -> anyhow::Result<()> {
        self.go[0].send(()).context("a floor thread is gone")?;
        self.done.recv().context("a floor thread is gone")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_a_sample() {
        let v = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(nearest_rank(&v, 0.0), 1.0);
        assert_eq!(nearest_rank(&v, 0.9), 5.0);
        assert_eq!(nearest_rank(&v, 0.5), 3.0);
        assert!(nearest_rank(&[], 0.5).is_nan());
    }

    #[test]
    fn the_floor_answers_every_wake_up() {
        let floor = Floor::start(3);
        for _ in 0..10 {
            floor.wake_all().unwrap();
            floor.wake_one().unwrap();
        }
    }
}

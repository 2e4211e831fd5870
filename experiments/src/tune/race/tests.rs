//! Planted-best tests: a fake machine whose true best is known and whose noise is seeded.

use super::*;
use workloads::rng::SplitMix64;

/// A fake machine: candidate `i` costs `means[i]` × the round's drift × log-normal noise,
/// doubled with probability `outliers` (a noisy machine's occasional 2× run).
struct Fake {
    means: Vec<f64>,
    sigma: f64,
    outliers: f64,
    drift: f64,
    rng: SplitMix64,
    seed: u64,
    fail: Option<usize>,
    measured: Vec<usize>,
}

impl Fake {
    fn new(means: &[f64], seed: u64) -> Fake {
        Fake {
            means: means.to_vec(),
            sigma: 0.02,
            outliers: 0.0,
            drift: 0.0,
            rng: SplitMix64::new(seed),
            seed,
            fail: None,
            measured: vec![0; means.len()],
        }
    }

    fn uniform(&mut self) -> f64 {
        ((self.rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

impl Measurer for Fake {
    fn measure(&mut self, c: usize, round: usize) -> Result<f64, Failure> {
        self.measured[c] += 1;
        if self.fail == Some(c) && round == 1 {
            return Err(Failure::Candidate("exit status 3".into()));
        }
        // The same drift for every candidate of a round: the machine got slower.
        let mut d = SplitMix64::new(self.seed ^ ((round as u64 + 1) * 0x9E37_79B9));
        let drift = 1.0 + self.drift * ((d.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5);
        let outlier = if self.uniform() < self.outliers {
            2.0
        } else {
            1.0
        };
        let noise = (self.sigma * self.normal()).exp();
        Ok(self.means[c] * drift * noise * outlier)
    }
}

const MEANS: [f64; 8] = [1.0, 1.04, 1.08, 1.15, 1.3, 1.6, 2.0, 3.0];

fn opts(seed: u64) -> Options {
    Options {
        max_rounds: 40,
        seed,
        test: TEST.with(|t| t.get()),
        ..Options::default()
    }
}

thread_local! {
    /// The test the planted-best trials use (each test runs both).
    static TEST: std::cell::Cell<Test> = const { std::cell::Cell::new(Test::T) };
}

/// Runs `f` once with each test.
fn with_each_test(f: impl Fn(Test)) {
    for t in [Test::Friedman, Test::T, Test::Sign] {
        TEST.with(|c| c.set(t));
        f(t);
    }
}

/// Runs 200 seeded races of `means` (the planted best shuffled to a seeded position) on
/// the machine `setup` makes; returns how many found the planted best (any of `best`).
fn trials(means: &[f64], best: &[usize], setup: impl Fn(&mut Fake)) -> (usize, usize, usize) {
    let (mut right, mut tie_reported, mut runs) = (0, 0, 0);
    for seed in 0..200u64 {
        // Rotate the candidates so the best is not always first.
        let k = means.len();
        let shift = (seed as usize * 3) % k;
        let rotated: Vec<f64> = (0..k).map(|i| means[(i + shift) % k]).collect();
        let planted: Vec<usize> = best.iter().map(|&b| (b + k - shift) % k).collect();
        let mut fake = Fake::new(&rotated, seed * 7 + 1);
        setup(&mut fake);
        let out = race(k, &opts(seed), &mut fake);
        runs += out.runs;
        right += usize::from(out.best.is_some_and(|b| planted.contains(&b)));
        tie_reported += usize::from(planted.iter().all(|p| out.left.contains(p)));
    }
    // Printed for the record (`-- --nocapture`): how often, not just whether.
    eprintln!(
        "{:?}: best found {right}/200, tie reported {tie_reported}/200, {runs} runs",
        TEST.with(|t| t.get())
    );
    (right, tie_reported, runs)
}

#[test]
fn the_planted_best_wins_on_a_quiet_machine() {
    with_each_test(|t| {
        let (right, _, runs) = trials(&MEANS, &[0], |_| {});
        assert!(right >= 190, "{t:?}: {right}/200");
        // Racing spends far fewer runs than 40 rounds of all 8.
        let limit = if t != Test::Sign {
            200 * 40 * 8 / 4
        } else {
            200 * 40 * 8 / 2
        };
        assert!(runs < limit, "{t:?}: {runs}");
    });
}

#[test]
fn the_planted_best_wins_on_a_noisy_machine_with_2x_outliers_and_drift() {
    with_each_test(|t| {
        let (right, _, _) = trials(&MEANS, &[0], |f| {
            f.sigma = 0.04;
            f.outliers = 0.05;
            f.drift = 0.3;
        });
        assert!(right >= 190, "{t:?}: {right}/200");
    });
}

#[test]
fn an_exact_tie_is_reported_as_a_tie() {
    let means = [1.0, 1.0, 1.1, 1.3, 2.0];
    with_each_test(|t| {
        let (right, tie, _) = trials(&means, &[0, 1], |f| f.outliers = 0.02);
        assert!(right >= 190, "{t:?}: {right}/200");
        assert!(tie >= 190, "{t:?}: tie reported in {tie}/200");
    });
    // And the race says why it stopped: a proven tie within 1%, or the rounds ran out.
    let mut fake = Fake::new(&means, 3);
    fake.sigma = 0.002;
    let out = race(5, &Options::default(), &mut fake);
    assert_eq!(out.end, End::Indistinguishable, "{out:?}");
    assert_eq!(out.left.len(), 2);
}

#[test]
fn exhaustive_runs_every_candidate_every_round() {
    let mut fake = Fake::new(&MEANS, 1);
    let o = Options {
        exhaustive: true,
        max_rounds: 7,
        ..Options::default()
    };
    let out = race(8, &o, &mut fake);
    assert_eq!(out.end, End::MaxRounds);
    assert_eq!(fake.measured, vec![7; 8]);
    assert_eq!(out.runs, 56);
    assert_eq!(out.best, Some(0));
    assert!(out.entries.iter().all(|e| e.fate == Fate::Alive));
}

#[test]
fn a_failing_candidate_is_dropped_with_its_reason_and_never_averaged() {
    let mut fake = Fake::new(&[2.0, 1.0, 1.5], 1);
    fake.fail = Some(1);
    let out = race(3, &opts(1), &mut fake);
    let e = &out.entries[1];
    assert_eq!(
        e.fate,
        Fate::Failed {
            round: 1,
            error: "exit status 3".into()
        }
    );
    assert_eq!(e.measured().len(), 1);
    assert_eq!(fake.measured[1], 2);
    assert_eq!(out.best, Some(2));
}

#[test]
fn the_run_budget_is_kept_and_an_abort_stops_at_once() {
    let mut fake = Fake::new(&MEANS, 2);
    let o = Options {
        max_runs: Some(30),
        test: Test::Sign, // nothing can be dropped this early: 3 rounds of 8 fit, a 4th does not
        ..opts(2)
    };
    let out = race(8, &o, &mut fake);
    assert_eq!(out.end, End::Budget);
    assert!(out.runs <= 30 && out.runs == 24, "{}", out.runs);

    struct Stop(usize);
    impl Measurer for Stop {
        fn measure(&mut self, _: usize, _: usize) -> Result<f64, Failure> {
            self.0 += 1;
            if self.0 == 5 {
                Err(Failure::Abort("interrupted".into()))
            } else {
                Ok(1.0)
            }
        }
    }
    let out = race(3, &opts(1), &mut Stop(0));
    assert_eq!(out.end, End::Aborted("interrupted".into()));
    assert_eq!(out.runs, 5);
}

#[test]
fn the_same_measurements_give_the_same_race() {
    let a = race(8, &opts(4), &mut Fake::new(&MEANS, 9));
    let b = race(8, &opts(4), &mut Fake::new(&MEANS, 9));
    assert_eq!(a.entries, b.entries);
    assert_eq!((a.best, a.runs), (b.best, b.runs));
}

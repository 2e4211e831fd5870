//! Each technique's chunk sequence against its formula worked by hand, and
//! the adaptive ones' chunk and weight computations with fixed measured times.

use super::*;

/// The chunks one participant gets when it alone requests until the end
/// (so request `k` is its `k`-th).
fn sequence(technique: Dls, chunk: usize, n: usize, p: usize) -> Vec<usize> {
    let dls = DlsLoop::new(technique, chunk, n, p);
    let mut local = dls.local();
    let mut chunks = Vec::new();
    while let Some((lo, hi)) = dls.request(0, &mut local) {
        assert_eq!(
            lo,
            chunks.iter().sum::<usize>(),
            "{technique:?}: not contiguous"
        );
        chunks.push(hi - lo);
    }
    chunks
}

#[test]
fn tss_shrinks_linearly_from_n_over_2p() {
    // n = 100, p = 4: F = floor(100/8) = 12, L = 1, N = ceil(200/13) = 16,
    // δ = floor(11/15) = 0: chunks of 12, the ninth cut to the 4 left.
    assert_eq!(
        sequence(Dls::Tss, 0, 100, 4),
        [12, 12, 12, 12, 12, 12, 12, 12, 4]
    );
    // n = 1000, p = 3: F = 166, L = 1, N = ceil(2000/167) = 12, δ = floor(165/11) = 15:
    // 166, 151, …, 31 (sum 985), then 16 cut to the 15 left.
    assert_eq!(
        sequence(Dls::Tss, 0, 1000, 3),
        [166, 151, 136, 121, 106, 91, 76, 61, 46, 31, 15]
    );
    // Last chunk K = 5: N = ceil(2000/171) = 12, δ = floor(161/11) = 14;
    // 166 − 14k down to 54 (sum 990), then 40 cut to the 10 left.
    assert_eq!(
        sequence(Dls::Tss, 5, 1000, 3),
        [166, 152, 138, 124, 110, 96, 82, 68, 54, 10]
    );
}

#[test]
fn tfss_hands_out_tss_chunks_averaged_per_batch() {
    // n = 100, p = 4: F = ceil(100/8) = 13, N = ceil(200/14) = 15,
    // δ = floor(12/14) = 0: chunks of 13 (91), then 9.
    assert_eq!(
        sequence(Dls::Tfss, 0, 100, 4),
        [13, 13, 13, 13, 13, 13, 13, 9]
    );
    // n = 1000, p = 3: F = 167, N = ceil(2000/168) = 12, δ = floor(166/11) = 15.
    // Batch b starts at c = 167 − 45b; its chunk is (c + (c−15) + (c−30)) / 3 = c − 15:
    // 152, 107, 62, 17 (963 after three batches, then 17, 17 and the 3 left).
    assert_eq!(
        sequence(Dls::Tfss, 0, 1000, 3),
        [152, 152, 152, 107, 107, 107, 62, 62, 62, 17, 17, 3]
    );
}

#[test]
fn fac2_halves_per_batch_of_p() {
    // n = 100, p = 4: ceil(100 / (4·2^(b+1))) = 13, 7, 4, 2 per batch of 4;
    // 52 + 28 + 16 = 96, then two chunks of 2.
    assert_eq!(
        sequence(Dls::Fac2, 0, 100, 4),
        [13, 13, 13, 13, 7, 7, 7, 7, 4, 4, 4, 4, 2, 2]
    );
    // n = 1000, p = 3: ceil(1000/6) = 167, ceil(1000/12) = 84, 42, 21, 11, 6, 3, 2;
    // 501 + 252 + 126 + 63 + 33 + 18 + 6 (two of 3) = 999, then 1 left.
    assert_eq!(
        sequence(Dls::Fac2, 0, 1000, 3),
        [167, 167, 167, 84, 84, 84, 42, 42, 42, 21, 21, 21, 11, 11, 11, 6, 6, 6, 3, 3, 1]
    );
    // Smallest chunk 4: the batches of 2 become 4 (96 + 4 = 100).
    assert_eq!(
        sequence(Dls::Fac2, 4, 100, 4),
        [13, 13, 13, 13, 7, 7, 7, 7, 4, 4, 4, 4, 4]
    );
}

#[test]
fn mfsc_is_one_size_from_n_and_p() {
    // n = 100, p = 4: T = 25, 0.55 + 25·ln2/ln25 = 0.55 + 17.33/3.219 = 5.93 → 5.
    assert_eq!(sequence(Dls::Mfsc, 0, 100, 4), [5; 20]);
    // n = 1000, p = 3: T = 334, 0.55 + 334·0.6931/5.811 = 40.39 → 40.
    assert_eq!(sequence(Dls::Mfsc, 0, 1000, 3), [40; 25]);
    // T = 1 (no logarithm): chunks of 1.
    assert_eq!(sequence(Dls::Mfsc, 0, 3, 4), [1, 1, 1]);
}

#[test]
fn fiss_grows_by_a_fixed_step_per_batch() {
    // n = 100, p = 4: B = 3, X = 5, C₀ = floor(100/20) = 5,
    // δ = floor(200·(2/5) / (4·3·2)) = floor(80/24) = 3: 5, 8, 11 per batch (96), then 4.
    assert_eq!(
        sequence(Dls::Fiss, 0, 100, 4),
        [5, 5, 5, 5, 8, 8, 8, 8, 11, 11, 11, 11, 4]
    );
    // n = 1000, p = 3: B = 2, X = 4, C₀ = floor(1000/12) = 83,
    // δ = floor(2000·(1/2) / (3·2·1)) = 166: 83 ×3, 249 ×3 (996), then 4.
    assert_eq!(
        sequence(Dls::Fiss, 0, 1000, 3),
        [83, 83, 83, 249, 249, 249, 4]
    );
    // p = 2: B = 1 stage, no increase (LB4OMP divides by zero): floor(100/6) = 16.
    assert_eq!(sequence(Dls::Fiss, 0, 100, 2), [16, 16, 16, 16, 16, 16, 4]);
}

#[test]
fn viss_adds_half_the_last_increase_per_batch() {
    // n = 100, p = 4: C₀ = floor(100/16) = 6; 6, floor(6·1.5) = 9,
    // floor(6·1.75) = 10 per batch: 24 + 36 + 40 = 100.
    assert_eq!(
        sequence(Dls::Viss, 0, 100, 4),
        [6, 6, 6, 6, 9, 9, 9, 9, 10, 10, 10, 10]
    );
    // n = 1000, p = 3: C₀ = floor(1000/9) = 111; 111, 166, then 194 cut to the 169 left.
    assert_eq!(
        sequence(Dls::Viss, 0, 1000, 3),
        [111, 111, 111, 166, 166, 166, 169]
    );
}

#[test]
fn tap_is_guided_cut_back_by_the_variability() {
    // v = 0 is guided: ceil(R/p). n = 100, p = 4: 25, ceil(75/4) = 19, ceil(56/4) = 14, …
    let guided: Vec<usize> = {
        let (mut r, mut out) = (100usize, Vec::new());
        while r > 0 {
            let c = r.div_ceil(4);
            out.push(c);
            r -= c;
        }
        out
    };
    assert_eq!(guided[..4], [25, 19, 14, 11]);
    assert_eq!(
        sequence(Dls::Tap, 0, 100, 4),
        guided,
        "nothing measured: v = 0"
    );
    // v = 1, R = 100, p = 4: T = 25, ceil(25 + 0.5 − sqrt(50.25)) = ceil(18.41) = 19;
    // R = 1000, p = 3: T = 333.3, ceil(333.83 − sqrt(666.92)) = ceil(308.01) = 309.
    assert_eq!(tap::chunk(100, 4, 1.0, 1), 19);
    assert_eq!(tap::chunk(1000, 3, 1.0, 1), 309);
    assert_eq!(tap::chunk(81, 4, 1.0, 1), 15); // T = 20.25: ceil(20.75 − sqrt(40.75)) = ceil(14.37)
    assert_eq!(tap::chunk(3, 4, 1.0, 2), 2, "at least the minimum");
    // v from the slots: mean of σ/μ over the measured workers, (0.5 + 0.25) / 2.
    let slots = timing::slots(3);
    slots[0].set_mean_sigma(2.0, 1.0);
    slots[2].set_mean_sigma(4.0, 1.0);
    assert_eq!(tap::variability(&slots), 0.375);
}

#[test]
fn pls_hands_out_static_parts_then_guided() {
    // n = 100, p = 4: S = ceil(50/4) = 13 for the first four (52); the rest,
    // 48, as GSS: ceil(0.75^j · 12) = 12, 9, 7 (6.75), 6 (5.06), 4 (3.80), 3 (2.85),
    // 3 (2.14), 2 (1.60), 2 (1.20) — 48 in all.
    assert_eq!(
        sequence(Dls::Pls, 0, 100, 4),
        [13, 13, 13, 13, 12, 9, 7, 6, 4, 3, 3, 2, 2]
    );
    // n = 1000, p = 3: S = ceil(500/3) = 167 (501); the rest, 499, from 499/3 = 166.3
    // shrinking by 2/3: 167, 111 (110.9), 74, 50, 33, 22, 15, 10, 7, 5, 3, then the 2 left.
    assert_eq!(
        sequence(Dls::Pls, 0, 1000, 3),
        [167, 167, 167, 167, 111, 74, 50, 33, 22, 15, 10, 7, 5, 3, 2]
    );
}

#[test]
fn rnd_draws_reproducibly_from_one_to_k() {
    let a = sequence(Dls::Rnd, 7, 10_000, 4);
    assert_eq!(a, sequence(Dls::Rnd, 7, 10_000, 4), "seeded");
    assert!(
        a[..a.len() - 1].iter().all(|&c| (1..=7).contains(&c)),
        "{a:?}"
    );
    for size in 1..=7 {
        assert!(
            a.contains(&size),
            "{size} never drawn in {} chunks",
            a.len()
        );
    }
    assert_eq!(sequence(Dls::Rnd, 1, 5, 2), [1; 5]);
    // Default K = ceil(n / 2p) = ceil(100000/6) = 16667 (seeded, so the
    // draws are fixed: some above 10000 show K is not smaller).
    let b = sequence(Dls::Rnd, 0, 100_000, 3);
    assert!(b.iter().all(|&c| (1..=16_667).contains(&c)), "{b:?}");
    assert!(b.iter().any(|&c| c > 10_000), "{b:?}");
}

#[test]
fn af_chunk_from_fixed_means_and_deviations() {
    // p = 2, μ = (1, 3), σ = (0.5, 1), R = 100: D = 0.25/1 + 1/3 = 0.5833,
    // T = 1/(1 + 1/3) = 0.75, D + 2TR = 150.583, sqrt(D² + 4DTR) = sqrt(175.340) = 13.242:
    // worker 0: ceil(137.342 / 2) = 69; worker 1: ceil(137.342 / 6) = 23.
    let stats = [(1.0, 0.5), (3.0, 1.0)];
    assert_eq!(af::chunk(stats[0], stats.into_iter(), 100), 69);
    assert_eq!(af::chunk(stats[1], stats.into_iter(), 100), 23);
    // σ = 0: each gets its share of the rate, T·R/μ: 75 and 25.
    let steady = [(1.0, 0.0), (3.0, 0.0)];
    assert_eq!(af::chunk(steady[0], steady.into_iter(), 100), 75);
    assert_eq!(af::chunk(steady[1], steady.into_iter(), 100), 25);
    // An unmeasured worker counts with the asking one's values: R/p.
    let half = [(2.0, 0.0), (0.0, 0.0)];
    assert_eq!(af::chunk(half[0], half.into_iter(), 100), 50);
}

#[test]
fn af_with_injected_times() {
    let dls = DlsLoop::new(Dls::Af, 0, 10_000, 2);
    let (mut w0, mut w1) = (dls.local(), dls.local());
    // The first chunk, 100, runs as ten sub-chunks of 10; each takes 10 µs
    // (1 µs per iterate) on worker 0.
    for k in 0..10 {
        assert_eq!(dls.request(0, &mut w0), Some((10 * k, 10 * k + 10)));
        dls.record(&mut w0, 0, 10, 10e-6);
    }
    // Measured μ = 1 µs, σ = 0; worker 1 unmeasured counts the same:
    // R/p = 9900/2 = 4950, in sub-chunks of 495.
    assert_eq!(dls.request(0, &mut w0), Some((100, 595)));
    // Worker 1 takes its first 100 at 3 µs per iterate.
    for k in 0..10 {
        let lo = 595 + 10 * k;
        assert_eq!(dls.request(1, &mut w1), Some((lo, lo + 10)));
        dls.record(&mut w1, 1, 10, 30e-6);
    }
    // Now μ = (1, 3) µs, σ = 0: worker 1 gets T·R/μ₁ = R/4 of R = 10000 − 695:
    // ceil(9305/4) = 2327, in sub-chunks of 232.
    assert_eq!(dls.request(1, &mut w1), Some((695, 927)));
}

#[test]
fn awf_weights_from_fixed_ratios() {
    // π = (1, 2, 4): rates 1, 1/2, 1/4 sum to 7/4; wᵢ = rateᵢ · 3 / (7/4):
    // 12/7, 6/7, 3/7.
    let pis = [1.0, 2.0, 4.0];
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(awf::weight(1.0, pis.into_iter()), 12.0 / 7.0));
    assert!(close(awf::weight(2.0, pis.into_iter()), 6.0 / 7.0));
    assert!(close(awf::weight(4.0, pis.into_iter()), 3.0 / 7.0));
    // Only measured workers count: π = (1, –, 3): 2 / (4/3) = 1.5 and 0.5.
    let some = [1.0, 0.0, 3.0];
    assert!(close(awf::weight(1.0, some.into_iter()), 1.5));
    assert!(close(awf::weight(3.0, some.into_iter()), 0.5));
    assert_eq!(awf::weight(0.0, some.into_iter()), 1.0, "unmeasured: 1");
    assert_eq!(awf::weighted(125, 1.5, 1), 188); // 187.5 rounded up
}

#[test]
fn awf_b_and_awf_c_with_injected_times() {
    // Worker 0 runs at 1 µs per iterate, worker 1 at 3: weights 1.5 and 0.5
    // once both have run a chunk.
    for (technique, expect) in [
        // AWF-B, n = 1000, p = 2: batch 0 chunks ceil(1000/4) = 250 (weight 1);
        // batch 1: 125 · 1.5 = 187.5 → 188 and 125 · 0.5 = 62.5 → 63.
        (Dls::AwfB, [(0, 250), (250, 500), (500, 688), (688, 751)]),
        // AWF-C: ceil(R/4) · w: 250, ceil(750/4) = 188, then R = 562:
        // ceil(1.5 · 141) = 212, and R = 350: 0.5 · 88 = 44.
        (Dls::AwfC, [(0, 250), (250, 438), (438, 650), (650, 694)]),
    ] {
        let dls = DlsLoop::new(technique, 0, 1000, 2);
        let mut locals = [dls.local(), dls.local()];
        let per_iterate = [1e-6, 3e-6];
        for (k, want) in expect.into_iter().enumerate() {
            let w = k % 2;
            let got = dls.request(w, &mut locals[w]);
            assert_eq!(got, Some(want), "{technique:?} request {k}");
            let size = want.1 - want.0;
            dls.record(&mut locals[w], w, size, size as f64 * per_iterate[w]);
        }
    }
}

#[test]
fn names_round_trip() {
    for technique in Dls::ALL {
        assert_eq!(Dls::from_name(technique.name()), Some(technique));
    }
    assert_eq!(Dls::from_name("awf_b"), None);
}

//! What a tune writes: `tune.json` (the winner, every candidate with its per-round rows,
//! median, interval of the ratio to the winner, rounds survived and why it was dropped,
//! and the run counts), `tune.md` (the same for people, with the winner in every syntax)
//! and `race.svg` (drawn by `wsbench-report`'s `figures::race`).

use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

use super::race::{End, Fate, Options, Outcome};
use super::space::{Candidate, Method};
use super::syntax;
use super::ConfidenceText;
use wsbench_report::figures::race::{draw, RaceLine};

/// The files of a tune folder.
pub const JSON: &str = "tune.json";
/// The Markdown report.
pub const MD: &str = "tune.md";
/// The figure.
pub const SVG: &str = "race.svg";

/// Why the race ended, in words.
pub fn end_text(o: &Outcome, opts: &Options) -> String {
    let c = opts.confidence.percent();
    match &o.end {
        End::OneLeft => format!("one candidate left: every other was slower at {c} confidence, or failed"),
        End::Indistinguishable => format!(
            "the {} candidates left are indistinguishable at {c}: each within {:.1}% of the winner",
            o.left.len(),
            opts.tie * 100.0
        ),
        End::Budget if o.left.len() > 1 => format!(
            "budget spent; the {} candidates left could not be told apart at {c} (a tie, not proven equal)",
            o.left.len()
        ),
        End::Budget => "budget spent".into(),
        End::MaxRounds if opts.exhaustive => format!("exhaustive: every candidate ran {} rounds", o.rounds),
        End::MaxRounds if o.left.len() > 1 => format!(
            "{} rounds ran; the {} candidates left could not be told apart at {c} (a tie, not proven equal)",
            o.rounds,
            o.left.len()
        ),
        End::MaxRounds => format!("{} rounds ran", o.rounds),
        End::NoneLeft => "every candidate failed".into(),
        End::Aborted(why) => format!("stopped: {why}"),
    }
}

fn fate_text(f: &Fate, cands: &[Candidate]) -> String {
    match f {
        Fate::Alive => "left at the end".into(),
        Fate::Slower {
            round,
            against,
            p_value,
            threshold,
        } => format!(
            "slower than {} after round {} (p = {p_value:.2e} ≤ Holm threshold {threshold:.2e})",
            cands[*against],
            round + 1
        ),
        Fate::Failed { round, error } => format!("failed in round {}: {error}", round + 1),
    }
}

/// The `best` object of `tune.json`.
fn best_json(c: &Candidate) -> Value {
    let (strategy, victims, steal) = match &c.method {
        Method::Strategy(s, p) => (
            s.to_string(),
            Some(p.victim_order.to_string()),
            Some(p.steal.to_string()),
        ),
        Method::OmpSchedule(s) => (s.clone(), None, None),
    };
    json!({
        "workers": c.workers,
        "placement": c.placement.to_string(),
        "strategy": strategy,
        "victim_order": victims,
        "steal": steal,
        "cpus": c.cpus,
        "omp_schedule": syntax::omp_schedule(&c.method),
    })
}

/// `tune.json`.
pub fn to_json(
    cands: &[Candidate],
    o: &Outcome,
    opts: &Options,
    values: &[Vec<Option<f64>>],
) -> Value {
    let best = o.best;
    let candidates: Vec<Value> = cands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let e = &o.entries[i];
            let interval = o.ratio_interval(i, opts.confidence);
            let ratios = o.ratios_to_best(i);
            json!({
                "name": c.to_string(),
                "workers": c.workers,
                "placement": c.placement.to_string(),
                "aliases": c.aliases,
                "method": c.method.to_string(),
                "costs": e.costs,
                "values": values.get(i),
                "median": e.median(),
                "ratio_to_best_median": super::stats::median(&ratios),
                "ratio_to_best_interval": interval.map(|(a, b)| [a, b]),
                "rounds_survived": e.measured().len(),
                "left": o.left.contains(&i),
                "why_dropped": match e.fate { Fate::Alive => None, ref f => Some(fate_text(f, cands)) },
            })
        })
        .collect();
    json!({
        "best": best.map(|b| best_json(&cands[b])),
        "end": end_text(o, opts),
        "tied_with_best": o.left.iter().skip(1).map(|&i| cands[i].to_string()).collect::<Vec<_>>(),
        "runs": o.runs,
        "rounds": o.rounds,
        "candidate_count": cands.len(),
        "exhaustive_runs_equivalent": cands.len() * opts.max_rounds,
        "confidence": opts.confidence,
        "test": opts.test,
        "tie": opts.tie,
        "min_rounds": opts.min_rounds,
        "max_rounds": opts.max_rounds,
        "max_runs": opts.max_runs,
        "exhaustive": opts.exhaustive,
        "seed": opts.seed,
        "candidates": candidates,
    })
}

/// `tune.md`.
pub fn to_markdown(title: &str, cands: &[Candidate], o: &Outcome, opts: &Options) -> String {
    let mut s = format!("# wsbench tune: {title}\n\n");
    let _ = writeln!(
        s,
        "{} candidates, {} runs in {} rounds; {}.\n",
        cands.len(),
        o.runs,
        o.rounds,
        end_text(o, opts)
    );
    if let Some(b) = o.best {
        let _ = writeln!(s, "## Winner: {}\n\n{}", cands[b], syntax::all(&cands[b]));
    }
    let _ = writeln!(
        s,
        "## Candidates\n\nRatio: cost over the winner's in the same round; interval: the distribution-free {} interval of its median.\n\n| rank | candidate | median cost | ratio to best | interval | rounds | fate |\n| ---: | --- | ---: | ---: | --- | ---: | --- |",
        opts.confidence.percent()
    );
    let mut order: Vec<usize> = o.left.clone();
    let mut rest: Vec<usize> = (0..cands.len()).filter(|i| !o.left.contains(i)).collect();
    rest.sort_by_key(|&i| std::cmp::Reverse(o.entries[i].measured().len()));
    order.extend(rest);
    for (rank, &i) in order.iter().enumerate() {
        let e = &o.entries[i];
        let ratio = super::stats::median(&o.ratios_to_best(i));
        let iv = o
            .ratio_interval(i, opts.confidence)
            .map_or("—".into(), |(a, b)| format!("{a:.3}–{b:.3}"));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {iv} | {} | {} |",
            rank + 1,
            cands[i],
            e.median().map_or("—".into(), |m| format!("{m:.4e}")),
            ratio.map_or("—".into(), |r| format!("{r:.3}")),
            e.measured().len(),
            fate_text(&e.fate, cands)
        );
    }
    s
}

/// Writes `tune.json`, `tune.md` and `race.svg` into `dir`.
pub fn write(
    dir: &Path,
    title: &str,
    cands: &[Candidate],
    o: &Outcome,
    opts: &Options,
    values: &[Vec<Option<f64>>],
) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(&to_json(cands, o, opts, values))?;
    std::fs::write(dir.join(JSON), json + "\n")?;
    std::fs::write(dir.join(MD), to_markdown(title, cands, o, opts))?;
    let base = o.best.and_then(|b| o.entries[b].median()).unwrap_or(1.0);
    let mut lines: Vec<RaceLine> = o
        .left
        .iter()
        .map(|&i| (i, true))
        .chain(
            (0..cands.len())
                .filter(|i| !o.left.contains(i))
                .map(|i| (i, false)),
        )
        .map(|(i, left)| RaceLine {
            label: cands[i].to_string(),
            ratios: o.entries[i]
                .costs
                .iter()
                .map(|c| c.map(|v| v / base))
                .collect(),
            left,
        })
        .collect();
    lines.retain(|l| l.ratios.iter().any(Option::is_some));
    draw(&dir.join(SVG), &format!("wsbench tune: {title}"), &lines)
}

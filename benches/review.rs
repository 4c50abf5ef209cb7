//! Benchmark: looking for conflicts in a note with a long history, against a baseline measured
//! in the same run: reading the note's text with `text()`.
//!
//! The note is typed in 100,000 small changes (one device), then two devices each rewrite the
//! same sentence: once apart (ten minutes between them: a conflict, so four past texts are read
//! and diffed), once live (a second apart: the walk finds the sides too close and stops there).
//! Reported: the median of each over several runs. The history is built with plain Automerge
//! transactions carrying copse's messages and times; building it is quadratic in automerge 0.12
//! (each insert moves the op columns), about an hour for 100,000 changes on a 2-core machine.
//!
//! Run: `cargo bench --bench review`; `COPSE_BENCH_CHANGES=N` for another size,
//! `COPSE_BENCH_QUICK=1` for 2,000 changes (a check that the benchmark still runs, not a figure).

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use automerge::transaction::CommitOptions;
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc};
use copse::model::DeviceId;
use copse::model::conflict;
use copse::model::history::message;

const T0: i64 = 1_900_000_000_000;
const RUNS: usize = 15;

fn change(
    doc: &mut Automerge,
    device: &str,
    at: i64,
    edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) {
    // A plain Automerge transaction with copse's message and time: what detection reads is
    // the same, and the history builds in linear time.
    let msg = message("edit note", &DeviceId::from(device.to_string()));
    let mut tx = doc.transaction();
    edit(&mut tx);
    tx.commit_with(CommitOptions::default().with_message(msg).with_time(at));
}

fn median(mut f: impl FnMut() -> usize) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let quick = std::env::var("COPSE_BENCH_QUICK").is_ok_and(|v| v == "1");
    let changes: usize = match std::env::var("COPSE_BENCH_CHANGES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(n) => n,
        None if quick => 2_000,
        None => 100_000,
    };
    let mut doc = Automerge::new().with_actor(ActorId::random());
    let mut body = None;
    change(&mut doc, "ann", T0, |tx| {
        tx.put(ROOT, "title", "Agreements").unwrap();
        let text = tx.put_object(ROOT, "body", ObjType::Text).unwrap();
        tx.splice_text(&text, 0, 0, "We start on time.\n").unwrap();
        body = Some(text);
    });
    let body = body.unwrap();
    let built = Instant::now();
    for i in 0..changes {
        let len = doc.length(&body);
        // Typing at the end, with a line break now and then; the first line stays.
        let typed = if i % 60 == 59 { "\n" } else { "a" };
        change(&mut doc, "ann", T0 + i as i64, |tx| {
            tx.splice_text(&body, len, 0, typed).unwrap();
        });
    }
    println!(
        "history: {} changes, {} bytes of text (built in {:.1?})",
        changes,
        doc.text(&body).unwrap().len(),
        built.elapsed()
    );
    let baseline = median(|| doc.text(&body).unwrap().len());
    println!("baseline text():            {baseline:>10.1?}");

    for (what, gap_ms) in [
        ("offline merge (10 min)", 10 * 60_000),
        ("live merge (1 s)", 1_000),
    ] {
        let mut ann = doc.fork();
        let mut bob = doc.fork();
        let at = T0 + changes as i64 + 60_000;
        change(&mut ann, "ann", at, |tx| {
            tx.splice_text(&body, 16, 0, ", always").unwrap();
        });
        change(&mut bob, "bob", at + gap_ms, |tx| {
            tx.splice_text(&body, 9, 7, "five minutes late").unwrap();
        });
        let seen = ann.get_heads();
        ann.merge(&mut bob).unwrap();
        let found = conflict::scan(&ann, &seen);
        let cost = median(|| conflict::scan(&ann, &seen).conflicts.len());
        println!(
            "{what:<27} {cost:>10.1?}  ({:.2}x baseline; {} conflict(s) found)",
            cost.as_secs_f64() / baseline.as_secs_f64(),
            found.conflicts.len()
        );
    }
}

//! Benchmark: the CPU time of one frame of each main view, drawn by the real `App` in the
//! egui_kittest harness (egui's layout and tessellation, no GPU), with the *large community*
//! loaded (1,000 notes, 500 topics, 200 cases, 20 members), against an empty community measured
//! in the same run. The Notes view is measured with the most recently changed note open in the
//! editor.
//!
//! Each view is shown until its data has arrived, warmed up for 10 frames, then 100 frames are
//! timed with the UI thread's CPU clock (so time the node spends on other threads is not
//! counted). Reported: median and max per view. Goal: median under 4 ms for every view.
//!
//! Run: `cargo bench --bench frames`; `COPSE_BENCH_QUICK=1` for a small community and fewer
//! frames (a check that the benchmark still runs, not a figure); COPSE_BENCH_DIR keeps the built
//! community between runs.

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use copse::node::{Node, NodeConfig};
use copse::ui::bridge::Bridge;
use copse::ui::{App, View};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

#[path = "common/large.rs"]
mod large;

const WARM_UP: usize = 10;

/// CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill in.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    if !ok {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The window on `node`, stepped until the community is shown.
fn window(node: &Node, runtime: &tokio::runtime::Runtime) -> Harness<'static, App> {
    let handle = runtime.handle().clone();
    let app_node = node.clone();
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |_cc| {
            App::new(
                Bridge::start(app_node.clone(), &handle, || {}),
                app_node.device_id().to_string(),
            )
        });
    settle(&mut harness, "the community", |h| {
        h.query_by_label("Pulse").is_some()
    });
    harness
}

/// Steps (real time passes) until `ready`, for at most 60 s.
fn settle(harness: &mut Harness<'static, App>, what: &str, ready: impl Fn(&Harness<App>) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready(harness) {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Median and max of `frames` frames of `view`, in ms.
fn measure(harness: &mut Harness<'static, App>, view: View, frames: usize) -> (f64, f64) {
    harness.state_mut().view = view;
    // Views that ask the node for something (pulse, search …) get it before timing starts.
    let until = Instant::now() + Duration::from_millis(500);
    while Instant::now() < until {
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    for _ in 0..WARM_UP {
        harness.step();
    }
    let mut times: Vec<f64> = (0..frames)
        .map(|_| {
            let start = thread_cpu_time();
            harness.step();
            (thread_cpu_time() - start).as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() - 1])
}

/// Opens the most recently changed note in the Notes view, so the editor is measured too.
fn open_a_note(harness: &mut Harness<'static, App>, node: &Node, rt: &tokio::runtime::Runtime) {
    let title = rt.block_on(async {
        let id = node.resolve_community(None).ok()?;
        let c = node.community(&id).await.ok()?;
        c.notes
            .values()
            .max_by_key(|e| e.updated_at)
            .map(|e| e.title.clone())
    });
    let Some(title) = title else { return };
    harness.state_mut().view = View::Notes;
    settle(harness, "the note list", |h| {
        h.query_by_label(&title).is_some()
    });
    harness.get_by_label(&title).click();
    settle(harness, "the editor", |h| {
        h.query_by_label("Note body (Markdown)").is_some()
    });
}

fn main() -> anyhow::Result<()> {
    let quick = std::env::var("COPSE_BENCH_QUICK").is_ok_and(|v| v == "1");
    let (size, frames) = if quick {
        (large::Size::QUICK, 20)
    } else {
        (large::Size::LARGE, 100)
    };
    let work = tempfile::tempdir()?;
    let base = std::env::var_os("COPSE_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| work.path().to_path_buf());
    let large_dir = base.join(if quick { "quick" } else { "large" });
    let empty_dir = work.path().join("empty");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if !large_dir.join("copse.db").exists() {
        let started = Instant::now();
        runtime.block_on(large::build(&large_dir, &work.path().join("raw"), &size))?;
        eprintln!(
            "built the community in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let large = runtime.block_on(Node::open(NodeConfig::offline(large_dir.clone())))?;
    let empty = runtime.block_on(async {
        let node = Node::open(NodeConfig::offline(empty_dir.clone())).await?;
        node.create_community("Empty", "", "Ada").await?;
        anyhow::Ok(node)
    })?;

    let mut results = Vec::new();
    for (name, node) in [("large", &large), ("empty", &empty)] {
        let mut harness = window(node, &runtime);
        let mut row = Vec::new();
        for (view, label) in View::ALL {
            if view == View::Notes {
                open_a_note(&mut harness, node, &runtime);
            }
            row.push((label, measure(&mut harness, view, frames)));
        }
        results.push((name, row));
        drop(harness);
    }

    println!(
        "frame CPU time per view, ms ({frames} frames each; goal: median under 4 ms with the large community)"
    );
    println!(
        "{:<12} {:>14} {:>12} {:>14} {:>12}",
        "view", "large median", "large max", "empty median", "empty max"
    );
    let (large_row, empty_row) = (&results[0].1, &results[1].1);
    let mut worst: f64 = 0.0;
    for ((label, (lm, lx)), (_, (em, ex))) in large_row.iter().zip(empty_row) {
        worst = worst.max(*lm);
        println!("{label:<12} {lm:>14.2} {lx:>12.2} {em:>14.2} {ex:>12.2}");
    }
    println!(
        "worst median with the large community: {worst:.2} ms ({})",
        if worst < 4.0 {
            "goal met"
        } else {
            "goal missed"
        }
    );
    runtime.block_on(async {
        large.shutdown().await?;
        empty.shutdown().await
    })?;
    Ok(())
}

//! Benchmark: open a *large community* cold and have every snapshot ready, against raw
//! `automerge::Automerge::load` of the same documents' saved bytes, in the same run.
//!
//! The large community: 20 members, 1,000 notes of ~2 KB each written as 100 separate edits,
//! 500 topics with endorsements (some nested), 200 peer-assist cases with questions and
//! suggestions. Each measurement runs in a fresh child process so that its peak memory
//! (VmHWM) is its own; the figure is the median of several runs.
//!
//! Run: `cargo bench --bench open_large` (set `COPSE_BENCH_RUNS` to change the run count).

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use automerge::Automerge;
use copse::model::NoteEdit;
use copse::node::{Node, NodeConfig};

#[path = "common/large.rs"]
mod large;

const SIZE: large::Size = large::Size::LARGE;
const NOTES: usize = SIZE.notes;
const EDITS_PER_NOTE: usize = SIZE.edits_per_note;
const TOPICS: usize = SIZE.topics;
const CASES: usize = SIZE.cases;
const MEMBERS: usize = SIZE.members;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let mode = args.get(pos + 1).map(String::as_str).unwrap_or_default();
        let dir = PathBuf::from(args.get(pos + 2).map(String::as_str).unwrap_or_default());
        return child(mode, &dir);
    }
    let runs: usize = std::env::var("COPSE_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let work = tempfile::tempdir()?;
    let data_dir = work.path().join("data");
    let raw_dir = work.path().join("raw");
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(large::build(&data_dir, &raw_dir, &SIZE))?;
    eprintln!(
        "built the large community in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut ours = Vec::new();
    let mut raw = Vec::new();
    for _ in 0..runs {
        ours.push(measure("open", &data_dir)?);
        raw.push(measure("raw", &raw_dir)?);
    }
    let (ours_ms, ours_mem) = medians(&ours);
    let (raw_ms, raw_mem) = medians(&raw);
    let (community_changes, community_bytes) =
        runtime.block_on(large::community_document(&data_dir))?;
    let edit_ms = runtime.block_on(edit_notes(&data_dir, EDITS_AFTER))?;
    let (changes_after, bytes_after) = runtime.block_on(large::community_document(&data_dir))?;
    let db_bytes = folder_bytes(&data_dir, |name| name.starts_with("copse.db"))?;
    let raw_bytes = folder_bytes(&raw_dir, |_| true)?;
    println!(
        "large community: {NOTES} notes x {EDITS_PER_NOTE} edits, {TOPICS} topics, {CASES} cases, {MEMBERS} members; median of {runs} fresh processes"
    );
    println!(
        "{:<44} {:>10} {:>14} {:>12}",
        "", "open ms", "peak RSS MiB", "disk MiB"
    );
    println!(
        "{:<44} {:>10.1} {:>14.1} {:>12.2}",
        "copse: Node::open + every snapshot hydrated",
        ours_ms,
        ours_mem,
        mib(db_bytes)
    );
    println!(
        "{:<44} {:>10.1} {:>14.1} {:>12.2}",
        "baseline: raw Automerge::load of saved bytes",
        raw_ms,
        raw_mem,
        mib(raw_bytes)
    );
    println!(
        "the community document: {community_changes} changes, {:.1} KiB saved; after {EDITS_AFTER} note edits through Node ({edit_ms:.1} ms each): {changes_after} changes, {:.1} KiB",
        community_bytes as f64 / 1024.0,
        bytes_after as f64 / 1024.0
    );
    println!(
        "ratio copse/baseline: open {:.2}x, peak memory {:.2}x, disk {:.2}x",
        ours_ms / raw_ms,
        ours_mem / raw_mem,
        db_bytes as f64 / raw_bytes as f64
    );
    Ok(())
}

/// Note edits made through `Node` after the open measurements, one to each of as many notes.
const EDITS_AFTER: usize = 100;

/// Edits `count` notes once each through `Node`; the mean time per edit, in ms.
async fn edit_notes(dir: &Path, count: usize) -> anyhow::Result<f64> {
    let node = Node::open(NodeConfig::offline(dir.to_path_buf())).await?;
    let id = node.resolve_community(None)?;
    let notes: Vec<_> = node
        .community(&id)
        .await?
        .notes
        .keys()
        .take(count)
        .cloned()
        .collect();
    let started = Instant::now();
    for note in &notes {
        node.edit_note(&id, note, NoteEdit::Append(" One more line.".into()))
            .await?;
    }
    node.flush().await?;
    let each = started.elapsed().as_secs_f64() * 1000.0 / notes.len().max(1) as f64;
    node.shutdown().await?;
    Ok(each)
}

/// One measurement: (milliseconds, peak RSS in MiB) reported by a fresh child process.
fn measure(mode: &str, dir: &Path) -> anyhow::Result<(f64, f64)> {
    let out = Command::new(std::env::current_exe()?)
        .args(["--child", mode])
        .arg(dir)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "child {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let mut parts = text.split_whitespace().map(str::parse::<f64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(ms)), Some(Ok(mem))) => Ok((ms, mem)),
        _ => anyhow::bail!("unexpected child output: {text}"),
    }
}

fn child(mode: &str, dir: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    match mode {
        "open" => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime
                .block_on(async {
                    let node = Node::open(NodeConfig::offline(dir.to_path_buf())).await?;
                    let id = node.resolve_community(None)?;
                    let community = node.community(&id).await?;
                    let notes = community.notes.keys().map(|n| node.note(&id, n));
                    let cases = community.cases.keys().map(|c| node.case(&id, c));
                    let notes = futures::future::try_join_all(notes).await?;
                    let cases = futures::future::try_join_all(cases).await?;
                    anyhow::ensure!(
                        notes.len() == NOTES && cases.len() == CASES,
                        "incomplete load"
                    );
                    let elapsed = started.elapsed();
                    node.shutdown().await?;
                    Ok::<_, anyhow::Error>(elapsed)
                })
                .map(|elapsed| report(elapsed.as_secs_f64() * 1000.0))?;
        }
        "raw" => {
            let mut docs = Vec::new();
            for entry in std::fs::read_dir(dir)? {
                let bytes = std::fs::read(entry?.path())?;
                docs.push(Automerge::load(&bytes)?);
            }
            anyhow::ensure!(docs.len() == NOTES + CASES + 1, "incomplete load");
            report(started.elapsed().as_secs_f64() * 1000.0);
        }
        other => anyhow::bail!("unknown child mode {other}"),
    }
    Ok(())
}

fn report(ms: f64) {
    println!("{ms} {}", peak_rss_mib());
}

/// VmHWM: the most resident memory this process ever had.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn medians(samples: &[(f64, f64)]) -> (f64, f64) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    (
        median(samples.iter().map(|s| s.0).collect()),
        median(samples.iter().map(|s| s.1).collect()),
    )
}

fn folder_bytes(dir: &Path, include: impl Fn(&str) -> bool) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if include(&entry.file_name().to_string_lossy()) {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

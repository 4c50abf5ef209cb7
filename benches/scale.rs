//! Benchmark: the cost of single operations through `Node` — propose a topic, endorse one, add a
//! note, edit a note, comment on it — in a community of 1× and of 10× the large community's
//! topics, endorsements, members and index entries, measured in the same run (1× is the
//! baseline). Goal: an operation at 10× costs at most 1.2× what it costs at 1×.
//!
//! Each figure comes from fresh child processes that open the prepared folder and run the
//! operation `FEW` and then `MANY` times; the cost of one operation is the difference divided by
//! `MANY - FEW`, so opening the community and the first operation's warm-up cancel out.
//! By default the children are timed (median of `COPSE_BENCH_RUNS`, 3); with
//! `COPSE_BENCH_CALLGRIND=1` they run under `valgrind --tool=callgrind` and the figure is
//! instructions executed, which a busy shared machine does not disturb.
//!
//! Also reported: the community document's change count and saved size after `MANY` note edits,
//! which should not grow with them.
//!
//! Run: `cargo bench --bench scale`.

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use copse::model::community::NewTopic;
use copse::model::{Community, DocEntry, Member, MemberId, NoteEdit, NoteId, Timestamp, TopicId};
use copse::model::{DocRef, change};
use copse::node::{Node, NodeConfig};

#[path = "common/large.rs"]
mod large;

/// Operations run before the measured ones, and in all.
const FEW: usize = 5;
const MANY: usize = 25;

/// The large community's shape, multiplied by the scale.
const TOPICS: usize = 500;
const MEMBERS: usize = 20;
const NOTES: usize = 1_000;
const CASES: usize = 200;

const OPS: [&str; 5] = ["add-topic", "endorse", "add-note", "edit-note", "comment"];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let arg = |i: usize| args.get(pos + i).cloned().unwrap_or_default();
        let runtime = tokio::runtime::Runtime::new()?;
        return runtime.block_on(child(Path::new(&arg(1)), &arg(2), arg(3).parse()?));
    }
    let callgrind = std::env::var("COPSE_BENCH_CALLGRIND").is_ok_and(|v| v == "1");
    let runs: usize = std::env::var("COPSE_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let work = tempfile::tempdir()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let scales = [1usize, 10];
    let mut folders = Vec::new();
    for scale in scales {
        let dir = work.path().join(format!("x{scale}"));
        let started = Instant::now();
        runtime.block_on(build(&dir, scale))?;
        eprintln!(
            "built the {scale}x community in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        folders.push(dir);
    }
    let unit = if callgrind { "instructions" } else { "ms" };
    println!(
        "one operation through Node, in a community of 1x and 10x ({TOPICS} topics with endorsements, {MEMBERS} members, {NOTES} notes and {CASES} cases listed at 1x); {unit} per operation, from {FEW} and {MANY} operations"
    );
    println!(
        "{:<12} {:>16} {:>16} {:>8}",
        "operation", "1x", "10x", "10x/1x"
    );
    for op in OPS {
        let mut per_scale = Vec::new();
        for dir in &folders {
            let cost = |count: usize| -> anyhow::Result<f64> {
                let mut samples = Vec::new();
                for _ in 0..if callgrind { 1 } else { runs } {
                    samples.push(measure(dir, op, count, callgrind)?);
                }
                samples.sort_by(f64::total_cmp);
                Ok(samples[samples.len() / 2])
            };
            let few = cost(FEW)?;
            let many = cost(MANY)?;
            per_scale.push((many - few) / (MANY - FEW) as f64);
        }
        println!(
            "{:<12} {:>16.1} {:>16.1} {:>7.2}x",
            op,
            per_scale[0],
            per_scale[1],
            per_scale[1] / per_scale[0]
        );
    }
    for (scale, dir) in scales.iter().zip(&folders) {
        let (changes, bytes) = runtime.block_on(large::community_document(dir))?;
        println!(
            "{scale}x: community document after the runs' note edits and comments: {changes} changes, {:.1} KiB saved",
            bytes as f64 / 1024.0
        );
    }
    Ok(())
}

/// Builds a community at `scale`: topics with endorsements, members, and index entries for
/// notes and cases (whose documents are not needed to change the community), plus one real
/// note to edit.
async fn build(dir: &Path, scale: usize) -> anyhow::Result<()> {
    let node = Node::open(NodeConfig::offline(dir.to_path_buf())).await?;
    let at = Timestamp(1_700_000_000_000);
    let founder = MemberId::from(node.device_id().to_string());
    let mut c = Community::new(
        "A large community",
        "Learning together at scale",
        &founder,
        Member::new("Founder", node.device_id(), at)?,
        at,
    )?;
    let members: Vec<MemberId> = (1..MEMBERS * scale)
        .map(|i| MemberId::from(format!("member{i:04}")))
        .collect();
    for m in &members {
        c.add_member(m.clone(), Member::new(m.as_str(), m.as_str(), at)?);
    }
    let listed = |i: usize| {
        let author = members[i % members.len()].clone();
        DocEntry::new(&format!("Document {i}"), author, at)
    };
    for i in 0..NOTES * scale {
        let id = NoteId::from(samod::DocumentId::new(&mut rand::rng()).to_string());
        c.index(DocRef::Note(id), listed(i));
    }
    for i in 0..CASES * scale {
        let id = copse::model::CaseId::from(samod::DocumentId::new(&mut rand::rng()).to_string());
        c.index(DocRef::Case(id), listed(i));
    }
    for i in 0..TOPICS * scale {
        let by = &members[i % members.len()];
        let id = TopicId::from(format!("topic{i:05}"));
        let new = NewTopic {
            title: format!("Topic {i}"),
            description: "Why this matters to us.".into(),
            parent: None,
        };
        c.add_topic(id.clone(), by, &new, at)?;
        for e in 0..(i % 7) {
            c.endorse_topic(&id, &members[(i + e) % members.len()], at)?;
        }
    }
    let doc = change::create(&c, "create community", at)?;
    let id = node.import_document(doc).await?;
    let id = copse::model::CommunityId::from(id);
    node.flush().await?;
    node.remember_community(&id)?;
    node.add_note(&id, "The note we edit", "Start.").await?;
    node.shutdown().await?;
    Ok(())
}

/// One child process running `count` operations: its wall time in ms, or its instructions.
fn measure(dir: &Path, op: &str, count: usize, callgrind: bool) -> anyhow::Result<f64> {
    let exe = std::env::current_exe()?;
    let child_args = [
        "--child".to_string(),
        dir.display().to_string(),
        op.to_string(),
        count.to_string(),
    ];
    let out_file: PathBuf = dir.with_extension(format!("{op}-{count}.callgrind"));
    let output = if callgrind {
        Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out_file.display()))
            .arg(&exe)
            .args(&child_args)
            .output()?
    } else {
        Command::new(&exe).args(&child_args).output()?
    };
    anyhow::ensure!(
        output.status.success(),
        "child {op} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    if callgrind {
        let text = std::fs::read_to_string(&out_file)?;
        let total = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("summary: ")
                    .or_else(|| l.strip_prefix("totals: "))
            })
            .and_then(|n| n.trim().parse::<f64>().ok());
        total.ok_or_else(|| anyhow::anyhow!("no instruction count in {}", out_file.display()))
    } else {
        Ok(String::from_utf8(output.stdout)?.trim().parse()?)
    }
}

/// Opens the folder and runs `op` `count` times; prints the time the operations took (ms).
async fn child(dir: &Path, op: &str, count: usize) -> anyhow::Result<()> {
    let node = Node::open(NodeConfig::offline(dir.to_path_buf())).await?;
    let c = node.resolve_community(None)?;
    let community = node.community(&c).await?;
    let note = community
        .notes
        .iter()
        .find(|(_, e)| e.title == "The note we edit")
        .map(|(id, _)| id.clone())
        .ok_or_else(|| anyhow::anyhow!("the note to edit is missing"))?;
    let me = node.me(&c).await?;
    // Topics this member has not endorsed yet, one per endorsement.
    let to_endorse: Vec<TopicId> = community
        .topics
        .iter()
        .filter(|(_, t)| !t.endorsements.contains_key(&me))
        .map(|(id, _)| id.clone())
        .take(count)
        .collect();
    let mut to_endorse = to_endorse.into_iter();
    drop(community);
    let started = Instant::now();
    for i in 0..count {
        match op {
            "add-topic" => {
                let new = NewTopic {
                    title: format!("New topic {i}"),
                    ..Default::default()
                };
                node.add_topic(&c, new).await?;
            }
            "endorse" => {
                let topic = to_endorse
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("no topic left to endorse"))?;
                node.endorse_topic(&c, &topic).await?;
            }
            "add-note" => {
                node.add_note(&c, &format!("New note {i}"), "Body.").await?;
            }
            "edit-note" => {
                node.edit_note(&c, &note, NoteEdit::Append(format!(" More {i}.")))
                    .await?;
            }
            "comment" => {
                node.comment_note(&c, &note, format!("Comment {i}")).await?;
            }
            other => anyhow::bail!("unknown operation {other}"),
        }
        node.flush().await?;
    }
    let elapsed = started.elapsed();
    node.shutdown().await?;
    println!("{}", elapsed.as_secs_f64() * 1000.0);
    Ok(())
}

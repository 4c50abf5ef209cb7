//! Benchmark: open a *large community* cold and have every snapshot ready, against raw
//! `automerge::Automerge::load` of the same documents' saved bytes, in the same run.
//!
//! The large community: 20 members, 1,000 notes of ~2 KB each written as 100 separate edits,
//! 500 topics with endorsements (some nested), 200 peer-assist cases with questions and
//! suggestions. Each measurement runs in a fresh child process so that its peak memory
//! (VmHWM) is its own; the figure is the median of several runs.
//!
//! Run: `cargo bench --bench open_large` (set `COPSE_BENCH_RUNS` to change the run count).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use copse::model::community::NewTopic;
use copse::model::{
    ActionId, Case, CaseId, Community, CommunityId, DocEntry, Member, MemberId, Note, NoteId,
    QuestionId, SuggestionId, Timestamp, TopicId, change,
};
use copse::node::{Node, NodeConfig};

const NOTES: usize = 1_000;
const EDITS_PER_NOTE: usize = 100;
const TOPICS: usize = 500;
const CASES: usize = 200;
const MEMBERS: usize = 20;

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
    runtime.block_on(build(&data_dir, &raw_dir))?;
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
        "ratio copse/baseline: open {:.2}x, peak memory {:.2}x, disk {:.2}x",
        ours_ms / raw_ms,
        ours_mem / raw_mem,
        db_bytes as f64 / raw_bytes as f64
    );
    Ok(())
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

/// Builds the large community with many members' separate changes, stores it through a Node
/// (as a real community would be stored), and writes each document's saved bytes for the
/// baseline.
async fn build(data_dir: &Path, raw_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(raw_dir)?;
    let node = Node::open(NodeConfig::offline(data_dir.to_path_buf())).await?;
    let members: Vec<MemberId> = (0..MEMBERS)
        .map(|i| MemberId::from(format!("member{i:02}")))
        .collect();
    let mut t = 1_700_000_000_000i64;
    let mut tick = || {
        t += 1_000;
        Timestamp(t)
    };

    let mut index_notes = Vec::new();
    for n in 0..NOTES {
        let author = &members[n % MEMBERS];
        let at = tick();
        let mut doc = change::create(
            &Note::new(&format!("Note {n}: what we learned"), "", author, at)?,
            "add note",
            at,
        )?;
        // 100 separate changes, each a splice at the end of the body, as typing produces.
        let body = match doc.get(automerge::ROOT, "body")? {
            Some((_, body)) => body,
            None => anyhow::bail!("a note without a body"),
        };
        for e in 0..EDITS_PER_NOTE {
            let line = format!("Edit {e:03} of note {n}. ");
            let options = automerge::transaction::CommitOptions::default()
                .with_message("edit note")
                .with_time(tick().0);
            doc.transact_with(
                |_| options,
                |tx| {
                    let end = tx.length(&body);
                    tx.splice_text(&body, end, 0, &line)
                },
            )
            .map_err(|f| anyhow::anyhow!("{}", f.error))?;
        }
        let id = NoteId::from(store(&node, doc, raw_dir).await?);
        index_notes.push((
            id,
            DocEntry {
                title: format!("Note {n}: what we learned"),
                author: author.clone(),
                created_at: at,
                updated_at: tick(),
                updated_by: None,
            },
        ));
    }

    let mut index_cases = Vec::new();
    for k in 0..CASES {
        let presenter = &members[k % MEMBERS];
        let at = tick();
        let mut doc = change::create(
            &Case::new(
                &format!("Case {k}"),
                "Our situation, in a paragraph or two.",
                presenter,
                at,
            )?,
            "open case",
            at,
        )?;
        for q in 0..5 {
            let asker = members[(k + q + 1) % MEMBERS].clone();
            let qid = QuestionId::from(format!("q{k}-{q}"));
            let now = tick();
            change::update(&mut doc, "ask", now, |c: &mut Case| {
                c.ask_question(qid.clone(), &asker, "What have you tried so far?", now)
            })?;
            let p = presenter.clone();
            change::update(&mut doc, "answer", now, |c: &mut Case| {
                c.answer_question(&qid, &p, "Two things, both stalled.", now)
            })?;
        }
        let p = presenter.clone();
        change::update(&mut doc, "advance", tick(), |c: &mut Case| {
            c.advance_phase(&p)
        })?;
        for s in 0..5 {
            let by = members[(k + s + 2) % MEMBERS].clone();
            let now = tick();
            change::update(&mut doc, "suggest", now, |c: &mut Case| {
                c.suggest(
                    SuggestionId::from(format!("s{k}-{s}")),
                    &by,
                    "Start smaller: one team, one month.",
                    now,
                )
            })?;
        }
        if k % 2 == 0 {
            let now = tick();
            change::update(&mut doc, "advance", now, |c: &mut Case| c.advance_phase(&p))?;
            change::update(&mut doc, "close", now, |c: &mut Case| {
                c.close(
                    &p,
                    "Trying the pilot.",
                    vec![(
                        ActionId::from(format!("a{k}")),
                        "Ask the lead".into(),
                        Some(p.clone()),
                    )],
                    now,
                )
            })?;
        }
        let id = CaseId::from(store(&node, doc, raw_dir).await?);
        index_cases.push((
            id,
            DocEntry {
                title: format!("Case {k}"),
                author: presenter.clone(),
                created_at: at,
                updated_at: tick(),
                updated_by: None,
            },
        ));
    }

    let at = tick();
    let founder = members[0].clone();
    let mut community = Community::new(
        "A large community",
        "Learning together at scale",
        &founder,
        Member::new("member00", node.device_id(), at)?,
        at,
    )?;
    for m in &members[1..] {
        community.add_member(m.clone(), Member::new(m.as_str(), m.as_str(), at)?);
    }
    let mut doc = change::create(&community, "create community", at)?;
    // The index arrives in batches of 100 entries per change.
    for batch in index_notes.chunks(100) {
        change::update(&mut doc, "index notes", tick(), |c: &mut Community| {
            batch
                .iter()
                .for_each(|(id, entry)| c.index_note(id.clone(), entry.clone()));
            Ok(())
        })?;
    }
    for batch in index_cases.chunks(100) {
        change::update(&mut doc, "index cases", tick(), |c: &mut Community| {
            batch
                .iter()
                .for_each(|(id, entry)| c.index_case(id.clone(), entry.clone()));
            Ok(())
        })?;
    }
    let mut topic_ids: Vec<TopicId> = Vec::new();
    for i in 0..TOPICS {
        let by = members[i % MEMBERS].clone();
        let parent = (i % 10 == 9).then(|| topic_ids[i - 1].clone());
        let new = NewTopic {
            title: format!("Topic {i}"),
            description: "Why this matters to us.".into(),
            parent,
        };
        let id = TopicId::from(format!("topic{i:03}"));
        let now = tick();
        change::update(&mut doc, "propose topic", now, |c: &mut Community| {
            c.add_topic(id.clone(), &by, &new, now)
        })?;
        for e in 0..(i % 7) {
            let who = members[(i + e) % MEMBERS].clone();
            let now = tick();
            change::update(&mut doc, "endorse", now, |c: &mut Community| {
                c.endorse_topic(&id, &who, now)
            })?;
        }
        topic_ids.push(id);
    }
    let id = CommunityId::from(store(&node, doc, raw_dir).await?);
    node.remember_community(&id)?;
    node.shutdown().await?;
    Ok(())
}

/// Stores a document through the node and its saved bytes for the baseline.
async fn store(node: &Node, doc: Automerge, raw_dir: &Path) -> anyhow::Result<String> {
    let bytes = doc.save();
    let id = node.import_document(doc).await?;
    std::fs::write(raw_dir.join(&id), bytes)?;
    Ok(id)
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

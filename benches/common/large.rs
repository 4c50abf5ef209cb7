//! The *large community* the benchmarks run on, built once per run: members' separate changes
//! stored through a real `Node`, and each document's saved bytes for raw baselines.
//!
//! Shared by the benches with `#[path = "common/large.rs"] mod large;`; each uses part of it.
#![allow(dead_code)]

use std::path::Path;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use copse::model::community::NewTopic;
use copse::model::{
    ActionId, Case, CaseId, Community, CommunityId, DocEntry, Member, MemberId, Note, NoteId,
    QuestionId, SuggestionId, Timestamp, TopicId, change,
};
use copse::node::{Node, NodeConfig};

/// How large a community to build.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub notes: usize,
    pub edits_per_note: usize,
    pub topics: usize,
    pub cases: usize,
    pub members: usize,
}

impl Size {
    /// The large community: 20 members, 1,000 notes of ~2 KB each written as 100 separate
    /// edits, 500 topics with endorsements (some nested), 200 cases with questions and
    /// suggestions.
    pub const LARGE: Size = Size {
        notes: 1_000,
        edits_per_note: 100,
        topics: 500,
        cases: 200,
        members: 20,
    };

    /// A tenth of it, for a quick check that a benchmark still runs.
    pub const QUICK: Size = Size {
        notes: 100,
        edits_per_note: 20,
        topics: 50,
        cases: 20,
        // More than the 6 other members who question and suggest on each case.
        members: 10,
    };
}

/// Builds the large community with many members' separate changes, stores it through a Node
/// (as a real community would be stored), and writes each document's saved bytes for the
/// baseline.
pub async fn build(data_dir: &Path, raw_dir: &Path, size: &Size) -> anyhow::Result<()> {
    std::fs::create_dir_all(raw_dir)?;
    let node = Node::open(NodeConfig::offline(data_dir.to_path_buf())).await?;
    let members: Vec<MemberId> = (0..size.members)
        .map(|i| MemberId::from(format!("member{i:02}")))
        .collect();
    let mut t = 1_700_000_000_000i64;
    let mut tick = || {
        t += 1_000;
        Timestamp(t)
    };

    let mut index_notes = Vec::new();
    for n in 0..size.notes {
        let author = &members[n % size.members];
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
        for e in 0..size.edits_per_note {
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
                updated_by: Some(author.clone()),
            },
        ));
    }

    let mut index_cases = Vec::new();
    for k in 0..size.cases {
        let presenter = &members[k % size.members];
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
            let asker = members[(k + q + 1) % size.members].clone();
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
            let by = members[(k + s + 2) % size.members].clone();
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
                updated_by: Some(presenter.clone()),
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
                .for_each(|(id, entry)| c.index(id.clone().into(), entry.clone()));
            Ok(())
        })?;
    }
    for batch in index_cases.chunks(100) {
        change::update(&mut doc, "index cases", tick(), |c: &mut Community| {
            batch
                .iter()
                .for_each(|(id, entry)| c.index(id.clone().into(), entry.clone()));
            Ok(())
        })?;
    }
    let mut topic_ids: Vec<TopicId> = Vec::new();
    for i in 0..size.topics {
        let by = members[i % size.members].clone();
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
            let who = members[(i + e) % size.members].clone();
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

/// The community document of the folder's one community as stored: its change count and its
/// size saved in one piece (what every member loads and syncs).
pub async fn community_document(dir: &Path) -> anyhow::Result<(usize, usize)> {
    use samod::storage::{Storage, StorageKey};
    let node = Node::open(NodeConfig::offline(dir.to_path_buf())).await?;
    let c = node.resolve_community(None)?;
    let chunks = node
        .storage()
        .load_range(StorageKey::from_parts([c.to_string()])?)
        .await;
    let mut doc = Automerge::new();
    for bytes in chunks.values() {
        doc.load_incremental(bytes)?;
    }
    node.shutdown().await?;
    Ok((doc.get_changes(&[]).len(), doc.save().len()))
}

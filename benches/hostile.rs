//! Benchmark (a harness a developer runs): a hostile member device sends 10,000 adversarial but
//! well-formed messages while two honest members work (issue 17, "A hostile member").
//!
//! The hostile device, Hugo, runs in a child process (this binary again, `COPSE_HOSTILE_TICKET`
//! set), so the honest nodes' memory is measured apart from his. Each of his messages is one of:
//! a huge but legal note (64 KiB, a new one each time), a write to the community document
//! past his copse's checks (making himself steward), a new document of his own, or a small edit.
//! Ada and Bob (this process) edit a note of theirs throughout; Ada removes Hugo halfway through.
//! Reported: how long the flood took, whether Ada and Bob converged during it and after, whether
//! anything Hugo wrote after his removal or any roster change of his reached them, and the growth
//! of this process's resident memory (the honest nodes), next to the same session with no flood.
//!
//! Run: `cargo bench --bench hostile` (or `--profile dev`). `COPSE_BENCH_MESSAGES` (10000).

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use automerge::ReadDoc;
use automerge::transaction::Transactable;

use copse::model::{CommunityId, NoteEdit, NoteId};
use copse::net::ticket::InviteTicket;
use copse::node::{NetConfig, Node, NodeConfig};

const PATIENCE: Duration = Duration::from_secs(120);

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn online(dir: &std::path::Path) -> Node {
    Node::open(NodeConfig::online(dir, NetConfig::loopback()))
        .await
        .unwrap()
}

/// Hugo's side, in the child process: joins, then sends `messages` messages, printing his
/// progress every 500.
async fn hugo(ticket: &str, shared: &str, messages: usize) {
    let dir = tempfile::tempdir().unwrap();
    let hugo = online(dir.path()).await;
    let ticket: InviteTicket = ticket.parse().unwrap();
    let joined = hugo.join(&ticket, "Hugo", PATIENCE).await.unwrap();
    let c = joined.community;
    let me = hugo.me(&c).await.unwrap().to_string();
    let shared: NoteId = shared.parse().unwrap();
    println!("joined {me}");
    for i in 0..messages {
        match i % 4 {
            0 => {
                let big = format!("huge {i} {}", "x".repeat(64 * 1024));
                let _ = hugo.add_note(&c, &format!("Flood {i}"), &big).await;
            }
            1 => {
                let me = me.clone();
                let _ = hugo
                    .change_raw(c.as_str(), move |d| {
                        let _ = d.transact::<_, _, automerge::AutomergeError>(|tx| {
                            tx.put(automerge::ROOT, format!("hugo_{i}"), "was here")?;
                            if let Some((_, members)) = tx.get(automerge::ROOT, "members")?
                                && let Some((_, m)) = tx.get(&members, me.as_str())?
                            {
                                tx.put(&m, "role", "Steward")?;
                            }
                            Ok(())
                        });
                    })
                    .await;
            }
            2 => {
                let mut doc = automerge::Automerge::new();
                let _ = doc.transact::<_, _, automerge::AutomergeError>(|tx| {
                    tx.put(automerge::ROOT, "junk", "y".repeat(4 * 1024))?;
                    Ok(())
                });
                let _ = hugo.import_document(doc).await;
            }
            _ => {
                let _ = hugo
                    .edit_note(&c, &shared, NoteEdit::Append(format!(" h{i}")))
                    .await;
            }
        }
        if (i + 1) % 500 == 0 {
            println!("sent {}", i + 1);
        }
    }
    let _ = hugo
        .edit_note(&c, &shared, NoteEdit::Append(" after removal".into()))
        .await;
    let _ = hugo.sync_now(Duration::from_secs(5)).await;
    println!("done");
    let _ = hugo.shutdown().await;
}

/// Whether `node`'s roster makes `member` a steward.
async fn steward(node: &Node, c: &CommunityId, member: &str) -> bool {
    let member = member.to_string();
    node.change_raw(c.as_str(), move |d| {
        let Ok(Some((_, members))) = d.get(automerge::ROOT, "members") else {
            return false;
        };
        let Ok(Some((_, m))) = d.get(&members, member.as_str()) else {
            return false;
        };
        matches!(d.get(&m, "role"), Ok(Some((v, _))) if v.as_str() == Some("Steward"))
    })
    .await
    .unwrap_or(false)
}

/// Ada and Bob append to `note` in turns; whether both then hold the same text with all of it.
async fn work_together(
    ada: &Node,
    bob: &Node,
    c: &CommunityId,
    note: &NoteId,
    tag: &str,
) -> Option<Duration> {
    for round in 0..5 {
        ada.edit_note(c, note, NoteEdit::Append(format!(" {tag}a{round}")))
            .await
            .unwrap();
        bob.edit_note(c, note, NoteEdit::Append(format!(" {tag}b{round}")))
            .await
            .unwrap();
    }
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if let (Ok(a), Ok(b)) = (ada.note(c, note).await, bob.note(c, note).await)
            && a.body.as_str() == b.body.as_str()
            && a.body.as_str().contains(&format!(" {tag}a4"))
            && a.body.as_str().contains(&format!(" {tag}b4"))
        {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// One session: Ada and Bob, and Hugo flooding `messages` (none for the baseline).
async fn session(messages: usize) {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let ada = online(dirs[0].path()).await;
    let bob = online(dirs[1].path()).await;
    let c = ada
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    let shared = ada.add_note(&c, "Shared", "hello").await.unwrap();
    let ticket = ada.create_invite(&c, None, Some(1)).await.unwrap();
    bob.join(&ticket, "Bob", PATIENCE).await.unwrap();
    let theirs = bob.add_note(&c, "Ours", "start").await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while ada.note(&c, &theirs).await.is_err() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = resident_bytes();
    let started = Instant::now();
    let label = if messages == 0 {
        "no flood (baseline)"
    } else {
        "flood"
    };

    if messages == 0 {
        let during = work_together(&ada, &bob, &c, &theirs, "d").await;
        let after = work_together(&ada, &bob, &c, &theirs, "e").await;
        println!(
            "{label}: converged in {}, then {}; memory grew {:.0} MiB in {:.1} s",
            secs(during),
            secs(after),
            mib(resident_bytes().saturating_sub(before)),
            started.elapsed().as_secs_f64()
        );
    } else {
        let ticket = ada.create_invite(&c, None, Some(1)).await.unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("COPSE_HOSTILE_TICKET", ticket.to_line())
            .env("COPSE_BENCH_MESSAGES", messages.to_string())
            .env("COPSE_HOSTILE_NOTE", shared.as_str())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let next = |what: &str| loop {
            match rx.recv_timeout(PATIENCE) {
                Ok(line) if line.starts_with(what) => return line,
                Ok(_) => continue,
                Err(e) => panic!("Hugo never said {what:?}: {e}"),
            }
        };
        let hugo_id = next("joined ").trim_start_matches("joined ").to_string();
        let mut peak = resident_bytes();
        let during = work_together(&ada, &bob, &c, &theirs, "d").await;
        let half = format!("sent {}", messages / 2 / 500 * 500);
        next(&half);
        peak = peak.max(resident_bytes());
        let member: copse::model::MemberId = hugo_id.parse().unwrap();
        ada.remove_member(&c, &member, Some("flooding".into()))
            .await
            .unwrap();
        let removed_at = started.elapsed();
        let after = work_together(&ada, &bob, &c, &theirs, "e").await;
        next("done");
        peak = peak.max(resident_bytes());
        let _ = child.wait();
        let flood_took = started.elapsed();
        // Let anything still in flight arrive, then look.
        let _ = ada.sync_now(Duration::from_secs(5)).await;
        let _ = bob.sync_now(Duration::from_secs(5)).await;
        let mut leaked = Vec::new();
        for (name, node) in [("Ada", &ada), ("Bob", &bob)] {
            if node
                .note(&c, &shared)
                .await
                .is_ok_and(|n| n.body.as_str().contains("after removal"))
            {
                leaked.push(format!("{name} got an edit made after the removal"));
            }
            if steward(node, &c, &hugo_id).await {
                leaked.push(format!("{name}'s roster made Hugo a steward"));
            }
        }
        let grown = resident_bytes().saturating_sub(before);
        println!(
            "{label}: {messages} messages in {:.1} s; Ada and Bob converged in {} during it and \
             {} after removing Hugo at {:.1} s; memory grew {:.0} MiB (peak +{:.0} MiB); {}",
            flood_took.as_secs_f64(),
            secs(during),
            secs(after),
            removed_at.as_secs_f64(),
            mib(grown),
            mib(peak.saturating_sub(before)),
            if leaked.is_empty() {
                "nothing of Hugo's after removal or any roster change of his reached them"
                    .to_string()
            } else {
                leaked.join("; ")
            }
        );
    }
    let _ = ada.shutdown().await;
    let _ = bob.shutdown().await;
}

fn secs(d: Option<Duration>) -> String {
    d.map_or("NEVER".into(), |d| format!("{:.2} s", d.as_secs_f64()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let messages = std::env::var("COPSE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    if let Ok(ticket) = std::env::var("COPSE_HOSTILE_TICKET") {
        let shared = std::env::var("COPSE_HOSTILE_NOTE").unwrap();
        hugo(&ticket, &shared, messages).await;
        return;
    }
    session(0).await;
    session(messages).await;
}

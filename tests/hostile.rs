//! A hostile member: an authenticated member device that floods its peers with adversarial but
//! well-formed messages (huge but legal edits, writes to the community document it may not
//! make, new documents of its own), sent straight from its documents past its own copse's
//! checks. The honest members keep converging with each other, nothing crashes, memory stays
//! bounded, and the hostile device can be removed while it floods.

use std::time::Duration;

use copse::model::{CommunityId, NoteEdit, NoteId};
use copse::node::Node;

use crate::sync::{community_of, eventually, online};

/// This process's resident memory, in bytes (Linux).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Whether the community document on `node` says `member` is a steward.
async fn steward_in_roster(node: &Node, community: &str, member: &str) -> bool {
    let member = member.to_string();
    node.change_raw(community, move |d| {
        use automerge::ReadDoc;
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

/// Each of Hugo's huge edits: far more than a person types, well inside what a note may hold.
const FLOOD_EDIT_BYTES: usize = 16 * 1024;
/// Rounds of flood at most (the test stops it sooner, once Hugo is removed): a bound on what the
/// flood can make this process hold, whatever the machine's speed.
const FLOOD_ROUNDS: usize = 300;

/// One round of Hugo's flood: a huge but legal edit, a write to the roster he may not make,
/// and a new document of his own.
async fn flood_once(hugo: &Node, c: &CommunityId, note: &NoteId, round: usize) {
    let big = format!(" flood{round} {}", "x".repeat(FLOOD_EDIT_BYTES));
    let _ = hugo.edit_note(c, note, NoteEdit::Append(big)).await;
    let me = hugo.me(c).await.map(|m| m.to_string()).unwrap_or_default();
    let _ = hugo
        .change_raw(c.as_str(), move |d| {
            use automerge::transaction::Transactable;
            let _ = d.transact::<_, _, automerge::AutomergeError>(|tx| {
                use automerge::ReadDoc;
                tx.put(automerge::ROOT, format!("hugo_{round}"), "was here")?;
                if let Some((_, members)) = tx.get(automerge::ROOT, "members")?
                    && let Some((_, m)) = tx.get(&members, me.as_str())?
                {
                    tx.put(&m, "role", "Steward")?;
                }
                Ok(())
            });
        })
        .await;
    let mut doc = automerge::Automerge::new();
    let _ = doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        use automerge::transaction::Transactable;
        tx.put(automerge::ROOT, "junk", "y".repeat(4 * 1024))?;
        Ok(())
    });
    let _ = hugo.import_document(doc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flooding_hostile_member_cannot_stop_the_others_converging_and_is_removed_mid_flood() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let ada = online(dirs[0].path()).await;
    let bob = online(dirs[1].path()).await;
    let hugo = online(dirs[2].path()).await;
    let c = community_of(&ada, &[(&bob, "Bob"), (&hugo, "Hugo")]).await;
    let hugo_id = hugo.me(&c).await.unwrap();
    let shared = ada.add_note(&c, "Shared", "hello").await.unwrap();
    eventually("Hugo has the shared note", || async {
        hugo.note(&c, &shared).await.is_ok()
    })
    .await;
    let before = resident_bytes();

    // Hugo floods in the background until told to stop.
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let flooder = {
        let (hugo, c, shared) = (hugo.clone(), c.clone(), shared.clone());
        tokio::spawn(async move {
            for round in 0..FLOOD_ROUNDS {
                if stopped.try_recv().is_ok() {
                    return round;
                }
                flood_once(&hugo, &c, &shared, round).await;
            }
            FLOOD_ROUNDS
        })
    };

    // Meanwhile Ada and Bob keep writing to each other.
    let theirs = bob.add_note(&c, "Ours", "start").await.unwrap();
    eventually("Ada has Bob's note despite the flood", || async {
        ada.note(&c, &theirs).await.is_ok()
    })
    .await;
    for round in 0..5 {
        ada.edit_note(&c, &theirs, NoteEdit::Append(format!(" a{round}")))
            .await
            .unwrap();
        bob.edit_note(&c, &theirs, NoteEdit::Append(format!(" b{round}")))
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (a, b) = (ada.note(&c, &theirs).await, bob.note(&c, &theirs).await);
        let (a, b) = (
            a.map(|n| n.body.as_str().to_string()),
            b.map(|n| n.body.as_str().to_string()),
        );
        if matches!((&a, &b), (Ok(a), Ok(b)) if a == b && a.contains(" a4") && a.contains(" b4")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Ada and Bob did not converge during the flood: Ada {a:?}, Bob {b:?}, Ada's status {:?}",
            ada.sync_status().borrow().connected
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Ada removes Hugo while he floods; both honest copies drop him.
    ada.remove_member(&c, &hugo_id, Some("flooding".into()))
        .await
        .unwrap();
    eventually("Bob sees Hugo removed", || async {
        bob.community(&c)
            .await
            .is_ok_and(|k| k.role_of(&hugo_id).is_none())
    })
    .await;
    // What Hugo writes from now on reaches neither.
    tokio::time::sleep(Duration::from_secs(1)).await;
    hugo.edit_note(&c, &shared, NoteEdit::Append(" after removal".into()))
        .await
        .ok();
    ada.edit_note(&c, &theirs, NoteEdit::Append(" later".into()))
        .await
        .unwrap();
    eventually("Bob gets Ada's later edit", || async {
        bob.note(&c, &theirs)
            .await
            .is_ok_and(|n| n.body.as_str().ends_with(" later"))
    })
    .await;
    let _ = stop.send(());
    let rounds = flooder.await.unwrap();
    assert!(rounds > 0, "Hugo flooded");
    for (name, node) in [("Ada", &ada), ("Bob", &bob)] {
        let body = node.note(&c, &shared).await.unwrap();
        assert!(
            !body.body.as_str().contains("after removal"),
            "{name} received a removed member's edit"
        );
        assert!(
            !steward_in_roster(node, c.as_str(), hugo_id.as_str()).await,
            "{name}'s roster made Hugo a steward"
        );
    }
    let grown = resident_bytes().saturating_sub(before);
    eprintln!(
        "hostile member: {rounds} flood rounds; memory grew {} MiB",
        grown / (1024 * 1024)
    );
    assert!(grown < 256 * 1024 * 1024, "memory grew {grown} bytes");
    for node in [ada, bob, hugo] {
        node.shutdown().await.unwrap();
    }
}

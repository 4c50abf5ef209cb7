//! Stewards, members and readers between real nodes in one process: a reader sees everything
//! and what it writes — even sent past every check of its own copse — reaches no member's disk;
//! a plain member's attempt to remove someone or change a role is refused with a sentence
//! naming the rule; the last steward cannot leave; removals and role changes are on record.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc, Value};
use copse::model::{CommunityId, MemberId, MemberRole, ModelError, RecordKind};
use copse::node::{Node, NodeConfig, NodeError};

use crate::sync::{community_of, eventually, online};

const PATIENCE: Duration = Duration::from_secs(30);

/// Whether the document `doc` on `node` has the key `reader_was_here` at its root.
async fn tampered(node: &Node, doc: &str) -> bool {
    node.change_raw(doc, |d| {
        matches!(d.get(automerge::ROOT, "reader_was_here"), Ok(Some(_)))
    })
    .await
    .unwrap()
}

/// The role the community document on `node` stores for `member`, read raw.
async fn stored_role(node: &Node, c: &CommunityId, member: &MemberId) -> Option<String> {
    let member = member.to_string();
    node.change_raw(c.as_str(), move |d| {
        let Ok(Some((Value::Object(ObjType::Map), members))) = d.get(automerge::ROOT, "members")
        else {
            return None;
        };
        let Ok(Some((Value::Object(ObjType::Map), m))) = d.get(&members, member.as_str()) else {
            return None;
        };
        match d.get(&m, "role") {
            Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
            _ => None,
        }
    })
    .await
    .unwrap()
}

fn is_reader_refusal(e: &NodeError) -> bool {
    matches!(e, NodeError::Model(ModelError::ReadersWriteNothing))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_readers_changes_never_reach_a_members_disk_even_sent_past_the_checks() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let ada = online(dirs[0].path()).await;
    let bob = online(dirs[1].path()).await;
    let c = community_of(&ada, &[(&bob, "Bob")]).await;
    let ticket = ada
        .create_invite_for(&c, None, Some(1), MemberRole::Reader)
        .await
        .unwrap();
    let rita = online(dirs[2].path()).await;
    rita.join(&ticket, "Rita", PATIENCE).await.unwrap();
    let rita_id = rita.me_reading(&c).await.unwrap();
    let roster = ada.community(&c).await.unwrap();
    assert_eq!(roster.role_of(&rita_id), Some(MemberRole::Reader));

    // A reader sees a new note, and her own copse refuses her writing.
    let note = ada.add_note(&c, "Soil", "compost first").await.unwrap();
    eventually("Rita sees Ada's note", || async {
        rita.note(&c, &note).await.is_ok()
    })
    .await;
    let refused = rita.add_note(&c, "Mine", "x").await.unwrap_err();
    assert!(is_reader_refusal(&refused), "{refused}");
    let refused = rita
        .comment_note(&c, &note, "nice".into())
        .await
        .unwrap_err();
    assert!(is_reader_refusal(&refused), "{refused}");

    // Made a member, she writes, and Bob receives it; made a reader again, she may not.
    ada.set_role(&c, &rita_id, MemberRole::Member, None)
        .await
        .unwrap();
    eventually("Rita's copse knows she is a member", || async {
        rita.me(&c).await.is_ok()
    })
    .await;
    let hers = rita.add_note(&c, "From Rita", "hello").await.unwrap();
    eventually("Bob has Rita's note", || async {
        bob.note(&c, &hers).await.is_ok()
    })
    .await;
    ada.set_role(&c, &rita_id, MemberRole::Reader, Some("a sponsor".into()))
        .await
        .unwrap();
    eventually("Rita's copse knows she is a reader", || async {
        rita.me(&c).await.is_err()
    })
    .await;
    eventually("Bob shares read-only with Rita", || async {
        let list = bob.access().current();
        list.communities
            .values()
            .any(|a| a.readers.contains(rita.device_id().as_str()))
    })
    .await;

    // A modified copse: Rita writes to the note and makes herself a steward in the roster,
    // straight into her documents, past every check, and her node sends it on.
    rita.change_raw(note.as_str(), |d| {
        d.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "reader_was_here", "yes")?;
            Ok(())
        })
        .unwrap();
    })
    .await
    .unwrap();
    let rita_key = rita_id.to_string();
    rita.change_raw(c.as_str(), move |d| {
        d.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "reader_was_here", "yes")?;
            let Some((_, members)) = tx.get(automerge::ROOT, "members")? else {
                return Ok(());
            };
            if let Some((_, m)) = tx.get(&members, rita_key.as_str())? {
                tx.put(&m, "role", "Steward")?;
            }
            Ok(())
        })
        .unwrap();
    })
    .await
    .unwrap();
    rita.flush().await.unwrap();
    assert!(
        tampered(&rita, note.as_str()).await,
        "Rita's own copy has it"
    );
    assert_eq!(
        stored_role(&rita, &c, &rita_id).await.as_deref(),
        Some("Steward")
    );

    // The connections stay up and keep delivering to her: a later note of Ada's reaches Rita,
    // so every exchange her changes could have ridden on has happened.
    let later = ada
        .add_note(&c, "Later", "after the tampering")
        .await
        .unwrap();
    eventually("Rita gets Ada's later note", || async {
        rita.note(&c, &later).await.is_ok()
    })
    .await;
    let _ = rita.sync_now(Duration::from_secs(5)).await;
    let _ = bob.sync_now(Duration::from_secs(5)).await;
    for member in [&ada, &bob] {
        assert!(!tampered(member, note.as_str()).await);
        assert!(!tampered(member, c.as_str()).await);
    }

    // On disk: reopened from their folders, Ada's and Bob's copies have none of it.
    for node in [ada, bob, rita] {
        node.shutdown().await.unwrap();
    }
    for dir in &dirs[..2] {
        let node = Node::open(NodeConfig::offline(dir.path())).await.unwrap();
        assert!(!tampered(&node, note.as_str()).await, "the note on disk");
        assert!(!tampered(&node, c.as_str()).await, "the community on disk");
        assert_eq!(
            stored_role(&node, &c, &rita_id).await.as_deref(),
            Some("Reader"),
            "the roster on disk"
        );
        node.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_stewards_govern_and_every_member_sees_the_record() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let ada = online(dirs[0].path()).await;
    let bob = online(dirs[1].path()).await;
    let cy = online(dirs[2].path()).await;
    let c = community_of(&ada, &[(&bob, "Bob"), (&cy, "Cy")]).await;
    let (ada_id, cy_id) = (ada.me(&c).await.unwrap(), cy.me(&c).await.unwrap());
    eventually("Bob knows Cy", || async {
        bob.community(&c)
            .await
            .is_ok_and(|r| r.members.contains_key(&cy_id))
    })
    .await;

    // A plain member: refused, in a sentence naming the rule.
    let refused = bob.remove_member(&c, &cy_id, None).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "only a steward can remove a member; ask Ada"
    );
    let refused = bob
        .set_role(&c, &cy_id, MemberRole::Steward, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "only a steward can change a member's role; ask Ada"
    );
    let refused = ada.leave(&c).await.unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("the last steward cannot leave"),
        "{refused}"
    );

    ada.remove_member(&c, &cy_id, Some("moved away".into()))
        .await
        .unwrap();
    eventually("Bob sees the removal on record", || async {
        bob.records(&c).await.is_ok_and(|r| {
            r.iter().any(|r| {
                r.kind == RecordKind::Removed
                    && r.by == ada_id
                    && r.member_name.as_deref() == Some("Cy")
                    && r.reason.as_deref() == Some("moved away")
            })
        })
    })
    .await;
    let rows = bob.members(&c).await.unwrap();
    let roles: Vec<(&str, MemberRole)> = rows.iter().map(|r| (r.name.as_str(), r.role)).collect();
    assert_eq!(
        roles,
        [("Ada", MemberRole::Steward), ("Bob", MemberRole::Member)]
    );
    for node in [ada, bob, cy] {
        node.shutdown().await.unwrap();
    }
}

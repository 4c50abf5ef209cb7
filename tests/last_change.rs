//! The community document changes only when the community does: editing a note or case leaves
//! it alone, yet every list still says when each document last changed and who changed it, on
//! this member's node and on the others'.

use std::time::Duration;

use automerge::Automerge;
use copse::clock::Clock;
use copse::model::{CommunityId, NoteEdit, Timestamp};
use copse::node::{Node, NodeConfig};
use samod::storage::{Storage, StorageKey};

use crate::sync::{community_of, eventually, online_with};

/// The community document as stored on disk: how many changes it holds, and its heads.
async fn stored_community(node: &Node, id: &CommunityId) -> (usize, Vec<automerge::ChangeHash>) {
    node.flush().await.unwrap();
    let prefix = StorageKey::from_parts([id.to_string()]).unwrap();
    let chunks = node.storage().load_range(prefix).await;
    let mut doc = Automerge::new();
    for bytes in chunks.values() {
        doc.load_incremental(bytes).unwrap();
    }
    (doc.get_changes(&[]).len(), doc.get_heads())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_note_many_times_leaves_the_community_document_alone() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::starting_at(Timestamp(1_800_000_000_000));
    let config = NodeConfig::offline(dir.path()).with_clock(clock.clone());
    let node = Node::open(config.clone()).await.unwrap();
    let c = node.create_community("Gardeners", "", "Ada").await.unwrap();
    let me = node.me(&c).await.unwrap();
    let note = node.add_note(&c, "Soil", "").await.unwrap();
    let case = node
        .open_case(&c, "Flat retros", "Autopilot")
        .await
        .unwrap();
    let before = stored_community(&node, &c).await;

    for i in 0..20 {
        clock.advance(Duration::from_secs(60));
        node.edit_note(&c, &note, NoteEdit::Append(format!(" line {i}")))
            .await
            .unwrap();
    }
    node.comment_note(&c, &note, "Nice".into()).await.unwrap();
    clock.advance(Duration::from_secs(60));
    let last_edit = node.now();
    node.comment_case(&c, &case, "What did you try?".into())
        .await
        .unwrap();
    let done = node.now();
    assert_eq!(
        stored_community(&node, &c).await,
        before,
        "edits and comments do not change the community document"
    );

    // Yet the lists know when each changed and who changed it.
    let shown = node.community(&c).await.unwrap();
    assert_eq!(shown.notes[&note].updated_by.as_ref(), Some(&me));
    assert!(shown.notes[&note].updated_at > shown.notes[&note].created_at);
    let at = shown.cases[&case].updated_at;
    assert!(last_edit <= at && at <= done, "the comment's time: {at:?}");

    // A rename is a change to the community: its index shows the new title.
    node.rename_note(&c, &note, "Soil health".into())
        .await
        .unwrap();
    let (changes, _) = stored_community(&node, &c).await;
    assert_eq!(changes, before.0 + 1, "one change for the rename");
    assert_eq!(
        node.community(&c).await.unwrap().notes[&note].title,
        "Soil health"
    );

    // A fresh process knows the last changes without the community document.
    node.shutdown().await.unwrap();
    let node = Node::open(config).await.unwrap();
    let reopened = node.community(&c).await.unwrap();
    assert_eq!(reopened.cases[&case].updated_at, at);
    assert_eq!(reopened.cases[&case].updated_by.as_ref(), Some(&me));
    node.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_other_member_sees_who_changed_a_note_and_when() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let clock = Clock::starting_at(Timestamp(1_800_000_000_000));
    let a = online_with(dirs[0].path(), clock.clone()).await;
    let b = online_with(dirs[1].path(), clock.clone()).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    let bo = b.me(&id).await.unwrap();
    let older = a.add_note(&id, "Compost", "Air").await.unwrap();
    clock.advance(Duration::from_secs(60));
    let newer = a.add_note(&id, "Seeds", "Save them").await.unwrap();
    eventually("Bo has both notes", || async {
        b.note(&id, &older).await.is_ok() && b.note(&id, &newer).await.is_ok()
    })
    .await;
    let stored_before = stored_community(&a, &id).await;

    // Bo edits the older note an hour later: it is now the most recently changed, on Ada's
    // node too, by Bo, at the time of Bo's edit.
    clock.advance(Duration::from_secs(3600));
    let before_edit = b.now();
    b.edit_note(&id, &older, NoteEdit::Append(" and water".into()))
        .await
        .unwrap();
    let after_edit = b.now();
    eventually("Ada learns of Bo's edit", || async {
        a.community(&id)
            .await
            .is_ok_and(|c| c.notes[&older].updated_by.as_ref() == Some(&bo))
    })
    .await;
    let on_a = a.community(&id).await.unwrap();
    let edited_at = on_a.notes[&older].updated_at;
    assert!(
        before_edit <= edited_at && edited_at <= after_edit,
        "Bo's edit time"
    );
    let mut by_last_change: Vec<_> = on_a.notes.iter().collect();
    by_last_change.sort_by_key(|(_, e)| std::cmp::Reverse(e.updated_at));
    assert_eq!(by_last_change[0].0, &older, "the list puts Bo's edit first");
    assert!(
        a.unread(&id)
            .await
            .unwrap()
            .iter()
            .any(|u| u.item.id_str() == older.as_str() && u.by == bo),
        "and it is new to Ada"
    );
    assert_eq!(
        stored_community(&a, &id).await,
        stored_before,
        "the community document did not move for the edit"
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();

    // Ada's node remembers it after a restart, though the community document never said so.
    let a = Node::open(NodeConfig::offline(dirs[0].path()).with_clock(clock))
        .await
        .unwrap();
    let reopened = a.community(&id).await.unwrap();
    assert_eq!(reopened.notes[&older].updated_at, edited_at);
    assert_eq!(reopened.notes[&older].updated_by.as_ref(), Some(&bo));
    a.shutdown().await.unwrap();
}

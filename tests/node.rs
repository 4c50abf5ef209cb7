//! The `Node` API directly: restart, live snapshots, one process per folder, storage failures.

use std::time::Duration;

use copse::model::community::NewTopic;
use copse::model::{CommunityId, NoteEdit};
use copse::node::{Node, NodeConfig, NodeError};
use copse::store::StoreError;

async fn open(dir: &std::path::Path) -> Node {
    Node::open(NodeConfig::offline(dir.to_path_buf()))
        .await
        .unwrap()
}

async fn community(node: &Node) -> CommunityId {
    node.create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let c = community(&node).await;
    let note = node.add_note(&c, "Soil", "Grüße").await.unwrap();
    for i in 0..30 {
        node.edit_note(&c, &note, NoteEdit::Append(format!(" {i}")))
            .await
            .unwrap();
    }
    let topic = node
        .add_topic(
            &c,
            NewTopic {
                title: "Compost".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    node.endorse_topic(&c, &topic).await.unwrap();
    let device = node.device_id().to_string();
    node.shutdown().await.unwrap();

    let node = open(dir.path()).await;
    assert_eq!(node.device_id().as_str(), device, "the device key is kept");
    let body = node
        .note(&c, &note)
        .await
        .unwrap()
        .body
        .as_str()
        .to_string();
    assert!(
        body.starts_with("Grüße 0 1 2") && body.ends_with(" 29"),
        "{body}"
    );
    let snapshot = node.community(&c).await.unwrap();
    assert_eq!(snapshot.topics[&topic].endorsement_count(), 1);
    node.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_opens_in_one_node_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let second = Node::open(NodeConfig::offline(dir.path().to_path_buf())).await;
    match second {
        Err(NodeError::Store(StoreError::InUse { .. })) => {}
        other => panic!("expected InUse, got {other:?}"),
    }
    node.shutdown().await.unwrap();
    open(dir.path()).await.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_follow_changes() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let c = community(&node).await;
    let mut live = node.watch_community(&c).await.unwrap();
    assert!(live.borrow().topics.is_empty());
    node.add_topic(
        &c,
        NewTopic {
            title: "Seeds".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while live.borrow_and_update().topics.is_empty() {
            live.changed().await.unwrap();
        }
    })
    .await
    .expect("the snapshot shows the new topic");
    node.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_is_reported_and_loses_nothing_already_saved() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let c = community(&node).await;
    let kept = node
        .add_note(&c, "Kept", "saved before the fault")
        .await
        .unwrap();
    node.flush().await.unwrap();
    node.storage().inject_write_fault(Some(std::sync::Arc::new(
        |_key: &samod::storage::StorageKey| true,
    )));
    // The edit lands in memory, but the disk refuses it: the node must say so.
    let _ = node
        .add_note(&c, "Lost", "written while the disk fails")
        .await;
    for i in 0..15 {
        let _ = node
            .edit_note(&c, &kept, NoteEdit::Append(format!(" {i}")))
            .await;
    }
    match node.shutdown().await {
        Err(NodeError::WritesFailed { failed, .. }) => assert!(failed > 0),
        other => panic!("the failure must be reported, got {other:?}"),
    }

    let node = open(dir.path()).await;
    let note = node.note(&c, &kept).await.unwrap();
    assert!(
        note.body.as_str().starts_with("saved before the fault"),
        "{}",
        note.body.as_str()
    );
    node.shutdown().await.unwrap();
}

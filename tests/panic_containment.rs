//! A panic from automerge inside samod's document actor, caused by a member's sync message
//! that no check knew about: here H1 from docs/hostile-inputs.md, delivered around the transport's
//! checks by a test-only connection, standing in for a bug nobody has found yet.

use std::time::Duration;

use copse::model::NoteEdit;
use copse::node::{Node, NodeConfig, UncheckedPeer};
use futures::StreamExt;

use crate::sync::{community_of, eventually, online};

/// The H1 message: a Bloom filter with zero bits per entry; the next generate panics.
const H1: [u8; 10] = [0x42, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x07, 0x00];

fn join_frame(sender: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = minicbor::Encoder::new(&mut out);
    e.map(3).unwrap();
    e.str("type").unwrap().str("join").unwrap();
    e.str("senderId").unwrap().str(sender).unwrap();
    e.str("supportedProtocolVersions").unwrap();
    e.array(1).unwrap().str("1").unwrap();
    out
}

fn sync_frame(sender: &str, target: &str, document: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = minicbor::Encoder::new(&mut out);
    e.map(5).unwrap();
    e.str("type").unwrap().str("sync").unwrap();
    e.str("senderId").unwrap().str(sender).unwrap();
    e.str("targetId").unwrap().str(target).unwrap();
    e.str("documentId").unwrap().str(document).unwrap();
    e.str("data").unwrap().bytes(data).unwrap();
    out
}

const PATIENCE: Duration = Duration::from_secs(30);

/// Connects as member device `device`, completes samod's handshake, then sends H1 for
/// `document`. Returns the connection, to see whether the node drops it.
async fn send_h1(a: &Node, device: &str, document: &str) -> UncheckedPeer {
    let mut peer = a.connect_unchecked_peer_for_tests(device).unwrap();
    peer.to_node.unbounded_send(join_frame(device)).unwrap();
    let reply = tokio::time::timeout(PATIENCE, peer.from_node.next()).await;
    assert!(
        matches!(reply, Ok(Some(_))),
        "the node answered the handshake"
    );
    peer.to_node
        .unbounded_send(sync_frame(device, a.device_id().as_str(), document, &H1))
        .unwrap();
    peer
}

/// Waits until the node ends `peer`'s connection (its stream of frames to the peer ends).
async fn dropped(peer: &mut UncheckedPeer) -> bool {
    let ended = async { while peer.from_node.next().await.is_some() {} };
    tokio::time::timeout(PATIENCE, ended).await.is_ok()
}

/// Member C's device (offline) is impersonated by a connection whose frames are not checked;
/// its H1 message makes automerge panic in the actor of A's note "Victim". A drops C, reopens
/// the note from disk, keeps reading and editing every note, B keeps receiving A's edits, and
/// after a restart from disk nothing is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panic_in_a_peers_sync_session_is_contained() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let c = online(dirs[2].path()).await;
    let id = community_of(&a, &[(&b, "Bob"), (&c, "Cy")]).await;
    let victim = a.add_note(&id, "Victim", "before").await.unwrap();
    let other = a.add_note(&id, "Other", "fine").await.unwrap();
    eventually("B has both notes", || async {
        b.note(&id, &victim).await.is_ok() && b.note(&id, &other).await.is_ok()
    })
    .await;
    let cy = c.device_id().to_string();
    c.shutdown().await.unwrap();

    let mut hostile = send_h1(&a, &cy, victim.as_str()).await;
    assert!(dropped(&mut hostile).await, "the hostile peer was dropped");

    // The broken note is back, reopened from disk, and can be edited.
    eventually("A reads the victim note again", || async {
        a.note(&id, &victim)
            .await
            .is_ok_and(|n| n.body.as_str() == "before")
    })
    .await;
    a.edit_note(&id, &victim, NoteEdit::Append(" and after".into()))
        .await
        .unwrap();
    assert_eq!(
        a.note(&id, &victim).await.unwrap().body.as_str(),
        "before and after"
    );
    assert_eq!(
        a.sync_status().borrow().reopened,
        1,
        "the status bar says a document was reopened"
    );
    // Other documents never stopped, and an honest member still receives A's edits.
    a.edit_note(&id, &other, NoteEdit::Append(", still".into()))
        .await
        .unwrap();
    let later = a
        .add_note(&id, "Later", "written after the panic")
        .await
        .unwrap();
    eventually("B receives A's edits made after the panic", || async {
        b.note(&id, &other)
            .await
            .is_ok_and(|n| n.body.as_str() == "fine, still")
            && b.note(&id, &later).await.is_ok()
    })
    .await;

    // A stops in bounded time, and everything is on disk.
    let stopped = tokio::time::timeout(PATIENCE, a.shutdown()).await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "A shut down cleanly: {stopped:?}"
    );
    let a = Node::open(NodeConfig::offline(dirs[0].path()))
        .await
        .unwrap();
    assert_eq!(
        a.note(&id, &victim).await.unwrap().body.as_str(),
        "before and after"
    );
    assert_eq!(
        a.note(&id, &other).await.unwrap().body.as_str(),
        "fine, still"
    );
    assert_eq!(
        a.note(&id, &later).await.unwrap().body.as_str(),
        "written after the panic"
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

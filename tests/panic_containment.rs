//! A panic from automerge inside samod's document actor, caused by a member's sync message
//! that no check knew about (here H1 from HOSTILE_INPUTS.md, delivered around the checks).

use std::time::Duration;

use copse::model::NoteEdit;
use copse::node::Node;
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

async fn within<T>(secs: u64, f: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(Duration::from_secs(secs), f).await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn observe_today() {
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
    let mut peer = a.connect_unchecked_peer_for_tests(&cy).unwrap();
    peer.to_node.unbounded_send(join_frame(&cy)).unwrap();
    let reply = within(10, peer.from_node.next()).await;
    eprintln!("OBS handshake reply: {:?}", reply.map(|r| r.map(|f| f.len())));
    peer.to_node
        .unbounded_send(sync_frame(&cy, a.device_id(), victim.as_str(), &H1))
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let r = within(5, a.note(&id, &victim)).await;
    eprintln!("OBS read victim: {:?}", r.map(|r| r.map(|n| n.body.as_str().to_string())));
    let r = within(5, a.note(&id, &other)).await;
    eprintln!("OBS read other: {:?}", r.map(|r| r.map(|n| n.body.as_str().to_string())));
    let r = within(5, a.edit_note(&id, &other, NoteEdit::Append(" more".into()))).await;
    eprintln!("OBS edit other: {:?}", r.map(|r| r.map(|_| ())));
    let r = within(5, a.add_note(&id, "New", "after")).await;
    eprintln!("OBS add note: {:?}", r);
    let r = within(5, b.note(&id, &other)).await;
    eprintln!("OBS B sees other: {:?}", r.map(|r| r.map(|n| n.body.as_str().to_string())));
    let next = within(3, peer.from_node.next()).await;
    eprintln!("OBS hostile connection after: {:?}", next.map(|n| n.map(|f| f.len())));
    let r = within(15, a.shutdown()).await;
    eprintln!("OBS shutdown: {:?}", r);
    b.shutdown().await.unwrap();
    let _: Option<Node> = None;
}

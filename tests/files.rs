//! Attached files between nodes in one process on loopback: a file attached on one member's
//! device arrives, byte for byte, on another's; strangers and removed members get no bytes.

use std::path::Path;
use std::str::FromStr;

use copse::model::{DocRef, MemberId};
use copse::net::endpoint::bind;
use copse::node::{NetConfig, Node};

use crate::sync::{community_of, eventually, online};

/// Asks `node`'s device for the bytes of `hash` over the files protocol, as the device whose
/// key is `key`: what it got back, or why not.
async fn fetch_as(key: iroh::SecretKey, node: &Node, hash: &str) -> Result<Vec<u8>, String> {
    let bound = bind(key, &NetConfig::loopback()).await.unwrap();
    let result = async {
        let conn = bound
            .endpoint
            .connect(node.address().unwrap(), iroh_blobs::ALPN)
            .await
            .map_err(|e| e.to_string())?;
        let hash = iroh_blobs::Hash::from_str(hash).map_err(|e| e.to_string())?;
        iroh_blobs::get::request::get_blob(conn, hash)
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| e.to_string())
    }
    .await;
    bound.endpoint.close().await;
    result
}

pub(crate) fn key_of(dir: &Path) -> iroh::SecretKey {
    copse::store::load_or_create_device_key(dir).unwrap()
}

/// Bytes that compress poorly and differ per position, so a wrong range shows.
pub(crate) fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7919 % 251) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_file_attached_on_one_device_arrives_on_another_with_the_same_hash() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    let note = a.add_note(&id, "Talk", "the slides").await.unwrap();
    let on = DocRef::Note(note);
    let source = dirs[0].path().join("slides.pdf");
    let bytes = sample(3 * 1024 * 1024 + 17);
    std::fs::write(&source, &bytes).unwrap();

    let file = a.attach_file(&id, &on, &source).await.unwrap();
    let on_a = a.file(&id, &file).await.unwrap();
    assert_eq!(on_a.here, Some(true));
    assert_eq!(on_a.size, bytes.len() as u64);
    assert_eq!(on_a.media_type, "application/pdf");

    eventually("B has the file's bytes", || async {
        b.file(&id, &file).await.is_ok_and(|f| f.here == Some(true))
    })
    .await;
    let on_b = b.file(&id, &file).await.unwrap();
    assert_eq!(on_b.hash, on_a.hash);
    assert_eq!(on_b.name, "slides.pdf");
    assert_eq!(on_b.added_by, "Ada");
    let out = dirs[1].path().join("saved.pdf");
    b.save_file(&id, &file, &out).await.unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    assert_eq!(
        blake3_hex(&bytes),
        on_b.hash,
        "the reference names the bytes' BLAKE3 hash"
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

fn blake3_hex(bytes: &[u8]) -> String {
    iroh_blobs::Hash::new(bytes).to_hex()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn strangers_and_removed_members_get_no_bytes() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let c = online(dirs[2].path()).await;
    let id = community_of(&a, &[(&b, "Bob"), (&c, "Cy")]).await;
    let note = a.add_note(&id, "Board", "photo").await.unwrap();
    let note_ref = DocRef::Note(note.clone());
    let source = dirs[0].path().join("board.png");
    std::fs::write(&source, sample(50_000)).unwrap();
    let file = a.attach_file(&id, &note_ref, &source).await.unwrap();
    let hash = a.file(&id, &file).await.unwrap().hash;
    // Bytes A holds that no community refers to any more: a file attached, then removed.
    let private = dirs[0].path().join("private.txt");
    std::fs::write(&private, b"attached by mistake").unwrap();
    let mistake = a.attach_file(&id, &note_ref, &private).await.unwrap();
    let unreferenced = a.file(&id, &mistake).await.unwrap().hash;
    a.remove_file(&id, &mistake).await.unwrap();
    eventually("B and C have the reference", || async {
        b.file(&id, &file).await.is_ok() && c.file(&id, &file).await.is_ok()
    })
    .await;

    // A member's device gets the bytes asking directly (so the refusals below are refusals).
    let b_key = key_of(dirs[1].path());
    b.shutdown().await.unwrap();
    assert_eq!(
        fetch_as(b_key.clone(), &a, &hash).await.unwrap().len(),
        50_000
    );
    // ... but not bytes A holds that no community refers to.
    assert!(fetch_as(b_key, &a, &unreferenced).await.is_err());

    // A stranger is refused.
    let stranger = iroh::SecretKey::generate();
    assert!(fetch_as(stranger, &a, &hash).await.is_err());

    // A removed member is refused, even for a file it once could fetch.
    let c_device = c.device_id().to_string();
    a.remove_member(&id, &MemberId::from(c_device.clone()), None)
        .await
        .unwrap();
    eventually("A no longer knows C", || async {
        !a.access().knows(&c_device)
    })
    .await;
    c.shutdown().await.unwrap();
    let refused = fetch_as(key_of(dirs[2].path()), &a, &hash).await;
    assert!(
        refused.is_err(),
        "a removed member got {:?}",
        refused.map(|b| b.len())
    );
    a.shutdown().await.unwrap();
}

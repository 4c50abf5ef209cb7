//! Bad input while a file arrives, on real nodes on loopback: a member's device that sends
//! bytes that do not match the hash, one that stops sending halfway, and a disk that fills up
//! during the download. The file still arrives whole, and nothing wrong is ever shown as here.
//!
//! The misbehaving device is a stand-in with a member's key, answering the files protocol
//! itself. It is asked first: the member it stands in for sorts before the file's owner, and
//! each test checks that it was asked.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use copse::model::{CommunityId, DocRef, FileId};
use copse::net::endpoint::bind;
use copse::node::{NetConfig, Node, NodeConfig};
use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use iroh_blobs::protocol::ChunkRanges;

use crate::files::{key_of, sample};
use crate::sync::{community_of, eventually, online};

/// How the stand-in misbehaves.
#[derive(Clone, Copy, Debug)]
enum Lie {
    /// Sends the whole answer with one byte changed after the first half.
    WrongBytes,
    /// Sends the first part of the answer, then nothing, keeping the connection open.
    Stall,
}

/// A member's device that answers every request for a file with `answer` (the genuine
/// encoding of the file), spoiled as `lie` says.
#[derive(Clone, Debug)]
struct Liar {
    answer: Arc<Vec<u8>>,
    lie: Lie,
    /// Requests answered so far.
    asked: Arc<AtomicUsize>,
}

impl ProtocolHandler for Liar {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        // Bounded: a handful of requests per connection is all a test makes.
        for _ in 0..16 {
            let Ok((mut send, mut recv)) = conn.accept_bi().await else {
                break;
            };
            let _request = recv.read_to_end(4096).await;
            self.asked.fetch_add(1, Ordering::SeqCst);
            let half = self.answer.len() / 2;
            match self.lie {
                Lie::WrongBytes => {
                    let mut spoiled = self.answer.to_vec();
                    spoiled[half + 1000] ^= 0x55;
                    send.write_all(&spoiled).await.ok();
                    send.finish().ok();
                }
                Lie::Stall => {
                    send.write_all(&self.answer[..half]).await.ok();
                    // Holds the stream open, sending nothing, until the other side gives up.
                    tokio::select! {
                        _ = conn.closed() => {}
                        _ = tokio::time::sleep(Duration::from_secs(120)) => {}
                    }
                }
            }
        }
        Ok(())
    }
}

/// Three members on loopback: Ada (`a`, the file's owner), Bo (`b`, who fetches it) and a
/// third whose device is replaced by a [`Liar`] that sorts before Ada in the roster, so Bo
/// asks it first. Returns the nodes, the community, the liar's request count and its router.
struct Scene {
    _dirs: Vec<tempfile::TempDir>,
    a: Node,
    b: Node,
    id: CommunityId,
    asked: Arc<AtomicUsize>,
    liar: Router,
    bytes: Vec<u8>,
    source: std::path::PathBuf,
}

async fn scene(lie: Lie, bytes: Vec<u8>) -> Scene {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let a = online(a_dir.path()).await;
    let b = online(b_dir.path()).await;
    let a_id = a.device_id().to_string();
    // Bounded: each new device sorts before Ada's with even odds.
    let mut m_dir = tempfile::tempdir().unwrap();
    let (mut sorts_first, mut m_id) = (false, String::new());
    for _ in 0..64 {
        let first = Node::open(NodeConfig::offline(m_dir.path())).await.unwrap();
        m_id = first.device_id().to_string();
        sorts_first = m_id < a_id;
        first.shutdown().await.unwrap();
        if sorts_first {
            break;
        }
        m_dir = tempfile::tempdir().unwrap();
    }
    assert!(sorts_first, "no device sorted first");
    let m_key = key_of(m_dir.path());
    assert_eq!(m_key.public().to_string(), m_id);
    let m = online(m_dir.path()).await;
    let id = community_of(&a, &[(&b, "Bo"), (&m, "Mel")]).await;
    m.shutdown().await.unwrap();

    // The genuine answer to a request for the whole file: its size, then its verified stream.
    let store = iroh_blobs::store::mem::MemStore::new();
    let tag = store.add_bytes(bytes.clone()).await.unwrap();
    let answer = store
        .export_bao(tag.hash, ChunkRanges::all())
        .bao_to_vec()
        .await
        .unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let bound = bind(m_key, &NetConfig::loopback()).await.unwrap();
    let liar = Router::builder(bound.endpoint.clone())
        .accept(
            iroh_blobs::ALPN,
            Liar {
                answer: Arc::new(answer),
                lie,
                asked: asked.clone(),
            },
        )
        .spawn();
    b.learn_address(bound.endpoint.addr());

    let source = a_dir.path().join("slides.pdf");
    std::fs::write(&source, &bytes).unwrap();
    Scene {
        _dirs: vec![a_dir, b_dir, m_dir],
        a,
        b,
        id,
        asked,
        liar,
        bytes,
        source,
    }
}

impl Scene {
    async fn attach(&self) -> FileId {
        let note = self.a.add_note(&self.id, "Talk", "slides").await.unwrap();
        self.a
            .attach_file(&self.id, &DocRef::Note(note), &self.source)
            .await
            .unwrap()
    }

    /// Bo has the whole file, and saving it gives the owner's bytes.
    async fn bo_has_it(&self, file: &FileId, out: &Path) {
        eventually("Bo has the file's bytes", || async {
            self.b
                .file(&self.id, file)
                .await
                .is_ok_and(|f| f.here == Some(true))
        })
        .await;
        self.b.save_file(&self.id, file, out).await.unwrap();
        assert_eq!(std::fs::read(out).unwrap(), self.bytes);
    }

    async fn stop(self) {
        self.liar.shutdown().await.unwrap();
        self.a.shutdown().await.unwrap();
        self.b.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bytes_that_do_not_match_the_hash_are_refused_and_the_file_comes_from_another_member() {
    let scene = scene(Lie::WrongBytes, sample(2 * 1024 * 1024 + 5)).await;
    let file = scene.attach().await;
    let out = scene._dirs[1].path().join("saved.pdf");
    scene.bo_has_it(&file, &out).await;
    assert!(
        scene.asked.load(Ordering::SeqCst) >= 1,
        "the device sending wrong bytes was asked"
    );
    assert_eq!(
        scene.b.file(&scene.id, &file).await.unwrap().hash,
        iroh_blobs::Hash::new(&scene.bytes).to_hex()
    );
    scene.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_that_stops_sending_is_left_for_another_and_the_row_says_not_here_meanwhile() {
    let bytes = sample(2 * 1024 * 1024 + 5);
    let scene = scene(Lie::Stall, bytes.clone()).await;
    // Patient at first, so the stall can be looked at.
    scene.b.set_file_stall_after(Duration::from_secs(600));
    let file = scene.attach().await;
    eventually("the stalling device was asked", || async {
        scene.asked.load(Ordering::SeqCst) >= 1
    })
    .await;
    let status = scene.b.sync_status();
    eventually("Bo shows part of the file received", || async {
        let s = status.borrow().clone();
        s.receiving
            .values()
            .any(|r| r.name == "slides.pdf" && r.received > 0 && r.received < r.size)
    })
    .await;
    // Meanwhile the truth: not here, and nothing can be saved.
    let row = scene.b.file(&scene.id, &file).await.unwrap();
    assert_eq!(row.here, Some(false));
    let out = scene._dirs[1].path().join("saved.pdf");
    assert!(scene.b.save_file(&scene.id, &file, &out).await.is_err());
    assert!(!out.exists(), "nothing saved while the file is incomplete");

    // Once the device has been quiet for longer than Bo waits, Bo asks Ada.
    scene.b.set_file_stall_after(Duration::from_millis(500));
    scene.bo_has_it(&file, &out).await;
    assert_eq!(
        scene.asked.load(Ordering::SeqCst),
        1,
        "the device that stalled is not asked again"
    );
    scene.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_disk_that_fills_up_during_a_download_says_so_shows_nothing_and_resumes_once_freed() {
    if !crate::util::is_root() {
        eprintln!("a_disk_that_fills_up_… needs root to mount a tmpfs; not run");
        return;
    }
    let disk = crate::disk_faults::SmallDisk::mount_sized("24m");
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = disk.path().join("bo");
    let a = online(a_dir.path()).await;
    let b = online(&b_dir).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    // Bo's disk keeps a little room: enough for the file's reference, not for its bytes.
    let filler = disk.fill();
    let full = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(full.saturating_sub(1024 * 1024))
        .unwrap();

    let bytes = sample(4 * 1024 * 1024 + 3);
    let source = a_dir.path().join("slides.pdf");
    std::fs::write(&source, &bytes).unwrap();
    let note = a.add_note(&id, "Talk", "slides").await.unwrap();
    let file = a
        .attach_file(&id, &DocRef::Note(note), &source)
        .await
        .unwrap();

    let status = b.sync_status();
    eventually("Bo's status bar says the disk is full", || async {
        status
            .borrow()
            .file_trouble
            .as_deref()
            .is_some_and(|t| t.contains("slides.pdf") && t.contains("the disk is full"))
    })
    .await;
    let row = b.file(&id, &file).await.unwrap();
    assert_eq!(
        row.here,
        Some(false),
        "a part of a file is not shown as here"
    );
    let out = a_dir.path().join("saved.pdf");
    assert!(b.save_file(&id, &file, &out).await.is_err());
    assert!(!out.exists(), "nothing saved from a part of a file");

    std::fs::remove_file(&filler).unwrap();
    eventually("Bo has the file once space is freed", || async {
        b.file(&id, &file).await.is_ok_and(|f| f.here == Some(true))
    })
    .await;
    b.save_file(&id, &file, &out).await.unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    eventually("the status bar no longer says the disk is full", || async {
        status.borrow().file_trouble.is_none()
    })
    .await;
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

//! Containing a panic from automerge inside samod's document actors: the peer whose message
//! caused it is expelled, the document is reopened from disk, and the node runs on.
//!
//! The transport already refuses the messages known to make automerge panic
//! (`net::validate`); this is the second line of defence, for a panic nobody knows of yet.
//!
//! What samod 0.16 allows, and why it is done this way:
//! - Its default runner drives every document actor in one task: one panic stops every
//!   document. Its rayon runner runs each actor's work as its own job, and a pool with a panic
//!   handler survives a panicking job, so the node runs its documents on such a pool.
//! - The actor that panicked is dead for good: its mutex is poisoned (every `DocHandle` method
//!   that locks it panics) and its mailbox stays marked as running, so work queued for it never
//!   runs and never fails. samod has no way to close or respawn one document's actor (its hub
//!   forgets an actor only when the whole repo stops), and `Repo::stop` waits for that actor
//!   forever.
//! - So the node finds the dead actor by its poisoned lock, expels the peer that last sent a
//!   message for that document, and reopens the document from disk in a second, offline repo
//!   on the same storage. Reading and editing it works again and every change is saved; it
//!   syncs with peers again when the node next starts.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use samod::{DocHandle, DocumentId, PeerId, Repo};
use tokio::sync::{OnceCell, mpsc, watch};

use super::{Node, NodeError, lock};
use crate::store::SqliteStorage;

/// How long `Repo::stop` may wait once an actor has died (it would wait forever).
pub(super) const STOP_AFTER_PANIC: Duration = Duration::from_secs(5);

/// The node's record of panicked document actors and its repo for reopening them.
pub(super) struct Containment {
    /// Documents whose actor in the main repo died.
    dead: watch::Sender<HashSet<DocumentId>>,
    /// The offline repo that holds documents reopened from disk, made on first need.
    recovery: OnceCell<Repo>,
    /// Panics reported by the pool, taken by the watcher once the node exists.
    panics: Mutex<Option<mpsc::UnboundedReceiver<(String, Instant)>>>,
}

impl Containment {
    /// A rayon pool for samod's document actors that reports panics instead of aborting.
    pub(super) fn new() -> Result<(Containment, rayon::ThreadPool), NodeError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(2, 8);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("copse-doc-{i}"))
            .panic_handler(move |payload| {
                let _ = tx.send((panic_message(payload.as_ref()), Instant::now()));
            })
            .build()
            .map_err(|e| NodeError::Network(format!("could not start document threads: {e}")))?;
        let containment = Containment {
            dead: watch::Sender::new(HashSet::new()),
            recovery: OnceCell::new(),
            panics: Mutex::new(Some(rx)),
        };
        Ok((containment, pool))
    }

    pub(super) fn any_died(&self) -> bool {
        !self.dead.borrow().is_empty()
    }

    fn is_dead(&self, doc: &DocumentId) -> bool {
        self.dead.borrow().contains(doc)
    }

    /// Resolves when `doc`'s actor is found dead (at once if it is).
    fn until_dead(&self, doc: DocumentId) -> impl Future<Output = ()> + Send + 'static {
        let mut dead = self.dead.subscribe();
        async move {
            if dead.wait_for(|set| set.contains(&doc)).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Stops the recovery repo, if one was made.
    pub(super) async fn stop(&self) {
        if let Some(repo) = self.recovery.get() {
            repo.stop().await;
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn reopened_error(handle: &DocHandle) -> NodeError {
    NodeError::Reopened {
        doc: handle.document_id().to_string(),
    }
}

/// Whether a handle's actor is dead: its lock was poisoned by the panic.
fn is_poisoned(handle: &DocHandle) -> bool {
    let handle = handle.clone();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(handle.peers()))).is_err()
}

impl Node {
    /// Starts watching for panics in document actors. Called once, when the node opens.
    pub(super) fn watch_for_panics(&self) {
        let Some(mut panics) = lock(&self.inner.containment.panics).take() else {
            return;
        };
        let node = self.clone();
        self.track(tokio::spawn(async move {
            while let Some((panic, at)) = panics.recv().await {
                tracing::error!(%panic, "a document stopped after a panic in automerge; containing it");
                node.contain(at).await;
            }
        }));
    }

    /// Finds the documents whose actor died, expels the peer that last wrote to each, and
    /// reopens each from disk.
    async fn contain(&self, panicked_at: Instant) {
        for doc in self.find_dead().await {
            self.expel_last_sender(&doc, panicked_at);
            self.inner.containment.dead.send_modify(|dead| {
                dead.insert(doc.clone());
            });
            self.lock_handles().remove(&doc);
            match self.reopen(&doc).await {
                Ok(_) => {
                    tracing::warn!(%doc, "reopened a document from disk after a panic; it syncs again when copse next starts");
                    self.inner.sync_status.send_modify(|s| s.reopened += 1);
                }
                Err(e) => {
                    tracing::error!(%doc, error = %e, "could not reopen a document after a panic")
                }
            }
        }
    }

    /// The documents whose actor is dead among those this node holds and those any peer sent a
    /// message for (a peer's message can break no other).
    async fn find_dead(&self) -> Vec<DocumentId> {
        let mut handles: Vec<DocHandle> = self.lock_handles().values().cloned().collect();
        let known: HashSet<DocumentId> = handles.iter().map(|h| h.document_id().clone()).collect();
        let sent_to = self
            .inner
            .network
            .as_ref()
            .map(|net| net.link.expulsions.documents())
            .unwrap_or_default();
        for id in sent_to {
            let Ok(doc) = DocumentId::from_str(&id) else {
                continue;
            };
            if known.contains(&doc) || self.inner.containment.is_dead(&doc) {
                continue;
            }
            // A dead actor may never answer; a live one answers at once.
            if let Ok(Ok(Some(handle))) =
                tokio::time::timeout(Duration::from_secs(2), self.inner.repo.find(doc)).await
            {
                handles.push(handle);
            }
        }
        let probe = tokio::task::spawn_blocking(move || {
            handles
                .into_iter()
                .filter(is_poisoned)
                .map(|h| h.document_id().clone())
                .collect::<Vec<_>>()
        });
        probe.await.unwrap_or_default()
    }

    /// Expels the peer that last sent a message for `doc` before the panic. A guess, but a good
    /// one: the actor handles messages in order and automerge fails on the message it receives
    /// or right after; it is wrong only if another peer's message for the same document
    /// arrived between the hostile one and the panic.
    fn expel_last_sender(&self, doc: &DocumentId, panicked_at: Instant) {
        let Some(net) = &self.inner.network else {
            return;
        };
        match net
            .link
            .expulsions
            .last_sender_before(&doc.to_string(), panicked_at)
        {
            Some(peer) => {
                if net.link.expulsions.expel(peer) {
                    tracing::warn!(%doc, peer = %peer.fmt_short(), "expelled the peer whose message broke a document, until copse restarts");
                }
            }
            None => tracing::warn!(%doc, "no peer wrote to the broken document; none expelled"),
        }
    }

    /// Opens `doc` from disk in the recovery repo.
    async fn reopen(&self, doc: &DocumentId) -> Result<DocHandle, NodeError> {
        let storage: SqliteStorage = self.inner.storage.clone();
        let peer = PeerId::from(format!("{}-reopened", self.device_id()));
        let repo = self
            .inner
            .containment
            .recovery
            .get_or_init(|| async move {
                Repo::build_tokio()
                    .with_peer_id(peer)
                    .with_storage(storage)
                    .load()
                    .await
            })
            .await;
        let handle = repo
            .find(doc.clone())
            .await?
            .ok_or_else(|| NodeError::NotFound {
                what: "document",
                id: doc.to_string(),
            })?;
        self.lock_handles().insert(doc.clone(), handle.clone());
        Ok(handle)
    }

    /// The handle for a document whose actor died, reopened from disk, if it did.
    pub(super) async fn reopened(&self, doc: &DocumentId) -> Option<Result<DocHandle, NodeError>> {
        if !self.inner.containment.is_dead(doc) {
            return None;
        }
        if let Some(handle) = self.cached(doc) {
            return Some(Ok(handle));
        }
        Some(self.reopen(doc).await)
    }

    /// Runs `f` on the document's actor; fails instead of waiting forever if that actor dies
    /// before it runs `f` (work queued for a dead actor never runs).
    pub(super) async fn on_actor<F, R>(&self, handle: &DocHandle, f: F) -> Result<R, NodeError>
    where
        F: FnOnce(&mut automerge::Automerge) -> R + Send + 'static,
        R: Send + 'static,
    {
        let died = self
            .inner
            .containment
            .until_dead(handle.document_id().clone());
        if self.inner.containment.is_dead(handle.document_id()) {
            // Either the reopened handle, or one taken from the dead actor before it died.
            if is_poisoned(handle) {
                return Err(reopened_error(handle));
            }
            return Ok(handle.with_document_async(f).await?);
        }
        tokio::select! {
            done = handle.with_document_async(f) => Ok(done?),
            _ = died => Err(reopened_error(handle)),
        }
    }
}

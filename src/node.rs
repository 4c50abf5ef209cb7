//! The [`Node`]: one opened data folder, its samod repo over durable SQLite storage, and the
//! operations the CLI and the UI share.
//!
//! Every operation reads or changes a document through [`Node::update`], which runs a
//! [`crate::model`] method inside one Automerge transaction on samod's document actor (never on
//! the caller's thread), contains any panic, and reports refusals as [`NodeError`]s.
//! [`Node::shutdown`] waits for every write to reach the disk and says if any failed.

mod actions;
mod backups;
mod conflicts;
mod containment;
mod damage;
mod desktop_notifications;
mod devices;
mod error;
mod export;
mod files;
mod gatherings;
mod heads_cache;
mod history_ops;
mod import;
mod last_changes;
mod lifecycle;
mod membership;
mod network;
mod notifications;
mod operations;
mod practices;
mod progress;
#[cfg(any(test, feature = "test-support"))]
mod raw_document;
mod read_marks;
mod roles;
mod search;
mod shared;
mod summary;
mod thanks;
#[cfg(any(test, feature = "test-support"))]
mod unchecked_peer;
mod versions;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use automerge::ChangeHash;
use samod::storage::StorageKey;
use samod_core::CompactionHash;

use autosurgeon::{Hydrate, Reconcile};
use futures::StreamExt;
use samod::{DocHandle, DocumentId, PeerId, Repo};
use tokio::sync::watch;

pub use actions::ActionItem;
pub use backups::{BackupInfo, KEEP_DAILY};
pub use conflicts::{Review, Reviewed};
pub use damage::Damaged;
pub use desktop_notifications::{Announce, Desktop};
pub use error::NodeError;
pub use export::{EXPORT_MARKER, ExportReport};
pub use files::{FILES_DIR, FileView, FilesSpace, Receiving, check_file};
pub use gatherings::{GatheringList, agenda_markdown};
pub use history_ops::HistoryEntry;
pub use import::{ImportReport, ImportedNote, MAX_IMPORT_BYTES, SkippedFile};
pub use membership::{JoinSummary, PeerStatus, SyncReport};
pub use network::SyncStatus;
pub use notifications::NotificationList;
pub use operations::{CommunitySummary, WhoAmI};
pub use progress::Progress;
pub use roles::{CommunityDeviceRow, MemberRow};
pub use search::SEARCH_LIMIT;
pub use shared::Unshared;
#[cfg(any(test, feature = "test-support"))]
pub use unchecked_peer::UncheckedPeer;

use crate::clock::Clock;
use crate::model::{
    CaseId, CommunityId, DeviceId, DocRef, ModelError, NoteId, Timestamp, change, history,
};
use crate::net::access::Access;
pub use crate::net::endpoint::{NetConfig, Relays, RelaysError};
use crate::net::quiet::ChangeObserver;
use crate::store::{
    DATABASE_FILE_NAME, DEVICE_KEY_FILE_NAME, DataDirLock, SqliteStorage, StorageStatus,
    StoreError, load_or_create_device_key,
};

/// Where a node keeps its data, and whether it takes part in the network.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    pub data_dir: PathBuf,
    /// `None`: offline (local commands); `Some`: listen and sync with members.
    pub network: Option<NetConfig>,
    /// Where every "now" comes from.
    pub clock: Clock,
    /// When another copse holds the folder (the window, `copse serve`), open it anyway, only
    /// for reading: what is stored can be read, and every change is refused naming that copse.
    /// Offline nodes only.
    pub read_beside: bool,
}

impl NodeConfig {
    /// A node that works on its data folder only.
    pub fn offline(data_dir: impl Into<PathBuf>) -> NodeConfig {
        NodeConfig {
            data_dir: data_dir.into(),
            network: None,
            clock: Clock::system(),
            read_beside: false,
        }
    }

    /// A node that also listens and syncs with members.
    pub fn online(data_dir: impl Into<PathBuf>, network: NetConfig) -> NodeConfig {
        NodeConfig {
            data_dir: data_dir.into(),
            network: Some(network),
            clock: Clock::system(),
            read_beside: false,
        }
    }

    /// The same node, taking its time from `clock`.
    pub fn with_clock(self, clock: Clock) -> NodeConfig {
        NodeConfig { clock, ..self }
    }

    /// The same offline node, which only reads when another copse holds the folder
    /// ([`NodeConfig::read_beside`]).
    pub fn reading_beside_a_running_copse(self) -> NodeConfig {
        NodeConfig {
            read_beside: self.network.is_none(),
            ..self
        }
    }

    /// The platform's data folder for copse (e.g. `~/.local/share/copse` on Linux).
    pub fn default_data_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "copse", "copse").map(|d| d.data_dir().to_path_buf())
    }
}

/// An opened data folder. Cheap to clone; all clones share one repo.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

struct Inner {
    repo: Repo,
    storage: SqliteStorage,
    device_id: DeviceId,
    data_dir: PathBuf,
    clock: Clock,
    handles: Mutex<HashMap<DocumentId, DocHandle>>,
    /// Changes made through this node whose writes have not yet been confirmed by [`Node::flush`].
    unconfirmed: Mutex<Vec<(DocumentId, Vec<ChangeHash>)>>,
    /// The last snapshot of each community read, reused while its heads are unchanged.
    communities: Mutex<HashMap<String, Snapshot<crate::model::Community>>>,
    /// When each note and case last changed, and who changed it, from their change logs.
    last_changes: Arc<last_changes::LastChanges>,
    /// Moves on when the conflicts open for review change.
    reviews: conflicts::Reviews,
    /// Prepared documents for search, refreshed per query for what changed.
    search: search::SearchCache,
    /// Who may sync what, from the rosters.
    access: Access,
    network: Option<network::Network>,
    sync_status: watch::Sender<SyncStatus>,
    /// Background tasks that hold the node (snapshot watchers, roster followers): aborted at
    /// shutdown, so the node and its endpoint are really let go.
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
    /// Heads remembered at the last clean shutdown, for summaries.
    heads_cache: heads_cache::HeadsCache,
    /// Document actors that panicked, and the repo that reopens their documents from disk.
    containment: containment::Containment,
    /// Held until shutdown: one process per data folder. Released explicitly there, because
    /// background tasks may still hold the node for a moment after.
    lock: Mutex<Option<DataDirLock>>,
    /// Why this node only reads, if it does: every change is refused with it.
    read_only: Option<ReadOnly>,
    /// The store of attached files' bytes; `None` while another copse holds the folder.
    files: Option<files::Files>,
}

/// Why a node opened its folder only for reading.
#[derive(Debug, Clone)]
enum ReadOnly {
    /// Another copse process holds the folder (its own description of itself).
    Beside { holder: String },
    /// The disk was full: SQLite could not open the database for writing.
    DiskFull,
    /// The folder cannot be written: its permissions, or a read-only file system.
    Folder,
}

impl Node {
    /// Opens (or creates) the data folder: takes its lock, loads the device key and the
    /// database, and starts the repo.
    pub async fn open(config: NodeConfig) -> Result<Node, NodeError> {
        let (lock, mut read_only) = match DataDirLock::acquire(&config.data_dir) {
            Ok(lock) => (Some(lock), None),
            Err(StoreError::InUse { holder, .. })
                if config.read_beside && config.network.is_none() =>
            {
                (None, Some(ReadOnly::Beside { holder }))
            }
            // Nobody can write it, so nobody changes it under us: read it as it is.
            Err(StoreError::ReadOnlyFolder { .. }) if config.network.is_none() => {
                (None, Some(ReadOnly::Folder))
            }
            Err(e) => return Err(e.into()),
        };
        // A folder with a device key has held a database: if it is gone or empty now, that is
        // damage to report, not a first run to start afresh over. The database is opened before
        // a new key is made, so a first run cut short never looks like that.
        let used = config
            .data_dir
            .join(DEVICE_KEY_FILE_NAME)
            .try_exists()
            .unwrap_or(true);
        let db = config.data_dir.join(DATABASE_FILE_NAME);
        let storage = if let Some(ReadOnly::Folder) = read_only {
            SqliteStorage::open_in_read_only_folder(&db)?
        } else if read_only.is_some() {
            SqliteStorage::open_read_only(&db)?
        } else {
            let opened = if used {
                SqliteStorage::open_existing(&db)
            } else {
                SqliteStorage::open(&db)
            };
            match opened {
                Ok(storage) => storage,
                // Reading needs no room: what is stored is shown, and changes are refused.
                Err(e) if used && crate::store::disk_is_full(&config.data_dir) => {
                    tracing::info!(error = %e, "the disk is full: reading the data folder only");
                    read_only = Some(ReadOnly::DiskFull);
                    SqliteStorage::open_on_full_disk(&db).map_err(|_| e)?
                }
                Err(e) => return Err(e.into()),
            }
        };
        let key = load_or_create_device_key(&config.data_dir)?;
        let files = match read_only {
            None => Some(files::Files::open(&config.data_dir).await?),
            Some(_) => None,
        };
        let device_id = DeviceId::from(key.public().to_string());
        let heads_cache = heads_cache::HeadsCache::load(&storage);
        let access = Access::default();
        let (containment, actor_pool) = containment::Containment::new()?;
        let written = Arc::new(last_changes::Written::default());
        let last_changes = Arc::new(last_changes::LastChanges::load(&storage, written.clone()));
        let repo = Repo::build_tokio()
            .with_peer_id(PeerId::from(device_id.to_string()))
            .with_storage(storage.clone())
            .with_share_policy(access.policy())
            .with_observer(last_changes::BothObservers(
                ChangeObserver(access.quiet().clone()),
                last_changes::WriteObserver(written),
            ))
            .with_concurrency(samod::ConcurrencyConfig::Threadpool(actor_pool))
            .load()
            .await;
        // The join handler answers through the node, which exists only once this returns.
        let slot = Arc::new(OnceLock::new());
        let sync_status = watch::Sender::new(SyncStatus {
            online: config.network.is_some(),
            ..Default::default()
        });
        let network = match &config.network {
            Some(net) => {
                let status = sync_status.clone();
                Some(
                    network::start(
                        &repo,
                        &storage,
                        key,
                        net,
                        &access,
                        files.as_ref(),
                        slot.clone(),
                        network::StatusFeed {
                            sender: status,
                            clock: config.clock.clone(),
                        },
                    )
                    .await?,
                )
            }
            None => None,
        };
        let node = Node {
            inner: Arc::new(Inner {
                repo,
                storage,
                device_id,
                data_dir: config.data_dir,
                clock: config.clock,
                handles: Mutex::new(HashMap::new()),
                unconfirmed: Mutex::new(Vec::new()),
                communities: Mutex::new(HashMap::new()),
                last_changes,
                reviews: conflicts::Reviews::default(),
                search: search::SearchCache::default(),
                access,
                network,
                sync_status,
                tasks: Mutex::new(Vec::new()),
                containment,
                heads_cache,
                lock: Mutex::new(lock),
                read_only,
                files,
            }),
        };
        let _ = slot.set(Arc::downgrade(&node.inner));
        node.watch_for_panics();
        node.learn_from_writes();
        if node.inner.network.is_some() {
            node.check_quiet_documents();
            node.follow_receipts();
            node.keep_fetching_files();
            for id in node.community_ids()? {
                if let Err(e) = node.follow_community(id.clone()).await {
                    tracing::warn!(community = %id, error = %e, "community not synced");
                }
            }
        }
        Ok(node)
    }

    /// This device's iroh endpoint id (hex): its identity to peers.
    pub fn device_id(&self) -> &DeviceId {
        &self.inner.device_id
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Whether this node only reads: beside the copse that holds the folder
    /// ([`NodeConfig::read_beside`]), or because the disk was full when it opened.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only.is_some()
    }

    /// Refuses a change while this node only reads, saying why: the copse that holds the
    /// folder, or the full disk.
    fn refuse_if_read_only(&self) -> Result<(), NodeError> {
        let dir = self.inner.data_dir.display().to_string();
        match &self.inner.read_only {
            Some(ReadOnly::Beside { holder }) => Err(NodeError::ReadOnly {
                dir,
                holder: holder.clone(),
            }),
            Some(ReadOnly::DiskFull) => Err(NodeError::DiskFull { dir }),
            Some(ReadOnly::Folder) => Err(StoreError::ReadOnlyFolder {
                dir: self.inner.data_dir.clone(),
            }
            .into()),
            None => Ok(()),
        }
    }

    /// The clock this node takes "now" from.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The time now, by this node's clock.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The storage's health: pending and failed writes, quarantined chunks.
    pub fn storage_status(&self) -> watch::Receiver<StorageStatus> {
        self.inner.storage.status()
    }

    /// The data folder's storage, for fault injection in tests.
    #[cfg(any(test, feature = "test-support"))]
    pub fn storage(&self) -> &SqliteStorage {
        &self.inner.storage
    }

    /// Stops the repo once every write has completed, then reports failed writes, if any.
    pub async fn shutdown(self) -> Result<(), NodeError> {
        let flushed = self.flush().await;
        self.save_last_changes().await;
        for task in std::mem::take(&mut *lock(&self.inner.tasks)) {
            task.abort();
        }
        if let Some(net) = &self.inner.network {
            net.connections.abort();
            // Everything is saved by now; a member who vanished must not hold up the exit
            // (`sync --timeout` bounds the whole command).
            let close = async {
                if let Err(e) = net.router.shutdown().await {
                    tracing::warn!(error = %e, "the network did not stop cleanly");
                }
                net.bound.endpoint.close().await;
            };
            if tokio::time::timeout(NETWORK_CLOSE_TIMEOUT, close)
                .await
                .is_err()
            {
                tracing::debug!("closing the network took too long; leaving it");
            }
        }
        let actor_died = self.inner.containment.any_died();
        // Nothing reaches the documents any more but compaction: their heads can be kept.
        let open_heads = match actor_died {
            true => None,
            false => self.heads_before_stop().await,
        };
        if actor_died {
            // samod waits forever for an actor that panicked; what it had is on disk already.
            let stopped =
                tokio::time::timeout(containment::STOP_AFTER_PANIC, self.inner.repo.stop());
            if stopped.await.is_err() {
                tracing::warn!("the repo did not stop: a document actor had panicked");
            }
        } else {
            self.inner.repo.stop().await;
        }
        self.inner.containment.stop().await;
        if let Some(open) = open_heads {
            self.remember_heads(open);
        }
        if let Some(files) = &self.inner.files {
            files.shutdown().await;
        }
        self.inner.storage.close();
        drop(lock(&self.inner.lock).take());
        flushed?;
        let status = self.inner.storage.status().borrow().clone();
        check_writes(&status)
    }

    /// Waits until every change made through this node so far is durably on disk, and fails if
    /// any write has failed since the folder was opened. "Saved" means this has returned.
    pub async fn flush(&self) -> Result<(), NodeError> {
        let pending = std::mem::take(&mut *lock(&self.inner.unconfirmed));
        let mut remaining = pending.into_iter();
        while let Some((doc, heads)) = remaining.next() {
            let written = self
                .inner
                .storage
                .wait_written(saved_key_sets(&doc, &heads));
            match tokio::time::timeout(FLUSH_TIMEOUT, written).await {
                Ok(Ok(())) => {}
                // The failure stays in the storage status, so every later flush reports it too.
                Ok(Err(StoreError::WriteFailed { reason, .. })) => {
                    let failed = self.inner.storage.status().borrow().failed_writes.max(1);
                    return Err(NodeError::WritesFailed {
                        failed,
                        last_error: reason,
                    });
                }
                Ok(Err(other)) => return Err(other.into()),
                Err(_) => {
                    // Not confirmed yet: keep this change and the rest for the next flush.
                    let mut unconfirmed = lock(&self.inner.unconfirmed);
                    unconfirmed.push((doc.clone(), heads));
                    unconfirmed.extend(remaining);
                    return Err(NodeError::NotConfirmed {
                        doc: doc.to_string(),
                        secs: FLUSH_TIMEOUT.as_secs(),
                    });
                }
            }
        }
        self.check_writes()
    }

    /// Fails if any write has failed since the folder was opened.
    pub fn check_writes(&self) -> Result<(), NodeError> {
        check_writes(&self.inner.storage.status().borrow())
    }

    /// The handle of a document, from the cache or storage.
    async fn handle(&self, doc: &impl DocKey) -> Result<DocHandle, NodeError> {
        let doc_id = doc.document_id()?;
        if let Some(reopened) = self.reopened(&doc_id).await {
            return reopened;
        }
        if let Some(handle) = self.cached(&doc_id) {
            return Ok(handle);
        }
        let found = self.inner.repo.find(doc_id.clone()).await?;
        let Some(handle) = found else {
            // Not found because its chunks were set aside is damage, and is named as such.
            let id = doc.id_text().into_owned();
            return Err(match self.has_damage(&doc_id.to_string()) {
                true => NodeError::Damaged {
                    what: doc.what(),
                    id,
                },
                false => NodeError::NotFound {
                    what: doc.what(),
                    id,
                },
            });
        };
        self.lock_handles().insert(doc_id, handle.clone());
        Ok(handle)
    }

    fn cached(&self, id: &DocumentId) -> Option<DocHandle> {
        self.lock_handles().get(id).cloned()
    }

    fn lock_handles(&self) -> std::sync::MutexGuard<'_, HashMap<DocumentId, DocHandle>> {
        lock(&self.inner.handles)
    }

    /// Stores a new document and returns its id.
    async fn create<T: Reconcile>(&self, value: &T, message: &str) -> Result<String, NodeError> {
        let message = history::message(message, self.device_id());
        self.import_document(change::create(value, &message, self.now())?)
            .await
    }

    /// Stores a document built elsewhere (an import, a benchmark's prepared community) as a new
    /// document with its whole history; [`Node::flush`] confirms it is on disk.
    pub async fn import_document(&self, doc: automerge::Automerge) -> Result<String, NodeError> {
        self.refuse_if_read_only()?;
        let heads = doc.get_heads();
        let handle = self.inner.repo.create(doc).await?;
        let id = handle.document_id().to_string();
        // samod has queued the first save; `flush` confirms it like any other change.
        lock(&self.inner.unconfirmed).push((handle.document_id().clone(), heads));
        self.lock_handles()
            .insert(handle.document_id().clone(), handle);
        Ok(id)
    }

    /// Reads a document as `T` on the document's actor.
    async fn read<T>(&self, doc: &impl DocKey) -> Result<T, NodeError>
    where
        T: Hydrate + Send + 'static,
    {
        self.inspect(doc, change::read::<T>).await
    }

    /// Runs `f` on a document without changing it (its history, an earlier version …).
    async fn inspect<R>(
        &self,
        doc: &impl DocKey,
        f: impl FnOnce(&automerge::Automerge) -> Result<R, ModelError> + Send + 'static,
    ) -> Result<R, NodeError>
    where
        R: Send + 'static,
    {
        let handle = self.handle(doc).await?;
        contained(self.on_actor(&handle, |doc| guarded(|| f(doc))).await?)
    }

    /// Reads a document as `T`, reusing `known` when the document's heads have not moved since
    /// it was read (checking heads is cheap; hydrating a large community is not).
    async fn read_unless_unchanged<T>(
        &self,
        doc: &impl DocKey,
        known: Option<Snapshot<T>>,
    ) -> Result<Snapshot<T>, NodeError>
    where
        T: Hydrate + Send + Sync + 'static,
    {
        let handle = self.handle(doc).await?;
        let read = self
            .on_actor(&handle, move |doc| {
                let heads = doc.get_heads();
                match known {
                    Some((known_heads, value)) if known_heads == heads => Ok(Ok((heads, value))),
                    _ => {
                        guarded(|| change::read::<T>(doc)).map(|r| r.map(|v| (heads, Arc::new(v))))
                    }
                }
            })
            .await?;
        contained(read)
    }

    /// Changes a document as `T` with a model operation, as one Automerge change.
    async fn update<T, R>(
        &self,
        doc: &impl DocKey,
        message: &'static str,
        f: impl FnOnce(&mut T) -> Result<R, ModelError> + Send + 'static,
    ) -> Result<R, NodeError>
    where
        T: Hydrate + Reconcile,
        R: Send + 'static,
    {
        self.change_document(doc, message, move |doc, message, at| {
            change::update(doc, message, at, f)
        })
        .await
    }

    /// Changes a document with `change`, given the change's message (naming this device) and
    /// time: the one way every change reaches a document, with panics contained and the change
    /// remembered for [`Node::flush`].
    async fn change_document<R>(
        &self,
        doc: &impl DocKey,
        message: &'static str,
        change: impl FnOnce(&mut automerge::Automerge, &str, Timestamp) -> Result<R, ModelError>
        + Send
        + 'static,
    ) -> Result<R, NodeError>
    where
        R: Send + 'static,
    {
        self.refuse_if_read_only()?;
        let handle = self.handle(doc).await?;
        let at = self.now();
        let message = history::message(message, self.device_id());
        let (result, heads) = self
            .on_actor(&handle, move |doc| {
                let before = doc.get_heads();
                let result = guarded(|| change(doc, &message, at));
                let after = doc.get_heads();
                (result, (after != before).then_some(after))
            })
            .await?;
        if let Some(heads) = heads {
            lock(&self.inner.unconfirmed).push((handle.document_id().clone(), heads));
        }
        contained(result)
    }

    /// A live view of a document: the receiver always holds the latest snapshot, re-read after
    /// every local or remote change. The watching task ends when the last receiver is dropped.
    async fn watch<T>(&self, doc: &impl DocKey) -> Result<watch::Receiver<Arc<T>>, NodeError>
    where
        T: Hydrate + Send + Sync + 'static,
    {
        let handle = self.handle(doc).await?;
        // Subscribe before the first read, so no change can slip in between.
        let mut changes = handle.changes();
        let first: T = self.read(doc).await?;
        let what = doc.what();
        let (tx, rx) = watch::channel(Arc::new(first));
        self.track(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tx.closed() => break,
                    changed = changes.next() => {
                        if changed.is_none() {
                            break;
                        }
                        let read = handle.with_document_async(|doc| guarded(|| change::read::<T>(doc))).await;
                        match read.map_err(NodeError::from).and_then(contained) {
                            Ok(value) => {
                                if tx.send(Arc::new(value)).is_err() {
                                    break;
                                }
                            }
                            Err(e) => tracing::warn!(what, error = %e, "could not re-read a changed document"),
                        }
                    }
                }
            }
        }));
        Ok(rx)
    }
}

impl Node {
    /// Remembers a background task so that shutdown can stop it.
    pub(crate) fn track(&self, task: tokio::task::JoinHandle<()>) {
        let mut tasks = lock(&self.inner.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(task.abort_handle());
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("device_id", &self.inner.device_id)
            .field("data_dir", &self.inner.data_dir)
            .finish()
    }
}

/// A document's value with the heads it was read at.
type Snapshot<T> = (Vec<ChangeHash>, Arc<T>);

/// Longest wait for the network to close at shutdown, once everything is saved.
const NETWORK_CLOSE_TIMEOUT: Duration = Duration::from_millis(400);

/// How long [`Node::flush`] waits for the disk before it says the change is not confirmed.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);

/// The keys samod writes for a document at these heads: right after a change it stores either
/// each new change as an incremental chunk (keyed by change hash) or a compacted snapshot (keyed
/// by the hash of the heads). Either set on disk means the change is saved.
fn saved_key_sets(doc: &DocumentId, heads: &[ChangeHash]) -> Vec<Vec<StorageKey>> {
    let incremental = heads
        .iter()
        .map(|h| StorageKey::incremental_path(doc, *h))
        .collect();
    let snapshot = vec![StorageKey::snapshot_path(doc, &CompactionHash::new(heads))];
    vec![incremental, snapshot]
}

/// Locks a mutex whose data stays valid even if a holder panicked (plain maps and lists).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn check_writes(status: &StorageStatus) -> Result<(), NodeError> {
    if status.failed_writes > 0 {
        Err(NodeError::WritesFailed {
            failed: status.failed_writes,
            last_error: status.last_error.clone().unwrap_or_default(),
        })
    } else {
        Ok(())
    }
}

/// A document the node opens by its samod id: a community, a note or case ([`DocRef`], or its
/// typed id), or any document by its [`DocumentId`].
pub(crate) trait DocKey {
    /// What the document is, for errors ("community", "note" …).
    fn what(&self) -> &'static str;

    /// The samod document id as text.
    fn id_text(&self) -> Cow<'_, str>;

    fn document_id(&self) -> Result<DocumentId, NodeError> {
        let id = self.id_text();
        DocumentId::from_str(id.trim()).map_err(|_| NodeError::InvalidId {
            what: self.what(),
            given: id.chars().take(80).collect(),
        })
    }
}

impl DocKey for DocRef {
    fn what(&self) -> &'static str {
        self.kind().as_str()
    }

    fn id_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.id_str())
    }
}

macro_rules! doc_key {
    ($id:ty, $what:literal) => {
        impl DocKey for $id {
            fn what(&self) -> &'static str {
                $what
            }

            fn id_text(&self) -> Cow<'_, str> {
                Cow::Borrowed(self.as_str())
            }
        }
    };
}
doc_key!(CommunityId, "community");
doc_key!(NoteId, "note");
doc_key!(CaseId, "case");

impl DocKey for DocumentId {
    fn what(&self) -> &'static str {
        "document"
    }

    fn id_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }

    fn document_id(&self) -> Result<DocumentId, NodeError> {
        Ok(self.clone())
    }
}

/// Runs document code so that a panic becomes an error instead of poisoning the document.
fn guarded<R>(f: impl FnOnce() -> Result<R, ModelError>) -> Result<Result<R, ModelError>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
}

fn contained<R>(result: Result<Result<R, ModelError>, String>) -> Result<R, NodeError> {
    match result {
        Ok(inner) => inner.map_err(NodeError::from),
        Err(panic) => {
            tracing::error!(%panic, "a document operation panicked; the change was rolled back");
            Err(NodeError::Panicked(panic))
        }
    }
}

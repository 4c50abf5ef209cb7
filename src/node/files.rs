//! Files on the [`Node`]: the blob store in the data folder (`files/`, iroh-blobs' `FsStore`),
//! attaching a file to a note or case, listing, saving, renaming and removing files, and
//! fetching in the background the bytes of every file a community refers to that this device
//! does not have yet, from any member's device that has them.
//!
//! The bytes are verified against their BLAKE3 hash as they arrive (iroh-blobs), so a peer
//! sending other bytes is dropped and the next member is asked; a download cut short keeps
//! what arrived and resumes from there next time. A peer that sends nothing for a while
//! (stalled) is left for the next one, and is asked last next time; a failure on this device
//! (a full disk) stops the download and is said in the status bar, until a later try succeeds.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use futures::StreamExt;
use iroh::EndpointId;
use iroh_blobs::Hash;
use iroh_blobs::api::Store;
use iroh_blobs::api::proto::BlobStatus;
use iroh_blobs::api::remote::GetProgressItem;
use iroh_blobs::get::GetError;
use iroh_blobs::store::fs::FsStore;
use iroh_blobs::util::connection_pool::{ConnectionPool, Options as PoolOptions};
use serde::Serialize;

use super::{Node, NodeError, lock};
use crate::model::attachment::{self, Attachment};
use crate::model::{CommunityId, DocRef, FileId, Timestamp};

/// The blob store's folder inside the data folder.
pub const FILES_DIR: &str = "files";
/// How often the node looks for files it still lacks while online.
const FETCH_EVERY: Duration = Duration::from_secs(3);
/// A peer that sends nothing for this long is left for the next one.
const STALL_AFTER: Duration = Duration::from_secs(20);
/// How often a download looks whether its peer has stalled.
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// How long connecting to a member's device for files may take.
const CONNECT_WITHIN: Duration = Duration::from_secs(5);

/// The node's blob store, and the downloads under way.
pub(super) struct Files {
    pub(super) store: FsStore,
    /// Connections to members' devices for files; set once the network is up.
    pool: Mutex<Option<ConnectionPool>>,
    /// Hashes being fetched now.
    fetching: Mutex<HashSet<String>>,
    /// Devices that stalled or sent bytes that were refused: asked last.
    doubtful: Mutex<HashSet<EndpointId>>,
    stall_after: Mutex<Duration>,
}

impl Files {
    /// Opens (or creates) the store in `data_dir`.
    pub(super) async fn open(data_dir: &Path) -> Result<Files, NodeError> {
        let dir = data_dir.join(FILES_DIR);
        let store = FsStore::load(&dir).await.map_err(|e| NodeError::Io {
            path: dir.display().to_string(),
            error: format!("the file store could not be opened ({e})"),
        })?;
        Ok(Files {
            store,
            pool: Mutex::new(None),
            fetching: Mutex::new(HashSet::new()),
            doubtful: Mutex::new(HashSet::new()),
            stall_after: Mutex::new(STALL_AFTER),
        })
    }

    pub(super) fn blobs(&self) -> &Store {
        &self.store
    }

    pub(super) fn start_downloads(&self, endpoint: &iroh::Endpoint) {
        let mut options = PoolOptions::default();
        options.connect_timeout = CONNECT_WITHIN;
        let pool = ConnectionPool::new(endpoint.clone(), crate::net::blobs::FILES_ALPN, options);
        *lock(&self.pool) = Some(pool);
    }

    pub(super) async fn shutdown(&self) {
        if let Err(e) = self.store.shutdown().await {
            tracing::warn!(error = %e, "the file store did not stop cleanly");
        }
    }
}

/// A download under way, for the status bar: "Receiving slides.pdf — 12 of 40 MB".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Receiving {
    pub name: String,
    pub received: u64,
    pub size: u64,
}

/// One attached file as lists show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileView {
    pub id: FileId,
    /// `note/<id>` or `case/<id>`.
    pub on: String,
    pub name: String,
    pub size: u64,
    pub media_type: String,
    pub hash: String,
    pub added_by: String,
    pub added_at: Timestamp,
    /// Whether the whole file is on this device (`None`: cannot tell, because another copse
    /// holds the data folder's file store).
    pub here: Option<bool>,
}

/// The space a community's files take: all of them, and on this device.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilesSpace {
    /// How many files the community has.
    pub files: usize,
    /// The bytes of all of them, each distinct content once.
    pub bytes: u64,
    /// The bytes of those whose content is all on this device (`None`: cannot tell, another
    /// copse holds the file store).
    pub here: Option<u64>,
}

impl FilesSpace {
    /// "Files: 12 MB", with what is still to arrive when not all is here.
    pub fn in_words(&self) -> String {
        let all = attachment::size_in_words(self.bytes);
        match self.here {
            Some(here) if here < self.bytes => format!(
                "Files: {all} ({} here so far)",
                attachment::size_in_words(here)
            ),
            _ => format!("Files: {all}"),
        }
    }
}

impl Node {
    fn files_store(&self) -> Result<&Files, NodeError> {
        self.inner.files.as_ref().ok_or_else(|| {
            NodeError::Files(
                "the file store is in use by the copse that holds this data folder (the window or \
                 `copse serve`): do this there, or stop it and try again"
                    .to_string(),
            )
        })
    }

    /// Attaches the file at `path` to a note or case: its bytes go into this device's store,
    /// a reference into the community. Refused before anything is kept: a file that cannot be
    /// read, an empty one, one over the limit.
    pub async fn attach_file(
        &self,
        community: &CommunityId,
        on: &DocRef,
        path: &Path,
    ) -> Result<FileId, NodeError> {
        let ids = self
            .attach_files(community, on, std::slice::from_ref(&path.to_path_buf()))
            .await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| NodeError::Panicked("attaching one file gave no id".into()))
    }

    /// Attaches several files to a note or case at once: each one's bytes into the store, then
    /// every reference in one change to the community (one write, not one per file). A file
    /// refused stops all of them before any reference is kept.
    pub async fn attach_files(
        &self,
        community: &CommunityId,
        on: &DocRef,
        paths: &[std::path::PathBuf],
    ) -> Result<Vec<FileId>, NodeError> {
        self.refuse_if_read_only()?;
        self.require_indexed(community, on).await?;
        let files = self.files_store()?;
        let mut kept = Vec::with_capacity(paths.len());
        for path in paths {
            let (name, checked) = check_file(path).await?;
            let absolute = std::path::absolute(path).map_err(|e| cannot_read(path, e))?;
            let tag = files
                .blobs()
                .add_path(&absolute)
                .with_tag()
                .await
                .map_err(|e| NodeError::Io {
                    path: path.display().to_string(),
                    error: format!("could not keep a copy of this file ({e})"),
                })?;
            // The size of what was read, not what the folder said a moment before.
            let size = match files.blobs().status(tag.hash).await {
                Ok(BlobStatus::Complete { size }) => size,
                _ => checked,
            };
            attachment::check_size(&name, size)?;
            kept.push((name, size, tag.hash.to_hex()));
        }
        let on = on.clone();
        let ids = self
            .change_as_member(community, "attach files", move |c, me, now| {
                let mut ids = Vec::with_capacity(kept.len());
                for (name, size, hash) in &kept {
                    let file = Attachment::new(&on, name, *size, hash, me, now)?;
                    ids.push(c.attach_file(FileId::new_random(), file)?);
                }
                Ok(ids)
            })
            .await?;
        self.flush().await?;
        Ok(ids)
    }

    /// The files of a community, or of one note or case, oldest first.
    pub async fn files(
        &self,
        community: &CommunityId,
        on: Option<&DocRef>,
    ) -> Result<Vec<FileView>, NodeError> {
        let c = self.community(community).await?;
        let mut listed: Vec<(FileId, Attachment)> = match on {
            Some(on) => c.files_on(on),
            None => c
                .files
                .iter()
                .map(|(i, f)| (i.clone(), f.clone()))
                .collect(),
        };
        listed.sort_by(|a, b| (a.1.added_at, &a.0).cmp(&(b.1.added_at, &b.0)));
        let mut views = Vec::with_capacity(listed.len());
        for (id, f) in listed {
            let here = self.is_here(&f.hash).await;
            let added_by = c
                .members
                .get(&f.added_by)
                .map(|m| m.name.clone())
                .unwrap_or_else(|| f.added_by.to_string());
            views.push(FileView {
                id,
                on: f.on,
                name: f.name,
                size: f.size,
                media_type: f.media_type,
                hash: f.hash,
                added_by,
                added_at: f.added_at,
                here,
            });
        }
        Ok(views)
    }

    /// The space a community's files take, in all and on this device.
    pub async fn files_space(&self, community: &CommunityId) -> Result<FilesSpace, NodeError> {
        let c = self.community(community).await?;
        let mut here = Some(0u64);
        let mut seen = HashSet::new();
        for f in c.files.values() {
            if !seen.insert(f.hash.as_str()) {
                continue;
            }
            here = match (here, self.is_here(&f.hash).await) {
                (Some(total), Some(true)) => Some(total + f.size),
                (Some(total), Some(false)) => Some(total),
                _ => None,
            };
        }
        Ok(FilesSpace {
            files: c.files.len(),
            bytes: c.files_size(),
            here,
        })
    }

    /// The note or case with this id in the community's index.
    pub async fn note_or_case(
        &self,
        community: &CommunityId,
        id: &str,
    ) -> Result<DocRef, NodeError> {
        let c = self.community(community).await?;
        let note = crate::model::NoteId::from(id.to_string());
        let case = crate::model::CaseId::from(id.to_string());
        if c.notes.contains_key(&note) {
            Ok(DocRef::Note(note))
        } else if c.cases.contains_key(&case) {
            Ok(DocRef::Case(case))
        } else {
            Err(NodeError::NotFound {
                what: "note or case",
                id: id.to_string(),
            })
        }
    }

    /// One file of a community.
    pub async fn file(&self, community: &CommunityId, id: &FileId) -> Result<FileView, NodeError> {
        self.files(community, None)
            .await?
            .into_iter()
            .find(|f| &f.id == id)
            .ok_or_else(|| crate::model::ModelError::NoSuchFile(id.to_string()).into())
    }

    /// Whether the whole of the bytes with this hash are on this device.
    async fn is_here(&self, hash: &str) -> Option<bool> {
        let files = self.inner.files.as_ref()?;
        let hash = Hash::from_str(hash).ok()?;
        Some(matches!(
            files.blobs().status(hash).await,
            Ok(BlobStatus::Complete { .. })
        ))
    }

    /// The bytes of a file, when they are here (for the window's inline images).
    pub async fn file_bytes(&self, hash: &str) -> Result<bytes::Bytes, NodeError> {
        let files = self.files_store()?;
        let parsed = Hash::from_str(hash).map_err(|_| NodeError::InvalidId {
            what: "file hash",
            given: hash.to_string(),
        })?;
        if self.is_here(hash).await != Some(true) {
            return Err(not_here());
        }
        files
            .blobs()
            .get_bytes(parsed)
            .await
            .map_err(|e| NodeError::Files(format!("the file could not be read here ({e})")))
    }

    /// Writes a file's bytes to `out`. Nothing appears at `out` unless the whole file was
    /// written: the bytes go to a hidden file beside it first, renamed when complete.
    pub async fn save_file(
        &self,
        community: &CommunityId,
        id: &FileId,
        out: &Path,
    ) -> Result<FileView, NodeError> {
        let file = self.file(community, id).await?;
        if file.here != Some(true) {
            self.files_store()?;
            return Err(not_here());
        }
        let hash = Hash::from_str(&file.hash).map_err(|_| NodeError::InvalidId {
            what: "file hash",
            given: file.hash.clone(),
        })?;
        let store = self.files_store()?.blobs().clone();
        write_whole(out, |temp| async move {
            store
                .export(hash, temp)
                .finish()
                .await
                .map(|_| ())
                .map_err(|e| std::io::Error::other(e.to_string()))
        })
        .await?;
        Ok(file)
    }

    /// Renames a file for every member.
    pub async fn rename_file(
        &self,
        community: &CommunityId,
        id: &FileId,
        name: &str,
    ) -> Result<(), NodeError> {
        let (id, name) = (id.clone(), name.to_string());
        self.change_as_member(community, "rename file", move |c, _, _| {
            c.rename_file(&id, &name)
        })
        .await?;
        self.flush().await
    }

    /// Takes a file off its note or case for every member; the bytes stay on devices that
    /// have them.
    pub async fn remove_file(&self, community: &CommunityId, id: &FileId) -> Result<(), NodeError> {
        let id = id.clone();
        self.change_as_member(community, "remove file", move |c, _, _| {
            c.remove_file(&id).map(|_| ())
        })
        .await?;
        self.flush().await
    }

    /// Keeps fetching missing files while the node runs: at once, then every few seconds (a
    /// member who has them may come online at any time).
    pub(super) fn keep_fetching_files(&self) {
        let node = self.clone();
        self.track(tokio::spawn(async move {
            let mut tick = tokio::time::interval(FETCH_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
                node.fetch_missing_files().await;
            }
        }));
    }

    /// Starts a download for every file a community refers to whose bytes are not all here,
    /// from the devices of that community's members.
    pub async fn fetch_missing_files(&self) {
        let Some(files) = &self.inner.files else {
            return;
        };
        if lock(&files.pool).is_none() {
            return;
        }
        let Ok(ids) = self.community_ids() else {
            return;
        };
        for id in ids {
            let Ok(c) = self.community(&id).await else {
                continue;
            };
            let providers: Vec<EndpointId> = c
                .members
                .values()
                .flat_map(|m| m.devices.keys())
                .filter(|d| *d != self.device_id())
                .filter_map(|d| EndpointId::from_str(d.as_str()).ok())
                .collect();
            if providers.is_empty() {
                continue;
            }
            for f in c.files.values() {
                if self.is_here(&f.hash).await != Some(false) {
                    continue;
                }
                let Ok(hash) = Hash::from_str(&f.hash) else {
                    continue;
                };
                if !lock(&files.fetching).insert(f.hash.clone()) {
                    continue;
                }
                let node = self.clone();
                let (name, size, providers) = (f.name.clone(), f.size, providers.clone());
                self.track(tokio::spawn(async move {
                    node.fetch_file(hash, name, size, providers).await;
                }));
            }
        }
    }

    /// Asks `providers` for the bytes of `hash` one after the other (those that failed
    /// before last) until the whole file is here, reporting progress, then lets the file be
    /// tried again later if it did not arrive.
    async fn fetch_file(
        &self,
        hash: Hash,
        name: String,
        size: u64,
        mut providers: Vec<EndpointId>,
    ) {
        let Some(files) = &self.inner.files else {
            return;
        };
        let Some(pool) = lock(&files.pool).clone() else {
            return;
        };
        let key = hash.to_hex();
        let status = &self.inner.sync_status;
        let report = |received: u64| {
            status.send_modify(|s| {
                s.receiving.insert(
                    key.clone(),
                    Receiving {
                        name: name.clone(),
                        received: received.min(size),
                        size,
                    },
                );
            })
        };
        {
            let doubtful = lock(&files.doubtful);
            providers.sort_by_key(|p| doubtful.contains(p));
        }
        let remote = files.blobs().remote();
        for provider in providers {
            let Ok(conn) = pool.get_or_connect(provider).await else {
                continue;
            };
            let Ok(local) = remote.local(hash).await else {
                break;
            };
            if local.is_complete() {
                break;
            }
            let before = local.local_bytes();
            report(before);
            let mut items = Box::pin(remote.fetch((*conn).clone(), hash).stream());
            let mut heard = tokio::time::Instant::now();
            let outcome = loop {
                // Looks a few times a second whether the peer has gone quiet for too long.
                match tokio::time::timeout(LOOK_EVERY, items.next()).await {
                    Err(_) if heard.elapsed() >= *lock(&files.stall_after) => {
                        break Attempt::Stalled;
                    }
                    Err(_) => {}
                    Ok(None) => break Attempt::Refused(None),
                    Ok(Some(GetProgressItem::Progress(n))) => {
                        heard = tokio::time::Instant::now();
                        report(before + n);
                    }
                    Ok(Some(GetProgressItem::Done(_))) => break Attempt::Done,
                    Ok(Some(GetProgressItem::Error(e))) if is_local(&e) => {
                        break Attempt::HereFailed(e);
                    }
                    Ok(Some(GetProgressItem::Error(e))) => break Attempt::Refused(Some(e)),
                }
            };
            drop(items);
            match outcome {
                Attempt::Done => {
                    status.send_modify(|s| s.file_trouble = None);
                    break;
                }
                Attempt::Stalled => {
                    tracing::info!(file = %name, peer = %provider.fmt_short(), "a member's device stopped sending a file; asking another");
                    lock(&files.doubtful).insert(provider);
                    pool.close(provider).await.ok();
                }
                Attempt::Refused(e) => {
                    let error = e.map(|e| e.to_string()).unwrap_or_default();
                    tracing::info!(file = %name, peer = %provider.fmt_short(), %error, "a member's device did not send a file");
                    lock(&files.doubtful).insert(provider);
                }
                Attempt::HereFailed(e) => {
                    let full = crate::store::disk_is_full(&self.data_dir().join(FILES_DIR));
                    let trouble = trouble_keeping(&name, full, &e);
                    tracing::warn!(file = %name, error = %e, "could not keep a file");
                    status.send_modify(|s| s.file_trouble = Some(trouble));
                    break;
                }
            }
        }
        status.send_modify(|s| {
            s.receiving.remove(&key);
        });
        lock(&files.fetching).remove(&key);
    }

    /// For tests: how long a peer may send nothing before the next one is asked.
    #[cfg(feature = "test-support")]
    pub fn set_file_stall_after(&self, after: Duration) {
        if let Some(files) = &self.inner.files {
            *lock(&files.stall_after) = after;
        }
    }
}

/// How one request to one member's device ended.
enum Attempt {
    Done,
    /// It sent nothing for a while.
    Stalled,
    /// It refused, went away or sent bytes that did not match the hash.
    Refused(Option<GetError>),
    /// This device could not keep what arrived (a full disk).
    HereFailed(GetError),
}

/// Whether a download failed on this device rather than on the peer's side.
fn is_local(e: &GetError) -> bool {
    matches!(e, GetError::LocalFailure { .. } | GetError::IrpcSend { .. })
}

/// What the status bar says when this device could not keep a file's bytes (`full`: the disk
/// has no space left; the store's own error does not always say so).
fn trouble_keeping(name: &str, full: bool, e: &GetError) -> String {
    if full {
        format!(
            "Could not receive {name}: the disk is full. Free some space; it resumes where it \
             stopped"
        )
    } else {
        format!("Could not receive {name} ({e}); it is tried again in a moment")
    }
}

/// Checks that `path` is a file that can be attached, before anything is kept: readable, not
/// empty, within the limit, with a usable name. Its name and size.
pub async fn check_file(path: &Path) -> Result<(String, u64), NodeError> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| cannot_read(path, e))?;
    if !meta.is_file() {
        return Err(NodeError::Io {
            path: path.display().to_string(),
            error: "this is not a file (a folder?); attach files one by one".to_string(),
        });
    }
    // Opening it is the only sure test that it can be read.
    tokio::fs::File::open(path)
        .await
        .map_err(|e| cannot_read(path, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = attachment::file_name(&name)?;
    attachment::check_size(&name, meta.len())?;
    Ok((name, meta.len()))
}

fn cannot_read(path: &Path, e: std::io::Error) -> NodeError {
    NodeError::Io {
        path: path.display().to_string(),
        error: format!("cannot read this file ({e}); check the path and its permissions"),
    }
}

impl Node {
    /// Copies every file of `c` that is here into `folder/files/` (as `ID-NAME`, so equal
    /// names do not collide) and writes `files.md` linking each one relatively, under the note
    /// or case it is attached to. Returns how many were copied, and how many are not here yet.
    pub(super) async fn export_files(
        &self,
        c: &crate::model::Community,
        folder: &Path,
    ) -> Result<(usize, usize), NodeError> {
        if c.files.is_empty() {
            return Ok((0, 0));
        }
        let dir = folder.join(FILES_DIR);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| cannot_write(&dir, e))?;
        let (mut copied, mut missing) = (0, 0);
        let mut page = String::from("# Files\n");
        let mut files: Vec<_> = c.files.iter().collect();
        files.sort_by(|a, b| (&a.1.on, a.1.added_at).cmp(&(&b.1.on, b.1.added_at)));
        let mut last_on = None;
        for (id, f) in files {
            if last_on != Some(&f.on) {
                let title = f
                    .target()
                    .and_then(|doc| c.entry(&doc).map(|e| e.title.clone()))
                    .unwrap_or_else(|| f.on.clone());
                page += &format!("\n## {title}\n\n");
                last_on = Some(&f.on);
            }
            let name = format!("{id}-{}", f.name);
            let size = attachment::size_in_words(f.size);
            if self.is_here(&f.hash).await == Some(true) {
                let hash = Hash::from_str(&f.hash).map_err(|_| not_here())?;
                let store = self.files_store()?.blobs().clone();
                let target = dir.join(&name);
                write_whole(&target, |temp| async move {
                    store
                        .export(hash, temp)
                        .finish()
                        .await
                        .map(|_| ())
                        .map_err(|e| std::io::Error::other(e.to_string()))
                })
                .await?;
                copied += 1;
                page += &format!(
                    "- [{}]({FILES_DIR}/{}) ({size})\n",
                    f.name,
                    name.replace(' ', "%20")
                );
            } else {
                missing += 1;
                page += &format!("- {} ({size}): not on this device yet\n", f.name);
            }
        }
        let path = folder.join("files.md");
        tokio::fs::write(&path, page)
            .await
            .map_err(|e| cannot_write(&path, e))?;
        Ok((copied, missing))
    }
}

fn cannot_write(path: &Path, e: std::io::Error) -> NodeError {
    NodeError::Io {
        path: path.display().to_string(),
        error: e.to_string(),
    }
}

fn not_here() -> NodeError {
    NodeError::Files(
        "this file is not here yet: it arrives when a member who has it is online".to_string(),
    )
}

/// Writes a file to `out` through a temporary file beside it (`write` fills the path it is
/// given), so that a failure (a full disk) leaves no partial file under the name asked for.
async fn write_whole<F, Fut>(out: &Path, write: F) -> Result<(), NodeError>
where
    F: FnOnce(PathBuf) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<()>>,
{
    let io_error = |e: std::io::Error| NodeError::Io {
        path: out.display().to_string(),
        error: format!("could not write the file ({e}); nothing was written there"),
    };
    let out = std::path::absolute(out).map_err(io_error)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    let dir = out
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let temp = dir.join(format!(".{name}.copse-partial"));
    let written = async {
        write(temp.clone()).await?;
        tokio::fs::File::open(&temp).await?.sync_all().await?;
        tokio::fs::rename(&temp, &out).await
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(io_error(e));
    }
    Ok(())
}

//! [`SqliteStorage`]: samod's document storage on one SQLite file, plus the device's own
//! key/value state (never synced).
//!
//! Writes go to the writer thread (`writer.rs`: group commit, durable on completion, no delete
//! after a failed write). Reads run on pooled read connections off the async runtime, and every
//! value is checked (`chunk_check.rs`) before samod sees it: a damaged one is moved into the
//! `quarantine` table and reported, and everything else still loads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use automerge::ChangeHash;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use samod::DocumentId;
use samod::storage::{Storage, StorageKey};
use tokio::sync::watch;

use super::StoreError;
use super::chunk_check::{ChunkDamage, check_chunks};
use super::key_text::{self, PrefixRange};
use super::reader_pool::ReaderPool;
use super::schema;
use super::storage_status::{StatusCell, StorageStatus};
use super::write_ledger::{Verdict, WriteLedger};
#[cfg(any(test, feature = "test-support"))]
use super::writer::WriteFault;
use super::writer::WriterHandle;

/// The name of the database file inside the data folder.
pub const DATABASE_FILE_NAME: &str = "copse.db";

/// samod storage on one SQLite database. Cheap to clone; all clones share one writer thread,
/// which stops when the last clone is dropped or [`SqliteStorage::close`] is called.
#[derive(Clone, Debug)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// `None` when the database is only read, beside another copse that writes it
    /// ([`SqliteStorage::open_read_only`]).
    writer: Option<WriterHandle>,
    readers: ReaderPool,
    status: Arc<StatusCell>,
    ledger: Arc<WriteLedger>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Whatever was queued is still written before the database is let go.
        if let Some(writer) = &self.writer {
            writer.close();
        }
    }
}

impl SqliteStorage {
    /// Opens the database at `db_path` (normally `<data folder>/copse.db`), creating it if it
    /// does not exist.
    ///
    /// A file that is not a copse database, or is damaged beyond opening, gives
    /// [`StoreError::NotADatabase`] and is left exactly as it was.
    pub fn open(db_path: &Path) -> Result<SqliteStorage, StoreError> {
        let conn = schema::open_writer(db_path)?;
        let quarantined: i64 = conn
            .query_row("SELECT count(*) FROM quarantine", [], |row| row.get(0))
            .map_err(|e| StoreError::sqlite(db_path, e))?;
        let readers = ReaderPool::open(db_path)?;
        let status = Arc::new(StatusCell::new(StorageStatus {
            quarantined: u64::try_from(quarantined).unwrap_or(0),
            ..StorageStatus::default()
        }));
        // Not a warning: the node names what is still damaged (and stays quiet about what a
        // sync has fetched again), which the store alone cannot know.
        if quarantined > 0 {
            tracing::info!(
                db = %db_path.display(),
                quarantined,
                "damaged chunks were set aside earlier; they are kept in the quarantine table"
            );
        }
        let ledger = Arc::new(WriteLedger::default());
        let writer = WriterHandle::spawn(conn, db_path, status.clone(), ledger.clone())?;
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                path: db_path.to_path_buf(),
                writer: Some(writer),
                readers,
                status,
                ledger,
            }),
        })
    }

    /// Opens the database of a data folder that already held one (its device key exists).
    ///
    /// There, a missing or empty (0-byte) file is damage, not a first run: it gives
    /// [`StoreError::DatabaseMissing`] and nothing is created or written, where [`Self::open`]
    /// would quietly start an empty store over it.
    pub fn open_existing(db_path: &Path) -> Result<SqliteStorage, StoreError> {
        let what = match std::fs::metadata(db_path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("is missing"),
            Err(e) => return Err(StoreError::io(db_path, e)),
            Ok(meta) if meta.is_file() && meta.len() == 0 => Some("is empty (0 bytes)"),
            Ok(_) => None,
        };
        match what {
            Some(what) => Err(StoreError::DatabaseMissing {
                path: db_path.to_path_buf(),
                what,
            }),
            None => SqliteStorage::open(db_path),
        }
    }

    /// Opens the database only for reading, beside the copse process that holds the data
    /// folder and writes it (WAL lets readers run beside that writer and see every commit).
    ///
    /// Nothing is ever written: samod's compaction writes and the device-local values a read
    /// would refresh (read marks, caches) are skipped, and a damaged chunk is skipped without
    /// being moved to quarantine. Changing a document is the node's to refuse.
    pub fn open_read_only(db_path: &Path) -> Result<SqliteStorage, StoreError> {
        schema::check_file_header(db_path)?;
        let readers = ReaderPool::open(db_path)?;
        readers
            .with(|conn| schema::check_identity(conn, db_path))
            .and_then(|checked| checked)?;
        SqliteStorage::reading_through(db_path, readers, None)
    }

    /// Opens the database of a data folder whose disk is full, only for reading: what is stored
    /// can be read, and nothing is saved (as [`Self::open_read_only`]), which its status says in
    /// `read_only` for the status bar and the CLI.
    pub fn open_on_full_disk(db_path: &Path) -> Result<SqliteStorage, StoreError> {
        schema::check_file_header(db_path)?;
        let only = schema::open_exclusive_reader(db_path)?;
        SqliteStorage::reading_through(
            db_path,
            ReaderPool::single(db_path, only),
            Some("the disk is full: new changes cannot be saved until some space is freed"),
        )
    }

    /// Opens the database of a data folder that cannot be written (its permissions, a
    /// read-only file system), only for reading, as [`Self::open_on_full_disk`] does.
    pub fn open_in_read_only_folder(db_path: &Path) -> Result<SqliteStorage, StoreError> {
        schema::check_file_header(db_path)?;
        let only = schema::open_immutable_reader(db_path)?;
        SqliteStorage::reading_through(
            db_path,
            ReaderPool::single(db_path, only),
            Some("the data folder is read-only: changes cannot be saved"),
        )
    }

    /// A storage that reads through `readers` and saves nothing; `why`, when nothing can be
    /// saved at all, goes into its status (beside a running copse, that copse saves).
    fn reading_through(
        db_path: &Path,
        readers: ReaderPool,
        why: Option<&str>,
    ) -> Result<SqliteStorage, StoreError> {
        let quarantined: i64 = readers
            .with(|conn| {
                conn.query_row("SELECT count(*) FROM quarantine", [], |row| row.get(0))
                    .map_err(|e| StoreError::sqlite(db_path, e))
            })
            .and_then(|counted| counted)?;
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                path: db_path.to_path_buf(),
                writer: None,
                readers,
                status: Arc::new(StatusCell::new(StorageStatus {
                    quarantined: u64::try_from(quarantined).unwrap_or(0),
                    read_only: why.map(str::to_string),
                    ..StorageStatus::default()
                })),
                ledger: Arc::new(WriteLedger::default()),
            }),
        })
    }

    /// Whether this storage only reads ([`SqliteStorage::open_read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.inner.writer.is_none()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The storage's health, updated as writes queue, complete, fail or are refused.
    pub fn status(&self) -> watch::Receiver<StorageStatus> {
        self.inner.status.subscribe()
    }

    /// Whether any document write failed since the storage was opened.
    pub fn has_failed(&self) -> bool {
        self.inner.status.get().failed_writes > 0
    }

    /// Waits until the changes named by `key_sets` are on disk: until every key of at least one
    /// of the sets was committed (in this session, or is found in the database). A document's
    /// changes up to some heads are, for instance, the incremental chunks of those heads or the
    /// snapshot at those heads — whichever samod wrote.
    ///
    /// Fails with [`StoreError::WriteFailed`] when a write of one of those documents failed, and
    /// with [`StoreError::Closed`] when the storage closed, before that. It does not time out.
    pub fn wait_written(
        &self,
        key_sets: Vec<Vec<StorageKey>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        let inner = self.inner.clone();
        async move {
            let sets: Vec<Vec<String>> = key_sets
                .iter()
                .map(|set| set.iter().map(key_text::to_text).collect())
                .collect();
            let documents: Vec<&str> = key_sets
                .iter()
                .flatten()
                .map(key_text::document_of)
                .collect();
            if sets.is_empty() || sets.iter().any(Vec::is_empty) {
                return Ok(());
            }
            // Subscribing first means no commit can slip between a check and the wait.
            let mut commits = inner.status.subscribe();
            let in_db = {
                let inner = inner.clone();
                let sets = sets.clone();
                run_blocking(move || inner.readers.with(|conn| stored_in_db(conn, &sets))).await
            };
            // Written in an earlier session. A failed check only means asking the ledger.
            if let Some(Ok(Ok(true))) = in_db {
                return Ok(());
            }
            loop {
                match inner.ledger.verdict(&sets, &documents) {
                    Verdict::Written => return Ok(()),
                    Verdict::Failed { document } => {
                        let reason =
                            inner.status.get().last_error.unwrap_or_else(|| {
                                format!("a write of document {document} failed")
                            });
                        return Err(StoreError::WriteFailed {
                            path: inner.path.clone(),
                            reason,
                        });
                    }
                    Verdict::Closed => {
                        return Err(StoreError::Closed {
                            path: inner.path.clone(),
                        });
                    }
                    Verdict::Pending => {}
                }
                // The writer updates the status after every batch; the sender lives in `inner`.
                if commits.changed().await.is_err() {
                    return Err(StoreError::Closed {
                        path: inner.path.clone(),
                    });
                }
            }
        }
    }

    /// Stores a local (per-device, never synced) value durably. Blocks until committed.
    ///
    /// A read-only storage keeps nothing: local values are this device's own bookkeeping (read
    /// marks, caches), which the copse process that writes the folder keeps.
    pub fn set_local(&self, key: &str, value: &str) -> Result<(), StoreError> {
        match &self.inner.writer {
            Some(writer) => writer.set_local(key, value),
            None => Ok(()),
        }
    }

    /// Sets several local values at once (committed together where possible).
    pub fn set_locals(&self, entries: &[(String, String)]) -> Result<(), StoreError> {
        match &self.inner.writer {
            Some(writer) => writer.set_locals(entries),
            None => Ok(()),
        }
    }

    /// A local value, if set.
    pub fn get_local(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner
            .readers
            .with(|conn| {
                conn.query_row("SELECT value FROM local WHERE key = ?1", [key], |row| {
                    row.get(0)
                })
                .optional()
            })?
            .map_err(|e| StoreError::sqlite(&self.inner.path, e))
    }

    /// Every local key starting with `prefix` (plain string prefix), in key order.
    pub fn local_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.inner
            .readers
            .with(|conn| local_with_prefix(conn, prefix))?
            .map_err(|e| StoreError::sqlite(&self.inner.path, e))
    }

    /// Every document with at least one chunk on disk (its id as text), with the keys of its
    /// chunks in order. Writes still queued are not seen.
    pub fn document_keys(&self) -> Result<HashMap<String, Vec<String>>, StoreError> {
        self.inner
            .readers
            .with(document_keys)?
            .map_err(|e| StoreError::sqlite(&self.inner.path, e))
    }

    /// Reads every stored chunk of these documents (ids as text), setting damaged ones aside
    /// as any load does, then returns which documents have chunks in the quarantine table (set
    /// aside now or earlier) and how many.
    pub async fn damaged_documents(&self, docs: &[String]) -> HashMap<String, u64> {
        for doc in docs {
            if let Ok(prefix) = StorageKey::from_parts([doc.as_str()]) {
                self.load_checked(RowQuery::Prefix(key_text::prefix_range(&prefix)))
                    .await;
            }
        }
        let quarantined = self.inner.readers.with(quarantined_documents);
        match quarantined {
            Ok(Ok(all)) => all
                .into_iter()
                .filter(|(doc, _)| docs.contains(doc))
                .collect(),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not read the quarantine table");
                HashMap::new()
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the quarantine table");
                HashMap::new()
            }
        }
    }

    /// Every document with chunks in the quarantine table, and how many.
    pub fn quarantined_documents(&self) -> Result<HashMap<String, u64>, StoreError> {
        self.inner
            .readers
            .with(quarantined_documents)?
            .map_err(|e| StoreError::sqlite(&self.inner.path, e))
    }

    /// For each document and heads, whether every change up to those heads is committed to the
    /// database: what a member's device is asked before a sync counts our changes as shared
    /// with it (`net::receipt`). Reads only committed rows, so a change still queued, or held
    /// only in memory, is not counted. A read that fails counts as not held.
    pub async fn holds(&self, asks: Vec<(DocumentId, Vec<ChangeHash>)>) -> Vec<bool> {
        let count = asks.len();
        let inner = self.inner.clone();
        let read = run_blocking(move || {
            inner.readers.with(|conn| {
                asks.iter()
                    .map(|(doc, heads)| holds_changes(conn, doc, heads).unwrap_or(false))
                    .collect::<Vec<bool>>()
            })
        })
        .await;
        match read {
            Some(Ok(held)) => held,
            _ => vec![false; count],
        }
    }

    /// Finishes the queued writes and stops the writer. Writes after this fail (and are
    /// reported as failed); reads still work. Dropping the last clone does the same.
    pub fn close(&self) {
        if let Some(writer) = &self.inner.writer {
            writer.close();
        }
    }

    /// Test hook: from now on, a put whose key `fault` returns `true` for fails as if the disk
    /// had refused it, before the database is touched. `None` removes the hook. Applies to
    /// requests sent after this call.
    #[cfg(any(test, feature = "test-support"))]
    pub fn inject_write_fault(&self, fault: Option<WriteFault>) {
        if let Some(writer) = &self.inner.writer {
            writer.inject_fault(fault);
        }
    }

    /// Test hook: caps the database at `pages` pages (`PRAGMA max_page_count` on the write
    /// connection; SQLite never sets it below the current size), so that growing further fails
    /// with a genuine "database or disk is full". Returns once applied.
    #[cfg(any(test, feature = "test-support"))]
    pub fn set_max_page_count(&self, pages: u64) {
        if let Some(writer) = &self.inner.writer {
            writer.set_max_page_count(pages);
        }
    }

    #[cfg(test)]
    pub(crate) fn commit_count(&self) -> u64 {
        self.inner.writer.as_ref().map_or(0, WriterHandle::commits)
    }

    /// Reads the rows `query` selects, sets damaged ones aside, and returns the intact ones.
    async fn load_checked(&self, query: RowQuery) -> Vec<(StorageKey, Vec<u8>)> {
        let inner = self.inner.clone();
        let query_for_read = query.clone();
        let read = run_blocking(move || {
            inner
                .readers
                .with(|conn| read_checked(conn, &query_for_read))
        })
        .await;
        let rows = match read {
            Some(Ok(rows)) => rows,
            Some(Err(e)) => {
                self.report_read_error(&query, &e.to_string());
                return Vec::new();
            }
            None => {
                self.report_read_error(&query, "the read was interrupted");
                return Vec::new();
            }
        };
        for key in &rows.unreadable {
            tracing::warn!(key, "skipping a stored row that copse cannot have written");
        }
        if let Some(error) = &rows.error {
            self.report_read_error(&query, error);
        }
        for (key, data, damage) in rows.damaged {
            let Some(writer) = &self.inner.writer else {
                // Only read here: the copse that writes the folder sets it aside when it loads it.
                tracing::warn!(key, damage = %damage, "a stored chunk is damaged; skipping it");
                self.inner.status.update(|s| s.quarantined += 1);
                continue;
            };
            tracing::warn!(
                key,
                damage = %damage,
                "a stored chunk is damaged; moving it to the quarantine table"
            );
            writer.quarantine(key, data, damage.to_string()).await;
        }
        rows.intact
    }

    /// samod cannot be told that a read failed; the user is, through the log and the status.
    fn report_read_error(&self, query: &RowQuery, error: &str) {
        tracing::error!(
            db = %self.inner.path.display(),
            what = %query,
            error,
            "could not read from the database; loading what could be read"
        );
        self.inner
            .status
            .record_error(format!("could not read {query} from the database: {error}"));
    }
}

impl Storage for SqliteStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let this = self.clone();
        async move {
            let rows = this
                .load_checked(RowQuery::Key(key_text::to_text(&key)))
                .await;
            rows.into_iter()
                .find(|(found, _)| *found == key)
                .map(|(_, data)| data)
        }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let this = self.clone();
        async move {
            let rows = this
                .load_checked(RowQuery::Prefix(key_text::prefix_range(&prefix)))
                .await;
            rows.into_iter()
                .filter(|(key, _)| prefix.is_prefix_of(key))
                .collect()
        }
    }

    // A read-only storage drops samod's writes: beside another copse, the only ones a read
    // makes are compactions of what is already on disk.
    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let put = self.inner.writer.as_ref().map(|w| w.put(key, data));
        async move {
            if let Some(put) = put {
                put.await;
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let delete = self.inner.writer.as_ref().map(|w| w.delete(key));
        async move {
            if let Some(delete) = delete {
                delete.await;
            }
        }
    }
}

/// Which rows of `chunks` a load wants.
#[derive(Debug, Clone)]
enum RowQuery {
    Key(String),
    /// `None`: every row.
    Prefix(Option<PrefixRange>),
}

impl std::fmt::Display for RowQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowQuery::Key(key) => write!(f, "{key}"),
            RowQuery::Prefix(Some(range)) => write!(f, "{}/*", range.exact),
            RowQuery::Prefix(None) => write!(f, "all chunks"),
        }
    }
}

/// The rows of a load, sorted by what is to become of them.
#[derive(Debug, Default)]
struct CheckedRows {
    intact: Vec<(StorageKey, Vec<u8>)>,
    damaged: Vec<(String, Vec<u8>, ChunkDamage)>,
    /// Keys (shown lossily) of rows that no `StorageKey` or no blob can be made of.
    unreadable: Vec<String>,
    /// A read that stopped part way (a damaged database page), after the rows above.
    error: Option<String>,
}

/// Runs the query and checks every value. Blocking.
fn read_checked(conn: &Connection, query: &RowQuery) -> CheckedRows {
    let mut rows = CheckedRows::default();
    if let Err(e) = read_rows(conn, query, &mut rows) {
        rows.error = Some(e.to_string());
    }
    rows
}

fn read_rows(conn: &Connection, query: &RowQuery, out: &mut CheckedRows) -> rusqlite::Result<()> {
    let mut stmt;
    let mut rows = match query {
        RowQuery::Key(key) => {
            stmt = conn.prepare_cached("SELECT key, data FROM chunks WHERE key = ?1")?;
            stmt.query(params![key])?
        }
        RowQuery::Prefix(Some(range)) => {
            stmt = conn.prepare_cached(
                "SELECT key, data FROM chunks \
                 WHERE key = ?1 OR (key >= ?2 AND key < ?3)",
            )?;
            stmt.query(params![range.exact, range.lower, range.upper])?
        }
        RowQuery::Prefix(None) => {
            stmt = conn.prepare_cached("SELECT key, data FROM chunks")?;
            stmt.query([])?
        }
    };
    let storage_id = key_text::to_text(&StorageKey::storage_id_path());
    while let Some(row) = rows.next()? {
        let text = match row.get_ref(0)? {
            ValueRef::Text(bytes) => String::from_utf8(bytes.to_vec())
                .map_err(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            other => Err(format!("{other:?}")),
        };
        let (text, key) = match text {
            Ok(text) => {
                let key = key_text::from_text(&text);
                (text, key)
            }
            Err(shown) => (shown, None),
        };
        let (Some(key), ValueRef::Blob(data)) = (key, row.get_ref(1)?) else {
            out.unreadable.push(text);
            continue;
        };
        // The storage id is samod's own text, not automerge data.
        if text == storage_id {
            out.intact.push((key, data.to_vec()));
            continue;
        }
        match check_chunks(data) {
            Ok(_) => out.intact.push((key, data.to_vec())),
            Err(damage) => out.damaged.push((text, data.to_vec(), damage)),
        }
    }
    Ok(())
}

/// Whether every key of some set is a row of `chunks`.
fn stored_in_db(conn: &Connection, sets: &[Vec<String>]) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM chunks WHERE key = ?1")?;
    for set in sets {
        let mut all = true;
        for key in set {
            if !stmt.exists([key])? {
                all = false;
                break;
            }
        }
        if all {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the committed chunks of `doc` hold every change up to `heads`: the incremental
/// chunks of the heads or the snapshot at exactly those heads (what samod writes right after
/// the change), else the document's chunks, loaded and searched.
fn holds_changes(
    conn: &Connection,
    doc: &DocumentId,
    heads: &[ChangeHash],
) -> rusqlite::Result<bool> {
    let incremental = heads
        .iter()
        .map(|h| key_text::to_text(&StorageKey::incremental_path(doc, *h)))
        .collect();
    let snapshot = vec![key_text::to_text(&StorageKey::snapshot_path(
        doc,
        &samod_core::CompactionHash::new(heads),
    ))];
    if heads.is_empty() || stored_in_db(conn, &[incremental, snapshot])? {
        return Ok(true);
    }
    let Ok(prefix) = StorageKey::from_parts([doc.to_string()]) else {
        return Ok(false);
    };
    let mut rows = CheckedRows::default();
    read_rows(
        conn,
        &RowQuery::Prefix(key_text::prefix_range(&prefix)),
        &mut rows,
    )?;
    let mut loaded = automerge::Automerge::new();
    for (_, data) in &rows.intact {
        // A chunk automerge refuses adds nothing; the answer is then "not held".
        let _ = loaded.load_incremental(data);
    }
    Ok(heads
        .iter()
        .all(|h| loaded.get_change_meta_by_hash(h).is_some()))
}

fn document_keys(conn: &Connection) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    let mut stmt = conn.prepare_cached("SELECT key FROM chunks ORDER BY key")?;
    let mut rows = stmt.query([])?;
    let mut documents: HashMap<String, Vec<String>> = HashMap::new();
    while let Some(row) = rows.next()? {
        let key: String = row.get(0)?;
        if let Some(doc) = key.split('/').next().filter(|d| !d.is_empty()) {
            documents.entry(doc.to_string()).or_default().push(key);
        }
    }
    Ok(documents)
}

fn quarantined_documents(conn: &Connection) -> rusqlite::Result<HashMap<String, u64>> {
    let mut stmt = conn.prepare_cached("SELECT key FROM quarantine")?;
    let mut rows = stmt.query([])?;
    let mut documents: HashMap<String, u64> = HashMap::new();
    while let Some(row) = rows.next()? {
        // A key that is not text (damaged itself) names no document.
        let Ok(key) = row.get::<_, String>(0) else {
            continue;
        };
        if let Some(doc) = key.split('/').next().filter(|d| !d.is_empty()) {
            *documents.entry(doc.to_string()).or_default() += 1;
        }
    }
    Ok(documents)
}

fn local_with_prefix(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<(String, String)>> {
    // Keys with the prefix sort right at and after it; stop at the first that lacks it.
    let mut stmt =
        conn.prepare_cached("SELECT key, value FROM local WHERE key >= ?1 ORDER BY key")?;
    let mut rows = stmt.query([prefix])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let key: String = row.get(0)?;
        if !key.starts_with(prefix) {
            break;
        }
        found.push((key, row.get(1)?));
    }
    Ok(found)
}

/// Runs blocking database work off the async runtime's worker threads (inline when there is
/// no runtime). `None` if the work was cancelled or panicked.
async fn run_blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime.spawn_blocking(work).await.ok(),
        Err(_) => Some(work()),
    }
}

#[cfg(test)]
mod samod_tests;
#[cfg(test)]
mod tests;

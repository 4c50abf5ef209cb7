//! The one thread that writes `copse.db`, with group commit, and the rule that a failed write is
//! never followed by a delete of the same document.
//!
//! Every write (document chunks, deletes, moves into quarantine, local state) is a request on one
//! channel. The thread takes everything queued, runs it in one transaction, commits — one fsync,
//! as `synchronous=FULL` makes a commit durable — and only then completes each request. Under
//! load, many puts share one fsync.
//!
//! samod compacts a document by writing a snapshot and then deleting the chunks it supersedes,
//! and `Storage::put` cannot tell samod that the snapshot failed (docs/hostile-inputs.md, H4). So once
//! any put for a document has failed, every later delete for that document is refused: skipping
//! a delete costs space, following through would lose data. A failed snapshot also has its new
//! changes kept another way (`snapshot_rescue.rs`).
//!
//! After each batch the writer records what it wrote and which documents failed in the
//! `write_ledger.rs`, which is how `SqliteStorage::wait_written` learns that changes are saved.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;

use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use samod::storage::StorageKey;
use tokio::sync::oneshot;

use super::snapshot_rescue::{is_snapshot, rescue_snapshot};
use super::storage_status::StatusCell;
use super::write_ledger::WriteLedger;
use super::{StoreError, key_text};

/// A test hook deciding, per key, that a put fails (`true`) as if the disk had refused it,
/// before the database is touched. See `SqliteStorage::inject_write_fault`.
pub type WriteFault = Arc<dyn Fn(&StorageKey) -> bool + Send + Sync>;

/// At most this many requests share a transaction, so one commit never grows without bound.
const MAX_BATCH_REQUESTS: usize = 1024;
/// At most about this many bytes of data share a transaction.
const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// What the storage handles send to the writer thread.
enum Request {
    Write(WriteRequest),
    #[cfg(any(test, feature = "test-support"))]
    InjectFault(Option<WriteFault>),
    #[cfg(any(test, feature = "test-support"))]
    SetMaxPageCount {
        pages: u64,
        done: mpsc::SyncSender<()>,
    },
    /// Finish everything queued, then stop.
    Close,
}

/// A change to the database; completed only after its transaction committed (or failed).
enum WriteRequest {
    Put {
        key: StorageKey,
        data: Vec<u8>,
        done: oneshot::Sender<()>,
    },
    Delete {
        key: StorageKey,
        done: oneshot::Sender<()>,
    },
    /// Move the row `key` into quarantine, if it still holds `data`.
    Quarantine {
        key: String,
        data: Vec<u8>,
        reason: String,
        done: oneshot::Sender<()>,
    },
    SetLocal {
        key: String,
        value: String,
        done: mpsc::SyncSender<Result<(), StoreError>>,
    },
}

impl WriteRequest {
    fn size(&self) -> usize {
        match self {
            WriteRequest::Put { data, .. } | WriteRequest::Quarantine { data, .. } => data.len(),
            WriteRequest::Delete { .. } => 0,
            WriteRequest::SetLocal { value, .. } => value.len(),
        }
    }

    /// The outcome that reports `error` for this kind of request.
    fn failure(&self, error: rusqlite::Error) -> Outcome {
        match self {
            WriteRequest::Put { .. } => Outcome::PutFailed(error.to_string()),
            WriteRequest::Delete { .. } => Outcome::DeleteFailed(error.to_string()),
            WriteRequest::Quarantine { .. } => Outcome::QuarantineFailed(error.to_string()),
            WriteRequest::SetLocal { .. } => Outcome::LocalFailed(error),
        }
    }
}

enum Outcome {
    Stored,
    PutFailed(String),
    Deleted,
    DeleteRefused,
    DeleteFailed(String),
    /// How many rows moved: none if the row changed or vanished since it was read.
    Quarantined(usize),
    QuarantineFailed(String),
    LocalSet,
    LocalFailed(rusqlite::Error),
    /// Never left at the end of a batch; stands in for a missing outcome.
    NotRun,
}

/// The storage handles' side of the writer thread.
#[derive(Debug)]
pub(crate) struct WriterHandle {
    tx: mpsc::Sender<Request>,
    thread: Mutex<Option<JoinHandle<()>>>,
    status: Arc<StatusCell>,
    path: PathBuf,
    commits: Arc<AtomicU64>,
}

impl WriterHandle {
    /// Starts the writer thread, which owns `conn` from now on.
    pub(crate) fn spawn(
        conn: Connection,
        path: &Path,
        status: Arc<StatusCell>,
        ledger: Arc<WriteLedger>,
    ) -> Result<WriterHandle, StoreError> {
        let (tx, rx) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let writer = Writer {
            conn,
            path: path.to_path_buf(),
            status: status.clone(),
            fault: None,
            failed_docs: HashSet::new(),
            ledger,
            commits: commits.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("copse-store-writer".to_string())
            .spawn(move || writer.run(&rx))
            .map_err(|e| StoreError::io(path, e))?;
        Ok(WriterHandle {
            tx,
            thread: Mutex::new(Some(thread)),
            status,
            path: path.to_path_buf(),
            commits,
        })
    }

    /// Queues a put; the future completes once it is committed or has failed (failures are
    /// reported in the status, since samod cannot be told).
    pub(crate) fn put(
        &self,
        key: StorageKey,
        data: Vec<u8>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let (done, finished) = oneshot::channel();
        let text = key_text::to_text(&key);
        let sent = self.send_write(WriteRequest::Put { key, data, done });
        let status = self.status.clone();
        async move {
            if !sent || finished.await.is_err() {
                tracing::error!(key = %text, "could not save a chunk: the store is closed");
                status.update(|s| {
                    s.pending_writes = s.pending_writes.saturating_sub(1);
                    s.failed_writes += 1;
                    s.last_error = Some(format!("could not save {text}: the store is closed"));
                });
            }
        }
    }

    /// Queues a delete; the future completes once it is committed, refused or has failed.
    pub(crate) fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send + 'static {
        let (done, finished) = oneshot::channel();
        let text = key_text::to_text(&key);
        let sent = self.send_write(WriteRequest::Delete { key, done });
        let status = self.status.clone();
        async move {
            if !sent || finished.await.is_err() {
                // Nothing is lost by a delete not happening.
                tracing::warn!(key = %text, "delete skipped: the store is closed");
                status.finish_pending(1);
            }
        }
    }

    /// Queues moving row `key` into quarantine if it still holds `data`.
    pub(crate) fn quarantine(
        &self,
        key: String,
        data: Vec<u8>,
        reason: String,
    ) -> impl Future<Output = ()> + Send + 'static {
        let (done, finished) = oneshot::channel();
        let sent = self.send_write(WriteRequest::Quarantine {
            key,
            data,
            reason,
            done,
        });
        let status = self.status.clone();
        async move {
            if !sent || finished.await.is_err() {
                // The damaged row stays where it is and is skipped again on the next load.
                status.finish_pending(1);
            }
        }
    }

    /// Stores one local key/value pair, blocking until it is committed.
    pub(crate) fn set_local(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.set_locals(&[(key.to_string(), value.to_string())])
    }

    /// Stores local key/value pairs, blocking until all are committed. They are queued together,
    /// so group commit writes them in a few transactions rather than one each.
    pub(crate) fn set_locals(&self, entries: &[(String, String)]) -> Result<(), StoreError> {
        let waits: Vec<_> = entries
            .iter()
            .map(|(key, value)| {
                let (done, finished) = mpsc::sync_channel(1);
                let sent = self.send_write(WriteRequest::SetLocal {
                    key: key.clone(),
                    value: value.clone(),
                    done,
                });
                (sent, finished)
            })
            .collect();
        let mut outcome = Ok(());
        for (sent, finished) in waits {
            let result = match finished.recv() {
                Ok(result) if sent => result,
                _ => {
                    self.status.finish_pending(1);
                    Err(StoreError::Closed {
                        path: self.path.clone(),
                    })
                }
            };
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    }

    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn inject_fault(&self, fault: Option<WriteFault>) {
        // If the writer is gone there is nothing left to fail.
        let _ = self.tx.send(Request::InjectFault(fault));
    }

    /// Sets `PRAGMA max_page_count` on the write connection, blocking until it is applied.
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn set_max_page_count(&self, pages: u64) {
        let (done, applied) = mpsc::sync_channel(1);
        if self
            .tx
            .send(Request::SetMaxPageCount { pages, done })
            .is_ok()
        {
            let _ = applied.recv();
        }
    }

    /// Lets the writer finish what is queued, then waits for it to stop. Later writes fail
    /// (and are reported as failed).
    pub(crate) fn close(&self) {
        let _ = self.tx.send(Request::Close);
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            if thread.join().is_err() {
                tracing::error!(db = %self.path.display(), "the storage writer thread panicked");
            }
            tracing::debug!(db = %self.path.display(), commits = self.commits(), "storage closed");
        }
    }

    /// Transactions committed so far.
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Counts the request as pending and sends it. `false` if the writer is gone, in which case
    /// the caller reports the failure and un-counts it.
    fn send_write(&self, request: WriteRequest) -> bool {
        self.status.add_pending(1);
        self.tx.send(Request::Write(request)).is_ok()
    }
}

/// Whether the injected fault (if any) fails a write of `key`. A panicking hook counts as a
/// failure rather than taking the writer thread down.
pub(crate) fn fault_hits(fault: Option<&WriteFault>, key: &StorageKey) -> bool {
    fault.is_some_and(|f| std::panic::catch_unwind(AssertUnwindSafe(|| f(key))).unwrap_or(true))
}

/// The writer thread's state.
struct Writer {
    conn: Connection,
    path: PathBuf,
    status: Arc<StatusCell>,
    fault: Option<WriteFault>,
    /// Documents with a failed put since open: their deletes are refused. Updated the moment a
    /// put fails, so a delete later in the same batch is refused too.
    failed_docs: HashSet<String>,
    /// What waiters see: updated only when a batch finishes, together with the keys the batch
    /// wrote, so nobody sees a failure before the changes it kept another way.
    ledger: Arc<WriteLedger>,
    commits: Arc<AtomicU64>,
}

/// What finishing a request means for its caller, sent after the status is updated.
/// What one batch did, for the status.
#[derive(Default)]
struct Tally {
    failed: u64,
    /// Snapshots not written whose changes were all on disk anyway.
    skipped: u64,
    refused: u64,
    quarantined: u64,
    last_error: Option<String>,
}

enum Completion {
    Done(oneshot::Sender<()>),
    Local(
        mpsc::SyncSender<Result<(), StoreError>>,
        Result<(), StoreError>,
    ),
}

impl Writer {
    fn run(mut self, rx: &mpsc::Receiver<Request>) {
        let mut closing = false;
        loop {
            // Once closing, only what is already queued is written.
            let request = if closing {
                rx.try_recv().ok()
            } else {
                rx.recv().ok()
            };
            let Some(request) = request else { break };
            match request {
                Request::Write(first) => {
                    let (batch, held) = gather(first, rx);
                    self.run_batch(batch);
                    if let Some(control) = held {
                        closing |= self.control(control);
                    }
                }
                control => closing |= self.control(control),
            }
        }
        // Fold the write-ahead log into the database and shrink it, so a closed data folder
        // is one compact file. Nothing is lost if this fails: the log is replayed on open.
        if let Err(e) = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
            tracing::debug!(error = %e, "could not checkpoint the write-ahead log on close");
        }
        self.ledger.record_closed();
        // Wakes anyone waiting for a write that will now never happen.
        self.status.update(|_| {});
    }

    /// Handles a request that is not a write; `true` when it asks the writer to stop.
    fn control(&mut self, request: Request) -> bool {
        match request {
            Request::Write(write) => self.run_batch(vec![write]),
            #[cfg(any(test, feature = "test-support"))]
            Request::InjectFault(fault) => self.fault = fault,
            #[cfg(any(test, feature = "test-support"))]
            Request::SetMaxPageCount { pages, done } => {
                let pages = i64::try_from(pages).unwrap_or(i64::MAX);
                match self
                    .conn
                    .pragma_update_and_check(None, "max_page_count", pages, |row| {
                        row.get::<_, i64>(0)
                    }) {
                    // SQLite never sets it below the current size, so say what it became.
                    Ok(now) => tracing::debug!(requested = pages, now, "max_page_count set"),
                    Err(e) => tracing::warn!(error = %e, "could not set max_page_count"),
                }
                let _ = done.send(());
            }
            Request::Close => return true,
        }
        false
    }

    fn run_batch(&mut self, batch: Vec<WriteRequest>) {
        if batch.is_empty() {
            return;
        }
        let mut outcomes: Vec<Option<Outcome>> =
            batch.iter().map(|r| self.decide_without_db(r)).collect();
        if !self.execute_together(&batch, &mut outcomes) {
            // Something failed and the transaction rolled back: redo each request alone so
            // that exactly the failing ones fail.
            self.execute_one_by_one(&batch, &mut outcomes);
        }
        let rescues = self.rescue_failed_snapshots(&batch, &outcomes);
        self.finish(batch, outcomes, rescues);
    }

    /// Outcomes that need no database: injected faults, and deletes refused by an earlier
    /// failure (including one earlier in this batch).
    fn decide_without_db(&mut self, request: &WriteRequest) -> Option<Outcome> {
        match request {
            WriteRequest::Put { key, .. } if fault_hits(self.fault.as_ref(), key) => {
                self.failed_docs
                    .insert(key_text::document_of(key).to_string());
                Some(Outcome::PutFailed("injected write fault".to_string()))
            }
            WriteRequest::Delete { key, .. }
                if self.failed_docs.contains(key_text::document_of(key)) =>
            {
                Some(Outcome::DeleteRefused)
            }
            _ => None,
        }
    }

    /// The fast path: every undecided request in one transaction. `false` (with nothing
    /// written) if any statement or the commit failed.
    fn execute_together(
        &mut self,
        batch: &[WriteRequest],
        outcomes: &mut [Option<Outcome>],
    ) -> bool {
        let todo: Vec<usize> = (0..batch.len())
            .filter(|&i| outcomes[i].is_none())
            .collect();
        if todo.is_empty() {
            return true;
        }
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut done = Vec::with_capacity(todo.len());
            for &i in &todo {
                done.push((i, apply(&tx, &batch[i])?));
            }
            tx.commit()?;
            Ok::<_, rusqlite::Error>(done)
        })();
        match result {
            Ok(done) => {
                self.commits.fetch_add(1, Ordering::Relaxed);
                for (i, outcome) in done {
                    outcomes[i] = Some(outcome);
                }
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, requests = todo.len(), "group commit failed; writing one by one");
                false
            }
        }
    }

    fn execute_one_by_one(&mut self, batch: &[WriteRequest], outcomes: &mut [Option<Outcome>]) {
        for (request, outcome) in batch.iter().zip(outcomes.iter_mut()) {
            if outcome.is_some() {
                continue;
            }
            // A put that failed earlier in this pass refuses the deletes after it. (Puts were
            // already asked of the fault hook; asking twice would confuse a counting hook.)
            if let WriteRequest::Delete { key, .. } = request
                && self.failed_docs.contains(key_text::document_of(key))
            {
                *outcome = Some(Outcome::DeleteRefused);
                continue;
            }
            let result = (|| {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let done = apply(&tx, request)?;
                tx.commit()?;
                Ok::<_, rusqlite::Error>(done)
            })();
            *outcome = Some(match result {
                Ok(done) => {
                    self.commits.fetch_add(1, Ordering::Relaxed);
                    done
                }
                Err(e) => {
                    if let WriteRequest::Put { key, .. } = request {
                        self.failed_docs
                            .insert(key_text::document_of(key).to_string());
                    }
                    request.failure(e)
                }
            });
        }
    }

    /// For each failed snapshot put, keeps its new changes as incremental chunks.
    fn rescue_failed_snapshots(
        &mut self,
        batch: &[WriteRequest],
        outcomes: &[Option<Outcome>],
    ) -> Vec<Option<Result<Vec<String>, String>>> {
        batch
            .iter()
            .zip(outcomes)
            .map(|(request, outcome)| match (request, outcome) {
                (WriteRequest::Put { key, data, .. }, Some(Outcome::PutFailed(_)))
                    if is_snapshot(key) =>
                {
                    Some(rescue_snapshot(
                        &mut self.conn,
                        key,
                        data,
                        self.fault.as_ref(),
                    ))
                }
                _ => None,
            })
            .collect()
    }

    /// Logs, updates the status once for the whole batch, then completes every request.
    fn finish(
        &mut self,
        batch: Vec<WriteRequest>,
        outcomes: Vec<Option<Outcome>>,
        rescues: Vec<Option<Result<Vec<String>, String>>>,
    ) {
        let count = batch.len();
        let mut tally = Tally::default();
        let completions: Vec<Completion> = batch
            .into_iter()
            .zip(outcomes)
            .zip(rescues)
            .map(|((request, outcome), rescue)| {
                self.settle(
                    request,
                    outcome.unwrap_or(Outcome::NotRun),
                    rescue,
                    &mut tally,
                )
            })
            .collect();
        self.status.update(|s| {
            s.pending_writes = s.pending_writes.saturating_sub(count);
            s.failed_writes += tally.failed;
            s.refused_deletes += tally.refused;
            s.quarantined += tally.quarantined;
            s.skipped_snapshots += tally.skipped;
            if tally.last_error.is_some() {
                s.last_error = tally.last_error;
            }
        });
        // A caller that stopped waiting has nothing to be told.
        for completion in completions {
            match completion {
                Completion::Done(done) => {
                    let _ = done.send(());
                }
                Completion::Local(done, result) => {
                    let _ = done.send(result);
                }
            }
        }
    }

    /// Records one request's outcome in the ledger and the tally, logs what went wrong, and
    /// returns how its caller is to be told.
    fn settle(
        &mut self,
        request: WriteRequest,
        outcome: Outcome,
        rescue: Option<Result<Vec<String>, String>>,
        tally: &mut Tally,
    ) -> Completion {
        match (request, outcome) {
            (WriteRequest::Put { key, done, .. }, Outcome::Stored) => {
                self.ledger.record_written(&key_text::to_text(&key));
                Completion::Done(done)
            }
            (WriteRequest::Put { key, done, .. }, Outcome::PutFailed(reason)) => {
                self.put_failed(&key, &reason, rescue, tally);
                Completion::Done(done)
            }
            (WriteRequest::Delete { done, .. }, Outcome::Deleted) => Completion::Done(done),
            (WriteRequest::Delete { key, done }, Outcome::DeleteRefused) => {
                let key = key_text::to_text(&key);
                tracing::warn!(
                    key,
                    "refused to delete: an earlier write for this document failed"
                );
                tally.refused += 1;
                Completion::Done(done)
            }
            (WriteRequest::Delete { key, done }, Outcome::DeleteFailed(reason)) => {
                let key = key_text::to_text(&key);
                // Only space is lost when a delete fails.
                tracing::warn!(key, error = reason, "could not delete a chunk");
                tally.last_error = Some(format!("could not delete {key}: {reason}"));
                Completion::Done(done)
            }
            (WriteRequest::Quarantine { done, .. }, Outcome::Quarantined(moved)) => {
                tally.quarantined += moved as u64;
                Completion::Done(done)
            }
            (WriteRequest::Quarantine { key, done, .. }, Outcome::QuarantineFailed(reason)) => {
                tracing::error!(key, error = reason, "could not set a damaged chunk aside");
                tally.last_error = Some(format!(
                    "could not set the damaged chunk {key} aside: {reason}"
                ));
                Completion::Done(done)
            }
            (WriteRequest::SetLocal { done, .. }, Outcome::LocalSet) => {
                Completion::Local(done, Ok(()))
            }
            (WriteRequest::SetLocal { done, .. }, Outcome::LocalFailed(e)) => {
                Completion::Local(done, Err(StoreError::sqlite(&self.path, e)))
            }
            (request, _) => self.not_attempted(request, tally),
        }
    }

    /// A snapshot or chunk that could not be saved: its document refuses deletes from now on.
    /// A snapshot whose changes are all on disk anyway (already, or kept as separate chunks)
    /// lost nothing: it is counted as skipped, not failed, so reading goes on.
    fn put_failed(
        &mut self,
        key: &StorageKey,
        reason: &str,
        rescue: Option<Result<Vec<String>, String>>,
        tally: &mut Tally,
    ) {
        let document = key_text::document_of(key).to_string();
        let key = key_text::to_text(key);
        let (kept, safe) = match rescue {
            None => (String::new(), false),
            Some(Ok(kept)) if kept.is_empty() => {
                ("; its changes were all on disk already".to_string(), true)
            }
            Some(Ok(kept)) => {
                for change_key in &kept {
                    self.ledger.record_written(change_key);
                }
                let kept = format!(
                    "; its {} newest changes were kept as separate chunks",
                    kept.len()
                );
                (kept, true)
            }
            Some(Err(e)) => (
                format!("; keeping its changes separately failed too: {e}"),
                false,
            ),
        };
        if safe {
            tracing::warn!(
                key,
                error = reason,
                "could not save a compacted snapshot{kept}; deletes for this document are \
                 refused until copse restarts"
            );
            tally.skipped += 1;
            return;
        }
        tracing::error!(
            key,
            error = reason,
            "could not save a chunk{kept}; deletes for this document are refused \
             until copse restarts"
        );
        // After the kept changes: a waiter must not see the failure without them.
        self.ledger.record_failed(&document);
        tally.failed += 1;
        tally.last_error = Some(format!("could not save {key}: {reason}{kept}"));
    }

    /// A request that finished without an outcome of its own kind. That cannot happen; should
    /// it anyway, the caller must hear back rather than wait forever, and a put counts as
    /// failed.
    fn not_attempted(&mut self, request: WriteRequest, tally: &mut Tally) -> Completion {
        tracing::error!("internal error: a storage request finished without its outcome");
        tally.last_error = Some("internal storage error: a write was not attempted".to_string());
        match request {
            WriteRequest::Put { key, done, .. } => {
                tally.failed += 1;
                self.failed_docs
                    .insert(key_text::document_of(&key).to_string());
                self.ledger.record_failed(key_text::document_of(&key));
                Completion::Done(done)
            }
            WriteRequest::Delete { done, .. } | WriteRequest::Quarantine { done, .. } => {
                Completion::Done(done)
            }
            WriteRequest::SetLocal { done, .. } => Completion::Local(
                done,
                Err(StoreError::io(
                    &self.path,
                    std::io::Error::other("internal error: the write was not attempted"),
                )),
            ),
        }
    }
}

/// Takes `first` and whatever else is queued, up to the batch limits. A non-write request ends
/// the batch and is handed back, so it runs after the writes sent before it.
fn gather(
    first: WriteRequest,
    rx: &mpsc::Receiver<Request>,
) -> (Vec<WriteRequest>, Option<Request>) {
    let mut bytes = first.size();
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH_REQUESTS && bytes < MAX_BATCH_BYTES {
        match rx.try_recv() {
            Ok(Request::Write(request)) => {
                bytes += request.size();
                batch.push(request);
            }
            Ok(other) => return (batch, Some(other)),
            Err(_) => break,
        }
    }
    (batch, None)
}

/// Runs one request inside `tx`.
fn apply(tx: &Transaction<'_>, request: &WriteRequest) -> rusqlite::Result<Outcome> {
    match request {
        WriteRequest::Put { key, data, .. } => {
            // samod names chunks by their content (a change hash, or the hash of the heads a
            // snapshot holds), and re-saves every document it loads under the same key: keeping
            // the stored row turns that rewrite into no write at all.
            let sql = if key_text::is_content_addressed(key) {
                "INSERT INTO chunks(key, data) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING"
            } else {
                "INSERT INTO chunks(key, data) VALUES (?1, ?2) \
                 ON CONFLICT(key) DO UPDATE SET data = excluded.data"
            };
            tx.prepare_cached(sql)?
                .execute(params![key_text::to_text(key), data])?;
            Ok(Outcome::Stored)
        }
        WriteRequest::Delete { key, .. } => {
            tx.prepare_cached("DELETE FROM chunks WHERE key = ?1")?
                .execute(params![key_text::to_text(key)])?;
            Ok(Outcome::Deleted)
        }
        WriteRequest::Quarantine {
            key, data, reason, ..
        } => {
            // Copy, then delete, in the same transaction: a move, never a loss. Matching the
            // data leaves alone a row that was rewritten since it was found damaged.
            let at = chrono::Utc::now().timestamp();
            let moved = tx
                .prepare_cached(
                    "INSERT INTO quarantine(key, data, reason, at) \
                     SELECT key, data, ?3, ?4 FROM chunks WHERE key = ?1 AND data = ?2",
                )?
                .execute(params![key, data, reason, at])?;
            if moved > 0 {
                tx.prepare_cached("DELETE FROM chunks WHERE key = ?1 AND data = ?2")?
                    .execute(params![key, data])?;
            }
            Ok(Outcome::Quarantined(moved))
        }
        WriteRequest::SetLocal { key, value, .. } => {
            tx.prepare_cached(
                "INSERT INTO local(key, value) VALUES (?1, ?2) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
            Ok(Outcome::LocalSet)
        }
    }
}

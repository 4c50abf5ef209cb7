//! What the storage tells the UI and CLI about itself: pending, failed and refused writes, and
//! damaged data set aside.

use tokio::sync::watch;

/// A snapshot of the storage's health, published on a `tokio::sync::watch` channel.
///
/// The UI shows "saved" when `pending_writes` is zero and `failed_writes` is zero.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StorageStatus {
    /// Writes (document chunks and local state) queued or being written.
    pub pending_writes: usize,
    /// Document writes that failed since the storage was opened. Their data is not on disk
    /// (unless the message in `last_error` says it was kept another way), and deletes for those
    /// documents are refused until restart.
    pub failed_writes: u64,
    /// Deletes skipped because an earlier write of the same document failed.
    pub refused_deletes: u64,
    /// The most recent problem, worded for a person.
    pub last_error: Option<String>,
    /// Damaged chunks set aside in the `quarantine` table (in this session or earlier ones).
    pub quarantined: u64,
    /// Compacted snapshots that could not be written although every change in them was on disk
    /// already (or was kept as separate chunks): nothing was lost, and reading goes on.
    pub skipped_snapshots: u64,
    /// Why nothing can be saved at all (the disk was full when the folder was opened), worded
    /// for a person; `None` while changes are saved.
    pub read_only: Option<String>,
}

/// The sending side of the status, shared by the storage handles and the writer thread.
#[derive(Debug)]
pub(crate) struct StatusCell {
    sender: watch::Sender<StorageStatus>,
}

impl StatusCell {
    pub(crate) fn new(initial: StorageStatus) -> Self {
        StatusCell {
            sender: watch::Sender::new(initial),
        }
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<StorageStatus> {
        self.sender.subscribe()
    }

    pub(crate) fn get(&self) -> StorageStatus {
        self.sender.borrow().clone()
    }

    /// Applies `change` and wakes the receivers; works with no receiver at all.
    pub(crate) fn update(&self, change: impl FnOnce(&mut StorageStatus)) {
        self.sender.send_modify(change);
    }

    pub(crate) fn add_pending(&self, count: usize) {
        self.update(|s| s.pending_writes += count);
    }

    pub(crate) fn finish_pending(&self, count: usize) {
        self.update(|s| s.pending_writes = s.pending_writes.saturating_sub(count));
    }

    pub(crate) fn record_error(&self, message: String) {
        self.update(|s| s.last_error = Some(message));
    }
}

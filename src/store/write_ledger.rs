//! What the writer has committed, and which documents had a write fail, since open.
//!
//! The writer thread records here as each batch finishes; `SqliteStorage::wait_written` reads it
//! to tell a caller when its changes are on disk (the UI's "saved"). A key stays "written" after
//! samod deletes it: samod only deletes a chunk once a snapshot holding the same changes was
//! written, and we never delete after a failed write.
//!
//! Keys are kept as 16-byte digests, so a long-running node syncing many changes holds tens of
//! bytes per change rather than the key text.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};

#[derive(Debug, Default)]
pub(crate) struct WriteLedger {
    state: Mutex<LedgerState>,
}

#[derive(Debug, Default)]
struct LedgerState {
    written: HashSet<[u8; 16]>,
    failed_docs: HashSet<String>,
    closed: bool,
}

/// Where a wait for some keys stands.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Every key of at least one set was committed.
    Written,
    /// Not yet, and a write for this document failed: it may never be.
    Failed {
        document: String,
    },
    /// Not yet, and the writer has stopped: it never will be.
    Closed,
    Pending,
}

impl WriteLedger {
    pub(crate) fn record_written(&self, key: &str) {
        self.lock().written.insert(digest(key));
    }

    pub(crate) fn record_failed(&self, document: &str) {
        self.lock().failed_docs.insert(document.to_string());
    }

    pub(crate) fn record_closed(&self) {
        self.lock().closed = true;
    }

    /// Whether the keys of any one of `key_sets` (text keys) were all committed. `documents` are
    /// the documents the keys belong to.
    pub(crate) fn verdict(&self, key_sets: &[Vec<String>], documents: &[&str]) -> Verdict {
        let state = self.lock();
        let written = key_sets
            .iter()
            .any(|set| set.iter().all(|key| state.written.contains(&digest(key))));
        if written {
            return Verdict::Written;
        }
        if let Some(document) = documents.iter().find(|d| state.failed_docs.contains(**d)) {
            return Verdict::Failed {
                document: (*document).to_string(),
            };
        }
        if state.closed {
            return Verdict::Closed;
        }
        Verdict::Pending
    }

    fn lock(&self) -> MutexGuard<'_, LedgerState> {
        // Sets of digests stay meaningful whatever a panicking holder was doing.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn digest(key: &str) -> [u8; 16] {
    let hash = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(sets: &[&[&str]]) -> Vec<Vec<String>> {
        sets.iter()
            .map(|s| s.iter().map(|k| k.to_string()).collect())
            .collect()
    }

    #[test]
    fn any_complete_set_counts() {
        let ledger = WriteLedger::default();
        let wanted = sets(&[&["d/incremental/1", "d/incremental/2"], &["d/snapshot/x"]]);
        assert_eq!(ledger.verdict(&wanted, &["d"]), Verdict::Pending);
        ledger.record_written("d/incremental/1");
        assert_eq!(ledger.verdict(&wanted, &["d"]), Verdict::Pending);
        ledger.record_written("d/incremental/2");
        assert_eq!(ledger.verdict(&wanted, &["d"]), Verdict::Written);

        let snapshot_only = sets(&[&["e/incremental/1"], &["e/snapshot/y"]]);
        ledger.record_written("e/snapshot/y");
        assert_eq!(ledger.verdict(&snapshot_only, &["e"]), Verdict::Written);
    }

    #[test]
    fn failure_and_close_end_a_wait_that_is_not_written() {
        let ledger = WriteLedger::default();
        let wanted = sets(&[&["d/incremental/1"]]);
        ledger.record_failed("other");
        assert_eq!(ledger.verdict(&wanted, &["d"]), Verdict::Pending);
        ledger.record_closed();
        assert_eq!(ledger.verdict(&wanted, &["d"]), Verdict::Closed);
        ledger.record_failed("d");
        assert_eq!(
            ledger.verdict(&wanted, &["d"]),
            Verdict::Failed {
                document: "d".to_string()
            }
        );
        ledger.record_written("d/incremental/1");
        assert_eq!(ledger.verdict(&wanted, &["d"]), Verdict::Written);
    }
}

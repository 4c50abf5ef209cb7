//! Documents left unannounced to a peer because both sides held the same heads when they
//! connected ([`super::summary`]), until they change here.
//!
//! samod announces a document to a peer when the share policy says `announce`; an unannounced
//! document is still answered if the peer asks. So a quiet document costs nothing on the wire,
//! and the first change to it here (made on this device, or received from any member) ends its
//! quiet for every peer: samod then announces it and sends the change. Changes are learnt from
//! samod's storage writes, which follow every change to a document.
//!
//! The race to avoid is a change that lands while a summary is being made: its heads may miss
//! the summary yet its write come before the quiet set is installed. So a summary starts with
//! [`Quiet::mark`], and [`Quiet::install`] leaves out every document changed since the mark.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use samod::DocumentId;
use tokio::sync::watch;

/// Which documents each peer is not being told about, because they were in step.
#[derive(Clone, Debug, Default)]
pub struct Quiet {
    state: Arc<watch::Sender<QuietState>>,
}

#[derive(Debug, Default)]
pub struct QuietState {
    /// Counts document changes seen here, to order them against summaries.
    changes_seen: u64,
    /// When (in `changes_seen`) each document last changed.
    last_change: HashMap<DocumentId, u64>,
    /// Per peer id: the documents left unannounced.
    peers: HashMap<String, HashSet<DocumentId>>,
}

impl QuietState {
    pub fn is_quiet(&self, peer: &str, doc: &DocumentId) -> bool {
        self.peers.get(peer).is_some_and(|docs| docs.contains(doc))
    }
}

/// A point in the sequence of changes, taken before a summary reads any heads.
#[derive(Clone, Copy, Debug)]
pub struct Mark(u64);

impl Quiet {
    pub fn mark(&self) -> Mark {
        Mark(self.state.borrow().changes_seen)
    }

    /// Leaves `in_step` unannounced to `peer`, except documents that changed after `mark`.
    /// Replaces what an earlier connection to the same peer installed.
    pub fn install(&self, peer: &str, in_step: HashSet<DocumentId>, mark: Mark) {
        self.state.send_modify(|state| {
            let unchanged: HashSet<DocumentId> = in_step
                .into_iter()
                .filter(|doc| state.last_change.get(doc).is_none_or(|&at| at <= mark.0))
                .collect();
            state.peers.insert(peer.to_string(), unchanged);
        });
    }

    /// A document changed here: every peer must hear about it.
    pub fn changed(&self, doc: &DocumentId) {
        self.state.send_if_modified(|state| {
            state.changes_seen += 1;
            state.last_change.insert(doc.clone(), state.changes_seen);
            let mut woke = false;
            for docs in state.peers.values_mut() {
                woke |= docs.remove(doc);
            }
            woke
        });
    }

    /// Whether `doc` is quiet with `peer`: in step when they connected, unchanged since.
    pub fn is_quiet(&self, peer: &str, doc: &DocumentId) -> bool {
        self.state.borrow().is_quiet(peer, doc)
    }

    pub fn subscribe(&self) -> watch::Receiver<QuietState> {
        self.state.subscribe()
    }
}

/// Tells [`Quiet`] about every document samod writes to storage: a change, made here or
/// received from a member.
pub struct ChangeObserver(pub Quiet);

impl samod::RepoObserver for ChangeObserver {
    fn observe(&self, event: &samod::RepoEvent) {
        if let samod::RepoEvent::StorageOperationCompleted {
            document_id,
            operation: samod::StorageOperation::Put,
            ..
        } = event
        {
            self.0.changed(document_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::new(&mut rand::rng())
    }

    #[test]
    fn a_change_ends_the_quiet_for_every_peer() {
        let quiet = Quiet::default();
        let (a, b) = (doc(), doc());
        let mark = quiet.mark();
        quiet.install("alice", HashSet::from([a.clone(), b.clone()]), mark);
        quiet.install("bob", HashSet::from([a.clone()]), quiet.mark());
        assert!(quiet.is_quiet("alice", &a) && quiet.is_quiet("bob", &a));
        quiet.changed(&a);
        assert!(!quiet.is_quiet("alice", &a) && !quiet.is_quiet("bob", &a));
        assert!(quiet.is_quiet("alice", &b), "other documents stay quiet");
    }

    #[test]
    fn a_change_during_a_summary_is_never_left_quiet() {
        let quiet = Quiet::default();
        let (a, b) = (doc(), doc());
        let mark = quiet.mark();
        // `a` changes after the summary began reading heads, before the quiet set lands.
        quiet.changed(&a);
        quiet.install("alice", HashSet::from([a.clone(), b.clone()]), mark);
        assert!(!quiet.is_quiet("alice", &a));
        assert!(quiet.is_quiet("alice", &b));
    }

    #[test]
    fn a_new_connection_replaces_what_the_last_one_installed() {
        let quiet = Quiet::default();
        let a = doc();
        quiet.install("alice", HashSet::from([a.clone()]), quiet.mark());
        quiet.install("alice", HashSet::new(), quiet.mark());
        assert!(!quiet.is_quiet("alice", &a));
    }
}

//! Documents left unannounced to a peer because both sides held the same heads when they
//! connected ([`super::summary`]), until they change here.
//!
//! samod announces a document to a peer when the share policy says `announce`; an unannounced
//! document is still answered if the peer asks. So a quiet document costs nothing on the wire,
//! and the first change to it here (made on this device, or received from any member) ends its
//! quiet for every peer: samod then announces it and sends the change.
//!
//! Changes are learnt from samod's storage writes, which follow every change to a document. A
//! write is only a hint (samod also rewrites unchanged documents when it compacts them), so a
//! written document is [`Quiet::touched`], and the node reads its heads and calls
//! [`Quiet::check`], which ends the quiet only where the heads moved from those both sides had.
//!
//! The race to avoid is a change that lands while a summary is being made: its heads may miss
//! the summary yet its write come before the quiet set is installed. So a summary starts with
//! [`Quiet::mark`], and [`Quiet::install`] has every document written since the mark checked
//! again (opening a document often rewrites it, so leaving those out would announce most of
//! them for nothing).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use samod::DocumentId;
use tokio::sync::{mpsc, watch};

use super::summary::HeadsDigest;

/// Which documents each peer is not being told about, because they were in step.
#[derive(Clone, Debug)]
pub struct Quiet {
    state: Arc<watch::Sender<QuietState>>,
    touched: mpsc::UnboundedSender<DocumentId>,
    /// The other end of `touched`, until the node takes it to check heads.
    to_check: Arc<Mutex<Option<mpsc::UnboundedReceiver<DocumentId>>>>,
}

impl Default for Quiet {
    fn default() -> Self {
        let (touched, to_check) = mpsc::unbounded_channel();
        Quiet {
            state: Arc::new(watch::Sender::new(QuietState::default())),
            touched,
            to_check: Arc::new(Mutex::new(Some(to_check))),
        }
    }
}

#[derive(Debug, Default)]
pub struct QuietState {
    /// Counts document writes seen here, to order them against summaries.
    writes_seen: u64,
    /// When (in `writes_seen`) each document was last written.
    last_write: HashMap<DocumentId, u64>,
    /// Per peer id: the documents left unannounced, with the heads both sides had.
    peers: HashMap<String, HashMap<DocumentId, HeadsDigest>>,
}

impl QuietState {
    pub fn is_quiet(&self, peer: &str, doc: &DocumentId) -> bool {
        self.peers
            .get(peer)
            .is_some_and(|docs| docs.contains_key(doc))
    }

    fn quiet_anywhere(&self, doc: &DocumentId) -> bool {
        self.peers.values().any(|docs| docs.contains_key(doc))
    }
}

/// A point in the sequence of writes, taken before a summary reads any heads.
#[derive(Clone, Copy, Debug)]
pub struct Mark(u64);

impl Quiet {
    pub fn mark(&self) -> Mark {
        Mark(self.state.borrow().writes_seen)
    }

    /// Leaves `in_step` unannounced to `peer`. Replaces what an earlier connection to the same
    /// peer installed. Documents written since `mark` may have changed after their heads were
    /// read, so they are checked again, like any other write.
    pub fn install(&self, peer: &str, in_step: HashMap<DocumentId, HeadsDigest>, mark: Mark) {
        let mut recheck = Vec::new();
        self.state.send_modify(|state| {
            recheck = in_step
                .keys()
                .filter(|doc| state.last_write.get(*doc).is_some_and(|&at| at > mark.0))
                .cloned()
                .collect();
            state.peers.insert(peer.to_string(), in_step);
        });
        for doc in recheck {
            let _ = self.touched.send(doc);
        }
    }

    /// samod wrote `doc`: if it is quiet with anyone, its heads need checking.
    pub fn touched(&self, doc: &DocumentId) {
        let mut check = false;
        self.state.send_if_modified(|state| {
            state.writes_seen += 1;
            state.last_write.insert(doc.clone(), state.writes_seen);
            check = state.quiet_anywhere(doc);
            false
        });
        if check {
            // Nobody checking means the node is gone; nothing is announced then anyway.
            let _ = self.touched.send(doc.clone());
        }
    }

    /// `doc`'s heads are now `heads`: peers that were in step at other heads hear about it.
    pub fn check(&self, doc: &DocumentId, heads: HeadsDigest) {
        self.state.send_if_modified(|state| {
            let mut woke = false;
            for docs in state.peers.values_mut() {
                if docs.get(doc).is_some_and(|&was| was != heads) {
                    tracing::trace!(%doc, "a quiet document changed: announcing it");
                    docs.remove(doc);
                    woke = true;
                }
            }
            woke
        });
    }

    /// Ends `doc`'s quiet with every peer (when its heads cannot be read).
    pub fn end(&self, doc: &DocumentId) {
        self.state.send_if_modified(|state| {
            let mut woke = false;
            for docs in state.peers.values_mut() {
                woke |= docs.remove(doc).is_some();
            }
            woke
        });
    }

    /// Whether samod has written `doc` since this node started.
    pub fn written(&self, doc: &DocumentId) -> bool {
        self.state.borrow().last_write.contains_key(doc)
    }

    /// Whether `doc` is quiet with `peer`: in step when they connected, unchanged since.
    pub fn is_quiet(&self, peer: &str, doc: &DocumentId) -> bool {
        self.state.borrow().is_quiet(peer, doc)
    }

    pub fn subscribe(&self) -> watch::Receiver<QuietState> {
        self.state.subscribe()
    }

    /// The written documents to check, once: the node takes them when it starts.
    pub fn take_touched(&self) -> Option<mpsc::UnboundedReceiver<DocumentId>> {
        self.to_check
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Tells [`Quiet`] about every document samod writes to storage: a change, made here or
/// received from a member, or a compaction.
pub struct ChangeObserver(pub Quiet);

impl samod::RepoObserver for ChangeObserver {
    fn observe(&self, event: &samod::RepoEvent) {
        if let samod::RepoEvent::StorageOperationCompleted {
            document_id,
            operation: samod::StorageOperation::Put,
            ..
        } = event
        {
            self.0.touched(document_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::new(&mut rand::rng())
    }

    const OLD: HeadsDigest = [1; 8];
    const NEW: HeadsDigest = [2; 8];

    fn in_step(docs: &[&DocumentId]) -> HashMap<DocumentId, HeadsDigest> {
        docs.iter().map(|d| ((*d).clone(), OLD)).collect()
    }

    #[test]
    fn a_change_ends_the_quiet_for_every_peer() {
        let quiet = Quiet::default();
        let (a, b) = (doc(), doc());
        quiet.install("alice", in_step(&[&a, &b]), quiet.mark());
        quiet.install("bob", in_step(&[&a]), quiet.mark());
        assert!(quiet.is_quiet("alice", &a) && quiet.is_quiet("bob", &a));
        quiet.check(&a, NEW);
        assert!(!quiet.is_quiet("alice", &a) && !quiet.is_quiet("bob", &a));
        assert!(quiet.is_quiet("alice", &b), "other documents stay quiet");
    }

    #[test]
    fn a_write_that_changed_nothing_keeps_the_quiet() {
        let quiet = Quiet::default();
        let a = doc();
        let mut to_check = quiet.take_touched().expect("taken once");
        quiet.install("alice", in_step(&[&a]), quiet.mark());
        quiet.touched(&a);
        assert_eq!(to_check.try_recv().ok(), Some(a.clone()), "asked to check");
        quiet.check(&a, OLD);
        assert!(quiet.is_quiet("alice", &a), "a compaction is not a change");
        assert!(quiet.take_touched().is_none());
    }

    #[test]
    fn a_write_during_a_summary_is_checked_again() {
        let quiet = Quiet::default();
        let mut to_check = quiet.take_touched().expect("taken once");
        let (a, b) = (doc(), doc());
        let mark = quiet.mark();
        // `a` is written after the summary began reading heads, before the quiet set lands.
        quiet.touched(&a);
        quiet.install("alice", in_step(&[&a, &b]), mark);
        assert_eq!(to_check.try_recv().ok(), Some(a.clone()));
        assert!(
            to_check.try_recv().is_err(),
            "only what was written is checked"
        );
        quiet.check(&a, NEW);
        assert!(!quiet.is_quiet("alice", &a), "its heads had moved");
        assert!(quiet.is_quiet("alice", &b));
    }

    #[test]
    fn a_new_connection_replaces_what_the_last_one_installed() {
        let quiet = Quiet::default();
        let a = doc();
        quiet.install("alice", in_step(&[&a]), quiet.mark());
        quiet.install("alice", HashMap::new(), quiet.mark());
        assert!(!quiet.is_quiet("alice", &a));
    }

    #[test]
    fn unreadable_heads_end_the_quiet() {
        let quiet = Quiet::default();
        let a = doc();
        quiet.install("alice", in_step(&[&a]), quiet.mark());
        quiet.end(&a);
        assert!(!quiet.is_quiet("alice", &a));
    }
}

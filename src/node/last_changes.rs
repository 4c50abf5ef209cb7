//! What this node knows of when each note and case last changed and who changed it
//! ([`LastChange`]), so that lists, "what's new", the pulse and export can say so without the
//! community document being written on every edit.
//!
//! Learnt from each document's own change log: right after every change made here
//! ([`Node::learn_last_change`], from `change_indexed`), and after every document samod writes
//! (a change received from a member, or a compaction that changed nothing), which
//! [`WriteObserver`] hears of. Kept in memory, and in the device's local table as
//! `changed/<document id>` = `<milliseconds> <device>`, so that a fresh process knows it without
//! opening every document. The table is written in the background, and whatever is left before
//! [`Node::shutdown`] ends; a `kill -9` in between can leave an older time there until the
//! document next changes. The `updated_at` the community document itself holds stays a fallback.
//!
//! [`Node::community`] and [`Node::watch_community`] give the community with these filled in
//! ([`Community::learn_last_changes`]); the node's own checks use the stored document.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use samod::DocumentId;
use tokio::sync::{Notify, watch};

use super::{DocKey, Node, NodeError, Snapshot, lock};
use crate::model::last_change::{self, LastChange};
use crate::model::{Community, CommunityId, DeviceId, Timestamp};
use crate::store::SqliteStorage;

/// Local key prefix of remembered last changes.
const PREFIX: &str = "changed/";

/// Documents samod wrote, waiting to have their last change read again.
#[derive(Debug, Default)]
pub(super) struct Written {
    docs: Mutex<HashSet<DocumentId>>,
    wake: Notify,
}

/// Hears of every document samod writes, for [`LastChanges`].
pub(super) struct WriteObserver(pub(super) Arc<Written>);

impl samod::RepoObserver for WriteObserver {
    fn observe(&self, event: &samod::RepoEvent) {
        if let samod::RepoEvent::StorageOperationCompleted {
            document_id,
            operation: samod::StorageOperation::Put,
            ..
        } = event
        {
            lock(&self.0.docs).insert(document_id.clone());
            self.0.wake.notify_one();
        }
    }
}

/// Two observers of the repo: samod takes one.
pub(super) struct BothObservers<A, B>(pub(super) A, pub(super) B);

impl<A: samod::RepoObserver, B: samod::RepoObserver> samod::RepoObserver for BothObservers<A, B> {
    fn observe(&self, event: &samod::RepoEvent) {
        self.0.observe(event);
        self.1.observe(event);
    }
}

/// The last change of every document this node has learnt of.
#[derive(Debug)]
pub(super) struct LastChanges {
    known: Mutex<HashMap<String, LastChange>>,
    /// Documents whose entry in `known` is not in the local table yet.
    unsaved: Mutex<HashSet<String>>,
    written: Arc<Written>,
    /// Counts changes to `known`, so that watchers and cached views know to look again.
    generation: watch::Sender<u64>,
    /// Held while written documents are read and saved, so that shutdown waits for it.
    working: tokio::sync::Mutex<()>,
    /// The community as last shown: its stored heads, the generation, the view.
    shown: Mutex<HashMap<String, Shown>>,
}

/// A community as shown: the stored heads and the generation it was made from, and the view.
type Shown = (Vec<automerge::ChangeHash>, u64, Arc<Community>);

impl LastChanges {
    /// Reads what the local table remembers; an entry this version cannot read is skipped.
    pub(super) fn load(storage: &SqliteStorage, written: Arc<Written>) -> LastChanges {
        let known = match storage.local_with_prefix(PREFIX) {
            Ok(rows) => rows
                .into_iter()
                .filter_map(|(key, value)| {
                    let doc = key.strip_prefix(PREFIX)?.to_string();
                    Some((doc, parse(&value)?))
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "could not read when documents last changed");
                HashMap::new()
            }
        };
        LastChanges {
            known: Mutex::new(known),
            unsaved: Mutex::new(HashSet::new()),
            written,
            generation: watch::Sender::new(0),
            working: tokio::sync::Mutex::new(()),
            shown: Mutex::new(HashMap::new()),
        }
    }

    /// Takes in a document's last change; a new one moves the generation on.
    fn record(&self, doc: String, last: LastChange) {
        let mut known = lock(&self.known);
        if known.get(&doc) == Some(&last) {
            return;
        }
        known.insert(doc.clone(), last);
        drop(known);
        lock(&self.unsaved).insert(doc);
        self.generation.send_modify(|g| *g += 1);
    }

    /// `community` with every index entry's last change filled in.
    fn apply(&self, community: &Community) -> Community {
        let mut shown = community.clone();
        let known = lock(&self.known);
        shown.learn_last_changes(|doc| known.get(doc));
        shown
    }
}

impl Node {
    /// The community as stored, with what this node knows of each note's and case's last
    /// change filled in; computed again only when either moved.
    pub(super) fn shown_community(
        &self,
        id: &CommunityId,
        (heads, stored): Snapshot<Community>,
    ) -> Arc<Community> {
        let last = &self.inner.last_changes;
        let generation = *last.generation.borrow();
        if let Some((h, g, shown)) = lock(&last.shown).get(id.as_str())
            && *h == heads
            && *g == generation
        {
            return shown.clone();
        }
        let shown = Arc::new(last.apply(&stored));
        lock(&last.shown).insert(id.to_string(), (heads, generation, shown.clone()));
        shown
    }

    /// The community, kept up to date after every change to it and every note or case change
    /// this node learns of.
    pub async fn watch_community(
        &self,
        id: &CommunityId,
    ) -> Result<watch::Receiver<Arc<Community>>, NodeError> {
        let mut stored = self.watch::<Community>(id).await?;
        let mut generation = self.inner.last_changes.generation.subscribe();
        generation.mark_unchanged();
        let last = self.inner.last_changes.clone();
        let first = Arc::new(last.apply(&stored.borrow_and_update()));
        let (tx, rx) = watch::channel(first);
        self.track(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tx.closed() => break,
                    changed = stored.changed() => if changed.is_err() { break },
                    changed = generation.changed() => if changed.is_err() { break },
                }
                let latest = stored.borrow_and_update().clone();
                generation.mark_unchanged();
                let shown = last.apply(&latest);
                if tx.send(Arc::new(shown)).is_err() {
                    break;
                }
            }
        }));
        Ok(rx)
    }

    /// Reads a note's or case's last change from its change log, after a change made here.
    pub(super) async fn learn_last_change(&self, doc: &impl DocKey) {
        let Ok(id) = doc.document_id() else { return };
        match self.inspect(&id, |d| Ok(last_change::last_change(d))).await {
            Ok(Some(last)) => self.inner.last_changes.record(id.to_string(), last),
            Ok(None) => {}
            Err(e) => tracing::debug!(%id, error = %e, "could not read a document's last change"),
        }
        // Saved with the next batch of written documents.
        self.inner.last_changes.written.wake.notify_one();
    }

    /// Reads the last change of every document samod writes, for as long as the node runs.
    pub(super) fn learn_from_writes(&self) {
        // Holds the node only while working, so a node dropped without shutdown is let go.
        let node = Arc::downgrade(&self.inner);
        let written = self.inner.last_changes.written.clone();
        self.track(tokio::spawn(async move {
            loop {
                written.wake.notified().await;
                let Some(inner) = node.upgrade() else { break };
                Node { inner }.save_last_changes().await;
            }
        }));
    }

    /// Reads the documents written since the last call and saves what changed to the local
    /// table. Shutdown calls it once more, so nothing learnt is left unsaved.
    pub(super) async fn save_last_changes(&self) {
        let last = &self.inner.last_changes;
        let _working = last.working.lock().await;
        let written: Vec<DocumentId> = lock(&last.written.docs).drain().collect();
        // The same batch, once, is when the received changes are looked at for conflicts.
        self.review_written(&written).await;
        for doc in written {
            // Communities are not listed in any index: their last change is of no use.
            if lock(&self.inner.communities).contains_key(&doc.to_string()) {
                continue;
            }
            match self
                .inspect(&doc, |d| Ok(last_change::last_change(d)))
                .await
            {
                Ok(Some(change)) => last.record(doc.to_string(), change),
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(%doc, error = %e, "could not read a document's last change")
                }
            }
        }
        let entries: Vec<(String, String)> = {
            let known = lock(&last.known);
            lock(&last.unsaved)
                .drain()
                .filter_map(|doc| {
                    let value = format(known.get(&doc)?);
                    Some((format!("{PREFIX}{doc}"), value))
                })
                .collect()
        };
        if entries.is_empty() {
            return;
        }
        let storage = self.inner.storage.clone();
        let saved = tokio::task::spawn_blocking(move || storage.set_locals(&entries)).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not remember when documents changed"),
            Err(e) => tracing::warn!(error = %e, "could not remember when documents changed"),
        }
    }
}

fn format(last: &LastChange) -> String {
    match &last.device {
        Some(device) => format!("{} {device}", last.at.0),
        None => last.at.0.to_string(),
    }
}

fn parse(value: &str) -> Option<LastChange> {
    let (at, device) = match value.split_once(' ') {
        Some((at, device)) => (at, Some(DeviceId::from(device.to_string()))),
        None => (value, None),
    };
    Some(LastChange {
        at: Timestamp(at.parse().ok()?),
        device,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_last_change_reads_back() {
        for last in [
            LastChange {
                at: Timestamp(1_700_000_000_123),
                device: Some(DeviceId::from("d3v1ce".to_string())),
            },
            LastChange {
                at: Timestamp(-5),
                device: None,
            },
        ] {
            assert_eq!(parse(&format(&last)), Some(last));
        }
        assert_eq!(parse("soon"), None);
    }
}

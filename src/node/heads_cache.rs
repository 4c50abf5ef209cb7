//! Remembered heads of documents, so that a summary for a peer ([`super::summary`]) need not
//! open every document after a start: opening 1,200 documents takes well over a second.
//!
//! Kept in the device's local table at a clean shutdown, once the network is closed, as
//! `heads/<doc>` = `<fingerprint of the document's storage keys> <head>,<head>…`. An entry is
//! trusted only if the document's stored chunks have exactly the keys it was written with
//! (samod names chunks by their content, so the same keys hold the same changes), and only until
//! samod writes that document again. Anything else (a crash before the shutdown, a compaction,
//! a damaged entry) just means the document is opened, as without the cache. A wrong entry would
//! be worse than none: it could make two members believe they are in step when they are not.

use std::collections::HashMap;
use std::str::FromStr;

use automerge::ChangeHash;
use samod::DocumentId;
use sha2::{Digest as _, Sha256};

use super::{Node, lock};
use crate::store::SqliteStorage;

/// Local key prefix of remembered heads.
const PREFIX: &str = "heads/";

/// The heads remembered at the last clean shutdown that still match what is on disk.
#[derive(Debug, Default)]
pub(super) struct HeadsCache {
    entries: HashMap<DocumentId, Vec<ChangeHash>>,
}

impl HeadsCache {
    /// Reads the remembered heads and keeps those whose document is on disk exactly as it was.
    pub(super) fn load(storage: &SqliteStorage) -> HeadsCache {
        let (Ok(remembered), Ok(keys)) =
            (storage.local_with_prefix(PREFIX), storage.document_keys())
        else {
            return HeadsCache::default();
        };
        let entries = remembered
            .into_iter()
            .filter_map(|(key, value)| {
                let doc = key.strip_prefix(PREFIX)?;
                let (print, heads) = value.split_once(' ')?;
                (keys.get(doc).map(|k| fingerprint(k)).as_deref() == Some(print)).then_some(())?;
                let heads = heads
                    .split(',')
                    .filter(|h| !h.is_empty())
                    .map(ChangeHash::from_str)
                    .collect::<Result<Vec<_>, _>>()
                    .ok()?;
                Some((DocumentId::from_str(doc).ok()?, heads))
            })
            .collect();
        HeadsCache { entries }
    }

    /// The heads `doc` had on disk at the last clean shutdown, if it is unchanged since then.
    /// The caller must also know samod has not written it since this start.
    pub(super) fn get(&self, doc: &DocumentId) -> Option<&[ChangeHash]> {
        self.entries.get(doc).map(Vec::as_slice)
    }
}

/// A fingerprint of a document's stored chunk keys.
pub(super) fn fingerprint(keys: &[String]) -> String {
    let mut hasher = Sha256::new();
    for key in keys {
        hasher.update(key.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What [`Node::heads_before_stop`] saw, for [`Node::remember_heads`] once the repo stopped.
pub(super) struct OpenHeads {
    keys_before: HashMap<String, Vec<String>>,
    heads: Vec<(DocumentId, Vec<ChangeHash>)>,
}

impl Node {
    /// The heads of every open document, read once the network is closed and before the repo
    /// stops, with the storage keys as they were before reading them.
    pub(super) async fn heads_before_stop(&self) -> Option<OpenHeads> {
        let keys_before = self.inner.storage.document_keys().ok()?;
        let open: Vec<DocumentId> = lock(&self.inner.handles).keys().cloned().collect();
        let mut heads = Vec::with_capacity(open.len());
        for doc in open {
            if let Ok(h) = self.heads(&doc).await {
                heads.push((doc, h));
            }
        }
        Some(OpenHeads { keys_before, heads })
    }

    /// Remembers the heads of documents whose stored keys did not change while they were read
    /// and the repo stopped: for those, the heads are exactly what is on disk.
    pub(super) fn remember_heads(&self, open: OpenHeads) {
        let Ok(keys_after) = self.inner.storage.document_keys() else {
            return;
        };
        let mut entries = Vec::with_capacity(open.heads.len());
        for (doc, heads) in open.heads {
            let id = doc.to_string();
            let (Some(before), Some(after)) = (open.keys_before.get(&id), keys_after.get(&id))
            else {
                continue;
            };
            if before != after {
                continue;
            }
            let heads: Vec<String> = heads.iter().map(ChangeHash::to_string).collect();
            let value = format!("{} {}", fingerprint(after), heads.join(","));
            entries.push((format!("{PREFIX}{id}"), value));
        }
        if let Err(e) = self.inner.storage.set_locals(&entries) {
            tracing::debug!(error = %e, "could not remember documents' heads");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samod::storage::{Storage, StorageKey};

    #[tokio::test]
    async fn remembered_heads_count_only_while_the_stored_chunks_are_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("copse.db")).unwrap();
        let doc = DocumentId::new(&mut rand::rng());
        let chunk = |name: &str| {
            StorageKey::from_parts([doc.to_string(), "incremental".into(), name.to_string()])
                .unwrap()
        };
        let bytes = automerge::AutoCommit::new().save();
        storage.put(chunk("a"), bytes.clone()).await;
        let keys = storage.document_keys().unwrap()[&doc.to_string()].clone();
        let head = ChangeHash([7; 32]);
        let entry = format!("{} {head}", fingerprint(&keys));
        storage
            .set_local(&format!("{PREFIX}{doc}"), &entry)
            .unwrap();
        assert_eq!(HeadsCache::load(&storage).get(&doc), Some(&[head][..]));

        // A chunk written after the shutdown (a crash later in the next session, say).
        storage.put(chunk("b"), bytes).await;
        assert_eq!(HeadsCache::load(&storage).get(&doc), None);

        storage
            .set_local(&format!("{PREFIX}{doc}"), "not an entry")
            .unwrap();
        assert_eq!(HeadsCache::load(&storage).get(&doc), None);
    }

    #[test]
    fn the_fingerprint_follows_every_key() {
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = fingerprint(&keys(&["d/incremental/1", "d/snapshot/2"]));
        assert_eq!(a, fingerprint(&keys(&["d/incremental/1", "d/snapshot/2"])));
        assert_ne!(a, fingerprint(&keys(&["d/incremental/1"])));
        assert_ne!(a, fingerprint(&keys(&["d/incremental/1", "d/snapshot/3"])));
        assert_eq!(a.len(), 16);
    }
}

//! The node's side of quiet documents ([`crate::net::quiet`]): this device's [`Summary`] for a
//! peer when they connect (the heads of every document the peer may share that is held here;
//! documents are loaded first, and the quiet mark is taken after loading and before any heads
//! are read), and the task that checks the heads of quiet documents samod wrote.

use std::sync::{Arc, OnceLock, Weak};

use std::collections::HashMap;

use automerge::ChangeHash;
use futures::StreamExt;
use futures::future::BoxFuture;
use iroh::EndpointId;
use samod::DocumentId;

use super::{Inner, Node, NodeError};
use crate::net::quiet::{Mark, Quiet};
use crate::net::summary::{Summary, digest};
use crate::net::transport::Summaries;

/// The node's side of [`Summaries`]; the node exists only once `Node::open` returns, and a
/// connection before that gets an empty summary (so everything is announced, as without one).
pub(super) struct NodeSummaries {
    pub(super) node: Arc<OnceLock<Weak<Inner>>>,
}

impl Summaries for NodeSummaries {
    fn summary_for(&self, peer: EndpointId, quiet: Quiet) -> BoxFuture<'static, (Summary, Mark)> {
        let node = self
            .node
            .get()
            .and_then(Weak::upgrade)
            .map(|inner| Node { inner });
        Box::pin(async move {
            match node {
                Some(node) => node.summary_for(&peer.to_string(), &quiet).await,
                None => (Summary::default(), quiet.mark()),
            }
        })
    }
}

impl Node {
    async fn summary_for(&self, peer: &str, quiet: &Quiet) -> (Summary, Mark) {
        let shared = self.access().current().documents_for(peer);
        let stored = match self.inner.storage.document_keys() {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(error = %e, "could not list stored documents; announcing everything");
                return (Summary::default(), quiet.mark());
            }
        };
        let held = shared
            .into_iter()
            .filter(|doc| self.cached(doc).is_some() || stored.contains_key(&doc.to_string()));
        // Documents not open yet whose heads were remembered at the last shutdown need not be
        // opened; the rest are opened a few at a time (the first summary after a start would
        // otherwise open every document).
        let (remembered, to_open): (Vec<_>, Vec<_>) = held.partition(|doc| {
            self.cached(doc).is_none()
                && self.inner.heads_cache.get(doc).is_some()
                && !quiet.written(doc)
        });
        let handles: Vec<_> = futures::stream::iter(to_open)
            .map(|doc| async move { self.handle(&doc).await })
            .buffer_unordered(LOADS_AT_ONCE)
            .filter_map(|loaded| async move { loaded.ok() })
            .collect()
            .await;
        let mark = quiet.mark();
        let mut documents: HashMap<_, _> = futures::stream::iter(handles)
            .map(|handle| async move {
                let doc = handle.document_id().clone();
                self.heads(&doc)
                    .await
                    .ok()
                    .map(|heads| (doc, digest(&heads)))
            })
            .buffer_unordered(LOADS_AT_ONCE)
            .filter_map(|read| async move { read })
            .collect()
            .await;
        // Checked again after the mark: a write since then is rechecked when the quiet set is
        // installed, one before it means the remembered heads may be out of date.
        for doc in remembered {
            match self.inner.heads_cache.get(&doc) {
                Some(heads) if !quiet.written(&doc) => {
                    documents.insert(doc, digest(heads));
                }
                _ => {
                    if let Ok(heads) = self.heads(&doc).await {
                        documents.insert(doc, digest(&heads));
                    }
                }
            }
        }
        (Summary { documents }, mark)
    }

    /// A document's heads, read on its actor with panics contained.
    pub(super) async fn heads(&self, doc: &DocumentId) -> Result<Vec<ChangeHash>, NodeError> {
        self.inspect(doc, |d| Ok(d.get_heads())).await
    }

    /// Checks the heads of every quiet document samod writes, for as long as the node runs:
    /// a change ends its quiet, a compaction does not.
    pub(super) fn check_quiet_documents(&self) {
        let quiet = self.access().quiet().clone();
        let Some(mut touched) = quiet.take_touched() else {
            return;
        };
        let node = self.clone();
        self.track(tokio::spawn(async move {
            while let Some(doc) = touched.recv().await {
                match node.heads(&doc).await {
                    Ok(heads) => quiet.check(&doc, digest(&heads)),
                    Err(e) => {
                        tracing::debug!(%doc, error = %e, "announcing a document whose heads could not be read");
                        quiet.end(&doc);
                    }
                }
            }
        }));
    }
}

/// Documents opened at once while making a summary.
const LOADS_AT_ONCE: usize = 16;

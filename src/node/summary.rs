//! This device's [`Summary`] for a peer when they connect: the heads of every document the
//! peer may share that is held here. Documents are loaded first, and the quiet mark is taken
//! after loading and before any heads are read (see [`crate::net::quiet`]).

use std::sync::{Arc, OnceLock, Weak};

use futures::future::BoxFuture;
use iroh::EndpointId;

use super::{Inner, Node};
use crate::net::quiet::{Mark, Quiet};
use crate::net::summary::{Summary, digest};
use crate::net::transport::Summaries;

/// The node's side of [`Summaries`]; the node exists only once `Node::open` returns, and a
/// connection before that gets an empty summary (so everything is announced, as without one).
pub(super) struct NodeSummaries {
    pub(super) node: Arc<OnceLock<Weak<Inner>>>,
    pub(super) quiet: Quiet,
}

impl Summaries for NodeSummaries {
    fn summary_for(&self, peer: EndpointId) -> BoxFuture<'static, (Summary, Mark)> {
        let node = self
            .node
            .get()
            .and_then(Weak::upgrade)
            .map(|inner| Node { inner });
        let quiet = self.quiet.clone();
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
        let stored = match self.inner.storage.stored_documents() {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(error = %e, "could not list stored documents; announcing everything");
                return (Summary::default(), quiet.mark());
            }
        };
        let held = shared
            .into_iter()
            .filter(|doc| self.cached(doc).is_some() || stored.contains(&doc.to_string()));
        let loads = held.map(|doc| async move { self.handle("document", &doc.to_string()).await });
        let handles: Vec<_> = futures::future::join_all(loads)
            .await
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        let mark = quiet.mark();
        let documents = handles
            .iter()
            .map(|h| {
                let heads = h.with_document(|d| d.get_heads());
                (h.document_id().clone(), digest(&heads))
            })
            .collect();
        (Summary { documents }, mark)
    }
}

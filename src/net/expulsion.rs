//! Expelling a peer whose message broke a document: which peer last sent a message for each
//! document (so a failure can be traced to it), and the set of expelled peers, whose
//! connections end at once and whose later connections are cut as soon as they open.
//!
//! One [`Expulsions`] is shared by all of one node's connections. Depends on iroh ids only.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use iroh::EndpointId;
use tokio::sync::watch;

/// The last sender of each document's messages, and the expelled peers.
#[derive(Clone, Debug)]
pub struct Expulsions {
    last_sender: Arc<Mutex<HashMap<String, (EndpointId, Instant)>>>,
    expelled: watch::Sender<HashSet<EndpointId>>,
}

impl Default for Expulsions {
    fn default() -> Self {
        Expulsions {
            last_sender: Arc::default(),
            expelled: watch::Sender::new(HashSet::new()),
        }
    }
}

impl Expulsions {
    /// Notes that `peer` has just handed samod a message for `document`. One entry per
    /// document, so this grows with the documents shared, not with traffic.
    pub fn delivered(&self, peer: EndpointId, document: &str) {
        let mut last = self.last_sender.lock().unwrap_or_else(|e| e.into_inner());
        match last.get_mut(document) {
            Some(entry) => *entry = (peer, Instant::now()),
            None => {
                last.insert(document.to_string(), (peer, Instant::now()));
            }
        }
    }

    /// The peer that last sent a message for `document`, and when.
    pub fn last_sender(&self, document: &str) -> Option<(EndpointId, Instant)> {
        let last = self.last_sender.lock().unwrap_or_else(|e| e.into_inner());
        last.get(document).copied()
    }

    /// Ends every connection with `peer` and refuses its later ones until the node restarts.
    /// Returns false if it was already expelled.
    pub fn expel(&self, peer: EndpointId) -> bool {
        self.expelled.send_if_modified(|set| set.insert(peer))
    }

    pub fn is_expelled(&self, peer: &EndpointId) -> bool {
        self.expelled.borrow().contains(peer)
    }

    /// Resolves once `peer` is expelled (at once if it already is).
    pub fn until_expelled(&self, peer: EndpointId) -> impl Future<Output = ()> + Send + 'static {
        let mut expelled = self.expelled.subscribe();
        async move {
            if expelled.wait_for(|set| set.contains(&peer)).await.is_err() {
                // The node is gone; its connections end with it, not here.
                std::future::pending::<()>().await;
            }
        }
    }
}

//! Expelling a peer whose message broke a document: which peer last sent a message for each
//! document (so a failure can be traced to it), and the set of expelled peers, whose
//! connections end at once and whose later connections are cut as soon as they open.
//!
//! One [`Expulsions`] is shared by all of one node's connections. Depends on iroh ids only.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use iroh::EndpointId;
use tokio::sync::watch;

/// How many recent senders are kept per document.
const SENDERS_KEPT: usize = 8;

/// Who sent a document's messages lately, and when, oldest first.
type RecentSenders = VecDeque<(EndpointId, Instant)>;

/// The recent senders of each document's messages, and the expelled peers.
#[derive(Clone, Debug)]
pub struct Expulsions {
    senders: Arc<Mutex<HashMap<String, RecentSenders>>>,
    expelled: watch::Sender<HashSet<EndpointId>>,
}

impl Default for Expulsions {
    fn default() -> Self {
        Expulsions {
            senders: Arc::default(),
            expelled: watch::Sender::new(HashSet::new()),
        }
    }
}

impl Expulsions {
    /// Notes that `peer` has just handed samod a message for `document`. A few entries per
    /// document, so this grows with the documents shared, not with traffic.
    pub fn delivered(&self, peer: EndpointId, document: &str) {
        let mut senders = self.senders.lock().unwrap_or_else(|e| e.into_inner());
        let recent = match senders.get_mut(document) {
            Some(recent) => recent,
            None => senders.entry(document.to_string()).or_default(),
        };
        if recent.len() == SENDERS_KEPT {
            recent.pop_front();
        }
        recent.push_back((peer, Instant::now()));
    }

    /// The peer that last sent a message for `document` before `at`: a message that arrived
    /// after a failure cannot have caused it.
    pub fn last_sender_before(&self, document: &str, at: Instant) -> Option<EndpointId> {
        let senders = self.senders.lock().unwrap_or_else(|e| e.into_inner());
        senders
            .get(document)?
            .iter()
            .rev()
            .find(|(_, when)| *when <= at)
            .map(|(peer, _)| *peer)
    }

    /// Every document some peer has sent a message for: the only ones a peer's message can
    /// have broken.
    pub fn documents(&self) -> Vec<String> {
        let senders = self.senders.lock().unwrap_or_else(|e| e.into_inner());
        senders.keys().cloned().collect()
    }

    /// Ends every connection with `peer` and refuses its later ones until the node restarts.
    /// Returns false if it was already expelled.
    pub fn expel(&self, peer: EndpointId) -> bool {
        self.expelled.send_if_modified(|set| set.insert(peer))
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn peer(seed: u8) -> EndpointId {
        iroh::SecretKey::from_bytes(&[seed; 32]).public()
    }

    #[test]
    fn the_sender_blamed_is_the_last_one_before_the_failure() {
        let expulsions = Expulsions::default();
        let (honest, hostile) = (peer(1), peer(2));
        expulsions.delivered(honest, "doc");
        expulsions.delivered(hostile, "doc");
        let failed_at = Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        // A reply from an honest peer after the failure does not shift the blame.
        expulsions.delivered(honest, "doc");
        expulsions.delivered(honest, "other");
        assert_eq!(
            expulsions.last_sender_before("doc", failed_at),
            Some(hostile)
        );
        assert_eq!(expulsions.last_sender_before("other", failed_at), None);
        assert_eq!(expulsions.last_sender_before("unknown", failed_at), None);
    }

    #[tokio::test]
    async fn an_expelled_peer_is_cut_at_once_even_when_it_comes_back() {
        let expulsions = Expulsions::default();
        let hostile = peer(2);
        let waiting = tokio::spawn(expulsions.until_expelled(hostile));
        assert!(expulsions.expel(hostile));
        assert!(!expulsions.expel(hostile), "already expelled");
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the open connection is cut")
            .unwrap();
        let reconnect = expulsions.until_expelled(hostile);
        tokio::time::timeout(Duration::from_secs(5), reconnect)
            .await
            .expect("a new connection is cut at once");
        let honest = expulsions.until_expelled(peer(1));
        assert!(
            tokio::time::timeout(Duration::from_millis(50), honest)
                .await
                .is_err(),
            "other peers are not cut"
        );
    }
}

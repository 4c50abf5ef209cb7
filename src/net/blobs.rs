//! The files protocol: iroh-blobs' BLAKE3-verified transfer, behind the same admission as sync.
//!
//! A connection from a device that is on no roster is closed at once, as sync closes it. A
//! member's device may then ask only for whole-blob ranges of hashes that a community it
//! belongs to refers to ([`AccessList::may_fetch`]); anything else (another hash, a hash
//! sequence that would reach further hashes, several at once, pushing bytes to us) is refused.
//! The decision is [`decide`], a plain function; the rest hands iroh-blobs its answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh_blobs::BlobsProtocol;
use iroh_blobs::api::Store;
use iroh_blobs::provider::events::{
    AbortReason, ConnectMode, EventMask, EventSender, ObserveMode, ProviderMessage, RequestMode,
};

use super::access::{Access, AccessList};
use super::sync_protocol::NOT_A_MEMBER;

/// The files protocol's ALPN: iroh-blobs' own, so its downloader speaks it unchanged.
pub const FILES_ALPN: &[u8] = iroh_blobs::ALPN;

/// Whether `peer` may have the bytes of `hash` (hex), asked for as one whole blob or a part of
/// it (`single_blob`).
pub fn decide(
    list: &AccessList,
    peer: &str,
    hash: &str,
    single_blob: bool,
) -> Result<(), AbortReason> {
    if single_blob && list.may_fetch(peer, hash) {
        Ok(())
    } else {
        Err(AbortReason::Permission)
    }
}

/// The protocol handler: the roster check, then iroh-blobs with [`decide`] on every request.
#[derive(Clone, Debug)]
pub struct FilesProtocol {
    access: Access,
    blobs: BlobsProtocol,
}

impl FilesProtocol {
    /// Serves `store`'s blobs to members, as `access` says.
    pub fn new(store: &Store, access: Access) -> FilesProtocol {
        let events = gate(access.clone());
        FilesProtocol {
            access,
            blobs: BlobsProtocol::new(store, Some(events)),
        }
    }
}

impl ProtocolHandler for FilesProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id();
        if !self.access.knows(&remote.to_string()) {
            tracing::info!(peer = %remote.fmt_short(), "refused files: not a member's device");
            conn.close(NOT_A_MEMBER.into(), b"not a member");
            return Ok(());
        }
        self.blobs.accept(conn).await
    }

    // The store is the node's, shut down by it after the router: nothing to do here.
}

/// The answers to iroh-blobs' questions: who is on each connection, and whether a request is
/// allowed. One task per protocol, ending when iroh-blobs drops its sender.
fn gate(access: Access) -> EventSender {
    let mask = EventMask {
        connected: ConnectMode::Intercept,
        get: RequestMode::Intercept,
        get_many: RequestMode::Disabled,
        push: RequestMode::Disabled,
        observe: ObserveMode::Intercept,
        ..EventMask::DEFAULT
    };
    let (events, mut rx) = EventSender::channel(64, mask);
    let peers: Arc<Mutex<HashMap<u64, String>>> = Arc::default();
    tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            let peer_of = |connection: u64| {
                peers
                    .lock()
                    .ok()
                    .and_then(|p| p.get(&connection).cloned())
                    .unwrap_or_default()
            };
            match message {
                ProviderMessage::ClientConnected(msg) => {
                    let peer = msg.endpoint_id.map(|id| id.to_string());
                    let answer = match peer {
                        Some(peer) if access.knows(&peer) => {
                            if let Ok(mut p) = peers.lock() {
                                p.insert(msg.connection_id, peer);
                            }
                            Ok(())
                        }
                        _ => Err(AbortReason::Permission),
                    };
                    msg.tx.send(answer).await.ok();
                }
                ProviderMessage::ConnectionClosed(msg) => {
                    if let Ok(mut p) = peers.lock() {
                        p.remove(&msg.inner.connection_id);
                    }
                }
                ProviderMessage::GetRequestReceived(msg) => {
                    let peer = peer_of(msg.inner.connection_id);
                    let request = &msg.inner.request;
                    let answer = decide(
                        &access.current(),
                        &peer,
                        &request.hash.to_hex(),
                        request.ranges.is_blob(),
                    );
                    if answer.is_err() {
                        tracing::info!(peer = %peer, hash = %request.hash.fmt_short(), "refused a file request");
                    }
                    msg.tx.send(answer).await.ok();
                }
                ProviderMessage::ObserveRequestReceived(msg) => {
                    let peer = peer_of(msg.inner.connection_id);
                    let hash = msg.inner.request.hash.to_hex();
                    let answer = decide(&access.current(), &peer, &hash, true);
                    msg.tx.send(answer).await.ok();
                }
                ProviderMessage::GetManyRequestReceived(msg) => {
                    msg.tx.send(Err(AbortReason::Permission)).await.ok();
                }
                ProviderMessage::PushRequestReceived(msg) => {
                    msg.tx.send(Err(AbortReason::Permission)).await.ok();
                }
                ProviderMessage::Throttle(msg) => {
                    msg.tx.send(Ok(())).await.ok();
                }
                _ => {}
            }
        }
    });
    events
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use super::*;
    use crate::net::access::CommunityAccess;

    #[test]
    fn only_members_get_only_their_communitys_files_one_blob_at_a_time() {
        let mut list = AccessList::default();
        list.communities.insert(
            samod::DocumentId::new(&mut rand::rng()),
            CommunityAccess {
                devices: BTreeSet::from(["ada".to_string()]),
                readers: BTreeSet::new(),
                documents: HashSet::new(),
                files: HashSet::from(["h1".to_string()]),
            },
        );
        assert_eq!(decide(&list, "ada", "h1", true), Ok(()));
        assert!(decide(&list, "ada", "h2", true).is_err(), "another hash");
        assert!(
            decide(&list, "ada", "h1", false).is_err(),
            "a hash sequence"
        );
        assert!(decide(&list, "mallory", "h1", true).is_err(), "a stranger");
        assert!(
            decide(&list, "", "h1", true).is_err(),
            "an unknown connection"
        );
    }
}

//! Test support only: a peer whose frames reach the node unchecked, so tests can make
//! automerge panic inside samod as a peer with an unknown bug could. No network path reaches
//! it; it is compiled only for tests (`test-support`).

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use iroh::EndpointId;

use super::{Node, NodeError};

/// Distinguishes the acceptors made for test peers.
static TEST_PEERS: AtomicU64 = AtomicU64::new(0);

/// The node's side of a test peer: frames to deliver to the node unchecked, and the frames the
/// node sends back.
pub struct UncheckedPeer {
    pub to_node: futures::channel::mpsc::UnboundedSender<Vec<u8>>,
    pub from_node: futures::channel::mpsc::UnboundedReceiver<Vec<u8>>,
}

impl Node {
    /// Test support only: connects `device` to this (online) node over in-memory channels whose
    /// frames are NOT validated, as if a member's device had sent them over the network. No
    /// network path reaches this; it exists so tests can make automerge panic inside samod.
    pub fn connect_unchecked_peer_for_tests(
        &self,
        device: &str,
    ) -> Result<UncheckedPeer, NodeError> {
        let net = self.inner.network.as_ref().ok_or(NodeError::Stopped)?;
        let remote = EndpointId::from_str(device).map_err(|_| NodeError::InvalidId {
            what: "device",
            given: device.chars().take(80).collect(),
        })?;
        let n = TEST_PEERS.fetch_add(1, Ordering::Relaxed);
        let url = samod::Url::parse(&format!("test://unchecked/{n}"))
            .map_err(|e| NodeError::Network(e.to_string()))?;
        let acceptor = self.inner.repo.make_acceptor(url)?;
        let (transport, to_node, from_node) =
            crate::net::transport::unchecked_for_tests(remote, &net.link.expulsions);
        acceptor.accept(transport)?;
        Ok(UncheckedPeer { to_node, from_node })
    }
}

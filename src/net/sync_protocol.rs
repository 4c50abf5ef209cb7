//! The `copse/sync/N` protocol handler: admits members' devices to samod, and nobody else.

use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};
use samod::AcceptorHandle;

use super::access::Access;
use super::transport::{Link, open};

/// QUIC application close code sent to a peer that is not a member.
pub const NOT_A_MEMBER: u32 = 403;
/// QUIC application close code once sync on a connection has ended (e.g. after a bad frame).
pub const CONNECTION_ENDED: u32 = 400;

#[derive(Clone, Debug)]
pub struct SyncProtocol {
    pub acceptor: AcceptorHandle,
    pub access: Access,
    pub link: Link,
}

impl ProtocolHandler for SyncProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        // The id iroh's TLS handshake authenticated, never what the peer claims later.
        let remote = conn.remote_id();
        if !self.access.knows(&remote.to_string()) {
            tracing::info!(peer = %remote.fmt_short(), "refused sync: not a member's device");
            conn.close(NOT_A_MEMBER.into(), b"not a member");
            return Ok(());
        }
        self.link.versions.synced(&remote.to_string());
        let (send, recv) = conn.accept_bi().await?;
        let (transport, ended) = match open(send, recv, remote, &self.link).await {
            Ok(opened) => opened,
            Err(e) => {
                tracing::warn!(peer = %remote.fmt_short(), error = %e, "sync refused: no usable summary");
                conn.close(CONNECTION_ENDED.into(), b"no usable summary");
                return Ok(());
            }
        };
        let _connection = self
            .acceptor
            .accept(transport)
            .map_err(AcceptError::from_err)?;
        tracing::info!(peer = %remote.fmt_short(), "member connected");
        tokio::select! {
            _ = conn.closed() => {}
            _ = ended.wait() => conn.close(CONNECTION_ENDED.into(), b"connection ended"),
        }
        tracing::info!(peer = %remote.fmt_short(), "member disconnected");
        Ok(())
    }
}

//! `copse/join/1`: redeeming an invite.
//!
//! The joiner opens one stream, sends a small request (the community and the invite's secret),
//! and reads one answer. The inviter's side checks the secret against the community's hashed
//! invites, adds the joiner's device — the endpoint id iroh authenticated, not anything the
//! joiner claims — to the roster, and only then answers. Requests are read after the full TLS
//! handshake (iroh's default), never from 0-RTT data, which an eavesdropper could replay.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use iroh::endpoint::{Connection, RecvStream, SendStream};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointAddr, EndpointId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::JOIN_ALPN;

/// The most a join message may weigh.
pub const MAX_JOIN_MESSAGE: usize = 16 * 1024;
/// How long either side waits for the other before giving up.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(20);

/// What the joiner sends. Versioned: a newer request is refused with a clear reason.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum JoinRequest {
    V1 {
        community: String,
        secret: [u8; 32],
        name: String,
    },
}

/// The inviter's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum JoinResponse {
    Admitted { member: String },
    Refused { reason: String },
}

/// The inviter's decision, made by the node that holds the community.
pub trait Admission: Send + Sync + 'static {
    /// Admits `joiner` to `community` with the invite `secret`; returns the new member id or
    /// the reason for refusing.
    fn admit(
        &self,
        joiner: EndpointId,
        community: String,
        secret: [u8; 32],
        name: String,
    ) -> BoxFuture<'static, Result<String, String>>;
}

#[derive(Clone)]
pub struct JoinProtocol {
    pub admission: Arc<dyn Admission>,
}

impl fmt::Debug for JoinProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JoinProtocol")
    }
}

impl ProtocolHandler for JoinProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let joiner = conn.remote_id();
        let answer = tokio::time::timeout(JOIN_TIMEOUT, self.answer(&conn, joiner)).await;
        match answer {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::info!(peer = %joiner.fmt_short(), error = %e, "join attempt failed")
            }
            Err(_) => tracing::info!(peer = %joiner.fmt_short(), "join attempt timed out"),
        }
        // Let the answer reach the joiner before the connection goes.
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.closed()).await;
        Ok(())
    }
}

impl JoinProtocol {
    async fn answer(&self, conn: &Connection, joiner: EndpointId) -> Result<(), String> {
        let (mut send, mut recv) = conn.accept_bi().await.map_err(|e| e.to_string())?;
        let response = match read_message::<JoinRequest>(&mut recv).await {
            Ok(JoinRequest::V1 {
                community,
                secret,
                name,
            }) => match self.admission.admit(joiner, community, secret, name).await {
                Ok(member) => {
                    tracing::info!(peer = %joiner.fmt_short(), "admitted a new member");
                    JoinResponse::Admitted { member }
                }
                Err(reason) => JoinResponse::Refused { reason },
            },
            Err(e) => JoinResponse::Refused {
                reason: format!(
                    "the join request could not be read ({e}); is this copse up to date?"
                ),
            },
        };
        write_message(&mut send, &response).await
    }
}

/// Why joining failed, in words that say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error(
        "The inviter's device is not reachable. Ask the inviter to open copse (or run `copse \
         serve`), or ask any member for a new invite"
    )]
    Unreachable,
    #[error(
        "The inviter's device did not answer within {}s. Ask the inviter to open copse, or ask \
         any member for a new invite",
        JOIN_TIMEOUT.as_secs()
    )]
    TimedOut,
    #[error("The invite was refused: {0}")]
    Refused(String),
    #[error("The inviter's answer could not be read ({0}); is copse up to date on both devices?")]
    Garbled(String),
}

/// Asks the inviter to admit this device; returns the member id it was given.
pub async fn request_join(
    endpoint: &Endpoint,
    inviter: EndpointAddr,
    request: JoinRequest,
) -> Result<String, JoinError> {
    let attempt = async {
        let unreachable = |e: &dyn std::fmt::Display| {
            // The details are for the log; the member is told what to do.
            tracing::info!(error = %e, "could not reach the inviter's device");
            JoinError::Unreachable
        };
        let conn = endpoint
            .connect(inviter, JOIN_ALPN)
            .await
            .map_err(|e| unreachable(&e))?;
        let (mut send, mut recv) = conn.open_bi().await.map_err(|e| unreachable(&e))?;
        write_message(&mut send, &request)
            .await
            .map_err(JoinError::Garbled)?;
        let response = read_message::<JoinResponse>(&mut recv)
            .await
            .map_err(JoinError::Garbled)?;
        conn.close(0u32.into(), b"thanks");
        match response {
            JoinResponse::Admitted { member } => Ok(member),
            JoinResponse::Refused { reason } => Err(JoinError::Refused(reason)),
        }
    };
    tokio::time::timeout(JOIN_TIMEOUT, attempt)
        .await
        .map_err(|_| JoinError::TimedOut)?
}

async fn write_message<T: Serialize>(send: &mut SendStream, message: &T) -> Result<(), String> {
    let bytes = postcard::to_stdvec(message).map_err(|e| e.to_string())?;
    send.write_all(&bytes).await.map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())
}

async fn read_message<T: DeserializeOwned>(recv: &mut RecvStream) -> Result<T, String> {
    let bytes = recv
        .read_to_end(MAX_JOIN_MESSAGE)
        .await
        .map_err(|e| e.to_string())?;
    postcard::from_bytes(&bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: "network: the inviter did not answer within 20s", with no next step.
    #[test]
    fn an_unreachable_inviter_is_told_in_words_with_the_next_step() {
        for err in [JoinError::Unreachable, JoinError::TimedOut] {
            let said = err.to_string();
            assert!(said.starts_with("The inviter's device"), "{said}");
            assert!(
                said.contains("Ask the inviter to open copse")
                    && said.ends_with("or ask any member for a new invite"),
                "{said}"
            );
        }
    }
}

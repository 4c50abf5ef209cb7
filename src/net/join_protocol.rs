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

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use iroh::endpoint::{Connection, RecvStream, SendStream};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::JOIN_ALPN;
use crate::net::ticket::Admitter;

/// The most a join message may weigh.
pub const MAX_JOIN_MESSAGE: usize = 16 * 1024;
/// How long either side waits for the other before giving up.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(20);

/// How much longer the other members' devices are waited for once one refused.
const REFUSAL_GRACE: Duration = Duration::from_secs(3);

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
        "{}. Ask {} to open copse, or ask any member for a new invite",
        unreachable_devices(.0),
        or_list(.0)
    )]
    Unreachable(Vec<String>),
    #[error("The invite was refused: {0}")]
    Refused(String),
    #[error(
        "The answer to the join request could not be read ({0}); is copse up to date on both \
         devices?"
    )]
    Garbled(String),
}

/// "Ann's device is not reachable" or "None of the devices in this invite is reachable
/// (Ann's, Bob's)".
fn unreachable_devices(names: &[String]) -> String {
    let owners: Vec<String> = names.iter().map(|n| possessive(n)).collect();
    match owners.as_slice() {
        [one] => {
            let mut one = one.clone();
            if let Some(first) = one.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            format!("{one} device is not reachable")
        }
        _ => format!(
            "None of the devices in this invite is reachable ({})",
            owners.join(", ")
        ),
    }
}

/// "Ann's", or "the inviter's" for a device whose member is not named.
fn possessive(name: &str) -> String {
    if name.is_empty() {
        "the inviter's".into()
    } else {
        format!("{name}'s")
    }
}

/// "Ann", "Ann or Bob", "Ann, Bob or Cy"; "the inviter" for an unnamed member.
fn or_list(names: &[String]) -> String {
    let names: Vec<&str> = names
        .iter()
        .map(|n| {
            if n.is_empty() {
                "the inviter"
            } else {
                n.as_str()
            }
        })
        .collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "a member".into(),
    }
}

/// Who admitted this device: the member id it was given and the device that admitted it.
#[derive(Clone, Debug)]
pub struct Admitted {
    pub member: String,
    pub by: EndpointId,
}

/// Asks the candidates to admit this device, dialling all of them at once: the first to
/// answer is asked, and if it refuses (say it has not heard of the invite yet) the next one
/// that answers is. Only one is asked at a time, so one invite use admits one device.
pub async fn request_join(
    endpoint: &Endpoint,
    candidates: &[Admitter],
    request: JoinRequest,
) -> Result<Admitted, JoinError> {
    let mut dialling: FuturesUnordered<_> = candidates
        .iter()
        .map(|candidate| async move {
            let conn = tokio::time::timeout(
                JOIN_TIMEOUT,
                endpoint.connect(candidate.addr.clone(), JOIN_ALPN),
            )
            .await;
            (candidate, conn)
        })
        .collect();
    let mut unreachable = Vec::new();
    let mut failure = None;
    // Once one member refused, the others get a little longer, not the whole wait.
    let mut give_up: Option<tokio::time::Instant> = None;
    loop {
        let next = match give_up {
            Some(at) => match tokio::time::timeout_at(at, dialling.next()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => dialling.next().await,
        };
        let Some((candidate, conn)) = next else { break };
        let conn = match conn {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                tracing::info!(peer = %candidate.addr.id.fmt_short(), error = %e, "could not reach a member to join");
                unreachable.push(candidate.name.clone());
                continue;
            }
            Err(_) => {
                unreachable.push(candidate.name.clone());
                continue;
            }
        };
        match tokio::time::timeout(JOIN_TIMEOUT, ask(&conn, &request)).await {
            Ok(Ok(member)) => {
                return Ok(Admitted {
                    member,
                    by: candidate.addr.id,
                });
            }
            Ok(Err(e)) => {
                failure = Some(e);
                give_up.get_or_insert_with(|| tokio::time::Instant::now() + REFUSAL_GRACE);
            }
            Err(_) => unreachable.push(candidate.name.clone()),
        }
    }
    Err(failure.unwrap_or(JoinError::Unreachable(unreachable)))
}

/// Sends the request on a connection and reads the answer.
async fn ask(conn: &Connection, request: &JoinRequest) -> Result<String, JoinError> {
    let (mut send, mut recv) = conn
        .open_bi()
        .await
        .map_err(|e| JoinError::Garbled(e.to_string()))?;
    write_message(&mut send, request)
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

    /// Regression: "network: the inviter did not answer within 20s". The message names whose
    /// device could not be reached and what to do.
    #[test]
    fn an_unreachable_member_is_named_with_the_next_step() {
        assert_eq!(
            JoinError::Unreachable(vec!["Ann".into()]).to_string(),
            "Ann's device is not reachable. Ask Ann to open copse, or ask any member for a new invite"
        );
        assert_eq!(
            JoinError::Unreachable(vec!["Ann".into(), "Bob".into(), "Cy".into()]).to_string(),
            "None of the devices in this invite is reachable (Ann's, Bob's, Cy's). Ask Ann, Bob \
             or Cy to open copse, or ask any member for a new invite"
        );
        assert_eq!(
            JoinError::Unreachable(vec![String::new()]).to_string(),
            "The inviter's device is not reachable. Ask the inviter to open copse, or ask any \
             member for a new invite"
        );
    }
}

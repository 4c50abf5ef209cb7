//! `copse/receipt/1`: a member's device says which of our changes it holds *on disk*.
//!
//! samod's acknowledgement (`shared_heads`) means the peer has our changes in memory: its
//! document actor sends that answer in the same step as it queues the write, so a peer killed
//! a moment later may restart without them. `sync` counts a document as shared only once a peer
//! answers this request for the document's heads after reading its own committed database.
//!
//! The syncing side opens one connection per peer for the length of a sync, with a short idle
//! timeout ([`RECEIPT_IDLE_TIMEOUT`]) and frequent keep-alives, so it also tells when a peer
//! is lost, seconds after it is, rather than at the sync's deadline. Each request is one
//! bi-stream: the asker sends a request and finishes; the holder answers and finishes.
//!
//! Wire format (sans-IO below): request = version byte, then per document its 16-byte id, a
//! head count byte and the 32-byte heads; answer = version byte, then one byte per requested
//! document in order: 1 held on disk, 0 not (or not shared with the asker: a device learns
//! nothing about documents it may not read).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use automerge::ChangeHash;
use futures::future::BoxFuture;
use iroh::endpoint::{ConnectOptions, Connection, QuicTransportConfig};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointId};
use samod::DocumentId;

use super::RECEIPT_ALPN;
use super::access::Access;
use super::sync_protocol::NOT_A_MEMBER;

/// The wire format's version; another one is refused.
const VERSION: u8 = 1;
const ID_BYTES: usize = 16;
const HEAD_BYTES: usize = 32;
/// Most documents one request may ask about; a sync asks in batches of this size.
pub const MAX_DOCUMENTS: usize = 1_000;
/// Most heads one document may list (a byte holds the count).
pub const MAX_HEADS: usize = u8::MAX as usize;
/// The largest request, every document with the most heads (8.2 MB): a bound on what a request
/// can make us allocate.
const MAX_REQUEST_BYTES: usize = 1 + MAX_DOCUMENTS * (ID_BYTES + 1 + MAX_HEADS * HEAD_BYTES);
const MAX_ANSWER_BYTES: usize = 1 + MAX_DOCUMENTS;
/// A receipt connection with nothing heard for this long is lost.
pub const RECEIPT_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// Keep-alives on a receipt connection, well inside the idle timeout.
const KEEP_ALIVE: Duration = Duration::from_millis(500);
/// Longest wait for one answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// One question: does the holder have every change up to `heads` of `doc` on disk?
pub type Ask = (DocumentId, Vec<ChangeHash>);

/// Why a request or an answer was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptRejected {
    #[error("the message is empty: not even a version byte")]
    Empty,
    #[error("receipt version {0} is not one this copse speaks ({VERSION})")]
    Version(u8),
    #[error("the message is cut short")]
    Truncated,
    #[error("a request of more than {MAX_DOCUMENTS} documents")]
    TooMany,
    #[error("the answer has {got} entries for {asked} questions")]
    Mismatch { got: usize, asked: usize },
}

/// Encodes a request. Callers ask only about documents with at most [`MAX_HEADS`] heads: fewer
/// heads would ask for less than the document holds (such a document counts as not shared).
pub fn encode_request(asks: &[Ask]) -> Vec<u8> {
    let mut out = vec![VERSION];
    for (doc, heads) in asks {
        out.extend_from_slice(doc.as_bytes());
        let count = heads.len().min(MAX_HEADS);
        out.push(count as u8);
        for head in &heads[..count] {
            out.extend_from_slice(&head.0);
        }
    }
    out
}

/// Reads a request; nothing here panics or allocates beyond the (bounded) frame.
pub fn decode_request(bytes: &[u8]) -> Result<Vec<Ask>, ReceiptRejected> {
    let (&version, mut rest) = bytes.split_first().ok_or(ReceiptRejected::Empty)?;
    if version != VERSION {
        return Err(ReceiptRejected::Version(version));
    }
    let mut asks = Vec::new();
    while !rest.is_empty() {
        if asks.len() >= MAX_DOCUMENTS {
            return Err(ReceiptRejected::TooMany);
        }
        if rest.len() < ID_BYTES + 1 {
            return Err(ReceiptRejected::Truncated);
        }
        let (id, after) = rest.split_at(ID_BYTES);
        let doc = DocumentId::try_from(id.to_vec()).map_err(|_| ReceiptRejected::Truncated)?;
        let count = usize::from(after[0]);
        let after = &after[1..];
        if after.len() < count * HEAD_BYTES {
            return Err(ReceiptRejected::Truncated);
        }
        let (heads, after) = after.split_at(count * HEAD_BYTES);
        let heads = heads
            .chunks_exact(HEAD_BYTES)
            .map(|h| {
                let mut hash = [0u8; HEAD_BYTES];
                hash.copy_from_slice(h);
                ChangeHash(hash)
            })
            .collect();
        asks.push((doc, heads));
        rest = after;
    }
    Ok(asks)
}

pub fn encode_answer(held: &[bool]) -> Vec<u8> {
    std::iter::once(VERSION)
        .chain(held.iter().map(|h| u8::from(*h)))
        .collect()
}

/// Reads an answer to a request of `asked` documents.
pub fn decode_answer(bytes: &[u8], asked: usize) -> Result<Vec<bool>, ReceiptRejected> {
    let (&version, rest) = bytes.split_first().ok_or(ReceiptRejected::Empty)?;
    if version != VERSION {
        return Err(ReceiptRejected::Version(version));
    }
    if rest.len() != asked {
        return Err(ReceiptRejected::Mismatch {
            got: rest.len(),
            asked,
        });
    }
    Ok(rest.iter().map(|b| *b == 1).collect())
}

/// What this device holds on disk (the node answers from its database).
pub trait Holdings: Send + Sync + 'static {
    /// For each question, whether every change up to its heads is committed to disk here.
    fn holds(&self, asks: Vec<Ask>) -> BoxFuture<'static, Vec<bool>>;
}

/// The holder's side.
#[derive(Clone)]
pub struct ReceiptProtocol {
    pub access: Access,
    pub holdings: Arc<dyn Holdings>,
}

impl fmt::Debug for ReceiptProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptProtocol")
    }
}

impl ProtocolHandler for ReceiptProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id();
        if !self.access.knows(&remote.to_string()) {
            conn.close(NOT_A_MEMBER.into(), b"not a member");
            return Ok(());
        }
        // One request per stream, for as long as the asker keeps the connection.
        while let Ok((mut send, mut recv)) = conn.accept_bi().await {
            let Ok(bytes) = recv.read_to_end(MAX_REQUEST_BYTES).await else {
                break;
            };
            let asks = match decode_request(&bytes) {
                Ok(asks) => asks,
                Err(e) => {
                    tracing::warn!(peer = %remote.fmt_short(), error = %e, "dropping a peer whose receipt request is malformed");
                    conn.close(NOT_A_MEMBER.into(), b"malformed request");
                    break;
                }
            };
            let peer = remote.to_string();
            let list = self.access.current();
            let readable: Vec<bool> = asks
                .iter()
                .map(|(doc, _)| list.may_share(doc, &peer))
                .collect();
            let mut held = self.holdings.holds(asks).await;
            held.resize(readable.len(), false);
            for (h, may) in held.iter_mut().zip(&readable) {
                *h &= *may;
            }
            if send.write_all(&encode_answer(&held)).await.is_err() || send.finish().is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// The asker's side: one connection to one peer for the length of a sync.
#[derive(Clone, Debug)]
pub struct ReceiptClient {
    conn: Connection,
}

/// Why asking a peer failed: the peer is lost, or refused.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AskFailed(pub String);

impl ReceiptClient {
    /// Connects to `device` with a short idle timeout, so a peer that vanishes is noticed.
    pub async fn connect(endpoint: &Endpoint, device: EndpointId) -> Result<Self, AskFailed> {
        let idle = RECEIPT_IDLE_TIMEOUT
            .try_into()
            .map_err(|e| AskFailed(format!("{e}")))?;
        let config = QuicTransportConfig::builder()
            .keep_alive_interval(KEEP_ALIVE)
            .max_idle_timeout(Some(idle))
            .build();
        let connecting = endpoint
            .connect_with_opts(
                device,
                RECEIPT_ALPN,
                ConnectOptions::new().with_transport_config(config),
            )
            .await
            .map_err(|e| AskFailed(e.to_string()))?;
        let conn = connecting.await.map_err(|e| AskFailed(e.to_string()))?;
        Ok(ReceiptClient { conn })
    }

    /// Resolves when the connection is gone: the peer closed it, or was silent too long.
    pub async fn lost(&self) {
        self.conn.closed().await;
    }

    /// Whether the connection is gone already.
    pub fn is_lost(&self) -> bool {
        self.conn.close_reason().is_some()
    }

    /// Asks which of `asks` the peer holds on disk (at most [`MAX_DOCUMENTS`] at once).
    pub async fn ask(&self, asks: &[Ask]) -> Result<Vec<bool>, AskFailed> {
        let exchange = async {
            let (mut send, mut recv) = self
                .conn
                .open_bi()
                .await
                .map_err(|e| AskFailed(e.to_string()))?;
            send.write_all(&encode_request(asks))
                .await
                .map_err(|e| AskFailed(e.to_string()))?;
            send.finish().map_err(|e| AskFailed(e.to_string()))?;
            let bytes = recv
                .read_to_end(MAX_ANSWER_BYTES)
                .await
                .map_err(|e| AskFailed(e.to_string()))?;
            decode_answer(&bytes, asks.len()).map_err(|e| AskFailed(e.to_string()))
        };
        tokio::select! {
            answer = tokio::time::timeout(ANSWER_TIMEOUT, exchange) => {
                answer.map_err(|_| AskFailed("no answer in time".into()))?
            }
            _ = self.conn.closed() => Err(AskFailed("the connection was lost".into())),
        }
    }

    pub fn close(&self) {
        self.conn.close(0u32.into(), b"done");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::new(&mut rand::rng())
    }

    #[test]
    fn a_request_reads_back_as_written() {
        let asks = vec![
            (doc(), vec![ChangeHash([1; 32]), ChangeHash([2; 32])]),
            (doc(), vec![]),
        ];
        assert_eq!(decode_request(&encode_request(&asks)), Ok(asks));
        let held = vec![true, false, true];
        assert_eq!(decode_answer(&encode_answer(&held), 3), Ok(held));
    }

    #[test]
    fn malformed_messages_are_refused_without_panicking() {
        assert_eq!(decode_request(&[]), Err(ReceiptRejected::Empty));
        assert_eq!(decode_request(&[9]), Err(ReceiptRejected::Version(9)));
        let mut cut = encode_request(&[(doc(), vec![ChangeHash([1; 32])])]);
        cut.pop();
        assert_eq!(decode_request(&cut), Err(ReceiptRejected::Truncated));
        assert_eq!(
            decode_answer(&encode_answer(&[true]), 2),
            Err(ReceiptRejected::Mismatch { got: 1, asked: 2 })
        );
        for len in 0..64 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
            let _ = decode_request(&bytes);
            let _ = decode_answer(&bytes, 3);
        }
    }
}

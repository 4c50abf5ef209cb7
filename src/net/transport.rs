//! samod's transport over one iroh QUIC bi-stream: length-prefixed frames with a size limit
//! checked before anything is allocated, every received frame checked by
//! [`super::validate::check_frame`] before samod sees it, and the transport bound to the peer
//! id that iroh's TLS handshake authenticated. Every connection also ends when the node expels
//! its peer ([`Expulsions`]), e.g. after that peer's message made automerge panic.
//!
//! Before samod takes the stream, both sides exchange a [`Summary`] of what they hold, so that
//! documents already in step stay quiet ([`super::quiet`]).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use iroh::EndpointId;
use iroh::endpoint::{RecvStream, SendStream};
use samod::{PeerId, Transport};
use tokio::sync::Notify;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use super::expulsion::Expulsions;
use super::quiet::{Mark, Quiet};
use super::summary::Summary;
use super::validate::{FrameLimits, check_frame, document_of};
use super::versions::Versions;

/// The samod peer id of an iroh endpoint: its id in hex.
pub fn peer_id(endpoint: &EndpointId) -> PeerId {
    PeerId::from(endpoint.to_string())
}

/// Resolves when samod is done with a transport: it dropped it, or a frame was rejected.
/// The protocol handler then closes the QUIC connection, so a misbehaving peer cannot keep it.
#[derive(Clone, Debug, Default)]
pub struct Ended(Arc<Notify>);

impl Ended {
    pub async fn wait(&self) {
        self.0.notified().await;
    }

    fn signal(&self) {
        self.0.notify_one();
    }
}

/// Bytes of samod frames sent and received by one node, over all its connections.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    pub sent: Arc<AtomicU64>,
    pub received: Arc<AtomicU64>,
}

impl Traffic {
    /// (sent, received) so far.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.sent.load(Ordering::Relaxed),
            self.received.load(Ordering::Relaxed),
        )
    }
}

/// Signals [`Ended`] when dropped.
struct SignalOnDrop(Ended);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        self.0.signal();
    }
}

/// What every sync connection of a node shares.
#[derive(Clone)]
pub struct Link {
    pub limits: FrameLimits,
    pub traffic: Traffic,
    /// Who last wrote to each document, and which peers the node has expelled.
    pub expulsions: Expulsions,
    pub quiet: Quiet,
    pub summaries: Arc<dyn Summaries>,
    /// The sync version spoken, and the devices that speak another.
    pub versions: Versions,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("limits", &self.limits)
            .finish()
    }
}

/// Makes this device's [`Summary`] for a peer (the node implements it).
pub trait Summaries: Send + Sync + 'static {
    /// What this device holds of the documents `peer` may share, and the [`Mark`] on `quiet`
    /// taken before any of it was read.
    fn summary_for(&self, peer: EndpointId, quiet: Quiet) -> BoxFuture<'static, (Summary, Mark)>;
}

/// Longest wait for the peer's summary once the stream is open.
const SUMMARY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens sync over `send`/`recv` with the peer `remote`: exchanges summaries, leaves the
/// documents in step quiet, then hands the stream to samod as a [`Transport`].
///
/// A peer whose summary is missing, late or malformed is refused with an error; nothing else
/// happens.
pub async fn open(
    send: SendStream,
    recv: RecvStream,
    remote: EndpointId,
    link: &Link,
) -> io::Result<(Transport, Ended)> {
    let codec = || {
        LengthDelimitedCodec::builder()
            .length_field_type::<u32>()
            .max_frame_length(link.limits.max_frame_bytes)
            .new_codec()
    };
    let mut reader = FramedRead::new(recv, codec());
    let mut writer = FramedWrite::new(send, codec());
    let (ours, mark) = link.summaries.summary_for(remote, link.quiet.clone()).await;
    let encoded = Bytes::from(ours.encode());
    let sent_bytes = encoded.len() as u64 + 4;
    let exchange = async {
        let (sent, theirs) = tokio::join!(writer.send(encoded), reader.next());
        sent?;
        theirs.unwrap_or_else(|| {
            Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed before sending its summary",
            ))
        })
    };
    let frame = tokio::time::timeout(SUMMARY_TIMEOUT, exchange)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no summary from the peer"))??;
    let theirs = Summary::decode(&frame)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    link.traffic.sent.fetch_add(sent_bytes, Ordering::Relaxed);
    link.traffic
        .received
        .fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
    let in_step = ours.in_step_with(&theirs);
    tracing::debug!(
        peer = %remote.fmt_short(),
        in_step = in_step.len(),
        ours = ours.documents.len(),
        theirs = theirs.documents.len(),
        "summaries exchanged"
    );
    link.quiet.install(peer_id(&remote).as_str(), in_step, mark);
    Ok(framed(reader, writer, remote, link))
}

/// samod's transport over the framed stream, and its end signal.
///
/// A frame over the limit, or one that fails validation, ends the stream with an error: samod
/// drops that connection and the rest of the node carries on.
fn framed(
    reader: FramedRead<RecvStream, LengthDelimitedCodec>,
    writer: FramedWrite<SendStream, LengthDelimitedCodec>,
    remote: EndpointId,
    link: &Link,
) -> (Transport, Ended) {
    let limits = link.limits;
    let ended = Ended::default();
    let peer = remote.fmt_short().to_string();
    let on_drop = SignalOnDrop(ended.clone());
    let on_reject = ended.clone();
    let (sent, received) = (link.traffic.sent.clone(), link.traffic.received.clone());
    let expulsions = link.expulsions.clone();
    let incoming = reader.map(move |frame| {
        let _held_until_samod_drops_the_stream = &on_drop;
        let frame = frame.inspect_err(|e| {
            // A connection that ends is routine (a member closes the app); a frame that cannot
            // be read (too long, cut short) is worth a warning.
            if e.kind() == io::ErrorKind::InvalidData {
                tracing::warn!(peer = %peer, error = %e, "dropping a peer whose frame could not be read");
            } else {
                tracing::debug!(peer = %peer, error = %e, "a peer's connection ended");
            }
            on_reject.signal();
        })?;
        check_frame(&frame, &limits).map_err(|rejected| {
            tracing::warn!(peer = %peer, reason = %rejected, "dropping a peer that sent a bad frame");
            on_reject.signal();
            io::Error::new(io::ErrorKind::InvalidData, rejected.to_string())
        })?;
        received.fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
        if let Some(document) = document_of(&frame, &limits) {
            expulsions.delivered(remote, document);
        }
        Ok::<_, io::Error>(frame.to_vec())
    });
    let incoming = until_expelled(incoming, remote, &link.expulsions, ended.clone());
    let outgoing = writer.with(move |msg: Vec<u8>| {
        sent.fetch_add(msg.len() as u64 + 4, Ordering::Relaxed);
        futures::future::ready(Ok::<_, io::Error>(Bytes::from(msg)))
    });
    let transport = Transport::new(incoming, outgoing).with_expected_peer_id(peer_id(&remote));
    (transport, ended)
}

/// Ends `incoming` (so samod closes the connection, and [`Ended`] fires) once `remote` is
/// expelled; at once if it already was.
fn until_expelled<S>(
    incoming: S,
    remote: EndpointId,
    expulsions: &Expulsions,
    ended: Ended,
) -> impl futures::Stream<Item = S::Item> + Send + Unpin + 'static
where
    S: futures::Stream + Send + Unpin + 'static,
{
    let peer = remote.fmt_short().to_string();
    let expelled = expulsions.until_expelled(remote);
    incoming.take_until(Box::pin(async move {
        expelled.await;
        tracing::warn!(peer = %peer, "closing the connection of an expelled peer");
        ended.signal();
    }))
}

/// Test support only, never reached from the network: a transport with `remote` over
/// in-memory channels whose frames are NOT checked, so a test can make automerge panic inside
/// samod as a peer with an unknown bug could. Expulsion and attribution work as on a real
/// connection. Dropping `to_node` ends the connection; `from_node` ends when the node drops it.
#[cfg(any(test, feature = "test-support"))]
pub fn unchecked_for_tests(
    remote: EndpointId,
    expulsions: &Expulsions,
) -> (
    Transport,
    futures::channel::mpsc::UnboundedSender<Vec<u8>>,
    futures::channel::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let (to_node, from_peer) = futures::channel::mpsc::unbounded::<Vec<u8>>();
    let (to_peer, from_node) = futures::channel::mpsc::unbounded::<Vec<u8>>();
    let delivered = expulsions.clone();
    let limits = FrameLimits::default();
    let incoming = from_peer.map(move |frame| {
        if let Some(document) = document_of(&frame, &limits) {
            delivered.delivered(remote, document);
        }
        Ok::<_, io::Error>(frame)
    });
    let incoming = until_expelled(incoming, remote, expulsions, Ended::default());
    let transport = Transport::new(incoming, to_peer).with_expected_peer_id(peer_id(&remote));
    (transport, to_node, from_node)
}

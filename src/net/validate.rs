//! Checks every frame a peer sends before samod sees it: sans-IO, allocation-bounded, and
//! never panicking, whatever the bytes.
//!
//! A frame is samod's CBOR envelope (automerge-repo's wire protocol). "request" and "sync"
//! frames carry an automerge sync message, which automerge 0.12 cannot be trusted to receive
//! as is (docs/hostile-inputs.md): a Bloom filter with zero bits per entry panics the next
//! `generate_sync_message` (H1), and compressed chunks are inflated in full before any check
//! (H2); and, found while writing this, run-length-encoded columns let a few dozen bytes declare
//! millions of operations that automerge expands and applies (4 s and 1.1 GiB for a 69-byte
//! change). So the message is parsed here first: Bloom parameters are bounded, everything
//! compressed is inflated into a counting sink with a hard limit, and the rows every column
//! declares are counted against a limit; only then is `automerge::sync::Message::decode`
//! called, itself as a last check.
//!
//! Pure functions of bytes and limits: no IO, no async, no logging (the caller logs the
//! rejection once). Depends on automerge, minicbor and flate2 only.

mod chunk;
mod columns;
mod envelope;
mod reader;
mod source;
mod sync_message;
#[cfg(test)]
mod tests;

/// Limits on what one peer frame may make us allocate or compute.
#[derive(Clone, Copy, Debug)]
pub struct FrameLimits {
    /// Largest frame accepted, checked before any parsing.
    pub max_frame_bytes: usize,
    /// Most bytes all compressed data in one frame may inflate to, together.
    pub max_inflated_bytes: usize,
    /// Most rows one frame's chunks may declare: operations and changes (whose columns are
    /// run-length encoded, so a few bytes can declare billions), actors and chunks. An
    /// operation costs automerge roughly 300 bytes and 1 µs to apply.
    pub max_decoded_rows: u64,
    /// Most probes per hash a Bloom filter may ask for (automerge uses 7).
    pub max_bloom_probes: u32,
    /// Most bits per entry a Bloom filter may declare (automerge uses 10).
    pub max_bloom_bits_per_entry: u32,
    /// Most entries a Bloom filter may declare.
    pub max_bloom_entries: u64,
    /// Most "have" summaries in one sync message (automerge sends at most one).
    pub max_haves: u64,
    /// Most CBOR items in one envelope: bounds what samod's decoder allocates per item.
    pub max_envelope_items: u64,
}

impl Default for FrameLimits {
    fn default() -> Self {
        let max_frame_bytes = 64 * 1024 * 1024;
        Self {
            max_frame_bytes,
            max_inflated_bytes: 256 * 1024 * 1024,
            max_decoded_rows: 1 << 20,
            max_bloom_probes: 32,
            max_bloom_bits_per_entry: 64,
            // With at least one bit per entry, no more entries than bits fit in a frame.
            max_bloom_entries: (max_frame_bytes as u64).saturating_mul(8),
            max_haves: 16,
            max_envelope_items: 65_536,
        }
    }
}

/// Why a frame from a peer was refused. The peer is dropped; the message is for the log.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FrameRejected {
    #[error("frame of {len} bytes is larger than the {max} accepted")]
    TooLarge { len: usize, max: usize },
    #[error("frame is not valid CBOR: {0}")]
    NotCbor(String),
    #[error("frame is not a samod message: {0}")]
    BadEnvelope(String),
    #[error("malformed automerge sync message: {0}")]
    BadSyncMessage(String),
    #[error(
        "Bloom filter out of bounds ({reason}): {entries} entries, {bits_per_entry} bits per \
         entry, {probes} probes, {bits_bytes}-byte bit array"
    )]
    BloomOutOfBounds {
        entries: u64,
        bits_per_entry: u64,
        probes: u64,
        bits_bytes: u64,
        reason: String,
    },
    #[error("compressed data in the frame inflates to more than {limit} bytes")]
    InflatesTooMuch { limit: usize },
    #[error("automerge columns in the frame declare more than {limit} rows")]
    TooManyRows { limit: u64 },
    #[error("malformed automerge chunk: {0}")]
    BadChunk(String),
}

/// Checks one frame received from a peer. Ok means samod may process it.
pub fn check_frame(frame: &[u8], limits: &FrameLimits) -> Result<(), FrameRejected> {
    inspect_frame(frame, limits).map(drop)
}

/// The document a frame is about ("sync", "request" and ephemeral messages name one), if the
/// envelope can be read. Bounded like [`check_frame`]; for attributing failures, not a check.
pub fn document_of<'a>(frame: &'a [u8], limits: &FrameLimits) -> Option<&'a str> {
    if frame.len() > limits.max_frame_bytes {
        return None;
    }
    envelope::parse(frame, limits).ok()?.document
}

/// What an accepted frame held; tests use it to show which paths a frame exercised.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Inspection {
    /// The frame carried a sync message, which was checked.
    sync_message: bool,
    haves: u64,
    change_entries: u64,
    /// Chunks seen, by type: document, change, compressed change, bundle.
    chunks_by_type: [u64; 4],
    deflated_columns: u64,
    inflated_bytes: usize,
    decoded_rows: u64,
}

fn inspect_frame(frame: &[u8], limits: &FrameLimits) -> Result<Inspection, FrameRejected> {
    if frame.len() > limits.max_frame_bytes {
        return Err(FrameRejected::TooLarge {
            len: frame.len(),
            max: limits.max_frame_bytes,
        });
    }
    let envelope = envelope::parse(frame, limits)?;
    let mut seen = Inspection::default();
    if matches!(envelope.kind, "request" | "sync") {
        let data = envelope.data.ok_or_else(|| {
            FrameRejected::BadEnvelope(format!("a \"{}\" message without \"data\"", envelope.kind))
        })?;
        sync_message::check(data, limits, &mut seen)?;
    }
    // Other types, known or not, carry no automerge data; the size cap bounds them.
    Ok(seen)
}

//! The summary two members exchange when a sync connection opens, before samod takes over the
//! stream: for every document the peer may share, a short digest of its heads.
//!
//! Without it, samod opens a sync exchange for every document each time two members meet, and
//! automerge's first message carries a Bloom filter over the document's whole history: about
//! 1.3 KB per document, seconds for a large community, even when nothing changed. With it,
//! documents whose digests match are already in step and are left unannounced (see
//! [`super::quiet`]); only those that differ, or that one side lacks, sync as usual.
//!
//! Wire format, one length-prefixed frame each way: a version byte, then per document its
//! 16-byte id and an 8-byte digest (SHA-256 of its sorted heads, truncated). A malformed
//! summary closes the connection, like any bad frame.

use std::collections::HashMap;

use automerge::ChangeHash;
use samod::DocumentId;
use sha2::{Digest as _, Sha256};

/// The wire format's version; a peer sending another one is refused.
const VERSION: u8 = 1;
const ID_BYTES: usize = 16;
const DIGEST_BYTES: usize = 8;
const ENTRY_BYTES: usize = ID_BYTES + DIGEST_BYTES;
/// Most documents a peer's summary may list (4.8 MB): far beyond any community, and a bound
/// on what a summary makes us allocate.
pub const MAX_DOCUMENTS: usize = 200_000;

/// A short fingerprint of a document's heads: equal digests mean (short of a 64-bit collision)
/// both sides hold exactly the same changes.
pub type HeadsDigest = [u8; DIGEST_BYTES];

/// The digest of a set of heads, whatever their order.
pub fn digest(heads: &[ChangeHash]) -> HeadsDigest {
    let mut sorted: Vec<&ChangeHash> = heads.iter().collect();
    sorted.sort();
    let mut hasher = Sha256::new();
    for head in sorted {
        hasher.update(head.0);
    }
    let full = hasher.finalize();
    let mut out = [0u8; DIGEST_BYTES];
    out.copy_from_slice(&full[..DIGEST_BYTES]);
    out
}

/// What one side holds of the documents it may share with the other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub documents: HashMap<DocumentId, HeadsDigest>,
}

/// Why a peer's summary was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SummaryRejected {
    #[error("the summary is empty: not even a version byte")]
    Empty,
    #[error("summary version {0} is not one this copse speaks ({VERSION})")]
    Version(u8),
    #[error("a summary of {0} bytes is not a whole number of entries")]
    Truncated(usize),
    #[error("a summary of {0} documents is more than the {MAX_DOCUMENTS} accepted")]
    TooMany(usize),
    #[error("a summary lists a document twice")]
    Duplicate,
}

impl Summary {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.documents.len() * ENTRY_BYTES);
        out.push(VERSION);
        for (doc, digest) in &self.documents {
            out.extend_from_slice(doc.as_bytes());
            out.extend_from_slice(digest);
        }
        out
    }

    /// Reads a peer's summary. Allocation is bounded by the frame, which the codec has already
    /// bounded; nothing here panics, whatever the bytes.
    pub fn decode(bytes: &[u8]) -> Result<Summary, SummaryRejected> {
        let (&version, entries) = bytes.split_first().ok_or(SummaryRejected::Empty)?;
        if version != VERSION {
            return Err(SummaryRejected::Version(version));
        }
        if entries.len() % ENTRY_BYTES != 0 {
            return Err(SummaryRejected::Truncated(bytes.len()));
        }
        let count = entries.len() / ENTRY_BYTES;
        if count > MAX_DOCUMENTS {
            return Err(SummaryRejected::TooMany(count));
        }
        let mut documents = HashMap::with_capacity(count);
        for entry in entries.chunks_exact(ENTRY_BYTES) {
            let (id, digest) = entry.split_at(ID_BYTES);
            // Sixteen bytes are always a valid id (a UUID), so this never fails.
            let Ok(id) = DocumentId::try_from(id.to_vec()) else {
                return Err(SummaryRejected::Truncated(bytes.len()));
            };
            let mut d = [0u8; DIGEST_BYTES];
            d.copy_from_slice(digest);
            if documents.insert(id, d).is_some() {
                return Err(SummaryRejected::Duplicate);
            }
        }
        Ok(Summary { documents })
    }

    /// The documents both sides hold with the same heads (and those heads): nothing to
    /// exchange for them.
    pub fn in_step_with(&self, theirs: &Summary) -> HashMap<DocumentId, HeadsDigest> {
        self.documents
            .iter()
            .filter(|(doc, digest)| theirs.documents.get(*doc) == Some(*digest))
            .map(|(doc, digest)| (doc.clone(), *digest))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::new(&mut rand::rng())
    }

    fn hash(byte: u8) -> ChangeHash {
        ChangeHash([byte; 32])
    }

    #[test]
    fn the_order_of_heads_does_not_matter_but_their_content_does() {
        assert_eq!(
            digest(&[hash(1), hash(2)]),
            digest(&[hash(2), hash(1)]),
            "concurrent heads come in any order"
        );
        assert_ne!(digest(&[hash(1)]), digest(&[hash(1), hash(2)]));
        assert_ne!(digest(&[]), digest(&[hash(0)]));
    }

    #[test]
    fn a_summary_survives_the_wire_and_finds_what_is_in_step() {
        let (same, moved, only_mine, only_theirs) = (doc(), doc(), doc(), doc());
        let mine = Summary {
            documents: HashMap::from([
                (same.clone(), digest(&[hash(1)])),
                (moved.clone(), digest(&[hash(2)])),
                (only_mine.clone(), digest(&[hash(3)])),
            ]),
        };
        let theirs = Summary {
            documents: HashMap::from([
                (same.clone(), digest(&[hash(1)])),
                (moved.clone(), digest(&[hash(2), hash(9)])),
                (only_theirs, digest(&[hash(4)])),
            ]),
        };
        let received = Summary::decode(&theirs.encode()).expect("our own encoding decodes");
        assert_eq!(received, theirs);
        assert_eq!(
            mine.in_step_with(&received),
            HashMap::from([(same, digest(&[hash(1)]))])
        );
    }

    #[test]
    fn malformed_summaries_are_refused_not_trusted() {
        assert_eq!(Summary::decode(&[]), Err(SummaryRejected::Empty));
        assert_eq!(Summary::decode(&[2]), Err(SummaryRejected::Version(2)));
        assert_eq!(
            Summary::decode(&[VERSION, 1, 2, 3]),
            Err(SummaryRejected::Truncated(4))
        );
        let entry = [7u8; ENTRY_BYTES];
        let twice: Vec<u8> = [&[VERSION][..], &entry, &entry].concat();
        assert_eq!(Summary::decode(&twice), Err(SummaryRejected::Duplicate));
        let huge = vec![0u8; 1 + (MAX_DOCUMENTS + 1) * ENTRY_BYTES];
        assert!(matches!(
            Summary::decode(&huge),
            Err(SummaryRejected::Version(0))
        ));
        let mut huge = huge;
        huge[0] = VERSION;
        assert_eq!(
            Summary::decode(&huge),
            Err(SummaryRejected::TooMany(MAX_DOCUMENTS + 1))
        );
        assert_eq!(
            Summary::decode(&[VERSION]),
            Ok(Summary::default()),
            "a member with nothing to share yet"
        );
    }
}

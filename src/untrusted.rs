//! Every reader of bytes that come from outside this device, behind one door each: a peer's
//! sync frame, its summary and receipt messages, the join handshake's messages, an invite
//! ticket a person pastes, stored chunks read back from disk, and a Markdown page to import.
//!
//! The fuzzer (`fuzz/`, one target per [`Reader`]) and the corpus replay test
//! (`tests/fuzz_corpus.rs`) drive exactly these doors, so what they find is what the app runs.
//! Each returns whether the input was accepted; none may panic, and each is bounded by the
//! limits of the code behind it.

use std::str::FromStr;

use crate::model::markdown::front_matter;
use crate::model::{MemberId, Note, Timestamp};
use crate::net::join_protocol::{JoinRequest, JoinResponse};
use crate::net::ticket::InviteTicket;
use crate::net::validate::{FrameLimits, check_frame};
use crate::net::{receipt, summary::Summary};

/// One reader of outside bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// A samod frame from a peer (sync or request), through copse's frame checks.
    SyncFrame,
    /// The summary of heads a peer sends first.
    Summary,
    /// A receipt request ("which of these do you hold?") and its answer.
    Receipt,
    /// The joiner's request and the inviter's answer.
    JoinMessage,
    /// An invite or device ticket, as pasted.
    Ticket,
    /// A document's stored chunks, as read back from disk.
    StoredChunks,
    /// A Markdown page to import as a note, with its front matter.
    MarkdownNote,
}

impl Reader {
    pub const ALL: [Reader; 7] = [
        Reader::SyncFrame,
        Reader::Summary,
        Reader::Receipt,
        Reader::JoinMessage,
        Reader::Ticket,
        Reader::StoredChunks,
        Reader::MarkdownNote,
    ];

    /// The fuzz target's name, which is also its corpus folder (`fuzz/corpus/<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Reader::SyncFrame => "sync_frame",
            Reader::Summary => "summary",
            Reader::Receipt => "receipt",
            Reader::JoinMessage => "join_message",
            Reader::Ticket => "ticket",
            Reader::StoredChunks => "stored_chunks",
            Reader::MarkdownNote => "markdown_note",
        }
    }

    /// Reads `bytes` as the app would; true when they were accepted.
    pub fn read(self, bytes: &[u8]) -> bool {
        match self {
            Reader::SyncFrame => check_frame(bytes, &FrameLimits::default()).is_ok(),
            Reader::Summary => Summary::decode(bytes).is_ok(),
            Reader::Receipt => {
                // An answer is read against the number of documents asked: once as many as it
                // holds (how a well-formed one arrives), once a fixed number.
                let fixed = receipt::decode_answer(bytes, 8).is_ok();
                let answer = receipt::decode_answer(bytes, bytes.len().saturating_sub(1)).is_ok();
                receipt::decode_request(bytes).is_ok() || answer || fixed
            }
            Reader::JoinMessage => {
                postcard::from_bytes::<JoinRequest>(bytes).is_ok()
                    || postcard::from_bytes::<JoinResponse>(bytes).is_ok()
            }
            Reader::Ticket => std::str::from_utf8(bytes)
                .is_ok_and(|text| InviteTicket::from_str(text.trim()).is_ok()),
            Reader::StoredChunks => crate::store::chunk_check::check_chunks(bytes).is_ok(),
            Reader::MarkdownNote => {
                let Ok(text) = std::str::from_utf8(bytes) else {
                    return false;
                };
                let page = front_matter::read_note("page", text);
                let title = front_matter::fit_title(&page.title, "page");
                let someone = MemberId::from("importer".to_string());
                Note::new(&title, &page.body, &someone, Timestamp(0)).is_ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> samod::DocumentId {
        use rand::SeedableRng;
        samod::DocumentId::new(&mut rand::rngs::StdRng::seed_from_u64(7))
    }

    /// What copse itself sends, for each reader that has an encoder: accepted.
    fn well_formed() -> Vec<(Reader, Vec<u8>)> {
        let heads = vec![automerge::ChangeHash([7; 32])];
        let summary = Summary {
            documents: [(document(), crate::net::summary::digest(&heads))].into(),
        };
        let request = JoinRequest::V1 {
            community: "4N7x".to_string(),
            secret: [9; 32],
            name: "Ann".to_string(),
        };
        let refused = JoinResponse::Refused {
            reason: "this invite was used up".to_string(),
        };
        vec![
            (Reader::Summary, summary.encode()),
            (
                Reader::Receipt,
                receipt::encode_request(&[(document(), heads)]),
            ),
            (Reader::Receipt, receipt::encode_answer(&[true, false])),
            (
                Reader::JoinMessage,
                postcard::to_stdvec(&request).unwrap_or_default(),
            ),
            (
                Reader::JoinMessage,
                postcard::to_stdvec(&refused).unwrap_or_default(),
            ),
            (
                Reader::MarkdownNote,
                b"---\ntitle: Agreements\n---\nWe start on time.\n".to_vec(),
            ),
        ]
    }

    #[test]
    fn what_copse_sends_is_accepted_and_garbage_is_not() {
        for (reader, bytes) in well_formed() {
            assert!(reader.read(&bytes), "{reader:?} refused its own encoding");
        }
        for reader in Reader::ALL {
            assert!(!reader.read(&[0xff; 3]), "{reader:?} accepted garbage");
            assert!(!reader.read(&[]) || reader == Reader::MarkdownNote);
        }
    }
}

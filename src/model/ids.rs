//! Identifiers and timestamps, and [`DocRef`]: a note or a case, the one way to name an
//! indexed document.
//!
//! Every id is a string newtype so it can key an Automerge map (maps keyed by a generated id
//! never collide when members add things concurrently). New ids are made by the caller with
//! `new_random` and passed into the model, so the model itself stays deterministic.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Reconcile,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id (UUID v4, simple form).
            pub fn new_random() -> Self {
                Self(uuid::Uuid::new_v4().simple().to_string())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = crate::model::ModelError;

            /// Accepts any non-empty id of printable ASCII without spaces or `/`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.trim();
                let valid = !s.is_empty()
                    && s.len() <= 128
                    && s.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
                if valid {
                    Ok(Self(s.to_string()))
                } else {
                    Err(crate::model::ModelError::InvalidId {
                        kind: stringify!($name),
                        given: s.chars().take(80).collect(),
                    })
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Written by hand: the derived impl cannot read the id inside an `Option`.
        impl Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<Self, autosurgeon::HydrateError> {
                Ok(Self(s.to_string()))
            }
        }

        /// Needed to hydrate map keys; ids read back from a document are taken as stored.
        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

string_id!(
    /// A person in a community. The member id is the endpoint id of the member's first device;
    /// later devices are listed under the member (see [`crate::model::Member::devices`]).
    MemberId
);
string_id!(
    /// The root document of a community (a samod document id).
    CommunityId
);
string_id!(
    /// A note's own document (a samod document id).
    NoteId
);
string_id!(
    /// A peer-assist case's own document (a samod document id).
    CaseId
);
string_id!(
    /// A device: its iroh endpoint id (hex), as the roster lists it and a change message names
    /// it. One type wherever a device is meant, like samod's `PeerId`.
    DeviceId
);
string_id!(TopicId);
string_id!(GatheringId);
string_id!(
    /// A series of gatherings (see [`crate::model::series`]).
    SeriesId
);
string_id!(
    /// One set of pairs or small groups made at a gathering (see [`crate::model::grouping`]).
    GroupingId
);
string_id!(CommentId);
string_id!(QuestionId);
string_id!(SuggestionId);
string_id!(ActionId);
string_id!(
    /// An invite to a community, kept in the community document (its secret is not).
    InviteId
);
string_id!(
    /// A file attached to a note or case (see [`crate::model::attachment`]).
    FileId
);
string_id!(
    /// One entry of the community's governance record (a removal, a role change …).
    RecordId
);

/// Which kind of indexed document: a note or a peer-assist case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Note,
    Case,
}

impl DocKind {
    /// The kind as a word ("note", "case"), for messages, keys and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Note => "note",
            DocKind::Case => "case",
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the community's indexed documents: a note or a case. The one way to name such a
/// document across the model, the node and the views, so an id never travels apart from its
/// kind. Serialised as `{"kind": "note", "id": "…"}`; printed (and parsed) as `note/<id>`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum DocRef {
    Note(NoteId),
    Case(CaseId),
}

impl DocRef {
    pub fn kind(&self) -> DocKind {
        match self {
            DocRef::Note(_) => DocKind::Note,
            DocRef::Case(_) => DocKind::Case,
        }
    }

    /// The document's id as text (a samod document id).
    pub fn id_str(&self) -> &str {
        match self {
            DocRef::Note(id) => id.as_str(),
            DocRef::Case(id) => id.as_str(),
        }
    }

    /// The note this names, if it is one.
    pub fn as_note(&self) -> Option<&NoteId> {
        match self {
            DocRef::Note(id) => Some(id),
            DocRef::Case(_) => None,
        }
    }

    /// The case this names, if it is one.
    pub fn as_case(&self) -> Option<&CaseId> {
        match self {
            DocRef::Case(id) => Some(id),
            DocRef::Note(_) => None,
        }
    }
}

impl From<NoteId> for DocRef {
    fn from(id: NoteId) -> Self {
        DocRef::Note(id)
    }
}

impl From<CaseId> for DocRef {
    fn from(id: CaseId) -> Self {
        DocRef::Case(id)
    }
}

impl fmt::Display for DocRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind(), self.id_str())
    }
}

impl FromStr for DocRef {
    type Err = crate::model::ModelError;

    /// Reads `note/<id>` or `case/<id>`, as [`DocRef`]'s `Display` writes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().split_once('/') {
            Some(("note", id)) => Ok(DocRef::Note(id.parse()?)),
            Some(("case", id)) => Ok(DocRef::Case(id.parse()?)),
            _ => Err(crate::model::ModelError::InvalidId {
                kind: "DocRef",
                given: s.chars().take(80).collect(),
            }),
        }
    }
}

/// Milliseconds since the Unix epoch.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Reconcile,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

// Written by hand: the derived impl cannot read the time inside an `Option`.
impl Hydrate for Timestamp {
    fn hydrate_int(i: i64) -> Result<Self, autosurgeon::HydrateError> {
        Ok(Timestamp(i))
    }

    fn hydrate_uint(u: u64) -> Result<Self, autosurgeon::HydrateError> {
        i64::try_from(u).map(Timestamp).map_err(|_| {
            autosurgeon::HydrateError::unexpected("a time in milliseconds", u.to_string())
        })
    }

    fn hydrate_timestamp(t: i64) -> Result<Self, autosurgeon::HydrateError> {
        Ok(Timestamp(t))
    }
}

impl Timestamp {
    /// The time as an RFC 3339 string in UTC, for people and for JSON.
    pub fn to_rfc3339(self) -> String {
        chrono::DateTime::from_timestamp_millis(self.0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| format!("{}ms", self.0))
    }
}

/// For people: the viewer's local time with the zone named, `2026-12-03 18:00 CET` (see
/// [`crate::model::local_time`]).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let zone = crate::model::local_time::viewer_zone();
        f.write_str(&crate::model::local_time::date_time(*self, &zone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = TopicId::new_random();
        assert_eq!(id.as_str().parse::<TopicId>().unwrap(), id);
        assert!("".parse::<TopicId>().is_err());
        assert!("has space".parse::<NoteId>().is_err());
        assert!("a/b".parse::<CaseId>().is_err());
        assert!("x".repeat(500).parse::<MemberId>().is_err());
        assert_eq!("  abc \n".parse::<MemberId>().unwrap().as_str(), "abc");
    }

    /// Every field that can hold an id or a time, inside and outside an `Option`, reads back.
    #[test]
    fn optional_ids_and_times_round_trip_through_a_document() {
        use crate::model::{ActionId, Case, MemberId, Phase, QuestionId, change};
        let presenter = MemberId::from("pia".to_string());
        let mut case = Case::new("t", "s", &presenter, Timestamp(1)).unwrap();
        case.ask_question(
            QuestionId::new_random(),
            &MemberId::from("bo".to_string()),
            "q",
            Timestamp(2),
        )
        .unwrap();
        case.advance_phase(&presenter).unwrap();
        case.advance_phase(&presenter).unwrap();
        case.close(
            &presenter,
            "done",
            vec![(ActionId::new_random(), "a".into(), Some(presenter.clone()))],
            Timestamp(3),
        )
        .unwrap();
        let doc = change::create(&case, "case", Timestamp(3)).unwrap();
        let back: Case = change::read(&doc).unwrap();
        assert_eq!(back.phase, Phase::Closed);
        assert_eq!(back.closed_at, Some(Timestamp(3)));
        assert_eq!(
            back.next_actions.values().next().unwrap().owner,
            Some(presenter)
        );
    }

    #[test]
    fn doc_refs_print_parse_and_serialise_as_kind_and_id() {
        let note = DocRef::Note(NoteId::from("n1".to_string()));
        let case = DocRef::Case(CaseId::from("c1".to_string()));
        assert_eq!(note.to_string(), "note/n1");
        assert_eq!("case/c1".parse::<DocRef>().unwrap(), case);
        assert!("topic/t1".parse::<DocRef>().is_err());
        assert!("note/".parse::<DocRef>().is_err());
        assert_eq!(
            serde_json::to_value(&case).unwrap(),
            serde_json::json!({"kind": "case", "id": "c1"})
        );
        assert_eq!((note.kind(), case.id_str()), (DocKind::Note, "c1"));
    }

    #[test]
    fn timestamps_print_in_utc() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01 00:00 UTC");
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
    }
}

//! A gathering: one of the community's regular meetings.

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{MemberId, NoteId, Timestamp, TopicId};

/// A meeting with its agenda, its roles and its note.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Gathering {
    pub title: String,
    pub when: Timestamp,
    /// Topics to discuss, in order.
    #[autosurgeon(missing = "Default::default")]
    pub agenda: Vec<TopicId>,
    #[autosurgeon(missing = "Default::default")]
    pub roles: Roles,
    /// The gathering's meeting note, once created.
    #[autosurgeon(missing = "Default::default")]
    pub note: Option<NoteId>,
}

/// Who holds each rotating role at a gathering.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Roles {
    #[autosurgeon(missing = "Default::default")]
    pub facilitator: Option<MemberId>,
    #[autosurgeon(missing = "Default::default")]
    pub presenter: Option<MemberId>,
    #[autosurgeon(missing = "Default::default")]
    pub note_taker: Option<MemberId>,
}

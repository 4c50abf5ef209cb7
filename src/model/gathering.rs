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
    pub agenda: Vec<TopicId>,
    pub roles: Roles,
    /// The gathering's meeting note, once created.
    pub note: Option<NoteId>,
}

/// Who holds each rotating role at a gathering.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Roles {
    pub facilitator: Option<MemberId>,
    pub presenter: Option<MemberId>,
    pub note_taker: Option<MemberId>,
}

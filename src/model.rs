//! The community's documents and the rules of their operations.
//!
//! Three kinds of Automerge document, mapped to Rust structs with autosurgeon:
//! a [`Community`] (the root: purpose, roster, topics, gatherings, and an index of the others),
//! one [`Note`] per community note and one [`Case`] per peer-assist case.
//!
//! Operations are plain methods on the hydrated structs (`Case::suggest`, `Community::endorse_topic`
//! …) that enforce the rules and explain a refusal in [`ModelError`]. [`change::update`] runs such a
//! method on a document inside one Automerge transaction (hydrate → change → reconcile), which is
//! what keeps concurrent additions by other members from being deleted by a stale copy.
//!
//! The documents stay flat here, one file each. Beside them, [`practice`] holds the read-only
//! practices computed from the documents (pulse, search, objectives, skills, rotation, unread)
//! and [`markdown`] the Markdown that copse writes and reads (export pages, front matter).
//!
//! This module does no IO and knows nothing of tokio, samod, iroh or egui: the caller passes in the
//! time and any new ids, so every rule can be tested with plain values.

pub mod attachment;
pub mod attendance;
pub mod calendar;
pub mod case;
pub mod change;
pub mod comment;
pub mod community;
pub mod community_device;
pub mod community_parts;
pub mod conflict;
#[cfg(test)]
mod convergence;
pub mod custom_role;
pub mod error;
#[cfg(test)]
mod fixtures;
pub mod format;
pub mod gathering;
pub mod governance;
pub mod grouping;
pub mod history;
pub mod ids;
pub mod invite;
pub mod last_change;
pub mod lifecycle;
pub mod limits;
pub mod local_time;
pub mod markdown;
pub mod meeting;
pub mod member;
pub mod member_role;
pub mod note;
pub mod plain;
pub mod practice;
pub mod recurrence;
pub mod series;
pub mod text_edit;
pub mod thanks;
pub mod topic;
pub mod word_diff;

pub use attachment::Attachment;
pub use case::{Case, NextAction, Phase, Question, Suggestion};
pub use comment::Comment;
pub use community::{Community, DocEntry};
pub use community_device::CommunityDevice;
pub use error::ModelError;
pub use gathering::{Gathering, Role, Roles};
pub use governance::{Record, RecordKind};
pub use history::Revision;
pub use ids::{
    ActionId, CaseId, CommentId, CommunityId, DeviceId, DocKind, DocRef, FileId, GatheringId,
    GroupingId, InviteId, MemberId, NoteId, QuestionId, RecordId, SeriesId, SuggestionId,
    Timestamp, TopicId,
};
pub use invite::{Invite, InviteStatus};
pub use last_change::LastChange;
pub use lifecycle::{Archived, Item, Tombstone};
pub use member::{Device, Member, ProfileUpdate};
pub use member_role::MemberRole;
pub use note::{Note, NoteEdit};
pub use series::Series;
pub use topic::{Topic, TopicStatus};

//! A comment under a note or a case: the conversation between meetings.

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{MemberId, ModelError, Timestamp, limits};

/// One comment. Comments are keyed by a generated id, so two members commenting at once both
/// keep theirs.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Comment {
    pub author: MemberId,
    pub text: String,
    pub at: Timestamp,
}

impl Comment {
    /// A checked comment: not empty, not over the size limit.
    pub fn new(author: &MemberId, text: &str, at: Timestamp) -> Result<Comment, ModelError> {
        Ok(Comment {
            author: author.clone(),
            text: limits::required_text("a comment", text, limits::MAX_SHORT_TEXT_BYTES)?,
            at,
        })
    }
}

//! A comment under a note or a case: the conversation between meetings.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{CommentId, MemberId, ModelError, Timestamp, limits};

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

/// Takes a comment out of a note's or case's thread. Only its author may: a comment is a
/// member's own words. Comments are never edited, so nothing can bring a removed one back.
pub fn delete(
    comments: &mut BTreeMap<CommentId, Comment>,
    id: &CommentId,
    by: &MemberId,
) -> Result<Comment, ModelError> {
    match comments.get(id) {
        None => Err(ModelError::NoSuchComment(id.to_string())),
        Some(c) if &c.author != by => Err(ModelError::NotCommentAuthor),
        Some(_) => comments
            .remove(id)
            .ok_or_else(|| ModelError::NoSuchComment(id.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_author_deletes_a_comment() {
        let (ada, bo) = (
            MemberId::from("ada".to_string()),
            MemberId::from("bo".to_string()),
        );
        let id = CommentId::from("c".to_string());
        let mut comments = BTreeMap::from([(
            id.clone(),
            Comment::new(&ada, "typo here", Timestamp(1)).unwrap(),
        )]);
        assert_eq!(
            delete(&mut comments, &id, &bo),
            Err(ModelError::NotCommentAuthor)
        );
        assert_eq!(comments.len(), 1);
        assert_eq!(delete(&mut comments, &id, &ada).unwrap().text, "typo here");
        assert!(comments.is_empty());
        assert_eq!(
            delete(&mut comments, &id, &ada),
            Err(ModelError::NoSuchComment("c".into()))
        );
    }
}

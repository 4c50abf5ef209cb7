//! A community note: a collaborative Markdown document with comments.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::model::format::Format;
use crate::model::{Comment, CommentId, MemberId, ModelError, Timestamp, limits, text_edit};

/// One note, in a document of its own. The body is Automerge text, so two members typing in the
/// same note at once both keep their words.
#[derive(Clone, Debug, Reconcile, Hydrate)]
pub struct Note {
    pub title: String,
    /// Markdown.
    #[autosurgeon(missing = "Default::default")]
    pub body: Text,
    pub author: MemberId,
    pub created_at: Timestamp,
    #[autosurgeon(missing = "Default::default")]
    pub comments: BTreeMap<CommentId, Comment>,
    /// Members who thanked the author for this note → when (see [`crate::model::thanks`]).
    #[autosurgeon(missing = "Default::default")]
    pub thanks: BTreeMap<MemberId, Timestamp>,
    /// Conflicts members settled here: conflict id → what was kept (see
    /// [`crate::model::conflict`]), so the review closes on every member's device.
    #[autosurgeon(missing = "Default::default")]
    pub settled: BTreeMap<String, String>,
    /// The format that wrote the note: a newer one makes it read-only here.
    #[autosurgeon(rename = "copse_format", missing = "Default::default")]
    pub format: Format,
}

/// How a body changes.
#[derive(Clone, Debug, PartialEq)]
pub enum NoteEdit {
    /// The whole new text; stored as the smallest splices from the old text, so concurrent
    /// edits elsewhere in the note survive.
    Replace(String),
    /// Text added at the end.
    Append(String),
    /// An editor's change from the text it was showing (`from`) to its new text (`to`). If the
    /// body changed meanwhile (a member typed elsewhere), the edit is rebased onto it with
    /// [`text_edit::merge`], so the other member's words are kept.
    Rebase { from: String, to: String },
}

impl Note {
    pub fn new(
        title: &str,
        body: &str,
        author: &MemberId,
        now: Timestamp,
    ) -> Result<Note, ModelError> {
        Ok(Note {
            title: limits::title("a note's title", title)?,
            body: Text::with_value(limits::optional_text(
                "a note's body",
                body,
                limits::MAX_BODY_BYTES,
            )?),
            author: author.clone(),
            created_at: now,
            comments: BTreeMap::new(),
            thanks: BTreeMap::new(),
            settled: BTreeMap::new(),
            format: Format::default(),
        })
    }

    pub fn rename(&mut self, title: &str) -> Result<(), ModelError> {
        self.title = limits::title("a note's title", title)?;
        Ok(())
    }

    pub fn edit_body(&mut self, edit: &NoteEdit) -> Result<(), ModelError> {
        match edit {
            NoteEdit::Replace(new) => {
                limits::optional_text("a note's body", new, limits::MAX_BODY_BYTES)?;
                text_edit::splice_to(&mut self.body, new);
            }
            NoteEdit::Rebase { from, to } => {
                let merged = text_edit::merge(from, to, self.body.as_str());
                limits::optional_text("a note's body", &merged, limits::MAX_BODY_BYTES)?;
                text_edit::splice_to(&mut self.body, &merged);
            }
            NoteEdit::Append(more) => {
                let len = self.body.as_str().len();
                if len + more.len() > limits::MAX_BODY_BYTES {
                    return Err(ModelError::TooLong {
                        what: "a note's body",
                        len: len + more.len(),
                        max: limits::MAX_BODY_BYTES,
                    });
                }
                self.body.splice(len, 0, more);
            }
        }
        Ok(())
    }

    pub fn add_comment(
        &mut self,
        id: CommentId,
        by: &MemberId,
        text: &str,
        now: Timestamp,
    ) -> Result<CommentId, ModelError> {
        self.comments
            .insert(id.clone(), Comment::new(by, text, now)?);
        Ok(id)
    }

    /// Deletes one's own comment.
    pub fn delete_comment(&mut self, id: &CommentId, by: &MemberId) -> Result<(), ModelError> {
        crate::model::comment::delete(&mut self.comments, id, by).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::change;

    fn ada() -> MemberId {
        MemberId::from("ada".to_string())
    }

    #[test]
    fn append_and_replace_keep_non_ascii_text_intact() {
        let note = Note::new("Grüße", "Grüße 🌱", &ada(), Timestamp(1)).unwrap();
        let mut doc = change::create(&note, "add note", Timestamp(1)).unwrap();
        change::update(&mut doc, "edit", Timestamp(2), |n: &mut Note| {
            n.edit_body(&NoteEdit::Append(" 你好".into()))
        })
        .unwrap();
        change::update(&mut doc, "edit", Timestamp(3), |n: &mut Note| {
            n.edit_body(&NoteEdit::Replace("Liebe Grüße 🌱 你好!".into()))
        })
        .unwrap();
        let back: Note = change::read(&doc).unwrap();
        assert_eq!(back.body.as_str(), "Liebe Grüße 🌱 你好!");
        assert_eq!(back.title, "Grüße");
    }

    #[test]
    fn concurrent_typing_in_one_note_keeps_both_words() {
        let note = Note::new("Plan", "hello world", &ada(), Timestamp(1)).unwrap();
        let mut a = change::create(&note, "add note", Timestamp(1)).unwrap();
        let mut b = a.fork();
        change::update(&mut a, "edit", Timestamp(2), |n: &mut Note| {
            n.edit_body(&NoteEdit::Replace("hello big world".into()))
        })
        .unwrap();
        change::update(&mut b, "edit", Timestamp(2), |n: &mut Note| {
            n.edit_body(&NoteEdit::Replace("hello world!".into()))
        })
        .unwrap();
        a.merge(&mut b).unwrap();
        let merged: Note = change::read(&a).unwrap();
        assert_eq!(merged.body.as_str(), "hello big world!");
    }

    #[test]
    fn an_editor_typing_from_a_stale_copy_keeps_the_remote_words() {
        let mut note = Note::new("Plan", "hello world", &ada(), Timestamp(1)).unwrap();
        // A member's words arrive after this editor last saw the body...
        note.edit_body(&NoteEdit::Append(" and friends".into()))
            .unwrap();
        // ...and the editor, typing from its older copy, saves its change.
        note.edit_body(&NoteEdit::Rebase {
            from: "hello world".into(),
            to: "hello, dear world".into(),
        })
        .unwrap();
        assert_eq!(note.body.as_str(), "hello, dear world and friends");
        // A whole-text replace from the same stale copy would have erased them.
        note.edit_body(&NoteEdit::Replace("hello, dear world".into()))
            .unwrap();
        assert_eq!(note.body.as_str(), "hello, dear world");
    }

    #[test]
    fn oversized_bodies_and_empty_comments_are_refused() {
        let mut note = Note::new("Plan", "", &ada(), Timestamp(1)).unwrap();
        let huge = "x".repeat(limits::MAX_BODY_BYTES + 1);
        assert!(matches!(
            note.edit_body(&NoteEdit::Append(huge.clone())),
            Err(ModelError::TooLong { .. })
        ));
        assert!(matches!(
            note.edit_body(&NoteEdit::Replace(huge)),
            Err(ModelError::TooLong { .. })
        ));
        assert!(Note::new("Plan", &"y".repeat(10 * 1024 * 1024), &ada(), Timestamp(1)).is_err());
        assert_eq!(
            note.add_comment(CommentId::new_random(), &ada(), "   ", Timestamp(2)),
            Err(ModelError::Empty { what: "a comment" })
        );
        assert!(note.body.as_str().is_empty());
    }
}

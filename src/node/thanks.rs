//! Recognition on the [`Node`]: thanking a note, an answer or a suggestion as this member.
//! Each returns false when this member had already thanked it.

use super::{Node, NodeError};
use crate::model::{Case, CaseId, CommunityId, Note, NoteId, QuestionId, SuggestionId};

impl Node {
    /// Thanks a note's author. The note's index entry is left alone: thanks are not an edit.
    pub async fn thank_note(
        &self,
        community: &CommunityId,
        note: &NoteId,
    ) -> Result<bool, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        self.require_indexed(community, &crate::model::DocRef::Note(note.clone()))
            .await?;
        self.update(note, "thank", move |n: &mut Note| n.thank(&me, now))
            .await
    }

    /// Thanks the presenter for an answer.
    pub async fn thank_answer(
        &self,
        community: &CommunityId,
        case: &CaseId,
        question: &QuestionId,
    ) -> Result<bool, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let question = question.clone();
        self.change_indexed(
            community,
            case,
            "thank for an answer",
            move |c: &mut Case| c.thank_answer(&question, &me, now),
        )
        .await
    }

    /// Thanks a member for a suggestion.
    pub async fn thank_suggestion(
        &self,
        community: &CommunityId,
        case: &CaseId,
        suggestion: &SuggestionId,
    ) -> Result<bool, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let suggestion = suggestion.clone();
        self.change_indexed(
            community,
            case,
            "thank for a suggestion",
            move |c: &mut Case| c.thank_suggestion(&suggestion, &me, now),
        )
        .await
    }
}

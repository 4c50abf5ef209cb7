//! History of notes and cases: their revisions with who made them, an earlier version, and
//! restoring one as a new change on top (so nothing is lost and members merge it normally).

use super::{Node, NodeError};
use crate::model::{
    Case, CaseId, Community, CommunityId, MemberId, Note, NoteEdit, NoteId, Revision, history,
};

/// A revision with the member who made it, as far as the roster knows the device.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub revision: Revision,
    pub member: Option<MemberId>,
    /// The member's display name, or "an earlier member" / "unknown".
    pub by: String,
}

impl Node {
    /// A note's revisions, oldest first.
    pub async fn note_history(
        &self,
        community: &CommunityId,
        id: &NoteId,
    ) -> Result<Vec<HistoryEntry>, NodeError> {
        self.require_indexed_note(community, id).await?;
        let revisions = self.inspect("note", id.as_str(), |doc| Ok(history::revisions(doc)));
        Ok(attribute(
            &*self.community(community).await?,
            revisions.await?,
        ))
    }

    /// A note as it was at `version` (from its history).
    pub async fn note_at(
        &self,
        community: &CommunityId,
        id: &NoteId,
        version: &str,
    ) -> Result<Note, NodeError> {
        self.require_indexed_note(community, id).await?;
        let version = version.to_string();
        self.inspect("note", id.as_str(), move |doc| history::at(doc, &version))
            .await
    }

    /// Makes a note's title and body read as they did at `version`, as a new change. Comments
    /// made since stay.
    pub async fn restore_note(
        &self,
        community: &CommunityId,
        id: &NoteId,
        version: &str,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let old = self.note_at(community, id, version).await?;
        let title = self
            .update(
                "note",
                id.as_str(),
                "restore note version",
                move |n: &mut Note| {
                    n.rename(&old.title)?;
                    n.edit_body(&NoteEdit::Replace(old.body.as_str().to_string()))?;
                    Ok(n.title.clone())
                },
            )
            .await?;
        self.touch_note(community, id, title, me).await
    }

    /// A case's revisions, oldest first.
    pub async fn case_history(
        &self,
        community: &CommunityId,
        id: &CaseId,
    ) -> Result<Vec<HistoryEntry>, NodeError> {
        self.require_indexed_case(community, id).await?;
        let revisions = self.inspect("case", id.as_str(), |doc| Ok(history::revisions(doc)));
        Ok(attribute(
            &*self.community(community).await?,
            revisions.await?,
        ))
    }

    /// A case as it was at `version`.
    pub async fn case_at(
        &self,
        community: &CommunityId,
        id: &CaseId,
        version: &str,
    ) -> Result<Case, NodeError> {
        self.require_indexed_case(community, id).await?;
        let version = version.to_string();
        self.inspect("case", id.as_str(), move |doc| history::at(doc, &version))
            .await
    }

    /// Makes a case read as it did at `version`, as a new change on top.
    pub async fn restore_case(
        &self,
        community: &CommunityId,
        id: &CaseId,
        version: &str,
    ) -> Result<(), NodeError> {
        self.me(community).await?;
        let old = self.case_at(community, id, version).await?;
        self.change_case(community, id, "restore case version", move |c| {
            c.restore(old);
            Ok(())
        })
        .await
    }
}

/// Names the member behind each revision's device.
fn attribute(community: &Community, revisions: Vec<Revision>) -> Vec<HistoryEntry> {
    revisions
        .into_iter()
        .map(|revision| {
            let member = revision
                .device
                .as_deref()
                .and_then(|d| community.member_for_device(d))
                .cloned();
            let by = match (&member, &revision.device) {
                (Some(m), _) => community.display_name(m),
                (None, Some(_)) => "an earlier member".to_string(),
                (None, None) => "unknown".to_string(),
            };
            HistoryEntry {
                revision,
                member,
                by,
            }
        })
        .collect()
}

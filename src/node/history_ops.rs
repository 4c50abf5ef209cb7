//! History of notes and cases: their revisions with who made them, an earlier version, and
//! restoring one as a new change on top (so nothing is lost and members merge it normally).

use super::{Node, NodeError};
use crate::model::community::Indexed;
use crate::model::{
    Case, CaseId, Community, CommunityId, DocRef, MemberId, Note, NoteEdit, NoteId, Revision,
    history,
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
    /// A note's or case's revisions, oldest first.
    pub async fn history(
        &self,
        community: &CommunityId,
        doc: &DocRef,
    ) -> Result<Vec<HistoryEntry>, NodeError> {
        self.require_indexed(community, doc).await?;
        let revisions = self.inspect(doc, |doc| Ok(history::revisions(doc)));
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
        self.version_at(community, id, version).await
    }

    /// A case as it was at `version`.
    pub async fn case_at(
        &self,
        community: &CommunityId,
        id: &CaseId,
        version: &str,
    ) -> Result<Case, NodeError> {
        self.version_at(community, id, version).await
    }

    /// A listed note or case as it was at `version`.
    async fn version_at<T>(
        &self,
        community: &CommunityId,
        id: &T::Id,
        version: &str,
    ) -> Result<T, NodeError>
    where
        T: Indexed + autosurgeon::Hydrate + Send + 'static,
    {
        let doc: DocRef = id.clone().into();
        self.require_indexed(community, &doc).await?;
        let version = version.to_string();
        self.inspect(&doc, move |d| history::at(d, &version)).await
    }

    /// Makes a note or case read as it did at `version`, as a new change on top. A note gets
    /// back its title and body (comments made since stay); a case its whole content.
    pub async fn restore(
        &self,
        community: &CommunityId,
        doc: &DocRef,
        version: &str,
    ) -> Result<(), NodeError> {
        self.me(community).await?;
        match doc {
            DocRef::Note(id) => {
                let old = self.note_at(community, id, version).await?;
                self.change_indexed(
                    community,
                    id,
                    "restore note version",
                    move |n: &mut Note| {
                        n.rename(&old.title)?;
                        n.edit_body(&NoteEdit::Replace(old.body.as_str().to_string()))
                    },
                )
                .await
            }
            DocRef::Case(id) => {
                let old = self.case_at(community, id, version).await?;
                self.change_indexed(
                    community,
                    id,
                    "restore case version",
                    move |c: &mut Case| {
                        c.restore(old);
                        Ok(())
                    },
                )
                .await
            }
        }
    }
}

/// Names the member behind each revision's device.
fn attribute(community: &Community, revisions: Vec<Revision>) -> Vec<HistoryEntry> {
    revisions
        .into_iter()
        .map(|revision| {
            let member = revision
                .device
                .as_ref()
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

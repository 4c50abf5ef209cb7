//! Renaming, archiving, deleting and restoring notes, cases, topics and gatherings, as
//! operations on [`Node`]. The rules are the model's ([`crate::model::lifecycle`]); a note's or
//! case's rename goes through `change_indexed`, like every change to those documents, and the
//! marks are changes to the community document.

use super::{Node, NodeError};
use crate::model::{
    Case, CaseId, CommentId, CommunityId, DocRef, GatheringId, Item, Note, TopicId,
};

impl Node {
    /// Renames a case.
    pub async fn rename_case(
        &self,
        community: &CommunityId,
        id: &CaseId,
        title: String,
    ) -> Result<(), NodeError> {
        self.change_indexed(community, id, "rename case", move |k: &mut Case| {
            k.rename(&title)
        })
        .await
    }

    /// Renames a topic.
    pub async fn rename_topic(
        &self,
        community: &CommunityId,
        id: &TopicId,
        title: String,
    ) -> Result<(), NodeError> {
        let id = id.clone();
        self.change_as_member(community, "rename topic", move |c, me, _| {
            c.rename_topic(&id, me, &title)
        })
        .await
    }

    /// Renames a gathering.
    pub async fn rename_gathering(
        &self,
        community: &CommunityId,
        id: &GatheringId,
        title: String,
    ) -> Result<(), NodeError> {
        let id = id.clone();
        self.change_as_member(community, "rename gathering", move |c, me, _| {
            c.rename_gathering(&id, me, &title)
        })
        .await
    }

    /// Renames any item, by its kind.
    pub async fn rename_item(
        &self,
        community: &CommunityId,
        item: &Item,
        title: String,
    ) -> Result<(), NodeError> {
        match item {
            Item::Note(id) => {
                self.change_indexed(community, id, "rename note", move |n: &mut Note| {
                    n.rename(&title)
                })
                .await
            }
            Item::Case(id) => self.rename_case(community, id, title).await,
            Item::Topic(id) => self.rename_topic(community, id, title).await,
            Item::Gathering(id) => self.rename_gathering(community, id, title).await,
        }
    }

    /// Deletes one of this member's comments on a note or a case.
    pub async fn delete_comment(
        &self,
        community: &CommunityId,
        doc: &DocRef,
        comment: &CommentId,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let comment = comment.clone();
        match doc {
            DocRef::Note(id) => {
                self.change_indexed(community, id, "delete comment", move |n: &mut Note| {
                    n.delete_comment(&comment, &me)
                })
                .await
            }
            DocRef::Case(id) => {
                self.change_indexed(community, id, "delete comment", move |k: &mut Case| {
                    k.delete_comment(&comment, &me)
                })
                .await
            }
        }
    }

    /// Archives an item for every member. Returns its title, and false if it already was.
    pub async fn archive(
        &self,
        community: &CommunityId,
        item: &Item,
    ) -> Result<(String, bool), NodeError> {
        let item = item.clone();
        self.change_as_member(community, "archive", move |c, me, now| {
            c.archive(&item, me, now)
        })
        .await
    }

    /// Takes an item out of the archive. Returns its title, and false if it was not archived.
    pub async fn unarchive(
        &self,
        community: &CommunityId,
        item: &Item,
    ) -> Result<(String, bool), NodeError> {
        let item = item.clone();
        self.change_as_member(community, "unarchive", move |c, me, _| {
            c.unarchive(&item, me)
        })
        .await
    }

    /// Deletes an item for every member, leaving a tombstone. Returns its title.
    pub async fn delete(&self, community: &CommunityId, item: &Item) -> Result<String, NodeError> {
        let item = item.clone();
        self.change_as_member(community, "delete", move |c, me, now| {
            c.delete(&item, me, now)
        })
        .await
    }

    /// Brings a deleted item back from its tombstone. Returns its title.
    pub async fn undelete(
        &self,
        community: &CommunityId,
        item: &Item,
    ) -> Result<String, NodeError> {
        let item = item.clone();
        self.change_as_member(community, "restore deleted", move |c, me, _| {
            c.restore_deleted(&item, me)
        })
        .await
    }
}

//! Which notes, cases, topics and gatherings this device has looked at, and so what is new to
//! it. Kept in the data folder's local table: read marks are per device and never synced.

use super::{Node, NodeError};
use crate::model::practice::unread::{self, ReadMarks, Unread};
use crate::model::{CommunityId, DocRef, Item, Timestamp};

fn prefix(community: &CommunityId) -> String {
    format!("read/{community}/")
}

impl Node {
    /// When this device last looked at each item of the community.
    pub fn read_marks(&self, community: &CommunityId) -> Result<ReadMarks, NodeError> {
        let prefix = prefix(community);
        Ok(self
            .inner
            .storage
            .local_with_prefix(&prefix)?
            .into_iter()
            .filter_map(|(key, at)| {
                let at = at.parse().ok().map(Timestamp)?;
                // A key this version cannot read (or a damaged one) is no mark at all.
                let item: Item = key.get(prefix.len()..)?.parse().ok()?;
                Some((item, at))
            })
            .collect())
    }

    /// Records that this device has seen the item as of its change at `seen` (the index
    /// entry's `updated_at`). Marks only move forward.
    pub fn mark_read(
        &self,
        community: &CommunityId,
        doc: &DocRef,
        seen: Timestamp,
    ) -> Result<(), NodeError> {
        self.mark_seen(community, &[(Item::from(doc.clone()), seen)])
    }

    /// Records that this device has seen each item as of the time given with it (its latest
    /// change). Marks only move forward.
    pub fn mark_seen(
        &self,
        community: &CommunityId,
        items: &[(Item, Timestamp)],
    ) -> Result<(), NodeError> {
        for (item, seen) in items {
            self.mark_one(community, item, *seen)?;
        }
        Ok(())
    }

    fn mark_one(
        &self,
        community: &CommunityId,
        item: &Item,
        seen: Timestamp,
    ) -> Result<(), NodeError> {
        // `note/<id>` or `case/<id>` (the keys read marks always had), `topic/<id>`,
        // `gathering/<id>`.
        let key = format!("{}{item}", prefix(community));
        let marked = self.inner.storage.get_local(&key)?;
        if marked
            .and_then(|at| at.parse().ok())
            .is_some_and(|at: i64| at >= seen.0)
        {
            return Ok(());
        }
        self.inner.storage.set_local(&key, &seen.0.to_string())?;
        Ok(())
    }

    /// Items changed by others since this device last looked, newest first.
    pub async fn unread(&self, community: &CommunityId) -> Result<Vec<Unread>, NodeError> {
        let me = self.me_reading(community).await?;
        let c = self.community(community).await?;
        Ok(unread::unread(&c, &me, &self.read_marks(community)?))
    }
}

//! Notifications on the [`Node`]: the rules of [`notifications`] run on the community and its
//! cases, with this device's settings (the kinds turned off) and when its list was last seen,
//! both kept in the local table: per device, never synced.

use std::collections::BTreeSet;

use super::{Node, NodeError};
use crate::model::practice::notifications::{self, Kind, Notification};
use crate::model::{CommunityId, Timestamp};

fn off_key(community: &CommunityId) -> String {
    format!("notifications/{community}/off")
}

fn seen_key(community: &CommunityId) -> String {
    format!("notifications/{community}/seen")
}

/// The in-app list: newest first, with how many came since it was last seen.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: usize,
    pub seen_at: Option<Timestamp>,
    /// The kinds turned off on this device.
    pub off: BTreeSet<Kind>,
    /// Why the desktop could not show notifications, if it could not (then this list is the
    /// one place they are).
    pub desktop_unavailable: Option<String>,
}

impl Node {
    /// The kinds turned off on this device.
    pub fn notifications_off(&self, community: &CommunityId) -> Result<BTreeSet<Kind>, NodeError> {
        Ok(self
            .inner
            .storage
            .get_local(&off_key(community))?
            .unwrap_or_default()
            .split(',')
            .filter_map(|k| k.parse().ok())
            .collect())
    }

    /// Turns a kind on or off on this device.
    pub fn set_notification(
        &self,
        community: &CommunityId,
        kind: Kind,
        on: bool,
    ) -> Result<(), NodeError> {
        let mut off = self.notifications_off(community)?;
        if on {
            off.remove(&kind);
        } else {
            off.insert(kind);
        }
        let text: Vec<String> = off.iter().map(|k| k.to_string()).collect();
        self.inner
            .storage
            .set_local(&off_key(community), &text.join(","))?;
        Ok(())
    }

    /// Everything this member would want to hear, newest first.
    pub async fn notifications(
        &self,
        community: &CommunityId,
    ) -> Result<NotificationList, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let c = self.community(community).await?;
        let mut cases = Vec::new();
        for id in c.cases.keys() {
            // A case not yet on this device has nothing to tell yet.
            if let Ok(case) = self.case(community, id).await {
                cases.push((id.clone(), case));
            }
        }
        let refs: Vec<_> = cases.iter().map(|(id, c)| (id.clone(), &**c)).collect();
        let off = self.notifications_off(community)?;
        let items = notifications::notifications(&c, &refs, &me, now, &off);
        let off = off.clone();
        let seen_at = self
            .inner
            .storage
            .get_local(&seen_key(community))?
            .and_then(|t| t.parse().ok())
            .map(Timestamp);
        let unread = items
            .iter()
            .filter(|n| seen_at.is_none_or(|seen| n.at > seen))
            .count();
        Ok(NotificationList {
            items,
            unread,
            seen_at,
            off,
            desktop_unavailable: self.desktop_notifications_unavailable(),
        })
    }

    /// Marks the list as seen now: what is in it stops counting as unread.
    pub fn mark_notifications_seen(&self, community: &CommunityId) -> Result<(), NodeError> {
        let now = self.now();
        self.inner
            .storage
            .set_local(&seen_key(community), &now.0.to_string())?;
        Ok(())
    }
}

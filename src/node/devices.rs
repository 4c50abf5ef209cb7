//! A member's own devices: linking one more (a device invite, which the new device redeems with
//! `join` like any invite and becomes one of *my* devices), listing them with when each was
//! last seen, and removing a lost one.

use std::time::Duration;

use super::{Node, NodeError, PeerStatus};
use crate::model::invite::DEVICE_INVITE_LIFETIME_MS;
use crate::model::{Community, CommunityId, DeviceId};
use crate::net::ticket::InviteTicket;

impl Node {
    /// A short-lived, single-use invite that links one more device to me (default 15 minutes),
    /// labelled `label` or by the name the new device sends; or, from a steward and
    /// `always_on`, that enrolls an always-on community device.
    pub async fn create_device_invite(
        &self,
        community: &CommunityId,
        label: Option<String>,
        expires_in: Option<Duration>,
        always_on: bool,
    ) -> Result<InviteTicket, NodeError> {
        let default = Duration::from_millis(DEVICE_INVITE_LIFETIME_MS.unsigned_abs());
        let ticket = self
            .create_invite(community, Some(expires_in.unwrap_or(default)), Some(1))
            .await?;
        let me = self.me(community).await?;
        let invite = ticket.invite.clone();
        self.update(community, "make device invite", move |c: &mut Community| {
            c.make_device_invite(&invite, &me, label.as_deref())?;
            if always_on {
                c.make_always_on(&invite, &me)?;
            }
            Ok(())
        })
        .await?;
        self.flush().await?;
        Ok(ticket)
    }

    /// My devices in `community`, this one first.
    pub async fn my_devices(&self, community: &CommunityId) -> Result<Vec<PeerStatus>, NodeError> {
        let me = self.me_reading(community).await?;
        let mut devices = self.peers(community).await?;
        devices.retain(|p| p.member == me);
        devices.sort_by_key(|d| (!d.this_device, d.added_at));
        Ok(devices)
    }

    /// Removes one of my other devices: it gets nothing further; I stay a member.
    pub async fn remove_device(
        &self,
        community: &CommunityId,
        device: &DeviceId,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let (device, current) = (device.clone(), self.device_id().clone());
        self.update(community, "remove device", move |c: &mut Community| {
            c.remove_device(&me, &device, &current)
        })
        .await?;
        if self.inner.network.is_some() {
            self.refresh_access(community).await?;
        }
        Ok(())
    }
}

//! A member's own devices: linking one more (a device invite, which the new device redeems with
//! `join` like any invite and becomes one of *my* devices), listing them with when each was
//! last seen, and removing a lost one.

use std::time::Duration;

use serde::Serialize;

use super::{Node, NodeError};
use crate::model::invite::DEVICE_INVITE_LIFETIME_MS;
use crate::model::{Community, CommunityId, DeviceId, Timestamp};
use crate::net::ticket::InviteTicket;

/// One of my devices, as seen from this one.
#[derive(Clone, Debug, Serialize)]
pub struct MyDevice {
    pub device: DeviceId,
    /// The label chosen when it was linked; `None` for the first device.
    pub label: Option<String>,
    pub added_at: Timestamp,
    pub this_device: bool,
    pub online: bool,
    pub last_seen: Option<Timestamp>,
}

impl MyDevice {
    /// The label, or what the device is when it has none.
    pub fn name(&self) -> String {
        match (&self.label, self.this_device) {
            (Some(label), _) => label.clone(),
            (None, true) => "This device".to_string(),
            (None, false) => "First device".to_string(),
        }
    }
}

impl Node {
    /// A short-lived, single-use invite that links one more device to me (default 15 minutes),
    /// labelled `label` or by the name the new device sends.
    pub async fn create_device_invite(
        &self,
        community: &CommunityId,
        label: Option<String>,
        expires_in: Option<Duration>,
    ) -> Result<InviteTicket, NodeError> {
        let default = Duration::from_millis(DEVICE_INVITE_LIFETIME_MS.unsigned_abs());
        let ticket = self
            .create_invite(community, Some(expires_in.unwrap_or(default)), Some(1))
            .await?;
        let me = self.me(community).await?;
        let invite = ticket.invite.clone();
        self.update(community, "make device invite", move |c: &mut Community| {
            c.make_device_invite(&invite, &me, label.as_deref())
        })
        .await?;
        self.flush().await?;
        Ok(ticket)
    }

    /// My devices in `community`, this one first.
    pub async fn my_devices(&self, community: &CommunityId) -> Result<Vec<MyDevice>, NodeError> {
        let me = self.me(community).await?;
        let mut devices: Vec<MyDevice> = self
            .peers(community)
            .await?
            .into_iter()
            .filter(|p| p.member == me)
            .map(|p| MyDevice {
                label: p.label,
                added_at: p.added_at,
                this_device: p.this_device,
                online: p.online,
                last_seen: p.last_seen,
                device: p.device,
            })
            .collect();
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

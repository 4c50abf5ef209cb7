//! Roles and governance from this device: the roster one row per person with their role and
//! devices, the community devices, changing a role, removing a member or a community device,
//! leaving, and the governance record. The rules themselves are the model's
//! ([`crate::model::member_role`], [`crate::model::governance`]).

use serde::Serialize;

use super::{Node, NodeError, PeerStatus};
use crate::model::{
    Community, CommunityId, DeviceId, InviteId, MemberId, MemberRole, ModelError, Record, RecordId,
    Timestamp,
};

/// One person on the roster, as Members and `copse member list` show them.
#[derive(Clone, Debug, Serialize)]
pub struct MemberRow {
    pub member: MemberId,
    pub name: String,
    pub role: MemberRole,
    /// The person using this device.
    pub me: bool,
    /// Their devices, the first linked first.
    pub devices: Vec<PeerStatus>,
}

/// An always-on community device, as Members ("Community devices") and `copse device list`
/// show it.
#[derive(Clone, Debug, Serialize)]
pub struct CommunityDeviceRow {
    pub device: DeviceId,
    pub label: String,
    pub added_by: String,
    pub added_at: Timestamp,
    pub this_device: bool,
    pub online: bool,
    pub last_seen: Option<Timestamp>,
}

impl Node {
    /// The roster, one row per person, stewards first, then by name.
    pub async fn members(&self, community: &CommunityId) -> Result<Vec<MemberRow>, NodeError> {
        let c = self.community(community).await?;
        let me = self.me_in(&c);
        let mut peers = self.peers(community).await?;
        peers.sort_by_key(|p| p.added_at);
        let mut rows: Vec<MemberRow> = c
            .members
            .iter()
            .map(|(id, m)| MemberRow {
                member: id.clone(),
                name: m.name.clone(),
                role: c.role_of(id).unwrap_or(MemberRole::Member),
                me: id == &me,
                devices: peers.iter().filter(|p| &p.member == id).cloned().collect(),
            })
            .collect();
        rows.sort_by_key(|r| (r.role, r.name.to_lowercase()));
        Ok(rows)
    }

    /// The community's always-on devices.
    pub async fn community_devices(
        &self,
        community: &CommunityId,
    ) -> Result<Vec<CommunityDeviceRow>, NodeError> {
        let c = self.community(community).await?;
        let online = self.connected_devices();
        let mut rows = Vec::new();
        for (device, d) in &c.community_devices {
            rows.push(CommunityDeviceRow {
                device: device.clone(),
                label: d.label.clone(),
                added_by: c.display_name(&d.added_by),
                added_at: d.added_at,
                this_device: device == self.device_id(),
                online: online.contains(device.as_str()),
                last_seen: self.last_seen(device)?,
            });
        }
        Ok(rows)
    }

    /// When `device` was last connected to this one.
    pub(crate) fn last_seen(&self, device: &DeviceId) -> Result<Option<Timestamp>, NodeError> {
        Ok(self
            .inner
            .storage
            .get_local(&super::network::seen_key(device))?
            .and_then(|v| v.parse().ok())
            .map(Timestamp))
    }

    /// A steward gives `member` a new role.
    pub async fn set_role(
        &self,
        community: &CommunityId,
        member: &MemberId,
        role: MemberRole,
        reason: Option<String>,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let (member, now) = (member.clone(), self.now());
        self.update(community, "change role", move |c: &mut Community| {
            c.set_role(
                RecordId::new_random(),
                &me,
                &member,
                role,
                reason.as_deref(),
                now,
            )
        })
        .await?;
        self.flush().await?;
        self.after_roster_change(community).await
    }

    /// Withdraws an invite (one's own, or any for a steward): it admits nobody more. Recorded
    /// with who, when and the reason.
    pub async fn revoke_invite(
        &self,
        community: &CommunityId,
        invite: &InviteId,
        reason: Option<String>,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let (invite, now) = (invite.clone(), self.now());
        self.update(community, "revoke invite", move |c: &mut Community| {
            c.revoke_invite(RecordId::new_random(), &invite, &me, reason.as_deref(), now)
        })
        .await?;
        self.flush().await
    }

    /// A steward's setting: whether members (not only stewards) may make invites.
    pub async fn set_members_may_invite(
        &self,
        community: &CommunityId,
        allowed: bool,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        self.update(
            community,
            "change who may invite",
            move |c: &mut Community| c.set_members_may_invite(&me, allowed),
        )
        .await?;
        self.flush().await
    }

    /// A steward removes a member. They keep what they already had, but receive no further
    /// changes and can send none.
    pub async fn remove_member(
        &self,
        community: &CommunityId,
        member: &MemberId,
        reason: Option<String>,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        if &me == member {
            return Err(ModelError::InviteLimit(
                "to leave the community yourself, use `copse member leave` (Members → Leave…)",
            )
            .into());
        }
        let (member, now) = (member.clone(), self.now());
        self.update(community, "remove member", move |c: &mut Community| {
            c.remove_member(RecordId::new_random(), &me, &member, reason.as_deref(), now)
        })
        .await?;
        self.flush().await?;
        self.after_roster_change(community).await
    }

    /// A steward removes an always-on community device: it gets nothing further.
    pub async fn remove_community_device(
        &self,
        community: &CommunityId,
        device: &DeviceId,
        reason: Option<String>,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let (device, now) = (device.clone(), self.now());
        self.update(
            community,
            "remove community device",
            move |c: &mut Community| {
                c.remove_community_device(
                    RecordId::new_random(),
                    &me,
                    &device,
                    reason.as_deref(),
                    now,
                )
            },
        )
        .await?;
        self.flush().await?;
        self.after_roster_change(community).await
    }

    /// Leaves the community: this person's devices come off the roster (recorded as "left").
    /// The change is on disk when this returns; it reaches the others at the next sync (the
    /// caller syncs before closing, while this device is still admitted).
    pub async fn leave(&self, community: &CommunityId) -> Result<(), NodeError> {
        let me = self.me_reading(community).await?;
        let now = self.now();
        self.update(community, "leave", move |c: &mut Community| {
            c.remove_member(RecordId::new_random(), &me, &me, None, now)
        })
        .await?;
        self.flush().await?;
        Ok(())
    }

    /// The governance record, newest first.
    pub async fn records(&self, community: &CommunityId) -> Result<Vec<Record>, NodeError> {
        let c = self.community(community).await?;
        Ok(c.records_newest_first()
            .into_iter()
            .map(|(_, r)| r.clone())
            .collect())
    }

    async fn after_roster_change(&self, community: &CommunityId) -> Result<(), NodeError> {
        if self.inner.network.is_some() {
            self.refresh_access(community).await?;
        }
        Ok(())
    }
}

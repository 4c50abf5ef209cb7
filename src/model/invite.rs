//! Invites: how a newcomer is admitted to a community.
//!
//! An invite lives in the community document with its limits and its uses; its secret does not.
//! Only the SHA-256 of the secret is stored, so nobody who reads the document (every member, or a
//! removed member's old copy) can redeem an invite from it. The secret travels in the ticket
//! (`crate::net::ticket`), and the joiner proves it to a member who admits them.
//!
//! Uses are keyed by member, so two devices admitting two newcomers with the same invite at the
//! same time never conflict. The price, accepted and visible: under a partition, a single-use
//! invite redeemed on two devices admits both newcomers, and its `uses` then lists both.
//!
//! Pure: no IO. The time and new ids are passed in.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::governance::{Record, RecordKind};
use crate::model::{
    Community, CommunityDevice, DeviceId, InviteId, Member, MemberId, MemberRole, ModelError,
    RecordId, Timestamp, limits,
};

/// The longest an invite may stay valid: ten years, leap days included. A longer expiry is a
/// typo (`99999999999d`), and far enough out it would overflow into the past.
pub const MAX_LIFETIME_MS: i64 = 3_653 * 24 * 60 * 60 * 1000;

/// An invite to join a community, as the community document keeps it.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Invite {
    /// Lowercase hex of the SHA-256 of the secret; the secret itself is never stored.
    pub secret_hash: String,
    pub created_by: MemberId,
    pub created_at: Timestamp,
    /// When the invite stops admitting anyone; `None` never expires.
    #[autosurgeon(missing = "Default::default")]
    pub expires_at: Option<Timestamp>,
    /// How many people the invite admits; `None` is unlimited.
    #[autosurgeon(missing = "Default::default")]
    pub max_uses: Option<u32>,
    /// Who joined with it, and when.
    #[autosurgeon(missing = "Default::default")]
    pub uses: BTreeMap<MemberId, Timestamp>,
    /// Withdrawn by a member, or its creator was removed.
    #[autosurgeon(missing = "Default::default")]
    pub revoked: bool,
    /// A device invite: it links one more device to this member instead of admitting a new
    /// member. `None` for an invite to a newcomer.
    #[autosurgeon(missing = "Default::default")]
    pub for_member: Option<MemberId>,
    /// The label a device invite gives the new device; `None`: the name the device sends.
    #[autosurgeon(missing = "Default::default")]
    pub device_label: Option<String>,
    /// The role a newcomer admitted with it gets; `None` is member.
    #[autosurgeon(missing = "Default::default")]
    pub role: Option<MemberRole>,
    /// A device invite made by a steward for an always-on community device (listed under
    /// community devices, not under the steward).
    #[autosurgeon(missing = "Default::default")]
    pub always_on: bool,
}

/// How long a device invite stays valid unless asked otherwise: long enough to walk to the
/// other computer, short enough that a forgotten one is no risk.
pub const DEVICE_INVITE_LIFETIME_MS: i64 = 15 * 60 * 1000;

/// Whether an invite still admits anyone, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum InviteStatus {
    Open,
    Revoked,
    Expired,
    Spent,
}

impl InviteStatus {
    /// The state in a member's words: "open", "withdrawn", "expired", "used up".
    pub fn in_words(self) -> &'static str {
        match self {
            InviteStatus::Open => "open",
            InviteStatus::Revoked => "withdrawn",
            InviteStatus::Expired => "expired",
            InviteStatus::Spent => "used up",
        }
    }
}

impl Invite {
    /// The invite's state at `now`. Revocation wins over expiry, which wins over being spent.
    pub fn status(&self, now: Timestamp) -> InviteStatus {
        if self.revoked {
            InviteStatus::Revoked
        } else if self.expires_at.is_some_and(|at| now >= at) {
            InviteStatus::Expired
        } else if self.remaining_uses() == Some(0) {
            InviteStatus::Spent
        } else {
            InviteStatus::Open
        }
    }

    /// How many more people it admits; `None` is unlimited.
    pub fn remaining_uses(&self) -> Option<u32> {
        let used = u32::try_from(self.uses.len()).unwrap_or(u32::MAX);
        self.max_uses.map(|max| max.saturating_sub(used))
    }

    fn matches(&self, hash: &str) -> bool {
        constant_time_eq(self.secret_hash.as_bytes(), hash.as_bytes())
    }
}

/// Lowercase hex of the SHA-256 of an invite secret, as stored in [`Invite::secret_hash`].
pub fn hash_secret(secret: &[u8; 32]) -> String {
    Sha256::digest(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares without stopping at the first difference, so timing says nothing about how much of
/// a guessed hash was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

impl Community {
    /// Records a new invite made by a member. Its secret is chosen by the caller (see
    /// `crate::net::ticket::new_secret`) and only its hash is kept.
    pub fn create_invite(
        &mut self,
        id: InviteId,
        by: &MemberId,
        secret: &[u8; 32],
        now: Timestamp,
        expires_at: Option<Timestamp>,
        max_uses: Option<u32>,
    ) -> Result<InviteId, ModelError> {
        self.require_member(by)?;
        if self.stewards_only_invite {
            self.require_steward(by, "make an invite in this community")?;
        }
        if max_uses == Some(0) {
            return Err(ModelError::InviteLimit(
                "an invite must allow at least one use",
            ));
        }
        if expires_at.is_some_and(|at| at <= now) {
            return Err(ModelError::InviteLimit(
                "an invite's expiry must be in the future",
            ));
        }
        if expires_at.is_some_and(|at| at.0.saturating_sub(now.0) > MAX_LIFETIME_MS) {
            return Err(ModelError::InviteLimit(
                "an invite can stay valid for at most 10 years",
            ));
        }
        let secret_hash = hash_secret(secret);
        if self.invites.contains_key(&id) || self.find_invite(&secret_hash).is_some() {
            return Err(ModelError::DuplicateInvite);
        }
        self.invites.insert(
            id.clone(),
            Invite {
                secret_hash,
                created_by: by.clone(),
                created_at: now,
                expires_at,
                max_uses,
                uses: BTreeMap::new(),
                revoked: false,
                for_member: None,
                device_label: None,
                role: None,
                always_on: false,
            },
        );
        Ok(id)
    }

    /// Sets the role the invite `id`, which `by` created, grants: a steward invite needs a
    /// steward.
    pub fn set_invite_role(
        &mut self,
        id: &InviteId,
        by: &MemberId,
        role: MemberRole,
    ) -> Result<(), ModelError> {
        if role == MemberRole::Steward && self.role_of(by) != Some(MemberRole::Steward) {
            return Err(ModelError::StewardInvite);
        }
        let invite = self
            .invites
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchInvite(id.to_string()))?;
        if &invite.created_by != by {
            return Err(ModelError::NoSuchInvite(id.to_string()));
        }
        invite.role = Some(role);
        Ok(())
    }

    /// Makes the single-use device invite `id` enroll an always-on community device instead of
    /// one of `by`'s own devices. Stewards only.
    pub fn make_always_on(&mut self, id: &InviteId, by: &MemberId) -> Result<(), ModelError> {
        if self.role_of(by) != Some(MemberRole::Steward) {
            return Err(ModelError::StewardInvite);
        }
        let invite = self
            .invites
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchInvite(id.to_string()))?;
        if invite.for_member.as_ref() != Some(by) {
            return Err(ModelError::InviteLimit(
                "an always-on device is enrolled with one's own device invite",
            ));
        }
        invite.always_on = true;
        Ok(())
    }

    /// Makes the invite `id`, which `by` created for one use, a device invite: it links one
    /// more device to `by` (labelled `label`, or by the name the device sends when it joins)
    /// instead of admitting a newcomer.
    pub fn make_device_invite(
        &mut self,
        id: &InviteId,
        by: &MemberId,
        label: Option<&str>,
    ) -> Result<(), ModelError> {
        let label = label
            .map(|l| limits::title("a device label", l))
            .transpose()?;
        let invite = self
            .invites
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchInvite(id.to_string()))?;
        if &invite.created_by != by || invite.max_uses != Some(1) {
            return Err(ModelError::InviteLimit(
                "a device invite is made from one's own single-use invite",
            ));
        }
        invite.for_member = Some(by.clone());
        invite.device_label = label;
        Ok(())
    }

    /// Removes one of `by`'s devices (a lost or sold laptop): it gets nothing further, exactly
    /// like a removed member's, and the person stays a member. `current` is the device making
    /// the change, which cannot remove itself.
    pub fn remove_device(
        &mut self,
        by: &MemberId,
        device: &DeviceId,
        current: &DeviceId,
    ) -> Result<(), ModelError> {
        if device == current {
            return Err(ModelError::ThisDevice);
        }
        let member = self
            .members
            .get_mut(by)
            .ok_or_else(|| ModelError::NotAMember(by.to_string()))?;
        if member.devices.remove(device).is_none() {
            return Err(ModelError::NotYourDevice);
        }
        // What the device could redeem, it no longer may.
        for invite in self.invites.values_mut() {
            let used_by_it = invite.uses.keys().any(|m| m.as_str() == device.as_str());
            if used_by_it && invite.for_member.is_none() && !invite.revoked {
                invite.revoked = true;
            }
        }
        Ok(())
    }

    /// Admits the device `joiner_device` (an iroh endpoint id, authenticated by the caller) as a
    /// new member named `name`, if `secret` belongs to an open invite of this community. The new
    /// member's id is the device's endpoint id. Returns the member id.
    ///
    /// A device that is already a member succeeds again without using the invite up, so a join
    /// whose answer was lost can simply be retried. A secret matching no invite is refused with
    /// the same words whether or not such an invite ever existed.
    pub fn redeem_invite(
        &mut self,
        secret: &[u8; 32],
        joiner_device: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<MemberId, ModelError> {
        let invite_id = self
            .find_invite(&hash_secret(secret))
            .ok_or(ModelError::InviteInvalid)?;
        let device = DeviceId::from(joiner_device.to_string());
        if let Some(existing) = self.member_for_device(&device) {
            return Ok(existing.clone());
        }
        if self.community_devices.contains_key(&device) {
            return joiner_device.parse();
        }
        let member_id: MemberId = joiner_device.parse()?;
        let invite = self
            .invites
            .get(&invite_id)
            .ok_or(ModelError::InviteInvalid)?;
        if self.members.contains_key(&member_id) && invite.for_member.is_none() {
            return Ok(member_id);
        }
        // An invite from someone no longer on the roster admits nobody, even one created
        // concurrently with its creator's removal.
        if !self.members.contains_key(&invite.created_by) {
            return Err(ModelError::InviteRevoked);
        }
        match invite.status(now) {
            InviteStatus::Open => {}
            InviteStatus::Revoked => return Err(ModelError::InviteRevoked),
            InviteStatus::Expired => return Err(ModelError::InviteExpired),
            InviteStatus::Spent => return Err(ModelError::InviteSpent),
        }
        if let Some(owner) = invite.for_member.clone() {
            return self.link_device(&invite_id, &owner, joiner_device, name, now);
        }
        let mut member = Member::new(name, joiner_device, now)?;
        member.role = Some(invite.role.unwrap_or(MemberRole::Member));
        self.members.insert(member_id.clone(), member);
        if let Some(invite) = self.invites.get_mut(&invite_id) {
            invite.uses.insert(member_id.clone(), now);
        }
        Ok(member_id)
    }

    /// Redeems the device invite `invite_id`: `device` becomes one of `owner`'s devices.
    fn link_device(
        &mut self,
        invite_id: &InviteId,
        owner: &MemberId,
        device: &str,
        sent_name: &str,
        now: Timestamp,
    ) -> Result<MemberId, ModelError> {
        let invite = self
            .invites
            .get_mut(invite_id)
            .ok_or(ModelError::InviteInvalid)?;
        let label = match &invite.device_label {
            Some(label) => label.clone(),
            None => limits::title("a device label", sent_name)?,
        };
        let used_as: MemberId = device.parse()?;
        if invite.always_on {
            self.community_devices.insert(
                DeviceId::from(device.to_string()),
                CommunityDevice {
                    label,
                    added_by: owner.clone(),
                    added_at: now,
                },
            );
            invite.uses.insert(used_as.clone(), now);
            return Ok(used_as);
        }
        let member = self
            .members
            .get_mut(owner)
            .ok_or(ModelError::InviteRevoked)?;
        member.devices.insert(
            DeviceId::from(device.to_string()),
            crate::model::Device {
                added_at: now,
                label: Some(label),
            },
        );
        invite.uses.insert(used_as, now);
        Ok(owner.clone())
    }

    /// Withdraws an invite so it admits nobody more, recorded with who and when. A member
    /// revokes their own invites, a steward any; revoking twice is harmless.
    pub fn revoke_invite(
        &mut self,
        record: RecordId,
        id: &InviteId,
        by: &MemberId,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        let invite = self
            .invites
            .get(id)
            .ok_or_else(|| ModelError::NoSuchInvite(id.to_string()))?;
        if &invite.created_by != by {
            self.require_steward(by, "revoke another member's invite")?;
        }
        if invite.revoked {
            return Ok(());
        }
        let mut entry = Record::new(RecordKind::InviteRevoked, by, now, reason)?;
        entry.invite = Some(id.clone());
        if let Some(invite) = self.invites.get_mut(id) {
            invite.revoked = true;
        }
        self.record(record, entry);
        Ok(())
    }

    /// A steward's setting: whether members (not only stewards) may make invites.
    pub fn set_members_may_invite(
        &mut self,
        by: &MemberId,
        allowed: bool,
    ) -> Result<(), ModelError> {
        self.require_steward(by, "change who may invite")?;
        self.stewards_only_invite = !allowed;
        Ok(())
    }

    /// Whether `who` may make an invite now (a member of the roster, and a steward when only
    /// stewards invite).
    pub fn may_invite(&self, who: &MemberId) -> bool {
        match self.role_of(who) {
            Some(MemberRole::Steward) => true,
            Some(MemberRole::Member) => !self.stewards_only_invite,
            Some(MemberRole::Reader) | None => false,
        }
    }

    /// Whether `who` may withdraw the invite `invite`: its maker, or a steward.
    pub fn may_revoke(&self, who: &MemberId, invite: &Invite) -> bool {
        &invite.created_by == who || self.role_of(who) == Some(MemberRole::Steward)
    }

    /// The invite whose secret has this hash. Looks at every invite, whichever matches.
    fn find_invite(&self, secret_hash: &str) -> Option<InviteId> {
        let mut found = None;
        for (id, invite) in &self.invites {
            if invite.matches(secret_hash) && found.is_none() {
                found = Some(id);
            }
        }
        found.cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::change;

    const SECRET: [u8; 32] = [7; 32];
    const OTHER: [u8; 32] = [8; 32];

    use crate::model::fixtures::id;

    fn invite_id(s: &str) -> InviteId {
        InviteId::from(s.to_string())
    }

    fn community() -> Community {
        crate::model::fixtures::gardeners()
    }

    /// Ada's single-use invite made at `at`, valid for the device default, made a device invite.
    fn device_invite(
        c: &mut Community,
        name: &str,
        secret: &[u8; 32],
        at: i64,
        label: Option<&str>,
    ) {
        let expiry = Timestamp(at + DEVICE_INVITE_LIFETIME_MS);
        c.create_invite(
            invite_id(name),
            &id("ada"),
            secret,
            Timestamp(at),
            Some(expiry),
            Some(1),
        )
        .unwrap();
        c.make_device_invite(&invite_id(name), &id("ada"), label)
            .unwrap();
    }

    #[test]
    fn a_device_invite_links_one_more_device_to_the_same_member_once() {
        let mut c = community();
        device_invite(&mut c, "d1", &SECRET, 10, Some("Desktop"));
        let who = c
            .redeem_invite(&SECRET, "ada-desktop", "ignored", Timestamp(20))
            .unwrap();
        assert_eq!(who, id("ada"), "the same person, not a new member");
        assert_eq!(c.members.len(), 1);
        let device = &c.members[&id("ada")].devices[&DeviceId::from("ada-desktop".to_string())];
        assert_eq!(device.label.as_deref(), Some("Desktop"));
        assert_eq!(
            c.member_for_device(&DeviceId::from("ada-desktop".to_string())),
            Some(&id("ada"))
        );
        // Retrying the same device is fine; a second device is refused: single use.
        assert_eq!(
            c.redeem_invite(&SECRET, "ada-desktop", "x", Timestamp(21)),
            Ok(id("ada"))
        );
        assert_eq!(
            c.redeem_invite(&SECRET, "someone-else", "Eve", Timestamp(22)),
            Err(ModelError::InviteSpent)
        );
        assert!(
            c.authorized_devices()
                .contains(&DeviceId::from("ada-desktop".to_string()))
        );
    }

    #[test]
    fn a_device_invite_expires_and_a_removed_device_gets_nothing_further() {
        let mut c = community();
        let expiry = Timestamp(10 + DEVICE_INVITE_LIFETIME_MS);
        device_invite(&mut c, "d1", &SECRET, 10, None);
        assert_eq!(
            c.make_device_invite(&invite_id("d1"), &id("bob"), None),
            Err(ModelError::InviteLimit(
                "a device invite is made from one's own single-use invite"
            ))
        );
        assert_eq!(
            c.redeem_invite(&SECRET, "late", "Laptop", expiry),
            Err(ModelError::InviteExpired)
        );
        device_invite(&mut c, "d2", &OTHER, 20, None);
        c.redeem_invite(&OTHER, "ada-laptop", "Laptop", Timestamp(30))
            .unwrap();
        let laptop = DeviceId::from("ada-laptop".to_string());
        assert_eq!(
            c.members[&id("ada")].devices[&laptop].label.as_deref(),
            Some("Laptop"),
            "labelled by the name the device sent"
        );
        let here = DeviceId::from("ada".to_string());
        assert_eq!(
            c.remove_device(&id("ada"), &here, &here),
            Err(ModelError::ThisDevice)
        );
        c.remove_device(&id("ada"), &laptop, &here).unwrap();
        assert!(!c.authorized_devices().contains(&laptop));
        assert_eq!(c.members.len(), 1, "the person stays a member");
        assert_eq!(
            c.remove_device(&id("ada"), &laptop, &here),
            Err(ModelError::NotYourDevice)
        );
    }

    fn with_invite(expires_at: Option<Timestamp>, max_uses: Option<u32>) -> Community {
        let mut c = community();
        c.create_invite(
            invite_id("i1"),
            &id("ada"),
            &SECRET,
            Timestamp(10),
            expires_at,
            max_uses,
        )
        .unwrap();
        c
    }

    #[test]
    fn only_the_hash_of_the_secret_is_kept() {
        let c = with_invite(None, None);
        let invite = &c.invites[&invite_id("i1")];
        assert_eq!(invite.secret_hash, hash_secret(&SECRET));
        assert_eq!(invite.secret_hash.len(), 64);
        let saved = change::create(&c, "c", Timestamp(10)).unwrap().save();
        assert!(!saved.windows(32).any(|w| w == SECRET));
        let hex: String = SECRET.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!saved.windows(64).any(|w| w == hex.as_bytes()));
    }

    #[test]
    fn an_invite_lasts_at_most_ten_years() {
        let mut c = community();
        let expiring = |ms: i64| Some(Timestamp(10_i64.saturating_add(ms)));
        for too_long in [MAX_LIFETIME_MS + 1, i64::MAX] {
            let err = c
                .create_invite(
                    InviteId::new_random(),
                    &id("ada"),
                    &[7; 32],
                    Timestamp(10),
                    expiring(too_long),
                    None,
                )
                .unwrap_err();
            assert_eq!(
                err.to_string(),
                "an invite can stay valid for at most 10 years"
            );
        }
        c.create_invite(
            InviteId::new_random(),
            &id("ada"),
            &[8; 32],
            Timestamp(10),
            expiring(MAX_LIFETIME_MS),
            None,
        )
        .unwrap();
    }

    #[test]
    fn creating_an_invite_checks_member_and_limits() {
        let mut c = community();
        let make = |c: &mut Community, by: &str, secret, expires, uses| {
            c.create_invite(
                InviteId::new_random(),
                &id(by),
                secret,
                Timestamp(10),
                expires,
                uses,
            )
        };
        assert_eq!(
            make(&mut c, "mallory", &SECRET, None, None),
            Err(ModelError::NotAMember("mallory".into()))
        );
        assert!(matches!(
            make(&mut c, "ada", &SECRET, None, Some(0)),
            Err(ModelError::InviteLimit(_))
        ));
        assert!(matches!(
            make(&mut c, "ada", &SECRET, Some(Timestamp(10)), None),
            Err(ModelError::InviteLimit(_))
        ));
        make(&mut c, "ada", &SECRET, Some(Timestamp(11)), Some(1)).unwrap();
        assert_eq!(
            make(&mut c, "ada", &SECRET, None, None),
            Err(ModelError::DuplicateInvite),
            "a second invite with the same secret would be ambiguous"
        );
        assert_eq!(c.invites.len(), 1);
    }

    #[test]
    fn a_steward_can_keep_invites_to_stewards_and_members_withdraw_only_their_own() {
        let mut c = with_invite(None, None);
        let bob = c
            .redeem_invite(&SECRET, "bobdev", "Bob", Timestamp(20))
            .unwrap();
        assert!(c.may_invite(&bob), "members invite by default");
        let err = c.set_members_may_invite(&bob, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "only a steward can change who may invite; ask Ada"
        );
        c.set_members_may_invite(&id("ada"), false).unwrap();
        assert!(!c.may_invite(&bob) && c.may_invite(&id("ada")));
        let err = c
            .create_invite(invite_id("i2"), &bob, &OTHER, Timestamp(30), None, None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "only a steward can make an invite in this community; ask Ada"
        );
        c.set_members_may_invite(&id("ada"), true).unwrap();
        c.create_invite(invite_id("i2"), &bob, &OTHER, Timestamp(30), None, None)
            .unwrap();

        // Ada's invite is not Bob's to withdraw; his own is, and Ada may withdraw any.
        let adas = c.invites[&invite_id("i1")].clone();
        let bobs = c.invites[&invite_id("i2")].clone();
        assert!(!c.may_revoke(&bob, &adas) && c.may_revoke(&bob, &bobs));
        assert!(c.may_revoke(&id("ada"), &bobs));
        let err = c
            .revoke_invite(
                RecordId::from("r1".to_string()),
                &invite_id("i1"),
                &bob,
                None,
                Timestamp(40),
            )
            .unwrap_err();
        assert!(err.to_string().starts_with("only a steward can"), "{err}");
        c.revoke_invite(
            RecordId::from("r2".to_string()),
            &invite_id("i1"),
            &id("ada"),
            Some("posted publicly"),
            Timestamp(40),
        )
        .unwrap();
        assert_eq!(
            c.invites[&invite_id("i1")].status(Timestamp(41)),
            InviteStatus::Revoked
        );
        assert!(
            c.redeem_invite(&SECRET, "evedev", "Eve", Timestamp(42))
                .is_err(),
            "a withdrawn invite admits nobody"
        );
    }

    #[test]
    fn redeeming_adds_the_device_as_a_member_and_records_the_use() {
        let mut c = with_invite(None, None);
        let m = c
            .redeem_invite(&SECRET, "bobdev", "Bob", Timestamp(20))
            .unwrap();
        assert_eq!(m, id("bobdev"));
        assert_eq!(c.members[&m].name, "Bob");
        assert!(
            c.members[&m]
                .devices
                .contains_key(&DeviceId::from("bobdev".to_string()))
        );
        assert_eq!(
            c.invites[&invite_id("i1")].uses,
            BTreeMap::from([(m, Timestamp(20))])
        );
    }

    #[test]
    fn a_wrong_secret_is_refused_without_saying_more() {
        let mut c = with_invite(None, None);
        let before = c.clone();
        let err = c
            .redeem_invite(&OTHER, "bobdev", "Bob", Timestamp(20))
            .unwrap_err();
        assert_eq!(err, ModelError::InviteInvalid);
        assert_eq!(
            err.to_string(),
            "this invite is not valid for this community"
        );
        assert_eq!(c.members.len(), before.members.len());
        // A community with no invites at all says the same.
        assert_eq!(
            community().redeem_invite(&SECRET, "bobdev", "Bob", Timestamp(20)),
            Err(ModelError::InviteInvalid)
        );
    }

    #[test]
    fn an_expired_invite_is_refused() {
        let mut c = with_invite(Some(Timestamp(100)), None);
        c.redeem_invite(&SECRET, "early", "Early", Timestamp(99))
            .unwrap();
        assert_eq!(
            c.redeem_invite(&SECRET, "late", "Late", Timestamp(100)),
            Err(ModelError::InviteExpired)
        );
        assert!(!c.members.contains_key(&id("late")));
    }

    #[test]
    fn an_invite_is_spent_after_its_max_uses() {
        let mut c = with_invite(None, Some(2));
        c.redeem_invite(&SECRET, "b", "B", Timestamp(20)).unwrap();
        assert_eq!(
            c.invites[&invite_id("i1")].status(Timestamp(20)),
            InviteStatus::Open
        );
        c.redeem_invite(&SECRET, "c", "C", Timestamp(21)).unwrap();
        let invite = &c.invites[&invite_id("i1")];
        assert_eq!(invite.status(Timestamp(21)), InviteStatus::Spent);
        assert_eq!(invite.remaining_uses(), Some(0));
        assert_eq!(
            c.redeem_invite(&SECRET, "d", "D", Timestamp(22)),
            Err(ModelError::InviteSpent)
        );
        assert_eq!(c.members.len(), 3);
    }

    #[test]
    fn a_revoked_invite_is_refused() {
        let mut c = with_invite(None, None);
        assert_eq!(
            c.revoke_invite(
                RecordId::new_random(),
                &invite_id("i1"),
                &id("mallory"),
                None,
                Timestamp(9)
            ),
            Err(ModelError::NotAMember("mallory".into()))
        );
        assert_eq!(
            c.revoke_invite(
                RecordId::new_random(),
                &invite_id("nope"),
                &id("ada"),
                None,
                Timestamp(9)
            ),
            Err(ModelError::NoSuchInvite("nope".into()))
        );
        c.revoke_invite(
            RecordId::new_random(),
            &invite_id("i1"),
            &id("ada"),
            None,
            Timestamp(9),
        )
        .unwrap();
        c.revoke_invite(
            RecordId::new_random(),
            &invite_id("i1"),
            &id("ada"),
            None,
            Timestamp(9),
        )
        .unwrap();
        assert_eq!(
            c.redeem_invite(&SECRET, "b", "B", Timestamp(20)),
            Err(ModelError::InviteRevoked)
        );
    }

    #[test]
    fn a_retried_join_succeeds_without_using_the_invite_again() {
        let mut c = with_invite(None, Some(1));
        let first = c.redeem_invite(&SECRET, "b", "B", Timestamp(20)).unwrap();
        // The answer was lost; the same device tries again with the now spent invite.
        let again = c
            .redeem_invite(&SECRET, "b", "B again", Timestamp(30))
            .unwrap();
        assert_eq!(first, again);
        let invite = &c.invites[&invite_id("i1")];
        assert_eq!(invite.uses.len(), 1);
        assert_eq!(invite.uses[&first], Timestamp(20));
        assert_eq!(c.members[&first].name, "B", "a retry changes nothing");
        // Another device is still refused, and a retry still needs the right secret.
        assert_eq!(
            c.redeem_invite(&SECRET, "c", "C", Timestamp(31)),
            Err(ModelError::InviteSpent)
        );
        assert_eq!(
            c.redeem_invite(&OTHER, "b", "B", Timestamp(31)),
            Err(ModelError::InviteInvalid)
        );
    }

    #[test]
    fn a_joiner_needs_a_name_and_a_valid_device_id() {
        let mut c = with_invite(None, None);
        assert!(matches!(
            c.redeem_invite(&SECRET, "b", "  ", Timestamp(20)),
            Err(ModelError::Empty { .. })
        ));
        assert!(matches!(
            c.redeem_invite(&SECRET, "has space", "B", Timestamp(20)),
            Err(ModelError::InvalidId { .. })
        ));
        assert!(c.invites[&invite_id("i1")].uses.is_empty());
    }

    #[test]
    fn removing_a_member_revokes_the_invites_they_know_so_they_cannot_come_back() {
        let mut c = with_invite(None, None);
        c.redeem_invite(&SECRET, "bob", "Bob", Timestamp(20))
            .unwrap();
        c.create_invite(
            invite_id("bobs"),
            &id("bob"),
            &OTHER,
            Timestamp(21),
            None,
            None,
        )
        .unwrap();
        let third: [u8; 32] = [9; 32];
        c.create_invite(
            invite_id("unrelated"),
            &id("ada"),
            &third,
            Timestamp(21),
            None,
            None,
        )
        .unwrap();
        c.remove_member(
            RecordId::new_random(),
            &id("ada"),
            &id("bob"),
            None,
            Timestamp(9),
        )
        .unwrap();
        assert!(c.invites[&invite_id("bobs")].revoked, "he created it");
        assert!(c.invites[&invite_id("i1")].revoked, "he joined with it");
        assert!(!c.invites[&invite_id("unrelated")].revoked);
        for (secret, device) in [(&OTHER, "bob"), (&SECRET, "bob"), (&SECRET, "bob-new")] {
            assert_eq!(
                c.redeem_invite(secret, device, "Bob", Timestamp(22)),
                Err(ModelError::InviteRevoked)
            );
        }
        assert!(!c.members.contains_key(&id("bob")));
    }

    #[test]
    fn an_invite_whose_creator_left_admits_nobody() {
        let mut c = with_invite(None, None);
        c.redeem_invite(&SECRET, "bob", "Bob", Timestamp(20))
            .unwrap();
        // As if Bob's invite had been made concurrently with his removal, then merged.
        c.create_invite(
            invite_id("bobs"),
            &id("bob"),
            &OTHER,
            Timestamp(21),
            None,
            None,
        )
        .unwrap();
        c.members.remove(&id("bob"));
        assert!(!c.invites[&invite_id("bobs")].revoked);
        assert_eq!(
            c.redeem_invite(&OTHER, "eve", "Eve", Timestamp(22)),
            Err(ModelError::InviteRevoked)
        );
    }

    #[test]
    fn invites_round_trip_through_a_document() {
        let mut c = with_invite(Some(Timestamp(500)), Some(3));
        c.create_invite(
            invite_id("open"),
            &id("ada"),
            &OTHER,
            Timestamp(11),
            None,
            None,
        )
        .unwrap();
        c.redeem_invite(&SECRET, "b", "B", Timestamp(20)).unwrap();
        let doc = change::create(&c, "c", Timestamp(20)).unwrap();
        let back: Community = change::read(&doc).unwrap();
        assert_eq!(back.invites, c.invites);
    }

    /// An older document has no `invites` at all, and an invite written by a peer may omit
    /// its optional fields.
    #[test]
    fn documents_without_invites_or_optional_fields_read() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "name", "Old").unwrap();
        doc.put(automerge::ROOT, "created_at", 5i64).unwrap();
        let c: Community = autosurgeon::hydrate(&doc).unwrap();
        assert!(c.invites.is_empty());

        let invites = doc
            .put_object(automerge::ROOT, "invites", automerge::ObjType::Map)
            .unwrap();
        let invite = doc
            .put_object(&invites, "i1", automerge::ObjType::Map)
            .unwrap();
        doc.put(&invite, "secret_hash", hash_secret(&SECRET))
            .unwrap();
        doc.put(&invite, "created_by", "ada").unwrap();
        doc.put(&invite, "created_at", 5i64).unwrap();
        let c: Community = autosurgeon::hydrate(&doc).unwrap();
        let invite = &c.invites[&invite_id("i1")];
        assert_eq!(
            (invite.expires_at, invite.max_uses, invite.revoked),
            (None, None, false)
        );
        assert!(invite.uses.is_empty());
    }

    /// Two admitting devices, cut off from each other, each let a different newcomer in with
    /// the same single-use invite. Accepted and visible: after merging both are members and the
    /// invite lists both uses, so it has been used more than it allows.
    #[test]
    fn a_single_use_invite_redeemed_on_both_sides_of_a_partition_admits_both() {
        let mut c = with_invite(None, Some(1));
        c.add_member(id("bob"), Member::new("Bob", "bob", Timestamp(2)).unwrap());
        let mut left = change::create(&c, "c", Timestamp(10)).unwrap();
        let mut right = left.fork();
        change::update(&mut left, "join", Timestamp(20), |c: &mut Community| {
            c.redeem_invite(&SECRET, "carol", "Carol", Timestamp(20))
        })
        .unwrap();
        change::update(&mut right, "join", Timestamp(21), |c: &mut Community| {
            c.redeem_invite(&SECRET, "dan", "Dan", Timestamp(21))
        })
        .unwrap();
        left.merge(&mut right).unwrap();
        right.merge(&mut left).unwrap();
        let l: Community = change::read(&left).unwrap();
        let r: Community = change::read(&right).unwrap();
        assert_eq!(l.invites, r.invites);
        assert!(l.members.contains_key(&id("carol")) && l.members.contains_key(&id("dan")));
        let invite = &l.invites[&invite_id("i1")];
        assert_eq!(invite.uses.len(), 2);
        assert_eq!(invite.status(Timestamp(30)), InviteStatus::Spent);
        assert_eq!(invite.remaining_uses(), Some(0));
        assert_eq!(
            l.authorized_devices(),
            ["ada", "bob", "carol", "dan"]
                .into_iter()
                .map(|d| DeviceId::from(d.to_string()))
                .collect()
        );
    }
}

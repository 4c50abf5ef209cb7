//! Community devices: a spare machine a steward enrolls to run `copse serve`, always on, so that
//! members who are never online at the same time still sync through it.
//!
//! It is listed apart from the members (never counted as a person: not in members, skills,
//! objectives, rotation, pulse or the online count), carries every document, and is admitted
//! to sync like a member's device. It writes nothing of its own.
//!
//! Pure: no IO.

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::governance::{Record, RecordKind};
use crate::model::{Community, DeviceId, MemberId, ModelError, RecordId, Timestamp};

/// An always-on device of the community, as the community document keeps it.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct CommunityDevice {
    /// What the stewards call it ("Library server").
    pub label: String,
    /// The steward who enrolled it.
    pub added_by: MemberId,
    pub added_at: Timestamp,
}

impl Community {
    /// Of the `connected` devices, how many people (members, each counted once however many
    /// of their devices are connected) and how many community devices.
    pub fn online_counts(&self, connected: &std::collections::BTreeSet<String>) -> (usize, usize) {
        let people = self
            .members
            .values()
            .filter(|m| m.devices.keys().any(|d| connected.contains(d.as_str())))
            .count();
        let devices = self
            .community_devices
            .keys()
            .filter(|d| connected.contains(d.as_str()))
            .count();
        (people, devices)
    }

    /// A steward removes a community device: it gets nothing further.
    pub fn remove_community_device(
        &mut self,
        record: RecordId,
        by: &MemberId,
        device: &DeviceId,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        self.require_steward(by, "remove a community device")?;
        let Some(gone) = self.community_devices.remove(device) else {
            return Err(ModelError::NoSuchCommunityDevice(device.to_string()));
        };
        let mut entry = Record::new(RecordKind::DeviceRemoved, by, now, reason)?;
        entry.device = Some(device.clone());
        entry.member_name = Some(gone.label);
        self.record(record, entry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{InviteId, MemberRole};

    use crate::model::fixtures::id;

    /// Ada (steward) and Bo (member).
    fn community() -> Community {
        crate::model::fixtures::gardeners_with_bo()
    }

    fn device_invite(c: &mut Community, by: &str, secret: &[u8; 32]) -> InviteId {
        let invite = InviteId::new_random();
        c.create_invite(
            invite.clone(),
            &id(by),
            secret,
            Timestamp(10),
            None,
            Some(1),
        )
        .unwrap();
        c.make_device_invite(&invite, &id(by), Some("Library server"))
            .unwrap();
        invite
    }

    #[test]
    fn a_stewards_always_on_invite_enrolls_a_device_that_is_no_person() {
        let mut c = community();
        let invite = device_invite(&mut c, "ada", &[1; 32]);
        c.make_always_on(&invite, &id("ada")).unwrap();
        c.redeem_invite(&[1; 32], "server", "ignored", Timestamp(11))
            .unwrap();
        let server = DeviceId::from("server".to_string());
        assert_eq!(c.community_devices[&server].label, "Library server");
        assert_eq!(c.members.len(), 2, "not a member");
        assert!(c.member_for_device(&server).is_none());
        assert!(c.authorized_devices().contains(&server), "it syncs");
        let connected = BTreeSet::from(["server".to_string(), "bo".to_string()]);
        assert_eq!(c.online_counts(&connected), (1, 1));
        // A plain member cannot enroll one, nor remove it.
        let bo_invite = device_invite(&mut c, "bo", &[2; 32]);
        assert_eq!(
            c.make_always_on(&bo_invite, &id("bo")),
            Err(ModelError::StewardInvite)
        );
        assert!(matches!(
            c.remove_community_device(
                RecordId::new_random(),
                &id("bo"),
                &server,
                None,
                Timestamp(12)
            ),
            Err(ModelError::StewardsOnly { .. })
        ));
        c.remove_community_device(
            RecordId::new_random(),
            &id("ada"),
            &server,
            None,
            Timestamp(12),
        )
        .unwrap();
        assert!(!c.authorized_devices().contains(&server));
        assert_eq!(c.role_of(&id("bo")), Some(MemberRole::Member));
    }

    #[test]
    fn an_invite_grants_its_role_and_only_stewards_invite_stewards() {
        let mut c = community();
        let invite = InviteId::new_random();
        c.create_invite(
            invite.clone(),
            &id("bo"),
            &[3; 32],
            Timestamp(10),
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            c.set_invite_role(&invite, &id("bo"), MemberRole::Steward),
            Err(ModelError::StewardInvite)
        );
        c.set_invite_role(&invite, &id("bo"), MemberRole::Reader)
            .unwrap();
        let rita = c
            .redeem_invite(&[3; 32], "rita", "Rita", Timestamp(11))
            .unwrap();
        assert_eq!(c.role_of(&rita), Some(MemberRole::Reader));
    }

    /// A community written by copse before roles existed: no `role` anywhere in the document.
    #[test]
    fn a_community_written_before_roles_opens_with_its_founder_as_steward() {
        use automerge::transaction::Transactable;
        use automerge::{ObjType, ReadDoc, Value};
        let c = community();
        let mut doc = automerge::AutoCommit::new();
        autosurgeon::reconcile(&mut doc, &c).unwrap();
        let Some((Value::Object(ObjType::Map), members)) =
            doc.get(automerge::ROOT, "members").unwrap()
        else {
            panic!("no members map")
        };
        for m in ["ada", "bo"] {
            let Some((_, member)) = doc.get(&members, m).unwrap() else {
                panic!("no {m}")
            };
            doc.delete(&member, "role").unwrap();
        }
        let old: Community = autosurgeon::hydrate(&doc).unwrap();
        assert!(old.members.values().all(|m| m.role.is_none()));
        assert_eq!(old.role_of(&id("ada")), Some(MemberRole::Steward));
        assert_eq!(old.role_of(&id("bo")), Some(MemberRole::Member));
        assert_eq!(old.stewards(), [&id("ada")]);
    }
}

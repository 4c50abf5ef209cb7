//! A member's role — steward, member or reader — and the rules of who may change whom.
//!
//! Stewards remove members and devices, change roles and revoke any invite; members write
//! everything; readers read everything and write nothing. The roles are enforced twice: here, so
//! that every copse refuses a reader's or a plain member's attempt with a sentence naming the
//! rule, and on the connection (`crate::net::access`), where a reader's devices get read-only
//! sharing so that what a reader writes anyway never reaches a member's disk.
//!
//! A member written before roles existed has none stored: the founder (the earliest to join)
//! counts as a steward and everyone else as a member, so an old community opens with a steward
//! without any write. The last steward cannot leave or step down; under a partition two
//! stewards can still both step down at once, and then the earliest to join among those without
//! a stored role is the steward again, or nobody is (accepted, visible in Members).
//!
//! Pure: no IO.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::governance::{Record, RecordKind};
use crate::model::{Community, MemberId, ModelError, RecordId, Timestamp};

/// What a member may do in the community.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Reconcile, Hydrate, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Removes members and devices, changes roles, revokes any invite.
    Steward,
    /// Writes everything and invites.
    Member,
    /// Reads everything and writes nothing.
    Reader,
}

impl MemberRole {
    pub const ALL: [MemberRole; 3] = [MemberRole::Steward, MemberRole::Member, MemberRole::Reader];

    /// Whether this role may change the community's documents.
    pub fn writes(self) -> bool {
        self != MemberRole::Reader
    }
}

impl fmt::Display for MemberRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemberRole::Steward => "steward",
            MemberRole::Member => "member",
            MemberRole::Reader => "reader",
        })
    }
}

impl FromStr for MemberRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "steward" => Ok(MemberRole::Steward),
            "member" => Ok(MemberRole::Member),
            "reader" => Ok(MemberRole::Reader),
            other => Err(format!(
                "'{other}' is not a role in the community (use steward, member or reader)"
            )),
        }
    }
}

impl Community {
    /// The member who founded the community, or for a roster without them the earliest to
    /// join: the steward of a community written before roles existed.
    fn founder(&self) -> Option<&MemberId> {
        self.members
            .iter()
            .min_by_key(|(id, m)| (m.joined_at, (*id).clone()))
            .map(|(id, _)| id)
    }

    /// `member`'s role; `None` for someone not on the roster.
    pub fn role_of(&self, member: &MemberId) -> Option<MemberRole> {
        let m = self.members.get(member)?;
        Some(match m.role {
            Some(role) => role,
            None if self.founder() == Some(member) => MemberRole::Steward,
            None => MemberRole::Member,
        })
    }

    /// The stewards, by id.
    pub fn stewards(&self) -> Vec<&MemberId> {
        self.members
            .keys()
            .filter(|id| self.role_of(id) == Some(MemberRole::Steward))
            .collect()
    }

    /// Refuses anyone but a steward, naming the rule and who the stewards are.
    pub fn require_steward(&self, by: &MemberId, action: &'static str) -> Result<(), ModelError> {
        match self.role_of(by) {
            None => Err(ModelError::NotAMember(by.to_string())),
            Some(MemberRole::Steward) => Ok(()),
            Some(_) => Err(ModelError::StewardsOnly {
                action,
                stewards: self.steward_names(),
            }),
        }
    }

    /// The stewards' names, for a refusal: "Ann and Bob".
    pub fn steward_names(&self) -> String {
        let names: Vec<String> = self
            .stewards()
            .into_iter()
            .map(|id| self.display_name(id))
            .collect();
        match names.as_slice() {
            [] => "nobody at the moment".to_string(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }

    /// Whether `member` is the only steward.
    pub fn is_last_steward(&self, member: &MemberId) -> bool {
        self.stewards().as_slice() == [member]
    }

    /// A steward gives `member` a new role, recorded with who, when and why.
    pub fn set_role(
        &mut self,
        record: RecordId,
        by: &MemberId,
        member: &MemberId,
        role: MemberRole,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        self.require_steward(by, "change a member's role")?;
        let from = self
            .role_of(member)
            .ok_or_else(|| ModelError::NotAMember(member.to_string()))?;
        if from == role {
            return Ok(());
        }
        if from == MemberRole::Steward && self.is_last_steward(member) {
            return Err(ModelError::LastSteward);
        }
        let name = self.display_name(member);
        if let Some(m) = self.members.get_mut(member) {
            m.role = Some(role);
        }
        self.record(
            record,
            Record::new(RecordKind::RoleChanged, by, now, reason)?
                .about(member, &name)
                .roles(from, role),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Member;

    use crate::model::fixtures::id;

    /// Ada founded it; Bo and Cy joined later; nobody has a stored role, as in a community made
    /// before roles existed.
    fn old_community() -> Community {
        let mut c = crate::model::fixtures::gardeners();
        for (m, at) in [("bo", 2), ("cy", 3)] {
            c.add_member(id(m), Member::new(m, m, Timestamp(at)).unwrap());
        }
        for m in c.members.values_mut() {
            m.role = None;
        }
        c
    }

    #[test]
    fn an_old_community_opens_with_its_founder_as_steward() {
        let c = old_community();
        assert_eq!(c.role_of(&id("ada")), Some(MemberRole::Steward));
        assert_eq!(c.role_of(&id("bo")), Some(MemberRole::Member));
        assert_eq!(c.role_of(&id("cy")), Some(MemberRole::Member));
        assert_eq!(c.role_of(&id("zed")), None);
    }

    #[test]
    fn only_a_steward_changes_roles_and_the_last_cannot_step_down() {
        let mut c = old_community();
        let refused = c
            .set_role(
                RecordId::new_random(),
                &id("bo"),
                &id("cy"),
                MemberRole::Reader,
                None,
                Timestamp(5),
            )
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "only a steward can change a member's role; ask Ada"
        );
        assert_eq!(
            c.set_role(
                RecordId::new_random(),
                &id("ada"),
                &id("ada"),
                MemberRole::Member,
                None,
                Timestamp(5)
            ),
            Err(ModelError::LastSteward)
        );
        c.set_role(
            RecordId::from("r1".to_string()),
            &id("ada"),
            &id("bo"),
            MemberRole::Steward,
            Some("runs the meetups"),
            Timestamp(6),
        )
        .unwrap();
        c.set_role(
            RecordId::from("r2".to_string()),
            &id("ada"),
            &id("ada"),
            MemberRole::Member,
            None,
            Timestamp(7),
        )
        .unwrap();
        assert_eq!(c.stewards(), [&id("bo")]);
        let record = &c.records[&RecordId::from("r1".to_string())];
        assert_eq!(record.kind, RecordKind::RoleChanged);
        assert_eq!(record.by, id("ada"));
        assert_eq!(record.reason.as_deref(), Some("runs the meetups"));
        assert_eq!(
            (record.from, record.to),
            (Some(MemberRole::Member), Some(MemberRole::Steward))
        );
    }
}

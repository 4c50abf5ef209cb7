//! The community's governance record: who removed whom, changed whose role or revoked which
//! invite, when, and why (an optional reason), kept in the community document so that every
//! member sees it in Members and in the export. Also the two roster changes that write it:
//! removing a member (stewards only) and leaving.
//!
//! Records are keyed by a generated id, so two stewards acting at once never conflict. Names
//! are copied in when the record is made: a removed member's name stays readable after the
//! roster forgets them.
//!
//! Pure: no IO.

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::member_role::MemberRole;
use crate::model::{
    Community, DeviceId, InviteId, MemberId, ModelError, RecordId, Timestamp, limits, local_time,
};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A steward took a member off the roster.
    Removed,
    /// A member left.
    Left,
    /// A steward changed a member's role.
    RoleChanged,
    /// An invite was withdrawn.
    InviteRevoked,
    /// A steward removed a community device (an always-on one).
    DeviceRemoved,
}

/// One entry of the governance record.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Record {
    pub kind: RecordKind,
    pub by: MemberId,
    /// `by`'s name when the record was made.
    #[autosurgeon(missing = "Default::default")]
    pub by_name: String,
    pub at: Timestamp,
    #[autosurgeon(missing = "Default::default")]
    pub reason: Option<String>,
    /// The member concerned, with their name then.
    #[autosurgeon(missing = "Default::default")]
    pub member: Option<MemberId>,
    #[autosurgeon(missing = "Default::default")]
    pub member_name: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub invite: Option<InviteId>,
    #[autosurgeon(missing = "Default::default")]
    pub device: Option<DeviceId>,
    /// A role change: the role before and after.
    #[autosurgeon(missing = "Default::default")]
    pub from: Option<MemberRole>,
    #[autosurgeon(missing = "Default::default")]
    pub to: Option<MemberRole>,
}

impl Record {
    /// A record of `kind` made by `by` at `at`, the reason checked and trimmed (empty is none).
    pub fn new(
        kind: RecordKind,
        by: &MemberId,
        at: Timestamp,
        reason: Option<&str>,
    ) -> Result<Record, ModelError> {
        let reason = reason
            .map(|r| limits::optional_text("a reason", r.trim(), limits::MAX_SHORT_TEXT_BYTES))
            .transpose()?
            .filter(|r| !r.is_empty());
        Ok(Record {
            kind,
            by: by.clone(),
            by_name: String::new(),
            at,
            reason,
            member: None,
            member_name: None,
            invite: None,
            device: None,
            from: None,
            to: None,
        })
    }

    /// The member the record is about.
    pub fn about(mut self, member: &MemberId, name: &str) -> Record {
        self.member = Some(member.clone());
        self.member_name = Some(name.to_string());
        self
    }

    /// A role change from `from` to `to`.
    pub fn roles(mut self, from: MemberRole, to: MemberRole) -> Record {
        self.from = Some(from);
        self.to = Some(to);
        self
    }

    /// What happened, in a sentence for Members and the export, the day in `zone`:
    /// "Bo removed by Ann on 4 Dec 2026 (spam)".
    pub fn sentence(&self, zone: &local_time::Zone) -> String {
        let who = self.member_name.as_deref().unwrap_or("someone");
        let by = if self.by_name.is_empty() {
            self.by.to_string()
        } else {
            self.by_name.clone()
        };
        let day = local_time::long_day(self.at, zone);
        let what = match self.kind {
            RecordKind::Removed => format!("{who} removed by {by}"),
            RecordKind::Left => format!("{who} left"),
            RecordKind::RoleChanged => match (self.from, self.to) {
                (Some(from), Some(to)) => format!("{who} made {to} (was {from}) by {by}"),
                _ => format!("{who}'s role changed by {by}"),
            },
            RecordKind::InviteRevoked => format!("An invite revoked by {by}"),
            RecordKind::DeviceRemoved => format!("A community device removed by {by}"),
        };
        match &self.reason {
            Some(reason) => format!("{what} on {day} ({reason})"),
            None => format!("{what} on {day}"),
        }
    }
}

impl Community {
    /// Keeps a record, naming its author as the roster knows them now.
    pub(crate) fn record(&mut self, id: RecordId, mut record: Record) {
        if record.by_name.is_empty() {
            record.by_name = self.display_name(&record.by);
        }
        self.records.insert(id, record);
    }

    /// The governance record, newest first.
    pub fn records_newest_first(&self) -> Vec<(&RecordId, &Record)> {
        let mut records: Vec<_> = self.records.iter().collect();
        records.sort_by_key(|(id, r)| (std::cmp::Reverse(r.at), (*id).clone()));
        records
    }

    /// Takes `member` off the roster: a steward removing someone, or `by == member` leaving.
    ///
    /// Removal stops future sync with the member's devices; it cannot take back what they already
    /// had, and the UI must say so. The last member can neither leave nor be removed, and the
    /// last steward cannot leave or be removed while others remain (make another steward first).
    ///
    /// The invites whose secret the removed member knows (those they created, and the one they
    /// joined with) are revoked, so they cannot readmit themselves from another device; and
    /// [`Community::redeem_invite`] refuses invites whose creator is no longer a member.
    ///
    /// Under a partition two stewards can remove each other concurrently; the merged roster then
    /// lacks both. That edge is accepted and visible in the record.
    pub fn remove_member(
        &mut self,
        record: RecordId,
        by: &MemberId,
        member: &MemberId,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        let leaving = by == member;
        if leaving {
            // Anyone on the roster may leave, a reader too.
            if !self.members.contains_key(by) {
                return Err(ModelError::NotAMember(by.to_string()));
            }
        } else {
            self.require_steward(by, "remove a member")?;
        }
        if !self.members.contains_key(member) {
            return Err(ModelError::NotAMember(member.to_string()));
        }
        if self.members.len() <= 1 {
            return Err(ModelError::LastMember);
        }
        if self.is_last_steward(member) {
            return Err(ModelError::LastSteward);
        }
        let name = self.display_name(member);
        let kind = if leaving {
            RecordKind::Left
        } else {
            RecordKind::Removed
        };
        let entry = Record::new(kind, by, now, reason)?.about(member, &name);
        self.record(record, entry);
        self.members.remove(member);
        for invite in self.invites.values_mut() {
            let knows_secret = &invite.created_by == member || invite.uses.contains_key(member);
            if knows_secret && !invite.revoked {
                invite.revoked = true;
            }
        }
        Ok(())
    }
}

//! Attendance: who was at a gathering. Any member may tick anyone present (the note-taker
//! usually does), and untick a mistake; each tick keeps when it was recorded. The pulse reads it
//! ("who came to gatherings"), and the groups of a gathering are made from the people there.

use crate::model::{Community, Gathering, GatheringId, Item, MemberId, ModelError, Timestamp};

impl Community {
    /// Records `members` as there (`present`) or not at gathering `id`; returns those whose mark
    /// changed. Every one must be on the roster (a reader too); who ticks must be able to write.
    pub fn record_attendance(
        &mut self,
        id: &GatheringId,
        by: &MemberId,
        members: &[MemberId],
        present: bool,
        now: Timestamp,
    ) -> Result<Vec<MemberId>, ModelError> {
        self.require_member(by)?;
        // Readers come to gatherings too: anyone on the roster may be ticked.
        if let Some(stranger) = members.iter().find(|m| !self.members.contains_key(*m)) {
            return Err(ModelError::NotAMember(stranger.to_string()));
        }
        let gathering = self.gathering_mut(id)?;
        let mut changed = Vec::new();
        for member in members {
            let was = gathering.attended.contains_key(member);
            if present && !was {
                gathering.attended.insert(member.clone(), now);
                changed.push(member.clone());
            } else if !present && was {
                gathering.attended.remove(member);
                changed.push(member.clone());
            }
        }
        Ok(changed)
    }

    /// The members recorded at `gathering` who are still on the roster, by id.
    pub fn attendees(&self, gathering: &Gathering) -> Vec<MemberId> {
        gathering
            .attended
            .keys()
            .filter(|m| self.members.contains_key(*m))
            .cloned()
            .collect()
    }

    /// How many gatherings dated in `[from, to)` each member came to (deleted ones left out).
    pub fn attendance_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> std::collections::BTreeMap<&MemberId, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for (id, g) in &self.gatherings {
            if g.when < from || g.when >= to || self.is_deleted(&Item::Gathering(id.clone())) {
                continue;
            }
            for member in g.attended.keys() {
                *counts.entry(member).or_default() += 1;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::fixtures::id;

    fn gathering(when: i64) -> Gathering {
        Gathering::new("June", Timestamp(when))
    }

    fn community() -> (Community, GatheringId) {
        let mut c = crate::model::fixtures::gardeners_with_bo();
        let g = GatheringId::from("g".to_string());
        c.add_gathering(g.clone(), &id("ada"), gathering(100))
            .unwrap();
        (c, g)
    }

    #[test]
    fn anyone_ticks_who_was_there_and_unticks_a_mistake() {
        let (mut c, g) = community();
        let changed = c
            .record_attendance(&g, &id("bo"), &[id("ada"), id("bo")], true, Timestamp(5))
            .unwrap();
        assert_eq!(changed, [id("ada"), id("bo")]);
        // Ticking again changes nothing.
        let again = c
            .record_attendance(&g, &id("ada"), &[id("ada")], true, Timestamp(6))
            .unwrap();
        assert!(again.is_empty());
        assert_eq!(c.gatherings[&g].attended[&id("ada")], Timestamp(5));
        c.record_attendance(&g, &id("ada"), &[id("bo")], false, Timestamp(7))
            .unwrap();
        assert_eq!(c.attendees(&c.gatherings[&g]), [id("ada")]);
    }

    #[test]
    fn only_members_can_be_marked_present() {
        let (mut c, g) = community();
        assert_eq!(
            c.record_attendance(&g, &id("ada"), &[id("eve")], true, Timestamp(5)),
            Err(ModelError::NotAMember("eve".into()))
        );
        assert!(c.gatherings[&g].attended.is_empty());
        assert!(matches!(
            c.record_attendance(
                &GatheringId::from("x".to_string()),
                &id("ada"),
                &[],
                true,
                Timestamp(5)
            ),
            Err(ModelError::NoSuchGathering(_))
        ));
    }

    #[test]
    fn a_reader_can_be_there_but_ticks_nobody() {
        let (mut c, g) = community();
        c.members.get_mut(&id("bo")).unwrap().role = Some(crate::model::MemberRole::Reader);
        c.record_attendance(&g, &id("ada"), &[id("bo")], true, Timestamp(5))
            .unwrap();
        assert_eq!(c.attendees(&c.gatherings[&g]), [id("bo")]);
        assert_eq!(
            c.record_attendance(&g, &id("bo"), &[id("ada")], true, Timestamp(5)),
            Err(ModelError::ReadersWriteNothing)
        );
    }

    #[test]
    fn attendance_is_counted_by_the_gatherings_date() {
        let (mut c, g) = community();
        let later = GatheringId::from("later".to_string());
        c.add_gathering(later.clone(), &id("ada"), gathering(500))
            .unwrap();
        for gid in [&g, &later] {
            c.record_attendance(gid, &id("ada"), &[id("ada")], true, Timestamp(900))
                .unwrap();
        }
        c.record_attendance(&later, &id("ada"), &[id("bo")], true, Timestamp(900))
            .unwrap();
        let all = c.attendance_between(Timestamp(0), Timestamp(1000));
        assert_eq!(all[&id("ada")], 2);
        assert_eq!(all[&id("bo")], 1);
        let recent = c.attendance_between(Timestamp(200), Timestamp(1000));
        assert_eq!(recent[&id("ada")], 1);
    }
}

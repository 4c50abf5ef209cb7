//! A gathering: one of the community's regular meetings, its agenda and its rotating roles, and
//! the rules for changing them after the rotation's suggestion (see [`crate::model::practice::rotation`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::grouping::Grouping;
use crate::model::meeting::Meeting;
use crate::model::{
    Community, GatheringId, GroupingId, MemberId, ModelError, NoteId, Timestamp, TopicId, limits,
    local_time,
};

/// A meeting with its agenda, its roles and its note.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Gathering {
    pub title: String,
    pub when: Timestamp,
    /// Topics to discuss, in order.
    #[autosurgeon(missing = "Default::default")]
    pub agenda: Vec<TopicId>,
    #[autosurgeon(missing = "Default::default")]
    pub roles: Roles,
    /// The gathering's meeting note, once created.
    #[autosurgeon(missing = "Default::default")]
    pub note: Option<NoteId>,
    /// Who planned it, and when (unknown for gatherings planned before copse kept them): what
    /// makes a gathering "new since you last looked".
    #[autosurgeon(missing = "Default::default")]
    pub planned_by: Option<MemberId>,
    #[autosurgeon(missing = "Default::default")]
    pub planned_at: Option<Timestamp>,
    /// Who was there, and when it was recorded (see [`crate::model::attendance`]).
    #[autosurgeon(missing = "Default::default")]
    pub attended: BTreeMap<MemberId, Timestamp>,
    /// Pairs and small groups made for its activities (see [`crate::model::grouping`]).
    #[autosurgeon(missing = "Default::default")]
    pub groupings: BTreeMap<GroupingId, Grouping>,
    /// The meeting while it runs: timeboxes, the shared timer, a case run live (see
    /// [`crate::model::meeting`]).
    #[autosurgeon(missing = "Default::default")]
    pub meeting: Meeting,
}

impl Gathering {
    /// A gathering with a title and a time and nothing else yet (no agenda, roles, note,
    /// attendance or meeting); the one place that lists every field, so struct updates
    /// (`Gathering { roles, ..Gathering::new(title, when) }`) survive new ones.
    pub fn new(title: impl Into<String>, when: Timestamp) -> Gathering {
        Gathering {
            title: title.into(),
            when,
            agenda: Vec::new(),
            roles: Roles::default(),
            note: None,
            planned_by: None,
            planned_at: None,
            attended: BTreeMap::new(),
            groupings: BTreeMap::new(),
            meeting: Meeting::default(),
        }
    }
}

/// Who holds each rotating role at a gathering.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Roles {
    #[autosurgeon(missing = "Default::default")]
    pub facilitator: Option<MemberId>,
    #[autosurgeon(missing = "Default::default")]
    pub presenter: Option<MemberId>,
    #[autosurgeon(missing = "Default::default")]
    pub note_taker: Option<MemberId>,
    /// The community's own roles ([`crate::model::custom_role`]), by their key.
    #[autosurgeon(missing = "Default::default")]
    pub custom: BTreeMap<String, MemberId>,
}

/// One of the rotating roles at a gathering: the three every community has, or one it added.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Facilitator,
    Presenter,
    NoteTaker,
    /// A role the community added ("Host"), by its name.
    Custom(String),
}

impl Role {
    /// The roles every community has, in the order rotation fills them (its own come after:
    /// [`Community::roles`]).
    pub const BUILT_IN: [Role; 3] = [Role::Facilitator, Role::Presenter, Role::NoteTaker];

    /// The role's name for people ("Note-taker", "Host").
    pub fn label(&self) -> &str {
        match self {
            Role::Facilitator => "Facilitator",
            Role::Presenter => "Presenter",
            Role::NoteTaker => "Note-taker",
            Role::Custom(name) => name,
        }
    }

    /// The key a custom role is stored under: its name, lower case.
    pub fn key(name: &str) -> String {
        name.trim().to_lowercase()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Facilitator => "facilitator",
            Role::Presenter => "presenter",
            Role::NoteTaker => "note-taker",
            Role::Custom(name) => name,
        })
    }
}

impl FromStr for Role {
    type Err = ModelError;
    /// A built-in role, or any other name as a custom role (whether the community has it is
    /// checked where it is used).
    fn from_str(s: &str) -> Result<Role, ModelError> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['_', ' '], "-")
            .as_str()
        {
            "facilitator" => Ok(Role::Facilitator),
            "presenter" => Ok(Role::Presenter),
            "note-taker" | "notetaker" => Ok(Role::NoteTaker),
            "" => Err(ModelError::InvalidRole(String::new())),
            _ => Ok(Role::Custom(s.trim().chars().take(80).collect())),
        }
    }
}

impl Roles {
    /// Who holds `role`.
    pub fn get(&self, role: &Role) -> Option<&MemberId> {
        match role {
            Role::Facilitator => self.facilitator.as_ref(),
            Role::Presenter => self.presenter.as_ref(),
            Role::NoteTaker => self.note_taker.as_ref(),
            Role::Custom(name) => self.custom.get(&Role::key(name)),
        }
    }

    /// Gives `role` to `holder` (or to nobody).
    pub fn set(&mut self, role: &Role, holder: Option<MemberId>) {
        let slot = match role {
            Role::Facilitator => &mut self.facilitator,
            Role::Presenter => &mut self.presenter,
            Role::NoteTaker => &mut self.note_taker,
            Role::Custom(name) => {
                let key = Role::key(name);
                match holder {
                    Some(holder) if self.custom.get(&key) != Some(&holder) => {
                        self.custom.insert(key, holder);
                    }
                    None if self.custom.contains_key(&key) => {
                        self.custom.remove(&key);
                    }
                    _ => {}
                }
                return;
            }
        };
        if *slot != holder {
            *slot = holder;
        }
    }

    /// Every member holding a role here.
    pub fn holders(&self) -> impl Iterator<Item = &MemberId> {
        [&self.facilitator, &self.presenter, &self.note_taker]
            .into_iter()
            .flatten()
            .chain(self.custom.values())
    }
}

/// Gatherings with their ids, in date order.
pub type Dated<'a> = Vec<(&'a GatheringId, &'a Gathering)>;

/// The forms a typed gathering date takes: the one wording for hints and errors alike.
pub const DATE_HINT: &str = "YYYY-MM-DD or YYYY-MM-DD HH:MM, in your local time";

/// Reads a gathering's date as a member types it, in their own time zone (see
/// [`local_time`]): `2026-12-03`, `2026-12-03T18:00` or `2026-12-03 18:00` (seconds
/// allowed). A date alone means the start of that day.
pub fn parse_when(text: &str) -> Result<Timestamp, ModelError> {
    parse_when_in(text, &local_time::viewer_zone())
}

/// [`parse_when`] in `zone`. Years outside 1000..=9999 are refused: chrono reads `+99999` as a
/// year, and no gathering is planned that far off.
pub fn parse_when_in(text: &str, zone: &local_time::Zone) -> Result<Timestamp, ModelError> {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
    let given = text.trim();
    let invalid = || ModelError::InvalidDate(given.chars().take(40).collect());
    let normal = given.replacen(' ', "T", 1);
    let at = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&normal, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(given, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .filter(|at| (1000..=9999).contains(&at.year()))
        .ok_or_else(invalid)?;
    let day = jiff::civil::Date::new(
        i16::try_from(at.year()).map_err(|_| invalid())?,
        i8::try_from(at.month()).map_err(|_| invalid())?,
        i8::try_from(at.day()).map_err(|_| invalid())?,
    )
    .map_err(|_| invalid())?;
    let hour = i8::try_from(at.hour()).map_err(|_| invalid())?;
    let minute = i8::try_from(at.minute()).map_err(|_| invalid())?;
    local_time::from_civil(day, hour, minute, zone)
        .map(|t| Timestamp(t.0 + i64::from(at.second()) * 1000))
        .map_err(|_| invalid())
}

/// The day of `when` in the viewer's zone as `2026-12-03`, for titles.
pub fn day_of(when: Timestamp) -> String {
    local_time::day(when, &local_time::viewer_zone())
}

/// Midnight (UTC) at the start of the day of `now`.
/// Where "today" begins for the viewer: midnight in their time zone.
fn start_of_day(now: Timestamp) -> Timestamp {
    crate::model::local_time::start_of_day(now, &crate::model::local_time::viewer_zone())
}

impl Community {
    pub(crate) fn gathering_mut(&mut self, id: &GatheringId) -> Result<&mut Gathering, ModelError> {
        self.gatherings
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchGathering(id.to_string()))
    }

    /// Gives a role at a gathering to a member, or to nobody. Any member may change it: the
    /// rotation only suggests.
    pub fn set_gathering_role(
        &mut self,
        id: &GatheringId,
        by: &MemberId,
        role: Role,
        holder: Option<MemberId>,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        self.require_role(&role)?;
        if let Some(holder) = &holder {
            self.require_member(holder)?;
        }
        self.gathering_mut(id)?.roles.set(&role, holder);
        Ok(())
    }

    /// A gathering's agenda as lists show it: a topic deleted since it was put there is left
    /// out (and back again if the topic is restored); one not yet synced stays.
    pub fn agenda_of<'a>(&self, gathering: &'a Gathering) -> Vec<&'a TopicId> {
        gathering
            .agenda
            .iter()
            .filter(|t| !self.is_deleted(&crate::model::Item::Topic((*t).clone())))
            .collect()
    }

    /// Replaces a gathering's agenda; every topic must exist, and each is listed once.
    pub fn set_gathering_agenda(
        &mut self,
        id: &GatheringId,
        by: &MemberId,
        agenda: Vec<TopicId>,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        let mut clean: Vec<TopicId> = Vec::with_capacity(agenda.len());
        for topic in agenda {
            if !self.topics.contains_key(&topic) {
                return Err(ModelError::NoSuchTopic(topic.to_string()));
            }
            if !clean.contains(&topic) {
                clean.push(topic);
            }
        }
        let gathering = self.gathering_mut(id)?;
        if gathering.agenda != clean {
            gathering.agenda = clean;
        }
        Ok(())
    }

    /// Renames a gathering.
    pub fn rename_gathering(
        &mut self,
        id: &GatheringId,
        by: &MemberId,
        title: &str,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        let title = limits::title("a gathering's title", title)?;
        self.gathering_mut(id)?.title = title;
        Ok(())
    }

    /// Whether one's own profile says "available for roles" (the rotation skips those who
    /// are not).
    pub fn set_available_for_roles(
        &mut self,
        who: &MemberId,
        available: bool,
    ) -> Result<(), ModelError> {
        let member = self
            .members
            .get_mut(who)
            .ok_or_else(|| ModelError::NotAMember(who.to_string()))?;
        if member.not_available_for_roles == available {
            member.not_available_for_roles = !available;
        }
        Ok(())
    }

    /// Gatherings from today on, soonest first, and earlier ones, latest first. A gathering
    /// stays "upcoming" for the whole of its day.
    pub fn gatherings_by_date(&self, now: Timestamp) -> (Dated<'_>, Dated<'_>) {
        let today = start_of_day(now);
        let (mut upcoming, mut past): (Vec<_>, Vec<_>) =
            self.gatherings.iter().partition(|(_, g)| g.when >= today);
        upcoming.sort_by(|(ia, a), (ib, b)| a.when.cmp(&b.when).then(ia.cmp(ib)));
        past.sort_by(|(ia, a), (ib, b)| b.when.cmp(&a.when).then(ia.cmp(ib)));
        (upcoming, past)
    }

    /// The next gathering from today on, if any.
    pub fn next_gathering(&self, now: Timestamp) -> Option<(&GatheringId, &Gathering)> {
        self.gatherings_by_date(now).0.into_iter().next()
    }

    /// The member a person means by `given`: a member id, or a display name that only one
    /// member has (ignoring case).
    pub fn find_member(&self, given: &str) -> Result<MemberId, ModelError> {
        let given = given.trim();
        let as_id = MemberId::from(given.to_string());
        if self.members.contains_key(&as_id) {
            return Ok(as_id);
        }
        let mut named = self
            .members
            .iter()
            .filter(|(_, m)| m.name.eq_ignore_ascii_case(given))
            .map(|(id, _)| id);
        match (named.next(), named.next()) {
            (Some(id), None) => Ok(id.clone()),
            (Some(_), Some(_)) => Err(ModelError::AmbiguousMember(given.to_string())),
            _ => Err(ModelError::NotAMember(given.chars().take(80).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Member;

    use crate::model::fixtures::id;

    fn community() -> Community {
        crate::model::fixtures::gardeners_with_bo()
    }

    #[test]
    fn dates_are_read_as_members_type_them() {
        assert_eq!(
            parse_when("2026-12-03").unwrap().to_rfc3339(),
            "2026-12-03T00:00:00Z"
        );
        assert_eq!(
            parse_when(" 2026-12-03T18:00 ").unwrap().to_rfc3339(),
            "2026-12-03T18:00:00Z"
        );
        assert_eq!(
            parse_when("2026-12-03 18:30").unwrap().to_rfc3339(),
            "2026-12-03T18:30:00Z"
        );
        for bad in [
            "",
            "tomorrow",
            "2026-13-01",
            "03/12/2026",
            "2026-12-03T25:00",
            "+99999-01-01",
            "+99999-01-01T18:00",
            "99999-01-01",
            "0999-12-31",
            "-2026-12-03",
        ] {
            assert!(
                matches!(parse_when(bad), Err(ModelError::InvalidDate(_))),
                "{bad}"
            );
        }
        assert_eq!(
            day_of(parse_when("2026-12-03T18:00").unwrap()),
            "2026-12-03"
        );
    }

    /// A date is read in the viewer's zone, and the refusal names the same forms as the hint.
    #[test]
    fn dates_are_read_in_the_viewers_zone_and_the_error_agrees_with_the_hint() {
        let berlin = local_time::Zone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(
            parse_when_in("2026-12-03 18:00", &berlin)
                .unwrap()
                .to_rfc3339(),
            "2026-12-03T17:00:00Z"
        );
        assert_eq!(
            parse_when_in("2026-07-01", &berlin).unwrap().to_rfc3339(),
            "2026-06-30T22:00:00Z"
        );
        let refusal = parse_when_in("3 Dec", &berlin).unwrap_err().to_string();
        assert!(refusal.ends_with(DATE_HINT), "{refusal}");
    }

    #[test]
    fn anyone_may_change_a_role_but_only_to_a_member() {
        let mut c = community();
        let g = GatheringId::from("g".to_string());
        let gathering = Gathering::new("June", Timestamp(10));
        c.add_gathering(g.clone(), &id("ada"), gathering).unwrap();
        c.set_gathering_role(&g, &id("bo"), Role::NoteTaker, Some(id("ada")))
            .unwrap();
        assert_eq!(c.gatherings[&g].roles.note_taker, Some(id("ada")));
        assert_eq!(
            c.set_gathering_role(&g, &id("bo"), Role::Presenter, Some(id("eve"))),
            Err(ModelError::NotAMember("eve".into()))
        );
        c.set_gathering_role(&g, &id("ada"), Role::NoteTaker, None)
            .unwrap();
        assert_eq!(c.gatherings[&g].roles, Roles::default());
        assert!(matches!(
            c.set_gathering_role(
                &GatheringId::from("x".to_string()),
                &id("ada"),
                Role::Presenter,
                None
            ),
            Err(ModelError::NoSuchGathering(_))
        ));
    }

    #[test]
    fn upcoming_includes_today_and_past_is_latest_first() {
        let mut c = community();
        let day = 24 * 60 * 60 * 1000;
        for (name, when) in [
            ("old", 1),
            ("older", 0),
            ("today", 10 * day),
            ("soon", 12 * day),
        ] {
            c.gatherings.insert(
                GatheringId::from(name.to_string()),
                Gathering::new(name, Timestamp(when)),
            );
        }
        let now = Timestamp(10 * day + 20 * 60 * 60 * 1000);
        let (upcoming, past) = c.gatherings_by_date(now);
        let titles = |l: &[(&GatheringId, &Gathering)]| {
            l.iter().map(|(_, g)| g.title.clone()).collect::<Vec<_>>()
        };
        assert_eq!(titles(&upcoming), ["today", "soon"]);
        assert_eq!(titles(&past), ["old", "older"]);
        assert_eq!(c.next_gathering(now).unwrap().1.title, "today");
    }

    #[test]
    fn members_are_found_by_id_or_unique_name() {
        let mut c = community();
        assert_eq!(c.find_member("bo").unwrap(), id("bo"));
        assert_eq!(c.find_member("ADA").unwrap(), id("ada"));
        c.add_member(id("bo2"), Member::new("Bo", "bo2", Timestamp(3)).unwrap());
        assert_eq!(
            c.find_member("Bo"),
            Err(ModelError::AmbiguousMember("Bo".into()))
        );
        assert!(matches!(
            c.find_member("Zed"),
            Err(ModelError::NotAMember(_))
        ));
    }

    #[test]
    fn availability_is_ones_own_and_missing_means_available() {
        let mut c = community();
        assert!(c.members[&id("bo")].available_for_roles());
        c.set_available_for_roles(&id("bo"), false).unwrap();
        assert!(!c.members[&id("bo")].available_for_roles());
        c.set_available_for_roles(&id("bo"), true).unwrap();
        assert!(c.members[&id("bo")].available_for_roles());
        assert!(c.set_available_for_roles(&id("eve"), false).is_err());

        // A member written before the field existed reads as available.
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "name", "Old").unwrap();
        doc.put(automerge::ROOT, "joined_at", 5i64).unwrap();
        let old: Member = autosurgeon::hydrate(&doc).unwrap();
        assert!(old.available_for_roles());
    }

    /// Regression: a deleted topic stayed on the agendas of the gatherings it was on.
    #[test]
    fn a_deleted_topic_leaves_agendas_and_comes_back_when_restored() {
        use crate::model::community::NewTopic;
        use crate::model::{Item, Member};
        let ada = MemberId::from("ada".to_string());
        let mut c = Community::new(
            "G",
            "",
            &ada,
            Member::new("Ada", "d", Timestamp(0)).unwrap(),
            Timestamp(0),
        )
        .unwrap();
        let mut topics = Vec::new();
        for title in ["Soil", "Seeds"] {
            let t = TopicId::from(title.to_lowercase());
            let new = NewTopic {
                title: title.into(),
                ..Default::default()
            };
            c.add_topic(t.clone(), &ada, &new, Timestamp(1)).unwrap();
            topics.push(t);
        }
        let g = GatheringId::from("g".to_string());
        let gathering = Gathering {
            agenda: topics.clone(),
            ..Gathering::new("Monthly", Timestamp(10))
        };
        c.add_gathering(g.clone(), &ada, gathering).unwrap();
        let agenda = |c: &Community| -> Vec<String> {
            c.agenda_of(&c.gatherings[&g])
                .into_iter()
                .map(|t| t.to_string())
                .collect()
        };
        assert_eq!(agenda(&c), ["soil", "seeds"]);
        let soil = Item::Topic(topics[0].clone());
        c.delete(&soil, &ada, Timestamp(20)).unwrap();
        assert_eq!(agenda(&c), ["seeds"]);
        c.restore_deleted(&soil, &ada).unwrap();
        assert_eq!(agenda(&c), ["soil", "seeds"]);
    }
}

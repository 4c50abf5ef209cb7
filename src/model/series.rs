//! A series of gatherings: a repeat rule from a first gathering, kept in the community
//! document with the organiser's time zone, the days members skipped and when it ended; and
//! its next occurrences, each with the roles the rotation suggests for it.
//!
//! Occurrences are computed from the rule ([`crate::model::recurrence`]), never stored one by
//! one: skipping one writes its day, ending the series writes one time.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::recurrence::{self, Repeat, Slot};
use crate::model::{
    Community, Gathering, GatheringId, MemberId, ModelError, Roles, SeriesId, Timestamp, limits,
    local_time, practice::rotation,
};

/// A repeating gathering.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Series {
    pub title: String,
    /// The first occurrence, in UTC.
    pub first: Timestamp,
    /// The organiser's time zone ([`local_time::Zone::spec`]): every occurrence meets at the
    /// first one's local time of day there.
    pub zone: String,
    /// The rule as [`Repeat`] prints it (`weekly:4`, `monthly:2:tue`).
    pub repeat: String,
    /// Skipped days (`2026-12-22`, in the organiser's zone) → who skipped them.
    #[autosurgeon(missing = "Default::default")]
    pub skipped: BTreeMap<String, MemberId>,
    /// No occurrence from this time on.
    #[autosurgeon(missing = "Default::default")]
    pub ended_at: Option<Timestamp>,
    #[autosurgeon(missing = "Default::default")]
    pub planned_by: Option<MemberId>,
    #[autosurgeon(missing = "Default::default")]
    pub planned_at: Option<Timestamp>,
}

/// Whether an occurrence meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OccurrenceState {
    Planned,
    /// A member skipped it.
    Skipped,
    /// The month has no such day (no 5th Tuesday): the series does not meet that month.
    NoSuchDay,
}

/// One occurrence of a series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Occurrence {
    /// `SERIES@2026-12-22`: what `copse gathering skip` takes.
    pub id: String,
    pub series: SeriesId,
    pub title: String,
    /// The day in the organiser's zone (`2027-02` for a month without such a day).
    pub day: String,
    pub when: Option<Timestamp>,
    pub state: OccurrenceState,
    /// The rotation's suggestion, counting the series' earlier occurrences as held.
    pub roles: Roles,
}

impl Occurrence {
    /// Its roles in words, in the community's order: "Facilitator: Ada · Host: Bo".
    pub fn roles_in_words(&self, community: &Community) -> String {
        community
            .roles()
            .iter()
            .filter_map(|r| {
                self.roles
                    .get(r)
                    .map(|m| format!("{}: {}", r.label(), community.display_name(m)))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

impl Series {
    /// The series' rule; a rule a newer copse wrote that this one cannot read gives none.
    pub fn rule(&self) -> Option<Repeat> {
        self.repeat.parse().ok()
    }

    /// The organiser's zone (UTC if this machine does not know it).
    pub fn zone(&self) -> local_time::Zone {
        local_time::Zone::from_spec(&self.zone).unwrap_or_else(|_| local_time::Zone::utc())
    }

    /// "every 4 weeks", or the stored rule when this copse cannot read it.
    pub fn describe(&self) -> String {
        self.rule()
            .map(|r| r.describe())
            .unwrap_or_else(|| self.repeat.clone())
    }

    /// Up to `count` occurrences from `from` on, before it ended; roles left empty.
    pub fn occurrences(&self, id: &SeriesId, from: Timestamp, count: usize) -> Vec<Occurrence> {
        let Some(rule) = self.rule() else {
            return Vec::new();
        };
        recurrence::slots(rule, self.first, &self.zone(), from, count)
            .into_iter()
            .filter(|slot| match (slot, self.ended_at) {
                (Slot::On { when, .. }, Some(end)) => *when < end,
                (Slot::NoSuchDay { .. }, Some(_)) => false,
                _ => true,
            })
            .map(|slot| {
                let (day, when) = match &slot {
                    Slot::On { day, when } => (day.to_string(), Some(*when)),
                    Slot::NoSuchDay { year, month } => (format!("{year}-{month:02}"), None),
                };
                let state = match slot {
                    Slot::NoSuchDay { .. } => OccurrenceState::NoSuchDay,
                    Slot::On { .. } if self.skipped.contains_key(&day) => OccurrenceState::Skipped,
                    Slot::On { .. } => OccurrenceState::Planned,
                };
                Occurrence {
                    id: format!("{id}@{day}"),
                    series: id.clone(),
                    title: self.title.clone(),
                    day,
                    when,
                    state,
                    roles: Roles::default(),
                }
            })
            .collect()
    }
}

impl Community {
    /// Starts a series: the rule must read, the zone be known, the title fit.
    pub fn add_series(
        &mut self,
        id: SeriesId,
        by: &MemberId,
        series: Series,
    ) -> Result<SeriesId, ModelError> {
        self.require_member(by)?;
        let rule: Repeat = series.repeat.parse()?;
        local_time::Zone::from_spec(&series.zone)?;
        let title = limits::title("a gathering's title", &series.title)?;
        self.series.insert(
            id.clone(),
            Series {
                title,
                repeat: rule.to_string(),
                ..series
            },
        );
        Ok(id)
    }

    /// Skips one occurrence (`SERIES@YYYY-MM-DD`, a day the series meets). Returns whether it
    /// was not skipped already.
    pub fn skip_occurrence(&mut self, occurrence: &str, by: &MemberId) -> Result<bool, ModelError> {
        self.require_member(by)?;
        let unknown = || ModelError::NoSuchOccurrence(occurrence.chars().take(80).collect());
        let (series_id, day) = occurrence.trim().split_once('@').ok_or_else(unknown)?;
        let series_id: SeriesId = series_id.parse().map_err(|_| unknown())?;
        let series = self
            .series
            .get_mut(&series_id)
            .ok_or_else(|| ModelError::NoSuchSeries(series_id.to_string()))?;
        let date: jiff::civil::Date = day.parse().map_err(|_| unknown())?;
        let zone = series.zone();
        let from = local_time::from_civil(date, 0, 0, &zone).map_err(|_| unknown())?;
        let meets = series
            .occurrences(&series_id, from, 1)
            .first()
            .is_some_and(|o| o.day == day && o.when.is_some());
        if !meets {
            return Err(unknown());
        }
        if series.skipped.contains_key(day) {
            return Ok(false);
        }
        series.skipped.insert(day.to_string(), by.clone());
        Ok(true)
    }

    /// Ends a series at `at`: no occurrence from then on. Ending it again keeps the first end.
    pub fn end_series(
        &mut self,
        id: &SeriesId,
        by: &MemberId,
        at: Timestamp,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        let series = self
            .series
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchSeries(id.to_string()))?;
        if series.ended_at.is_none() {
            series.ended_at = Some(at);
        }
        Ok(())
    }

    /// The next occurrences of every series from the start of the viewer's day of `now`, up to
    /// `count` of each, soonest first, with the roles the rotation suggests for each planned
    /// one: an occurrence counts the series' earlier ones as held, so the roles rotate along
    /// the series.
    pub fn upcoming_occurrences(&self, now: Timestamp, count: usize) -> Vec<Occurrence> {
        let from = local_time::start_of_day(now, &local_time::viewer_zone());
        let mut all: Vec<Occurrence> = self
            .series
            .iter()
            .flat_map(|(id, s)| s.occurrences(id, from, count))
            .collect();
        all.sort_by(|a, b| {
            let at = |o: &Occurrence| o.when.unwrap_or(Timestamp(i64::MAX));
            at(a).cmp(&at(b)).then(a.id.cmp(&b.id))
        });
        let mut scratch = self.roster_and_gatherings();
        for occurrence in &mut all {
            let (OccurrenceState::Planned, Some(when)) = (occurrence.state, occurrence.when) else {
                continue;
            };
            occurrence.roles = rotation::suggest_roles(&scratch, when);
            scratch.gatherings.insert(
                GatheringId::from(format!("occurrence:{}", occurrence.id)),
                Gathering {
                    roles: occurrence.roles.clone(),
                    ..Gathering::new(occurrence.title.clone(), when)
                },
            );
        }
        all
    }

    /// A copy holding only what the rotation reads (members, gatherings): cheap enough to make
    /// on every frame, whatever the number of notes and cases.
    fn roster_and_gatherings(&self) -> Community {
        Community {
            created_at: self.created_at,
            members: self.members.clone(),
            gatherings: self.gatherings.clone(),
            custom_roles: self.custom_roles.clone(),
            ..Community::empty()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Member, Role};

    const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

    use crate::model::fixtures::id;

    fn community(names: &[&str]) -> Community {
        let mut c = crate::model::fixtures::gardeners();
        for (n, name) in names.iter().enumerate() {
            c.add_member(
                id(&name.to_lowercase()),
                Member::new(name, "x", Timestamp(2 + n as i64)).unwrap(),
            );
        }
        c
    }

    fn at(day: &str, hour: i8) -> Timestamp {
        let zone = local_time::Zone::posix(BERLIN).unwrap();
        local_time::from_civil(day.parse().unwrap(), hour, 0, &zone).unwrap()
    }

    fn weekly(first: Timestamp) -> Series {
        Series {
            title: "Reading circle".into(),
            first,
            zone: BERLIN.into(),
            repeat: "weekly".into(),
            skipped: BTreeMap::new(),
            ended_at: None,
            planned_by: Some(id("ada")),
            planned_at: None,
        }
    }

    /// The clock's "now" is the day before the first occurrence; every date is relative to it.
    #[test]
    fn skipping_one_occurrence_keeps_the_others_and_ending_stops_the_series() {
        let now = at("2026-12-07", 12);
        let first = Timestamp(now.0 + 24 * 3_600_000 + 6 * 3_600_000);
        let mut c = community(&["Bo"]);
        let s = SeriesId::from("s".to_string());
        c.add_series(s.clone(), &id("ada"), weekly(first)).unwrap();
        let list = c.upcoming_occurrences(now, 3);
        let days: Vec<_> = list.iter().map(|o| o.day.clone()).collect();
        assert_eq!(days, ["2026-12-08", "2026-12-15", "2026-12-22"]);

        assert!(c.skip_occurrence("s@2026-12-15", &id("bo")).unwrap());
        assert!(!c.skip_occurrence("s@2026-12-15", &id("ada")).unwrap());
        let states: Vec<_> = c
            .upcoming_occurrences(now, 3)
            .iter()
            .map(|o| o.state)
            .collect();
        assert_eq!(
            states,
            [
                OccurrenceState::Planned,
                OccurrenceState::Skipped,
                OccurrenceState::Planned
            ]
        );
        // Not a day the series meets, and not a series.
        assert!(matches!(
            c.skip_occurrence("s@2026-12-16", &id("bo")),
            Err(ModelError::NoSuchOccurrence(_))
        ));
        assert!(matches!(
            c.skip_occurrence("x@2026-12-15", &id("bo")),
            Err(ModelError::NoSuchSeries(_))
        ));

        c.end_series(&s, &id("bo"), at("2026-12-16", 0)).unwrap();
        let days: Vec<_> = c
            .upcoming_occurrences(now, 3)
            .iter()
            .map(|o| o.day.clone())
            .collect();
        assert_eq!(days, ["2026-12-08", "2026-12-15"]);
    }

    #[test]
    fn a_bad_rule_or_zone_is_refused() {
        let mut c = community(&[]);
        let mut s = weekly(Timestamp(0));
        s.repeat = "daily".into();
        assert!(matches!(
            c.add_series(SeriesId::new_random(), &id("ada"), s),
            Err(ModelError::InvalidRepeat(_))
        ));
        let mut s = weekly(Timestamp(0));
        s.zone = "Not/AZone!".into();
        assert!(c.add_series(SeriesId::new_random(), &id("ada"), s).is_err());
        assert!(c.series.is_empty());
    }

    /// Along a series, each role passes to whoever held it least recently, and nobody holds
    /// two while another has none.
    #[test]
    fn roles_rotate_along_a_series() {
        let now = at("2026-12-07", 12);
        let mut c = community(&["Bo", "Cy"]);
        c.add_series(
            SeriesId::from("s".to_string()),
            &id("ada"),
            weekly(at("2026-12-08", 18)),
        )
        .unwrap();
        let list = c.upcoming_occurrences(now, 3);
        let facilitators: Vec<_> = list
            .iter()
            .map(|o| o.roles.get(&Role::Facilitator).cloned())
            .collect();
        assert_eq!(
            facilitators,
            [Some(id("ada")), Some(id("bo")), Some(id("cy"))]
        );
        for o in &list {
            let holders: std::collections::BTreeSet<_> = Role::BUILT_IN
                .iter()
                .filter_map(|r| o.roles.get(r))
                .collect();
            assert_eq!(holders.len(), 3, "{o:?}");
        }
    }
}

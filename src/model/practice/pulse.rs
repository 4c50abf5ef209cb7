//! The community pulse: participation levels, gentle notices and activity per week, computed
//! locally from what the documents already record. Indicators to talk about, never targets:
//! nothing here ranks members against each other.
//!
//! Pure functions; the caller passes the community, the note and case documents it could open,
//! and `now`. Activity is what members *did* that the documents date: writing, editing and
//! commenting on notes, proposing and endorsing topics, opening cases, asking, answering and
//! suggesting in them, closing them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::model::{Case, CaseId, Community, DocEntry, MemberId, Note, NoteId, Timestamp};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const WEEK_MS: i64 = 7 * DAY_MS;

/// Levels are read from the last 90 days.
pub const LEVEL_WINDOW_DAYS: i64 = 90;
/// Core: at least this many contributions in the window …
pub const CORE_MIN_CONTRIBUTIONS: usize = 10;
/// … spread over at least this many different weeks (a steady presence, not one busy week).
pub const CORE_MIN_WEEKS: usize = 6;
/// Active: at least this many contributions in the window (about one a month). Fewer but at
/// least one is peripheral; none is quiet. Reading is participation too, but it leaves no trace.
pub const ACTIVE_MIN_CONTRIBUTIONS: usize = 3;
/// A member who was core in the 90 days up to their last contribution and has been quiet for
/// this many weeks is a dropped anchor …
pub const ANCHOR_QUIET_WEEKS: i64 = 6;
/// … until half a year has passed, when it is old news rather than a notice.
pub const ANCHOR_FORGOTTEN_WEEKS: i64 = 26;
/// The solo-lead notice looks at the last four weeks …
pub const SOLO_WINDOW_WEEKS: i64 = 4;
/// … and fires when one member made at least this share of the contributions …
pub const SOLO_SHARE_PERCENT: usize = 60;
/// … and there were enough contributions for a share to mean something (and someone else on
/// the roster to share them with).
pub const SOLO_MIN_CONTRIBUTIONS: usize = 10;
/// No contribution at all for this many weeks (in a community older than that) is a notice.
pub const SILENCE_WEEKS: i64 = 4;
/// The chart covers this many weeks, the last one ending now.
pub const CHART_WEEKS: usize = 13;
/// Passion-less glow: in the last this many weeks …
pub const GLOW_WINDOW_WEEKS: i64 = 8;
/// … at least this many gatherings took place …
pub const GLOW_MIN_GATHERINGS: usize = 2;
/// … while what members wrote (notes, cases, comments, questions, suggestions) fell below half
/// of the same span before it, or to nothing.
pub const GLOW_DROP_PERCENT: usize = 50;
/// An index entry's "last updated by" is counted only when no dated contribution by the same
/// member on that document explains it (a comment touches the index too, a few ms later).
const EXPLAINED_WITHIN_MS: i64 = 5_000;

/// What kind of contribution an [`Activity`] was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    NoteWritten,
    NoteEdited,
    TopicProposed,
    Endorsement,
    Comment,
    CaseOpened,
    CaseUpdated,
    Question,
    Answer,
    Suggestion,
    CaseClosed,
}

/// One dated contribution by one member.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Activity {
    pub member: MemberId,
    pub at: Timestamp,
    pub kind: ActivityKind,
}

impl Activity {
    pub fn new(member: &MemberId, at: Timestamp, kind: ActivityKind) -> Activity {
        Activity {
            member: member.clone(),
            at,
            kind,
        }
    }
}

/// How much a member took part in the last 90 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Core,
    Active,
    Peripheral,
    Quiet,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Core, Level::Active, Level::Peripheral, Level::Quiet];

    /// What the level means, in words.
    pub fn meaning(self) -> &'static str {
        match self {
            Level::Core => "contributed steadily: 10 or more times, in 6 or more different weeks",
            Level::Active => "contributed 3 or more times",
            Level::Peripheral => "contributed once or twice",
            Level::Quiet => "no contributions recorded — reading leaves no trace",
        }
    }

    /// The level earned by contributions at these ages (ms before the window's end).
    fn of(ages: &[i64]) -> Level {
        let weeks: BTreeSet<i64> = ages.iter().map(|age| age / WEEK_MS).collect();
        if ages.len() >= CORE_MIN_CONTRIBUTIONS && weeks.len() >= CORE_MIN_WEEKS {
            Level::Core
        } else if ages.len() >= ACTIVE_MIN_CONTRIBUTIONS {
            Level::Active
        } else if !ages.is_empty() {
            Level::Peripheral
        } else {
            Level::Quiet
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Core => "core",
            Level::Active => "active",
            Level::Peripheral => "peripheral",
            Level::Quiet => "quiet",
        })
    }
}

/// One member's participation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberPulse {
    pub member: MemberId,
    pub name: String,
    pub level: Level,
    /// Contributions in the last 90 days.
    pub contributions: usize,
    pub last_active: Option<Timestamp>,
    /// Gatherings they came to in the last 90 days (see [`crate::model::attendance`]).
    pub gatherings_attended: usize,
}

/// A pattern worth talking about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A core member has gone quiet.
    DroppedAnchor {
        member: MemberId,
        name: String,
        quiet_weeks: i64,
    },
    /// One member made most of the recent contributions.
    SoloLead {
        member: MemberId,
        name: String,
        share_percent: usize,
        contributions: usize,
    },
    /// Nobody contributed for a while.
    Silence { weeks: i64 },
    /// Gatherings keep happening while what members write dries up.
    PassionlessGlow {
        gatherings: usize,
        written_before: usize,
        written_recently: usize,
    },
}

impl Notice {
    /// The notice as a gentle sentence.
    pub fn message(&self) -> String {
        match self {
            Notice::DroppedAnchor {
                name, quiet_weeks, ..
            } => format!(
                "Dropped anchor: {name} was at the heart of the community and has been quiet \
                 for {quiet_weeks} weeks. Maybe someone could check in?"
            ),
            Notice::SoloLead {
                name,
                share_percent,
                contributions,
                ..
            } => format!(
                "Solo lead: {name} made {share_percent}% of the last {SOLO_WINDOW_WEEKS} weeks' \
                 {contributions} contributions. Is the load shared?"
            ),
            Notice::Silence { weeks } => format!(
                "No activity for {weeks} weeks. Is it time for a gathering, or a fresh topic?"
            ),
            Notice::PassionlessGlow {
                gatherings,
                written_before,
                written_recently,
            } => format!(
                "Gatherings keep happening ({gatherings} in the last {GLOW_WINDOW_WEEKS} weeks) \
                 while notes, cases and comments dry up ({written_recently}, after \
                 {written_before} in the {GLOW_WINDOW_WEEKS} weeks before). Is there still \
                 something the group cares to work on together?"
            ),
        }
    }
}

/// Contributions in one week.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Week {
    pub start: Timestamp,
    pub contributions: usize,
}

/// The whole pulse at `now`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pulse {
    pub now: Timestamp,
    /// Every member on the roster, by level, then by name (never by count).
    pub members: Vec<MemberPulse>,
    pub notices: Vec<Notice>,
    /// The last [`CHART_WEEKS`] weeks, oldest first; the last one ends now.
    pub weeks: Vec<Week>,
}

/// What the community document dates by itself: topics proposed and endorsed, notes written
/// and cases opened, and the last update of each note and case (see [`gather_activity`]).
fn community_activity(community: &Community) -> Vec<Activity> {
    let mut out = Vec::new();
    for topic in community.topics.values() {
        out.push(Activity::new(
            &topic.proposer,
            topic.proposed_at,
            ActivityKind::TopicProposed,
        ));
        for (member, at) in &topic.endorsements {
            out.push(Activity::new(member, *at, ActivityKind::Endorsement));
        }
    }
    out
}

/// Comments on a note.
pub fn note_activity(note: &Note) -> Vec<Activity> {
    note.comments
        .values()
        .map(|c| Activity::new(&c.author, c.at, ActivityKind::Comment))
        .collect()
}

/// Questions, answers, suggestions, comments and the closing of a case.
pub fn case_activity(case: &Case) -> Vec<Activity> {
    let mut out = Vec::new();
    for q in case.questions.values() {
        out.push(Activity::new(&q.author, q.asked_at, ActivityKind::Question));
        if let Some(at) = q.answered_at {
            out.push(Activity::new(&case.presenter, at, ActivityKind::Answer));
        }
    }
    for s in case.suggestions.values() {
        out.push(Activity::new(&s.author, s.at, ActivityKind::Suggestion));
    }
    for c in case.comments.values() {
        out.push(Activity::new(&c.author, c.at, ActivityKind::Comment));
    }
    if let Some(at) = case.closed_at {
        out.push(Activity::new(&case.presenter, at, ActivityKind::CaseClosed));
    }
    out
}

/// A document's creation, what its own document dates, and its last update unless one of those
/// already explains it.
fn document_activity(
    entry: &DocEntry,
    created: ActivityKind,
    updated: ActivityKind,
    inside: Vec<Activity>,
) -> Vec<Activity> {
    let mut out = vec![Activity::new(&entry.author, entry.created_at, created)];
    if let Some(by) = &entry.updated_by {
        let explained = inside
            .iter()
            .chain(&out)
            .any(|a| &a.member == by && (entry.updated_at.0 - a.at.0).abs() <= EXPLAINED_WITHIN_MS);
        if !explained && entry.updated_at > entry.created_at {
            out.push(Activity::new(by, entry.updated_at, updated));
        }
    }
    out.extend(inside);
    out
}

/// Every dated contribution: the community document's, plus those inside the note and case
/// documents given (a document not given — not yet synced, say — counts by its index entry).
pub fn gather_activity(
    community: &Community,
    notes: &BTreeMap<NoteId, Note>,
    cases: &BTreeMap<CaseId, Case>,
) -> Vec<Activity> {
    let mut out = community_activity(community);
    for (id, entry) in &community.notes {
        let inside = notes.get(id).map(note_activity).unwrap_or_default();
        out.extend(document_activity(
            entry,
            ActivityKind::NoteWritten,
            ActivityKind::NoteEdited,
            inside,
        ));
    }
    for (id, entry) in &community.cases {
        let inside = cases.get(id).map(case_activity).unwrap_or_default();
        out.extend(document_activity(
            entry,
            ActivityKind::CaseOpened,
            ActivityKind::CaseUpdated,
            inside,
        ));
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.member.cmp(&b.member)));
    out
}

/// How long before `now` something happened; a time in the future (a peer's clock ahead of
/// ours) counts as now.
fn age(now: Timestamp, at: Timestamp) -> i64 {
    (now.0 - at.0).max(0)
}

/// The pulse of `community` at `now`, from `activity` (see [`gather_activity`]).
pub fn pulse(community: &Community, activity: &[Activity], now: Timestamp) -> Pulse {
    // Each member's last contribution.
    let mut last: BTreeMap<&MemberId, Timestamp> = BTreeMap::new();
    for a in activity {
        let latest = last.entry(&a.member).or_insert(a.at);
        if a.at > *latest {
            *latest = a.at;
        }
    }
    let mut notices = Vec::new();
    notices.extend(silence_notice(community, activity, now));
    notices.extend(dropped_anchor_notices(community, activity, &last, now));
    notices.extend(solo_lead_notice(community, activity, now));
    notices.extend(passionless_glow_notice(community, activity, now));
    Pulse {
        now,
        members: member_levels(community, activity, &last, now),
        notices,
        weeks: weekly_counts(activity, now),
    }
}

/// Every member's level over the last 90 days, core first, then by name.
fn member_levels(
    community: &Community,
    activity: &[Activity],
    last: &BTreeMap<&MemberId, Timestamp>,
    now: Timestamp,
) -> Vec<MemberPulse> {
    let window = LEVEL_WINDOW_DAYS * DAY_MS;
    let mut recent: BTreeMap<&MemberId, Vec<i64>> = BTreeMap::new();
    for a in activity.iter().filter(|a| age(now, a.at) < window) {
        recent.entry(&a.member).or_default().push(age(now, a.at));
    }
    let attended = community.attendance_between(Timestamp(now.0 - window), Timestamp(now.0 + 1));
    let mut members: Vec<MemberPulse> = community
        .members
        .iter()
        .map(|(id, m)| {
            let recent = recent.get(id).map(Vec::as_slice).unwrap_or_default();
            MemberPulse {
                member: id.clone(),
                name: m.name.clone(),
                level: Level::of(recent),
                contributions: recent.len(),
                last_active: last.get(id).copied(),
                gatherings_attended: attended.get(id).copied().unwrap_or(0),
            }
        })
        .collect();
    members.sort_by(|a, b| {
        a.level
            .cmp(&b.level)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.member.cmp(&b.member))
    });
    members
}

/// The whole community has been silent for weeks (and is old enough for that to mean
/// something).
fn silence_notice(community: &Community, activity: &[Activity], now: Timestamp) -> Option<Notice> {
    let silence = SILENCE_WEEKS * WEEK_MS;
    let old_enough = age(now, community.created_at) >= silence;
    (old_enough && activity.iter().all(|a| age(now, a.at) >= silence)).then(|| Notice::Silence {
        weeks: activity
            .iter()
            .map(|a| age(now, a.at) / WEEK_MS)
            .min()
            .unwrap_or(age(now, community.created_at) / WEEK_MS),
    })
}

/// Members who were core up to their last contribution and have gone quiet since.
fn dropped_anchor_notices(
    community: &Community,
    activity: &[Activity],
    last: &BTreeMap<&MemberId, Timestamp>,
    now: Timestamp,
) -> Vec<Notice> {
    let window = LEVEL_WINDOW_DAYS * DAY_MS;
    let mut notices = Vec::new();
    for (id, m) in &community.members {
        let Some(last_at) = last.get(id) else {
            continue;
        };
        let quiet_weeks = age(now, *last_at) / WEEK_MS;
        if !(ANCHOR_QUIET_WEEKS..ANCHOR_FORGOTTEN_WEEKS).contains(&quiet_weeks) {
            continue;
        }
        // Were they core in the 90 days up to their last contribution?
        let before: Vec<i64> = activity
            .iter()
            .filter(|a| &a.member == id)
            .map(|a| age(*last_at, a.at))
            .filter(|a| *a < window)
            .collect();
        if Level::of(&before) == Level::Core {
            notices.push(Notice::DroppedAnchor {
                member: id.clone(),
                name: m.name.clone(),
                quiet_weeks,
            });
        }
    }
    notices
}

/// One member made most of the last weeks' contributions.
fn solo_lead_notice(
    community: &Community,
    activity: &[Activity],
    now: Timestamp,
) -> Option<Notice> {
    let solo_window = SOLO_WINDOW_WEEKS * WEEK_MS;
    let mut recent: BTreeMap<&MemberId, usize> = BTreeMap::new();
    for a in activity.iter().filter(|a| age(now, a.at) < solo_window) {
        *recent.entry(&a.member).or_default() += 1;
    }
    let total: usize = recent.values().sum();
    // Alone on the roster, doing everything is no pattern to warn about.
    if total >= SOLO_MIN_CONTRIBUTIONS
        && community.members.len() > 1
        && let Some((lead, count)) = recent.iter().max_by_key(|(_, n)| **n)
        && count * 100 >= total * SOLO_SHARE_PERCENT
    {
        return Some(Notice::SoloLead {
            member: (*lead).clone(),
            name: community.display_name(lead),
            share_percent: count * 100 / total,
            contributions: total,
        });
    }
    None
}

/// Gatherings kept happening in the last weeks while what members wrote dried up.
fn passionless_glow_notice(
    community: &Community,
    activity: &[Activity],
    now: Timestamp,
) -> Option<Notice> {
    let span = GLOW_WINDOW_WEEKS * WEEK_MS;
    let gatherings = community
        .gatherings
        .iter()
        .filter(|(id, g)| {
            g.when <= now
                && age(now, g.when) < span
                && !community.is_deleted(&crate::model::Item::Gathering((*id).clone()))
        })
        .count();
    let written = |a: &&Activity| {
        !matches!(
            a.kind,
            ActivityKind::TopicProposed | ActivityKind::Endorsement
        )
    };
    let recently = activity
        .iter()
        .filter(written)
        .filter(|a| age(now, a.at) < span)
        .count();
    let before = activity
        .iter()
        .filter(written)
        .filter(|a| (span..2 * span).contains(&age(now, a.at)))
        .count();
    let old_enough = age(now, community.created_at) >= 2 * span;
    let dried = recently * 100 < before * GLOW_DROP_PERCENT || (recently == 0 && old_enough);
    (gatherings >= GLOW_MIN_GATHERINGS && dried).then_some(Notice::PassionlessGlow {
        gatherings,
        written_before: before,
        written_recently: recently,
    })
}

/// Contributions per week for the chart, oldest week first, the last ending now.
fn weekly_counts(activity: &[Activity], now: Timestamp) -> Vec<Week> {
    let mut weeks: Vec<Week> = (0..CHART_WEEKS)
        .map(|i| Week {
            start: Timestamp(now.0 - (CHART_WEEKS - i) as i64 * WEEK_MS),
            contributions: 0,
        })
        .collect();
    for a in activity {
        let back = (age(now, a.at) / WEEK_MS) as usize;
        if back < CHART_WEEKS {
            weeks[CHART_WEEKS - 1 - back].contributions += 1;
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, CommentId, DocRef, Member};

    const NOW: Timestamp = Timestamp(1_000 * DAY_MS);

    fn id(name: &str) -> MemberId {
        MemberId::from(name.to_lowercase())
    }

    /// A community created `age_days` ago with these members.
    fn community(names: &[&str], age_days: i64) -> Community {
        let created = Timestamp(NOW.0 - age_days * DAY_MS);
        let mut c = Community::new(
            "Gardeners",
            "",
            &id(names[0]),
            Member::new(names[0], names[0], created).unwrap(),
            created,
        )
        .unwrap();
        for name in &names[1..] {
            c.add_member(id(name), Member::new(name, name, created).unwrap());
        }
        c
    }

    fn ago(days: f64) -> Timestamp {
        Timestamp(NOW.0 - (days * DAY_MS as f64) as i64)
    }

    /// `count` contributions by `name`, one every `every_days`, the newest `from_days` ago.
    fn steady(name: &str, count: usize, from_days: f64, every_days: f64) -> Vec<Activity> {
        (0..count)
            .map(|i| {
                Activity::new(
                    &id(name),
                    ago(from_days + i as f64 * every_days),
                    ActivityKind::Comment,
                )
            })
            .collect()
    }

    fn level_of(p: &Pulse, name: &str) -> Level {
        p.members.iter().find(|m| m.name == name).unwrap().level
    }

    /// A gathering `days_ago` days before now, with `there` ticked.
    fn held(c: &mut Community, name: &str, days_ago: f64, there: &[&str]) {
        let g = crate::model::GatheringId::from(name.to_string());
        let gathering = crate::model::Gathering::new(name, ago(days_ago));
        let by = c.members.keys().next().unwrap().clone();
        c.add_gathering(g.clone(), &by, gathering).unwrap();
        let there: Vec<MemberId> = there.iter().map(|n| id(n)).collect();
        c.record_attendance(&g, &by, &there, true, ago(days_ago))
            .unwrap();
    }

    #[test]
    fn who_came_to_gatherings_in_the_last_90_days() {
        let mut c = community(&["Ada", "Bo", "Cy"], 400);
        held(&mut c, "old", 120.0, &["Ada", "Bo", "Cy"]);
        held(&mut c, "may", 30.0, &["Ada", "Bo"]);
        held(&mut c, "june", 2.0, &["Ada"]);
        let p = pulse(&c, &[], NOW);
        let came = |name: &str| {
            p.members
                .iter()
                .find(|m| m.name == name)
                .unwrap()
                .gatherings_attended
        };
        assert_eq!((came("Ada"), came("Bo"), came("Cy")), (2, 1, 0));
    }

    #[test]
    fn gatherings_going_on_while_writing_dries_up_is_a_passionless_glow() {
        let glow = |p: &Pulse| {
            p.notices
                .iter()
                .find(|n| matches!(n, Notice::PassionlessGlow { .. }))
                .cloned()
        };
        let mut c = community(&["Ada", "Bo"], 400);
        // Ten comments eight to sixteen weeks ago, two in the last eight weeks.
        let mut activity = steady("Bo", 10, 60.0, 5.0);
        activity.extend(steady("Ada", 2, 3.0, 7.0));
        held(&mut c, "one", 40.0, &["Ada", "Bo"]);
        assert_eq!(
            glow(&pulse(&c, &activity, NOW)),
            None,
            "one gathering is no rhythm"
        );
        held(&mut c, "two", 10.0, &["Ada", "Bo"]);
        let notice = glow(&pulse(&c, &activity, NOW)).expect("a glow notice");
        assert_eq!(
            notice,
            Notice::PassionlessGlow {
                gatherings: 2,
                written_before: 10,
                written_recently: 2
            }
        );
        assert!(notice.message().contains("Gatherings keep happening"));
        // Writing as much as before: no notice.
        activity.extend(steady("Ada", 8, 4.0, 5.0));
        assert_eq!(glow(&pulse(&c, &activity, NOW)), None);
        // A gathering planned ahead does not count as held.
        let mut fresh = community(&["Ada", "Bo"], 400);
        held(&mut fresh, "last", 10.0, &[]);
        held(&mut fresh, "next", -5.0, &[]);
        assert_eq!(glow(&pulse(&fresh, &[], NOW)), None);
        held(&mut fresh, "before", 20.0, &[]);
        assert!(
            glow(&pulse(&fresh, &[], NOW)).is_some(),
            "nothing written at all"
        );
    }

    #[test]
    fn levels_follow_the_documented_thresholds() {
        let c = community(&["Ada", "Bo", "Cy", "Di", "Ed"], 400);
        let activity = [
            // Ada: 12 contributions over 12 weeks: core.
            steady("Ada", 12, 1.0, 7.0),
            // Bo: 12 contributions in one week: busy, but not (yet) a steady presence.
            steady("Bo", 12, 2.0, 0.5),
            // Cy: 2 contributions: peripheral. Di: one, long ago: quiet now.
            steady("Cy", 2, 10.0, 20.0),
            steady("Di", 1, 120.0, 1.0),
        ]
        .concat();
        let p = pulse(&c, &activity, NOW);
        assert_eq!(level_of(&p, "Ada"), Level::Core);
        assert_eq!(level_of(&p, "Bo"), Level::Active);
        assert_eq!(level_of(&p, "Cy"), Level::Peripheral);
        assert_eq!(level_of(&p, "Di"), Level::Quiet);
        assert_eq!(level_of(&p, "Ed"), Level::Quiet, "never contributed");
        let order: Vec<&str> = p.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            order,
            vec!["Ada", "Bo", "Cy", "Di", "Ed"],
            "by level, then name"
        );
    }

    #[test]
    fn a_core_member_quiet_for_six_weeks_is_a_dropped_anchor() {
        let c = community(&["Ada", "Bo", "Cy", "Di"], 400);
        let activity = [
            // Ada: core for three months, then nothing for 7 weeks.
            steady("Ada", 12, 49.0, 7.0),
            // Bo: core too, but quiet for only 5 weeks: not yet.
            steady("Bo", 12, 35.0, 7.0),
            // Cy: quiet for 8 weeks, but was only peripheral before.
            steady("Cy", 2, 56.0, 7.0),
            // Di keeps the community going, so no silence notice.
            steady("Di", 3, 1.0, 3.0),
        ]
        .concat();
        let p = pulse(&c, &activity, NOW);
        let anchors: Vec<_> = p
            .notices
            .iter()
            .filter_map(|n| match n {
                Notice::DroppedAnchor {
                    name, quiet_weeks, ..
                } => Some((name.as_str(), *quiet_weeks)),
                _ => None,
            })
            .collect();
        assert_eq!(anchors, vec![("Ada", 7)]);
        assert!(p.notices[0].message().contains("Ada"));
        assert_eq!(
            level_of(&p, "Ada"),
            Level::Active,
            "6 of 12 still fall in 90 days"
        );
    }

    #[test]
    fn one_member_making_most_recent_contributions_is_a_solo_lead() {
        let c = community(&["Ada", "Bo"], 400);
        let solo = [steady("Ada", 8, 1.0, 2.0), steady("Bo", 2, 3.0, 5.0)].concat();
        let p = pulse(&c, &solo, NOW);
        assert_eq!(
            p.notices,
            vec![Notice::SoloLead {
                member: id("Ada"),
                name: "Ada".into(),
                share_percent: 80,
                contributions: 10,
            }]
        );

        let shared = [steady("Ada", 5, 1.0, 2.0), steady("Bo", 5, 3.0, 2.0)].concat();
        assert!(pulse(&c, &shared, NOW).notices.is_empty(), "50% is shared");

        let few = steady("Ada", 5, 1.0, 2.0);
        assert!(
            pulse(&c, &few, NOW).notices.is_empty(),
            "5 contributions are too few to call anyone a solo lead"
        );

        let alone = community(&["Ada"], 400);
        assert!(
            pulse(&alone, &solo, NOW).notices.is_empty(),
            "a community of one has nobody to share with"
        );

        // Ada's older contributions (over 4 weeks ago) do not count towards the month.
        let old = [steady("Ada", 8, 30.0, 1.0), steady("Bo", 10, 1.0, 1.0)].concat();
        let notices = pulse(&c, &old, NOW).notices;
        assert!(
            matches!(&notices[..], [Notice::SoloLead { name, share_percent: 100, .. }] if name == "Bo")
        );
    }

    #[test]
    fn four_silent_weeks_are_noticed_in_a_community_old_enough() {
        let c = community(&["Ada"], 100);
        let p = pulse(&c, &steady("Ada", 1, 30.0, 1.0), NOW);
        assert_eq!(p.notices, vec![Notice::Silence { weeks: 4 }]);
        assert!(
            pulse(&c, &steady("Ada", 1, 20.0, 1.0), NOW)
                .notices
                .is_empty()
        );
        assert_eq!(
            pulse(&c, &[], NOW).notices,
            vec![Notice::Silence { weeks: 14 }],
            "no activity ever: silent since the community began"
        );
        let young = community(&["Ada"], 10);
        assert!(
            pulse(&young, &[], NOW).notices.is_empty(),
            "too young to be silent"
        );
    }

    #[test]
    fn weekly_counts_cover_thirteen_weeks_ending_now() {
        let c = community(&["Ada"], 400);
        let activity = [
            steady("Ada", 2, 0.0, 1.0),  // days 0 and 1: this week
            steady("Ada", 1, 8.0, 1.0),  // last week
            steady("Ada", 1, 90.0, 1.0), // the oldest week shown
            steady("Ada", 1, 95.0, 1.0), // before the chart
            vec![Activity::new(
                &id("Ada"),
                Timestamp(NOW.0 + DAY_MS),
                ActivityKind::Comment,
            )],
        ]
        .concat();
        let p = pulse(&c, &activity, NOW);
        let counts: Vec<usize> = p.weeks.iter().map(|w| w.contributions).collect();
        assert_eq!(counts, vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3]);
        assert_eq!(p.weeks[12].start, ago(7.0));
    }

    #[test]
    fn activity_is_gathered_from_topics_notes_and_cases() {
        let mut c = community(&["Ada", "Bo"], 400);
        let topic = crate::model::TopicId::new_random();
        c.add_topic(
            topic.clone(),
            &id("Ada"),
            &crate::model::community::NewTopic {
                title: "Soil".into(),
                ..Default::default()
            },
            ago(10.0),
        )
        .unwrap();
        c.endorse_topic(&topic, &id("Bo"), ago(9.0)).unwrap();

        let note = NoteId::new_random();
        c.index(
            DocRef::Note(note.clone()),
            DocEntry::new("Compost", id("Ada"), ago(8.0)),
        );
        // Bo comments; the note's change log says so a moment later.
        let comment_at = ago(5.0);
        c.notes
            .get_mut(&note)
            .unwrap()
            .learn(Timestamp(comment_at.0 + 20), id("Bo"));
        let mut doc = Note::new("Compost", "", &id("Ada"), ago(8.0)).unwrap();
        doc.comments.insert(
            CommentId::new_random(),
            Comment::new(&id("Bo"), "Nice", comment_at).unwrap(),
        );
        let with_doc =
            gather_activity(&c, &BTreeMap::from([(note.clone(), doc)]), &BTreeMap::new());
        let kinds: Vec<(ActivityKind, &str)> = with_doc
            .iter()
            .map(|a| (a.kind, a.member.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (ActivityKind::TopicProposed, "ada"),
                (ActivityKind::Endorsement, "bo"),
                (ActivityKind::NoteWritten, "ada"),
                (ActivityKind::Comment, "bo"),
            ],
            "the comment explains the index update: counted once"
        );

        // Without the note's document, Bo's update still counts, as an edit.
        let without = gather_activity(&c, &BTreeMap::new(), &BTreeMap::new());
        assert_eq!(without.last().unwrap().kind, ActivityKind::NoteEdited);
        assert_eq!(without.len(), 4);
    }
}

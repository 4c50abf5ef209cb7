//! Gatherings on the [`Node`]: planning one with the rotation's suggestion and its meeting
//! note, changing its roles and agenda afterwards, listing upcoming and past ones, and one's own
//! availability for roles.

use serde::Serialize;

use super::{Node, NodeError};
use crate::model::meeting::{Step, TimerAction};
use crate::model::recurrence::Repeat;
use crate::model::series::Occurrence;
use crate::model::{CaseId, GroupingId, Item, ModelError, calendar};
use crate::model::{
    Community, CommunityId, Gathering, GatheringId, MemberId, Role, Series, SeriesId, Timestamp,
    TopicId, gathering, limits, local_time, practice::rotation,
};

/// A community's gatherings, split at the start of today.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GatheringList {
    /// Soonest first.
    pub upcoming: Vec<(GatheringId, Gathering)>,
    /// Latest first.
    pub past: Vec<(GatheringId, Gathering)>,
}

impl Node {
    /// Plans a gathering at `when`: the rotation proposes the agenda and the roles, and a note
    /// for the meeting is written with the agenda and linked to the gathering and its topics.
    /// Anyone may change the roles and agenda afterwards.
    pub async fn plan_gathering(
        &self,
        community: &CommunityId,
        when: Timestamp,
        title: Option<String>,
    ) -> Result<GatheringId, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let snapshot = self.community(community).await?;
        let plan = rotation::suggest(&snapshot, when);
        let day = gathering::day_of(when);
        let default_title = format!("Gathering {day}");
        let title = match title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => limits::title("a gathering's title", t)?,
            _ => default_title.clone(),
        };
        // The note's title always carries the day, so meeting notes sort and search by date.
        let note_title = if title.contains(&day) {
            title.clone()
        } else {
            format!("{title} ({day})")
        };
        let topics = plan.topics();
        let body = agenda_markdown(&snapshot, &title, when, &topics);
        let note = self.add_note(community, &note_title, &body).await?;
        let id = GatheringId::new_random();
        let agenda = topics.clone();
        let new = Gathering {
            agenda: topics,
            roles: plan.roles,
            note: Some(note.clone()),
            planned_by: Some(me.clone()),
            planned_at: Some(now),
            ..Gathering::new(title, when)
        };
        self.update(community, "plan gathering", move |c: &mut Community| {
            let id = c.add_gathering(id, &me, new)?;
            // The meeting note shows under each topic it discusses.
            for topic in &agenda {
                c.link_note(topic, &note, &me, now)?;
            }
            Ok(id)
        })
        .await
    }

    /// What the rotation would propose for a gathering at `when`, without planning it.
    pub async fn suggest_gathering(
        &self,
        community: &CommunityId,
        when: Timestamp,
    ) -> Result<rotation::Plan, NodeError> {
        Ok(rotation::suggest(&*self.community(community).await?, when))
    }

    /// Gives a role at a gathering to a member, or to nobody.
    pub async fn set_gathering_role(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        role: Role,
        holder: Option<MemberId>,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let gathering = gathering.clone();
        self.update(
            community,
            "change gathering role",
            move |c: &mut Community| c.set_gathering_role(&gathering, &me, role, holder),
        )
        .await
    }

    /// Replaces a gathering's agenda.
    pub async fn set_gathering_agenda(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        agenda: Vec<TopicId>,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let gathering = gathering.clone();
        self.update(
            community,
            "change gathering agenda",
            move |c: &mut Community| c.set_gathering_agenda(&gathering, &me, agenda),
        )
        .await
    }

    /// Upcoming gatherings (from today on) and past ones.
    pub async fn gatherings(&self, community: &CommunityId) -> Result<GatheringList, NodeError> {
        let now = self.now();
        let c = self.community(community).await?;
        let (upcoming, past) = c.gatherings_by_date(now);
        let owned = |list: Vec<(&GatheringId, &Gathering)>| {
            list.into_iter()
                .map(|(id, g)| (id.clone(), g.clone()))
                .collect()
        };
        Ok(GatheringList {
            upcoming: owned(upcoming),
            past: owned(past),
        })
    }

    /// Says whether this member may be suggested for gathering roles.
    pub async fn set_available_for_roles(
        &self,
        community: &CommunityId,
        available: bool,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        self.update(
            community,
            "set availability for roles",
            move |c: &mut Community| c.set_available_for_roles(&me, available),
        )
        .await
    }
}

/// The meeting note's first text: the date and the agenda as a numbered list, then room for
/// the note-taker.
pub fn agenda_markdown(
    community: &Community,
    title: &str,
    when: Timestamp,
    agenda: &[TopicId],
) -> String {
    let mut body = format!("# {title}\n\n{when}\n\n## Agenda\n\n");
    if agenda.is_empty() {
        body.push_str(
            "No topics yet: mark topics as planned, or endorse them, to put them on the agenda.\n",
        );
    }
    for (n, topic) in agenda.iter().enumerate() {
        let name = community
            .topics
            .get(topic)
            .map(|t| t.title.as_str())
            .unwrap_or("(unknown topic)");
        body.push_str(&format!("{}. {name}\n", n + 1));
    }
    body.push_str("\n## Notes\n\n");
    body
}

impl Node {
    /// Starts a series at `when`, repeating by `repeat`, in this device's time zone (the
    /// organiser's): its occurrences keep that local time of day.
    pub async fn plan_series(
        &self,
        community: &CommunityId,
        when: Timestamp,
        repeat: Repeat,
        title: Option<String>,
    ) -> Result<SeriesId, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let title = match title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t.to_string(),
            _ => "Gathering".to_string(),
        };
        let series = Series {
            title,
            first: when,
            zone: local_time::viewer_zone().spec(),
            repeat: repeat.to_string(),
            skipped: Default::default(),
            ended_at: None,
            planned_by: Some(me.clone()),
            planned_at: Some(now),
        };
        self.update(community, "plan series", move |c: &mut Community| {
            c.add_series(SeriesId::new_random(), &me, series)
        })
        .await
    }

    /// Skips one occurrence (`SERIES@YYYY-MM-DD`); false if it was skipped already.
    pub async fn skip_occurrence(
        &self,
        community: &CommunityId,
        occurrence: &str,
    ) -> Result<bool, NodeError> {
        let me = self.me(community).await?;
        let occurrence = occurrence.to_string();
        self.update(community, "skip occurrence", move |c: &mut Community| {
            c.skip_occurrence(&occurrence, &me)
        })
        .await
    }

    /// An iCalendar file of one gathering or series (`id`), or else of every gathering from
    /// today on and every series not ended.
    pub async fn calendar(
        &self,
        community: &CommunityId,
        id: Option<&str>,
    ) -> Result<String, NodeError> {
        let now = self.now();
        let c = self.community(community).await?;
        let mut entries = calendar::Entries::default();
        match id.map(str::trim) {
            Some(id) => {
                if let Some((gid, g)) = c.gatherings.iter().find(|(g, _)| g.as_str() == id) {
                    entries.gatherings.push((gid, g));
                } else if let Some((sid, s)) = c.series.iter().find(|(s, _)| s.as_str() == id) {
                    entries.series.push((sid, s));
                } else {
                    return Err(ModelError::NoSuchGathering(id.chars().take(80).collect()).into());
                }
            }
            None => {
                entries.gatherings = c
                    .gatherings_by_date(now)
                    .0
                    .into_iter()
                    .filter(|(id, _)| c.shows(&Item::Gathering((*id).clone()), false))
                    .collect();
                entries.series = c
                    .series
                    .iter()
                    .filter(|(_, s)| s.ended_at.is_none())
                    .collect();
            }
        }
        Ok(calendar::ics(&c.name, &entries, now))
    }

    /// Adds a rotating role to the community.
    pub async fn add_role(&self, community: &CommunityId, name: &str) -> Result<Role, NodeError> {
        let me = self.me(community).await?;
        let now = self.now();
        let name = name.to_string();
        self.update(community, "add role", move |c: &mut Community| {
            c.add_custom_role(&me, &name, now)
        })
        .await
    }

    /// Ends a series now: it has no occurrence from now on.
    pub async fn end_series(
        &self,
        community: &CommunityId,
        id: &SeriesId,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let now = self.now();
        let id = id.clone();
        self.update(community, "end series", move |c: &mut Community| {
            c.end_series(&id, &me, now)
        })
        .await
    }

    /// The next `count` occurrences of each series from today on, soonest first, with the
    /// roles the rotation suggests.
    pub async fn occurrences(
        &self,
        community: &CommunityId,
        count: usize,
    ) -> Result<Vec<Occurrence>, NodeError> {
        let now = self.now();
        Ok(self
            .community(community)
            .await?
            .upcoming_occurrences(now, count))
    }
}

impl Node {
    /// Records `members` as there (or not) at a gathering; returns those whose mark changed.
    pub async fn attend(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        members: Vec<MemberId>,
        present: bool,
    ) -> Result<Vec<MemberId>, NodeError> {
        let me = self.me(community).await?;
        let now = self.now();
        let gathering = gathering.clone();
        self.update(community, "record attendance", move |c: &mut Community| {
            c.record_attendance(&gathering, &me, &members, present, now)
        })
        .await
    }

    /// Makes pairs or small groups of about `size` at a gathering for `activity`.
    pub async fn make_groups(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        size: usize,
        activity: &str,
    ) -> Result<GroupingId, NodeError> {
        let me = self.me(community).await?;
        let now = self.now();
        let gathering = gathering.clone();
        let activity = activity.to_string();
        let seed: u64 = rand::random();
        self.update(community, "make groups", move |c: &mut Community| {
            c.make_grouping(
                &gathering,
                GroupingId::new_random(),
                &me,
                &activity,
                size,
                seed,
                now,
            )
        })
        .await
    }

    /// Writes what group `index` (from 0) of a grouping brought back.
    pub async fn set_debrief(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        grouping: &GroupingId,
        index: usize,
        text: &str,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let (gathering, grouping, text) = (gathering.clone(), grouping.clone(), text.to_string());
        self.update(community, "write debrief", move |c: &mut Community| {
            c.set_debrief(&gathering, &grouping, index, &me, &text)
        })
        .await
    }

    /// The facilitator starts, pauses or moves on the meeting's shared timer.
    pub async fn run_timer(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        action: TimerAction,
    ) -> Result<Option<Step>, NodeError> {
        let me = self.me(community).await?;
        let now = self.now();
        let gathering = gathering.clone();
        self.update(community, "run meeting timer", move |c: &mut Community| {
            c.run_timer(&gathering, &me, action, now)
        })
        .await
    }

    /// The facilitator sets a step's timebox, in minutes.
    pub async fn set_timebox(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        step: &str,
        minutes: u32,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let (gathering, step) = (gathering.clone(), step.to_string());
        self.update(community, "set timebox", move |c: &mut Community| {
            c.set_timebox(&gathering, &me, &step, minutes)
        })
        .await
    }

    /// The facilitator chooses the peer-assist case run live at a meeting (or none).
    pub async fn set_meeting_case(
        &self,
        community: &CommunityId,
        gathering: &GatheringId,
        case: Option<CaseId>,
    ) -> Result<(), NodeError> {
        let me = self.me(community).await?;
        let gathering = gathering.clone();
        self.update(community, "choose live case", move |c: &mut Community| {
            c.set_meeting_case(&gathering, &me, case)
        })
        .await
    }
}

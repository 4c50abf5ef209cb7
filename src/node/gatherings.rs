//! Gatherings on the [`Node`]: planning one with the rotation's suggestion and its meeting
//! note, changing its roles and agenda afterwards, listing upcoming and past ones, and one's own
//! availability for roles.

use serde::Serialize;

use super::{Node, NodeError};
use crate::model::{
    Community, CommunityId, Gathering, GatheringId, MemberId, Role, Timestamp, TopicId, gathering,
    limits, practice::rotation,
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
            title,
            when,
            agenda: topics,
            roles: plan.roles,
            note: Some(note.clone()),
            planned_by: Some(me.clone()),
            planned_at: Some(now),
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

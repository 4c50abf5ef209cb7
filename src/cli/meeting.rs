//! The meeting commands of `copse gathering`: attendance (`attend`), pairs and small groups
//! (`groups`, `debrief`) and the meeting in progress (`now`, `timer`), each with `--json`.

use anyhow::{Result, bail};
use serde_json::{Value, json};

use super::output::Output;
use crate::model::meeting::{NowView, TimerAction, clock_text};
use crate::model::{Community, CommunityId, Gathering, GatheringId, grouping};
use crate::node::Node;

/// What the facilitator does with the timer, as typed.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TimerArg {
    Start,
    Pause,
    /// Move on to the next step.
    Next,
}

impl TimerArg {
    pub fn action(self) -> TimerAction {
        match self {
            TimerArg::Start => TimerAction::Start,
            TimerArg::Pause => TimerAction::Pause,
            TimerArg::Next => TimerAction::Next,
        }
    }
}

/// `copse gathering attend ID [MEMBER…]`.
pub async fn attend(
    node: &Node,
    c: &CommunityId,
    id: &GatheringId,
    members: &[String],
    present: bool,
    out: &Output,
) -> Result<()> {
    let community = node.community(c).await?;
    let who = if members.is_empty() {
        vec![node.me(c).await?]
    } else {
        members
            .iter()
            .map(|m| community.find_member(m))
            .collect::<Result<Vec<_>, _>>()?
    };
    let changed = node.attend(c, id, who, present).await?;
    let community = node.community(c).await?;
    let Some(g) = community.gatherings.get(id) else {
        bail!("gathering {id} is gone: `copse gathering list` shows the others");
    };
    let there = community.attendees(g);
    let names = |list: &[crate::model::MemberId]| -> Vec<String> {
        list.iter().map(|m| community.display_name(m)).collect()
    };
    out.emit(
        || {
            let there = names(&there);
            format!(
                "{} there: {}",
                there.len(),
                if there.is_empty() {
                    "nobody recorded".into()
                } else {
                    there.join(", ")
                }
            )
        },
        || {
            json!({
                "id": id,
                "attended": members_json(&community, &there),
                "changed": members_json(&community, &changed),
            })
        },
    );
    Ok(())
}

/// `copse gathering groups ID --size N`.
pub async fn groups(
    node: &Node,
    c: &CommunityId,
    id: &GatheringId,
    size: usize,
    activity: &str,
    out: &Output,
) -> Result<()> {
    let made = node.make_groups(c, id, size, activity).await?;
    let community = node.community(c).await?;
    let Some(made_grouping) = community
        .gatherings
        .get(id)
        .and_then(|g| g.groupings.get(&made))
    else {
        bail!("gathering {id} is gone: `copse gathering list` shows the others");
    };
    out.emit(
        || {
            let mut text = format!("{made}\n{}", made_grouping.activity);
            for (n, group) in made_grouping.groups.iter().enumerate() {
                let names: Vec<String> = group
                    .members
                    .iter()
                    .map(|m| community.display_name(m))
                    .collect();
                text.push_str(&format!("\n  {}. {}", n + 1, names.join(", ")));
            }
            text
        },
        || grouping_json(&community, &made, made_grouping),
    );
    Ok(())
}

/// `copse gathering now [ID]`: the meeting in progress.
pub async fn now(
    node: &Node,
    c: &CommunityId,
    id: Option<&GatheringId>,
    out: &Output,
) -> Result<()> {
    let community = node.community(c).await?;
    let at = node.now();
    let found = match id {
        Some(id) => community.gatherings.get_key_value(id),
        None => community.gathering_now(at),
    };
    let Some((id, g)) = found else {
        match id {
            Some(id) => bail!("no gathering with id {id}: `copse gathering list` shows them"),
            None => bail!(
                "no gathering today: give its id (`copse gathering now ID`), from `copse gathering list`"
            ),
        }
    };
    let view = community.now_view(g, at);
    out.emit(
        || now_text(&community, g, &view),
        || {
            json!({
                "id": id, "title": g.title, "when": g.when.to_rfc3339(),
                "steps": view.steps,
                "current": view.current,
                "running": view.running,
                "remaining_ms": view.remaining_ms,
                "remaining": clock_text(view.remaining_ms),
                "case": g.meeting.case,
                "attended": members_json(&community, &community.attendees(g)),
                "groupings": groupings_json(&community, g),
                "note": g.note,
            })
        },
    );
    Ok(())
}

fn now_text(community: &Community, g: &Gathering, view: &NowView) -> String {
    let mut text = format!("{} — {}\n", g.title, g.when);
    for (i, step) in view.steps.iter().enumerate() {
        let mark = if Some(i) == view.current { "▶" } else { " " };
        text.push_str(&format!("{mark} {} ({} min)\n", step.label, step.minutes));
    }
    if view.steps.is_empty() {
        text.push_str("no agenda: `copse gathering agenda ID TOPIC…`\n");
    }
    text.push_str(&format!(
        "timer: {} {}\n",
        clock_text(view.remaining_ms),
        if view.running { "running" } else { "paused" }
    ));
    let there: Vec<String> = community
        .attendees(g)
        .iter()
        .map(|m| community.display_name(m))
        .collect();
    text.push_str(&format!("there: {}\n", there.join(", ")));
    for (gid, grouping) in grouping::in_order(&g.groupings) {
        text.push_str(&format!("{gid}  {}\n", grouping.activity));
        for (n, group) in grouping.groups.iter().enumerate() {
            let names: Vec<String> = group
                .members
                .iter()
                .map(|m| community.display_name(m))
                .collect();
            text.push_str(&format!("  {}. {}", n + 1, names.join(", ")));
            if !group.debrief.is_empty() {
                text.push_str(&format!(" — {}", group.debrief));
            }
            text.push('\n');
        }
    }
    text.trim_end().to_string()
}

fn members_json(community: &Community, members: &[crate::model::MemberId]) -> Value {
    json!(
        members
            .iter()
            .map(|m| json!({ "id": m, "name": community.display_name(m) }))
            .collect::<Vec<_>>()
    )
}

fn grouping_json(
    community: &Community,
    id: &crate::model::GroupingId,
    grouping: &grouping::Grouping,
) -> Value {
    json!({
        "id": id, "activity": grouping.activity, "size": grouping.size,
        "made_at": grouping.made_at.to_rfc3339(),
        "groups": grouping.groups.iter().map(|g| json!({
            "members": members_json(community, &g.members),
            "debrief": g.debrief,
        })).collect::<Vec<_>>(),
    })
}

/// A gathering's groupings, oldest first.
pub fn groupings_json(community: &Community, g: &Gathering) -> Value {
    json!(
        grouping::in_order(&g.groupings)
            .into_iter()
            .map(|(id, grouping)| grouping_json(community, id, grouping))
            .collect::<Vec<_>>()
    )
}

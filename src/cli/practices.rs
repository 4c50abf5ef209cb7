//! `copse objectives`, `copse skills` and `copse pulse`: the practices that read across the
//! community (shared objectives, the skills directory, the pulse), for people or as JSON.

use anyhow::Result;
use clap::Subcommand;
use serde_json::{Value, json};

use super::output::Output;
use crate::model::practice::objectives::ObjectiveGroup;
use crate::model::practice::pulse::{Level, Pulse};
use crate::model::practice::skills::Helper;
use crate::model::{Community, CommunityId, Timestamp, plain};
use crate::node::Node;

#[derive(Debug, Subcommand)]
pub enum ObjectivesCommand {
    /// Propose a shared objective as a topic crediting its holders; prints the topic's id.
    Topic {
        /// The group's number in `copse objectives`, or its wording.
        group: String,
    },
}

/// `copse objectives [topic GROUP]`.
pub async fn objectives(
    node: &Node,
    c: &CommunityId,
    action: Option<&ObjectivesCommand>,
    out: &Output,
) -> Result<()> {
    match action {
        None => {
            let groups = node.shared_objectives(c).await?;
            print_objectives(out, &groups, &*node.community(c).await?);
        }
        Some(ObjectivesCommand::Topic { group }) => {
            let id = node.topic_from_objectives(c, group).await?;
            out.id(&id, &format!("{id}"));
        }
    }
    Ok(())
}

/// `copse skills QUERY…`.
pub async fn skills(node: &Node, c: &CommunityId, query: &[String], out: &Output) -> Result<()> {
    let query = query.join(" ");
    print_skills(out, &query, &node.who_can_help(c, &query).await?);
    Ok(())
}

/// `copse pulse`.
pub async fn pulse(node: &Node, c: &CommunityId, out: &Output) -> Result<()> {
    print_pulse(out, &node.pulse(c).await?);
    Ok(())
}

/// The sentence every pulse carries.
pub const PULSE_CAVEAT: &str =
    "These are indicators to talk about together, not targets. Reading leaves no trace.";

/// The holders' names, alphabetically.
fn names(community: &Community, group: &ObjectiveGroup) -> Vec<String> {
    let mut names: Vec<String> = group
        .holders
        .keys()
        .map(|m| community.display_name(m))
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}

fn print_objectives(out: &Output, groups: &[ObjectiveGroup], community: &Community) {
    out.emit(
        || {
            if groups.is_empty() {
                return "no learning objectives yet: add yours with \
                        `copse member set --objective TEXT`"
                    .into();
            }
            groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let mut line = format!(
                        "{}. {}  ({} member{}: {})",
                        i + 1,
                        g.label,
                        g.holder_count(),
                        if g.holder_count() == 1 { "" } else { "s" },
                        names(community, g).join(", ")
                    );
                    if g.wordings.len() > 1 {
                        line.push_str(&format!("\n     also: {}", g.wordings[1..].join(" · ")));
                    }
                    line
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(
                groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| json!({
                        "rank": i + 1, "label": g.label, "wordings": g.wordings,
                        "holders": g.holders.iter().map(|(m, wording)| json!({
                            "id": m, "name": community.display_name(m), "wording": wording,
                        })).collect::<Vec<_>>(),
                    }))
                    .collect::<Vec<_>>()
            )
        },
    );
}

fn day(at: Timestamp) -> String {
    use crate::model::local_time;
    local_time::day(at, &local_time::viewer_zone())
}

fn print_skills(out: &Output, question: &str, helpers: &[Helper]) {
    out.emit(
        || {
            if helpers.is_empty() {
                return if question.trim().is_empty() {
                    "nobody lists a skill yet: add yours with `copse member set --skill TEXT`"
                        .into()
                } else {
                    format!("nobody lists a skill matching \"{}\"", question.trim())
                };
            }
            helpers
                .iter()
                .map(|h| {
                    let mut line = h.name.clone();
                    if !h.matching.is_empty() {
                        line.push_str(&format!(" — {}", h.matching.join(", ")));
                    }
                    if !h.other_skills.is_empty() {
                        let label = if h.matching.is_empty() {
                            "ask about"
                        } else {
                            "also"
                        };
                        line.push_str(&format!("\n    {label}: {}", h.other_skills.join(", ")));
                    }
                    line.push_str(&format!(
                        "\n    member {} since {}, {}",
                        h.member,
                        day(h.joined_at),
                        plain::count(h.devices, "device", "devices")
                    ));
                    line
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(
                helpers
                    .iter()
                    .map(|h| json!({
                        "id": h.member, "name": h.name, "matching": h.matching,
                        "other_skills": h.other_skills, "joined_at": h.joined_at.to_rfc3339(),
                        "devices": h.devices, "score": h.score,
                    }))
                    .collect::<Vec<_>>()
            )
        },
    );
}

fn print_pulse(out: &Output, pulse: &Pulse) {
    out.emit(
        || {
            let mut text = format!("Community pulse — {PULSE_CAVEAT}\n");
            for level in Level::ALL {
                let who: Vec<&str> = pulse
                    .members
                    .iter()
                    .filter(|m| m.level == level)
                    .map(|m| m.name.as_str())
                    .collect();
                if !who.is_empty() {
                    text.push_str(&format!(
                        "\n{level} ({}): {}",
                        level.meaning(),
                        who.join(", ")
                    ));
                }
            }
            let came: Vec<String> = pulse
                .members
                .iter()
                .filter(|m| m.gatherings_attended > 0)
                .map(|m| format!("{} ({})", m.name, m.gatherings_attended))
                .collect();
            if !came.is_empty() {
                text.push_str(&format!(
                    "\n\nCame to gatherings (last 90 days): {}",
                    came.join(", ")
                ));
            }
            text.push_str("\n\nNotices:");
            if pulse.notices.is_empty() {
                text.push_str("\n- none: nothing to watch right now");
            }
            for notice in &pulse.notices {
                text.push_str(&format!("\n- {}", notice.message()));
            }
            text.push_str("\n\nContributions per week (oldest first):");
            for week in &pulse.weeks {
                text.push_str(&format!(
                    "\n{}  {:>3} {}",
                    day(week.start),
                    week.contributions,
                    "#".repeat(week.contributions.min(60))
                ));
            }
            text
        },
        || {
            let members: Vec<Value> = pulse
                .members
                .iter()
                .map(|m| {
                    json!({
                        "id": m.member, "name": m.name, "level": m.level,
                        "contributions_90_days": m.contributions,
                        "last_active": m.last_active.map(Timestamp::to_rfc3339),
                        "gatherings_attended_90_days": m.gatherings_attended,
                    })
                })
                .collect();
            json!({
                "now": pulse.now.to_rfc3339(),
                "note": PULSE_CAVEAT,
                "members": members,
                "notices": pulse.notices.iter().map(|n| {
                    let mut v = json!(n);
                    v["message"] = json!(n.message());
                    v
                }).collect::<Vec<_>>(),
                "weeks": pulse.weeks.iter().map(|w| json!({
                    "start": w.start.to_rfc3339(), "contributions": w.contributions,
                })).collect::<Vec<_>>(),
            })
        },
    );
}

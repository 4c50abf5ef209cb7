//! The commands for a community's rhythm and practices: gatherings with rotating roles,
//! peer-assist next actions, and thanks. Each prints a short human answer or, with `--json`,
//! one JSON value whose items carry their `id`.

use std::str::FromStr;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::lifecycle::{self, Verb};
use super::output::Output;
use crate::model::practice::unread;
use crate::model::recurrence::Repeat;
use crate::model::series::{Occurrence, OccurrenceState};
use crate::model::{
    ActionId, CaseId, Community, CommunityId, Gathering, GatheringId, GroupingId, Item, MemberId,
    NoteId, QuestionId, Role, Roles, SeriesId, SuggestionId, Timestamp, TopicId, gathering,
};
use crate::node::{ActionItem, Node};

#[derive(Debug, Subcommand)]
pub enum GatheringCommand {
    /// Plan a gathering: the rotation proposes the agenda and roles, and a note is written.
    Plan {
        /// The date in your local time (TZ): YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2026-12-03 18:00.
        #[arg(long, value_name = "DATE", value_parser = gathering::parse_when)]
        when: Timestamp,
        /// A title (default: "Gathering DATE").
        #[arg(long)]
        title: Option<String>,
        /// Repeat as a series, at the same local time: weekly, weekly:N (every N weeks) or
        /// monthly:NTH:WEEKDAY (e.g. monthly:2:tue).
        #[arg(long, value_name = "RULE", value_parser = Repeat::from_str)]
        repeat: Option<Repeat>,
    },
    /// List the next occurrences of each series, then upcoming and past gatherings.
    List {
        /// List only the archived ones.
        #[arg(long)]
        archived: bool,
        /// How many occurrences of each series to list.
        #[arg(long, default_value_t = 4, value_name = "N")]
        ahead: usize,
    },
    /// Skip one occurrence of a series (its id from `copse gathering list`: SERIES@YYYY-MM-DD).
    Skip { occurrence: String },
    /// Write an iCalendar file of a gathering or a series (its id), or of every gathering from
    /// today on and every series, to import into a calendar app.
    Ics {
        id: Option<String>,
        /// The file to write, e.g. gatherings.ics.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// End a series: no occurrences from now on.
    End {
        #[arg(value_parser = SeriesId::from_str)]
        series: SeriesId,
    },
    /// Record who was at a gathering (members by id or name; default: you), or with --absent
    /// take a mistaken tick back.
    Attend {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        members: Vec<String>,
        #[arg(long)]
        absent: bool,
    },
    /// Make pairs or small groups for an activity, from the people recorded there (or everyone),
    /// preferring people rarely grouped together before.
    Groups {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        /// People per group, 2 to 5.
        #[arg(long, value_name = "N")]
        size: usize,
        /// What the groups are for.
        #[arg(long, default_value = "")]
        activity: String,
    },
    /// Write what a group brought back (GROUP counts from 1, as `gathering now` lists them).
    Debrief {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        #[arg(value_parser = GroupingId::from_str)]
        grouping: GroupingId,
        group: usize,
        text: String,
    },
    /// The meeting in progress (or this gathering's): steps, timer, attendance and groups.
    Now {
        #[arg(value_parser = GatheringId::from_str)]
        id: Option<GatheringId>,
    },
    /// The facilitator runs the shared timer: start, pause or next (move on).
    Timer {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        action: super::meeting::TimerArg,
    },
    /// The facilitator sets a step's timebox (the step's key from `gathering now --json`).
    Timebox {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        step: String,
        minutes: u32,
    },
    /// The facilitator chooses a peer-assist case to run live at the meeting, or "none".
    LiveCase {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        case: String,
    },
    /// Give a role (facilitator, presenter, note-taker) to a member (id or name), or "nobody".
    SetRole {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        role: Role,
        member: String,
    },
    /// Replace a gathering's agenda with these topics, in order.
    Agenda {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        #[arg(value_parser = TopicId::from_str)]
        topics: Vec<TopicId>,
    },
    /// Rename a gathering.
    Rename {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
        title: String,
    },
    /// Archive a gathering for everyone: hidden from lists, still found by search and export.
    Archive {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
    },
    /// Take a gathering out of the archive.
    Unarchive {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
    },
    /// Delete a gathering for everyone (`undelete` brings it back).
    Delete {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
    },
    /// Bring back a deleted gathering.
    Undelete {
        #[arg(value_parser = GatheringId::from_str)]
        id: GatheringId,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Add a rotating role ("Host", "Chooses the next reading"): rotation fills it like the
    /// built-in ones.
    Add { name: String },
    /// List the rotating roles.
    List,
}

/// `copse actions`: open next actions from closed cases.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ActionsArgs {
    #[command(subcommand)]
    pub command: Option<ActionsCommand>,
    /// Only this member's actions (id or display name).
    #[arg(long, value_name = "ID", conflicts_with = "mine")]
    pub member: Option<String>,
    /// Only your own actions.
    #[arg(long)]
    pub mine: bool,
    /// Include actions already done.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum ActionsCommand {
    /// Tick an action off.
    Done {
        #[arg(value_parser = CaseId::from_str)]
        case: CaseId,
        #[arg(value_parser = ActionId::from_str)]
        action: ActionId,
    },
    /// Mark a ticked action as not done after all.
    Reopen {
        #[arg(value_parser = CaseId::from_str)]
        case: CaseId,
        #[arg(value_parser = ActionId::from_str)]
        action: ActionId,
    },
}

#[derive(Debug, Subcommand)]
pub enum ThankCommand {
    /// Thank the author of a note.
    Note {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
    },
    /// Thank the presenter for an answer to a question on their case.
    Answer {
        #[arg(value_parser = CaseId::from_str)]
        case: CaseId,
        #[arg(value_parser = QuestionId::from_str)]
        question: QuestionId,
    },
    /// Thank a member for a suggestion on a case.
    Suggestion {
        #[arg(value_parser = CaseId::from_str)]
        case: CaseId,
        #[arg(value_parser = SuggestionId::from_str)]
        suggestion: SuggestionId,
    },
}

pub async fn gathering(
    node: &Node,
    c: &CommunityId,
    command: &GatheringCommand,
    out: &Output,
) -> Result<()> {
    match command {
        GatheringCommand::Plan {
            when,
            title,
            repeat: Some(repeat),
        } => {
            let id = node.plan_series(c, *when, *repeat, title.clone()).await?;
            let community = node.community(c).await?;
            let next = node.occurrences(c, 4).await?;
            let next: Vec<&Occurrence> = next.iter().filter(|o| o.series == id).collect();
            if let Some(series) = community.series.get(&id) {
                out.emit(
                    || {
                        let mut text = format!(
                            "{id}\n{} — {}, from {}\nnext:",
                            series.title,
                            series.describe(),
                            series.first
                        );
                        for o in &next {
                            text.push_str(&format!("\n  {}", describe_occurrence(&community, o)));
                        }
                        text
                    },
                    || {
                        json!({
                            "id": id, "title": series.title, "repeat": series.repeat,
                            "first": series.first.to_rfc3339(), "zone": series.zone,
                            "occurrences": next.iter().map(|o| occurrence_json(&community, o)).collect::<Vec<_>>(),
                        })
                    },
                );
            }
        }
        GatheringCommand::Skip { occurrence } => {
            let new = node.skip_occurrence(c, occurrence).await?;
            out.done(
                occurrence,
                if new {
                    "skipped"
                } else {
                    "this occurrence was already skipped"
                },
            );
        }
        GatheringCommand::Ics { id, out: file } => {
            let text = node.calendar(c, id.as_deref()).await?;
            std::fs::write(file, &text).with_context(|| {
                format!(
                    "could not write {}: choose a folder you can write to",
                    file.display()
                )
            })?;
            let events = text.matches("BEGIN:VEVENT").count();
            out.emit(
                || format!("wrote {} ({events} events)", file.display()),
                || json!({ "file": file, "events": events }),
            );
        }
        GatheringCommand::End { series } => {
            node.end_series(c, series).await?;
            out.done(series, "series ended: no occurrences from now on");
        }
        GatheringCommand::Plan {
            when,
            title,
            repeat: None,
        } => {
            // Why each topic is proposed: planned, or endorsed while still proposed.
            let suggested = node.suggest_gathering(c, *when).await?;
            let id = node.plan_gathering(c, *when, title.clone()).await?;
            let community = node.community(c).await?;
            if let Some(g) = community.gatherings.get(&id) {
                let why: Vec<String> = suggested
                    .agenda
                    .iter()
                    .map(|p| format!("{} ({})", topic_title(&community, &p.topic), p.reason()))
                    .collect();
                out.emit(
                    || {
                        let mut text = format!("{id}\n{}", describe(&community, g));
                        if !why.is_empty() {
                            text.push_str(&format!("\nwhy: {}", why.join("; ")));
                        }
                        text
                    },
                    || {
                        let mut json = gathering_json(&community, &id, g);
                        json["agenda_why"] = json!(suggested.agenda);
                        json
                    },
                );
            }
        }
        GatheringCommand::List { archived, ahead } => {
            let occurrences = if *archived {
                Vec::new()
            } else {
                node.occurrences(c, *ahead).await?
            };
            let mut list = node.gatherings(c).await?;
            let community = node.community(c).await?;
            let wanted = |(id, _): &(GatheringId, Gathering)| {
                community.listed_as(&Item::Gathering(id.clone()), *archived)
            };
            list.upcoming.retain(wanted);
            list.past.retain(wanted);
            // Listed here: no longer "new since you last looked".
            node.mark_seen(c, &unread::gathering_marks(&community))?;
            out.emit(
                || {
                    if list.upcoming.is_empty() && list.past.is_empty() && *archived {
                        return "no archived gatherings".into();
                    }
                    if list.upcoming.is_empty() && list.past.is_empty() && occurrences.is_empty()
                    {
                        return "no gatherings yet: plan one with `copse gathering plan --when DATE`"
                            .into();
                    }
                    let mut text = String::new();
                    if !occurrences.is_empty() {
                        text.push_str("Series, next occurrences:\n");
                        for o in &occurrences {
                            text.push_str(&format!("{}\n", describe_occurrence(&community, o)));
                        }
                    }
                    for (heading, items) in [("Upcoming", &list.upcoming), ("Past", &list.past)] {
                        text.push_str(&format!("{heading}:\n"));
                        if items.is_empty() {
                            text.push_str("  none\n");
                        }
                        for (id, g) in items {
                            text.push_str(&format!("{id}  "));
                            text.push_str(&describe(&community, g).replace('\n', "\n    "));
                            text.push('\n');
                        }
                    }
                    text.trim_end().to_string()
                },
                || {
                    let each = |items: &[(GatheringId, Gathering)]| {
                        items
                            .iter()
                            .map(|(id, g)| gathering_json(&community, id, g))
                            .collect::<Vec<_>>()
                    };
                    json!({
                        "occurrences": occurrences.iter().map(|o| occurrence_json(&community, o)).collect::<Vec<_>>(),
                        "upcoming": each(&list.upcoming),
                        "past": each(&list.past),
                    })
                },
            );
        }
        GatheringCommand::Attend {
            id,
            members,
            absent,
        } => super::meeting::attend(node, c, id, members, !*absent, out).await?,
        GatheringCommand::Groups { id, size, activity } => {
            super::meeting::groups(node, c, id, *size, activity, out).await?
        }
        GatheringCommand::Debrief {
            id,
            grouping,
            group,
            text,
        } => {
            let index = group
                .checked_sub(1)
                .context("groups count from 1, as `copse gathering now` lists them")?;
            node.set_debrief(c, id, grouping, index, text).await?;
            out.done(grouping, &format!("group {group}: debrief saved"));
        }
        GatheringCommand::Now { id } => super::meeting::now(node, c, id.as_ref(), out).await?,
        GatheringCommand::Timer { id, action } => {
            node.run_timer(c, id, action.action()).await?;
            super::meeting::now(node, c, Some(id), out).await?
        }
        GatheringCommand::Timebox { id, step, minutes } => {
            node.set_timebox(c, id, step, *minutes).await?;
            out.done(id, &format!("{step}: {minutes} minutes"));
        }
        GatheringCommand::LiveCase { id, case } => {
            let case = match case.trim().to_ascii_lowercase().as_str() {
                "none" | "nobody" | "-" => None,
                _ => Some(CaseId::from_str(case)?),
            };
            node.set_meeting_case(c, id, case.clone()).await?;
            out.done(
                id,
                &case.map_or("no case run live".into(), |c| format!("case {c} runs live")),
            );
        }
        GatheringCommand::SetRole { id, role, member } => {
            let community = node.community(c).await?;
            let holder = match member.trim().to_ascii_lowercase().as_str() {
                "nobody" | "none" | "-" => None,
                _ => Some(community.find_member(member)?),
            };
            node.set_gathering_role(c, id, role.clone(), holder.clone())
                .await?;
            let who = holder
                .as_ref()
                .map(|h| community.display_name(h))
                .unwrap_or_else(|| "nobody".into());
            out.done(id, &format!("{}: {who}", role.label()));
        }
        GatheringCommand::Agenda { id, topics } => {
            node.set_gathering_agenda(c, id, topics.clone()).await?;
            out.done(id, "agenda saved");
        }
        GatheringCommand::Rename { id, title } => {
            lifecycle::run(
                node,
                c,
                Item::Gathering(id.clone()),
                Verb::Rename(title),
                out,
            )
            .await?
        }
        GatheringCommand::Archive { id } => {
            lifecycle::run(node, c, Item::Gathering(id.clone()), Verb::Archive, out).await?
        }
        GatheringCommand::Unarchive { id } => {
            lifecycle::run(node, c, Item::Gathering(id.clone()), Verb::Unarchive, out).await?
        }
        GatheringCommand::Delete { id } => {
            lifecycle::run(node, c, Item::Gathering(id.clone()), Verb::Delete, out).await?
        }
        GatheringCommand::Undelete { id } => {
            lifecycle::run(node, c, Item::Gathering(id.clone()), Verb::Undelete, out).await?
        }
    }
    Ok(())
}

pub async fn role(node: &Node, c: &CommunityId, command: &RoleCommand, out: &Output) -> Result<()> {
    match command {
        RoleCommand::Add { name } => {
            let role = node.add_role(c, name).await?;
            out.done(
                &role.label(),
                "added: rotation fills it at the next gathering",
            );
        }
        RoleCommand::List => {
            let community = node.community(c).await?;
            let roles = community.roles();
            out.emit(
                || {
                    roles
                        .iter()
                        .map(|r| r.label().to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                },
                || {
                    json!(
                        roles
                            .iter()
                            .map(|r| json!({
                                "name": r.label(),
                                "built_in": !matches!(r, Role::Custom(_)),
                            }))
                            .collect::<Vec<_>>()
                    )
                },
            );
        }
    }
    Ok(())
}

/// A gathering in a few lines: title and date, agenda, roles.
fn describe(community: &Community, g: &Gathering) -> String {
    let agenda: Vec<String> = community
        .agenda_of(g)
        .into_iter()
        .map(|t| topic_title(community, t))
        .collect();
    let roles: Vec<String> = community
        .roles()
        .iter()
        .map(|r| {
            let who = g
                .roles
                .get(r)
                .map(|m| community.display_name(m))
                .unwrap_or_else(|| "nobody yet".into());
            format!("{}: {who}", r.label())
        })
        .collect();
    format!(
        "{} — {}\nagenda: {}\n{}",
        g.title,
        g.when,
        if agenda.is_empty() {
            "no topics yet".to_string()
        } else {
            agenda.join("; ")
        },
        roles.join(" · ")
    )
}

/// An occurrence on one line: id, title, local time, state, roles.
fn describe_occurrence(community: &Community, o: &Occurrence) -> String {
    match (o.state, o.when) {
        (OccurrenceState::NoSuchDay, _) | (_, None) => format!(
            "{}  {} — {}: the month has no such day, so no gathering",
            o.id, o.title, o.day
        ),
        (OccurrenceState::Skipped, Some(when)) => {
            format!("{}  {} — {when} (skipped)", o.id, o.title)
        }
        (OccurrenceState::Planned, Some(when)) => {
            format!(
                "{}  {} — {when}  {}",
                o.id,
                o.title,
                o.roles_in_words(community)
            )
        }
    }
}

fn occurrence_json(community: &Community, o: &Occurrence) -> Value {
    json!({
        "id": o.id, "series": o.series, "title": o.title, "day": o.day,
        "when": o.when.map(|t| t.to_rfc3339()), "state": o.state,
        "roles": roles_json(community, &o.roles),
    })
}

/// The built-in roles by name, and the community's own under `custom`, by their names.
fn roles_json(community: &Community, roles: &Roles) -> Value {
    let holder = |r: &Role| {
        roles
            .get(r)
            .map(|m| json!({ "id": m, "name": community.display_name(m) }))
    };
    let custom: serde_json::Map<String, Value> = community
        .roles()
        .iter()
        .filter(|r| matches!(r, Role::Custom(_)))
        .map(|r| (r.label().to_string(), holder(r).unwrap_or(Value::Null)))
        .collect();
    json!({
        "facilitator": holder(&Role::Facilitator),
        "presenter": holder(&Role::Presenter),
        "note_taker": holder(&Role::NoteTaker),
        "custom": custom,
    })
}

fn topic_title(community: &Community, id: &TopicId) -> String {
    community
        .topics
        .get(id)
        .map(|t| t.title.clone())
        .unwrap_or_else(|| format!("(unknown topic {id})"))
}

fn gathering_json(community: &Community, id: &GatheringId, g: &Gathering) -> Value {
    json!({
        "id": id, "title": g.title, "when": g.when.to_rfc3339(),
        "agenda": community.agenda_of(g).into_iter().map(|t| json!({ "id": t, "title": topic_title(community, t) })).collect::<Vec<_>>(),
        "roles": roles_json(community, &g.roles),
        "note": g.note,
        "attended": community.attendees(g).iter().map(|m| json!({ "id": m, "name": community.display_name(m) })).collect::<Vec<_>>(),
        "groupings": super::meeting::groupings_json(community, g),
        "archived": community.is_archived(&Item::Gathering(id.clone())),
    })
}

pub async fn actions(node: &Node, c: &CommunityId, args: &ActionsArgs, out: &Output) -> Result<()> {
    if let Some(command) = &args.command {
        let (case, action, done) = match command {
            ActionsCommand::Done { case, action } => (case, action, true),
            ActionsCommand::Reopen { case, action } => (case, action, false),
        };
        let changed = node.tick_action(c, case, action, done).await?;
        let message = match (done, changed) {
            (true, true) => "done",
            (true, false) => "this action was already done",
            (false, true) => "open again",
            (false, false) => "this action was already open",
        };
        out.done(action, message);
        return Ok(());
    }
    let community = node.community(c).await?;
    let owner: Option<MemberId> = match (&args.member, args.mine) {
        (Some(given), _) => Some(community.find_member(given)?),
        (None, true) => Some(node.me_reading(c).await?),
        (None, false) => None,
    };
    let list = node.actions(c, owner.as_ref(), args.all).await?;
    out.emit(
        || actions_text(&community, &list, args.all),
        || {
            json!(
                list.iter()
                    .map(|a| json!({
                        "id": a.id, "case": a.case, "case_title": a.case_title, "text": a.text,
                        "owner": a.owner,
                        "owner_name": a.owner.as_ref().map(|o| community.display_name(o)),
                        "done": a.done,
                    }))
                    .collect::<Vec<_>>()
            )
        },
    );
    Ok(())
}

/// Actions grouped by owner, each with the ids needed to tick it off.
fn actions_text(community: &Community, list: &[ActionItem], all: bool) -> String {
    if list.is_empty() {
        return if all {
            "no next actions yet: they are recorded when a case is closed".into()
        } else {
            "no open actions".into()
        };
    }
    let mut owners: Vec<Option<&MemberId>> = list.iter().map(|a| a.owner.as_ref()).collect();
    owners.sort_by_key(|o| o.map(|m| community.display_name(m).to_lowercase()));
    owners.dedup();
    let mut text = String::new();
    for owner in owners {
        let name = owner
            .map(|m| community.display_name(m))
            .unwrap_or_else(|| "No owner".into());
        text.push_str(&format!("{name}:\n"));
        for a in list.iter().filter(|a| a.owner.as_ref() == owner) {
            text.push_str(&format!(
                "  [{}] {}  (case \"{}\"; copse actions done {} {})\n",
                if a.done { "x" } else { " " },
                a.text,
                a.case_title,
                a.case,
                a.id
            ));
        }
    }
    text.trim_end().to_string()
}

pub async fn thank(
    node: &Node,
    c: &CommunityId,
    command: &ThankCommand,
    out: &Output,
) -> Result<()> {
    let (new, id) = match command {
        ThankCommand::Note { id } => (node.thank_note(c, id).await?, id.to_string()),
        ThankCommand::Answer { case, question } => (
            node.thank_answer(c, case, question).await?,
            question.to_string(),
        ),
        ThankCommand::Suggestion { case, suggestion } => (
            node.thank_suggestion(c, case, suggestion).await?,
            suggestion.to_string(),
        ),
    };
    out.done(
        &id,
        if new {
            "thanked"
        } else {
            "you had already thanked this"
        },
    );
    Ok(())
}

/// `--action-for MEMBER TEXT` pairs, with each member found by id or name.
pub fn owned_actions(community: &Community, pairs: &[String]) -> Result<Vec<(String, MemberId)>> {
    if !pairs.len().is_multiple_of(2) {
        bail!("--action-for takes a member and the action's text");
    }
    pairs
        .chunks(2)
        .map(|pair| Ok((pair[1].clone(), community.find_member(&pair[0])?)))
        .collect()
}

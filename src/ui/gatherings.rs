//! Gatherings: upcoming and past meetings, the selected one with its date, agenda, roles (each
//! changeable by anyone) and meeting note, and a "Plan a gathering" form (a typed date, or a
//! calendar and time fields, in the viewer's time zone) that shows what the rotation suggests,
//! and why each topic is on the agenda, before anything is stored. Home's "Next gathering" is
//! drawn here too.
//!
//! Every change goes to the node as a [`bridge::action`]; the result shows through the
//! community's snapshot.

use std::collections::BTreeSet;

use eframe::egui::{self, Button, ComboBox};
use egui_extras::DatePickerButton;

use super::app::{Navigate, ViewCtx};
use super::bridge::{self, Command};
use super::lifecycle::{self, LifecycleState};
use super::widgets::labelled_field;
use crate::model::recurrence::{self, Repeat, Slot};
use crate::model::series::{Occurrence, OccurrenceState};
use crate::model::{
    Community, CommunityId, Gathering, GatheringId, Item, MemberId, Role, Timestamp, TopicId,
    TopicStatus, gathering, local_time, practice::rotation,
};

/// The width the list opens with.
const LIST_WIDTH: f32 = 280.0;

/// The date the "Plan a gathering" form's picker starts at: a week from today, in the evening.
const EXAMPLE_DAYS_AHEAD: i64 = 7;
const EXAMPLE_HOUR: i8 = 18;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The Gatherings view's own state.
#[derive(Default)]
pub struct GatheringsState {
    community: Option<CommunityId>,
    selected: Option<GatheringId>,
    /// The "Plan a gathering" form, while shown.
    plan: Option<PlanForm>,
    /// While a gathering planned here is on its way: the ones that existed before, so the new
    /// one can be recognised and selected.
    planning: Option<BTreeSet<GatheringId>>,
    /// Rename, archive, delete and their undo.
    lifecycle: LifecycleState,
    /// The name typed into "New role".
    new_role: String,
    /// Where "Add to calendar" last saved a file, once saved.
    saved_calendar: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

#[derive(Default)]
struct PlanForm {
    date: String,
    title: String,
    repeat: RepeatChoice,
    focus: bool,
}

/// How often a gathering planned in the form repeats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum RepeatChoice {
    #[default]
    Once,
    Weeks(u8),
    /// On the same weekday of each month as the date typed (its 2nd Tuesday, say).
    MonthlyWeekday,
}

impl RepeatChoice {
    const ALL: [RepeatChoice; 5] = [
        RepeatChoice::Once,
        RepeatChoice::Weeks(1),
        RepeatChoice::Weeks(2),
        RepeatChoice::Weeks(4),
        RepeatChoice::MonthlyWeekday,
    ];

    fn label(self) -> String {
        match self {
            RepeatChoice::Once => "Does not repeat".into(),
            RepeatChoice::Weeks(1) => "Every week".into(),
            RepeatChoice::Weeks(n) => format!("Every {n} weeks"),
            RepeatChoice::MonthlyWeekday => "Monthly, same weekday".into(),
        }
    }

    /// The rule for a series first meeting at `when` in `zone`, if it repeats.
    fn rule(self, when: Timestamp, zone: &local_time::Zone) -> Option<Repeat> {
        match self {
            RepeatChoice::Once => None,
            RepeatChoice::Weeks(every) => Some(Repeat::Weekly { every }),
            RepeatChoice::MonthlyWeekday => {
                let (day, ..) = local_time::civil(when, zone)?;
                let nth = u8::try_from((day.day() - 1) / 7 + 1).ok()?;
                Some(Repeat::Monthly {
                    nth,
                    weekday: day.weekday(),
                })
            }
        }
    }
}

/// How many occurrences of each series the list shows.
const OCCURRENCES_AHEAD: usize = 4;

impl GatheringsState {
    fn enter(&mut self, community: &CommunityId) {
        if self.community.as_ref() != Some(community) {
            *self = GatheringsState {
                community: Some(community.clone()),
                ..GatheringsState::default()
            };
        }
    }

    /// Opens the "Plan a gathering" form.
    /// Esc: closes the "Plan a gathering" form.
    pub fn close_dialogs(&mut self) {
        self.plan = None;
        self.lifecycle.close();
    }

    pub fn start_planning(&mut self) {
        if self.plan.is_none() {
            self.plan = Some(PlanForm {
                focus: true,
                ..PlanForm::default()
            });
        }
    }

    /// Shows `id` when the view opens.
    pub fn select(&mut self, id: GatheringId) {
        self.selected = Some(id);
    }

    /// Selects the gathering this window just planned, once it shows in the snapshot.
    fn follow_planned(&mut self, community: &Community) {
        let Some(known) = &self.planning else { return };
        if let Some(id) = community.gatherings.keys().find(|id| !known.contains(*id)) {
            self.selected = Some(id.clone());
            self.planning = None;
            self.plan = None;
        }
    }
}

pub fn gatherings_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut GatheringsState) -> Navigate {
    let (community, me, now) = (cx.community, cx.me, cx.now);
    state.enter(cx.community_id);
    state.follow_planned(community);
    // With nothing chosen, show the next gathering (or else the latest one).
    if state.selected.is_none() {
        let (upcoming, past) = community.gatherings_by_date(now);
        state.selected = upcoming
            .first()
            .or(past.first())
            .map(|(id, _)| (*id).clone());
    }
    let mut commands = Vec::new();
    let mut open_note = None;
    egui::Panel::left("gathering-list")
        .resizable(true)
        .default_size(LIST_WIDTH)
        .show(ui, |ui| {
            lifecycle::undo_ui(ui, cx, &mut state.lifecycle);
            egui::ScrollArea::vertical()
                .id_salt("gathering-list-scroll")
                .show(ui, |ui| {
                    list_ui(ui, state, community, me, now, &mut commands)
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        open_note = detail_ui(ui, cx, state, &mut commands);
    });
    for command in commands {
        cx.send(command);
    }
    open_note.map_or(Navigate::Stay, Navigate::OpenNote)
}

fn list_ui(
    ui: &mut egui::Ui,
    state: &mut GatheringsState,
    community: &Community,
    me: Option<&MemberId>,
    now: Timestamp,
    commands: &mut Vec<Command>,
) {
    ui.heading("Gatherings");
    if let Some(path) = state.saved_calendar.lock().ok().and_then(|s| s.clone()) {
        ui.weak(format!("Calendar file saved: {path}"));
    }
    if let Some(me) = me {
        plan_ui(ui, state, community, now, commands);
        availability_ui(ui, community, me, commands);
        roles_ui(ui, community, &mut state.new_role, commands);
    }
    ui.separator();
    lifecycle::show_archived_ui(ui, &mut state.lifecycle);
    let (mut upcoming, mut past) = community.gatherings_by_date(now);
    let show_archived = state.lifecycle.show_archived;
    let listed = |(id, _): &(&GatheringId, &Gathering)| {
        community.shows(&Item::Gathering((*id).clone()), show_archived)
    };
    upcoming.retain(listed);
    past.retain(listed);
    series_list_ui(
        ui,
        &state.saved_calendar,
        community,
        now,
        me.is_some(),
        commands,
    );
    for (heading, list, empty) in [
        ("Upcoming", upcoming, "Nothing planned yet."),
        ("Past", past, "No past gatherings."),
    ] {
        ui.strong(format!("{heading} ({})", list.len()));
        if list.is_empty() {
            ui.weak(empty);
        }
        for (id, g) in list {
            let selected = state.selected.as_ref() == Some(id);
            let title = lifecycle::row_title(community, &Item::Gathering(id.clone()), &g.title);
            if ui
                .selectable_label(selected, format!("{title} · {}", g.when))
                .clicked()
            {
                state.selected = Some(id.clone());
            }
        }
        ui.add_space(8.0);
    }
}

/// The "Plan a gathering" form, with the rotation's suggestion for the date typed.
fn plan_ui(
    ui: &mut egui::Ui,
    state: &mut GatheringsState,
    community: &Community,
    now: Timestamp,
    commands: &mut Vec<Command>,
) {
    let Some(form) = &mut state.plan else {
        if ui.button("Plan a gathering").clicked() {
            state.start_planning();
        }
        return;
    };
    ui.strong("Plan a gathering");
    let zone = local_time::viewer_zone();
    let date = labelled_field(ui, "Gathering date", &mut form.date);
    if std::mem::take(&mut form.focus) {
        date.request_focus();
    }
    picker_ui(ui, form, now, &zone);
    ui.weak(format!(
        "Type {} ({}), or pick the day and time.",
        gathering::DATE_HINT,
        zone.name(now)
    ));
    labelled_field(ui, "Title (optional)", &mut form.title);
    ui.label("Repeat");
    ui.horizontal_wrapped(|ui| {
        for choice in RepeatChoice::ALL {
            ui.radio_value(&mut form.repeat, choice, choice.label());
        }
    });
    let when = (!form.date.trim().is_empty()).then(|| gathering::parse_when(&form.date));
    let rule = match &when {
        Some(Ok(when)) => form.repeat.rule(*when, &zone),
        _ => None,
    };
    match &when {
        Some(Ok(when)) => {
            ui.weak(format!("On {when}."));
            if let Some(rule) = rule {
                series_preview_ui(ui, rule, *when, &zone);
            } else {
                suggestion_ui(ui, community, *when);
            }
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        }
        None => {}
    }
    let sending = state.planning.is_some();
    let mut plan = false;
    let mut cancel = false;
    ui.horizontal(|ui| {
        let ready = matches!(when, Some(Ok(_))) && !sending;
        plan = ui
            .add_enabled(ready, Button::new("Plan gathering"))
            .clicked();
        cancel = ui.button("Cancel").clicked();
        if sending {
            ui.spinner();
        }
    });
    if cancel {
        state.plan = None;
        state.planning = None;
    } else if plan && let Some(Ok(when)) = when {
        let title = Some(form.title.trim().to_string()).filter(|t| !t.is_empty());
        if let Some(rule) = rule {
            state.plan = None;
            commands.push(bridge::action(
                "plan the series",
                move |node, c| async move {
                    node.plan_series(&c, when, rule, title).await.map(|_| ())
                },
            ));
            return;
        }
        state.planning = Some(community.gatherings.keys().cloned().collect());
        commands.push(bridge::action(
            "plan the gathering",
            move |node, c| async move { node.plan_gathering(&c, when, title).await.map(|_| ()) },
        ));
    }
}

/// What a series planned in the form will be: its rule in words and its first dates, with the
/// months it cannot meet named.
fn series_preview_ui(ui: &mut egui::Ui, rule: Repeat, when: Timestamp, zone: &local_time::Zone) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(format!(
            "Repeats {}, at the same local time.",
            rule.describe()
        ));
        for slot in recurrence::slots(rule, when, zone, when, OCCURRENCES_AHEAD) {
            match slot {
                Slot::On { when, .. } => ui.weak(when.to_string()),
                Slot::NoSuchDay { year, month } => {
                    ui.weak(format!("{year}-{month:02}: no such day, skipped"))
                }
            };
        }
        ui.weak("Roles rotate along the series: each occurrence lists who the rotation suggests.");
    });
}

/// The next occurrences of each series, with the suggested roles, Skip and End series.
fn series_list_ui(
    ui: &mut egui::Ui,
    saved: &std::sync::Arc<std::sync::Mutex<Option<String>>>,
    community: &Community,
    now: Timestamp,
    can_change: bool,
    commands: &mut Vec<Command>,
) {
    let occurrences = community.upcoming_occurrences(now, OCCURRENCES_AHEAD);
    if community.series.is_empty() {
        return;
    }
    ui.strong(format!("Series ({})", community.series.len()));
    for (id, series) in &community.series {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{} · {}", series.title, series.describe()));
            add_to_calendar_ui(ui, id.as_str(), &series.title, saved, commands);
            if series.ended_at.is_some() {
                ui.weak("ended");
            } else if can_change && ui.small_button("End series").clicked() {
                let id = id.clone();
                commands.push(bridge::action(
                    "end the series",
                    move |node, c| async move { node.end_series(&c, &id).await },
                ));
            }
        });
        for o in occurrences.iter().filter(|o| &o.series == id) {
            occurrence_ui(ui, community, o, can_change, commands);
        }
    }
    ui.add_space(8.0);
}

fn occurrence_ui(
    ui: &mut egui::Ui,
    community: &Community,
    o: &Occurrence,
    can_change: bool,
    commands: &mut Vec<Command>,
) {
    let Some(when) = o.when else {
        ui.weak(format!("  {}: no such day this month, skipped", o.day));
        return;
    };
    ui.horizontal_wrapped(|ui| {
        if o.state == OccurrenceState::Skipped {
            ui.weak(format!("  {when} (skipped)"));
            return;
        }
        ui.label(format!("  {when}"));
        if can_change
            && ui
                .small_button("Skip")
                .on_hover_text(format!("Skip the gathering of {}", o.day))
                .clicked()
        {
            let occurrence = o.id.clone();
            commands.push(bridge::action("skip the gathering", move |node, c| async move {
                node.skip_occurrence(&c, &occurrence).await.map(|_| ())
            }));
        }
    });
    if o.state == OccurrenceState::Planned {
        let roles = o.roles_in_words(community);
        if !roles.is_empty() {
            ui.weak(format!("    {roles}"));
        }
    }
}

/// "Add to calendar": saves the gathering or series as an .ics file in the Downloads folder
/// (else the home folder), for the member's calendar app to import; says where.
fn add_to_calendar_ui(
    ui: &mut egui::Ui,
    id: &str,
    title: &str,
    saved: &std::sync::Arc<std::sync::Mutex<Option<String>>>,
    commands: &mut Vec<Command>,
) {
    if ui
        .small_button("Add to calendar")
        .on_hover_text("Save an .ics file to import into your calendar")
        .clicked()
    {
        let folder = directories::UserDirs::new()
            .and_then(|d| d.download_dir().map(|p| p.to_path_buf()))
            .or_else(|| directories::UserDirs::new().map(|d| d.home_dir().to_path_buf()))
            .unwrap_or_else(std::env::temp_dir);
        let name: String = title
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .take(60)
            .collect();
        let (id, saved) = (id.to_string(), saved.clone());
        commands.push(bridge::action(
            "save the calendar file",
            move |node, c| async move {
                let text = node.calendar(&c, Some(&id)).await?;
                let path = write_new(&folder, &name, "ics", text.as_bytes())
                    .await
                    .map_err(|(path, e)| crate::node::NodeError::Io {
                        path: path.display().to_string(),
                        error: format!("{e}; check that the folder exists and you can write to it"),
                    })?;
                if let Ok(mut slot) = saved.lock() {
                    *slot = Some(path.display().to_string());
                }
                Ok(())
            },
        ));
    }
}

/// Writes `bytes` to `NAME.EXT` in `folder`, or `NAME-2.EXT`, `NAME-3.EXT` … when taken: a file
/// already there (last month's calendar file) is never overwritten. The path written, or the
/// path that failed and why.
async fn write_new(
    folder: &std::path::Path,
    name: &str,
    ext: &str,
    bytes: &[u8],
) -> Result<std::path::PathBuf, (std::path::PathBuf, std::io::Error)> {
    use tokio::io::AsyncWriteExt;
    let mut last = folder.join(format!("{name}.{ext}"));
    for n in 1..=999 {
        let path = match n {
            1 => folder.join(format!("{name}.{ext}")),
            n => folder.join(format!("{name}-{n}.{ext}")),
        };
        let opened = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await;
        match opened {
            Ok(mut file) => {
                let written = file.write_all(bytes).await;
                return written
                    .and(file.flush().await)
                    .map(|()| path.clone())
                    .map_err(|e| (path, e));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = path,
            Err(e) => return Err((path, e)),
        }
    }
    Err((
        last,
        std::io::Error::other("999 files of that name are there already"),
    ))
}

/// A calendar for the day and fields for the time, kept in step with the typed date: what is
/// typed shows in them, and what is picked is written into the date field.
fn picker_ui(ui: &mut egui::Ui, form: &mut PlanForm, now: Timestamp, zone: &local_time::Zone) {
    let typed = gathering::parse_when(&form.date)
        .ok()
        .and_then(|at| local_time::civil(at, zone));
    let example = Timestamp(now.0 + EXAMPLE_DAYS_AHEAD * DAY_MS);
    let Some((mut day, mut hour, mut minute)) = typed
        .or_else(|| local_time::civil(example, zone).map(|(day, _, _)| (day, EXAMPLE_HOUR, 0)))
    else {
        return;
    };
    let before = (day, hour, minute);
    ui.horizontal(|ui| {
        // The years offered follow the day shown, not the machine's calendar.
        let year = day.year();
        ui.add(
            DatePickerButton::new(&mut day)
                .id_salt("gathering-day")
                // The app's fonts have no calendar glyph.
                .show_icon(false)
                .start_end_years(year.saturating_sub(1)..=year.saturating_add(5)),
        )
        .on_hover_text("Pick the day");
        ui.label("at");
        ui.add(
            egui::DragValue::new(&mut hour)
                .range(0..=23)
                .custom_formatter(|n, _| format!("{n:02}")),
        )
        .accessible_name("Hour")
        .on_hover_text("Hour");
        ui.label(":");
        ui.add(
            egui::DragValue::new(&mut minute)
                .range(0..=59)
                .speed(0.25)
                .custom_formatter(|n, _| format!("{n:02}")),
        )
        .accessible_name("Minute")
        .on_hover_text("Minute");
    });
    if (day, hour, minute) != before {
        form.date = format!("{day} {hour:02}:{minute:02}");
    }
}

/// What the rotation proposes for a gathering at `when`.
fn suggestion_ui(ui: &mut egui::Ui, community: &Community, when: Timestamp) {
    let plan = rotation::suggest(community, when);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label("Suggested agenda");
        if plan.agenda.is_empty() {
            ui.weak("No topics yet: mark topics as planned, or endorse them, on Topics.");
        }
        for (n, pick) in plan.agenda.iter().enumerate() {
            ui.label(format!(
                "{}. {} ({})",
                n + 1,
                topic_title(community, &pick.topic),
                pick.reason()
            ));
        }
        ui.weak("Planned topics come first, then the proposed ones members endorsed most.");
        ui.label("Suggested roles");
        for role in community.roles() {
            let who = plan
                .roles
                .get(&role)
                .map(|m| community.display_name(m))
                .unwrap_or_else(|| "nobody available".into());
            ui.label(format!("{}: {who}", role.label()));
        }
        ui.weak(
            "Roles rotate: each goes to whoever held it least recently. It is only a \
             suggestion; anyone can change it afterwards.",
        );
    });
}

/// The rotating roles, and a field to add one of the community's own.
fn roles_ui(
    ui: &mut egui::Ui,
    community: &Community,
    new_role: &mut String,
    commands: &mut Vec<Command>,
) {
    egui::CollapsingHeader::new("Rotating roles")
        .id_salt("gathering-roles")
        .show(ui, |ui| {
            let names: Vec<String> = community
                .roles()
                .iter()
                .map(|r| r.label().to_string())
                .collect();
            ui.weak(names.join(" · "));
            labelled_field(ui, "New role", new_role);
            let name = new_role.trim().to_string();
            let exists = community
                .roles()
                .iter()
                .any(|r| Role::key(r.label()) == Role::key(&name));
            if exists {
                ui.weak("The community already has this role.");
            }
            if ui
                .add_enabled(!name.is_empty() && !exists, Button::new("Add role"))
                .clicked()
            {
                new_role.clear();
                commands.push(bridge::action("add the role", move |node, c| async move {
                    node.add_role(&c, &name).await.map(|_| ())
                }));
            }
        });
}

/// One's own "available for roles" setting.
fn availability_ui(
    ui: &mut egui::Ui,
    community: &Community,
    me: &MemberId,
    commands: &mut Vec<Command>,
) {
    let Some(member) = community.members.get(me) else {
        return;
    };
    let mut available = member.available_for_roles();
    if ui
        .checkbox(&mut available, "I can take on gathering roles")
        .changed()
    {
        commands.push(bridge::action(
            "change your availability",
            move |node, c| async move { node.set_available_for_roles(&c, available).await },
        ));
    }
}

/// The selected gathering. Returns the meeting note to open, when asked.
fn detail_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut GatheringsState,
    commands: &mut Vec<Command>,
) -> Option<crate::model::NoteId> {
    let (community, me) = (cx.community.as_ref(), cx.me);
    let selected = state
        .selected
        .as_ref()
        .and_then(|id| community.gatherings.get_key_value(id));
    let Some((id, g)) = selected else {
        ui.add_space(24.0);
        ui.heading("A rhythm of gatherings");
        ui.label(
            "Plan the community's meetings here. Each gets an agenda from the topics the group \
             planned and most wants, and a facilitator, a presenter and a note-taker, rotating \
             so that everyone gets a turn.",
        );
        ui.weak(if community.gatherings.is_empty() {
            "Start with \"Plan a gathering\" on the left."
        } else {
            "Choose a gathering on the left."
        });
        return None;
    };
    let mut open_note = None;
    egui::ScrollArea::vertical()
        .id_salt(("gathering", id.as_str()))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let item = Item::Gathering(id.clone());
            if !state.lifecycle.is_renaming(&item) {
                ui.heading(&g.title);
            }
            if community.is_archived(&item) {
                ui.label("Archived: hidden from the list unless Show archived is on.");
            }
            if me.is_some() {
                lifecycle::actions_ui(ui, cx, &mut state.lifecycle, &item);
            }
            ui.weak(g.when.to_string());
            add_to_calendar_ui(ui, id.as_str(), &g.title, &state.saved_calendar, commands);
            ui.add_space(8.0);
            agenda_ui(ui, id, g, community, me.is_some(), commands);
            ui.add_space(12.0);
            ui.strong("Roles");
            for role in community.roles() {
                role_ui(ui, id, g, role, community, me.is_some(), commands);
            }
            ui.add_space(12.0);
            match &g.note {
                Some(note) if community.notes.contains_key(note) => {
                    if ui.link("Open the meeting note").clicked() {
                        open_note = Some(note.clone());
                    }
                }
                Some(note) if community.is_deleted(&Item::Note(note.clone())) => {
                    ui.weak("The meeting note was deleted.");
                }
                Some(_) => {
                    ui.weak("The meeting note has not arrived from other members yet.");
                }
                None => {
                    ui.weak("This gathering has no meeting note.");
                }
            }
        });
    open_note
}

fn agenda_ui(
    ui: &mut egui::Ui,
    id: &GatheringId,
    g: &Gathering,
    community: &Community,
    can_change: bool,
    commands: &mut Vec<Command>,
) {
    ui.strong("Agenda");
    // Deleted topics are left out, and a changed agenda is saved without them.
    let listed: Vec<TopicId> = community.agenda_of(g).into_iter().cloned().collect();
    if listed.is_empty() {
        ui.weak("No topics on the agenda.");
    }
    let mut new_agenda = None;
    for (n, topic) in listed.iter().enumerate() {
        ui.horizontal(|ui| {
            let title = topic_title(community, topic);
            ui.label(format!("{}. {title}", n + 1));
            if can_change && ui.small_button("Remove").clicked() {
                let mut agenda = listed.clone();
                agenda.remove(n);
                new_agenda = Some(agenda);
            }
        });
    }
    if can_change {
        // Planned topics first, then proposed; discussed ones are done.
        let mut addable: Vec<_> = community
            .topics_by_endorsement()
            .into_iter()
            .filter(|(t, topic)| !g.agenda.contains(t) && topic.status != TopicStatus::Discussed)
            .collect();
        addable.sort_by_key(|(_, t)| t.status != TopicStatus::Planned);
        if !addable.is_empty() {
            ComboBox::from_label("Add a topic to the agenda")
                .selected_text("Choose a topic")
                .show_ui(ui, |ui| {
                    for (topic, t) in addable {
                        if ui.selectable_label(false, &t.title).clicked() {
                            let mut agenda = listed.clone();
                            agenda.push(topic.clone());
                            new_agenda = Some(agenda);
                        }
                    }
                });
        }
    }
    if let Some(agenda) = new_agenda {
        let id = id.clone();
        commands.push(bridge::action(
            "change the agenda",
            move |node, c| async move { node.set_gathering_agenda(&c, &id, agenda).await },
        ));
    }
}

/// One role with a choice of members (anyone may change it).
fn role_ui(
    ui: &mut egui::Ui,
    id: &GatheringId,
    g: &Gathering,
    role: Role,
    community: &Community,
    can_change: bool,
    commands: &mut Vec<Command>,
) {
    let current = g.roles.get(&role);
    let name = current
        .map(|m| community.display_name(m))
        .unwrap_or_else(|| "Nobody".into());
    if !can_change {
        ui.label(format!("{}: {name}", role.label()));
        return;
    }
    let mut members: Vec<_> = community.members.iter().collect();
    members.sort_by_key(|(mid, m)| (m.name.to_lowercase(), (*mid).clone()));
    let mut chosen: Option<Option<MemberId>> = None;
    ComboBox::from_label(role.label())
        .selected_text(name)
        .show_ui(ui, |ui| {
            if ui.selectable_label(current.is_none(), "Nobody").clicked() {
                chosen = Some(None);
            }
            for (mid, m) in members {
                let text = if m.available_for_roles() {
                    m.name.clone()
                } else {
                    format!("{} (prefers no roles)", m.name)
                };
                if ui.selectable_label(current == Some(mid), text).clicked() {
                    chosen = Some(Some(mid.clone()));
                }
            }
        });
    if let Some(holder) = chosen.filter(|h| h.as_ref() != current) {
        let id = id.clone();
        commands.push(bridge::action(
            "change the role",
            move |node, c| async move { node.set_gathering_role(&c, &id, role, holder).await },
        ));
    }
}

fn topic_title(community: &Community, id: &TopicId) -> String {
    community
        .topics
        .get(id)
        .map(|t| t.title.clone())
        .unwrap_or_else(|| "(a topic not yet synced)".into())
}

/// Home's "Next gathering": when, who holds the roles, and a way to it.
pub fn next_gathering_ui(ui: &mut egui::Ui, cx: &ViewCtx) -> Navigate {
    let community = cx.community;
    let mut to = Navigate::Stay;
    ui.strong("Next gathering");
    match community.next_gathering(cx.now) {
        Some((id, g)) => {
            if ui.link(format!("{} · {}", g.title, g.when)).clicked() {
                to = Navigate::OpenGathering(id.clone());
            }
            let roles: Vec<String> = community
                .roles()
                .iter()
                .filter_map(|r| {
                    g.roles
                        .get(r)
                        .map(|m| format!("{}: {}", r.label(), community.display_name(m)))
                })
                .collect();
            if !roles.is_empty() {
                ui.weak(roles.join(" · "));
            }
        }
        None => {
            ui.horizontal(|ui| {
                ui.weak("No gathering planned.");
                if cx.me.is_some() && ui.button("Plan one").clicked() {
                    to = Navigate::PlanGathering;
                }
            });
        }
    }
    to
}

#[cfg(test)]
mod tests {
    use super::write_new;

    #[tokio::test]
    async fn a_calendar_file_already_there_is_kept_and_the_new_one_gets_the_next_name() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_new(dir.path(), "Circle", "ics", b"one")
            .await
            .unwrap();
        let second = write_new(dir.path(), "Circle", "ics", b"two")
            .await
            .unwrap();
        assert_eq!(first, dir.path().join("Circle.ics"));
        assert_eq!(second, dir.path().join("Circle-2.ics"));
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(std::fs::read(&second).unwrap(), b"two");
        let missing = dir.path().join("no such folder");
        let (path, _) = write_new(&missing, "Circle", "ics", b"x")
            .await
            .unwrap_err();
        assert_eq!(path, missing.join("Circle.ics"));
    }
}

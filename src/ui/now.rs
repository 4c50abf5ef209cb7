//! Now: the meeting mode for the gathering in progress, the same on every member's screen. The
//! steps with their timeboxes and the shared timer (the facilitator starts, pauses and moves
//! on; everyone else watches it count down); a peer-assist case run live, its questions before
//! its suggestions for everyone at once; pairs and small groups with a debrief field each;
//! who is there; and the note-taker's meeting note beside it.
//!
//! The meeting lives in the community document, which the window already has; the live case
//! and the meeting note are separate documents, read by a node action when the community
//! changes, after every change made here, and once a second while the view is shown.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui::{self, ComboBox, RichText};

use super::app::{Navigate, ViewCtx};
use super::bridge::{self, Command};
use super::widgets::labelled_field;
use crate::model::meeting::{CaseStep, NowView, StepKind, TimerAction, clock_text};
use crate::model::{
    Case, CaseId, Community, CommunityId, Gathering, GatheringId, GroupingId, MemberId, NoteId,
    Phase, grouping,
};

/// How often the live case and the meeting note are read again while the view is shown.
const REREAD: Duration = Duration::from_secs(1);

/// The live case and the meeting note, as last read.
#[derive(Default)]
struct Documents {
    case: Option<(CaseId, Arc<Case>)>,
    note: Option<(NoteId, String)>,
}

type Reply = Arc<Mutex<Option<Documents>>>;

/// The Now view's own state.
#[derive(Default)]
pub struct NowState {
    community: Option<CommunityId>,
    documents: Documents,
    pending: Option<Reply>,
    read_at: Option<Instant>,
    read_for: Option<Arc<Community>>,
    question: String,
    suggestion: String,
    activity: String,
    size: usize,
    /// Debriefs being typed, by grouping and group.
    debriefs: BTreeMap<(GroupingId, usize), String>,
}

impl NowState {
    fn enter(&mut self, community: &CommunityId) {
        if self.community.as_ref() != Some(community) {
            *self = NowState {
                community: Some(community.clone()),
                size: 2,
                ..NowState::default()
            };
        }
    }

    /// Takes the last read, and reads the case and note again when due.
    fn refresh(&mut self, community: &Arc<Community>, g: &Gathering) -> Option<Command> {
        if let Some(reply) = &self.pending {
            match reply.lock().ok().and_then(|mut slot| slot.take()) {
                Some(documents) => {
                    self.documents = documents;
                    self.pending = None;
                }
                None => return None,
            }
        }
        let changed = !self
            .read_for
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, community));
        let due = self.read_at.is_none_or(|at| at.elapsed() >= REREAD);
        if !changed && !due {
            return None;
        }
        self.read_for = Some(community.clone());
        self.read_at = Some(Instant::now());
        let reply = Reply::default();
        self.pending = Some(reply.clone());
        let (case, note) = (g.meeting.case.clone(), g.note.clone());
        Some(bridge::action(
            "read the meeting",
            move |node, c| async move {
                let mut documents = Documents::default();
                if let Some(case) = case
                    && let Ok(read) = node.case(&c, &case).await
                {
                    documents.case = Some((case, read));
                }
                if let Some(note) = note
                    && let Ok(read) = node.note(&c, &note).await
                {
                    documents.note = Some((note, read.body.as_str().to_string()));
                }
                if let Ok(mut slot) = reply.lock() {
                    *slot = Some(documents);
                }
                Ok(())
            },
        ))
    }

    /// Reads again at the next frame (after a change made here).
    fn reread(&mut self) {
        self.read_at = None;
    }
}

/// The gathering the view shows: the one in progress, else the next one, else the latest.
fn shown(
    community: &Community,
    now: crate::model::Timestamp,
) -> Option<(&GatheringId, &Gathering)> {
    community.gathering_now(now).or_else(|| {
        let (upcoming, past) = community.gatherings_by_date(now);
        upcoming.into_iter().next().or(past.into_iter().next())
    })
}

pub fn now_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut NowState) -> Navigate {
    state.enter(cx.community_id);
    let community = cx.community;
    let Some((id, g)) = shown(community, cx.now) else {
        ui.heading("Now");
        ui.label("No gathering yet: plan one in Gatherings, then run it here when it starts.");
        return Navigate::Stay;
    };
    if let Some(command) = state.refresh(community, g) {
        cx.send(command);
    }
    ui.ctx().request_repaint_after(REREAD);
    let view = community.now_view(g, cx.now);
    let mut commands = Vec::new();
    let mut navigate = Navigate::Stay;
    egui::Panel::right("now-side")
        .resizable(true)
        .default_size(320.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("now-side-scroll")
                .show(ui, |ui| {
                    attendance_ui(ui, cx, id, g, &mut commands);
                    ui.add_space(12.0);
                    if let Some(open) = note_ui(ui, g, &state.documents) {
                        navigate = Navigate::OpenNote(open);
                    }
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("now-main-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(format!("Now: {}", g.title));
                ui.weak(g.when.to_string());
                ui.add_space(6.0);
                timer_ui(ui, cx, id, g, &view, &mut commands);
                ui.add_space(12.0);
                case_ui(ui, cx, id, g, &view, state, &mut commands);
                ui.add_space(12.0);
                groups_ui(ui, cx, id, g, state, &mut commands);
            });
    });
    if !commands.is_empty() {
        state.reread();
    }
    for command in commands {
        cx.send(command);
    }
    navigate
}

/// Whether `me` runs the timer: the facilitator, or anyone while there is none.
fn runs_timer(community: &Community, g: &Gathering, me: Option<&MemberId>) -> bool {
    me.is_some()
        && match &g.roles.facilitator {
            Some(f) if community.members.contains_key(f) => Some(f) == me,
            _ => true,
        }
}

fn timer_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    id: &GatheringId,
    g: &Gathering,
    view: &NowView,
    commands: &mut Vec<Command>,
) {
    ui.strong("Agenda");
    if view.steps.is_empty() {
        ui.weak("No agenda: add topics in Gatherings, or choose a case to run live below.");
    }
    for (i, step) in view.steps.iter().enumerate() {
        let text = format!("{} · {} min", step.label, step.minutes);
        if Some(i) == view.current {
            ui.label(RichText::new(format!("Now: {text}")).strong());
        } else {
            ui.label(text);
        }
    }
    let Some(step) = view.step() else {
        return;
    };
    ui.add_space(6.0);
    let left = clock_text(view.remaining_ms);
    let (time, colour) = if view.remaining_ms < 0 {
        (format!("Over time: {left}"), ui.visuals().error_fg_color)
    } else {
        (
            format!("Time left: {left}"),
            ui.visuals().strong_text_color(),
        )
    };
    ui.label(RichText::new(time).size(28.0).color(colour));
    ui.weak(if view.running {
        format!("Running · {}", step.label)
    } else {
        format!("Paused · {}", step.label)
    });
    if !runs_timer(cx.community, g, cx.me) {
        let who = g
            .roles
            .facilitator
            .as_ref()
            .map(|f| cx.community.display_name(f))
            .unwrap_or_default();
        ui.weak(format!("{who} runs the timer as facilitator."));
        return;
    }
    let mut action = None;
    ui.horizontal(|ui| {
        if view.running {
            if ui.button("Pause").clicked() {
                action = Some(TimerAction::Pause);
            }
        } else if ui.button("Start").clicked() {
            action = Some(TimerAction::Start);
        }
        let last = view.current.is_some_and(|i| i + 1 >= view.steps.len());
        if ui
            .add_enabled(!last, egui::Button::new("Next item"))
            .clicked()
        {
            action = Some(TimerAction::Next);
        }
        let mut minutes = step.minutes;
        let changed = ui
            .add(
                egui::DragValue::new(&mut minutes)
                    .range(1..=240)
                    .suffix(" min"),
            )
            .on_hover_text("This item's timebox")
            .changed();
        if changed {
            let (id, key) = (id.clone(), step.key.clone());
            commands.push(bridge::action(
                "set the timebox",
                move |node, c| async move { node.set_timebox(&c, &id, &key, minutes).await },
            ));
        }
    });
    if let Some(action) = action {
        let id = id.clone();
        commands.push(bridge::action("run the timer", move |node, c| async move {
            node.run_timer(&c, &id, action).await.map(|_| ())
        }));
    }
}

#[allow(clippy::too_many_arguments)]
fn case_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    id: &GatheringId,
    g: &Gathering,
    view: &NowView,
    state: &mut NowState,
    commands: &mut Vec<Command>,
) {
    ui.strong("Peer assist");
    if runs_timer(cx.community, g, cx.me) {
        let mut open: Vec<_> = cx.community.cases.iter().collect();
        open.sort_by_key(|(_, e)| std::cmp::Reverse(e.created_at));
        let current = g
            .meeting
            .case
            .as_ref()
            .and_then(|c| cx.community.cases.get(c))
            .map_or("None".to_string(), |e| e.title.clone());
        let mut chosen: Option<Option<CaseId>> = None;
        ComboBox::from_label("Case to run live")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(g.meeting.case.is_none(), "None")
                    .clicked()
                {
                    chosen = Some(None);
                }
                for (case, entry) in open {
                    let on = g.meeting.case.as_ref() == Some(case);
                    if ui.selectable_label(on, &entry.title).clicked() {
                        chosen = Some(Some(case.clone()));
                    }
                }
            });
        if let Some(case) = chosen.filter(|c| *c != g.meeting.case) {
            let id = id.clone();
            commands.push(bridge::action(
                "choose the case",
                move |node, c| async move { node.set_meeting_case(&c, &id, case).await },
            ));
        }
    }
    let Some(case_id) = &g.meeting.case else {
        ui.weak("No case runs live at this meeting.");
        return;
    };
    let Some((_, case)) = state.documents.case.as_ref().filter(|(c, _)| c == case_id) else {
        ui.weak("Reading the case…");
        return;
    };
    ui.label(RichText::new(&case.title).strong());
    // Where the meeting is in the case, and where the case itself is.
    if let Some(StepKind::Case { phase, .. }) = view.step().map(|s| &s.kind) {
        ui.label(RichText::new(phase.guidance()).strong());
        if phase.phase() > case.phase && case.phase != Phase::Closed {
            ui.weak(format!(
                "The case is still in {}: its presenter moves it on.",
                case.phase
            ));
        }
    }
    ui.weak(format!(
        "Case phase: {} — {}",
        case.phase,
        case.phase.guidance()
    ));
    if matches!(
        view.step().map(|s| &s.kind),
        Some(StepKind::Case {
            phase: CaseStep::Situation,
            ..
        })
    ) {
        ui.label(case.situation.as_str());
    }
    if !case.questions.is_empty() {
        ui.label(format!("Questions ({})", case.questions.len()));
        let mut questions: Vec<_> = case.questions.values().collect();
        questions.sort_by_key(|q| q.asked_at);
        for q in questions {
            let who = cx.community.display_name(&q.author);
            ui.label(format!("{} — {who}", q.text));
            if let Some(answer) = &q.answer {
                ui.weak(format!("   {answer}"));
            }
        }
    }
    if !case.suggestions.is_empty() {
        ui.label(format!("Suggestions ({})", case.suggestions.len()));
        let mut suggestions: Vec<_> = case.suggestions.values().collect();
        suggestions.sort_by_key(|s| s.at);
        for s in suggestions {
            let who = cx.community.display_name(&s.author);
            ui.label(format!("{} — {who}", s.text));
        }
    }
    let Some(me) = cx.me else {
        return;
    };
    let presenter = &case.presenter == me;
    match case.phase {
        Phase::Clarify if !presenter => {
            ui.horizontal(|ui| {
                labelled_field(ui, "Your question", &mut state.question);
                if ui.button("Ask").clicked() && !state.question.trim().is_empty() {
                    let (case, text) = (case_id.clone(), std::mem::take(&mut state.question));
                    commands.push(bridge::action(
                        "ask the question",
                        move |node, c| async move {
                            node.ask_question(&c, &case, text).await.map(|_| ())
                        },
                    ));
                }
            });
        }
        Phase::Suggest if !presenter => {
            ui.horizontal(|ui| {
                labelled_field(ui, "Your suggestion", &mut state.suggestion);
                if ui.button("Suggest").clicked() && !state.suggestion.trim().is_empty() {
                    let (case, text) = (case_id.clone(), std::mem::take(&mut state.suggestion));
                    commands.push(bridge::action("suggest", move |node, c| async move {
                        node.suggest(&c, &case, text).await.map(|_| ())
                    }));
                }
            });
        }
        _ => {}
    }
    if presenter
        && matches!(case.phase, Phase::Clarify | Phase::Suggest)
        && ui.button("Move the case on").clicked()
    {
        let case = case_id.clone();
        commands.push(bridge::action(
            "move the case on",
            move |node, c| async move { node.advance_case(&c, &case).await.map(|_| ()) },
        ));
    }
}

fn groups_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    id: &GatheringId,
    g: &Gathering,
    state: &mut NowState,
    commands: &mut Vec<Command>,
) {
    ui.strong("Pairs and small groups");
    if cx.me.is_some() {
        ui.horizontal(|ui| {
            labelled_field(ui, "Activity", &mut state.activity);
            ComboBox::from_label("People per group")
                .selected_text(state.size.to_string())
                .show_ui(ui, |ui| {
                    for size in grouping::SIZES {
                        ui.selectable_value(&mut state.size, size, size.to_string());
                    }
                });
            if ui.button("Make groups").clicked() {
                let (id, size, activity) = (id.clone(), state.size, state.activity.clone());
                commands.push(bridge::action("make groups", move |node, c| async move {
                    node.make_groups(&c, &id, size, &activity).await.map(|_| ())
                }));
            }
        });
        ui.weak(
            "Made from who is here (or everyone), pairing people who have rarely worked together.",
        );
    }
    for (gid, made) in grouping::in_order(&g.groupings).into_iter().rev() {
        ui.add_space(6.0);
        ui.label(RichText::new(&made.activity).strong());
        for (n, group) in made.groups.iter().enumerate() {
            let names: Vec<String> = group
                .members
                .iter()
                .map(|m| cx.community.display_name(m))
                .collect();
            ui.label(format!("Group {}: {}", n + 1, names.join(", ")));
            if cx.me.is_none() {
                if !group.debrief.is_empty() {
                    ui.weak(&group.debrief);
                }
                continue;
            }
            let draft = state
                .debriefs
                .entry((gid.clone(), n))
                .or_insert_with(|| group.debrief.clone());
            ui.horizontal(|ui| {
                labelled_field(ui, &format!("Debrief of group {}", n + 1), draft);
                if *draft != group.debrief && ui.button("Save").clicked() {
                    let (id, gid, text) = (id.clone(), gid.clone(), draft.clone());
                    commands.push(bridge::action("save the debrief", move |node, c| async move {
                        node.set_debrief(&c, &id, &gid, n, &text).await
                    }));
                }
            });
        }
    }
}

fn attendance_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    id: &GatheringId,
    g: &Gathering,
    commands: &mut Vec<Command>,
) {
    let there = g
        .attended
        .keys()
        .filter(|m| cx.community.members.contains_key(*m))
        .count();
    ui.strong(format!("Who is here ({there})"));
    let mut members: Vec<_> = cx.community.members.iter().collect();
    members.sort_by_key(|(mid, m)| (m.name.to_lowercase(), (*mid).clone()));
    for (member, m) in members {
        let mut here = g.attended.contains_key(member);
        let response = ui.add_enabled(
            cx.me.is_some(),
            egui::Checkbox::new(&mut here, format!("{} is here", m.name)),
        );
        if response.changed() {
            let (id, member) = (id.clone(), member.clone());
            commands.push(bridge::action("record attendance", move |node, c| async move {
                node.attend(&c, &id, vec![member], here).await.map(|_| ())
            }));
        }
    }
}

/// The note-taker's meeting note, as last read. Returns the note to open, when asked.
fn note_ui(ui: &mut egui::Ui, g: &Gathering, documents: &Documents) -> Option<NoteId> {
    ui.strong("Meeting note");
    let Some(note) = &g.note else {
        ui.weak("This gathering has no meeting note.");
        return None;
    };
    match documents.note.as_ref().filter(|(n, _)| n == note) {
        Some((_, body)) => {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(body.as_str());
            });
        }
        None => {
            ui.weak("Reading the note…");
        }
    }
    ui.link("Open the meeting note to write in it")
        .clicked()
        .then(|| note.clone())
}

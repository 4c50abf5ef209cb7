//! Peer-assist cases: a list of the community's cases and the selected case shown in its current
//! phase.
//!
//! The view follows the practice: a phase indicator (Clarify → Suggest → Reflect → Closed) with
//! that phase's guidance; questions with the presenter's answers; a question box only in Clarify
//! and a suggestion box only in Suggest, neither for the presenter; the presenter's control to
//! move the case on, and in Reflect the form that closes it with an outcome and next actions.
//! The model enforces the same rules, so a stale window can only be refused, never break them.
//!
//! The view keeps its own state only (the selection, the drafts being typed, the phases it has
//! looked up). Every change goes to the node as a [`bridge::action`]; the result comes back in
//! the watched case's snapshot ([`CasesState::case_changed`]). If a change fails, the error bar
//! says why and the text that was sent goes back into its field, so nothing typed is lost.
//!
//! The community's index holds each case's title, presenter and last change but not its phase;
//! the list looks up the phase of the rows it shows, again whenever a case's entry changes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, mpsc};

use eframe::egui::{self, Button, ComboBox, Key, Margin, RichText, TextEdit};

use super::app::App;
use super::bridge::{self, Command};
use super::history::{HistoryState, Shown, history_ui};
use crate::model::markdown_export::case_page;
use crate::model::{
    Case, CaseId, Community, CommunityId, MemberId, Phase, Question, QuestionId, Timestamp, limits,
};
use crate::node::{Node, NodeError};

/// The phases in the order a case goes through them.
const PHASES: [Phase; 4] = [
    Phase::Clarify,
    Phase::Suggest,
    Phase::Reflect,
    Phase::Closed,
];

/// The width the case list opens with.
const LIST_WIDTH: f32 = 260.0;

/// The Cases view's own state.
pub struct CasesState {
    /// The community this state belongs to; a switch of community starts afresh.
    community: Option<CommunityId>,
    selected: Option<CaseId>,
    /// The selected case as last seen; `None` until the node sends it.
    case: Option<Arc<Case>>,
    /// The "Open a case" form, while shown.
    new_case: Option<NewCase>,
    /// Set while a case opened here is on its way: the cases that existed before, so the new
    /// one can be recognised in the index and selected.
    opening: Option<BTreeSet<CaseId>>,
    question: String,
    suggestion: String,
    answers: BTreeMap<QuestionId, String>,
    outcome: String,
    actions: String,
    /// The owner chosen for each action line (by position); `None`: the presenter.
    action_owners: Vec<Option<MemberId>>,
    comment: String,
    /// The selected case's history, while shown.
    history: HistoryState,
    /// Counts the selected case's snapshots, so its history is re-read when it changes.
    snapshots: usize,
    /// The phase a "Move to …" was sent from, so a second click cannot skip a phase.
    advancing_from: Option<Phase>,
    /// A "Close case" is on its way.
    closing: bool,
    /// Phases looked up for the list, with the index entry's `updated_at` they are valid for;
    /// `None` while the lookup runs (or when it failed).
    phases: HashMap<CaseId, (Timestamp, Option<Phase>)>,
    replies_tx: mpsc::Sender<Reply>,
    replies: mpsc::Receiver<Reply>,
}

impl Default for CasesState {
    fn default() -> Self {
        let (replies_tx, replies) = mpsc::channel();
        CasesState {
            community: None,
            selected: None,
            case: None,
            new_case: None,
            opening: None,
            question: String::new(),
            suggestion: String::new(),
            answers: BTreeMap::new(),
            outcome: String::new(),
            actions: String::new(),
            action_owners: Vec::new(),
            comment: String::new(),
            history: HistoryState::default(),
            snapshots: 0,
            advancing_from: None,
            closing: false,
            phases: HashMap::new(),
            replies_tx,
            replies,
        }
    }
}

/// The "Open a case" form.
#[derive(Default)]
struct NewCase {
    title: String,
    situation: String,
    /// The title field takes the keyboard when the form opens.
    focus: bool,
}

/// What the node side tells this view, beside the bridge's events.
enum Reply {
    /// Phases looked up for the list: the case, the `updated_at` asked for, its phase.
    Phases(Vec<(CaseId, Timestamp, Phase)>),
    /// A change failed; `text` goes back into `field` (the error bar says why).
    Unsent {
        case: Option<CaseId>,
        field: Field,
        text: String,
    },
}

/// A place the member types into (or clicks), to put text back after a failure.
#[derive(Clone)]
enum Field {
    Title,
    Situation,
    Question,
    Answer(QuestionId),
    Suggestion,
    Advance,
    Outcome,
    Actions,
    Comment,
}

impl CasesState {
    /// The watched case changed (locally or from another member).
    pub fn case_changed(&mut self, id: CaseId, case: Arc<Case>) {
        if self.selected.as_ref() != Some(&id) {
            return;
        }
        if self.advancing_from.is_some_and(|from| from != case.phase) {
            self.advancing_from = None;
        }
        if case.phase == Phase::Closed {
            self.closing = false;
        }
        self.answers
            .retain(|q, text| !text.is_empty() || !case.questions.contains_key(q));
        self.case = Some(case);
        self.snapshots += 1;
    }

    /// Shows `id` of `community` (from elsewhere in the app, e.g. Home); the caller asks the
    /// node to watch it.
    pub(super) fn open(&mut self, community: &CommunityId, id: CaseId) {
        self.enter(community);
        self.select(id);
    }

    /// Esc: closes the "Open a case" form and the history.
    pub fn close_dialogs(&mut self) {
        self.new_case = None;
        self.history.close();
    }

    /// The case shown, if any.
    pub(super) fn selected(&self) -> Option<&CaseId> {
        self.selected.as_ref()
    }

    /// Whether the selected case (if any) has arrived.
    pub(super) fn is_shown(&self) -> bool {
        self.selected.is_none() || self.case.is_some()
    }

    /// Shows `id`; the caller asks the node to watch it.
    fn select(&mut self, id: CaseId) {
        if self.selected.as_ref() == Some(&id) {
            return;
        }
        self.selected = Some(id);
        self.case = None;
        self.question.clear();
        self.suggestion.clear();
        self.answers.clear();
        self.outcome.clear();
        self.actions.clear();
        self.action_owners.clear();
        self.comment.clear();
        self.advancing_from = None;
        self.closing = false;
    }

    /// Shows case `id` of `community`, opened from elsewhere (a search result); the caller asks
    /// the node to watch it.
    pub(super) fn show(&mut self, community: &CommunityId, id: CaseId) {
        self.enter(community);
        self.select(id);
    }

    /// Starts afresh when the window shows another community.
    fn enter(&mut self, community: &CommunityId) {
        if self.community.as_ref() != Some(community) {
            *self = CasesState {
                community: Some(community.clone()),
                ..CasesState::default()
            };
        }
    }

    /// Takes in what the node side sent since the last frame.
    fn receive(&mut self) {
        while let Ok(reply) = self.replies.try_recv() {
            match reply {
                Reply::Phases(found) => {
                    for (id, at, phase) in found {
                        self.phases.insert(id, (at, Some(phase)));
                    }
                }
                Reply::Unsent { case, field, text } => self.put_back(case, field, text),
            }
        }
    }

    /// Puts text whose change failed back where it was typed, unless something new is there.
    fn put_back(&mut self, case: Option<CaseId>, field: Field, text: String) {
        let restore = |slot: &mut String| {
            if slot.is_empty() {
                *slot = text.clone();
            }
        };
        match field {
            Field::Title | Field::Situation => {
                self.opening = None;
                let form = self.new_case.get_or_insert_with(NewCase::default);
                match field {
                    Field::Title => restore(&mut form.title),
                    _ => restore(&mut form.situation),
                }
            }
            // The member has moved on to another case: their drafts there are not these.
            _ if case != self.selected => {}
            Field::Question => restore(&mut self.question),
            Field::Answer(q) => restore(self.answers.entry(q).or_default()),
            Field::Suggestion => restore(&mut self.suggestion),
            Field::Advance => self.advancing_from = None,
            Field::Outcome => {
                self.closing = false;
                restore(&mut self.outcome);
            }
            Field::Actions => restore(&mut self.actions),
            Field::Comment => restore(&mut self.comment),
        }
    }

    /// Selects the case this window just opened, once it shows in the index.
    fn follow_opened_case(
        &mut self,
        community: &Community,
        me: Option<&MemberId>,
        commands: &mut Vec<Command>,
    ) {
        let Some(known) = &self.opening else { return };
        let opened = community
            .cases
            .iter()
            .filter(|(id, entry)| !known.contains(*id) && Some(&entry.author) == me)
            .max_by_key(|(_, entry)| entry.created_at)
            .map(|(id, _)| id.clone());
        if let Some(id) = opened {
            self.opening = None;
            self.new_case = None;
            self.select(id.clone());
            commands.push(Command::OpenCase(id));
        }
    }

    /// The phase to show for a case in the list, if known.
    fn phase_of(&self, id: &CaseId, updated_at: Timestamp) -> Option<Phase> {
        if self.selected.as_ref() == Some(id)
            && let Some(case) = &self.case
        {
            return Some(case.phase);
        }
        match self.phases.get(id) {
            Some((at, phase)) if *at == updated_at => *phase,
            _ => None,
        }
    }

    /// Sends `text` back to `field` of the selected case if the change fails.
    fn action<F, Fut>(
        &self,
        what: &'static str,
        case: CaseId,
        unsent: Vec<(Field, String)>,
        run: F,
    ) -> Command
    where
        F: FnOnce(Node, CommunityId, CaseId) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), NodeError>> + Send + 'static,
    {
        let replies = self.replies_tx.clone();
        bridge::action(what, move |node, community| async move {
            let result = run(node, community, case.clone()).await;
            if result.is_err() {
                for (field, text) in unsent {
                    let reply = Reply::Unsent {
                        case: Some(case.clone()),
                        field,
                        text,
                    };
                    if replies.send(reply).is_err() {
                        break;
                    }
                }
            }
            result
        })
    }
}

pub fn cases_ui(ui: &mut egui::Ui, app: &mut App) {
    let Some((community_id, community)) = app.current.clone() else {
        return;
    };
    let me = app.me();
    let new = app.unread_ids(crate::model::DocKind::Case);
    let state = &mut app.cases;
    state.enter(&community_id);
    state.receive();
    let mut commands = Vec::new();
    state.follow_opened_case(&community, me.as_ref(), &mut commands);
    egui::Panel::left("case-list")
        .resizable(true)
        .default_size(LIST_WIDTH)
        .show(ui, |ui| {
            list_ui(ui, state, &community, me.as_ref(), &new, &mut commands);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        detail_ui(ui, state, &community, me.as_ref(), &mut commands);
    });
    for command in commands {
        app.send(command);
    }
}

// ---- the list ------------------------------------------------------------------------------

fn list_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    community: &Community,
    me: Option<&MemberId>,
    new: &std::collections::HashSet<String>,
    commands: &mut Vec<Command>,
) {
    ui.heading("Peer-assist cases");
    if me.is_some() {
        new_case_ui(ui, state, community, commands);
    } else {
        ui.weak(
            "You are not on this community's roster, so you can read its cases but not \
             change them.",
        );
    }
    ui.separator();
    if community.cases.is_empty() {
        ui.label("No cases yet.");
        ui.weak(
            "A case is a real problem one member brings to the group. The others first ask \
             questions, then offer suggestions; the presenter decides what to try next.",
        );
        return;
    }
    let mut cases: Vec<_> = community.cases.iter().collect();
    cases.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.updated_at));
    let spacing = ui.spacing().item_spacing.y;
    let row = ui.text_style_height(&egui::TextStyle::Button)
        + 2.0 * ui.spacing().button_padding.y
        + spacing
        + ui.text_style_height(&egui::TextStyle::Body);
    let mut lookups = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, row, cases.len(), |ui, range| {
            for (id, entry) in &cases[range] {
                let selected = state.selected.as_ref() == Some(*id);
                let is_new = new.contains(id.as_str());
                if super::home::list_row(ui, selected, &entry.title, is_new) && !selected {
                    state.select((*id).clone());
                    commands.push(Command::OpenCase((*id).clone()));
                }
                let presenter = community.display_name(&entry.author);
                let phase = state.phase_of(id, entry.updated_at);
                let about = match phase {
                    Some(phase) => format!("{presenter} · {}", phase_name(phase)),
                    None => presenter,
                };
                ui.horizontal(|ui| {
                    // In line with the title's text, inside the selectable label's padding.
                    ui.add_space(ui.spacing().button_padding.x);
                    ui.weak(about);
                });
                let asked =
                    matches!(state.phases.get(*id), Some((at, _)) if *at == entry.updated_at);
                if phase.is_none() && !asked {
                    state.phases.insert((*id).clone(), (entry.updated_at, None));
                    lookups.push(((*id).clone(), entry.updated_at));
                }
            }
        });
    if !lookups.is_empty() {
        commands.push(look_up_phases(lookups, state, ui.ctx().clone()));
    }
}

/// Reads the phases of `cases` on the node side and wakes the window with them. A case that
/// cannot be read (not yet synced, say) just shows no phase; the list is no place for an error.
fn look_up_phases(
    cases: Vec<(CaseId, Timestamp)>,
    state: &CasesState,
    ctx: egui::Context,
) -> Command {
    let replies = state.replies_tx.clone();
    bridge::action(
        "read the cases' phases",
        move |node, community| async move {
            let mut found = Vec::with_capacity(cases.len());
            for (id, at) in cases {
                match node.case(&community, &id).await {
                    Ok(case) => found.push((id, at, case.phase)),
                    Err(e) => {
                        tracing::debug!(case = %id, error = %e, "phase not read for the list")
                    }
                }
            }
            if replies.send(Reply::Phases(found)).is_ok() {
                ctx.request_repaint();
            }
            Ok(())
        },
    )
}

fn new_case_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    community: &Community,
    commands: &mut Vec<Command>,
) {
    let Some(form) = &mut state.new_case else {
        if ui.button("Open a case").clicked() {
            state.new_case = Some(NewCase {
                focus: true,
                ..NewCase::default()
            });
        }
        return;
    };
    ui.strong("Bring a problem to the group");
    let title = labelled_singleline(ui, "Case title", &mut form.title);
    if std::mem::take(&mut form.focus) {
        title.request_focus();
    }
    labelled_multiline(
        ui,
        "Situation",
        &mut form.situation,
        5,
        "What happened, what you have tried, and what you would like help with.",
    );
    let title_check = limits::title("a case's title", &form.title);
    if let (Err(e), false) = (&title_check, form.title.trim().is_empty()) {
        ui.colored_label(ui.visuals().error_fg_color, e.to_string());
    }
    let sending = state.opening.is_some();
    let ready = title_check.is_ok() && !form.situation.trim().is_empty() && !sending;
    let mut open = false;
    let mut cancel = false;
    ui.horizontal(|ui| {
        open = ui.add_enabled(ready, Button::new("Open case")).clicked();
        cancel = ui.button("Cancel").clicked();
        if sending {
            ui.spinner();
        }
    });
    if cancel {
        state.new_case = None;
        state.opening = None;
    } else if open {
        let (title, situation) = (form.title.clone(), form.situation.clone());
        state.opening = Some(community.cases.keys().cloned().collect());
        let replies = state.replies_tx.clone();
        commands.push(bridge::action(
            "open the case",
            move |node, community| async move {
                let result = node.open_case(&community, &title, &situation).await;
                if result.is_err() {
                    for (field, text) in [(Field::Title, title), (Field::Situation, situation)] {
                        let _ = replies.send(Reply::Unsent {
                            case: None,
                            field,
                            text,
                        });
                    }
                }
                result.map(|_| ())
            },
        ));
        // The form stays (greyed) until the case shows in the index, then closes.
    }
}

// ---- the selected case ---------------------------------------------------------------------

/// Who is looking at the case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Presenter,
    Member,
    /// Not on the roster: reads only.
    Reader,
}

fn detail_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    community: &Community,
    me: Option<&MemberId>,
    commands: &mut Vec<Command>,
) {
    let (Some(id), Some(case)) = (state.selected.clone(), state.case.clone()) else {
        if state.selected.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Opening the case…");
            });
        } else if community.cases.is_empty() {
            empty_ui(ui);
        } else {
            ui.label("Choose a case from the list to follow it.");
        }
        return;
    };
    let role = match me {
        Some(me) if *me == case.presenter => Role::Presenter,
        Some(_) => Role::Member,
        None => Role::Reader,
    };
    if state.history.open {
        let now = Shown {
            title: case.title.clone(),
            text: case_page(id.as_str(), &case, community),
        };
        let doc = crate::model::DocRef::Case(id.clone());
        history_ui(
            ui,
            &mut state.history,
            &doc,
            &now,
            state.snapshots,
            commands,
        );
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt(("case", id.as_str()))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading(&case.title);
            let presenter = if role == Role::Presenter {
                "you".to_string()
            } else {
                community.display_name(&case.presenter)
            };
            ui.horizontal(|ui| {
                ui.weak(format!(
                    "Presented by {presenter} · opened {}",
                    case.opened_at
                ));
                if ui.small_button("History").clicked() {
                    state.history.open = true;
                }
            });
            ui.add_space(8.0);
            phase_indicator_ui(ui, case.phase);
            ui.add_space(6.0);
            guidance_ui(ui, &case, role, community);
            if role == Role::Presenter && matches!(case.phase, Phase::Clarify | Phase::Suggest) {
                advance_ui(ui, state, &id, case.phase, commands);
            }
            ui.add_space(12.0);
            ui.strong("Situation");
            ui.label(case.situation.as_str());
            ui.add_space(12.0);
            questions_ui(ui, state, &id, &case, role, community, commands);
            ui.add_space(12.0);
            suggestions_ui(ui, state, &id, &case, role, community, commands);
            ui.add_space(12.0);
            match case.phase {
                Phase::Reflect if role == Role::Presenter => {
                    close_ui(ui, state, &id, community, me, commands);
                }
                Phase::Closed => outcome_ui(ui, state, &id, &case, community, me, commands),
                _ => {}
            }
            ui.add_space(12.0);
            comments_ui(ui, state, &id, &case, role, community, commands);
        });
}

fn empty_ui(ui: &mut egui::Ui) {
    ui.add_space(24.0);
    ui.heading("Peer assist");
    ui.label(
        "Bring a real problem from your practice and let the group help. A case goes through \
         three phases:",
    );
    ui.add_space(6.0);
    for phase in [Phase::Clarify, Phase::Suggest, Phase::Reflect] {
        ui.label(format!("{} — {}", phase_name(phase), phase.guidance()));
    }
    ui.add_space(6.0);
    ui.weak("Start with \"Open a case\" on the left.");
}

/// Clarify › Suggest › Reflect › Closed, the current phase highlighted (and named "now", for
/// those who cannot see the highlight).
///
/// Only glyphs the bundled Ubuntu font has: the window may have no other font to fall back on.
fn phase_indicator_ui(ui: &mut egui::Ui, current: Phase) {
    ui.horizontal(|ui| {
        for (i, phase) in PHASES.into_iter().enumerate() {
            if i > 0 {
                ui.weak("›");
            }
            let name = phase_name(phase);
            if phase == current {
                let visuals = ui.visuals().selection;
                egui::Frame::new()
                    .fill(visuals.bg_fill)
                    .corner_radius(4.0)
                    .inner_margin(Margin::symmetric(6, 2))
                    .show(ui, |ui| {
                        ui.label(
                            RichText::new(format!("{name} (now)"))
                                .strong()
                                .color(visuals.stroke.color),
                        );
                    });
            } else if phase < current {
                ui.label(name);
            } else {
                ui.weak(name);
            }
        }
    });
}

/// The phase's guidance, prominently, and what it means for the one looking.
fn guidance_ui(ui: &mut egui::Ui, case: &Case, role: Role, community: &Community) {
    egui::Frame::group(ui.style())
        .fill(ui.visuals().faint_bg_color)
        .inner_margin(Margin::same(10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(case.phase.guidance()).size(17.0).strong());
            let presenter = community.display_name(&case.presenter);
            let note = match (case.phase, role) {
                (Phase::Clarify, Role::Presenter) => Some(
                    "You are presenting: answer each question below. Move to Suggest when the \
                     problem is clear to you."
                        .to_string(),
                ),
                (Phase::Clarify, _) => Some(format!(
                    "{presenter} is presenting. Open questions help most — not advice in disguise."
                )),
                (Phase::Suggest, Role::Presenter) => Some(
                    "Listen and take notes; you can still answer questions. Move to Reflect when \
                     you have heard enough."
                        .to_string(),
                ),
                (Phase::Suggest, _) => Some(format!("{presenter} is listening.")),
                (Phase::Reflect, Role::Presenter) => Some(
                    "Record what you take away and your next small actions, then close the case."
                        .to_string(),
                ),
                (Phase::Reflect, _) => Some(format!(
                    "{presenter} is reflecting; the outcome shows here once the case is closed."
                )),
                (Phase::Closed, _) => None,
            };
            if let Some(note) = note {
                ui.label(note);
            }
        });
}

/// The presenter's "Move to Suggest" / "Move to Reflect".
fn advance_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    id: &CaseId,
    phase: Phase,
    commands: &mut Vec<Command>,
) {
    let (label, hint) = match phase {
        Phase::Clarify => ("Move to Suggest", "opens suggestions and ends questions"),
        _ => ("Move to Reflect", "ends suggestions"),
    };
    let waiting = state.advancing_from == Some(phase);
    ui.horizontal(|ui| {
        if ui.add_enabled(!waiting, Button::new(label)).clicked() {
            state.advancing_from = Some(phase);
            commands.push(state.action(
                "move the case on",
                id.clone(),
                vec![(Field::Advance, String::new())],
                |node, community, case| async move {
                    node.advance_case(&community, &case).await.map(|_| ())
                },
            ));
        }
        if waiting {
            ui.spinner();
        } else {
            ui.weak(hint);
        }
    });
}

fn questions_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    id: &CaseId,
    case: &Case,
    role: Role,
    community: &Community,
    commands: &mut Vec<Command>,
) {
    ui.strong(format!("Questions ({})", case.questions.len()));
    let mut questions: Vec<(&QuestionId, &Question)> = case.questions.iter().collect();
    questions.sort_by_key(|(qid, q)| (q.asked_at, *qid));
    if questions.is_empty() {
        ui.weak(match (case.phase, role) {
            (Phase::Clarify, Role::Member) => "No questions yet. Ask the first one below.",
            (Phase::Clarify, _) => "No questions yet.",
            _ => "No questions were asked.",
        });
    }
    let can_answer = role == Role::Presenter && case.phase <= Phase::Suggest;
    for (n, (qid, question)) in questions.into_iter().enumerate() {
        let n = n + 1;
        ui.add_space(4.0);
        ui.label(format!("{n}. {}", question.text));
        ui.weak(format!(
            "asked by {} · {}",
            community.display_name(&question.author),
            question.asked_at
        ));
        ui.indent(("answer", qid.as_str()), |ui| match &question.answer {
            Some(answer) => {
                ui.label(format!("Answer: {answer}"));
                if super::thanks::thanks_ui(ui, community, &question.thanks, &case.presenter) {
                    let question = qid.clone();
                    commands.push(state.action(
                        "thank for the answer",
                        id.clone(),
                        Vec::new(),
                        move |node, community, case| async move {
                            node.thank_answer(&community, &case, &question)
                                .await
                                .map(|_| ())
                        },
                    ));
                }
            }
            None if can_answer => {
                let draft = state.answers.entry(qid.clone()).or_default();
                if field_with_button(
                    ui,
                    &format!("Your answer to question {n}"),
                    draft,
                    &format!("Answer question {n}"),
                ) {
                    let text = std::mem::take(draft);
                    let question = qid.clone();
                    commands.push(state.action(
                        "answer the question",
                        id.clone(),
                        vec![(Field::Answer(question.clone()), text.clone())],
                        move |node, community, case| async move {
                            node.answer_question(&community, &case, &question, text)
                                .await
                        },
                    ));
                }
            }
            None => {
                ui.weak("Not answered yet.");
            }
        });
    }
    if case.phase == Phase::Clarify && role == Role::Member {
        ui.add_space(6.0);
        if field_with_button(ui, "Your question", &mut state.question, "Ask") {
            let text = std::mem::take(&mut state.question);
            commands.push(state.action(
                "ask the question",
                id.clone(),
                vec![(Field::Question, text.clone())],
                move |node, community, case| async move {
                    node.ask_question(&community, &case, text).await.map(|_| ())
                },
            ));
        }
    }
}

fn suggestions_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    id: &CaseId,
    case: &Case,
    role: Role,
    community: &Community,
    commands: &mut Vec<Command>,
) {
    ui.strong(format!("Suggestions ({})", case.suggestions.len()));
    if case.phase == Phase::Clarify {
        // No box at all: advice waits until the problem is understood.
        ui.weak("Suggestions open in the Suggest phase, once the presenter moves the case on.");
        return;
    }
    let mut suggestions: Vec<_> = case.suggestions.iter().collect();
    suggestions.sort_by_key(|(sid, s)| (s.at, *sid));
    if suggestions.is_empty() {
        ui.weak(if case.phase == Phase::Suggest {
            "No suggestions yet."
        } else {
            "No suggestions were made."
        });
    }
    for (sid, suggestion) in suggestions {
        ui.add_space(4.0);
        ui.label(format!("• {}", suggestion.text));
        ui.weak(format!(
            "from {} · {}",
            community.display_name(&suggestion.author),
            suggestion.at
        ));
        if super::thanks::thanks_ui(ui, community, &suggestion.thanks, &suggestion.author) {
            let suggestion = sid.clone();
            commands.push(state.action(
                "thank for the suggestion",
                id.clone(),
                Vec::new(),
                move |node, community, case| async move {
                    node.thank_suggestion(&community, &case, &suggestion)
                        .await
                        .map(|_| ())
                },
            ));
        }
    }
    if case.phase != Phase::Suggest {
        return;
    }
    ui.add_space(6.0);
    match role {
        Role::Member => {
            if field_with_button(
                ui,
                "Your suggestion",
                &mut state.suggestion,
                "Offer suggestion",
            ) {
                let text = std::mem::take(&mut state.suggestion);
                commands.push(state.action(
                    "make the suggestion",
                    id.clone(),
                    vec![(Field::Suggestion, text.clone())],
                    move |node, community, case| async move {
                        node.suggest(&community, &case, text).await.map(|_| ())
                    },
                ));
            }
        }
        Role::Presenter => {
            ui.weak("You listen while the others suggest.");
        }
        Role::Reader => {}
    }
}

/// The presenter's close form, in Reflect: the outcome, and next actions each with an owner
/// chosen from the members (the presenter unless changed).
fn close_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    id: &CaseId,
    community: &Community,
    me: Option<&MemberId>,
    commands: &mut Vec<Command>,
) {
    ui.strong("Close the case");
    labelled_multiline(
        ui,
        "Outcome",
        &mut state.outcome,
        4,
        "What did you take away? What will you do differently?",
    );
    labelled_multiline(
        ui,
        "Next actions (one per line)",
        &mut state.actions,
        3,
        "Small steps you will take, one per line.",
    );
    let lines: Vec<String> = state
        .actions
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    let mut members: Vec<_> = community.members.iter().collect();
    members.sort_by_key(|(mid, m)| (m.name.to_lowercase(), (*mid).clone()));
    let mut owned: Vec<(String, MemberId)> = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let Some(owner) = state
            .action_owners
            .get(n)
            .cloned()
            .flatten()
            .or(me.cloned())
        else {
            continue;
        };
        ui.horizontal(|ui| {
            ui.label(format!("{}. {line}", n + 1));
            ComboBox::from_label(format!("owner of action {}", n + 1))
                .selected_text(community.display_name(&owner))
                .show_ui(ui, |ui| {
                    for (mid, m) in &members {
                        if ui.selectable_label(**mid == owner, &m.name).clicked() {
                            if state.action_owners.len() <= n {
                                state.action_owners.resize(n + 1, None);
                            }
                            state.action_owners[n] = Some((*mid).clone());
                        }
                    }
                });
        });
        owned.push((line.clone(), owner));
    }
    let ready = !state.outcome.trim().is_empty() && !state.closing;
    ui.horizontal(|ui| {
        if ui.add_enabled(ready, Button::new("Close case")).clicked() {
            state.closing = true;
            let outcome = state.outcome.clone();
            let actions_text = state.actions.clone();
            let actions = owned.clone();
            commands.push(state.action(
                "close the case",
                id.clone(),
                vec![
                    (Field::Outcome, outcome.clone()),
                    (Field::Actions, actions_text),
                ],
                move |node, community, case| async move {
                    node.close_case_with_owners(&community, &case, outcome, actions)
                        .await
                },
            ));
            // Cleared only now the text is sent; on failure it comes back.
            state.outcome.clear();
            state.actions.clear();
            state.action_owners.clear();
        }
        if state.closing {
            ui.spinner();
        }
    });
}

/// A closed case's outcome and next actions, with a tick box for the action's owner and the
/// presenter.
fn outcome_ui(
    ui: &mut egui::Ui,
    state: &CasesState,
    id: &CaseId,
    case: &Case,
    community: &Community,
    me: Option<&MemberId>,
    commands: &mut Vec<Command>,
) {
    ui.strong("Outcome");
    ui.label(case.outcome.as_str());
    if let Some(at) = case.closed_at {
        ui.weak(format!("closed {at}"));
    }
    ui.add_space(8.0);
    ui.strong(format!("Next actions ({})", case.next_actions.len()));
    if case.next_actions.is_empty() {
        ui.weak("No next actions were recorded.");
    }
    for (action_id, action) in &case.next_actions {
        let owner = action
            .owner
            .as_ref()
            .map(|o| community.display_name(o))
            .unwrap_or_else(|| "no owner".into());
        let may_tick =
            me.is_some_and(|me| action.owner.as_ref() == Some(me) || *me == case.presenter);
        ui.horizontal(|ui| {
            let mut done = action.done;
            let ticked = ui
                .add_enabled(may_tick, egui::Checkbox::new(&mut done, &action.text))
                .changed();
            ui.weak(format!(
                "— {owner}{}",
                if action.done { " · done" } else { "" }
            ));
            if ticked {
                let action_id = action_id.clone();
                commands.push(state.action(
                    if done {
                        "tick off the action"
                    } else {
                        "reopen the action"
                    },
                    id.clone(),
                    Vec::new(),
                    move |node, community, case| async move {
                        node.tick_action(&community, &case, &action_id, done)
                            .await
                            .map(|_| ())
                    },
                ));
            }
        });
    }
}

fn comments_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    id: &CaseId,
    case: &Case,
    role: Role,
    community: &Community,
    commands: &mut Vec<Command>,
) {
    ui.separator();
    ui.strong(format!("Comments ({})", case.comments.len()));
    let mut comments: Vec<_> = case.comments.iter().collect();
    comments.sort_by_key(|(cid, c)| (c.at, *cid));
    for (_, c) in comments {
        ui.label(format!(
            "{} ({}): {}",
            community.display_name(&c.author),
            c.at,
            c.text
        ));
    }
    if role == Role::Reader {
        return;
    }
    if field_with_button(ui, "Comment on this case", &mut state.comment, "Comment") {
        let text = std::mem::take(&mut state.comment);
        commands.push(state.action(
            "add the comment",
            id.clone(),
            vec![(Field::Comment, text.clone())],
            move |node, community, case| async move {
                node.comment_case(&community, &case, text).await.map(|_| ())
            },
        ));
    }
}

// ---- small helpers -------------------------------------------------------------------------

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Clarify => "Clarify",
        Phase::Suggest => "Suggest",
        Phase::Reflect => "Reflect",
        Phase::Closed => "Closed",
    }
}

/// A labelled one-line field and a button on one row; true when the button is clicked (or
/// Enter pressed in the field) with some text in it.
fn field_with_button(ui: &mut egui::Ui, label: &str, text: &mut String, button: &str) -> bool {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let width = (ui.available_width() - 170.0).max(120.0);
        let field = ui
            .add(TextEdit::singleline(text).desired_width(width))
            .labelled_by(label.id);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let ready = !text.trim().is_empty();
        let clicked = ui.add_enabled(ready, Button::new(button)).clicked();
        ready && (clicked || entered)
    })
    .inner
}

/// A labelled one-line field as wide as the space it is in.
fn labelled_singleline(ui: &mut egui::Ui, label: &str, text: &mut String) -> egui::Response {
    let label = ui.label(label);
    ui.add(TextEdit::singleline(text).desired_width(f32::INFINITY))
        .labelled_by(label.id)
}

fn labelled_multiline(ui: &mut egui::Ui, label: &str, text: &mut String, rows: usize, hint: &str) {
    let label = ui.label(label);
    ui.add(
        TextEdit::multiline(text)
            .desired_rows(rows)
            .desired_width(f32::INFINITY)
            .hint_text(hint),
    )
    .labelled_by(label.id);
}

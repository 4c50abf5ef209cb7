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
//!
//! This file owns the view's state and its frame; the parts are drawn in [`list`] (the list and
//! the "Open a case" form), [`detail`] (the selected case), [`discussion`] (questions and
//! suggestions) and [`close`] (closing, the outcome, the comments).

mod close;
mod detail;
mod discussion;
mod list;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, mpsc};

use eframe::egui;

use super::app::{Navigate, ViewCtx};
use super::bridge::{self, Command};
use super::history::HistoryState;
use crate::model::DocKind;
use crate::model::{Case, CaseId, Community, CommunityId, MemberId, Phase, QuestionId, Timestamp};
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
    /// The phase whose "Move to …" is being confirmed.
    confirm_advance: Option<Phase>,
    /// A "Close case" is on its way.
    closing: bool,
    /// The list's order as last drawn, kept while the pointer is over it.
    order: Vec<CaseId>,
    /// Phases looked up for the list, with the index entry's `updated_at` they are valid for;
    /// `None` while the lookup runs (or when it failed).
    phases: HashMap<CaseId, (Timestamp, Option<Phase>)>,
    /// Rename, archive, delete and their undo.
    lifecycle: super::lifecycle::LifecycleState,
    /// The selected case's files.
    attachments: super::attachments::AttachmentsState,
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
            confirm_advance: None,
            closing: false,
            order: Vec::new(),
            phases: HashMap::new(),
            lifecycle: Default::default(),
            attachments: Default::default(),
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
    /// A change failed; `text` goes back into `field`, with `reason` under it.
    Unsent {
        case: Option<CaseId>,
        field: Field,
        text: String,
        reason: String,
    },
}

/// A place the member types into (or clicks), to put text back after a failure.
#[derive(Clone)]
enum Field {
    Title,
    Situation,
    Question,
    /// A question's answer box, with the question's number as shown.
    Answer(QuestionId, usize),
    Suggestion,
    Advance,
    Outcome,
    Actions,
    Comment,
}

impl Field {
    /// The label of the field on screen, which names its refusal.
    pub(super) fn label(&self) -> String {
        match self {
            Field::Title => "Case title".into(),
            Field::Situation => "Situation".into(),
            Field::Question => "Your question".into(),
            Field::Answer(_, n) => answer_label(*n),
            Field::Suggestion => SUGGESTION.into(),
            Field::Advance => "Move the case on".into(),
            Field::Outcome => "Outcome".into(),
            Field::Actions => "Next actions (one per line)".into(),
            Field::Comment => CASE_COMMENT.into(),
        }
    }
}

/// The label of the suggestion box.
pub(super) const SUGGESTION: &str = "Your suggestion";
/// The label of the case's comment box.
pub(super) const CASE_COMMENT: &str = "Comment on this case";

/// The label of the presenter's answer box for question `n` (counted from 1).
pub(super) fn answer_label(n: usize) -> String {
    format!("Your answer to question {n}")
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

    /// Shows `id` of `community` (from elsewhere in the app: Home, a search result); the caller
    /// asks the node to watch it.
    pub(super) fn open(&mut self, community: &CommunityId, id: CaseId) {
        self.enter(community);
        self.select(id);
    }

    /// Opens the history of the selected case on what changed since `since`.
    pub(super) fn show_changes_since(&mut self, since: Timestamp) {
        self.history.show_changes_since(since);
    }

    /// Esc: closes the "Open a case" form and the history.
    pub fn close_dialogs(&mut self) {
        self.new_case = None;
        self.confirm_advance = None;
        self.history.close();
        self.lifecycle.close();
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
        self.confirm_advance = None;
        self.closing = false;
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
    fn receive(&mut self, ctx: &egui::Context) {
        while let Ok(reply) = self.replies.try_recv() {
            match reply {
                Reply::Phases(found) => {
                    for (id, at, phase) in found {
                        self.phases.insert(id, (at, Some(phase)));
                    }
                }
                Reply::Unsent {
                    case,
                    field,
                    text,
                    reason,
                } => {
                    let label = field.label();
                    if self.put_back(case, field, text.clone()) {
                        super::widgets::refuse(ctx, &label, &text, reason);
                    }
                }
            }
        }
    }

    /// Puts text whose change failed back where it was typed, unless something new is there;
    /// true if it went back.
    fn put_back(&mut self, case: Option<CaseId>, field: Field, text: String) -> bool {
        let mut restored = false;
        let mut restore = |slot: &mut String| {
            if slot.is_empty() {
                *slot = text.clone();
                restored = true;
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
            Field::Answer(q, _) => restore(self.answers.entry(q).or_default()),
            Field::Suggestion => restore(&mut self.suggestion),
            Field::Advance => self.advancing_from = None,
            Field::Outcome => {
                self.closing = false;
                restore(&mut self.outcome);
            }
            Field::Actions => restore(&mut self.actions),
            Field::Comment => restore(&mut self.comment),
        }
        restored
    }

    /// Selects the case this window just opened, once it shows in the index.
    fn follow_opened_case(&mut self, community: &Community, me: Option<&MemberId>) -> Navigate {
        let Some(known) = &self.opening else {
            return Navigate::Stay;
        };
        let opened = community
            .cases
            .iter()
            .filter(|(id, entry)| !known.contains(*id) && Some(&entry.author) == me)
            .max_by_key(|(_, entry)| entry.created_at)
            .map(|(id, _)| id.clone());
        let Some(id) = opened else {
            return Navigate::Stay;
        };
        self.opening = None;
        self.new_case = None;
        Navigate::OpenCase(id)
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
            if let Err(e) = &result {
                for (field, text) in unsent {
                    let reply = Reply::Unsent {
                        case: Some(case.clone()),
                        field,
                        text,
                        reason: e.to_string(),
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

pub fn cases_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut CasesState) -> Navigate {
    let new = cx.unread_ids(DocKind::Case);
    state.enter(cx.community_id);
    state.receive(ui.ctx());
    let mut commands = Vec::new();
    let opened = state.follow_opened_case(cx.community, cx.me);
    let chosen = egui::Panel::left("case-list")
        .resizable(true)
        .default_size(LIST_WIDTH)
        .show(ui, |ui| list::list_ui(ui, cx, state, &new, &mut commands))
        .inner;
    egui::CentralPanel::default().show(ui, |ui| {
        detail::detail_ui(ui, cx, state, &mut commands);
    });
    for command in commands {
        cx.send(command);
    }
    chosen.or(opened)
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Clarify => "Clarify",
        Phase::Suggest => "Suggest",
        Phase::Reflect => "Reflect",
        Phase::Closed => "Closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_id(s: &str) -> CaseId {
        CaseId::from(s.to_string())
    }

    #[test]
    fn refused_text_goes_back_only_to_the_case_it_was_typed_for() {
        let mut state = CasesState::default();
        state.select(case_id("c1"));
        state.put_back(Some(case_id("c1")), Field::Comment, "kept".into());
        assert_eq!(state.comment, "kept");

        // Something new typed since is not overwritten.
        state.comment = "newer".into();
        state.put_back(Some(case_id("c1")), Field::Comment, "older".into());
        assert_eq!(state.comment, "newer");

        // After moving to another case, that case's box is not the place for it.
        state.select(case_id("c2"));
        state.put_back(Some(case_id("c1")), Field::Question, "for c1".into());
        assert_eq!(state.question, "");
    }
}

//! A peer-assist case: a member brings a real problem; the others first ask clarifying
//! questions, then offer suggestions; the presenter reflects and records what they will do.

use std::collections::BTreeMap;
use std::fmt;

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::Serialize;

use crate::model::format::Format;
use crate::model::{
    ActionId, Comment, CommentId, MemberId, ModelError, QuestionId, SuggestionId, Timestamp,
    limits, text_edit,
};

/// The phases a case goes through, in order.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Reconcile, Hydrate, Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Questions that help the presenter see the problem; no advice yet.
    #[default]
    Clarify,
    /// Suggestions, now that the problem is understood.
    Suggest,
    /// The presenter reflects on what they heard.
    Reflect,
    /// Outcome and next actions recorded.
    Closed,
}

impl Phase {
    /// Guidance shown to everyone during this phase.
    pub fn guidance(self) -> &'static str {
        match self {
            Phase::Clarify => {
                "Ask questions that help the presenter see the problem — no advice yet."
            }
            Phase::Suggest => {
                "Offer suggestions: what might the presenter try? The presenter listens."
            }
            Phase::Reflect => {
                "The presenter reflects on what was useful and decides on next small actions."
            }
            Phase::Closed => {
                "This case is closed. Its outcome and next actions are recorded below."
            }
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Clarify => "clarify",
            Phase::Suggest => "suggest",
            Phase::Reflect => "reflect",
            Phase::Closed => "closed",
        })
    }
}

/// A clarifying question and the presenter's answer.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Question {
    pub author: MemberId,
    pub text: String,
    pub asked_at: Timestamp,
    #[autosurgeon(missing = "Default::default")]
    pub answer: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub answered_at: Option<Timestamp>,
    /// Members who thanked the presenter for the answer → when.
    #[autosurgeon(missing = "Default::default")]
    pub thanks: BTreeMap<MemberId, Timestamp>,
}

/// A suggestion offered in the Suggest phase.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Suggestion {
    pub author: MemberId,
    pub text: String,
    pub at: Timestamp,
    /// Members who thanked the author for the suggestion → when.
    #[autosurgeon(missing = "Default::default")]
    pub thanks: BTreeMap<MemberId, Timestamp>,
}

/// A next small action the presenter takes away, optionally owned by someone.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct NextAction {
    pub text: String,
    #[autosurgeon(missing = "Default::default")]
    pub owner: Option<MemberId>,
    pub done: bool,
}

/// What the case held when the presenter last moved it on, so the move can be undone until
/// someone writes in the new phase. Counted rather than timed: members' clocks differ, and a
/// write is new exactly when it is not among these.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate)]
pub struct Advanced {
    /// The phase the case was moved on from.
    pub from: Phase,
    /// The comments there were then.
    pub comments: Vec<CommentId>,
    /// How many questions were answered then.
    pub answers: u64,
    /// How many suggestions there were then.
    pub suggestions: u64,
}

/// One case, in a document of its own.
#[derive(Clone, Debug, Reconcile, Hydrate)]
pub struct Case {
    pub title: String,
    pub presenter: MemberId,
    #[autosurgeon(missing = "Default::default")]
    pub situation: Text,
    pub phase: Phase,
    pub opened_at: Timestamp,
    #[autosurgeon(missing = "Default::default")]
    pub questions: BTreeMap<QuestionId, Question>,
    #[autosurgeon(missing = "Default::default")]
    pub suggestions: BTreeMap<SuggestionId, Suggestion>,
    #[autosurgeon(missing = "Default::default")]
    pub outcome: Text,
    #[autosurgeon(missing = "Default::default")]
    pub next_actions: BTreeMap<ActionId, NextAction>,
    #[autosurgeon(missing = "Default::default")]
    pub comments: BTreeMap<CommentId, Comment>,
    #[autosurgeon(missing = "Default::default")]
    pub closed_at: Option<Timestamp>,
    /// The last move on to a new phase, while it can still be undone.
    #[autosurgeon(missing = "Default::default")]
    pub advanced: Option<Advanced>,
    /// Conflicts members settled here: conflict id → what was kept (see
    /// [`crate::model::conflict`]).
    #[autosurgeon(missing = "Default::default")]
    pub settled: BTreeMap<String, String>,
    /// The format that wrote the case: a newer one makes it read-only here.
    #[autosurgeon(rename = "copse_format", missing = "Default::default")]
    pub format: Format,
}

impl Case {
    /// Makes this case read as `old`, an earlier version of it, again. Comments made since are
    /// kept. Text is spliced rather than replaced: autosurgeon refuses to write a `Text`
    /// hydrated at older heads, and a splice merges with concurrent typing anyway.
    pub fn restore(&mut self, old: Case) {
        let Case {
            title,
            presenter,
            situation,
            phase,
            opened_at,
            questions,
            suggestions,
            outcome,
            next_actions,
            comments: _,
            closed_at,
            advanced,
            // A settled conflict stays settled: restoring must not reopen it.
            settled: _,
            format: _,
        } = old;
        text_edit::splice_to(&mut self.situation, situation.as_str());
        text_edit::splice_to(&mut self.outcome, outcome.as_str());
        self.title = title;
        self.presenter = presenter;
        self.phase = phase;
        self.opened_at = opened_at;
        self.questions = questions;
        self.suggestions = suggestions;
        self.next_actions = next_actions;
        self.closed_at = closed_at;
        self.advanced = advanced;
    }

    /// Opens a case in the Clarify phase, presented by `presenter`.
    pub fn new(
        title: &str,
        situation: &str,
        presenter: &MemberId,
        now: Timestamp,
    ) -> Result<Case, ModelError> {
        Ok(Case {
            title: limits::title("a case's title", title)?,
            presenter: presenter.clone(),
            situation: Text::with_value(limits::required_text(
                "the situation",
                situation,
                limits::MAX_BODY_BYTES,
            )?),
            phase: Phase::Clarify,
            opened_at: now,
            questions: BTreeMap::new(),
            suggestions: BTreeMap::new(),
            outcome: Text::with_value(""),
            next_actions: BTreeMap::new(),
            comments: BTreeMap::new(),
            closed_at: None,
            advanced: None,
            settled: BTreeMap::new(),
            format: Format::default(),
        })
    }

    /// Renames the case; anyone in the community may, as with a note.
    pub fn rename(&mut self, title: &str) -> Result<(), ModelError> {
        let title = limits::title("a case's title", title)?;
        if self.title != title {
            self.title = title;
        }
        Ok(())
    }

    fn require_presenter(&self, by: &MemberId, action: &'static str) -> Result<(), ModelError> {
        if &self.presenter == by {
            Ok(())
        } else {
            Err(ModelError::NotPresenter { action })
        }
    }

    /// A clarifying question, asked by someone other than the presenter during Clarify.
    pub fn ask_question(
        &mut self,
        id: QuestionId,
        by: &MemberId,
        text: &str,
        now: Timestamp,
    ) -> Result<QuestionId, ModelError> {
        if &self.presenter == by {
            return Err(ModelError::PresenterCannot {
                action: "ask clarifying questions",
                hint: "the others ask, and the presenter answers",
            });
        }
        if self.phase != Phase::Clarify {
            return Err(ModelError::WrongPhase {
                action: "asking a clarifying question",
                phase: self.phase,
                hint: "questions belong to the Clarify phase",
            });
        }
        let text = limits::required_text("a question", text, limits::MAX_SHORT_TEXT_BYTES)?;
        self.questions.insert(
            id.clone(),
            Question {
                author: by.clone(),
                text,
                asked_at: now,
                answer: None,
                answered_at: None,
                thanks: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    /// The presenter answers a question (during Clarify or Suggest).
    pub fn answer_question(
        &mut self,
        id: &QuestionId,
        by: &MemberId,
        text: &str,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        self.require_presenter(by, "answer questions")?;
        if self.phase > Phase::Suggest {
            return Err(ModelError::WrongPhase {
                action: "answering a question",
                phase: self.phase,
                hint: "questions are answered during Clarify and Suggest",
            });
        }
        let text = limits::required_text("an answer", text, limits::MAX_SHORT_TEXT_BYTES)?;
        let question = self
            .questions
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchQuestion(id.to_string()))?;
        question.answer = Some(text);
        question.answered_at = Some(now);
        Ok(())
    }

    /// A suggestion: only in the Suggest phase, and not from the presenter.
    pub fn suggest(
        &mut self,
        id: SuggestionId,
        by: &MemberId,
        text: &str,
        now: Timestamp,
    ) -> Result<SuggestionId, ModelError> {
        if self.phase != Phase::Suggest {
            let hint = match self.phase {
                Phase::Clarify => {
                    "first help the presenter see the problem with questions; suggestions open when the presenter moves the case on"
                }
                _ => "the Suggest phase is over",
            };
            return Err(ModelError::WrongPhase {
                action: "making a suggestion",
                phase: self.phase,
                hint,
            });
        }
        if &self.presenter == by {
            return Err(ModelError::PresenterCannot {
                action: "make suggestions",
                hint: "in peer assist the presenter listens while the others suggest",
            });
        }
        let text = limits::required_text("a suggestion", text, limits::MAX_SHORT_TEXT_BYTES)?;
        self.suggestions.insert(
            id.clone(),
            Suggestion {
                author: by.clone(),
                text,
                at: now,
                thanks: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    /// The presenter moves the case on: Clarify → Suggest → Reflect. Closing needs an outcome
    /// (see [`Case::close`]).
    pub fn advance_phase(&mut self, by: &MemberId) -> Result<Phase, ModelError> {
        self.require_presenter(by, "move the case to its next phase")?;
        let mark = self.written(self.phase);
        self.phase = match self.phase {
            Phase::Clarify => Phase::Suggest,
            Phase::Suggest => Phase::Reflect,
            Phase::Reflect => {
                return Err(ModelError::WrongPhase {
                    action: "advancing",
                    phase: Phase::Reflect,
                    hint: "close the case with its outcome and next actions",
                });
            }
            Phase::Closed => {
                return Err(ModelError::WrongPhase {
                    action: "advancing",
                    phase: Phase::Closed,
                    hint: "the case is already closed",
                });
            }
        };
        self.advanced = Some(mark);
        Ok(self.phase)
    }

    /// What has been written so far, as an undo of a move from `from` compares it.
    fn written(&self, from: Phase) -> Advanced {
        Advanced {
            from,
            comments: self.comments.keys().cloned().collect(),
            answers: self.answered(),
            suggestions: self.suggestions.len() as u64,
        }
    }

    fn answered(&self) -> u64 {
        self.questions
            .values()
            .filter(|q| q.answer.is_some())
            .count() as u64
    }

    /// Whether the presenter may still take back the last move on: nobody has written since
    /// (no new comment, answer or suggestion). Returns the phase it would go back to.
    pub fn can_undo_advance(&self) -> Result<Phase, ModelError> {
        let Some(mark) = &self.advanced else {
            return Err(ModelError::CannotUndoAdvance {
                to: self.phase,
                reason: "there is no move on to undo",
            });
        };
        if self.phase == Phase::Closed {
            return Err(ModelError::CannotUndoAdvance {
                to: mark.from,
                reason: "the case is closed",
            });
        }
        let new_comment = self.comments.keys().any(|id| !mark.comments.contains(id));
        if new_comment
            || self.answered() > mark.answers
            || self.suggestions.len() as u64 > mark.suggestions
        {
            return Err(ModelError::CannotUndoAdvance {
                to: mark.from,
                reason: "someone has already written in the new phase",
            });
        }
        Ok(mark.from)
    }

    /// The presenter takes back the last move on, until someone writes in the new phase.
    pub fn undo_advance(&mut self, by: &MemberId) -> Result<Phase, ModelError> {
        self.require_presenter(by, "undo moving the case on")?;
        self.phase = self.can_undo_advance()?;
        self.advanced = None;
        Ok(self.phase)
    }

    /// The presenter closes the case from Reflect with its outcome and next small actions.
    pub fn close(
        &mut self,
        by: &MemberId,
        outcome: &str,
        actions: Vec<(ActionId, String, Option<MemberId>)>,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        self.require_presenter(by, "close the case")?;
        if self.phase != Phase::Reflect {
            return Err(ModelError::WrongPhase {
                action: "closing",
                phase: self.phase,
                hint: "a case is closed after the Reflect phase",
            });
        }
        let outcome = limits::required_text("the outcome", outcome, limits::MAX_BODY_BYTES)?;
        let mut checked = Vec::with_capacity(actions.len());
        for (id, text, owner) in actions {
            let text = limits::required_text("a next action", &text, limits::MAX_SHORT_TEXT_BYTES)?;
            checked.push((
                id,
                NextAction {
                    text,
                    owner,
                    done: false,
                },
            ));
        }
        text_edit::splice_to(&mut self.outcome, &outcome);
        self.next_actions.extend(checked);
        self.phase = Phase::Closed;
        self.advanced = None;
        self.closed_at = Some(now);
        Ok(())
    }

    /// Ticks a next action off (`done`) or back on. Its owner may, and so may the presenter,
    /// who recorded it. Returns false when it already was so.
    pub fn tick_action(
        &mut self,
        id: &ActionId,
        by: &MemberId,
        done: bool,
    ) -> Result<bool, ModelError> {
        let presenter = self.presenter.clone();
        let action = self
            .next_actions
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchAction(id.to_string()))?;
        if action.owner.as_ref() != Some(by) && &presenter != by {
            return Err(ModelError::NotActionOwner);
        }
        if action.done == done {
            return Ok(false);
        }
        action.done = done;
        Ok(true)
    }

    pub fn add_comment(
        &mut self,
        id: CommentId,
        by: &MemberId,
        text: &str,
        now: Timestamp,
    ) -> Result<CommentId, ModelError> {
        self.comments
            .insert(id.clone(), Comment::new(by, text, now)?);
        Ok(id)
    }

    /// Deletes one's own comment.
    pub fn delete_comment(&mut self, id: &CommentId, by: &MemberId) -> Result<(), ModelError> {
        crate::model::comment::delete(&mut self.comments, id, by).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    fn case() -> Case {
        Case::new(
            "Team won't adopt reviews",
            "We tried twice.",
            &m("pia"),
            Timestamp(1),
        )
        .unwrap()
    }

    #[test]
    fn suggestion_during_clarify_is_refused_with_the_reason() {
        let mut c = case();
        let err = c
            .suggest(
                SuggestionId::new_random(),
                &m("bo"),
                "Try pairing",
                Timestamp(2),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            ModelError::WrongPhase {
                phase: Phase::Clarify,
                ..
            }
        ));
        assert!(err.to_string().contains("questions"), "{err}");
        assert!(c.suggestions.is_empty());
    }

    #[test]
    fn only_the_presenter_advances_and_answers() {
        let mut c = case();
        let q = c
            .ask_question(
                QuestionId::new_random(),
                &m("bo"),
                "Who decides?",
                Timestamp(2),
            )
            .unwrap();
        assert_eq!(
            c.advance_phase(&m("bo")),
            Err(ModelError::NotPresenter {
                action: "move the case to its next phase"
            })
        );
        assert!(matches!(
            c.answer_question(&q, &m("bo"), "me", Timestamp(3)),
            Err(ModelError::NotPresenter { .. })
        ));
        c.answer_question(&q, &m("pia"), "The lead", Timestamp(3))
            .unwrap();
        assert_eq!(c.questions[&q].answer.as_deref(), Some("The lead"));
        assert_eq!(c.advance_phase(&m("pia")), Ok(Phase::Suggest));
    }

    #[test]
    fn the_presenter_undoes_a_move_on_until_someone_writes_in_the_new_phase() {
        let mut c = case();
        assert!(
            c.undo_advance(&m("pia")).is_err(),
            "nothing to undo before a move"
        );
        c.advance_phase(&m("pia")).unwrap();
        assert!(matches!(
            c.undo_advance(&m("bo")),
            Err(ModelError::NotPresenter { .. })
        ));
        assert_eq!(c.undo_advance(&m("pia")), Ok(Phase::Clarify));
        assert_eq!(c.phase, Phase::Clarify);
        assert!(c.undo_advance(&m("pia")).is_err(), "one move, one undo");

        // Once a member suggests in Suggest, the move stands.
        c.advance_phase(&m("pia")).unwrap();
        c.suggest(SuggestionId::new_random(), &m("bo"), "Pair", Timestamp(3))
            .unwrap();
        let err = c.undo_advance(&m("pia")).unwrap_err();
        assert!(err.to_string().contains("already written"), "{err}");
        assert_eq!(c.phase, Phase::Suggest);

        // A comment in Reflect counts as writing too; one from before the move does not.
        c.advance_phase(&m("pia")).unwrap();
        assert_eq!(c.can_undo_advance(), Ok(Phase::Suggest));
        c.add_comment(CommentId::new_random(), &m("bo"), "Thanks", Timestamp(4))
            .unwrap();
        assert!(c.undo_advance(&m("pia")).is_err());
    }

    #[test]
    fn presenter_neither_asks_nor_suggests() {
        let mut c = case();
        assert!(matches!(
            c.ask_question(QuestionId::new_random(), &m("pia"), "?", Timestamp(2)),
            Err(ModelError::PresenterCannot { .. })
        ));
        c.advance_phase(&m("pia")).unwrap();
        assert!(matches!(
            c.suggest(SuggestionId::new_random(), &m("pia"), "!", Timestamp(2)),
            Err(ModelError::PresenterCannot { .. })
        ));
    }

    #[test]
    fn full_walk_through_the_phases() {
        let mut c = case();
        c.ask_question(
            QuestionId::new_random(),
            &m("bo"),
            "Why twice?",
            Timestamp(2),
        )
        .unwrap();
        c.advance_phase(&m("pia")).unwrap();
        assert!(
            c.ask_question(QuestionId::new_random(), &m("bo"), "late?", Timestamp(3))
                .is_err()
        );
        c.suggest(
            SuggestionId::new_random(),
            &m("bo"),
            "Start with one team",
            Timestamp(3),
        )
        .unwrap();
        assert_eq!(c.advance_phase(&m("pia")), Ok(Phase::Reflect));
        assert!(
            c.suggest(SuggestionId::new_random(), &m("bo"), "late", Timestamp(4))
                .is_err()
        );
        assert!(matches!(
            c.advance_phase(&m("pia")),
            Err(ModelError::WrongPhase {
                phase: Phase::Reflect,
                ..
            })
        ));
        assert!(
            c.close(&m("pia"), "  ", vec![], Timestamp(5)).is_err(),
            "an outcome is required"
        );
        c.close(
            &m("pia"),
            "Pilot with one team",
            vec![(
                ActionId::from("a1".to_string()),
                "Ask the lead".into(),
                Some(m("pia")),
            )],
            Timestamp(5),
        )
        .unwrap();
        assert_eq!(c.phase, Phase::Closed);
        assert_eq!(c.outcome.as_str(), "Pilot with one team");
        assert_eq!(c.next_actions.len(), 1);
        assert_eq!(c.closed_at, Some(Timestamp(5)));
        assert!(c.advance_phase(&m("pia")).is_err());
    }

    #[test]
    fn actions_are_ticked_by_their_owner_or_the_presenter() {
        let mut c = case();
        c.advance_phase(&m("pia")).unwrap();
        c.advance_phase(&m("pia")).unwrap();
        let (a1, a2) = (
            ActionId::from("a1".to_string()),
            ActionId::from("a2".to_string()),
        );
        c.close(
            &m("pia"),
            "Pilot",
            vec![
                (a1.clone(), "Ask the lead".into(), Some(m("bo"))),
                (a2.clone(), "Write it up".into(), Some(m("pia"))),
            ],
            Timestamp(5),
        )
        .unwrap();
        assert_eq!(c.tick_action(&a1, &m("bo"), true), Ok(true));
        assert_eq!(c.tick_action(&a1, &m("bo"), true), Ok(false));
        assert!(c.next_actions[&a1].done);
        assert_eq!(
            c.tick_action(&a2, &m("bo"), true),
            Err(ModelError::NotActionOwner)
        );
        assert_eq!(c.tick_action(&a1, &m("pia"), false), Ok(true));
        assert!(!c.next_actions[&a1].done);
        assert!(matches!(
            c.tick_action(&ActionId::from("zz".to_string()), &m("pia"), true),
            Err(ModelError::NoSuchAction(_))
        ));
    }

    #[test]
    fn closing_early_is_refused() {
        let mut c = case();
        assert!(matches!(
            c.close(&m("pia"), "done", vec![], Timestamp(2)),
            Err(ModelError::WrongPhase {
                phase: Phase::Clarify,
                ..
            })
        ));
    }
}
